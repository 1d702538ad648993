"""Find the knowledge-base fact that best matches a question's words (BM25 over facts, exercise
steps, and the article's own details and references).

A topic answer gives the topic's main facts; this adds the one the person asked about when it is
elsewhere in the topic ("which type do most people mean?"), and lets a question the classifier
could not place still get an answer when one fact clearly matches it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer

from knowledge.loader import default_knowledge
from knowledge.models import KnowledgeBase

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("""a about above after again all am an and any are as at be because been before
being below between both but by can could did do does doing don down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just me
more most my no nor not now of off on once only or other our out over own same she should so some
such than that the their them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours im ive id
dont cant u ur ya yo get got go going want wanna gonna like really much many thing things also
tell know need make let lol pls please hey hi ok okay yeah bro guys article say says said per
exactly stuff makes making made include includes including involve involves mean means tho though
btw anyway anyways bruh dude haha lmao specifically mostly actually basically literally honestly
seriously""".split())
K1, B = 1.2, 0.75
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
# a sentence leads its fact when it holds this much more of the question than the first one
LEAD_RATIO, LEAD_MARGIN = 1.5, 1.0
MAIN_FACT_BOOST = 1.2
SOURCES = "sources"  # the pseudo-topic of the article's own details and its references
# (coverage, matched words) a fact of the last answer's topic needs to answer a short follow-up
# question about it ("who is it most useful for?" after the bone fact): the context narrows the
# search. One shared word is enough only in a fact just given, or when few of the topic's facts
# use the word ("the bone one" after the benefits).
TOPIC_FOLLOW_UP_BAR = (0.5, 1)
RARE_WORD_DOCS = 2
MANY_TITLE_WORDS = (0.3, 4)  # (coverage, words) for a long question naming a reference by its title
NAMED_REFERENCE_BAR = (0.6, 2)  # (coverage, words) for a question naming a reference
ONE_WORD_REFERENCE = 0.9  # ... or one word, when it is all the question says (an author's name)
RARE_STEP_DOCS = 3  # a word this few facts use singles out a step ("heels")
POINTER_WORDS = frozenset({"one", "ones", "thing", "things", "part", "bit", "kind"})


# words people use for the same idea as the article does
_SAME = {"older": "age", "old": "age", "aging": "age", "ageing": "age", "elderly": "age",
         "senior": "age", "lifting": "lift", "lifted": "lift", "weights": "weight",
         "injured": "injury", "organization": "organisation", "breaks": "rest", "break": "rest",
         "pause": "rest", "pauses": "rest",
         "push": "press", "pushing": "press", "drive": "press",
         # form details asked in everyday words: where to look, how wide, how to begin
         "eyes": "look", "eye": "look", "gaze": "look", "looking": "look", "wide": "width",
         "wider": "width", "begin": "start", "beginning": "start", "first": "start",
         "denser": "dense", "larger": "large", "bigger": "big",
         "watch": "monitor", "watching": "monitor", "track": "monitor", "tracking": "monitor",
         "stronger": "strength", "strongest": "strength", "stance": "position",
         "better": "improve", "beneficial": "benefit", "max": "maximum", "most": "maximum",
         "year": "publish", "published": "publish", "frequently": "often", "frequency": "often",
         "minimum": "least", "twice": "two", "carbs": "carbohydrates", "carb": "carbohydrates",
         "low": "lower", "lowest": "lower", "bottom": "lower",
         "straight": "extended", "straighten": "extended", "straightened": "extended",
         "hard": "challenging", "tough": "challenging", "finish": "end",
         # "just give me a number": the fact that says the article gives none
         "number": "target", "numbers": "target", "ballpark": "target", "estimate": "target",
         "figure": "target",
         "daily": "everyday", "ordinary": "everyday", "foot": "feet", "recovery": "rest",
         "agree": "consensus", "agrees": "consensus", "agreed": "consensus", "agreement": "consensus",
         "easy": "challenging", "difficult": "challenging",
         "myofibrillar": "myofibril", "sarcoplasm": "sarcoplasmic", "especially": "particularly",
         "ppl": "people",
         "doctor": "provider", "doc": "provider", "physician": "provider", "gp": "provider"}


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem, after folding everyday words into the article's, so that
    'recommends' meets 'recommended', 'improved' meets 'improve' and 'injuries' meets 'injury'."""
    word = _SAME.get(word, word)
    stemmed = str(_STEMMER.stemWord(word))
    return _SAME.get(stemmed, stemmed)


