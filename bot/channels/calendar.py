"""A plan as an iCalendar file (icalendar): one weekly event per training day.

The weekdays are the coach's own suggestion (the article gives no schedule beyond the AHA's at least
twice a week); each event's description lists that day's exercises and the plan's notes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

from bot.core.messages import Plan

# days per week -> weekdays (0 = Monday): spread out, the coach's own suggestion
WEEKDAYS = {2: [0, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4], 6: [0, 1, 2, 3, 4, 5]}
_RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
START_TIME = time(18, 0)  # an evening slot the person can move in their calendar


def plan_calendar(plan: Plan, start: date) -> bytes:
    """The plan's training days as weekly events from the week of `start` (an .ics file)."""
    cal = Calendar()
    cal.add("prodid", "-//Hypertrophy Coach//plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", plan.title)
    monday = start - timedelta(days=start.weekday())
    weekdays = WEEKDAYS.get(len(plan.days), list(range(len(plan.days))))
    minutes = plan.minutes_per_session or 45
    for day, weekday in zip(plan.days, weekdays, strict=False):
        first = monday + timedelta(days=weekday)
        if first < start:
            first += timedelta(days=7)
        begin = datetime.combine(first, START_TIME)
        event = Event()
        event.add("uid", f"{plan.title}-{day.name}@hypertrophy-coach".replace(" ", "-"))
        event.add("dtstamp", datetime.now(UTC))
        event.add("summary", f"{day.name} ({plan.title})")
        event.add("dtstart", begin)
        event.add("dtend", begin + timedelta(minutes=minutes))
        event.add("rrule", {"freq": "weekly", "byday": _RRULE_DAYS[weekday]})
        lines = [f"- {ex.name}: {ex.sets} sets of {ex.reps} reps, rest {ex.rest}"
                 for ex in day.exercises]
        event.add("description", "\n".join([*lines, "", *plan.notes]))
        cal.add_component(event)
    return cal.to_ical()
