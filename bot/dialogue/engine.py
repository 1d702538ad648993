"""The whole flow of one message: parse -> update tracker -> choose action -> run it -> render.

`Engine.handle` is a coroutine: the store's lock, load and save and every action are awaited, so
a turn that waits on Redis, a SQLite thread or an action server leaves the server's event loop to
other conversations. `handle_sync` runs it on the engine's own loop for the command line and tests."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from jinja2 import TemplateError

from bot.core.config import CoachConfig
from bot.core.domain import Domain, Rule
from bot.core.errors import ActionFailed
from bot.core.schemas import BotMessage, IntentScore, ParseResult
from bot.core.tracker import Tracker
from bot.dialogue.policies import CANCEL_FORM, PROGRAM_FORM, RESTART_FORM, PolicyContext
from bot.dialogue.registry import POLICIES
from bot.nlu.discourse import with_antecedent
from bot.nlu.interpreter import Interpreter
from bot.responses.renderer import Renderer
from bot.stores import TrackerStore
from knowledge.loader import default_knowledge
from knowledge.retrieval import lead_exercise, terms

log = logging.getLogger(__name__)

# slots that form templates read, as Rasa fills responses from slots
TEMPLATE_SLOTS = ("goal", "red_flag", "clearance_subject", "needs_worded_clearance")


class Actions(Protocol):
    """Runs one rasa_sdk action call (in-process or over the webhook)."""

    remote: bool  # whether a call waits on the network

    async def run(self, payload: dict[str, Any]) -> dict[str, Any]: ...


# a follow-up this short that points back ("how do i get more of it?") and reads as no clear topic
# of its own is read again with what it points at; that reading stands when it is this sure
CONTEXT_WORDS, CONTEXT_UNSURE, CONTEXT_CLEAR = 8, 0.6, 0.7
CONTEXT_UNCLEAR = ("nlu_fallback", "out_of_scope", "out_of_scope_medical", "help", "chitchat")
ASIDE_WORDS = 3  # a clause this short that asks no question of its own is an aside ("be honest")


class Engine:
    """Holds the parts; `handle` is the one entry point for a user message."""

    def __init__(self, config: CoachConfig, interpreter: Interpreter, domain: Domain,
                 rules: list[Rule], actions: Actions, store: TrackerStore,
                 renderer: Renderer, retrieval: Callable[..., Any]) -> None:
        self.config = config
        self.interpreter = interpreter
        self.domain = domain
        self.domain_dict = domain.as_sdk_dict()
        self.actions = actions
        self.store = store
        self.renderer = renderer
        self._loop: asyncio.AbstractEventLoop | None = None  # handle_sync's
        self._thread_loop: asyncio.AbstractEventLoop | None = None  # handle_sync's, in a thread
        ctx = PolicyContext(domain=domain, rules=rules, retrieval=retrieval)
        self.policies = [POLICIES[name](ctx) for name in config.dialogue.policies]
        self.entity_slots = domain.entity_slots()
        # what a clause of a two-question message may be: a knowledge question, or an out-of-scope
        # ask that gets declined beside the answer ("help with my taxes, then tell me rest times")
        self.multi_ok = {intent for rule in rules if rule.action in (
            "action_answer_topic", "action_exercise_steps", "action_out_of_scope")
            for intent in rule.intents}

    # ---- the flow -----------------------------------------------------------------------------
    async def handle(self, sender: str, text: str, message_id: str | None = None) -> list[BotMessage]:
        """Answer one user message; the conversation is loaded and saved under its lock. A message
        whose id was the last turn's (a client retrying after a lost answer) gets that turn's
        replies again and changes nothing."""
        async with self.store.locked(sender):
            tracker = await self.store.load_async(sender) or self.new_tracker(sender)
            last = tracker.last_turn or {}
            if message_id is not None and last.get("message_id") == message_id:
                return [BotMessage.model_validate(r) for r in last.get("replies") or []]
            parse = self.interpreter.parse(text)
            tracker.add_user(parse, message_id=message_id)
            replies: list[BotMessage] = []
            for part in self.clauses(text, parse):
                try:
                    replies += await self.respond(tracker, part)
                except Exception:  # a bug: a polite reply and a logged traceback, and the
                    # conversation (with this message) is still saved
                    log.exception("turn failed for %s", sender)
                    replies += self.utter(tracker, "utter_error")
            if self.would_repeat(tracker, replies):
                replies = self.break_loop(tracker, parse, replies)
            replies = self.greet_back(tracker, parse, replies)
            self.leave_a_way_forward(tracker, replies)
            for reply in replies:
                tracker.add_bot(reply.text, reply.model_dump(exclude={"recipient_id", "text"},
                                                             exclude_none=True))
            tracker.last_turn = {"message_id": message_id, "replies": [
                r.model_dump(exclude_none=True) for r in replies]} if message_id is not None else None
            await self.store.save_async(tracker)
        return replies

    def handle_sync(self, sender: str, text: str, message_id: str | None = None) -> list[BotMessage]:
        """`handle` from synchronous code (the shell, tests, benchmarks). It runs on an event
        loop the engine keeps, so clients bound to a loop (Redis, httpx) are reused; called
        where a loop is already running (as under Playwright's sync API), that loop runs in a
        thread of its own."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop here: run ours in this thread
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            return self._loop.run_until_complete(self.handle(sender, text, message_id))
        if self._thread_loop is None:
            self._thread_loop = asyncio.new_event_loop()
            threading.Thread(target=self._thread_loop.run_forever, daemon=True,
                             name="engine-loop").start()
        return asyncio.run_coroutine_threadsafe(self.handle(sender, text, message_id),
                                                self._thread_loop).result()

    async def respond(self, tracker: Tracker, parse: ParseResult) -> list[BotMessage]:
        """Choose and run the action for one parse (one clause of the message)."""
        parse = self.confirm_guess(tracker, parse)
        parse = self.read_in_context(tracker, parse)
        tracker.latest_message = parse.model_dump()
        self.fill_slots(tracker, parse)
        form_before = tracker.active_loop
        action = self.choose(tracker, parse)
        replies = await self.run(action, tracker, parse)
        if action != "action_fallback" and tracker.slots.get("fallback_count"):
            tracker.set_slot("fallback_count", 0)
        interrupted = form_before and tracker.active_loop and action not in self.domain.forms
        if interrupted:  # a question mid-form was answered: ask the pending question again
            replies += self.ask_requested(tracker, resume=True)
        return replies

    def greet_back(self, tracker: Tracker, parse: ParseResult,
                   replies: list[BotMessage]) -> list[BotMessage]:
        """"hi, i'm 52 and postmenopausal": a first message that opens with a greeting and is
        answered with something else gets a greeting first (never before a safety reply)."""
        users = sum(1 for e in tracker.events if e.get("event") == "user")
        latest = tracker.latest_message or {}
        if not parse.cues.greets or users != 1 or parse.cues.tier or not replies \
                or latest.get("intent", {}).get("name") in self.domain.props.states_no_fact \
                or any(getattr(r.custom, "kind", None) in ("safety", "crisis") for r in replies) \
                or (tracker.slots.get("last_answer") or {}).get("kind") == "safety":
            return replies
        return self.utter(tracker, "utter_greet_back") + replies

    def break_loop(self, tracker: Tracker, parse: ParseResult,
                   replies: list[BotMessage]) -> list[BotMessage]:
        """The third identical reply in a row is not sent. To a real question the same answer
        may still be right ("how many reps?", "and sets?" about one study): its first sentence is
        quoted as the answer above; otherwise the bot says it may be misreading. Both offer a
        way forward."""
        first = (replies[0].text or "").strip().split("\n")[0]
        # the sentence of the answer that holds most of the question's words ("and carbs?" ->
        # the one naming carbohydrates), else its first
        asked = set(terms(" ".join(parse.cues.words)))
        sentences = [s.strip() for s in first.replace(". ", ".\n").split("\n") if s.strip()]
        lead = max(sentences, key=lambda s: len(asked & set(terms(s))), default="")
        if parse.intent.name in self.domain.props.states_no_fact or not lead \
                or parse.intent.name.startswith("/"):
            return self.utter(tracker, "utter_loop_breaker")
        return self.utter(tracker, "utter_loop_breaker_same", lead=lead)

    def leave_a_way_forward(self, tracker: Tracker, replies: list[BotMessage]) -> None:
        """A reply with no button gets the suggestions of utter_way_forward, so a person who only
        taps is never stuck (not a safety reply: nothing is added to those)."""
        if not replies or any(r.buttons for r in replies) \
                or any(r.custom and r.custom.kind == "safety" for r in replies):
            return
        replies[-1].buttons = self.utter(tracker, "utter_way_forward")[0].buttons

    @staticmethod
    def would_repeat(tracker: Tracker, replies: list[BotMessage]) -> bool:
        """Whether this reply would be the third identical one in a row (a safety reply may be:
        it must never be swapped for anything else)."""
        if not replies or any(r.custom and r.custom.kind == "safety" for r in replies):
            return False
        text = "\n".join(r.text or "" for r in replies)
        previous = tracker.previous_replies(2)
        return len(previous) == 2 and all(p == text for p in previous)

    def read_in_context(self, tracker: Tracker, parse: ParseResult) -> ParseResult:
        """"How do I get more of it?" right after the metabolic stress answer reads as out of
        scope alone; with "it" put as what it points at, it is a clear question of the topic, and
        that reading is kept. Context only fills what the message leaves out: a message clear on
        its own, naming something of its own, or raising a safety sign is left as it is."""
        record = tracker.slots.get("last_answer") or {}
        cues = parse.cues
        follow_up = cues.item_ref or cues.asks_bound or cues.asks_examples or cues.asks_again \
            or cues.asks_source or cues.asks_author or cues.why or cues.correction
        unclear = parse.intent.name in CONTEXT_UNCLEAR or (
            parse.intent.name in self.topic_intents and parse.intent.confidence < CONTEXT_UNSURE)
        if not cues.points_back or cues.tier or parse.entities or follow_up or not unclear \
                or len(cues.words) > CONTEXT_WORDS or record.get("kind") != "topic":
            return parse
        antecedent = self.antecedent(record)
        text = with_antecedent(parse.text, antecedent) if antecedent else None
        if text is None:
            return parse
        again = self.interpreter.parse(text)
        if again.cues.tier or again.intent.confidence < CONTEXT_CLEAR \
                or again.intent.name not in self.topic_intents | {"ask_exercise_steps"}:
            return parse
        return again

    @property
    def topic_intents(self) -> set[str]:
        """The intents the knowledge base's topics answer."""
        return {i for t in default_knowledge().topics for i in t.intents}

    @staticmethod
    def antecedent(record: dict[str, Any]) -> str | None:
        """What "it" points at after a topic answer: the one exercise with steps its lead fact
        names, else the item of the topic that led it ("metabolic stress"), else its title."""
        topics = {t.id: t for t in default_knowledge().topics}
        topic = topics.get(str(record.get("topic")))
        if topic is None:
            return None
        exercise = lead_exercise(record)
        if exercise is not None:  # "how do i do that?" after "... one of them the skull crusher"
            return next(e.name for e in default_knowledge().exercises if e.id == exercise).lower()
        lead = (record.get("facts") or [None])[0]
        item = next((i.name for i in topic.items if i.fact == lead), None)
        if isinstance(record.get("item"), int) and 0 <= record["item"] < len(topic.items):
            item = topic.items[record["item"]].name
        return item or topic.title.lower()

    def confirm_guess(self, tracker: Tracker, parse: ParseResult) -> ParseResult:
        """A "yes" to "did you mean ...?" is the first suggestion, asked in the original words."""
        guesses = tracker.slots.get("fallback_guesses")
        if guesses:
            tracker.set_slot("fallback_guesses", None)
            if parse.intent.name == "affirm" and guesses.get("intents"):
                asked = self.interpreter.parse(str(guesses.get("text") or parse.text))
                return asked.model_copy(update={"intent": IntentScore(
                    name=guesses["intents"][0], confidence=1.0)})
        return parse

    def choose(self, tracker: Tracker, parse: ParseResult) -> str:
        """The first action a policy predicts, in the order config.yml gives."""
        for policy in self.policies:
            action = policy.predict(tracker, parse)
            if action:
                return action
        return "action_fallback"

    async def run(self, action: str, tracker: Tracker, parse: ParseResult) -> list[BotMessage]:
        """Run an action, a form step, or the form's cancellation."""
        if action == CANCEL_FORM:
            tracker.apply([{"event": "active_loop", "name": None}])
            return self.utter(tracker, "utter_form_cancelled")
        if action == RESTART_FORM:
            return await self.restart_form(tracker, parse)
        if action in self.domain.forms:
            return await self.run_form(tracker, action, parse)
        return await self.call(tracker, action, parse=parse)

    async def call(self, tracker: Tracker, action: str,
                   extra_events: list[dict[str, Any]] | None = None,
                   parse: ParseResult | None = None) -> list[BotMessage]:
        """Run one rasa_sdk action, apply its events and render its messages."""
        payload = {"next_action": action, "sender_id": tracker.sender_id,
                   "tracker": tracker.sdk_state(extra_events), "domain": self.domain_dict,
                   "version": "3.1"}
        try:
            result = await self.actions.run(payload)
        except ActionFailed:
            log.exception("action %s failed for %s", action, tracker.sender_id)
            return self.utter(tracker, "utter_error")
        tracker.add_action(action)
        events = result.get("events") or []
        tracker.apply(events)
        try:
            replies = [self.renderer.render(m, tracker.sender_id, tracker.turn)
                       for m in result.get("responses") or []]
        except TemplateError:  # a broken template must not end the conversation either
            log.exception("rendering the reply of %s failed for %s", action, tracker.sender_id)
            return self.utter(tracker, "utter_error")
        for event in events:  # rasa's FollowupAction: an action hands over to another
            name = str(event.get("name"))
            if event.get("event") != "followup" or name == action:
                continue
            if name in self.domain.forms and parse is not None and not tracker.active_loop:
                replies += await self.run_form(tracker, name, parse)  # the form starts
            else:
                replies += await self.call(tracker, name)
        return replies

    # ---- forms --------------------------------------------------------------------------------
    async def run_form(self, tracker: Tracker, form: str, parse: ParseResult) -> list[BotMessage]:
        """Rasa's form loop: slot candidates -> validate_<form> -> ask the next slot or submit."""
        starting = not tracker.active_loop
        if starting:
            tracker.apply([{"event": "active_loop", "name": form},
                           {"event": "slot", "name": "form_misses", "value": None},
                           {"event": "slot", "name": "proposed_default", "value": None}])
        candidates = self.slot_candidates(tracker, form, parse)
        replies = await self.call(tracker, f"validate_{form}", extra_events=candidates)
        goal = parse.first("goal")
        if goal and not starting:  # a change of mind mid-interview is said back
            replies = self.utter(tracker, "utter_goal_noted", goal=goal) + replies
        if tracker.slots.get("requested_slot"):
            # the start names a remembered red flag and the clearance it needs (from the slots)
            # an older age named in the opening gets the article's advice to see a provider first
            older = "older_age" in parse.entity_values("condition") \
                or tracker.slots.get("condition") == "older_age"  # ("my 75 year old mom" earlier)
            intro = self.utter(tracker, f"utter_{form}_start", **self.template_slots(tracker),
                               older=older, other=parse.cues.about_other) if starting else []
            return intro + replies + self.ask_requested(tracker)
        tracker.apply([{"event": "active_loop", "name": None}])
        return replies + await self.call(tracker, "action_build_program")

    async def restart_form(self, tracker: Tracker, parse: ParseResult) -> list[BotMessage]:
        """"Start over": forget the interview's answers and any plan, then ask again from the
        first question. What safety needs is kept: a red flag, and the clearance given for it."""
        form = str((tracker.active_loop or {}).get("name") or PROGRAM_FORM)
        kept = {"injuries", "clearance"} if tracker.slots.get("red_flag") else set()
        forget = [s for s in self.domain.forms[form].required_slots if s not in kept]
        tracker.apply([{"event": "slot", "name": s, "value": None}
                       for s in [*forget, "goal", "plan", "requested_slot", "removed_exercises",
                                 "restored_exercises"]]
                      + [{"event": "active_loop", "name": None}])
        return self.utter(tracker, "utter_form_restarted") + await self.run_form(
            tracker, form, parse.model_copy(update={"entities": []}))

    def slot_candidates(self, tracker: Tracker, form: str, parse: ParseResult) -> list[dict[str, Any]]:
        """SlotSet events from the message: entity mappings, else the text for the asked slot."""
        required = set(self.domain.forms[form].required_slots)
        new: dict[str, str] = {}  # slot -> value this message says something new about
        for ent in parse.entities:  # the last mention wins ("3 days ... sorry, I meant 5 days")
            for name in self.domain.entity_slots_in_form(form, ent.entity):
                if name in required and tracker.slots.get(name) != ent.value:
                    new[name] = ent.value
        events = [{"event": "slot", "name": n, "value": v} for n, v in new.items()]
        requested = tracker.slots.get("requested_slot")
        # the text answers the asked question unless the message answered something else
        # ("actually make it 4 days"); repeating a known answer ("3") does not count as that
        # ("actually can we do strength instead" changes the goal and answers nothing asked)
        goal_named = any(e.entity == "goal" for e in parse.entities)
        if requested and not new and not goal_named and self.domain.text_slot(form, requested):
            events.append({"event": "slot", "name": requested, "value": parse.text})
        elif requested and new and requested not in new and self.domain.text_slot(form, requested):
            # "none. oh actually can we do 4 days instead": a first sentence that names nothing
            # else answers the asked question; the rest changes another answer
            first = parse.text[:parse.cues.first_sentence_end].strip()
            if first and 0 < parse.cues.first_sentence_end <= min(e.start for e in parse.entities):
                events.append({"event": "slot", "name": requested, "value": first})
        return events

    def ask_requested(self, tracker: Tracker, resume: bool = False) -> list[BotMessage]:
        """Ask the form's pending question (after 'Back to your plan:' when resuming)."""
        slot = tracker.slots.get("requested_slot")
        if not slot:
            return []
        if not resume and (tracker.slots.get("proposed_default") or {}).get("slot") == slot:
            return []  # "Shall I go with ...?" is the question this turn
        replies = self.utter(tracker, "utter_form_resume") if resume else []
        # as in Rasa, slots fill the question's template and choose its conditional variation
        return replies + self.utter(tracker, f"utter_ask_{slot}", **self.template_slots(tracker))

    # ---- helpers ------------------------------------------------------------------------------
    def fill_slots(self, tracker: Tracker, parse: ParseResult) -> None:
        """Global from_entity mappings; slots of an active form are left to its validation."""
        form_slots: set[str] = set()
        if tracker.active_loop:
            form_slots = set(self.domain.forms[tracker.active_loop["name"]].required_slots)
        for ent in parse.entities:
            slot = self.entity_slots.get(ent.entity)
            if slot and slot not in form_slots:
                tracker.set_slot(slot, ent.value)

    @staticmethod
    def template_slots(tracker: Tracker) -> dict[str, Any]:
        """The validated slots form templates may use (never one holding the user's raw text)."""
        values = {name: tracker.slots.get(name) for name in TEMPLATE_SLOTS}
        # whether the clearance a remembered red flag needs was given (validated values only)
        values["cleared"] = tracker.slots.get("clearance") in ("yes", "provider")
        return values

    def utter(self, tracker: Tracker, response: str, **values: Any) -> list[BotMessage]:
        """A domain response rendered directly (no action needed)."""
        return [self.renderer.render({"response": response, **values}, tracker.sender_id,
                                     tracker.turn)]

    def clauses(self, text: str, parse: ParseResult) -> list[ParseResult]:
        """Two questions in one message become two parses; anything else stays one."""
        if parse.cues.tier or parse.intent.name.startswith("/") or len(text) > 400:
            return [parse]
        parts = self.interpreter.clauses(text)
        if len(parts) < 2:
            return [parse]
        parses = [self.interpreter.parse(p) for p in parts]
        threshold = self.config.dialogue.multi_intent_threshold
        # ("what are the benefits and what are the risks? be honest": the aside asks nothing)
        kept = [(part, p) for part, p in zip(parts, parses, strict=True)
                if not (len(part.split()) <= ASIDE_WORDS and p.intent.name not in self.multi_ok)]
        if 2 <= len(kept) < len(parts):
            parts, parses = [k[0] for k in kept], [k[1] for k in kept]
        # "how wide do i stand for squats and what do my hips do": a later question the
        # classifier can't place on its own is about the exercise the first one named
        named = next((e for e in parses[0].entities if e.entity == "exercise"), None)
        if named is not None:
            said = parts[0][named.start:named.end]
            parses = [parses[0], *(
                self.interpreter.parse(f"{part} ({said})")
                if p.cues.question and not p.first("exercise")
                and not (p.intent.name in self.multi_ok and p.intent.confidence >= threshold) else p
                for part, p in zip(parts[1:], parses[1:], strict=True))]
        # two details of one exercise are two answers; two questions on one topic are one
        distinct = len({p.intent.name for p in parses}) == len(parses) or all(
            p.intent.name == "ask_exercise_steps" for p in parses)
        if all((p.intent.name in self.multi_ok and p.intent.confidence >= threshold)
               or self.whole_plan_request(p) for p in parses) \
                and distinct \
                and not all(p.intent.name.startswith("out_of_scope") for p in parses):
            return parses
        return [parse]

    @staticmethod
    def whole_plan_request(parse: ParseResult) -> bool:
        """A clause that gives most of a plan's answers ("beginner 3 days dumbbells 45min no
        injuries. also how long rest between sets?"): the plan, then the question."""
        given = {e.entity for e in parse.entities} & {"experience", "days", "equipment", "duration"}
        return parse.intent.name in ("inform", "request_program") and len(given) >= 3

    def parse(self, text: str) -> ParseResult:
        """The NLU result for a text (POST /model/parse)."""
        return self.interpreter.parse(text)

    def new_tracker(self, sender: str) -> Tracker:
        """An empty conversation (nothing is stored until its first message)."""
        return Tracker.new(sender, list(self.domain.slots))

    def tracker(self, sender: str) -> Tracker | None:
        """The stored tracker of a conversation, with all its events (from code with no event
        loop; the server awaits `store.load_async(sender, full=True)`)."""
        return self.store.load(sender, full=True)
