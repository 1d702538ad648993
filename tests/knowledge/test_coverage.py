"""Every key fact of the seed article is somewhere in the curated knowledge base."""

from __future__ import annotations

from functools import lru_cache

import pytest

from knowledge.loader import load_knowledge
from knowledge.models import KnowledgeBase

# Each key fact of the article, as short lower-case phrases that must ALL appear in all_text().
ARTICLE_FACTS: list[tuple[str, ...]] = [
    # article metadata
    ("everything you need to know about hypertrophy training",),
    ("sherri gordon",),
    ("amy kwan, pt",),
    ("health.com",),
    ("april 27, 2025",),
    ("physical therapist for over 10 years",),
    # What Is Hypertrophy Training?
    ("resistance training", "muscle tone, size and mass"),
    ("bigger muscles, not just more strength",),
    ("lifting weights is the most common way",),
    ("strength training", "most of the muscle growth"),
    ("support their health goals", "prevent injury"),
    ("change their appearance", "sense of accomplishment"),
    ("sarcoplasmic", "physical growth of the muscle"),
    ("what most people mean",),
    ("myofibrillar", "denser and more compact"),
    ("myofibril hypertrophy",),
    ("muscle mass plays an important role", "health and wellness"),
    ("low muscle mass", "falls", "heart disease", "osteoporosis", "type 2 diabetes"),
    ("mechanical tension", "metabolic stress"),
    ("heavy weights", "full range of motion"),
    ("pump", "high intensity", "short rest periods"),
    # Hypertrophy vs. Strength Training
    ("overlap a bit", "overall goals are different"),
    ("build muscle size", "make your muscles stronger"),
    ("bodybuilders", "visible muscle growth"),
    ("athletes", "everyday life"),
    ("lift and carry things and move well",),
    ("lower intensity", "more reps"),
    ("higher intensity", "fewer reps"),
    ("60-90 seconds",),
    ("3-5 minutes",),
    ('"goal":"strength"',),
    ('"goal":"size"',),
    # How To Train for Hypertrophy
    ("no well-established consensus",),
    ("several ways to approach",),
    ("experiment with different sets and reps",),
    ("national academy of sports medicine", "15-20 sets", "per week"),
    ("spread", "throughout your week"),
    ("5-6 sets of an exercise",),
    ("american council on exercise", "diet"),
    ("enough calories", "protein", "carbohydrates", "support muscle growth"),
    ("registered dietitian",),
    ("personal trainer", "which muscle groups"),
    ("biceps, shoulders and calves", "more volume"),
    ("increase your reps and weights at regular intervals",),
    ("multi-joint", "squats, deadlifts, shoulder presses and rows"),
    # exercise pages
    ("dumbbell row", "lunge position", "soft bend in your front leg"),
    ("belly button", "toward your spine"),
    ("arm is fully extended",),
    ("shoulder blade toward your spine", "elbow up to the ceiling"),
    ("elbow close to your body", "ribs"),
    ("in line with your chest", "point toward the ceiling"),
    ("switch sides and repeat",),
    ("skull crusher", "face up on a bench", "lower legs"),
    ("on the floor", "knees bent", "feet flat"),
    ("elbows shoulder-width apart", "dumbbell in each hand", "one dumbbell with both hands"),
    ("top of your skull", "behind your head"),
    ("bottom of the dumbbell head", "in line with the bench"),
    ("reverse the movement", "starting position"),
    ("dumbbell squat", "hip-distance apart", "toes turned slightly out"),
    ("center of your chest",),
    ("look straight ahead", "back in a neutral position"),
    ("push your hips back", "bend your knees", "dumbbell close to your body"),
    ("evenly spread", "toward your heels"),
    ("press through your heels",),
    ('"sets":{"min":3,"max":3}', '"reps":{"min":6,"max":12}', '"rest_seconds":{"min":0,"max":60}'),
    ("0 to 60 seconds", "between sets"),
    ("3 sets with 6-12 reps",),
    ("doesn't give step-by-step instructions",),
    # Benefits
    ("many benefits",),
    ("american heart association", "at least twice a week"),
    ("movement and functional capacity", "quality of life", "as you age"),
    ("healthy aging", "risk of death and injury"),
    ("age-related muscle loss",),
    ("glucose tolerance", "blood lipid profile", "metabolism", "lower blood pressure", "body fat"),
    ("at risk of developing it",),
    ("2022", "2-3 sets with 8-10 reps"),
    ("glycemic control", "insulin sensitivity", "triglycerides"),
    ("prevent or even reverse osteoporosis",),
    ("mechanical load", "bone strength"),
    ("preserve and improve", "bone mass"),
    ("postmenopausal people", "middle-aged people", "older adults"),
    ("12 weeks of strength training", "elderly men"),
    # condition-specific answers (health_conditions facts keyed by `when`)
    ('"condition":"type_2_diabetes"', "2-3 sets with 8-10 reps"),
    ('"condition":"osteoporosis"',),
    ('"condition":"heart_disease"',),
    ('"condition":"older_age"',),
    ('"condition":"menopause"',),
    # Risks
    ("safe and effective way to build muscle mass",),
    ("health history and fitness level",),
    ("talk to a healthcare provider about your goals",),
    ("good form", "risk of injury"),
    ("detailed instructions",),
    ("strong base first", "without putting your body at risk"),
    ("appropriate amount of weight", "too much can be harmful"),
    ("don't always mean more strength",),
    ("overuse injury", "plan your routine carefully"),
    # A Quick Review
    ("increase in muscle mass", "resistance training"),
    ("improve their appearance",),
    ("keep your form good", "multi-joint exercises"),
    ("lower intensity with more reps than traditional strength training",),
    ("whether this training approach is right for you",),
    # references
    ("schoenfeld bj", "10.1249/mss.0000000000001764"),
    ("bernárdez-vázquez r", "umbrella review", "10.3389/fspor.2022.949021"),
    ("roberts md", "10.3389/fphys.2020.00816"),
    ("taber cb", "myofibrillar hypertrophy is a contributory cause", "10.1007/s40279-019-01107-8"),
    ("krzysztofik m", "10.3390/ijerph16244897"),
    ("prado cm", "low muscle mass across the continuum of care", "10.1080/07853890.2018.1511918"),
    ("defining muscular hypertrophy & growth training best practices",),
    ("build to order: strength and size considerations",),
    ("how muscle grows",),
    ("strength and resistance training exercise",),
    ("haraldstad k", "10.1186/s11556-017-0177-3"),
    ("hong ar, kim sw", "effects of resistance exercise on bone health", "10.3803/enm.2018.33.4.435"),
    ("resistance training exercises and concepts you should use",),
]


