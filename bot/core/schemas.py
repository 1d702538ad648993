"""Wire shapes: parses, messages, replies and the HTTP API's bodies (Rasa-compatible)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.core.messages import CustomPayload


class IntentScore(BaseModel):
    """An intent name with its confidence in [0, 1]."""

    name: str
    confidence: float = Field(ge=0.0, le=1.0)


class EntitySpan(BaseModel):
    """An entity in a text: its kind, normalised value and character span (as Rasa annotates)."""

    entity: str
    value: str
    start: int
    end: int


class Entity(EntitySpan):
    """An extracted entity; start/end index the text the user sent."""

    extractor: str


class Cues(BaseModel):
    """What a message says beyond its intent and entities (set by the NLU's cue components)."""

    tier: str | None = None  # the highest red-flag tier named: crisis, emergency, urgent, hold_off
    crisis_score: float = 0.0  # the crisis classifier's score (bot.nlu.crisis)
    crisis_maybe: bool = False  # tier crisis from the classifier alone, no pattern named it
    # signs these words are only after an earlier flag: {earlier flag id: this sign's flag id}
    if_remembered: dict[str, str] = Field(default_factory=dict)
    has_condition: list[str] = Field(default_factory=list)  # "i have type 2 diabetes": stated as had
    asks_next: bool = False  # "ok someone called, what now?"
    calling_help: bool = False  # "ok calling now", "i called 911"
    help_arrived: bool = False  # "paramedics are here now"
    plan_for_other: bool = False  # a plan for running, yoga ...: not a lifting plan
    not_at_risk: bool = False  # says a crisis reply misread them: "lol no i meant the workout"
    idiom: bool = False  # dark words as a gym idiom: "dying to know", "my legs are dead"
    dismisses: bool = False  # waves a sign away: "probably nothing", "it's gone now", "fine"
    region: str | None = None  # a country named ("im in the uk"): uk, ireland, canada, australia, ...
    about_other: bool = False  # a report about somebody else ("my friend collapsed")
    soreness: bool = False  # words of ordinary soreness ("legs are sore from yesterday")
    asks_warning_signs: bool = False  # "what signs mean I should stop?"
    asks_provider: bool = False  # "who should I see about it?"
    asks_provider_first: bool = False  # "should we check with a doctor first?", "need a doctor's ok?"
    complaint: bool = False  # any word of a complaint (pain, dizzy, weird, ...)
    carry_on: bool = False  # "still", "anyway", "tomorrow": asks to train on
    mentions_plan: bool = False  # names a plan, program, routine or split
    asks_for_plan: bool = False  # asks for one ("want a routine", "a routine for a 65 year old")
    own_plan: bool = False  # asks about the person's own plan ("my plan has 10 sets, enough?")
    provider: str | None = None  # a healthcare provider the person names ("my cardiologist")
    cleared_by_look: bool = False  # "cleared", "examined", "checked": more than "said it's fine"
    checked_it: bool = False  # the clearance points back at the sign: "my doctor checked it"
    cleared: bool | None = None  # says a provider cleared them (True) or has not (False)
    question: bool = False  # a question mark, or a question word first
    # each word typed that stands for another: a typo ("ijnuries" -> "injuries") or chat shorthand
    # ("u" -> "you"); what reads the message's words for a fact reads them fixed (with_fixes)
    fixes: dict[str, str] = Field(default_factory=dict)
    # the topic the closing question alone asks about, when the whole message reads as a report
    # that a provider cleared the person ("my midwife cleared me. how long between sets?") or of
    # a sign to hold off for ("i'm 20 weeks pregnant. how long should i rest between sets?")
    question_topic: str | None = None
    why: bool = False  # "why ...?", "how come ...?"
    change: bool = False  # "make it", "instead", "switch", "only": asks for a change
    continues: bool = False  # "and for strength?", "what about ...": continues the last topic
    no_equipment: bool = False  # "bodyweight only", "no equipment at all": no option of the plans
    # where the first sentence ends when the message has more than one (0 when it has one)
    first_sentence_end: int = Field(0, ge=0)
    yes_no: bool = False  # the question (or the message) asks yes or no: "is that ok for gains"
    asks_again: bool = False  # "wait what?", "huh?", "i dont get it": the last answer did not land
    number_choice: bool = False  # weighs two numbers: "60 or 90 sec rest, which one"
    # a step named by its number: "the second step again?", "what was step 3" (1-based; -1 = last)
    step_number: int | None = None
    # asks why the interview asks something: the question's slot it names ("why do you need to
    # know about injuries" -> injuries), or "" when it names none ("why do you ask?")
    why_asked: str | None = None
    asks_examples: bool = False  # "examples?", "like what?", "list them": the items of the last answer
    # "is that a minimum or a max?", "is that per muscle?": how the last answer's number is meant;
    # the words it asks about ("minimum", "per muscle"), or "" when it names none
    asks_bound: str | None = None
    goal_fragment: bool = False  # only a goal after "for", "and", "what about": "for hypertrophy"
    cancel: bool = False  # "cancel", "stop", "never mind": wants to stop what is under way
    points_back: bool = False  # "it", "that one", "those": refers to what was just said
    asks_source: bool = False  # "which study says ...", "according to who?"
    sources_overview: bool = False  # the sources as a whole: "how many references are there?"
    asks_author: bool = False  # "who wrote the umbrella review?", "the reviewer's job?"
    about_article: bool = False  # "when was it last updated", "what website", "is she a doctor?"
    # which detail of the article: reviewer, date, site, author, or person (a pronoun: the one just named)
    article_detail: str | None = None
    how_to: bool = False  # asks for a whole exercise or topic ("squat form"), not one detail
    also_maybe: str | None = None  # a knowledge intent nearly tied with the chosen one
    restart: bool = False  # "start over", "from scratch"
    help_with: str | None = None  # what "can you help me with X" asks help with
    praise: bool = False  # "ur actually pretty helpful ngl"
    greets: bool = False  # opens with a greeting ("hello! first time here, what is this")
    addresses_bot: bool = False  # a word that points at the bot: "you", "this", "bot", "real"
    asks_meaning: bool = False  # "what do you mean by experience?", "what counts as a full gym"
    resume: bool = False  # "let's keep going", "continue the plan"
    names_first: bool = False  # "metabolic stress - what is it": `about` is the thing named first
    about: str | None = None  # what "tell me about X", "what does the article say about X" asks about
    # "first", "other" or "which": an item of the last answer's list; "named": one named by a word
    # of it ("the metabolic one")
    item_ref: str | None = None
    meal_plan: bool = False  # asks for a meal plan, a menu or a diet plan
    task: bool = False  # asks the bot to act in the world: "book me a session", "translate squat"
    asks_diagnosis: bool = False  # what a body sign is ("my knee clicks, what is it?")
    medical_result: bool = False  # a test, scan or result to read ("my x-ray report says ...")
    remove: list[str] = Field(default_factory=list)  # exercises to take out of a plan
    swap: list[str] = Field(default_factory=list)  # exercises to swap for another
    restore: list[str] = Field(default_factory=list)  # exercises to put back
    spare: list[str] = Field(default_factory=list)  # joints to spare (knees, lower_back, ...)
    correction: bool = False  # "I didn't say strength", "that's not what I meant"
    # where the question sits among some context ("been lifting 6 yrs, running a PPL. what rest
    # do you suggest?"): characters [question_from, question_to); 0 and 0 when the whole
    # message is the question
    question_from: int = Field(0, ge=0)
    question_to: int = Field(0, ge=0)
    words: list[str] = Field(default_factory=list)  # the message's words, lower-case


class ParseResult(BaseModel):
    """What the NLU made of one message (the body of POST /model/parse)."""

    text: str
    intent: IntentScore
    entities: list[Entity] = Field(default_factory=list)
    intent_ranking: list[IntentScore] = Field(default_factory=list)
    cues: Cues = Field(default_factory=Cues)

    def entity_values(self, name: str) -> list[str]:
        """The values of every entity of this kind, in order."""
        return [e.value for e in self.entities if e.entity == name]

    def first(self, name: str) -> str | None:
        """The first value of this entity kind, or None."""
        values = self.entity_values(name)
        return values[0] if values else None


class Button(BaseModel):
    """A quick reply: the title shown and the payload sent back."""

    title: str
    payload: str


class BotMessage(BaseModel):
    """One message of a reply."""

    model_config = ConfigDict(extra="forbid")
    recipient_id: str
    text: str | None = None
    buttons: list[Button] | None = None
    custom: CustomPayload | None = None  # the typed rich-message contract (bot.core.messages)


class UserMessageIn(BaseModel):
    """The body of POST /webhooks/rest/webhook."""

    model_config = ConfigDict(extra="ignore")
    sender: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1)
    metadata: dict[str, Any] = Field(default_factory=dict)
    # the client's id for this message: sent again with a retry, it gets the first answer again
    # instead of a second turn (the widget sends one; Rasa's clients may leave it out)
    message_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class ParseIn(BaseModel):
    """The body of POST /model/parse."""

    model_config = ConfigDict(extra="ignore")
    text: str


class Health(BaseModel):
    """GET /health."""

    status: str
    model: str
    store: str


class ErrorOut(BaseModel):
    """A 4xx/5xx body: what went wrong and which field."""

    error: str
    field: str | None = None
    detail: Any = None
