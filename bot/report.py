"""`coach report`: what users asked and where the bot failed, read from the tracker store.

It reads what the store holds (SQLite's `trackers`/`events` tables, read-only, or Redis's
`coach:state:*` and `coach:events:*` keys) and builds a `UsageReport`: conversations and messages
per day, intent counts, fallbacks and "did you mean" choices, low-confidence and near-tie messages,
out-of-scope asks, safety stops by tier, plan interviews (started, finished, where people dropped
out) and the slowest turns. Fallbacks, low-confidence messages and out-of-scope asks are grouped
by similarity (rapidfuzz), so an owner reads a few groups rather than every line.

`write_html` writes it as one self-contained page (inline CSS, an inline SVG chart, no script and
no network); `export_nlu` writes the grouped misses as a Rasa 3.1 NLU file for review.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, get_args

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process, utils

from bot.core.config import CoachConfig
from bot.core.errors import CoachError
from bot.core.messages import Tier

TEMPLATES = Path(__file__).parent / "reporting"
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTION = "action_fallback"
OUT_OF_SCOPE_INTENTS = ("out_of_scope", "out_of_scope_medical")
OUT_OF_SCOPE_ACTIONS = ("action_out_of_scope", "action_meal_plan", "action_uncovered_subject")
AFFIRM = "affirm"
NO_QUESTION = "(before the first question)"

# words that carry no topic: left out when messages are compared
STOPWORDS = frozenset("""a an the i im i'm me my mine you your u it its is are was were be been am do
does did doing to of in on at for with and or but so if then than that this these those there
what whats how hows when why which who whom can could should would will shall may might must
just really very please pls ok okay hey hi hello yes no not dont don't about get got have has
had any some much many more most""".split())


class ReportError(CoachError):
    """The store cannot be read (missing file, memory store, unreachable Redis)."""


# ---- reading the store ----------------------------------------------------------------------------
def _since_ts(since: date | None) -> float:
    return datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp() if since else 0.0


def read_sqlite(path: Path, since: date | None = None) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(sender, events) of every conversation in a SQLite store, read-only; with `since`, only the
    conversations updated since then."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"no SQLite tracker store at {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM trackers LIMIT 1")
    except sqlite3.Error as exc:
        raise ReportError(f"{path}: not a tracker store: {exc}") from exc
    try:
        senders = [s for (s,) in conn.execute(
            "SELECT sender_id FROM trackers WHERE updated >= ? ORDER BY sender_id",
            (_since_ts(since),))]
        for sender in senders:
            events = [json.loads(d) for (d,) in conn.execute(
                "SELECT data FROM events WHERE sender_id = ? ORDER BY seq", (sender,))]
            yield sender, events
    finally:
        conn.close()


def read_redis(url: str, prefix: str = "coach:") -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(sender, events) of every conversation in a Redis store (its `<prefix>state:*` keys)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        state_prefix = prefix + "state:"
        keys = sorted(k.decode() if isinstance(k, bytes) else str(k)
                      for k in client.scan_iter(match=state_prefix + "*", count=500))
        for key in keys:
            sender = key[len(state_prefix):]
            raw = client.lrange(prefix + "events:" + sender, 0, -1)
            yield sender, [json.loads(e) for e in raw]
    except redis.exceptions.RedisError as exc:
        raise ReportError(f"{url}: cannot read the Redis store: {exc}") from exc
    finally:
        client.close()


def read_store(kind: str, data_dir: Path,
               since: date | None = None) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The conversations of the store config.yml (or COACH_TRACKER_STORE) names."""
    if kind.startswith(("redis://", "rediss://", "unix://")):
        return read_redis(kind)
    if kind == "sqlite":
        return read_sqlite(Path(data_dir) / "trackers.db", since)
    if kind.endswith(".db") and Path(kind).exists():
        return read_sqlite(Path(kind), since)
    if kind == "memory":
        raise ReportError("the memory store keeps nothing between processes: nothing to report "
                          "(use sqlite or redis://)")
    raise ReportError(f"unknown store {kind!r} (sqlite, a .db file or redis://...)")


