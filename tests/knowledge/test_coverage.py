"""The knowledge base holds the article's facts, and only the article's facts.

Read against the article itself (../shared/seed/hypertrophy-article.txt, next to the repository):
- every key fact of the article is somewhere in the knowledge base (and deleting a topic or the
  exercises makes that check fail);
- every figure of every curated text is one the article gives (digits or words; a range as that
  range; a figure with a unit with that unit);
- every key term of a curated text is the article's, unless the sentence says the article is silent;
- known invented claims do not come back;
- sources are honest: references as the article lists them, bodies credited only where its text
  names them, and a credited fact's figures are in the article's passage naming that body.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from knowledge.loader import load_knowledge
from knowledge.models import KnowledgeBase
from tests.knowledge.article_text import (
    ARTICLE_PATH,
    article_plain,
    article_text,
    figures,
    foreign_figures,
    knowledge_texts,
    normalize,
)

# Each key fact of the article, as short lower-case phrases that must ALL appear in all_text().
ARTICLE_FACTS: list[tuple[str, ...]] = [
    # article metadata
    ("everything you need to know about hypertrophy training",),
    ("sherri gordon",),
    ("amy kwan, pt",),
    ("health.com",),
    ("april 27, 2025",),
    ("physical therapist for over 10 years",),
    # opening and What Is Hypertrophy Training?
    ("resistance training", "muscle tone, size and mass"),
    ("bigger muscles rather than simply more strength",),
    ("lifting weights is the most common way",),
    ("mostly comes through exercises and workouts that include strength training",),
    ("support their health goals", "prevent injury"),
    ("change their appearance", "sense of accomplishment"),
    ("sarcoplasmic", "physical increase of the muscle"),
    ("what most people mean",),
    ("myofibril hypertrophy", "denser and more compact"),
    ("muscle mass plays an important role", "health and wellness"),
    ("low muscle mass", "falls", "heart disease", "osteoporosis", "type 2 diabetes"),
    ("mechanical tension", "metabolic stress"),
    ("heavy weights", "full range of motion"),
    ("pump", "high intensity", "short rest periods"),
    # Hypertrophy vs. Strength Training
    ("overlap a bit", "overall goals are different"),
    ("building muscle size", "making your muscles stronger"),
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
    ("american council on exercise", "monitoring your diet"),
    ("enough calories", "protein", "carbohydrates", "support muscle growth"),
    ("doesn't give gram or calorie targets",),
    ("personal trainer", "which muscle groups"),
    ("biceps, shoulders and calves", "more volume"),
    ("increase your reps and weights at regular intervals",),
    ("multi-joint", "squats, deadlifts, shoulder presses and rows"),
    # exercise instructions
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
    ("3 sets of 6-12 reps",),
    ("doesn't give step-by-step instructions",),
    # Benefits
    ("many benefits",),
    ("american heart association", "at least twice a week"),
    ("movement and functional capacity", "quality of life", "as you age"),
    ("healthy aging", "risk of death and injury"),
    ("age-related muscle loss",),
    ("glucose tolerance", "blood lipid profile", "metabolism", "lower blood pressure", "body fat"),
    ("at risk of developing it",),
    ("a study published in 2022", "2-3 sets of 8-10 reps"),
    ("glycemic control", "insulin sensitivity", "triglycerides"),
    ("prevent or reverse osteoporosis",),
    ("mechanical load", "bone strength"),
    ("preserve and improve", "bone mass"),
    ("postmenopausal people", "middle-aged people", "older adults"),
    ("12 weeks of strength training", "elderly men"),
    # condition-specific answers (health_conditions facts keyed by `when`)
    ('"condition":"type_2_diabetes"', "2-3 sets of 8-10 reps"),
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

# Claims found in earlier versions that the article does not make; none may come back.
INVENTED: dict[str, str] = {
    r"per muscle group": "NASM's 15-20 sets are 'per week', not per muscle group",
    r"registered dietitian|dietitian": "the article names no dietitian",
    r"which is why|that's why|that is why": "a reason the article does not give",
    r"fine too": "the article never says shorter rests are fine too",
    r"\bworks? (?:your|the)\b|\btargets? (?:your|the)\b|upper back": (
        "the article names no muscle an exercise works"),
    r"\b(?:over|under|aged?) \d+\b|\d+ (?:and|or) (?:over|older)|\bin (?:your|their) \d+s\b": (
        "the article gives no age (older adults, mature adults, 'as you age')"),
    r"\b(?:a|one|\d+|several) years? of (?:lifting|training)|\bunder a year\b": (
        "the article defines no experience levels"),
    r"it rests on|exact source": "the article ties no sentence to one reference",
    r"\bpiling on\b|\bisn't likely to add\b": "an inference from the 5-6 sets the article does not draw",
}
# words of a sentence saying the article is silent: a key term it lacks may be named there
_SILENCE = re.compile(r"\b(?:doesn't|does not|don't|do not|no|not|without|won't|can't|isn't)\b")
# terms the coach could invent beyond the knowledge base's own vocabulary
EXTRA_KEY_TERMS = {"dietitian", "nutritionist", "physiotherapist", "gram", "grams", "kcal",
                   "percent", "rpe", "1rm", "one-rep max", "failure", "tempo", "deload",
                   "periodization", "superset", "drop set", "warm-up", "stretch", "creatine",
                   "supplement", "upper back", "lower back", "lats", "quads", "hamstrings",
                   "delts", "pecs", "abs", "traps", "glutes", "triceps", "menopause", "elderly",
                   "senior", "beginner", "intermediate", "advanced", "novice"}


@lru_cache(maxsize=1)
def _knowledge() -> KnowledgeBase:
    return load_knowledge()


def _missing(text: str, fact: tuple[str, ...]) -> list[str]:
    """The phrases of `fact` that `text` lacks."""
    return [phrase for phrase in fact if phrase not in text]


def _texts() -> list[tuple[str, str]]:
    return knowledge_texts(_knowledge())


def _key_terms(kb: KnowledgeBase) -> set[str]:
    """Domain words and entity names the knowledge base itself knows, plus EXTRA_KEY_TERMS."""
    voc = kb.vocabulary
    terms = set(voc.domain_words) | EXTRA_KEY_TERMS
    for group in (voc.muscle, voc.condition, voc.equipment):
        for term in group:
            terms.update(t for t in (term.name, *term.aliases)
                         if not re.search(r"\b(?:my|i'?m|im|i|the|your|for|a|an|had)\b", t))
    return {normalize(t) for t in terms}


def _in_article(term: str) -> bool:
    """The term, or its plural or singular, is in the article."""
    text = article_text()
    base = term[:-1] if term.endswith("s") else term
    return bool(re.search(rf"\b{re.escape(base)}(?:s|es)?\b", text))


# --- the article's key facts are in the knowledge base ---

def test_the_article_is_there() -> None:
    assert ARTICLE_PATH.is_file(), f"the seed article is missing: {ARTICLE_PATH}"
    assert "hypertrophy" in article_text()


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
    assert "14 sources" in article_plain()


@pytest.mark.parametrize("topic_id", ["rest_periods", "nutrition", "health_conditions", "risks",
                                      "weekly_volume", "benefits"])
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


# --- only the article's facts: figures, key terms, invented claims ---

@pytest.mark.parametrize("label,text", _texts(), ids=[label for label, _ in _texts()])
def test_every_figure_is_the_articles(label: str, text: str) -> None:
    foreign = foreign_figures(text)
    assert not foreign, f"{label}: figures the article does not give: " + "; ".join(
        f"{fig} (in '...{fig.context}...')" for fig in foreign)


def test_the_figure_check_catches_invented_figures() -> None:
    """The check itself: a figure the article lacks, a changed range or a unit it does not pair
    with that figure is caught; the article's own figures, in digits or words, pass."""
    for bad in ("rest 45 seconds", "12-15 reps", "4 sets of 6-12 reps", "15-20 sets per muscle "
                "group every 3 days", "2 sets for beginners", "at least 3 days a week"):
        assert foreign_figures(bad), bad
    for good in ("15-20 sets a week", "five to six sets", "3 sets of 6-12 reps", "0 to 60 seconds",
                 "60-90 seconds", "3-5 minutes", "2-3 sets of 8-10 reps", "at least twice a week",
                 "a study published in 2022", "type 2 diabetes", "12 weeks"):
        assert not foreign_figures(good), good