# everyday phrases for a word the facts use ("keep an eye on your diet" ~ monitor it)
_PHRASES = [(re.compile(r"\bkeep(?:ing)? (?:an |a close )?eye on\b"), "monitor"),
            (re.compile(r"\bkeep(?:ing)? (?:track|tabs) (?:of|on)\b"), "monitor"),
            # "the bottom position", "the lowest point": how low, not the starting position
            (re.compile(r"\b(?:bottom|lowest|low|deepest) (?:position|point|part|spot)\b"), "lower"),
            # "how far down does it go" asks how low ("down" alone is a stop word)
            (re.compile(r"\bdown\b"), "lower"),
            # "how heavy should i go", "what weight do i pick": the amount of weight to lift
            (re.compile(r"\bhow heavy\b|\b(?:what|which|pick|choose|right|starting) weights?\b"),
             "amount weight"),
            # "minimum days per week": how often, at least (before "days per week" is read)
            (re.compile(r"\b(?:minimum|min|fewest|least) (?:number of )?(?:\w+ )?"
                        r"(?:days|times|sessions|workouts)\b"),
             "least often week"),
            # "how many days a week", "is 3 days fine": how often
            (re.compile(r"\bhow many (?:days|times|sessions|workouts)(?: (?:a|per|each|in a) week)?\b|"
                        r"\b(?:[1-7]|one|two|three|four|five|six|seven) ?(?:x|days|times|sessions|workouts)"
                        r"(?: (?:a|per|each|in a) week)?\b|"
                        r"\b(?:days|times|sessions|workouts) (?:a|per|each|in a) week\b"), "often week"),
            # "do i drive up through my toes": coming back up ("up" alone is a stop word)
            (re.compile(r"\b(?:drive|driving|push|pushing|power|come|coming|stand|standing|get|getting)"
                        r" (?:back )?up\b"), "press come back"),
            # "per exercise", "each lift": one exercise
            (re.compile(r"\b(?:per|each|every|a single|one|single) (?:exercise|lift|movement|move)\b"),
             "single exercise"),
            # "do i do the left too", "both arms": the other side
            (re.compile(r"\b(?:the )?(?:left|right|other) (?:side|arm|one)\b|\bboth (?:arms|sides)\b|"
                        r"\bthe (?:left|right)(?= too| now| then|\s*[?.!,]|\s*$)|"
                        r"\b(?:finish|finished|finishing|completing|completed|done with|after) (?:with )?"
                        r"(?:one|the first|my first) (?:arm|side)\b"),
             "switch sides"),
            # "go super heavy": how much weight
            (re.compile(r"\b(?:go|going|lift|lifting|train|training) (?:really |super |very |as )?heavy\b|"
                        r"\bego[- ]?lift\w*"), "amount weight too much"),
            # "does muscle help with fat loss": less body fat (not the "muscle loss" of aging)
            (re.compile(r"\bfat (?:loss|losing|burn\w*|reduction)\b|\b(?:lose|losing|lost|burn|"
                        r"burning|cut|cutting|drop|dropping|shed|shedding) (?:some |more |the |my )?"
                        r"(?:body ?)?fat\b"),
             "less body fat"),
            # "besides looking good", "for aesthetics": appearance
            (re.compile(r"\b(?:looking|look) (?:good|better|great|nice|aesthetic|jacked|big|fit)\b|"
                        r"\baesthetics?\b|\b(?:my|for|the) looks\b"), "appearance"),
            # "stay independent when i'm old", "not end up in a home": function and quality of life
            (re.compile(r"\b(?:stay|staying|remain|remaining|keep|keeping) (?:\w+ )?independen\w*|"
                        r"\bindependence\b|\b(?:end|ending) up in a (?:home|care home|nursing home)\b"),
             "functional capacity quality life age"),
            # "living longer", "longevity": the article's mortality
            (re.compile(r"\b(?:live|living|lives|life) longer\b|\blongevity\b|\blife ?span\b|"
                        r"\bdie (?:younger|sooner|earlier|early)\b"), "risk death healthy aging"),
            # "who is most into building muscle size": who has been most interested in it
            (re.compile(r"\b(?:most |mostly |really |usually )?(?:into|interested in) "
                        r"(?:building|growing|getting|gaining|bigger) ?(?:muscle ?)?"
                        r"(?:size|mass|muscles?|big)?\b"),
             "most interested bodybuilders"),
            # "which group does it help most", "who benefits most": the people it is useful for
            (re.compile(r"\bwhich (?:group|groups|population|populations|kind of people|type of people)\b|"
                        r"\bwho (?:benefits|gains|does it help|is it (?:most |especially )?(?:useful|helpful|"
                        r"good) for)\b"), "particularly useful people"),
            # "which muscles need more", "body parts that need extra sets": more volume
            (re.compile(r"\b(?:need|needs|require|requires|get|gets|want|wants) (?:more|extra|additional)\b"
                        r"|\bthan (?:the )?(?:rest|others)\b"
                        r"(?! (?:between|of (?:the|my) sets|periods?|times?))"),
             "volume other body parts"),
            # "who usually trains for size", "what kind of people do hypertrophy": who is interested
            (re.compile(r"\bwho (?:usually |typically |normally |mostly |generally |really )?"
                        r"(?:trains?|does|do|goes? for|is into|are into|gets? into|"
                        r"cares? (?:most |the most |more )?about)\b"
                        r"|\b(?:what|which) (?:kind|type|sort)s? of (?:people|person|lifters?|folks?) "
                        r"(?:train|do|does|go for|are into|get into)\b"),
             "people interested bodybuilders"),
            # "all on one day or split up?", "spread out or in one go": spreading the week's sets
            (re.compile(r"\ball (?:in|on) one (?:day|go|session|workout)\b|\bsplit (?:it |them |those )?up\b|"
                        r"\bspread (?:it |them |those )?(?:out|over)\b|\bin one (?:go|session|workout)\b"),
             "spread throughout week"),
            # "1 dumbbell or 2": how the weight is held
            (re.compile(r"\b(?:one|1) (?:dumbbell|db)s? or (?:two|2)\b"
                        r"|\b(?:two|2) (?:dumbbells|dbs) or (?:one|1)\b|\bone or two (?:dumbbells|dbs)\b"),
             "dumbbell each hand one both hands"),
            # "where does the weight finish", "end of each rep": back to the starting position
            (re.compile(r"\bwhere (?:do|does) (?:i|it|the weight|the dumbbell|each rep) (?:finish|end)\b|"
                        r"\b(?:finish|end) (?:of )?(?:each|the|a|every) rep\b"),
             "reverse back starting position"),
            # "stop at my forehead or go further", "how far down": how low the weight goes
            (re.compile(r"\bgo (?:further|past|lower|deeper)\b"
                        r"|\bstop at (?:my |the )?(?:forehead|head|chest|face)\b"),
             "keep lowering until"),
            # "should my weight be on my toes?": where the weight sits in a squat
            (re.compile(r"\bweight (?:be |go |sit |stay )?(?:more |mostly |further )?"
                        r"(?:on|in|over|through|into) (?:my |the |your )?"
                        r"(?:toes|heels|feet|balls of)"
                        r"|\bheels? or (?:my |the )?toes?\b|\btoes? or (?:my |the )?heels?\b"),
             "weight evenly spread heels"),
            # "toes straight ahead or angled?": which way the toes point
            (re.compile(r"\btoes?\b[^.?!]{0,30}\b(?:angled|pointed|pointing|point|turned|out|forward|"
                        r"straight ahead)\b"), "toes turned slightly out"),
            # "3x8 or 3x12": sets and reps
            (re.compile(r"\b\d{1,2}\s*x\s*\d{1,2}\b"), "sets reps"),
            # the bodies the article names, by their initials
            (re.compile(r"\bnasm\b"), "national academy of sports medicine nasm"),
            (re.compile(r"\bace\b"), "american council on exercise ace"),
            (re.compile(r"\baha\b"), "american heart association aha")]