# ---- turns ------------------------------------------------------------------------------------------
class TurnView(BaseModel):
    """One user message and what followed it, up to the next user message."""

    sender: str
    ts: float
    text: str
    intent: str
    ranking: list[tuple[str, float]]  # the classifier's top intents, before the fallback
    actions: list[str]
    bots: list[dict[str, Any]]  # bot events
    events: list[dict[str, Any]]  # every event after the user event
    latency: float | None  # seconds from the user event to the turn's last bot event

    @property
    def payload(self) -> bool:
        """A button payload (/intent{...}), not words a person typed."""
        return self.text.startswith("/")

    @property
    def top(self) -> tuple[str, float]:
        return self.ranking[0] if self.ranking else (self.intent, 0.0)

    @property
    def gap(self) -> float:
        """How far the top intent is ahead of the second."""
        if len(self.ranking) < 2:
            return 1.0
        return self.ranking[0][1] - self.ranking[1][1]

    def customs(self, kind: str) -> list[dict[str, Any]]:
        return [c for b in self.bots if isinstance(c := (b.get("data") or {}).get("custom"), dict)
                and c.get("kind") == kind]


def turns_of(sender: str, events: list[dict[str, Any]], since_ts: float = 0.0) -> list[TurnView]:
    """A conversation's turns, from `since_ts` on (events before its first user message are
    ignored)."""
    turns: list[TurnView] = []
    starts = [i for i, e in enumerate(events) if e.get("event") == "user"]
    for n, start in enumerate(starts):
        user = events[start]
        ts = float(user.get("timestamp") or 0.0)
        if ts < since_ts:
            continue
        after = events[start + 1:starts[n + 1] if n + 1 < len(starts) else len(events)]
        parse = user.get("parse_data") or {}
        bots = [e for e in after if e.get("event") == "bot"]
        bot_times = [float(b["timestamp"]) for b in bots if b.get("timestamp")]
        ranking = [(str(r.get("name")), float(r.get("confidence") or 0.0))
                   for r in parse.get("intent_ranking") or []]
        turns.append(TurnView(
            sender=sender, ts=ts, text=str(user.get("text") or ""),
            intent=str((parse.get("intent") or {}).get("name") or ""), ranking=ranking[:3],
            actions=[str(e.get("name")) for e in after if e.get("event") == "action"],
            bots=bots, events=after, latency=(max(bot_times) - ts) if bot_times else None))
    return turns


# ---- grouping by similarity -----------------------------------------------------------------------
def _words(text: str) -> str:
    """The text's topic words: lower-case, punctuation gone, function words left out, every
    number the same ("60" and "45" are both a bare number)."""
    processed = ["0" if w.isdigit() else w for w in utils.default_process(text).split()]
    kept = [w for w in processed if w not in STOPWORDS]
    return " ".join(kept or processed)


