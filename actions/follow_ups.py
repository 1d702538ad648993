"""Follow-ups on the last answer: tell me more, why?, where is that from?"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import answer_record, button_payload, knowledge, latest_cues, latest_entities, said
from knowledge.models import Fact, KnowledgeBase, Topic
from knowledge.retrieval import SOURCES, Hit, clear_match, fact_index, named_reference, terms

MORE_PER_TURN = 3
# "why ...?" names its topic by these words (after a plan: "why this rest?", "why 3 sets?")
WHY_WORDS = {"rest": "rest_periods", "break": "rest_periods", "set": "weekly_volume",
             "volume": "weekly_volume", "rep": "reps_intensity", "day": "benefits",
             "exercise": "exercise_selection", "these": "exercise_selection",
             "eat": "nutrition", "diet": "nutrition", "progress": "progression"}


def _last_topic(kb: KnowledgeBase, tracker: Tracker, by_words: bool = False) -> Topic | None:
    """The topic a follow-up is about: a button's topic, the words of a "why ...?" question
    ("why this rest?"), or the last answer's topic."""
    record = tracker.get_slot("last_answer") or {}
    topic_id = latest_entities(tracker).get("topic") or record.get("topic")
    if by_words and not latest_entities(tracker).get("topic"):
        words = list(latest_cues(tracker).get("words") or [])
        named = next((t for w, t in WHY_WORDS.items() if any(x.startswith(w) for x in words)), None)
        topic_id = named or ("training_approach" if record.get("kind") == "plan" else topic_id)
    if record.get("kind") == "exercise" and topic_id in ("exercise_steps", None):
        topic_id = "exercise_selection"
    try:
        return kb.topic(topic_id) if topic_id else None
    except KeyError:
        return None


def _related_buttons(kb: KnowledgeBase, topic: Topic) -> list[dict[str, str]]:
    out = []
    for rel in topic.related:
        related = kb.topic(rel)
        if related.intents:
            out.append({"title": related.title, "payload": button_payload(related.intents[0])})
    return out


class ActionTellMore(Action):
    """More on the last answer: the part of it the question names ("and per exercise?"), a
    clearly named other fact ("tell me about mechanical tension"), else the next unseen facts."""

    def name(self) -> str:
        return "action_tell_more"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        entities = latest_entities(tracker)
        if entities.get("exercise"):
            return [FollowupAction("action_exercise_steps")]
        if entities.get("condition"):  # "tell me more about the bone part"
            return [FollowupAction("action_answer_topic")]
        kb = knowledge()
        record = dict(tracker.get_slot("last_answer") or {})
        topic = _last_topic(kb, tracker)
        text = said(tracker)
        named = _fact_in(topic, text) if topic else None
        if topic is not None and named is not None:
            dispatcher.utter_message(response="utter_more", facts=[named.text],
                                     json_message={"kind": "answer", "topic": topic.id,
                                                   "section": topic.section})
            return [SlotSet("last_topic", topic.id)]
        if clear_match(text, NAMED_ELSEWHERE_COVERAGE, 2) is not None:
            return [FollowupAction("action_answer_retrieved")]
        if topic is None:
            dispatcher.utter_message(response="utter_nothing_before")
            return []
        start = int(record.get("more_shown") or 0) if record.get("topic") == topic.id else 0
        batch = topic.more[start:start + MORE_PER_TURN]
        if not batch:
            dispatcher.utter_message(response="utter_no_more", title=topic.title,
                                     related=bool(topic.related),
                                     buttons=_related_buttons(kb, topic))
            return []
        dispatcher.utter_message(response="utter_more", facts=[f.text for f in batch],
                                 json_message={"kind": "answer", "topic": topic.id,
                                               "section": topic.section})
        record.update(topic=topic.id, more_shown=start + len(batch),
                      facts=[*record.get("facts", []), *[f.id for f in batch]])
        return [SlotSet("last_answer", record), SlotSet("last_topic", topic.id)]