def terms(text: str) -> list[str]:
    """The content words of a text, lower-cased and stemmed (not a lone letter: the "s" of
    "what's", the "t" of "don't")."""
    text = text.lower()
    for phrase, word in _PHRASES:
        text = phrase.sub(word, text)
    stems = (stem(w) for w in _WORD.findall(text)
             if w not in _STOP and (len(w) > 1 or w.isdigit()))
    return [s for s in stems if s not in _STOP]  # ("whats" -> "what", "needs" -> "need")


@dataclass(frozen=True)
class Hit:
    """A matching fact: where it lives, its text, and how much of the question it covers."""

    topic: str
    fact_id: str
    text: str
    coverage: float  # share of the question's idf weight found in the fact (0..1)
    matched: int  # distinct question words found


class FactIndex:
    """BM25 over every fact (main and 'more'), exercise step and caution of the knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.docs: list[tuple[str, str, str, Counter[str]]] = []
        self.main: set[str] = set()  # a topic's main facts outrank its "more" ones on a tie
        for topic in kb.topics:
            self.main.update(f.id for f in topic.facts)
            for fact in (*topic.facts, *topic.more):
                self.docs.append((topic.id, fact.id, fact.text, Counter(terms(fact.text))))
        for ex in kb.exercises:
            for i, line in enumerate((*ex.steps, *ex.cautions, ex.no_steps_note)):
                if line:
                    text = f"{ex.name}: {line}"
                    self.docs.append(("exercise:" + ex.id, f"{ex.id}-{i}", text, Counter(terms(text))))
        art = kb.article
        about = (f"{art.title} by {art.author}, medically reviewed by {art.reviewer}, "
                 f"{art.publisher}, updated {art.updated}")
        self.docs.append((SOURCES, "article", about, Counter(terms(about))))
        for source in kb.sources:  # (with what the article says of its author and reviewer)
            text = f"{source.citation()} {source.note}".strip() if source.id == "article" \
                else source.citation()
            self.docs.append((SOURCES, source.id, text, Counter(terms(text))))
        df: Counter[str] = Counter()
        for *_, counts in self.docs:
            df.update(counts.keys())
        n = len(self.docs)
        self.df = dict(df)  # how many facts use each word
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.avg_len = sum(sum(c.values()) for *_, c in self.docs) / max(1, n)
        # a question word no fact uses is as telling as the rarest one: it counts against coverage
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)

    def topic_df(self, topic: str, term: str) -> int:
        """How many of a topic's facts use a word."""
        return sum(1 for doc_topic, _, _, counts in self.docs if doc_topic == topic and term in counts)

    def search(self, question: str, topic: str | None = None, limit: int = 3,
               known_only: bool = False, ignore: frozenset[str] = frozenset()) -> list[Hit]:
        """The best facts for a question (within one topic when given), best first; with
        `known_only`, words no fact uses are left out of the question's weight; `ignore` leaves
        out terms every candidate shares (an exercise's name, in each of its steps)."""
        query = set(terms(question)) - ignore
        if known_only:
            query = {t for t in query if t in self.idf}
        total = sum(self.idf.get(t, self.unseen_idf) for t in query)
        if not query or total == 0:
            return []
        scored = []
        for doc_topic, fact_id, text, counts in self.docs:
            if topic and doc_topic != topic:
                continue
            shared = [t for t in query if t in counts]
            if not shared:
                continue
            length = sum(counts.values())
            bm25 = sum(self.idf[t] * counts[t] * (K1 + 1)
                       / (counts[t] + K1 * (1 - B + B * length / self.avg_len)) for t in shared)
            coverage = sum(self.idf[t] for t in shared) / total
            if fact_id in self.main:
                bm25 *= MAIN_FACT_BOOST
            scored.append((bm25, Hit(doc_topic, fact_id, text, round(coverage, 3), len(shared))))
        scored.sort(key=lambda s: -s[0])
        return [hit for _, hit in scored[:limit]]


    def lead_with_asked(self, question: str, text: str) -> str:
        """The fact's text with the sentence the question asks about first ("max sets of one
        exercise?" -> "The maximum muscle response comes from 5-6 sets of an exercise. NASM
        suggests ..."), when one sentence holds clearly more of the question than the first."""
        sentences = _SENTENCE.split(text)
        if len(sentences) < 2:
            return text
        query = set(terms(question))
        scores = []
        for sentence in sentences:
            shared = query & set(terms(sentence))
            scores.append((sum(self.idf.get(t, 0.0) for t in shared), len(shared)))
        best = max(range(len(sentences)), key=lambda i: scores[i][0])
        (best_score, best_matched), (first_score, _) = scores[best], scores[0]
        if best == 0 or best_matched < 2 or best_score < first_score * LEAD_RATIO + LEAD_MARGIN:
            # a tie with the first: the sentence that is about the asked thing, opening with it
            # ("metabolic stress in one word?" -> "Metabolic stress is basically the pump ...",
            # not the sentence that only names it beside mechanical tension)
            opens = [i for i in range(1, len(sentences)) if scores[i][1] >= 2
                     and scores[i][0] >= first_score and set(terms(sentences[i])[:2]) <= query
                     and not set(terms(sentences[0])[:2]) <= query]
            if not opens:
                return text
            best = opens[0]
        return " ".join([sentences[best], *sentences[:best], *sentences[best + 1:]])


