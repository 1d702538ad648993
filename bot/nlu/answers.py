"""Form answers: what a person's words say as an answer to one of the plan interview's questions.

Every reading of the user's words lives in bot/nlu; the form's validation (actions/program.py)
calls these and decides what to do with the value.
"""

from __future__ import annotations

import re

from knowledge.loader import default_knowledge

NO_LIMIT = "any"
NO_INJURY = "none"
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "once": 1, "twice": 2, "fifteen": 15,
                "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                "eighty": 80, "ninety": 90}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_YES = re.compile(r"^\s*(?:y|yes|yep|yeah|yup|sure|ok|okay|sounds good|correct|please do|do it|go"
                  r"(?: with it| ahead)?|fine|alright|that works)\b")
# words that say a provider cleared the person ("yes", "yep cleared", "got the green light")
# (not "i have ..." or "y ...": "i have a bad knee", "y would i need that" say no such thing)
_CLEARED = re.compile(r"^\s*y\s*[.!]?\s*$|\b(?:yes|yep|yeah|yup|ya|yea|sure|correct|they did|"
                      r"he did|she did|cleared|they said (?:it'?s )?(?:ok|fine)|got the (?:ok|okay|all clear|"
                      r"green light)|approved|all clear|green light|signed off|of course|definitely|"
                      r"absolutely)\b")
_NO = re.compile(r"^\s*(?:n|no|nope|nah|not really|not yet|negative)\b")
_NONE = re.compile(r"\b(?:no(?:ne|pe)?|nothing|nah|healthy|all good|fine|not really|no injur\w*|"
                   r"no (?:health )?(?:conditions?|issues?|problems?)|injury[- ]free)\b")
_NO_INJURY_STATEMENT = re.compile(r"\binjur(?:y|ies)[:\s-]+(?:none|no|nope|nil|zero|n/a|0)\b|"
                                  r"\bno (?:injur\w*|inj|injs|health (?:conditions?|issues?|problems?)|"
                                  r"medical (?:conditions?|issues?))\b|\binjury[- ]free\b")
_INJURY_WORDS = re.compile(r"\b(?:hurt|injur\w*|pain|sore|surgery|torn|tear|broke|broken|bad|"
                           r"arthritis|asthma|diabet\w*|pregnan\w*|condition|problem|issue|sprain\w*|"
                           r"tendon\w*|disc|hernia|blood pressure|heart|osteo\w*|knee|back|shoulder)\b")
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b")
_QUESTION = re.compile(r"\?\s*$|^\s*(?:what|which|how|why|does|do|is|are|should|can)\b")
_GOAL_PHRASE = re.compile(r"\b(?:goal(?: is|:)?|for|want(?: to)?(?: get| be| build)?|focus(?: is| on|:)?|"
                          r"to get|get)\s+(?:more\s+|muscle\s+)?(size|mass|strength|hypertrophy|bigger|"
                          r"stronger|growth|gains|bulk(?:ing)?)\b"
                          r"|\b(strength|size|hypertrophy|powerlifting)[\s-]+(?:plan|program\w*|routine|"
                          r"split|focus\w*|goal|training plan|block)\b")
_NUMBER = re.compile(r"\b(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")(?:ish)?\b")


def _numbers(text: str) -> list[int]:
    """The numbers in a text, digits or words ("forty five" is 45)."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"\b(" + "|".join(_TENS) + r")\s+(one|two|three|four|five|six|seven|eight|nine)\b",
                  lambda m: str(NUMBER_WORDS[m.group(1)] + NUMBER_WORDS[m.group(2)]), text)
    return [int(n) if n.isdigit() else NUMBER_WORDS[n] for n in _NUMBER.findall(text)]


def parse_goal(value: str) -> str | None:
    """'size' or 'strength' from an entity value or an answer; 'not sure' means the default."""
    text = value.lower()
    if "strength" in text or "strong" in text or "powerlift" in text:
        return "strength"
    if re.search(r"size|big|mass|muscle|hypertroph|gain|bulk|swole|grow|both|either|"
                 r"not sure|dunno|idk|whatever|don'?t know", text) or _YES.match(text):
        return "size"
    return None


def parse_experience(value: str) -> str | None:
    """beginner / intermediate / advanced; years of lifting count ('5 years' is advanced)."""
    text = value.lower()
    for level in ("beginner", "intermediate", "advanced"):
        if level in text:
            return level
    years = re.search(r"(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)\+?\s*(?:years?|yrs?)",
                      text)
    if years:
        n = 1 if years.group(1) == "a" else _numbers(years.group(1))[0]
        return "advanced" if n >= 3 else "intermediate"
    if re.search(r"\b(?:months?|weeks?)\b", text):
        return "beginner"
    if re.search(r"never|new|novice|newbie|noob|first time|just start|starting out|no experience|"
                 r"not much|little|rookie|total beginner", text):
        return "beginner"
    if re.search(r"some|a bit|a while|decent|moderate|on and off|casual", text):
        return "intermediate"
    if re.search(r"experienced|veteran|long time|lots|years|competitive|pro\b|since (?:college|"
                 r"high ?school|school|uni|university|i was a kid|forever)|for ages|ages", text):
        return "advanced"
    return None


def parse_days(value: str, rules_min: int = 2, rules_max: int = 6) -> tuple[str | None, str | None]:
    """(days, problem): the days per week, or why the answer can't be used ('out_of_range')."""
    weekdays = set(_WEEKDAY.findall(value.lower()))
    if len(weekdays) >= 2 and not _numbers(value):  # "mon wed fri"
        value = str(len(weekdays))
    numbers = [n for n in _numbers(value) if 0 < n <= 14]
    if not numbers:
        return None, "missing"
    if len(set(numbers)) > 1 and re.search(r"\bor\b|maybe|/|-|to", value.lower()):
        low = min(numbers)
        return (str(low), "ambiguous") if rules_min <= low <= rules_max else (None, "out_of_range")
    days = numbers[0]
    if not rules_min <= days <= rules_max:
        return None, "out_of_range"
    return str(days), None


