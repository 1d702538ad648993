"""The rich messages' typed contract: every `custom` payload kind a reply can carry, and the plan.

The widget, the shell and the Markdown download render from these fields; none of them reads the
server's sentences. `GET /schemas/custom.json` publishes the JSON Schema of `CustomPayload`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

# the planner's answers: the single source for the CLI's choices and the domain's slot values
Experience = Literal["beginner", "intermediate", "advanced"]
Equipment = Literal["dumbbells", "bodyweight_dumbbells", "full_gym"]
Goal = Literal["size", "strength"]

# which exercises each equipment set allows, and the word put before a generic exercise's name
Tier = Literal["crisis", "emergency", "urgent", "hold_off", "none"]


class PlanExercise(BaseModel):
    """One line of a day: what to do, how much, how long to rest."""

    id: str
    name: str
    sets: int = Field(ge=1)
    reps: str
    rest: str
    rest_seconds_min: int
    rest_seconds_max: int
    reps_min: int
    reps_max: int
    multi_joint: bool
    has_steps: bool
    note: str = ""


class PlanDay(BaseModel):
    """A training day."""

    name: str
    focus: str
    exercises: list[PlanExercise]


class Plan(BaseModel):
    """A suggested week of hypertrophy training, with its reasons and sources."""

    title: str
    goal: Goal
    experience: Experience
    days_per_week: int
    equipment: Equipment
    minutes_per_session: int | None  # the coach's estimate of a session at the stated rest
    minutes_given: int | None = None  # the minutes the person said they have
    days: list[PlanDay]
    weekly_sets: int
    notes: list[str]
    removed: list[str] = Field(default_factory=list)  # exercises taken out on request
    spared: list[str] = Field(default_factory=list)  # joints spared (knees, lower_back, ...)
    sources: list[str]

    def exercise_ids(self) -> set[str]:
        """Every exercise id used in the plan."""
        return {ex.id for day in self.days for ex in day.exercises}


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswerPayload(_Payload):
    """A knowledge answer: which topic, from which article section."""

    kind: Literal["answer"]
    topic: str
    section: str = ""


class StepsPayload(_Payload):
    """An exercise's ordered form steps with its dose and cautions."""

    kind: Literal["steps"]
    exercise: str
    name: str
    steps: list[str] = Field(min_length=1)
    sets: str
    reps: str
    rest: str
    cautions: list[str] = Field(default_factory=list)
    intro: str = ""  # said before the steps ("The article gives no steps for squats; here is ...")


class PlanPayload(_Payload):
    """A suggested plan, with the sentences around it."""

    kind: Literal["plan"]
    plan: Plan
    intro: str  # "Here's your suggested plan: ..."
    closing: str = ""  # "Ask me 'how do I do the dumbbell row?' for step-by-step form."


class DisclaimerPayload(_Payload):
    """A disclaimer of a category (medical, form, safety, nutrition)."""

    kind: Literal["disclaimer"]
    category: str


class SafetyPayload(_Payload):
    """A safety message: its tier (`none` for soreness, the list of warning signs and a crisis
    reply that misread the person) and the red flag, when one was named."""

    kind: Literal["safety"]
    tier: Tier
    symptom: str | None = None


class SourcesPayload(_Payload):
    """Where an answer comes from."""

    kind: Literal["sources"]
    section: str = ""
    sections: list[str] = Field(default_factory=list)
    attributed_to: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)


CustomPayload = Annotated[
    Union[AnswerPayload, StepsPayload, PlanPayload, DisclaimerPayload, SafetyPayload,
          SourcesPayload],
    Field(discriminator="kind")]
CUSTOM_ADAPTER: TypeAdapter[CustomPayload] = TypeAdapter(CustomPayload)


def custom_schema() -> dict[str, object]:
    """The JSON Schema of every `custom` payload kind."""
    return CUSTOM_ADAPTER.json_schema()