@lru_cache(maxsize=1)
def _knowledge() -> KnowledgeBase:
    return load_knowledge()


def _missing(text: str, fact: tuple[str, ...]) -> list[str]:
    """The phrases of `fact` that `text` lacks."""
    return [phrase for phrase in fact if phrase not in text]


def test_enough_facts_are_checked() -> None:
    assert len(ARTICLE_FACTS) >= 70
    assert all(phrase == phrase.lower() for fact in ARTICLE_FACTS for phrase in fact)


@pytest.mark.parametrize("fact", ARTICLE_FACTS, ids=lambda fact: " + ".join(fact)[:60])
def test_article_fact_is_in_the_knowledge_base(fact: tuple[str, ...]) -> None:
    assert not _missing(_knowledge().all_text(), fact)


def test_all_fourteen_references_are_sources() -> None:
    ids = {source.id for source in _knowledge().sources}
    assert "article" in ids
    assert len(ids - {"article"}) == 14


@pytest.mark.parametrize("topic_id", ["rest_periods", "nutrition", "health_conditions", "risks"])
def test_removing_a_topic_makes_fact_checks_fail(topic_id: str) -> None:
    kb = _knowledge()
    crippled = kb.model_copy(update={"topics": [t for t in kb.topics if t.id != topic_id]})
    text = crippled.all_text()
    failing = [fact for fact in ARTICLE_FACTS if _missing(text, fact)]
    assert failing, f"removing topic {topic_id} left every fact check passing"


def test_removing_the_exercises_makes_fact_checks_fail() -> None:
    kb = _knowledge()
    text = kb.model_copy(update={"exercises": []}).all_text()
    assert any(_missing(text, fact) for fact in ARTICLE_FACTS)
