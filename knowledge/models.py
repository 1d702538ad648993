"""Pydantic models of the curated knowledge base (one file per kind of entry in knowledge/data/)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DisclaimerId = Literal["none", "medical", "form", "safety", "nutrition"]


class Strict(BaseModel):
    """Base model: unknown fields are errors, so a typo in the YAML is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IntRange(Strict):
    """An inclusive range of whole numbers (reps, seconds, sets)."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.min > self.max:
            raise ValueError(f"impossible range: min {self.min} > max {self.max}")
        return self

    def label(self, sep: str = "-") -> str:
        """'6-12', or '3' when min equals max."""
        return str(self.min) if self.min == self.max else f"{self.min}{sep}{self.max}"


class Source(Strict):
    """One entry of the article's reference list (or the article itself).

    `body`: the organisation as the article's own text names it ("the National Academy of Sports
    Medicine (NASM)"), for the entries of a body the text credits with a fact; empty otherwise.
    """

    id: str
    authors: str = ""
    title: str
    venue: str = ""
    year: int | None = None
    doi: str = ""
    note: str = ""
    body: str = ""

    def citation(self) -> str:
        """A one-line citation: authors. title. venue. year. doi."""
        parts = [self.authors, self.title, self.venue, str(self.year) if self.year else "",
                 f"doi:{self.doi}" if self.doi else ""]
        return ". ".join(p.rstrip(".") for p in parts if p) + "."


class Fact(Strict):
    """One fact in the project's own words; `when` narrows it to entity values (goal: strength).

    The article has no per-sentence citation marks, so a fact names a source only where the
    article's own text credits someone with it:
    - `attributed_to`: every reference-list entry of the body the text names (NASM, ACE, AHA);
      all of them, because the article never says which of a body's entries it means;
    - `attributed_as`: the article's words for an origin it names but does not identify in its
      reference list ("a study published in 2022").
    `section`: the article section the fact comes from, when it is not its topic's section.
    """

    id: str
    text: str = Field(min_length=1)
    when: dict[str, str] = Field(default_factory=dict)
    section: str = ""
    attributed_to: list[str] = Field(default_factory=list)
    attributed_as: str = ""

    @model_validator(mode="after")
    def _one_attribution(self) -> Fact:
        if self.attributed_to and self.attributed_as:
            raise ValueError("give attributed_to or attributed_as, not both")
        return self


class TopicItem(Strict):
    """One of the named things a topic's answer lists ("sarcoplasmic hypertrophy")."""

    name: str
    fact: str


class Topic(Strict):
    """A knowledge topic: what the bot says when asked about it.

    `sources`: the entries of the article's reference list that deal with this topic, judged by
    their titles (or just `article`). They are the topic's references in general: the article
    does not say which sentence each one backs, and the bot never claims one backs a sentence.
    """

    id: str
    title: str
    section: str
    intents: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    disclaimer: DisclaimerId = "none"
    facts: list[Fact] = Field(min_length=1)
    more: list[Fact] = Field(default_factory=list)
    why: str = ""
    related: list[str] = Field(default_factory=list)
    # the named things an answer lists, in order, for "the first one" / "the other one"
    items: list[TopicItem] = Field(default_factory=list)

    def fact(self, fact_id: str) -> Fact:
        """The fact (main or 'more') with this id (StopIteration when unknown)."""
        return next(f for f in (*self.facts, *self.more) if f.id == fact_id)

    def fact_section(self, fact: Fact) -> str:
        """The article section a fact of this topic comes from."""
        return fact.section or self.section


Joint = Literal["knees", "hips", "lower_back", "shoulders", "elbows", "wrists"]
JOINTS: tuple[str, ...] = ("knees", "hips", "lower_back", "shoulders", "elbows", "wrists")


class Exercise(Strict):
    """An exercise the article names; `steps` is empty when the article gives none."""

    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    misspellings: list[str] = Field(default_factory=list)
    section: str
    sources: list[str] = Field(min_length=1)
    equipment: list[Literal["dumbbells", "bodyweight", "barbell", "bench", "machine"]]
    multi_joint: bool
    # the coach's own caution (the article names no joints): joints it leaves out of a plan for
    coach_loads: list[Joint] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    # the same steps as short cues, one for each step, for "say that shorter"
    short_steps: list[str] = Field(default_factory=list)
    sets: IntRange | None = None
    reps: IntRange | None = None
    rest_seconds: IntRange | None = None
    cautions: list[str] = Field(default_factory=list)
    no_steps_note: str = ""
    disclaimer: DisclaimerId = "form"

    @field_validator("steps")
    @classmethod
    def _no_empty_steps(cls, steps: list[str]) -> list[str]:
        for i, step in enumerate(steps):
            if not step.strip():
                raise ValueError(f"step {i} is empty")
        return steps

    @model_validator(mode="after")
    def _steps_or_note(self) -> Exercise:
        if self.steps and (self.sets is None or self.reps is None or self.rest_seconds is None):
            raise ValueError("an exercise with steps needs sets, reps and rest_seconds")
        if not self.steps and not self.no_steps_note:
            raise ValueError("an exercise without steps needs a no_steps_note saying so")
        if self.steps and len(self.short_steps) != len(self.steps):
            raise ValueError("an exercise with steps needs one short cue for each step "
                             f"({len(self.short_steps)} short_steps for {len(self.steps)} steps)")
        return self

    @property
    def has_steps(self) -> bool:
        """True when the article gives step-by-step form for it."""
        return bool(self.steps)


class Term(Strict):
    """A named value of an entity (body part, goal, equipment, condition...) with its surface forms."""

    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    misspellings: list[str] = Field(default_factory=list)
    # a condition's own provider, named in the clearance question ("your obstetrician or midwife")
    provider: str | None = None