def parse_equipment(value: str) -> str | None:
    """dumbbells, bodyweight_dumbbells or full_gym."""
    text = value.lower().replace("-", " ")
    if text in ("dumbbells", "bodyweight_dumbbells", "full_gym"):
        return text
    if re.search(r"gym|barbell|machine|everything|all of it|cable|rack", text):
        return "full_gym"
    if re.search(r"dumb+|db\b|free weights", text):
        return "bodyweight_dumbbells" if re.search(r"body ?weight|home", text) else "dumbbells"
    return None


def parse_duration(value: str) -> str | None:
    """Minutes per session as a string, or NO_LIMIT for 'skip' / 'doesn't matter'."""
    text = value.lower()
    if re.search(r"skip|any|no limit|doesn'?t matter|whatever|not sure|dunno|idk|flexible|"
                 r"depends|no idea|unlimited|as long as", text) or _YES.match(text):
        return NO_LIMIT
    if re.match(r"^\s*(?:none|no|nope|nah|n/?a)\b[\s\w,!.]{0,12}$", text) and not _numbers(text) \
            and not re.search(r"injur|pain|hurt", text):
        return NO_LIMIT  # "none" to "how long can each workout be?": no time limit
    if re.search(r"\bhour and a half\b", text):
        return "90"
    if re.search(r"\b(?:an|one|1)\s*(?:hour|hr)\b", text):
        return "60"
    if re.search(r"half (?:an )?hour", text):
        return "30"
    numbers = _numbers(text)
    if numbers and 15 <= numbers[0] <= 180:
        return str(numbers[0])
    return None


def parse_injuries(value: str, intent: str) -> str | None:
    """NO_INJURY, a condition id from the knowledge base, or 'injury' for a described problem."""
    text = value.lower()
    condition_ids = {t.id for t in default_knowledge().vocabulary.condition}
    if text in condition_ids or text == NO_INJURY:
        return text
    if _QUESTION.search(text):
        return None  # "what counts as a health condition?" asks, it does not answer
    if intent == "deny" or (_NONE.search(text) and not _INJURY_WORDS.search(
            _NO_INJURY_STATEMENT.sub("", text))):
        return NO_INJURY
    if re.match(r"^\s*(?:yes|yeah|yep|yup|ya)\b", text) or re.search(r"\bi (?:do|have (?:one|some))\b",
                                                                   text):
        return "injury"  # "yes, I have one": which one is for their provider, not for us
    if _INJURY_WORDS.search(text):
        return "injury"
    return None


def parse_clearance(value: str, intent: str) -> str | None:
    """'yes' when a provider cleared them, 'no' when not."""
    text = value.lower()
    if intent == "deny" or _NO.match(text) or "not" in text.split():
        return "no"
    # a clearance is said in words that say it, or by its button (the /affirm payload): an affirm
    # reading alone ("pls?", "ok") is not one
    if (intent == "affirm" and text.strip().startswith("/affirm")) or _CLEARED.search(text):
        return "yes"
    return None


def says_yes(text: str) -> bool:
    """"yes", "sure", "sounds good", "go ahead" at the start of an answer."""
    return bool(_YES.match(text.lower()))


def says_no(text: str) -> bool:
    """"no", "nope", "not yet" at the start of an answer."""
    return bool(_NO.match(text.lower()))


def stated_goal(text: str) -> str | None:
    """A goal said in passing ("goal is size", "for strength", "i want to get bigger")."""
    m = _GOAL_PHRASE.search(text.lower())
    return parse_goal(m.group(1) or m.group(2)) if m else None


def states_no_injury(text: str) -> bool:
    """"no injuries", "no health issues", "injury-free" said anywhere."""
    from bot.nlu.form_values import NO_INJURY  # (form_values imports spaCy; answers need not)

    return bool(_NO_INJURY_STATEMENT.search(text.lower()) or NO_INJURY.search(text.lower()))


def numbers_in(text: str) -> list[int]:
    """The numbers in a text, digits or words ("forty five" is 45)."""
    return _numbers(text)