@lru_cache(maxsize=1)
def fact_index() -> FactIndex:
    """The index of the knowledge base, built once per process."""
    return FactIndex(default_knowledge())


_WHO_CAN_HELP = frozenset(terms("personal trainer healthcare provider doctor physical therapist"))


def provider_fact(last_answer: dict[str, Any]) -> Hit | None:
    """"Who do I ask about that?" right after a topic answer: the fact of that topic that names
    who can help (a personal trainer, a healthcare provider), one just given first."""
    topic = last_answer.get("topic")
    if last_answer.get("kind") != "topic" or not isinstance(topic, str):
        return None
    given = list(last_answer.get("facts") or [])
    found = [Hit(t, fid, text, 1.0, 1) for t, fid, text, counts in fact_index().docs
             if t == topic and set(counts) & _WHO_CAN_HELP]
    found.sort(key=lambda h: given.index(h.fact_id) if h.fact_id in given else len(given))
    return found[0] if found else None


_POINTING_ONE = re.compile(r"\bones\b|(?<=\bwhich )one\b|(?<=\bthat )one\b|(?<=\bthis )one\b"
                           r"|(?<=\bthe )one\b", re.I)
SHOWN_COVERAGE_SLACK = 0.15  # how much less of a follow-up a fact just given may hold and still win
_LISTS = re.compile(r"(?:\b(?:such as|including|for example|like)\b|:)[^.;]*,[^.;]*\b(?:and|or)\b")
_NUMBER = re.compile(r"\d|\b(?:twice|once|two|three|four|five|six)\b")
# how the article words a bound ("at least twice a week" is a minimum)
_BOUND_WORDS = {"min": ("at least", "minimum", "or more"), "minimum": ("at least", "minimum", "or more"),
                "at least": ("at least", "minimum", "or more"), "floor": ("at least", "minimum"),
                "lower": ("at least", "minimum", "or more"),
                "max": ("maximum", "up to", "no more than", "at most"),
                "maximum": ("maximum", "up to", "no more than", "at most"),
                "at most": ("maximum", "up to", "no more than", "at most"),
                "upper": ("maximum", "up to", "no more than", "at most"),
                "ceiling": ("maximum", "up to", "no more than"), "cap": ("maximum", "up to", "no more than"),
                "most": ("maximum", "up to", "no more than"), "least": ("at least", "minimum")}