class ActionExplainWhy(Action):
    """Why the last advice holds, from the article, with its source on request."""

    def name(self) -> str:
        return "action_explain_why"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        if latest_entities(tracker).get("exercise"):
            return [FollowupAction("action_exercise_steps")]
        kb = knowledge()
        topic = _last_topic(kb, tracker, by_words=True)
        if topic is None or not topic.why:  # "why should I trust you?": where answers come from
            return [FollowupAction("action_cite_source")]
        dispatcher.utter_message(response="utter_why", why=topic.why,
                                 json_message={"kind": "answer", "topic": topic.id,
                                               "section": topic.section})
        record = dict(tracker.get_slot("last_answer") or {})
        record.update(topic=topic.id)  # a plan stays a plan: "why these sets?" then "why this rest?"
        return [SlotSet("last_answer", record), SlotSet("last_topic", topic.id)]


NAMED_FACT_COVERAGE = 0.45
ONE_WORD_FACT_COVERAGE = 0.9
NAMED_ELSEWHERE_COVERAGE = 0.6
IN_LAST_TOPIC_COVERAGE = 0.4


def _fact_in(topic: Topic, question: str) -> Fact | None:
    """The fact of the topic under discussion that a follow-up names ("and per exercise?")."""
    for hit in fact_index().search(question, topic=topic.id, limit=1):
        if hit.coverage >= IN_LAST_TOPIC_COVERAGE:
            return topic.fact(hit.fact_id)
    return None


SOURCE_WORDS = frozenset("""which who whom whose organization organisation organizations
organisations org group groups body bodies institute agency say says said recommend recommends
recommended recommendation suggest suggests suggested advise advises advised claim claims come
comes from source sources give gives gave number figure where study studies research list lists
listed article cite citation reference references pls please name behind responsible advice
tip tips""".split())


def _named_fact(kb: KnowledgeBase, question: str) -> tuple[Topic, Fact] | None:
    """The fact a source question names ("who says to lift twice a week?"), if it names one."""
    # the words that ask for a source say nothing about which fact: only the rest is searched
    # ("the diabetes study" names a study: that "study" stays)
    words = [w.lower().strip("?,.!'\"") for w in question.split()]
    named_study = {i for i, w in enumerate(words) if w in ("study", "studies") and i > 0
                   and words[i - 1] not in SOURCE_WORDS | {"the", "a", "this", "that", "what"}}
    asked = " ".join(w for i, w in enumerate(words) if w not in SOURCE_WORDS or i in named_study)
    index = fact_index()
    for hit in index.search(asked, limit=1):
        # (one word is enough when it is all the question says: "the osteoporosis stuff")
        if hit.topic in {t.id for t in kb.topics} and hit.coverage >= NAMED_FACT_COVERAGE \
                and (hit.matched >= 2 or hit.coverage >= ONE_WORD_FACT_COVERAGE):
            topic = kb.topic(hit.topic)
            return topic, topic.fact(hit.fact_id)
    # words no fact uses say nothing about which fact ("the sarcoplasmic thing, isnt that
    # disputed"): without them, a word few facts use still names its fact
    for hit in index.search(asked, limit=1, known_only=True):
        rare = [t for t in set(terms(asked)) & set(terms(hit.text)) if index.df.get(t, 0) <= RARE_NAMING_DOCS]
        if hit.topic in {t.id for t in kb.topics} and hit.coverage >= ONE_WORD_FACT_COVERAGE and rare:
            topic = kb.topic(hit.topic)
            return topic, topic.fact(hit.fact_id)
    return None


RARE_NAMING_DOCS = 5  # a word in at most this many facts names them ("sarcoplasmic": 4)


SOURCE_TERMS = frozenset(terms(" ".join(SOURCE_WORDS)))
SUBJECT_WORDS = 4  # "bone health source?": a reference named by a short subject alone


# the topics whose facts a plan quotes: "where is that from?" after a plan names their sections
PLAN_TOPICS = ("training_approach", "rest_periods")