def similarity(a: str, b: str, **_: Any) -> float:
    """0-100: the mean of rapidfuzz's token_set_ratio and token_sort_ratio; only token_sort_ratio
    when one message is much shorter than the other (a few shared words must not make a short
    message look like a long one)."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return 100.0 if wa == wb else 0.0
    if min(len(wa), len(wb)) / max(len(wa), len(wb)) < 0.5:
        return fuzz.token_sort_ratio(a, b)
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


class Example(BaseModel):
    text: str
    count: int
    guess: str  # the classifier's top intent
    confidence: float


class Group(BaseModel):
    """Messages alike enough to read as one."""

    label: str  # its most frequent message
    size: int  # how many messages
    guess: str  # the intent the model guessed most often for them
    guesses: dict[str, int]
    examples: list[Example]  # distinct texts, most frequent first


def group_messages(turns: Iterable[TurnView], threshold: float = 70.0,
                   max_examples: int = 12) -> list[Group]:
    """Greedy leader clustering: each distinct text (most frequent first) joins the group whose
    first text it resembles most, at `threshold` or more, or starts a group. Largest first."""
    by_words: dict[str, list[TurnView]] = {}
    for turn in turns:
        by_words.setdefault(_words(turn.text), []).append(turn)
    leaders: list[str] = []
    members: list[list[str]] = []
    for words in sorted(by_words, key=lambda w: (-len(by_words[w]), w)):
        best = process.extractOne(words, leaders, scorer=similarity, score_cutoff=threshold) \
            if leaders and words else None
        if best is None:
            leaders.append(words)
            members.append([words])
        else:
            members[best[2]].append(words)
    groups = []
    for words_list in members:
        texts: Counter[str] = Counter()
        guesses: Counter[str] = Counter()
        first: dict[str, TurnView] = {}
        for words in words_list:
            for turn in by_words[words]:
                texts[turn.text] += 1
                guesses[turn.top[0]] += 1
                first.setdefault(turn.text, turn)
        examples = [Example(text=t, count=n, guess=first[t].top[0],
                            confidence=round(first[t].top[1], 3))
                    for t, n in texts.most_common(max_examples)]
        groups.append(Group(label=examples[0].text, size=sum(texts.values()),
                            guess=guesses.most_common(1)[0][0], guesses=dict(guesses.most_common()),
                            examples=examples))
    return sorted(groups, key=lambda g: (-g.size, g.label))


# ---- the report -------------------------------------------------------------------------------------
class Day(BaseModel):
    day: str  # YYYY-MM-DD (UTC)
    conversations: int
    messages: int


class DidYouMean(BaseModel):
    offered: int = 0  # "did you mean" questions with suggestions
    chosen: int = 0  # answered with one of the suggestions (a button, or "yes" for the first)
    other: int = 0  # answered with something else
    left: int = 0  # the conversation ended there
    choices: dict[str, int] = Field(default_factory=dict)  # chosen intent -> times


class Interviews(BaseModel):
    started: int = 0
    finished: int = 0  # produced a plan message
    dropped: dict[str, int] = Field(default_factory=dict)  # last question asked -> interviews
    ended_without_plan: dict[str, int] = Field(default_factory=dict)  # of those: the interview
    # was ended (cancelled, a safety stop, no clearance); the others were left mid-interview


class SlowTurn(BaseModel):
    sender: str
    when: str
    text: str
    seconds: float
    actions: list[str]


class UsageReport(BaseModel):
    """What `coach report` shows."""

    generated: str
    store: str
    since: str | None
    conversations: int = 0
    messages: int = 0
    days: list[Day] = Field(default_factory=list)
    intents: dict[str, int] = Field(default_factory=dict)
    fallbacks: int = 0
    form_answers_unplaced: int = 0  # nlu_fallback messages the interview took as answers
    fallback_groups: list[Group] = Field(default_factory=list)
    did_you_mean: DidYouMean = Field(default_factory=DidYouMean)
    low_confidence: int = 0  # top confidence under the bar
    near_ties: int = 0  # top two closer than the bar
    uncertain_groups: list[Group] = Field(default_factory=list)  # both kinds together
    out_of_scope: int = 0
    out_of_scope_groups: list[Group] = Field(default_factory=list)
    safety: dict[str, int] = Field(default_factory=dict)  # tier -> safety stops
    interviews: Interviews = Field(default_factory=Interviews)
    slowest: list[SlowTurn] = Field(default_factory=list)
    thresholds: dict[str, float] = Field(default_factory=dict)


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def form_took(turn: TurnView) -> bool:
    """Whether the plan interview took the message as an answer (its validation ran): then what the
    classifier made of "45" or "dumbbells" does not matter."""
    return any(a.startswith("validate_") for a in turn.actions) and FALLBACK_ACTION not in turn.actions


def is_fallback(turn: TurnView) -> bool:
    """The fallback action ran, or the NLU could not place a message the interview did not take."""
    return FALLBACK_ACTION in turn.actions or (turn.intent == FALLBACK_INTENT and not form_took(turn))


def is_out_of_scope(turn: TurnView) -> bool:
    return turn.intent in OUT_OF_SCOPE_INTENTS or any(a in OUT_OF_SCOPE_ACTIONS for a in turn.actions)


def _offered(turn: TurnView) -> list[str]:
    """The intents a "did you mean" of this turn suggested (the fallback_guesses slot)."""
    for event in turn.events:
        if event.get("event") == "slot" and event.get("name") == "fallback_guesses":
            value = event.get("value") or {}
            if isinstance(value, dict) and value.get("intents"):
                return [str(i) for i in value["intents"]]
    return []


def _choice(offered: list[str], reply: TurnView) -> str | None:
    """The suggestion the next message took: a button of one, or "yes" for the first."""
    if reply.payload:
        intent = reply.text[1:].split("{", 1)[0].strip()
        return intent if intent in offered else None
    return offered[0] if reply.intent == AFFIRM else None


class _InterviewWalk:
    """Follows plan interviews through one conversation's turns."""

    def __init__(self, out: Interviews) -> None:
        self.out = out
        self.open: dict[str, Any] | None = None

    def turn(self, turn: TurnView) -> None:
        for event in turn.events:
            kind = event.get("event")
            if kind == "active_loop":
                if event.get("name"):
                    if self.open is None:
                        self.out.started += 1
                        self.open = {"last": None, "closing": False}
                    else:
                        self.open["closing"] = False
                elif self.open is not None:
                    self.open["closing"] = True
            elif kind == "slot" and event.get("name") == "requested_slot" and event.get("value") \
                    and self.open is not None:
                self.open["last"] = str(event["value"])
        if self.open is not None and turn.customs("plan"):
            self.out.finished += 1
            self.open = None
        elif self.open is not None and self.open["closing"]:
            self.drop(ended=True)

    def drop(self, ended: bool) -> None:
        if self.open is None:
            return
        step = self.open["last"] or NO_QUESTION
        self.out.dropped[step] = self.out.dropped.get(step, 0) + 1
        if ended:
            self.out.ended_without_plan[step] = self.out.ended_without_plan.get(step, 0) + 1
        self.open = None