def _topic_facts(last_answer: dict[str, Any]) -> list[Hit]:
    """The facts of the last answer's topic, those it gave first, in the order given."""
    topic = last_answer.get("topic")
    if last_answer.get("kind") != "topic" or not isinstance(topic, str):
        return []
    given = list(last_answer.get("facts") or [])
    found = [Hit(t, fid, text, 1.0, 1) for t, fid, text, _ in fact_index().docs if t == topic]
    found.sort(key=lambda h: given.index(h.fact_id) if h.fact_id in given else len(given))
    return found


def lead_exercise(last_answer: dict[str, Any]) -> str | None:
    """The exercise with steps that the fact leading a topic answer names, if it names just one
    ("... one of them the dumbbell skull crusher"): what "how do I do it?" asks about."""
    lead = (last_answer.get("facts") or [None])[0]
    text = next((t.lower() for topic, fid, t, _ in fact_index().docs
                 if topic == last_answer.get("topic") and fid == lead), "")
    named = {e.id for e in default_knowledge().exercises if e.has_steps and e.name.lower() in text}
    return named.pop() if last_answer.get("kind") == "topic" and len(named) == 1 else None


def examples_fact(last_answer: dict[str, Any]) -> Hit | None:
    """"Examples?", "like what?" after a topic answer: the fact of that topic that lists things
    ("such as squats, deadlifts, shoulder presses and rows"), one just given first."""
    return next((h for h in _topic_facts(last_answer) if _LISTS.search(h.text)), None)