@pytest.mark.parametrize("label,text", _texts(), ids=[label for label, _ in _texts()])
def test_every_key_term_is_the_articles(label: str, text: str) -> None:
    """A domain term (muscle, condition, equipment, nutrition or training jargon) in a curated text
    is one the article uses, unless its sentence says the article is silent on it."""
    terms = _key_terms(_knowledge())
    problems = []
    for sentence in re.split(r"(?<=[.;:!?])\s+", normalize(text)):
        for term in terms:
            if re.search(rf"\b{re.escape(term)}\b", sentence) and not _in_article(term) \
                    and not _SILENCE.search(sentence):
                problems.append(f"'{term}' in: {sentence}")
    assert not problems, f"{label}: terms the article does not use: " + " | ".join(problems)


@pytest.mark.parametrize("pattern,why", INVENTED.items(), ids=list(INVENTED))
def test_invented_claims_stay_out(pattern: str, why: str) -> None:
    hits = [label for label, text in _texts() if re.search(pattern, normalize(text))]
    assert not hits, f"{why}: {hits}"


def test_the_key_term_check_catches_an_invented_muscle() -> None:
    sentence = "the dumbbell row works your upper back and lats."
    terms = _key_terms(_knowledge())
    assert any(re.search(rf"\b{re.escape(t)}\b", sentence) and not _in_article(t) for t in terms)


