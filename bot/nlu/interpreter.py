"""Parse text (or a Rasa button payload) into a ParseResult with the trained pipeline."""

from __future__ import annotations

import json
import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from bot.core.schemas import Cues, Entity, IntentScore, ParseResult
from bot.nlu.discourse import WHICH_WORDS
from bot.nlu.fallback import FALLBACK_INTENT
from bot.nlu.model import CLASSIFIER
from bot.nlu.normalizer import fold
from knowledge.retrieval import fact_index, terms

_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w\-]*)(?P<json>\{.*\})?\s*$", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RANKING_LENGTH = 10  # intents listed in a parse's ranking, as Rasa does
FOCUS_BELOW = 0.6  # a long message less clear than this is re-read on its last question
# the words of a request itself ("write me", "hook me up with something good"), stemmed
_REQUEST_WORDS = {"write", "make", "give", "build", "creat", "someth", "anyth", "hook", "good",
                  "need", "want", "pls", "pleas", "put", "togeth", "draw", "come", "help"}
# a yes/no question: "is that ok for gains", "can i do it at home"
_YES_NO = re.compile(r"\s*(?:(?:so|ok|okay|and|but)[\s,]+)?(?:is|are|was|does|do|did|can|could|should|"
                     r"will|would|am)\b(?! (?:i|you|u|we|ya) (?:please |pls )?(?:get|have|make|give|"
                     r"build|write|create|design|send|put|set up|draw up|do me))", re.IGNORECASE)
FOCUS_OVER_NO_TOPIC = 0.5  # ... or this clearly, when the whole reads as no topic or plan at all
# a word that asks for one of an exercise's figures
_DOSE_WORDS = {"sets": "ask_volume", "set": "ask_volume", "reps": "ask_reps", "rep": "ask_reps",
               "repetitions": "ask_reps", "rest": "ask_rest", "resting": "ask_rest"}
_DOSE_INTENTS = frozenset(_DOSE_WORDS.values())
# words that ask for an exercise's steps by name (the steps end with its sets, reps and rest)
_STEP_WORDS = frozenset({"instructions", "instruction", "steps", "technique", "tutorial", "form"})
def _unconfirmed_source(doc: Doc, intent: IntentScore) -> bool:
    """A part of a message read as a source question with no word that asks for a source ("could
    you tell me the recommended rest ...?": "recommended" asks for none): not to be taken over the
    whole."""
    return intent.name == "ask_sources" and not (doc.user_data.get("cues") or {}).get("asks_source")


FOCUS_CLEAR = 0.8  # the question after some context wins when it alone reads this clearly
# readings a question whether to see a provider first does not overrule
PROVIDER_FIRST_KEEPS = frozenset({"ask_health_condition", "ask_risks", "report_symptom",
                                  "out_of_scope_medical", "request_program"})
# readings a question after some context never overrules: a report of a symptom stays one
KEEP_WHOLE = {"report_symptom", "out_of_scope_medical"}
SMALL_TALK = {"greet", "thank", "goodbye", "affirm", "deny"}
# words that ask what the bot is ("are you a bot", "is this a real person")
_BOT_WORDS = re.compile(r"\b(?:bot|robot|ai|a\.i\.|human|person|real|chatbot|machine|automated|"
                        r"program|gpt|chatgpt|computer|software|alive|sentient|conscious)\b", re.I)
# a greeting in front of a request ("hey coach, ...", "hello there! ...")
_GREETING = re.compile(r"^\s*(?:hi+|hello+|hey+|heya|hiya|yo|howdy|hola|good (?:morning|afternoon|evening)|"
                       r"morning|evening|sup|wassup|greetings)\b(?:\s+(?:there|coach|bot|all|guys|"
                       r"everyone|mate|bro|man|friend))?[\s,!.:;-]*", re.I)
