"""Answer a knowledge topic, choosing the facts by intent, entities and context."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    all_entity_values,
    answer_record,
    cue,
    fact_applies,
    knowledge,
    label_buttons,
    latest_cues,
    latest_entities,
    latest_intent,
    nested_response,
    props,
    said,
    select_facts,
    stepped_variant,
    utter_disclaimer,
)
from knowledge.models import Fact, KnowledgeBase, Topic
from knowledge.retrieval import clear_match, fact_index, terms

# a question that continues the previous one keeps its goal ("and how long to rest then?")
# questions whose answer depends on the exercise last talked about ("how many sets?" after steps)
IN_TOPIC_COVERAGE = 0.45  # share of the question's words a fact must hold to be added
CONDITION_FACTS = 2  # condition-specific facts added to another topic's answer
CROSS_TOPIC_COVERAGE = 0.65  # ... and a fact of another topic (the classifier may have erred),
CROSS_TOPIC_MARGIN = 0.25  # when it fits the question clearly better than the topic's own facts
LEAD_COVERAGE, LEAD_GAP = 0.3, 0.15  # a weaker match still leads when clearly above the usual lead
NEAR_COVERAGE = 0.15  # a fitting fact this close to the best match leads instead of another goal's
GOAL_FOLLOW_UP_UNSURE = 0.5  # "and for size?" read less surely than this follows the last topic
ITEM_MARGIN = 0.2  # how much better one item's fact must match "which one ...?" to be the answer
ELSEWHERE_LEADS = 0.7  # another topic's fact holding this much of the question leads the answer
POINTED_COVERAGE = 0.9  # share of a follow-up's known words one fact must hold to lead
FOLLOW_UP_WORDS = 6  # a message this short may lean on the exercise just discussed
DOSE_TOPICS = {"rest_periods", "weekly_volume", "reps_intensity"}
# the word a fact must use to give the dose an intent asks for (checked on knowledge text)
DOSE_WORDS = {"ask_rest": "rest", "ask_volume": "sets", "ask_reps": "reps"}
# a bare entity with no topic of its own points at a topic
ENTITY_TOPICS = {"condition": "health_conditions", "muscle": "exercise_selection"}


def resolve_topic(kb: KnowledgeBase, intent: str, entities: dict[str, str],
                  last_topic: str | None, intents: dict[str, list[str]]) -> Topic | None:
    """The topic to answer: the intent's, else the one being followed up, else an entity's.

    Sets, reps or rest asked about a health condition ("how many sets did that diabetes study
    use"), or right after a health-condition answer, stay with the health-condition topic.
    """
    if intent in intents.get("exercise_dose", []) and "exercise" not in entities and "goal" not in entities \
            and (last_topic == "health_conditions"
                 or _condition_has_dose(kb, entities.get("condition"), intent)):
        return kb.topic("health_conditions")
    topic = kb.topic_for_intent(intent)
    if topic:
        return topic
    if intent in intents.get("follow_up", []) and last_topic:
        try:
            return kb.topic(last_topic)
        except KeyError:
            pass
    for entity, topic_id in ENTITY_TOPICS.items():
        if entity in entities:
            return kb.topic(topic_id)
    return None


def _condition_has_dose(kb: KnowledgeBase, condition: str | None, intent: str) -> bool:
    """Whether the named condition's own facts give the asked dose (the diabetes study's sets and
    reps do; nothing about aging gives a rest time, so "I'm 67, how long should I rest?" gets the
    rest answer, with the aging facts after it)."""
    if condition in (None, "none"):
        return False
    word = DOSE_WORDS.get(intent)
    return word is not None and any(
        f.when.get("condition") == condition and word in f.text.lower()
        for f in kb.topic("health_conditions").facts)


class ActionAnswerItem(Action):
    """"The first one" / "the other one": that item of the last answer's list."""

    def name(self) -> str:
        return "action_answer_item"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        record = dict(tracker.get_slot("last_answer") or {})
        topic = kb.topic(str(record.get("topic")))
        shown = record.get("item")
        if not topic.items:  # "which is the most important?" after facts the article doesn't rank
            given = [topic.fact(fid) for fid in record.get("facts") or []
                     if fid in {f.id for f in (*topic.facts, *topic.more)}]
            dispatcher.utter_message(response="utter_no_ranking",
                                     facts=[f.text for f in given[:2] or topic.facts[:1]],
                                     json_message={"kind": "answer", "topic": topic.id,
                                                   "section": topic.section})
            return [SlotSet("last_topic", topic.id)]
        if latest_cues(tracker).get("item_ref") == "which":
            # "which of those is the dense one?": the item whose fact the question matches
            # clearly best; "which one is better?": what the article says about each
            text = said(tracker)
            item_facts = {i.fact: n for n, i in enumerate(topic.items)}
            hits = [h for h in fact_index().search(text, topic=topic.id, limit=10)
                    if h.fact_id in item_facts]
            if hits and hits[0].matched >= 1 and (len(hits) == 1 or hits[0].coverage
                                                  >= hits[1].coverage + ITEM_MARGIN):
                index = item_facts[hits[0].fact_id]
                dispatcher.utter_message(response="utter_more",
                                         facts=[topic.fact(topic.items[index].fact).text],
                                         json_message={"kind": "answer", "topic": topic.id,
                                                       "section": topic.section})
                record.update(item=index)
                return [SlotSet("last_topic", topic.id), SlotSet("last_answer", record)]
            dispatcher.utter_message(response="utter_compare_items",
                                     facts=[topic.fact(i.fact).text for i in topic.items],
                                     json_message={"kind": "answer", "topic": topic.id,
                                                   "section": topic.section})
            return [SlotSet("last_topic", topic.id)]
        ref = latest_cues(tracker).get("item_ref")
        index = 0 if ref == "first" else len(topic.items) - 1 if ref == "last" else (
            1 - int(shown) if shown in (0, 1) else 1)
        item = topic.items[min(index, len(topic.items) - 1)]
        dispatcher.utter_message(response="utter_more", facts=[topic.fact(item.fact).text],
                                 json_message={"kind": "answer", "topic": topic.id,
                                               "section": topic.section})
        record.update(item=index)
        return [SlotSet("last_topic", topic.id), SlotSet("last_answer", record)]