# --- honest sources ---

def _references_text() -> str:
    """The article's reference list (after its '14 Sources' heading), lower-cased."""
    text = article_plain()
    return text[text.index("14 sources"):]


@pytest.mark.parametrize("source_id", [s.id for s in load_knowledge().sources if s.id != "article"])
def test_each_reference_is_as_the_article_lists_it(source_id: str) -> None:
    source = _knowledge().source(source_id)
    refs = _references_text()
    for value in (source.authors, source.title, source.venue, source.doi,
                  str(source.year) if source.year else ""):
        assert value.lower() in refs, f"{source_id}: '{value}' is not in the reference list"


def test_the_article_entry_is_the_articles() -> None:
    art = _knowledge().article
    text = article_plain()
    for value in (art.title, art.author, art.reviewer, art.updated, *art.sections):
        assert value.lower() in text, value


def test_only_bodies_named_in_the_text_are_credited() -> None:
    """A source `body` is named in the article's text; facts credit only such bodies."""
    kb = _knowledge()
    bodies = {s.body for s in kb.sources if s.body}
    assert bodies, "no body is credited at all"
    for body in bodies:
        assert normalize(body.removeprefix("the ")) in article_text(), body


def _passage(start_phrase: str, length: int = 420) -> str:
    text = article_text()
    at = text.index(normalize(start_phrase))
    return text[at:at + length]


def _credited_facts() -> list[tuple[str, str, str]]:
    """(fact id, fact text, phrase of the article that credits it) for every credited fact."""
    kb = _knowledge()
    out = []
    for t in kb.topics:
        for f in (*t.facts, *t.more):
            if f.attributed_to:
                out.append((f.id, f.text, kb.source(f.attributed_to[0]).body.removeprefix("the ")))
            elif f.attributed_as:
                out.append((f.id, f.text, f.attributed_as))
    return out


@pytest.mark.parametrize("fact_id,text,credit", _credited_facts(), ids=[c[0] for c in _credited_facts()])
def test_a_credited_fact_is_in_the_passage_that_names_its_source(fact_id: str, text: str,
                                                                credit: str) -> None:
    """The article names the body (or the study) and, right after, says what the fact says:
    its figures and at least one of its longer words."""
    assert normalize(credit) in article_text(), f"{fact_id}: the article never says '{credit}'"
    passage = _passage(credit)
    passage_figures = {(f.value, f.unit) for f in figures(passage)}
    for fig in figures(text):
        assert (fig.value, fig.unit) in passage_figures, \
            f"{fact_id}: {fig} is not in the article's passage after '{credit}': {passage}"
    words = {w for w in re.findall(r"[a-z-]{6,}", normalize(text))}
    assert words & set(re.findall(r"[a-z-]{6,}", passage)), \
        f"{fact_id}: shares no word with the article's passage after '{credit}'"


def test_a_fact_naming_a_body_credits_it() -> None:
    """A fact whose text names NASM, ACE or AHA carries that body's attribution."""
    kb = _knowledge()
    names = {"nasm": "National Academy of Sports Medicine", "ace": "American Council on Exercise",
             "aha": "American Heart Association"}
    for t in kb.topics:
        for f in (*t.facts, *t.more):
            for short, long in names.items():
                if re.search(rf"\b{short}\b|{long.lower()}", f.text.lower()):
                    credited = {kb.source(s).authors for s in f.attributed_to}
                    assert long in credited, f"{f.id} names {long} but is not attributed to it"


def test_the_2022_study_is_not_pinned_on_a_reference() -> None:
    """The article names 'a study published in 2022' on type 2 diabetes; no reference title is
    about diabetes, so the facts credit it in the article's words, not to a reference."""
    kb = _knowledge()
    assert not any("diabet" in s.title.lower() for s in kb.sources)
    facts = [f for t in kb.topics for f in (*t.facts, *t.more) if "2022" in f.text]
    assert facts
    for f in facts:
        assert f.attributed_as == "a study published in 2022" and not f.attributed_to, f.id


def test_stepped_exercises_use_the_articles_figures() -> None:
    for ex in _knowledge().exercises:
        if ex.has_steps:
            assert ex.sets and ex.reps and ex.rest_seconds
            text = (f"{ex.sets.label()} sets of {ex.reps.label()} reps, "
                    f"{ex.rest_seconds.label()} seconds")
            assert not foreign_figures(text), f"{ex.id}: {text}"