def _ordered_sections(kb: KnowledgeBase, sections: list[str]) -> list[str]:
    """Distinct sections in the article's order (its untitled opening first)."""
    order = ["opening", *kb.article.sections]
    return sorted(dict.fromkeys(s for s in sections if s),
                  key=lambda s: order.index(s) if s in order else len(order))


def _attributions(kb: KnowledgeBase, facts: list[Fact]) -> list[dict[str, Any]]:
    """Whom the article's own text credits with these facts: a body it names (with every entry of
    that body in its reference list), or an origin it names without identifying it."""
    out: dict[str, dict[str, Any]] = {}
    for fact in facts:
        if fact.attributed_to:
            body = kb.source(fact.attributed_to[0]).body
            citations = list(dict.fromkeys(kb.source(s).citation() for s in fact.attributed_to))
            out.setdefault(body, {"body": body, "citations": citations,
                                  "sources": list(fact.attributed_to)})
        elif fact.attributed_as:
            out.setdefault(fact.attributed_as, {"body": fact.attributed_as, "citations": [],
                                                "sources": []})
    return list(out.values())


# the sentence of the article's note (knowledge/data/sources.yml) that answers each detail asked
ARTICLE_LEADS = {"date": "Updated", "author": "Written", "reviewer": "Medically reviewed"}


def _led_by(note: str, opening: str) -> str:
    """The note with its sentence that opens with these words first."""
    sentences = [s.strip() for s in note.split(". ") if s.strip()]
    sentences = [s if s.endswith(".") else s + "." for s in sentences]
    lead = [s for s in sentences if s.startswith(opening)]
    return " ".join(lead + [s for s in sentences if s not in lead])