def build_report(conversations: Iterable[tuple[str, list[dict[str, Any]]]], store: str = "",
                 since: date | None = None, low_confidence: float = 0.5, near_tie: float = 0.15,
                 threshold: float = 70.0, slowest: int = 10) -> UsageReport:
    """The report over these conversations (only their turns from `since` on)."""
    report = UsageReport(generated=_when(time.time()), store=store,
                         since=since.isoformat() if since else None,
                         thresholds={"low_confidence": low_confidence, "near_tie": near_tie,
                                     "similarity": threshold})
    since_ts = _since_ts(since)
    day_senders: dict[str, set[str]] = {}
    day_messages: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    tiers: Counter[str] = Counter()
    fallbacks: list[TurnView] = []
    uncertain: list[TurnView] = []
    out_of_scope: list[TurnView] = []
    timed: list[TurnView] = []
    dym = report.did_you_mean
    choices: Counter[str] = Counter()
    for sender, events in conversations:
        turns = turns_of(sender, events, since_ts)
        if not turns:
            continue
        report.conversations += 1
        walk = _InterviewWalk(report.interviews)
        for n, turn in enumerate(turns):
            report.messages += 1
            day = _day(turn.ts)
            day_senders.setdefault(day, set()).add(sender)
            day_messages[day] += 1
            intents[turn.intent] += 1
            for custom in turn.customs("safety"):
                tiers[str(custom.get("tier") or "none")] += 1
            if is_fallback(turn):
                fallbacks.append(turn)
            elif form_took(turn):
                report.form_answers_unplaced += int(turn.intent == FALLBACK_INTENT)
            elif not turn.payload and (turn.top[1] < low_confidence or turn.gap < near_tie):
                report.low_confidence += int(turn.top[1] < low_confidence)
                report.near_ties += int(turn.top[1] >= low_confidence)
                uncertain.append(turn)
            if is_out_of_scope(turn):
                out_of_scope.append(turn)
            offered = _offered(turn)
            if offered:
                dym.offered += 1
                if n + 1 == len(turns):
                    dym.left += 1
                elif chosen := _choice(offered, turns[n + 1]):
                    dym.chosen += 1
                    choices[chosen] += 1
                else:
                    dym.other += 1
            if turn.latency is not None:
                timed.append(turn)
            walk.turn(turn)
        walk.drop(ended=False)  # still open when the conversation ends: left mid-interview
    report.days = [Day(day=d, conversations=len(day_senders[d]), messages=day_messages[d])
                   for d in sorted(day_senders)]
    report.intents = dict(sorted(intents.items(), key=lambda kv: (-kv[1], kv[0])))
    report.fallbacks = len(fallbacks)
    report.fallback_groups = group_messages(fallbacks, threshold)
    report.uncertain_groups = group_messages(uncertain, threshold)
    report.out_of_scope = len(out_of_scope)
    report.out_of_scope_groups = group_messages(out_of_scope, threshold)
    dym.choices = dict(choices.most_common())
    order = list(get_args(Tier))
    report.safety = {t: tiers[t] for t in sorted(tiers, key=lambda t: (
        order.index(t) if t in order else len(order), t))}
    report.interviews.dropped = dict(sorted(report.interviews.dropped.items(),
                                            key=lambda kv: (-kv[1], kv[0])))
    timed.sort(key=lambda t: -(t.latency or 0.0))
    report.slowest = [SlowTurn(sender=t.sender, when=_when(t.ts), text=t.text[:200],
                               seconds=round(t.latency or 0.0, 4), actions=t.actions)
                      for t in timed[:slowest]]
    return report