def number_fact(last_answer: dict[str, Any]) -> Hit | None:
    """"Is that a minimum or a max?" after a topic answer: the first fact given with a number."""
    given = set(last_answer.get("facts") or [])
    return next((h for h in _topic_facts(last_answer)
                 if h.fact_id in given and _NUMBER.search(h.text)), None)


def bound_fact(last_answer: dict[str, Any], bound: str) -> Hit | None:
    """"And per week total?" after the per-exercise maximum: the fact of the last topic that says
    it per week (one just given first), if any."""
    return next((h for h in _topic_facts(last_answer) if states_bound(h.text, bound)
                 and _NUMBER.search(h.text)), None)


def states_bound(text: str, bound: str) -> bool:
    """Whether a fact's words say what a bound question asks ("at least" for "a minimum?",
    "per week" for "per week?"); for "a minimum or a max?" either side will do."""
    low = text.lower()
    for part in bound.lower().split(" or "):
        part = part.strip().removeprefix("a ").removeprefix("the ").strip()
        if not part:
            continue
        if part.startswith("per "):
            if part in low:
                return True
            continue
        key = part.split()[0] if part.split()[0] in ("upper", "lower") else part
        if any(w in low for w in _BOUND_WORDS.get(key, (part,))):
            return True
    return False


def follow_up_match(question: str, last_answer: dict[str, Any], named: bool = False) -> Hit | None:
    """The fact of the last answer's topic a short follow-up question asks about, if clear: one
    of the facts just given first ("who is it most useful for?" after the bone facts), else one of
    the topic's others that the question's words single out, or that it names ("the bone one")."""
    topic = last_answer.get("topic")
    if last_answer.get("kind") != "topic" or not isinstance(topic, str):
        return None
    coverage, matched = TOPIC_FOLLOW_UP_BAR
    index = fact_index()
    if named:  # "the metabolic one": the word that points, without "one"
        question = " ".join(w for w in question.split() if w.strip(",.?!").lower() not in POINTER_WORDS)
    # "which ones need more?": "ones" points, it names nothing ("one of the body parts" is no match)
    question = _POINTING_ONE.sub(" ", question)
    # (a word no fact uses cannot point at one: "who can help me figure out how much more?")
    # (the facts just given count even when another topic holds them: the diabetes study given
    # with the benefits answers "what did that study do?")
    given_ids = set(last_answer.get("facts") or [])
    hits = [h for h in index.search(question, limit=len(index.docs), known_only=True)
            if (h.topic == topic or h.fact_id in given_ids)
            and h.coverage >= coverage and h.matched >= matched]
    # one just given, unless another holds more of the question ("and which muscles need more?"
    # after the weekly total: the fact naming the muscles, not the total again)
    best = max((h.coverage for h in hits), default=0.0)
    shown = [h for h in hits if h.fact_id in (last_answer.get("facts") or [])
             and h.coverage >= best - SHOWN_COVERAGE_SLACK]
    if shown:  # the best-covered; on a tie the one given first ("and weekly?": the weekly total)
        given = list(last_answer.get("facts") or [])
        return min(shown, key=lambda h: (-h.coverage, given.index(h.fact_id)))
    if not hits:
        return None
    hit = hits[0]
    shared = set(terms(question)) & set(terms(hit.text))
    if named or hit.matched > 1 or all(index.topic_df(topic, t) <= RARE_WORD_DOCS for t in shared):
        return hit
    return None