class ActionCiteSource(Action):
    """Where the last answer comes from: its article section(s); whom the article's text credits,
    only where it names someone; and the references it lists on the topic, as references for the
    topic in general (the article has no per-sentence citations). Else the sources in general."""

    def name(self) -> str:
        return "action_cite_source"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        art = kb.article
        meta = {"article_title": art.title, "author": art.author, "publisher": art.publisher,
                "reviewer": art.reviewer, "updated": art.updated}
        text = said(tracker)
        # ("bone health source?" names a reference by its subject, like "who wrote the bone one",
        # when it names no fact: "who says twice a week?" asks for the fact's source)
        subject = [t for t in terms(text) if t not in SOURCE_TERMS]
        reference = named_reference(text) if latest_cues(tracker).get("asks_author") or (
            not tracker.get_slot("last_answer") and len(subject) <= SUBJECT_WORDS
            and _named_fact(kb, text) is None) else None
        if reference is not None and reference.fact_id == "article" \
                and not latest_cues(tracker).get("asks_author"):
            reference = None  # ("peer reviewed studies behind this?" names no reference)
        last = tracker.get_slot("last_answer") or {}
        names_body = bool({"nasm", "ace", "aha"} & set(terms(text)))  # ("what does NASM stand for")
        if reference is None and latest_cues(tracker).get("asks_author") and last.get("kind") == "source" \
                and not names_body:
            reference = Hit(SOURCES, str(last.get("topic")), "", 1.0, 1)  # "what's her background?"
        if reference is None and latest_cues(tracker).get("about_article") and not names_body:
            # "when was it last updated?", "what website?", "is she a doctor?": the article's own
            # facts, or the reference just shown ("is he a doctor?" after a study's entry)
            meant = str(last.get("topic")) if last.get("kind") == "source" else "article"
            reference = Hit(SOURCES, meant, "", 1.0, 1)
        if reference is not None:  # "who wrote the umbrella review on training variables?"
            source = kb.source(reference.fact_id)
            note = fact_index().lead_with_asked(text, source.note)  # "the reviewer's job?" first
            detail = latest_cues(tracker).get("article_detail")
            if detail == "person":  # "what's her background?": the one the last answer led with
                detail = last.get("detail") if last.get("kind") == "source" \
                    and last.get("topic") == source.id and last.get("detail") else "author"
            if source.id == "article" and detail in ARTICLE_LEADS:
                note = _led_by(source.note, ARTICLE_LEADS[str(detail)])
            dispatcher.utter_message(response="utter_reference", citation=source.citation(),
                                     article=source.id == "article", note=note, **meta,
                                     json_message={"kind": "sources"})
            return [SlotSet("last_topic", None),
                    SlotSet("last_answer", answer_record("source", source.id, [],
                                                         detail=detail))]
        record = tracker.get_slot("last_answer") or {}
        if latest_cues(tracker).get("sources_overview"):  # "how many references are there?"
            record = {}
        topic = _last_topic(kb, tracker) if record else None
        # a source question that names its fact, unless it follows the answer just given
        # ("what does the AHA recommend" then "and what does NASM say": a body the answer just
        # given does not name asks for that body's own fact)
        bodies = {"nasm", "ace", "aha"} & set(terms(text))
        shown_words = {w for t in kb.topics for f in (*t.facts, *t.more)
                       if f.id in set(record.get("facts") or []) for w in terms(f.text)}
        new_body = bool(bodies) and not bodies <= shown_words
        named = None if (tracker.latest_action_name == "action_answer_topic" and not new_body) \
            or latest_cues(tracker).get("sources_overview") else \
            _named_fact(kb, said(tracker))
        if named is not None:  # "which organisation says twice a week?": that fact and its source
            named_topic, fact = named
            dispatcher.utter_message(response="utter_topic_answer_short", facts=[fact.text],
                                     dose=None, reason="",
                                     json_message={"kind": "answer", "topic": named_topic.id,
                                                   "section": named_topic.section})
            topic, record = named_topic, {"kind": "topic", "topic": named_topic.id,
                                          "facts": [fact.id]}
        facts: list[Fact] = []
        plan = False
        if record.get("kind") == "exercise" and record.get("exercise"):
            ex = kb.exercise(record["exercise"])
            sections, general = ([ex.section], list(ex.sources)) if ex else ([], [])
        elif record.get("kind") == "plan":  # its notes quote these topics' facts
            plan = True
            shown = [(t, f) for t in kb.topics if t.id in PLAN_TOPICS for f in t.facts]
            facts = [f for _, f in shown]
            sections = [kb.program.section] + [t.fact_section(f) for t, f in shown]
            general = list(kb.program.sources)
        elif topic is not None:
            # the facts shown, wherever they live (an answer may add another topic's fact)
            fact_ids = set(record.get("facts", []))
            shown = [(t, f) for t in kb.topics for f in (*t.facts, *t.more) if f.id in fact_ids]
            facts = [f for _, f in shown]
            sections = [t.fact_section(f) for t, f in shown] or [topic.section]
            general = list(topic.sources) + [s for t, _ in shown if t.id != topic.id
                                             for s in t.sources]
        else:
            others = [s for s in kb.sources if s.id != "article"]
            dispatcher.utter_message(response="utter_sources_general", count=len(others),
                                     example=others[0].citation(), **meta,
                                     json_message={"kind": "sources"})
            return []
        sections = _ordered_sections(kb, sections)
        attributions = _attributions(kb, facts)
        credited = {sid for a in attributions for sid in a["sources"]}
        general = [s for s in dict.fromkeys(general) if s != "article" and s not in credited]
        citations = list(dict.fromkeys(kb.source(s).citation() for s in general))
        partial = any(not (f.attributed_to or f.attributed_as) for f in facts)
        dispatcher.utter_message(
            response="utter_source", sections=sections, attributions=attributions,
            citations=citations, partial=partial, plan=plan, **meta,
            json_message={"kind": "sources", "section": sections[0] if sections else "",
                          "sections": sections,
                          "attributed_to": [a["body"] for a in attributions],
                          "sources": general})
        if named is None:
            return []
        return [SlotSet("last_topic", record["topic"]), SlotSet("last_answer", record)]