class Subject(Term):
    """A training subject people ask about that the article does not cover (warm-ups, cardio,
    sleep...): the bot says so, names who can help, and offers what the article does cover nearby.
    Its aliases must not appear in any fact, or the article would cover it after all."""

    ask: str = Field(min_length=1)  # who can help, e.g. "a personal trainer"
    related: list[str] = Field(default_factory=list)  # intents of covered topics to offer
    says: str | None = None  # the id of the fact that comes nearest: "What it does say: ..."
    # often only the setting of a question ("rest time for my ppl split"): said to be uncovered
    # only when the classifier finds no topic in the message
    setting: bool = False


Tier = Literal["crisis", "emergency", "urgent", "hold_off"]
# highest first: when one message names several red flags, the highest tier answers
TIERS: tuple[Tier, ...] = ("crisis", "emergency", "urgent", "hold_off")
# tiers after which no plan is built without a clearance in words that names a provider
SERIOUS_TIERS: frozenset[str] = frozenset({"emergency", "urgent"})


class RedFlag(Strict):
    """A red flag: the regexes that detect it, its tier, and the published list its wording follows.

    `about` holds words a person may use when saying a provider checked it ("checked my heart").
    `negatable: false` keeps a flag from being dropped after "no"/"not" (crisis wording is).
    """

    id: str
    name: str
    short: str = ""
    provider: str = "a doctor"
    tier: Tier
    source: str = Field(min_length=1)
    patterns: list[str] = Field(min_length=1)
    about: list[str] = Field(default_factory=list)
    negatable: bool = True
    # words that are this sign only after one of these flags was reported in the conversation
    # ("I had some bleeding yesterday" after "I'm pregnant")
    after: list[str] = Field(default_factory=list)
    after_patterns: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """The sign in a few words (its name when no short form is given)."""
        return self.short or self.name

    @property
    def rank(self) -> int:
        """0 for the highest tier (crisis)."""
        return TIERS.index(self.tier)


class Disclaimer(Strict):
    """A disclaimer category and its text."""

    id: DisclaimerId
    text: str


class ProgramRules(Strict):
    """The figures the program builder must respect, each with its section and sources."""

    section: str
    sources: list[str] = Field(min_length=1)
    reps: IntRange
    rest_seconds: IntRange
    exercise_page_rest_seconds: IntRange
    strength_rest_seconds: IntRange
    weekly_sets: IntRange
    max_sets_per_exercise: IntRange
    sets_per_exercise: int = Field(ge=1)  # the exercise pages' three sets
    min_days_per_week: int = Field(ge=1)
    max_days_per_week: int = Field(ge=1)
    progression: str
    diet: str
    multi_joint_first: bool = True

    @model_validator(mode="after")
    def _days(self) -> ProgramRules:
        if self.min_days_per_week > self.max_days_per_week:
            raise ValueError(
                f"impossible range: min_days_per_week {self.min_days_per_week} > "
                f"max_days_per_week {self.max_days_per_week}")
        if self.sets_per_exercise > self.max_sets_per_exercise.max:
            raise ValueError(f"sets_per_exercise {self.sets_per_exercise} exceeds max_sets_per_exercise")
        return self


class Vocabulary(Strict):
    """Entity values and their surface forms, from which the NLU patterns are generated."""

    muscle: list[Term] = Field(default_factory=list)
    goal: list[Term] = Field(default_factory=list)
    experience: list[Term] = Field(default_factory=list)
    equipment: list[Term] = Field(default_factory=list)
    condition: list[Term] = Field(default_factory=list)
    subject: list[Subject] = Field(default_factory=list)
    domain_words: list[str] = Field(default_factory=list)


class Article(Strict):
    """Metadata of the seed article."""

    title: str
    author: str
    reviewer: str
    publisher: str
    updated: str
    sections: list[str] = Field(min_length=1)


class KnowledgeBase(Strict):
    """Everything in knowledge/data/, cross-checked."""

    article: Article
    sources: list[Source]
    topics: list[Topic]
    exercises: list[Exercise]
    vocabulary: Vocabulary
    red_flags: list[RedFlag]
    disclaimers: list[Disclaimer]
    program: ProgramRules

    def source(self, source_id: str) -> Source:
        """The source with this id (KeyError when unknown)."""
        return {s.id: s for s in self.sources}[source_id]

    def topic(self, topic_id: str) -> Topic:
        """The topic with this id (KeyError when unknown)."""
        return {t.id: t for t in self.topics}[topic_id]

    def topic_for_intent(self, intent: str) -> Topic | None:
        """The topic that answers this intent, if any."""
        for topic in self.topics:
            if intent in topic.intents:
                return topic
        return None

    def exercise(self, exercise_id: str) -> Exercise | None:
        """The exercise with this id, or None."""
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        return None

    def red_flag(self, flag_id: str | None) -> RedFlag | None:
        """The red flag with this id, or None."""
        return next((f for f in self.red_flags if f.id == flag_id), None)

    def disclaimer(self, disclaimer_id: str) -> str:
        """The text of a disclaimer category ('' for none)."""
        for d in self.disclaimers:
            if d.id == disclaimer_id:
                return d.text
        return ""

    def all_text(self) -> str:
        """Every fact, step and note as one lower-case string (used by the coverage test)."""
        chunks: list[str] = [self.article.model_dump_json()]
        chunks += [s.model_dump_json() for s in self.sources]
        chunks += [t.model_dump_json() for t in self.topics]
        chunks += [e.model_dump_json() for e in self.exercises]
        chunks += [self.program.model_dump_json(), self.vocabulary.model_dump_json()]
        return "\n".join(chunks).lower()