def step_follow_up(question: str, exercise_id: str) -> Hit | None:
    """The step of the exercise just shown that a question asks about by a word only that step
    (or few facts anywhere) uses: "my heels keep coming up, what do i do?" after the squat. The
    exercise's own name, at the head of every step, counts for nothing."""
    ex = default_knowledge().exercise(exercise_id)
    if ex is None:
        return None
    index = fact_index()
    name = set(terms(ex.name))
    asked = set(terms(question)) - name
    for hit in index.search(question, topic="exercise:" + ex.id, limit=1):
        shared = asked & set(terms(hit.text))
        if shared and any(index.df.get(t, 0) <= RARE_STEP_DOCS for t in shared):
            return hit
    return None


# words that ask who wrote or published something: they name no reference
_REFERENCE_ASK = frozenset(terms("""who wrote write written author authors first paper papers journal
study studies published publish source sources article reference references cite citation whose"""))


def named_reference(question: str) -> Hit | None:
    """The reference-list entry (or the article itself) a question names by its title, authors or
    subject: "who wrote the umbrella review on training variables?", "the reviewer's job?"."""
    asked = " ".join(w for w in question.split() if stem(w.lower().strip("?,.!'")) not in _REFERENCE_ASK)
    index = fact_index()
    hits = index.search(asked, topic=SOURCES, limit=3, known_only=True)
    for hit in hits[:1]:
        # the article's own author and reviewer are named by fewer words ("the reviewer's job?"),
        # and so is a reference by a word nothing else has ("the schoenfeld study")
        only_here = all(index.df.get(t, 0) <= 1 for t in set(terms(asked)) & set(terms(hit.text)))
        needed = 1 if hit.fact_id == "article" or (hit.coverage >= ONE_WORD_REFERENCE and only_here) \
            else NAMED_REFERENCE_BAR[1]
        if hit.coverage >= NAMED_REFERENCE_BAR[0] and hit.matched >= needed:
            return hit
    # a long question that names an entry by many of its title's words ("the study that said more
    # volume grows muscle but not strength in trained guys") names it too
    for hit in hits:
        if hit.matched >= MANY_TITLE_WORDS[1] and hit.coverage >= MANY_TITLE_WORDS[0]:
            return hit
    return None


def clear_match(question: str, coverage: float, matched: int, topic: str | None = None,
                known_only: bool = False) -> Hit | None:
    """The best hit (within one topic when given) when it holds at least this share of the
    question's words (of those some fact uses, with `known_only`), else None."""
    for hit in fact_index().search(question, topic=topic, limit=1, known_only=known_only):
        if hit.coverage >= coverage and hit.matched >= matched:
            return hit
    return None
