"""Intent fallback component: turns textcat scores into an intent, a ranking and nlu_fallback."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from bot.nlu.context import TrainingContext

FALLBACK_INTENT = "nlu_fallback"
PLAN_REQUEST = "request_program"
BOT_CHALLENGE = "bot_challenge"
INFORM = "inform"
# a near tie is no reason to give up when the message's own words confirm the likelier reading
CONFIRMED_BY = {"ask_sources": "asks_source", "ask_why": "why", "bot_challenge": "addresses_bot"}
CONFIRMED_MIN = 0.15  # a reading this likely, confirmed by the words, replaces a small-talk misfire
QUESTION_ONLY = {"goal", "muscle"}  # named in a question without answering the interview
INFORM_QUESTION_TOPIC = 0.05  # a topic this likely decides a question read as an interview answer
FRAGMENT_QUESTION_TOPIC = 0.25  # ... or a fragment that goes on from the last answer ("and for legs?")
HELP_WORDS = frozenset({"help", "helping", "assist", "can", "do", "options", "menu", "topics", "start"})
OWN_PLAN_MIN = 0.01  # below this the next reading of a question about one's own plan is noise
# "fewest workout days a week the AHA wants?" asks for a figure, not for a plan: with no plan word
# and none of the words that ask for one, a question with these is not a plan request
# (not "min", "max", "least" or "most": "30 min", "at least 3 days, what should i do" are answers)
FIGURE_WORDS = frozenset({"fewest", "minimum", "maximum"})
# "and the sets?": a fragment this short that goes on from the last answer names its new topic in
# one word; a topic reading this likely, and this many times the next, is that topic
FRAGMENT_WORDS = 4
FRAGMENT_TOPIC_MIN = 0.2
FRAGMENT_LEAD = 1.5
# ... unless it points back at what was just said ("and their sets?" after the diabetes study) or
# names a muscle, goal or exercise the last topic is asked again for ("and for legs?")
POINTING_WORDS = frozenset({"their", "theirs", "its", "those", "them", "that", "these", "this",
                            "his", "her", "it"})

for _attr in ("intent", "intent_ranking"):
    if not Doc.has_extension(_attr):
        Doc.set_extension(_attr, default=None)


class IntentFallback:
    """Low confidence or a near tie between the top two intents gives nlu_fallback.

    A near tie between two knowledge topics is no reason to give up: the likelier one is kept and
    the other is noted as the cue `also_maybe`, so the answer can offer it as a button. The ranking
    keeps the classifier's real scores, so the dialogue can offer "did you mean".
    """

    def __init__(self, threshold: float, ambiguity_threshold: float,
                 small_talk: Iterable[str] = (), small_talk_max_words: int = 0) -> None:
        self.threshold = threshold
        self.ambiguity_threshold = ambiguity_threshold
        self.topic_intents: set[str] = set()
        # a greeting, thanks or goodbye is short: a longer question classified as one ("is being
        # sore the next day a sign it worked?" as goodbye) is a misfire, so it falls back
        self.small_talk = set(small_talk)
        self.small_talk_max_words = small_talk_max_words

    def learn(self, ctx: TrainingContext) -> None:
        """The intents that a knowledge topic (or an exercise's steps) answers."""
        self.topic_intents = {i for t in ctx.kb.topics for i in t.intents} | {"ask_exercise_steps"}

    def to_disk(self, path: Any, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        srsly.write_json(Path(path) / "topic_intents.json", sorted(self.topic_intents))

    def from_disk(self, path: Any, exclude: Iterable[str] = ()) -> IntentFallback:
        self.topic_intents = set(srsly.read_json(Path(path) / "topic_intents.json"))
        return self

    def __call__(self, doc: Doc) -> Doc:
        ranking: list[dict[str, Any]] = sorted(
            ({"name": k, "confidence": float(v)} for k, v in doc.cats.items()),
            key=lambda r: -r["confidence"])
        doc._.intent_ranking = ranking
        if not ranking or not doc.text.strip():
            doc._.intent = {"name": FALLBACK_INTENT, "confidence": 1.0}
            return doc
        top = ranking[0]
        gap = top["confidence"] - (ranking[1]["confidence"] if len(ranking) > 1 else 0.0)
        second = ranking[1]["name"] if len(ranking) > 1 else ""
        cues = doc.user_data.get("cues") or {}
        # (a topic nearly tied with a plan request: the topic answers, the plan is a button away:
        # "heart murmur, can i still start a hypertrophy program?")
        two_topics = top["name"] in self.topic_intents and (
            second in self.topic_intents
            or (second == PLAN_REQUEST and not cues.get("asks_for_plan") and (
                cues.get("question") or any(e.label_ == "condition" for e in doc.ents))))
        asks_figure = cues.get("question") and not cues.get("mentions_plan") \
            and bool(FIGURE_WORDS & set(cues.get("words") or []))
        if (top["name"] == PLAN_REQUEST or (top["name"] == INFORM and cues.get("own_plan"))) \
                and (cues.get("own_plan") or asks_figure) \
                and cues.get("question") and not cues.get("asks_for_plan"):
            # "does my 3 day schedule meet the AHA guideline?" asks about a plan the person has
            # ("gonna train 7 days a week, good idea?" about a schedule, read as its days),
            # "fewest workout days a week the AHA wants?" a figure: the likeliest other reading, if
            # it is a real one
            other = next((r for r in ranking if r["name"] not in (PLAN_REQUEST, "inform")
                          and (top["name"] == PLAN_REQUEST or r["name"] in self.topic_intents)), None)
            if other is None or other["confidence"] < OWN_PLAN_MIN:
                doc._.intent = {"name": FALLBACK_INTENT, "confidence": self.threshold}
            else:
                doc._.intent = dict(other)
            return doc
        if gap < self.ambiguity_threshold and len(ranking) > 1 and cues.get("question") \
                and {top["name"], second} & {"inform"} and {top["name"], second} & self.topic_intents:
            # "whats the rest if i only care about strength not size": a question nearly tied
            # between a topic and an interview answer asks about the topic
            topic = top if top["name"] in self.topic_intents else ranking[1]
            if topic["confidence"] >= self.threshold:
                doc._.intent = dict(topic)
                return doc
        if top["name"] == INFORM and cues.get("question") and second in self.topic_intents \
                and ranking[1]["confidence"] >= (FRAGMENT_QUESTION_TOPIC if cues.get("continues")
                                                 else INFORM_QUESTION_TOPIC) \
                and not {e.label_ for e in doc.ents} - QUESTION_ONLY:
            # "so is getting swole the same thing as getting strong": a question that names only a
            # goal or a muscle gives no interview answer; its topic reading stands ("if i get
            # bigger do i get stronger", however unsure; "and for legs?" leans on the last answer)
            doc._.intent = dict(ranking[1])
            return doc
        misfire = (top["name"] in self.small_talk and bool(cues.get("question"))
                   and len(cues.get("words") or []) > self.small_talk_max_words > 0) or (
            # asking what the bot is says "you", "this", "bot" ...: without one it is a misfire
            top["name"] == BOT_CHALLENGE and not cues.get("addresses_bot"))
        if misfire:
            # "hello, is this the gym coach bot?" read as thanks: the next reading that is no
            # small talk, if it is a real one (or its own words confirm it)
            nxt = next((r for r in ranking[1:4] if r["name"] not in self.small_talk and (
                r["confidence"] >= self.threshold or (
                    r["confidence"] >= CONFIRMED_MIN and CONFIRMED_BY.get(r["name"])
                    and cues.get(CONFIRMED_BY[r["name"]])))), None)
            if nxt is not None:
                doc._.intent = dict(nxt)
                return doc
        if gap < self.ambiguity_threshold and top["confidence"] >= self.threshold \
                and top["name"] in self.topic_intents and second == "out_of_scope_medical" \
                and not (cues.get("asks_diagnosis") or cues.get("medical_result")) \
                and not {e.label_ for e in doc.ents} & {"subject", "condition", "symptom"}:
            # "my trainer has me doing 30 sets a week, is that what's recommended?": a training
            # question with no medical word in it is not declined as medical
            doc._.intent = dict(top)
            return doc
        pair = {top["name"], second}
        if gap < self.ambiguity_threshold and len(ranking) > 1 and "help" in pair \
                and pair & self.topic_intents and cues.get("question") \
                and not HELP_WORDS & set(cues.get("words") or []):
            # "im scared of getting injured, whats the #1 thing to focus on": a topic question
            # nearly tied with a request for help that no word of it makes
            topic = top if top["name"] in self.topic_intents else ranking[1]
            if topic["confidence"] >= self.threshold:
                doc._.intent = dict(topic)
                return doc
        if top["name"] == "help" and not HELP_WORDS & set(cues.get("words") or []) \
                and CONFIRMED_BY.get(second) and cues.get(CONFIRMED_BY[second]) \
                and ranking[1]["confidence"] >= CONFIRMED_MIN:
            # "what website is this from": no word asks for help; its words ask for a source
            doc._.intent = dict(ranking[1])
            return doc
        if gap < self.ambiguity_threshold and top["confidence"] >= self.threshold \
                and CONFIRMED_BY.get(top["name"]) and cues.get(CONFIRMED_BY[top["name"]]):
            # "what are your answers based on": nearly tied, but its words ask for a source
            doc._.intent = dict(top)
            return doc
        if gap < self.ambiguity_threshold and len(ranking) > 1 \
                and ranking[1]["confidence"] >= self.threshold \
                and CONFIRMED_BY.get(second) and cues.get(CONFIRMED_BY[second]) \
                and not (CONFIRMED_BY.get(top["name"]) and cues.get(CONFIRMED_BY[top["name"]])):
            # "which body recommends the 5 to 6 sets figure?": the reading its words confirm
            doc._.intent = dict(ranking[1])
            return doc
        if cues.get("continues") and len(cues.get("words") or []) <= FRAGMENT_WORDS \
                and not POINTING_WORDS & set(cues.get("words") or []) and not doc.ents \
                and top["name"] in self.topic_intents and top["confidence"] >= FRAGMENT_TOPIC_MIN \
                and top["confidence"] >= FRAGMENT_LEAD * (top["confidence"] - gap):
            doc._.intent = dict(top)
            return doc
        if misfire or top["confidence"] < self.threshold or (
                gap < self.ambiguity_threshold and not two_topics):
            doc._.intent = {"name": FALLBACK_INTENT, "confidence": self.threshold}
        else:
            doc._.intent = dict(top)
            if gap < self.ambiguity_threshold:  # two topics nearly tied: the other is offered
                doc.user_data.setdefault("cues", {})["also_maybe"] = second
        return doc


@Language.factory("coach_intent_fallback",
                  default_config={"threshold": 0.4, "ambiguity_threshold": 0.08,
                                  "small_talk": [], "small_talk_max_words": 0})
def make_intent_fallback(nlp: Language, name: str, threshold: float, ambiguity_threshold: float,
                         small_talk: list[str], small_talk_max_words: int) -> IntentFallback:
    """Factory registered for config.yml."""
    return IntentFallback(threshold, ambiguity_threshold, small_talk, small_talk_max_words)