ABOUT_CLEAR = 0.45  # "tell me about X": X alone read as a knowledge topic at least this clearly
# "..., how many sets should i do": a question after a comma, read on its own
_COMMA_QUESTION = re.compile(
    r",\s+(?=(?:(?:so|anyway|anyways|but|btw|ok|okay|quick question|my question is)[\s,:]+)?"
    r"(?:what|whats|what's|how|is|are|can|should|do|does|why|which|when|where)\b)",
    re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# "how many reps, how long rest, and how many sets": questions in a row, each after a comma (split
# only when every piece opens with a question word: not "in the squat, what do i push through")
_COMMA_QUESTIONS = re.compile(r",\s+(?=(?:and )?(?:how|what|whats|what's|which|why|when)\s)", re.I)
_OPENS_QUESTION = re.compile(r"^\s*(?:and )?(?:how|what|whats|what's|which|why|when)\s", re.I)
# a second question starts after '?', ';' or 'and/also/plus' followed by a question word
_CLAUSE = re.compile(
    # "the rest time AND rep range for hypertrophy": two of the article's measures joined
    r"(?:(?<=\btime)|(?<=\btimes)|(?<=\brange)|(?<=\branges)|(?<=\bcount)|(?<=\brest)|(?<=\breps)|"
    r"(?<=\bvolume)|(?<=\bfrequency)|(?<=\bintensity)|(?<=\blength))\s+(?:and|&|\+)"
    r"\s+(?=(?:the |a |my )?(?:rest|rep|reps|rep range|sets|volume|frequency|intensity|weight|"
    r"how (?:many|long|much|often))\b)|"
    r"(?<=\?)\s+|\s*;\s*|,?\s+(?:and also|and then|and|also|plus|then)\s+(?=(?:what|whats|what's|how|"
    r"is|are|can|should|do|does|why|which|when|where|tell|explain|give|any)\b|"
    # "what are the 2 kinds of hypertrophy and the 2 things that cause growth"
    r"(?:the|its|their)\s+(?:(?:\d+|two|three|four|main|different|key|biggest|other)\s+)?(?:types?|"
    r"kinds?|things?|ways?|benefits?|risks?|mechanisms?|reasons?|drivers?|factors?)\b)", re.I)


class Interpreter:
    """Parses text (or a Rasa button payload) into a ParseResult; never raises on bad input."""

    def __init__(self, nlp: Language, max_chars: int, fp: str = "") -> None:
        self.nlp = nlp
        self.max_chars = max_chars
        self.fingerprint = fp
        classifier: Any = nlp.get_pipe(CLASSIFIER)
        self.intents = list(classifier.labels)

    def parse(self, text: str) -> ParseResult:
        """Intent, confidence, ranking and entities of one message."""
        if not isinstance(text, str):
            text = str(text)
        payload = _PAYLOAD.match(text.strip())
        if payload and payload.group("intent") in self.intents:
            return self._parse_payload(text, payload)
        clean = _CONTROL.sub(" ", text[: self.max_chars])
        if not clean.strip():
            return ParseResult(text=text, intent=IntentScore(name=FALLBACK_INTENT, confidence=1.0))
        doc = self.nlp(clean)
        spans = doc.user_data.get("source_spans", [])
        entities = []
        for ent in doc.ents:
            start = spans[ent.start][0] if ent.start < len(spans) else ent.start_char
            end = spans[ent.end - 1][1] if ent.end - 1 < len(spans) else ent.end_char
            entities.append(Entity(entity=ent.label_, value=ent.kb_id_ or ent.ent_id_ or ent.text,
                                   start=start, end=end, extractor=_extractor(ent.label_)))
        intent, ranking = self._intent(doc)
        question = _closing_question(clean)
        if intent.name == FALLBACK_INTENT or intent.confidence < FOCUS_BELOW:
            intent, ranking = self._focus(clean, intent, ranking)
            if (intent.name == FALLBACK_INTENT or intent.confidence < FOCUS_BELOW) and question \
                    and question.strip() != clean.strip():
                # "lifting for 4 years, 5 day plan, whats the max useful sets per exercise": the
                # question after the commas, when it alone reads as a topic
                intent, ranking = self._question_after_context(question, intent, ranking)
        elif intent.name not in KEEP_WHOLE and question:
            intent, ranking = self._question_after_context(question, intent, ranking)
        if intent.name == "greet":
            # "hey coach, skull crusher how to": the request after the greeting, when it alone
            # reads clearly (the reply still greets back)
            rest = _GREETING.sub("", clean, count=1)
            if rest != clean and len(rest.split()) >= 2:
                focus, focus_ranking = self._intent(self.nlp(rest))
                if focus.name not in SMALL_TALK and focus.name != FALLBACK_INTENT \
                        and focus.confidence >= FOCUS_CLEAR:
                    intent, ranking = focus, focus_ranking
        cues = Cues(**doc.user_data.get("cues", {}))
        cues.fixes = {fold(clean[start:end]): fixed
                      for start, end, fixed in doc.user_data.get("typo_fixes") or []
                      if not clean[start:end].isdigit()}
        if intent.name == "help" and cues.help_with and not entities \
                and not self._domain_words(cues.help_with):
            # "can u help me do my taxes lol": help with something that is not training
            intent = IntentScore(name="out_of_scope", confidence=intent.confidence)
        if intent.name == "request_program" and not entities and not cues.mentions_plan \
                and self._asks_for_something_else(clean):
            # "write me a love poem for my gf pls": a request, but for nothing training is about
            intent = IntentScore(name="out_of_scope", confidence=intent.confidence)
        if intent.name == "bot_challenge" and cues.asks_source and not _BOT_WORDS.search(clean):
            # "what are your answers based on": its words ask for a source, none asks what it is
            intent = IntentScore(name="ask_sources", confidence=intent.confidence)
        if intent.name == "complain" and cues.praise:  # "ur actually pretty helpful ngl"
            intent = IntentScore(name="thank", confidence=intent.confidence)
        if cues.about:
            intent, ranking = self._about(cues.about, intent, ranking,
                                          over_definition=cues.names_first)
        if cues.number_choice and not cues.about:
            # "60 or 90 sec rest, which one": read without the "which one" that weighs them
            intent, ranking = self._about(WHICH_WORDS.sub(" ", clean), intent, ranking)
        dose = {_DOSE_WORDS[w] for w in cues.words if w in _DOSE_WORDS}
        if intent.name == "ask_exercise_steps" and not cues.how_to and len(dose) == 1 \
                and any(e.entity == "exercise" for e in entities) \
                and (len(cues.words) <= 6 or {"many", "long", "much"} & set(cues.words)
                     # ("reps for squats with a dumbbell at my chest": the dose word first)
                     or clean.split()[:1] in ([w] for w in _DOSE_WORDS)):
            # "sets for the dumbbell squat?": a dose of the exercise, not its steps
            intent = IntentScore(name=dose.pop(), confidence=intent.confidence)
        elif intent.name in _DOSE_INTENTS and cues.how_to and _STEP_WORDS & set(cues.words) \
                and any(e.entity == "exercise" for e in entities):
            # "skull crusher instructions and rest time": the steps, which end with the dose
            intent = IntentScore(name="ask_exercise_steps", confidence=intent.confidence)
        named_condition = any(e.entity in ("condition", "symptom") and e.value not in ("none", "older_age")
                              for e in entities)
        if cues.asks_provider_first and not cues.tier and intent.name not in PROVIDER_FIRST_KEEPS \
                and not named_condition:
            # "should we check with a doctor first?", "do i need a doctor's ok first?": the
            # article's advice to talk to a healthcare provider (a named condition keeps its own)
            intent = IntentScore(name="ask_risks", confidence=max(intent.confidence, FOCUS_CLEAR))
        elif cues.asks_provider_first and not cues.tier and named_condition \
                and intent.name not in self._topic_intents():
            # "i have type 2 diabetes, do i need to talk to someone first?": that condition's answer
            intent = IntentScore(name="ask_health_condition",
                                 confidence=max(intent.confidence, FOCUS_CLEAR))
        if cues.goal_fragment and intent.name != "inform":
            # "for hypertrophy", "4 size": no question of its own, only the goal of the last one
            intent = IntentScore(name="inform", confidence=max(intent.confidence, FOCUS_CLEAR))
        if intent.name in KEEP_WHOLE and (cues.cleared or cues.tier == "hold_off") \
                and question and question.strip() != clean.strip():
            focus, _ = self._intent(self.nlp(question))
            if focus.name in self._topic_intents() and focus.confidence >= FOCUS_CLEAR:
                cues.question_topic = focus.name
        if question:
            cues.question_from = clean.rfind(question)
            cues.question_to = cues.question_from + len(question)
        cues.yes_no = bool(_YES_NO.match(question or clean))
        return ParseResult(text=text, intent=intent, entities=entities, intent_ranking=ranking,
                           cues=cues)

    @staticmethod
    def _intent(doc: Doc) -> tuple[IntentScore, list[IntentScore]]:
        ranking = [IntentScore(name=r["name"], confidence=min(1.0, max(0.0, r["confidence"])))
                   for r in (doc._.intent_ranking or [])[:RANKING_LENGTH]]
        intent = doc._.intent or {"name": FALLBACK_INTENT, "confidence": 1.0}
        return IntentScore(**intent), ranking

    def _focus(self, text: str, intent: IntentScore,
               ranking: list[IntentScore]) -> tuple[IntentScore, list[IntentScore]]:
        """In a rambling message the question is usually its last sentence with a '?' (else its
        last sentence): when the whole is unclear, that sentence alone may be clear."""
        sentences = [s.strip() for s in _SENTENCE.split(text) if len(s.split()) >= 2]
        if len(sentences) < 2:
            return intent, ranking
        questions = [s for s in sentences if "?" in s]
        focus_doc = self.nlp((questions or sentences)[-1])
        focus_intent, focus_ranking = self._intent(focus_doc)
        # (a plan request or interview answers are not outweighed by a closing sentence read as
        # no topic at all: "... 45 min, no injuries. what should i run")
        plan_whole = intent.name in ("inform", "request_program") \
            and focus_intent.name not in self._topic_intents() | {"request_program"}
        if focus_intent.name != FALLBACK_INTENT and focus_intent.confidence > intent.confidence \
                and not _unconfirmed_source(focus_doc, focus_intent) and not plan_whole:
            return focus_intent, focus_ranking
        return intent, ranking

    def _question_after_context(self, question: str, intent: IntentScore,
                                ranking: list[IntentScore]) -> tuple[IntentScore, list[IntentScore]]:
        """"been lifting 6 yrs, running a PPL. what rest interval do you suggest?": what a person
        says about themselves can outweigh the question that follows it (a plan request, the
        wrong topic). When the closing question alone clearly asks about a knowledge topic, it
        decides; context still fills in entities and cues from the whole message."""
        focus_doc = self.nlp(question)
        focus, focus_ranking = self._intent(focus_doc)
        topics = self._topic_intents()
        if _unconfirmed_source(focus_doc, focus):
            return intent, ranking
        # ("I am from Brazil, sorry my english. How many second of pause ...?": context read as
        # out of scope or small talk gives way to a topic question more easily)
        clear = FOCUS_CLEAR if intent.name in topics or intent.name in ("request_program", "inform") \
            else FOCUS_OVER_NO_TOPIC
        if focus.name in topics and focus.name != intent.name and focus.confidence >= clear \
                and (intent.name not in topics or focus.confidence > intent.confidence):
            return focus, focus_ranking
        return intent, ranking

    def _about(self, topic: str, intent: IntentScore, ranking: list[IntentScore],
               over_definition: bool = False) -> tuple[IntentScore, list[IntentScore]]:
        """"tell me about rest": when the whole reads as no knowledge topic (or as a source
        question), what it asks about decides, if that alone reads as a topic. ("metabolic
        stress - what is it": the "what is it" reads as the definition; the thing named decides.)"""
        topics = self._topic_intents() - {"ask_sources", "ask_more", "ask_why", "ask_summary"}
        if intent.name in topics and not (over_definition and intent.name == "ask_definition"):
            return intent, ranking
        focus, focus_ranking = self._intent(self.nlp(topic))
        if focus.name in topics and focus.confidence >= ABOUT_CLEAR:
            return focus, focus_ranking
        if intent.name == "ask_sources" and focus.name != "ask_sources":
            # "what do the studies say about soreness": not a question about the sources, and no
            # topic either: unclear, for the policies that read the words
            return IntentScore(name=FALLBACK_INTENT, confidence=intent.confidence), ranking
        return intent, ranking

    @staticmethod
    def _domain_words(text: str) -> set[str]:
        """The content words of a text that some fact of the knowledge base uses (stemmed)."""
        return {t for t in terms(text) if t in fact_index().df}

    @classmethod
    def _asks_for_something_else(cls, text: str) -> bool:
        """A request whose content words are all outside the knowledge base ("make me a sandwich"),
        not one that names nothing at all ("can you make me something")."""
        words = set(terms(text)) - _REQUEST_WORDS
        return bool(words) and not (cls._domain_words(text) - _REQUEST_WORDS)

    def _topic_intents(self) -> set[str]:
        fallback: Any = self.nlp.get_pipe("coach_intent_fallback") \
            if "coach_intent_fallback" in self.nlp.pipe_names else None
        return set(getattr(fallback, "topic_intents", ()))

    @staticmethod
    def clauses(text: str) -> list[str]:
        """The questions of a message that asks two ("how long to rest? and how many sets?")."""
        parts = []
        for part in _CLAUSE.split(text):
            pieces = _COMMA_QUESTIONS.split(part) if part else []
            parts += pieces if len(pieces) > 1 and all(_OPENS_QUESTION.match(p) for p in pieces) \
                else [part]
        return [p.strip() for p in parts if p and len(p.split()) >= 2]

    def _parse_payload(self, text: str, m: re.Match[str]) -> ParseResult:
        entities: list[Entity] = []
        if m.group("json"):
            try:
                values = json.loads(m.group("json"))
            except json.JSONDecodeError:
                values = {}
            if isinstance(values, dict):
                entities = [Entity(entity=str(k), value=str(v), start=0, end=len(text),
                                   extractor="payload") for k, v in values.items()]
        name = m.group("intent")
        return ParseResult(text=text, intent=IntentScore(name=name, confidence=1.0),
                           entities=entities, intent_ranking=[IntentScore(name=name, confidence=1.0)])


def _closing_question(text: str) -> str:
    """The question a message asks after (or before) some context: its last sentence with a
    question mark, else its last sentence or what follows a comma and a question word; "" when
    the message is one sentence."""
    parts = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    if parts:
        parts = parts[:-1] + [p.strip() for p in _COMMA_QUESTION.split(parts[-1]) if p.strip()]
    if len(parts) < 2:
        return ""
    question = next((p for p in reversed(parts) if "?" in p), parts[-1])
    return question if len(question.split()) >= 3 else ""


def _extractor(label: str) -> str:
    return {"days": "coach_numbers", "duration": "coach_numbers",
            "symptom": "coach_symptoms"}.get(label, "coach_entity_ruler")