def _without_password(url: str) -> str:
    """A store URL fit to print: redis://user:secret@host/0 -> redis://host/0."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url


def report_from_store(config: CoachConfig, since: date | None = None, **options: Any) -> UsageReport:
    """The report over the store config.yml (or COACH_TRACKER_STORE) names."""
    kind = config.stores.tracker
    where = str(config.data_dir / "trackers.db") if kind == "sqlite" else _without_password(kind)
    return build_report(read_store(kind, config.data_dir, since), store=where, since=since, **options)


# ---- output -----------------------------------------------------------------------------------------
CHART_W, CHART_H = 720, 240
MARGIN = {"left": 44, "right": 12, "top": 16, "bottom": 46}


def chart(days: list[Day]) -> dict[str, Any]:
    """The geometry of the per-day bar chart (messages and conversations side by side)."""
    inner_w = CHART_W - MARGIN["left"] - MARGIN["right"]
    inner_h = CHART_H - MARGIN["top"] - MARGIN["bottom"]
    top = max([d.messages for d in days] + [1])
    step = inner_w / max(1, len(days))
    bar = max(1.0, min(28.0, step * 0.4))
    bars, labels = [], []
    label_every = max(1, len(days) // 12)
    for i, d in enumerate(days):
        x0 = MARGIN["left"] + i * step + (step - 2 * bar) / 2
        for j, (series, value) in enumerate((("messages", d.messages),
                                             ("conversations", d.conversations))):
            h = inner_h * value / top
            bars.append({"series": series, "x": round(x0 + j * bar, 2), "w": round(bar, 2),
                         "y": round(MARGIN["top"] + inner_h - h, 2), "h": round(h, 2),
                         "title": f"{d.day}: {value} {series}"})
        if i % label_every == 0:
            labels.append({"x": round(MARGIN["left"] + i * step + step / 2, 2), "text": d.day})
    ticks = [{"y": round(MARGIN["top"] + inner_h - inner_h * v / top, 2), "value": v}
             for v in sorted({0, top // 2, top})]
    return {"width": CHART_W, "height": CHART_H, "bars": bars, "labels": labels, "ticks": ticks,
            "left": MARGIN["left"], "right": CHART_W - MARGIN["right"],
            "base": MARGIN["top"] + inner_h, "label_y": CHART_H - MARGIN["bottom"] + 16}


def render_html(report: UsageReport, groups: int = 20) -> str:
    """The report as one self-contained HTML page."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(r=report, chart=chart(report.days), shown=groups)