def _asked_item(topic: Topic, text: str) -> int | None:
    """The item of a topic's list a question clearly asks about ("whats myofibrillar
    hypertrophy": the myofibril one), by its fact's words."""
    item_facts = {i.fact: n for n, i in enumerate(topic.items)}
    if not item_facts:
        return None
    hits = [h for h in fact_index().search(text, topic=topic.id, limit=20) if h.fact_id in item_facts]
    if hits and hits[0].matched >= 1 and (len(hits) == 1 or hits[0].coverage
                                          >= hits[1].coverage + ITEM_MARGIN):
        return item_facts[hits[0].fact_id]
    return None


def _pointed_fact(topic: Topic, text: str) -> Fact | None:
    """The fact of a topic a short follow-up points at by a word of it ("and the bones?", "and
    weekly?"): of those that hold all its known words, the one the topic lists first (its main
    facts come before the details that repeat a word of them)."""
    hits = [h for h in fact_index().search(text, topic=topic.id, limit=20, known_only=True)
            if h.coverage >= POINTED_COVERAGE]
    if not hits:
        return None
    order = {f.id: i for i, f in enumerate((*topic.facts, *topic.more))}
    return topic.fact(min(hits, key=lambda h: order.get(h.fact_id, len(order))).fact_id)


class ActionAnswerTopic(Action):
    """Answer from the knowledge base, with the topic's disclaimer and follow-up buttons."""

    def name(self) -> str:
        return "action_answer_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        kb = knowledge()
        intent = latest_intent(tracker)
        asked = str(latest_cues(tracker).get("question_topic") or "")
        if kb.topic_for_intent(intent) is None and kb.topic_for_intent(asked) is not None:
            # run after a report ("i'm 20 weeks pregnant. what are the benefits?"): the topic its
            # closing question asks about
            intent = asked
        elif kb.topic_for_intent(intent) is None and cue(tracker, "cleared"):
            # run after a clearance read as a report ("tore my acl, physio cleared me. what's the
            # rest time?"): the message's likeliest topic reading
            intent = next((str(r["name"]) for r in tracker.latest_message.get("intent_ranking") or []
                           if kb.topic_for_intent(str(r["name"])) is not None), intent)
        entities = latest_entities(tracker)
        after_topic = (tracker.get_slot("last_answer") or {}).get("kind") == "topic"
        which_ref = latest_cues(tracker).get("item_ref") == "which" and bool(entities) and after_topic
        # "and for plain hypertrophy?" after the rest answer: the goal changes, the topic stays
        # (unless the classifier was sure of another topic)
        confidence = float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)
        goal_follow_up = cue(tracker, "continues") and set(entities) == {"goal"} and after_topic \
            and confidence < GOAL_FOLLOW_UP_UNSURE
        # (a correction inside its own question, "rest for strength, wait no i meant size", keeps
        # the question's topic: there is no earlier answer to follow)
        goals = [str(e.get("value")) for e in tracker.latest_message.get("entities") or []
                 if e.get("entity") == "goal"]
        if cue(tracker, "correction") and goals:
            entities["goal"] = goals[-1]  # "for strength, wait no i meant size": the one meant
        again = cue(tracker, "asks_again") and after_topic
        if (cue(tracker, "correction") and after_topic) or which_ref or goal_follow_up or again:
            intent = "inform"  # "i didn't say strength", "which one for size?": the last topic
        text = said(tracker)
        if "goal" not in entities and tracker.get_slot("goal") and cue(tracker, "continues"):
            entities["goal"] = str(tracker.get_slot("goal"))  # "and how long to rest then?"
        if intent == "ask_benefits" and latest_cues(tracker).get("has_condition") \
                and entities.get("condition") not in (None, "none", "injury"):
            intent = "ask_health_condition"  # "i'm prediabetic, would lifting help?": theirs
        topic = resolve_topic(kb, intent, entities, tracker.get_slot("last_topic"), props(domain))
        topic = self._stay_on_topic(kb, topic, tracker.get_slot("last_topic"), text,
                                    cue(tracker, "points_back"))
        if topic is not None and topic.id == "health_conditions" and "condition" not in entities \
                and tracker.get_slot("condition"):
            entities["condition"] = str(tracker.get_slot("condition"))  # the one talked about
        if topic is None:
            dispatcher.utter_message(response="utter_fallback_help")
            return []
        if cue(tracker, "correction") and entities.get("goal"):  # "i didn't say strength"
            dispatcher.utter_message(response="utter_corrected", value=entities["goal"])
        dose = self._exercise_dose(kb, topic, entities, tracker, props(domain))
        facts = self._facts(kb, topic, entities, tracker, text)
        if again:  # "wait what?": the answer's first sentence again, said as the short version
            dispatcher.utter_message(response="utter_say_again")
            shown = [f.id for f in (*topic.facts, *topic.more)]
            first = next((fid for fid in (tracker.get_slot("last_answer") or {}).get("facts") or []
                          if fid in shown), None)  # (the fact that led the last answer)
            facts = [topic.fact(first)] if first else facts[:1]
        reason = topic.why if cue(tracker, "why") else ""
        response = "utter_topic_answer" if topic.more else "utter_topic_answer_short"
        texts = [f.text for f in facts]
        if texts and not dose:  # the sentence the question asks about leads its fact
            texts[0] = fact_index().lead_with_asked(text, texts[0])
        dispatcher.utter_message(response=response, facts=texts, dose=dose,
                                 reason=reason,
                                 json_message={"kind": "answer", "topic": topic.id,
                                               "section": topic.section})
        subject = next((s for s in kb.vocabulary.subject
                        if s.id == entities.get("subject") and not s.setting), None)
        if subject is not None:  # "should i go to failure on every set?": what it does not cover
            # (and the fact it says nearby, when the answer did not give it: "half reps?" gets
            # that mechanical tension means a full range of motion)
            says = next((f.text for t in kb.topics for f in (*t.facts, *t.more)
                         if f.id == subject.says and f.id not in {g.id for g in facts}), "")
            dispatcher.utter_message(response="utter_uncovered_note", name=subject.name,
                                     ask=subject.ask, says=says)
        other = latest_cues(tracker).get("also_maybe")
        if other and other != intent:  # two topics nearly tied: the other one a tap away
            dispatcher.utter_message(response="utter_also_maybe",
                                     buttons=label_buttons(domain, [str(other)]))
        # a named health condition gets the medical note whatever topic answered ("on insulin for
        # type 2, how many sets and reps?" is answered by the reps topic with the diabetes study)
        named_condition = entities.get("condition") not in (None, "none", "older_age")
        utter_disclaimer(dispatcher, "medical" if named_condition and topic.disclaimer == "none"
                         else topic.disclaimer)
        record = answer_record("topic", topic.id, [f.id for f in facts], more_shown=0,
                               items=[item.name for item in topic.items], intent=intent)
        led = _asked_item(topic, text)
        if led is None:
            led = next((n for n, item in enumerate(topic.items) if facts and item.fact == facts[0].id), None)
        if led is not None:  # "what's metabolic stress?" then "and the other one?": the other item
            record["item"] = led
        if topic.id == "exercise_selection":  # "how do I do the first one?": the stepped ones
            record["exercises"] = [e.id for e in kb.exercises if e.has_steps]
        if dose:  # later "and rest?" stays with this exercise
            record["exercise"] = entities.get("exercise") or tracker.get_slot("exercise")
        events: list[dict[str, Any]] = [SlotSet("last_topic", topic.id), SlotSet("last_answer", record)]
        if cue(tracker, "asks_source"):  # "what study says ...": the answer and where it is from
            events.append(FollowupAction("action_cite_source"))
        return events

    @staticmethod
    def _stay_on_topic(kb: KnowledgeBase, topic: Topic | None, last_topic: str | None,
                       text: str, points_back: bool) -> Topic | None:
        """A question that points back ("what did they do in that study?") stays on the topic
        just discussed when that topic's facts fit it clearly better."""
        if not last_topic or not points_back or (topic and topic.id == last_topic):
            return topic
        try:
            previous = kb.topic(last_topic)
        except KeyError:
            return topic
        there = fact_index().search(text, topic=previous.id, limit=1)
        here = fact_index().search(text, topic=topic.id, limit=1) if topic else []
        if there and there[0].coverage >= IN_TOPIC_COVERAGE and \
                there[0].coverage > (here[0].coverage if here else 0.0):
            return previous
        return topic

    @staticmethod
    def _facts(kb: KnowledgeBase, topic: Topic, entities: dict[str, str], tracker: Tracker,
               text: str) -> list[Fact]:
        """The topic's facts for the entities, led by the fact of the topic the question names;
        then what the question points at beyond them: a named condition's own facts, and a fact
        of another topic it clearly matches (the classifier may have chosen the wrong topic)."""
        facts = select_facts(topic, entities, all_entity_values(tracker))
        extra: list[Fact] = []
        # (words no fact uses, "in one word?", say nothing about which fact is asked)
        hits = fact_index().search(text, topic=topic.id, limit=8, known_only=True)
        best_here = hits[0].coverage if hits else 0.0
        # the part of the topic the question names leads the answer ("max sets of one exercise?"
        # -> the 5-6 sets fact, not the weekly total); a fact for another goal ("rest between
        # sets" matches strength's rest too) only when no fitting fact matches about as well,
        # and then after the answer
        first = next((h.coverage for h in hits if facts and h.fact_id == facts[0].id), 0.0)
        fitting = [h for h in hits if h.matched >= 2 and (
            h.coverage >= IN_TOPIC_COVERAGE or (h.coverage >= LEAD_COVERAGE
                                                and h.coverage >= first + LEAD_GAP))
                   and fact_applies(topic.fact(h.fact_id), entities, all_entity_values(tracker))]
        if fitting and fitting[0].coverage >= best_here - NEAR_COVERAGE:
            asked = topic.fact(fitting[0].fact_id)
            facts = [asked, *[f for f in facts if f.id != asked.id]]
        elif cue(tracker, "continues") and (pointed := _pointed_fact(topic, text)) is not None \
                and fact_applies(pointed, entities, all_entity_values(tracker)):
            # "what about for bones specifically?": the one word that singles out a fact
            facts = [pointed, *[f for f in facts if f.id != pointed.id]]
        elif hits and hits[0].coverage >= IN_TOPIC_COVERAGE and hits[0].matched >= 2:
            asked = topic.fact(hits[0].fact_id)
            # (a fact for a condition leads too when the question names none: "does muscle
            # help with fat loss" is asked by the words of the metabolic fact)
            if fact_applies(asked, entities, all_entity_values(tracker)) or (
                    entities.get("condition") in (None, "none") and not fitting):
                facts = [asked, *[f for f in facts if f.id != asked.id]]
            else:  # the best match is about another condition: the fitting one still leads
                extra.append(asked)
                if fitting:
                    lead = topic.fact(fitting[0].fact_id)
                    facts = [lead, *[f for f in facts if f.id != lead.id]]
        # one of the topic's items named by its own words ("myofibril hypertrophy in a few words"):
        # its fact leads, not the fact that names every item
        words = set(terms(text))
        named_items = [i for i in topic.items if set(terms(i.name)) <= words]
        if len(named_items) == 1 and named_items[0].fact and facts:
            own = set(terms(named_items[0].name))
            # (not when another item is named as well: "sarcoplasmic vs myofibril")
            others = set().union(*(set(terms(i.name)) - own for i in topic.items
                                   if i is not named_items[0]))
            if not others & words:
                item_fact = topic.fact(named_items[0].fact)
                facts = [item_fact, *[f for f in facts if f.id != item_fact.id]]
        dose_word = DOSE_WORDS.get(latest_intent(tracker))
        if topic.id == "health_conditions" and dose_word:  # "diabetes, how many reps?": the study
            facts = sorted(facts, key=lambda f: dose_word not in f.text.lower())
        if topic.id != "health_conditions" and entities.get("condition") not in (None, "none"):
            health = kb.topic("health_conditions")
            extra += [f for f in select_facts(health, {"condition": entities["condition"]})
                      if f.when][:CONDITION_FACTS]
        elsewhere = clear_match(text, CROSS_TOPIC_COVERAGE, 2)
        if elsewhere is not None and elsewhere.topic in {t.id for t in kb.topics} \
                and elsewhere.topic != topic.id and elsewhere.coverage - best_here >= CROSS_TOPIC_MARGIN:
            fact = kb.topic(elsewhere.topic).fact(elsewhere.fact_id)
            if elsewhere.coverage >= ELSEWHERE_LEADS and elsewhere.matched >= 3 \
                    and best_here < IN_TOPIC_COVERAGE:
                # "for mechanical tension do i use light or heavy weights" read as reps: the
                # fact that holds the whole question answers it first
                facts = [fact, *facts]
            else:
                extra.append(fact)
        for fact in extra:
            if fact.id not in {f.id for f in facts}:
                facts.append(fact)
        return facts

    @staticmethod
    def _exercise_dose(kb: KnowledgeBase, topic: Topic, entities: dict[str, str],
                       tracker: Tracker, intents: dict[str, list[str]]) -> dict[str, Any] | None:
        """For rest/sets/reps about a specific exercise, the exercise page's own figures first."""
        if latest_intent(tracker) not in intents.get("exercise_dose", []) \
                and topic.id not in DOSE_TOPICS:
            return None
        exercise_id = entities.get("exercise")
        about_exercise = (tracker.get_slot("last_topic") == "exercise_steps"
                          or (tracker.get_slot("last_answer") or {}).get("exercise"))
        # "how many sets?" right after the row's steps is about the row; "how many sets should I
        # do per week in total?" is a new question, not a follow-up: context fills only what a
        # short or pointing message leaves out
        leans = cue(tracker, "points_back") or cue(tracker, "continues") \
            or len(latest_cues(tracker).get("words") or []) <= FOLLOW_UP_WORDS
        if not exercise_id and "goal" not in entities and about_exercise and leans:
            exercise_id = tracker.get_slot("exercise")
        named = kb.exercise(exercise_id) if exercise_id else None
        ex = stepped_variant(kb, named) if named else None
        if named is None:
            return None
        if ex is None or not (ex.sets and ex.reps and ex.rest_seconds):
            return nested_response("utter_exercise_dose_none", name=named.name)
        return nested_response("utter_exercise_dose", name=ex.name, sets=ex.sets.label(),
                               reps=ex.reps.label(), rest=ex.rest_seconds.label(),
                               asked=named.name if named is not ex else "")
