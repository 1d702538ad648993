"""Intent fallback component: turns textcat scores into an intent, a ranking and nlu_fallback."""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

FALLBACK_INTENT = "nlu_fallback"

for _attr in ("intent", "intent_ranking"):
    if not Doc.has_extension(_attr):
        Doc.set_extension(_attr, default=None)


class IntentFallback:
    """Low confidence or a near tie between the top two intents gives nlu_fallback.

    The ranking keeps the classifier's real scores, so the dialogue can offer "did you mean".
    """

    def __init__(self, threshold: float, ambiguity_threshold: float) -> None:
        self.threshold = threshold
        self.ambiguity_threshold = ambiguity_threshold

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
        if top["confidence"] < self.threshold or gap < self.ambiguity_threshold:
            doc._.intent = {"name": FALLBACK_INTENT, "confidence": self.threshold}
        else:
            doc._.intent = dict(top)
        return doc


@Language.factory("coach_intent_fallback",
                  default_config={"threshold": 0.4, "ambiguity_threshold": 0.08})
def make_intent_fallback(nlp: Language, name: str, threshold: float,
                         ambiguity_threshold: float) -> IntentFallback:
    """Factory registered for config.yml."""
    return IntentFallback(threshold, ambiguity_threshold)