def write_html(report: UsageReport, out_dir: Path, groups: int = 20) -> tuple[Path, Path]:
    """report.html (self-contained) and report.json in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / "report.html"
    html.write_text(render_html(report, groups), encoding="utf-8")
    data = out_dir / "report.json"
    data.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return html, data


def summary_lines(report: UsageReport, groups: int = 10) -> list[str]:
    """The terminal summary."""
    iv = report.interviews
    dym = report.did_you_mean
    lines = [f"store: {report.store}" + (f" (since {report.since})" if report.since else ""),
             f"conversations: {report.conversations}   messages: {report.messages}   "
             f"days: {len(report.days)}"]
    lines += [f"  {d.day}  {d.conversations:5d} conversations  {d.messages:6d} messages"
              for d in report.days[-14:]]
    lines.append("intents: " + ", ".join(f"{k} {v}" for k, v in list(report.intents.items())[:12]))
    lines.append(f"fallbacks: {report.fallbacks} in {len(report.fallback_groups)} groups (and "
                 f"{report.form_answers_unplaced} interview answers the NLU could not place)   did "
                 f"you mean: {dym.offered} offered, {dym.chosen} chosen, {dym.other} other, "
                 f"{dym.left} left")
    lines += [f"  {g.size:4d}  {g.label[:70]!r} (guess {g.guess})"
              for g in report.fallback_groups[:groups]]
    lines.append(f"low confidence: {report.low_confidence}   near ties: {report.near_ties}   "
                 f"in {len(report.uncertain_groups)} groups")
    lines += [f"  {g.size:4d}  {g.label[:70]!r} (guess {g.guess})"
              for g in report.uncertain_groups[:groups]]
    lines.append(f"out of scope: {report.out_of_scope} in {len(report.out_of_scope_groups)} groups")
    lines.append("safety stops: " + (", ".join(f"{k} {v}" for k, v in report.safety.items())
                                     or "none"))
    lines.append(f"plan interviews: {iv.started} started, {iv.finished} finished, "
                 f"{sum(iv.dropped.values())} dropped")
    lines += [f"  dropped at {step}: {n} ({iv.ended_without_plan.get(step, 0)} ended without a plan)"
              for step, n in iv.dropped.items()]
    if report.slowest:
        lines.append("slowest turns:")
        lines += [f"  {t.seconds * 1000:8.1f} ms  {t.when}  {t.text[:60]!r}" for t in report.slowest[:5]]
    return lines


# ---- misses as NLU data -----------------------------------------------------------------------------
def _example_text(text: str) -> str:
    """A message as one NLU example line: one line, no entity-annotation brackets."""
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def export_nlu(report: UsageReport, path: Path, known: Iterable[str] | None = None,
               max_chars: int = 300) -> int:
    """Write the grouped misses (fallbacks, then low-confidence messages) as a Rasa 3.1 NLU file,
    each group under the intent the model guessed most often for it, with a comment marking it
    for review. Messages already in the training data (`known`, lower-case texts; default
    bot/data/nlu.yml), payloads and over-long texts are left out. Returns the examples written."""
    if known is None:
        from bot.nlu.data import load_nlu
        from bot.nlu.model import NLU_FILES

        known = (e.text.lower() for e in load_nlu(*NLU_FILES).examples)
    seen = set(known)
    lines = ['version: "3.1"', "",
             "# Misses from `coach report` (fallbacks and low-confidence messages), grouped by",
             "# similarity, each group under the intent the model guessed for it.",
             "# REVIEW every example: move it to the right intent or delete it, then copy it to",
             "# bot/data/nlu.yml and check with `coach validate --nlu <this file>`.",
             "nlu:"]
    written = 0
    kinds = (("fallback", report.fallback_groups), ("low confidence", report.uncertain_groups))
    for kind, groups in kinds:
        for number, group in enumerate(groups, start=1):
            examples = []
            for ex in group.examples:
                text = _example_text(ex.text)
                if not text or text.startswith("/") or len(text) > max_chars \
                        or not any(c.isalpha() for c in text) or text.lower() in seen:
                    continue
                seen.add(text.lower())
                examples.append(text)
            if not examples or group.guess in ("", FALLBACK_INTENT):
                continue
            guessed = ", ".join(f"{k} {v}" for k, v in group.guesses.items())
            lines += ["", f"# REVIEW {kind} group {number} ({group.size} messages; model guessed: "
                      f"{guessed})", f"- intent: {group.guess}", "  examples: |"]
            lines += [f"    - {text}" for text in examples]
            written += len(examples)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
