"""Normaliser component: Unicode, case and punctuation folding plus fuzzy correction of domain words."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer
import srsly
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from bot.nlu.context import TrainingContext
from bot.nlu.courtesy import Courtesy

_PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2212": "-", "\u00a0": " ", "\u00d7": "x",
})


# phone shorthand, vowels dropped ("hw lng rst btwn sets"): one word for one word
SHORTHAND = {"=": "means", "sarco": "sarcoplasmic",
             "hw": "how", "lng": "long", "rst": "rest", "btwn": "between",
             "mny": "many", "shld": "should", "wht": "what", "wat": "what", "wut": "what",
             "abt": "about", "wk": "week", "wks": "weeks", "wkly": "weekly", "thx": "thanks",
             "ty": "thanks", "tnx": "thanks", "plz": "please", "pls": "please", "u": "you",
             "ur": "your", "r": "are", "n": "and", "strngth": "strength", "hyprtrphy": "hypertrophy",
             "exrcise": "exercise", "xercise": "exercise", "bc": "because",
             "cuz": "because", "b4": "before", "gd": "good", "sz": "size", "msl": "muscle",
             "inj": "injuries", "injs": "injuries", "int": "intermediate", "intermed": "intermediate",
             "adv": "advanced", "mins": "minutes", "cya": "bye", "ttyl": "bye", "gtg": "bye",
             "g2g": "bye", "laterz": "bye", "dys": "days", "dy": "day", "wek": "week",
             "cn": "can", "bild": "build", "mak": "make", "pln": "plan", "prgrm": "program",
             # words of other languages for the gym's own words ("series" are sets in Spanish,
             # Portuguese, Italian and French)
             "series": "sets", "serie": "set", "repeticiones": "reps", "repeticoes": "reps",
             "ripetizioni": "reps", "hipertrofia": "hypertrophy", "ipertrofia": "hypertrophy",
             "musculacion": "lifting", "musculation": "lifting", "descanso": "rest",
             "descansar": "rest", "entre": "between",
             # thanks and hello in the words of other languages people type in English chats
             "salamat": "thanks", "gracias": "thanks", "obrigado": "thanks", "obrigada": "thanks",
             "danke": "thanks", "merci": "thanks", "shukran": "thanks", "dhanyavaad": "thanks",
             "dziekuje": "thanks", "spasibo": "thanks", "tesekkurler": "thanks", "grazie": "thanks",
             "hola": "hello", "salaam": "hello", "salam": "hello", "namaste": "hello",
             "bonjour": "hello", "hallo": "hello", "merhaba": "hello", "privet": "hello"}
# misspellings of the words of a crisis, respelled before the fuzzy correction could take them for
# a gym word ("sucide" is not "side") and before the red-flag patterns read the message
CRISIS_RESPELLINGS = {"myslef": "myself", "mysef": "myself", "myslf": "myself", "mysefl": "myself",
                      "meself": "myself", "kil": "kill", "kll": "kill", "sucide": "suicide",
                      "suicde": "suicide", "suiside": "suicide", "sucicide": "suicide",
                      "suiced": "suicide", "suicie": "suicide", "sucidal": "suicidal",
                      "suicdal": "suicidal", "suicial": "suicidal", "suisidal": "suicidal",
                      "suacidal": "suicidal", "dieing": "dying", "selfharm": "self-harm",
                      "slefharm": "self-harm", "unalvie": "unalive", "overdoze": "overdose",
                      "overdosse": "overdose", "hopless": "hopeless", "worthles": "worthless",
                      "alvie": "alive", "alove": "alive", "dei": "die"}
SHORTHAND.update(CRISIS_RESPELLINGS)
# chat shorthand that stands for one English word wherever it is typed: the patterns over the
# user's text read it spelled out too ("how high so u dont survive da fall")
CHAT_WORDS = {"u": "you", "ur": "your", "r": "are", "n": "and", "da": "the", "w": "with",
              "wat": "what", "wut": "what", "wht": "what", "cuz": "because", "coz": "because",
              "bc": "because", "b4": "before", "abt": "about", "tho": "though", "rly": "really",
              "ppl": "people", "smth": "something", "prolly": "probably", "pls": "please",
              "plz": "please", "thx": "thanks", "tnx": "thanks", "ty": "thanks"}
SHORTHAND.update(CHAT_WORDS)
# "2" and "4" typed for "to" and "for" ("i want 2 die", "not 4 training"), told from a count
# ("2 days", "4 sets") by the words around them
_TO_NEXT = frozenset(
    "be die end go keep kill hurt live wake sleep do make stop get take feel see say know leave "
    "disappear exist the da my me you u your ur him her them us everyone everybody anyone "
    "someone talk grow build gain eat start try help fix hang jump overdose cut".split())
_FOR_NEXT = frozenset("me you u him her them us my your ur the da real sure good ever now "
                      "hypertrophy growth size strength mass gains".split())
_SHORT_FOR_PREV = {"2": frozenset("want wanna going planning plan wish wishes need trying tried "
                                  "reason ready supposed able deserve how way decided used not "
                                  "letters goodbye".split()),
                   "4": frozenset("not only just is its it's good bad best ready asking "
                                  "letters".split())}
_COUNTED = frozenset("day days set sets rep reps time times x min mins minute minutes hour hours "
                     "hr hrs week weeks wk wks month months year years yr yrs kg kgs lb lbs "
                     "session sessions exercise exercises dumbbell dumbbells plate plates or and "
                     "to a an more less".split())


def chat_number(prev: str, word: str, after: str) -> str | None:
    """"to" or "for" when a "2" or "4" stands for the word, else None."""
    if word not in ("2", "4") or not after[:1].isalpha():
        return None
    if after in (_TO_NEXT if word == "2" else _FOR_NEXT):
        return "to" if word == "2" else "for"
    if prev in _SHORT_FOR_PREV[word] and after not in _COUNTED:
        return "to" if word == "2" else "for"
    return None
_WORD_OR_SPACE = re.compile(r"[\w'-]+|[^\w'-]+")


def respelled(text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
    """The text with crisis-word misspellings respelled, and for each piece its (new start, new
    end, old start, old end), so that a match in the new text can be placed in the old one."""
    out, pieces, at = [], [], 0
    for m in _WORD_OR_SPACE.finditer(text):
        word = m.group(0)
        new = CRISIS_RESPELLINGS.get(word.lower(), word)
        pieces.append((at, at + len(new), m.start(), m.end()))
        out.append(new)
        at += len(new)
    return "".join(out), pieces


def with_fixes(text: str, fixes: dict[str, str]) -> str:
    """The text with each word that a parse's `cues.fixes` names put as the word meant."""
    if not fixes:
        return text
    return "".join(fixes.get(fold(piece), piece) for piece in _WORD_OR_SPACE.findall(text))


# the gym's words in the languages people most often mix into an English chat (Spanish,
# Portuguese, German, French, Italian), one word for one word; looked up without accents
# ("sin lesiones", "dor no joelho", "wie lange zwischen den saetzen"); a word that is also English
# ("dos", "sin", "pause", "repetitions") is left out
OTHER_LANGUAGES = {
    # Spanish and Portuguese
    "rutina": "routine", "rotina": "routine", "musculo": "muscle", "musculos": "muscles",
    "entrenamiento": "training", "entrenar": "train", "treino": "workout", "treinar": "train",
    "pesas": "weights", "mancuernas": "dumbbells", "mancuerna": "dumbbell",
    "halteres": "dumbbells", "principiante": "beginner", "iniciante": "beginner",
    "intermedio": "intermediate", "intermediario": "intermediate", "avanzado": "advanced",
    "avancado": "advanced", "lesiones": "injuries", "lesion": "injury", "lesoes": "injuries",
    "lesao": "injury", "minutos": "minutes", "dias": "days", "semana": "week",
    "necesito": "need", "preciso": "need", "ganar": "gain", "ganhar": "gain",
    "dolor": "pain", "dor": "pain", "rodilla": "knee", "joelho": "knee", "hombro": "shoulder",
    "ombro": "shoulder", "espalda": "back", "costas": "back", "pierna": "leg", "piernas": "legs",
    "perna": "leg", "pernas": "legs", "pecho": "chest", "peito": "chest", "brazos": "arms",
    "bracos": "arms", "diagnostico": "diagnosis", "sentadilla": "squat", "sentadillas": "squats",
    "agachamento": "squat", "remo": "row",
    # German
    "zwischen": "between", "satze": "sets", "saetze": "sets", "satzen": "sets", "saetzen": "sets",
    "satz": "set", "wiederholungen": "reps", "muskel": "muscle", "muskeln": "muscles",
    "muskelaufbau": "hypertrophy", "trainingsplan": "plan", "hanteln": "dumbbells",
    "kurzhanteln": "dumbbells", "anfanger": "beginner", "anfaenger": "beginner",
    "verletzungen": "injuries", "verletzung": "injury", "minuten": "minutes", "tage": "days",
    "woche": "week", "schmerzen": "pain", "knie": "knee", "schulter": "shoulder",
    "rucken": "back", "ruecken": "back", "brust": "chest", "wie": "how", "lange": "long",
    "kniebeugen": "squats",
    # French and Italian
    "repos": "rest", "riposo": "rest", "manubri": "dumbbells",
    "debutant": "beginner", "blessures": "injuries", "blessure": "injury", "infortuni": "injuries",
    "douleur": "pain", "dolore": "pain", "genou": "knee", "ginocchio": "knee", "epaule": "shoulder",
    "spalla": "shoulder", "schiena": "back", "poitrine": "chest", "petto": "chest",
    "muscoli": "muscles", "allenamento": "workout",
}
SHORTHAND.update(OTHER_LANGUAGES)
_RUN3 = re.compile(r"(\w)\1{2,}")
_END2 = re.compile(r"(\w)\1$")
_JOINER = re.compile(r"[A-Za-z0-9][/+&][A-Za-z]")
# gym shorthand for sets and reps ("3x8", "5x5"): read as words ("3 sets of 8 reps")
_SETS_X_REPS = re.compile(r"^(\d{1,2})[x\u00d7](\d{1,2})$", re.IGNORECASE)
_JOINED = re.compile(r"[^/+&]+")


def strip_accents(word: str) -> str:
    """The word without its accents ("sätzen" -> "satzen", "lesões" -> "lesoes")."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """NFKC, case-fold and ASCII punctuation: the form every later stage compares against."""
    return unicodedata.normalize("NFKC", text).translate(_PUNCT).casefold()


class Normalizer:
    """Rebuilds the Doc from folded, typo-corrected words; remembers each word's original span.

    `doc.user_data["source_spans"]` maps token i of the new Doc to (start, end) in the user's text,
    so entity offsets can be reported against what the user typed.
    """

    def __init__(self, vocab: Vocab, fuzzy_cutoff: float, min_length: int) -> None:
        self.vocab = vocab
        self.fuzzy_cutoff = fuzzy_cutoff
        self.min_length = min_length
        self.domain_words: list[str] = []
        self.known: frozenset[str] = frozenset()
        self.corrections: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self._targets: frozenset[str] = frozenset()
        self._correct = lru_cache(maxsize=20000)(self._correct_uncached)

    def learn(self, ctx: TrainingContext) -> None:
        """Set the vocabulary: domain words are correction targets, English words are left alone."""
        self.domain_words = sorted({w for w in ctx.domain_words() if w.isalpha() and len(w) >= 3})
        # the knowledge's own words and their plurals are never "corrected": the entity patterns
        # pass through this component too ("hiits" must not become "hits")
        self.known = frozenset(self.domain_words) | ctx.english_words | {
            w + "s" for w in ctx.knowledge_words() if not w.endswith("s")}
        self.corrections = ctx.corrections()
        self._targets = frozenset(self.domain_words)
        self.counts = {w: n for w, n in ctx.word_counts().items() if w in self._targets}
        self._correct.cache_clear()

    def _correct_uncached(self, word: str) -> str:
        if word in SHORTHAND:
            return SHORTHAND[word]
        plain = strip_accents(word)
        if plain != word and plain in OTHER_LANGUAGES:  # "sätzen", "lesões", "músculo"
            return OTHER_LANGUAGES[plain]
        if word in self.corrections:
            return self.corrections[word]
        if word.isalpha() and word not in self.known and (_RUN3.search(word) or _END2.search(word)):
            # letters drawn out for feeling ("byeeee", "nahhh", "heyy", "goood"): the first
            # shortening that is a known word, runs kept at two letters before one; a double
            # letter inside a word stays ("hiit" is not "hit")
            for shorter in (_RUN3.sub(r"\1\1", word), _RUN3.sub(r"\1", word),
                            _END2.sub(r"\1", _RUN3.sub(r"\1", word))):
                if shorter != word and (shorter in self.known or shorter in SHORTHAND):
                    return SHORTHAND.get(shorter, shorter)
        if len(word) < self.min_length or not word.isalpha() or word in self.known:
            return word
        # typos rarely change the first letter; requiring it keeps "sarms" from becoming "arms".
        # Of the close targets, the fewest typing slips away wins (a swap of two letters is one
        # slip: "ijnuries" is "injuries"), then the likeliest: the closest and commonest
        # ("overkll" is "overkill", not "overall"; "slpit" is "split", not "slept")
        close = [(c, score) for c, score, _ in process.extract(
            word, self.domain_words, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff, limit=8)
            if c[0] == word[0]]
        # two neighbouring letters swapped (after the first) keep every letter typed, and are the
        # commonest slip: a target they spell is close whatever its likeness ("lfie" is "life",
        # "wnat" is "want"), and wins a tie of slips ("lfie" is not "lie"; "evry" stays "every")
        seen = {c for c, _ in close}
        close += [(c, fuzz.ratio(word, c)) for c in (
            word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1))
            if c in self._targets and c not in seen]
        if not close:
            return word
        letters = sorted(word)
        return min(close, key=lambda cs: (OSA.distance(word, cs[0]), sorted(cs[0]) != letters,
                                          -self._likelihood(*cs)))[0]

    def _likelihood(self, candidate: str, similarity: float) -> float:
        """How likely a close target is the word meant: its likeness, plus ten points for each
        tenfold of its use ("haert" is "heart", 117 uses, not "hart", an author's name)."""
        return similarity + 10 * math.log10(self.counts.get(candidate, 0) + 1)

    def correct(self, word: str) -> str:
        """The domain word this word is a typo of, or the word itself."""
        return self._correct(word)

    def typo_fix(self, word: str) -> str:
        """What the patterns over the user's text read for a word: the chat shorthand spelled out
        ("u" as "you") and typos fixed ("ijnuries" as "injuries"); the rest of the shorthand
        ("inj", "int") and the other languages' words stay as typed."""
        if word in CHAT_WORDS:
            return CHAT_WORDS[word]
        if not word.isalpha() or word in SHORTHAND or strip_accents(word) in OTHER_LANGUAGES:
            return word
        return self._correct(word)

    def __call__(self, doc: Doc) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        spans: list[tuple[int, int]] = []
        fixes: list[tuple[int, int, str]] = []  # (start, end, the word meant) in the user's text
        for tok in doc:
            if tok.is_space:
                if spaces:
                    spaces[-1] = True
                continue
            prev = fold(doc[tok.i - 1].text) if tok.i > 0 else ""
            after = fold(doc[tok.i + 1].text) if tok.i + 1 < len(doc) else ""
            said = chat_number(prev, tok.text, after)
            if said:
                words.append(said)
                spaces.append(bool(tok.whitespace_))
                spans.append((tok.idx, tok.idx + len(tok.text)))
                fixes.append((tok.idx, tok.idx + len(tok.text), said))
                continue
            scheme = _SETS_X_REPS.match(tok.text)
            if scheme:  # each word spans the shorthand the user typed
                for word in (scheme.group(1), "sets", "of", scheme.group(2), "reps"):
                    words.append(word)
                    spaces.append(True)
                    spans.append((tok.idx, tok.idx + len(tok.text)))
                spaces[-1] = bool(tok.whitespace_)
                continue
            # "sets/week" and "dumbbells+bench" are two words each
            parts = [(m.group(), m.start()) for m in _JOINED.finditer(tok.text)] \
                if _JOINER.search(tok.text) else [(tok.text, 0)]
            for i, (part, offset) in enumerate(parts):
                folded = fold(part)
                words.append(self.correct(folded) or part)
                spaces.append(bool(tok.whitespace_) if i == len(parts) - 1 else True)
                spans.append((tok.idx + offset, tok.idx + offset + len(part)))
                fixed = self.typo_fix(folded)
                if fixed != folded:
                    fixes.append((tok.idx + offset, tok.idx + offset + len(part), fixed))
        new = Doc(doc.vocab, words=words, spaces=spaces)
        new.user_data["source_spans"] = spans
        new.user_data["original_text"] = doc.text
        new.user_data["typo_fixes"] = fixes
        return new

    def to_disk(self, path: Path | str, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "vocabulary.json",
                         {"domain": self.domain_words, "known": sorted(self.known),
                          "corrections": self.corrections, "counts": self.counts})

    def from_disk(self, path: Path | str, exclude: Iterable[str] = ()) -> Normalizer:
        data: Any = srsly.read_json(Path(path) / "vocabulary.json")
        self.domain_words = list(data["domain"])
        self._targets = frozenset(self.domain_words)
        self.known = frozenset(data["known"])
        self.corrections = dict(data["corrections"])
        self.counts = dict(data.get("counts", {}))
        self._correct.cache_clear()
        return self


@Language.factory("coach_normalizer", default_config={"fuzzy_cutoff": 80, "min_length": 4})
def make_normalizer(nlp: Language, name: str, fuzzy_cutoff: float, min_length: int) -> Normalizer:
    """Factory registered for config.yml."""
    return Normalizer(nlp.vocab, fuzzy_cutoff, min_length)


class LemmaView:
    """Rebuilds the Doc on lemmas ("breaks" -> "break"), without punctuation, so the bag-of-words
    classifier generalises over inflections and a "?" sways no intent. Runs after the entity
    components; entities, source spans and the original text are carried over.

    With `concepts`, one token per entity label found ("_exercise_", "_condition_", "_days_") is
    appended after the words, so what the classifier learns from one exercise, condition or number
    of days carries over to the others the entity components know (a lift or a condition that no
    training sentence names). Later components read entities and cues, never these tokens.

    With `courtesy`, greetings, thanks and the wrappers of a polite question ("can you please tell
    me", "I would like to know") are left out when the message says more (bot.nlu.courtesy)."""

    def __init__(self, concepts: bool = False, stems: bool = False, subwords: bool = False,
                 courtesy: Courtesy | None = None) -> None:
        self.courtesy = courtesy
        self.concepts = concepts
        self.subwords = subwords
        self.stemmer = snowballstemmer.stemmer("english") if stems else None

    def __call__(self, doc: Doc) -> Doc:
        polite = self.courtesy.tokens(doc) if self.courtesy is not None else set()
        keep = [t.i for t in doc if not t.is_punct and t.i not in polite] or [t.i for t in doc]
        words = [doc[i].lemma_ or doc[i].text for i in keep]
        if self.stemmer is not None:  # "strengthening" ~ "strength"
            words = [str(self.stemmer.stemWord(w)) for w in words]
        spaces = [bool(doc[i].whitespace_) for i in keep]
        extra = [concept_token(label) for label in dict.fromkeys(e.label_ for e in doc.ents)] \
            if self.concepts else []
        if self.subwords:  # character trigrams of the longer words ("<hy", "hyp", ..., "hy>")
            extra += list(dict.fromkeys(g for w in words if len(w) >= 4 and w.isalpha()
                                        for g in char_trigrams(w)))
        if not extra and len(keep) == len(doc) and words == [t.text for t in doc]:
            return doc
        if extra and spaces:
            spaces[-1] = True
        new = Doc(doc.vocab, words=words + extra, spaces=spaces + [True] * len(extra))
        new.user_data.update(doc.user_data)
        spans = doc.user_data.get("source_spans")
        if spans:
            new.user_data["source_spans"] = [spans[i] for i in keep if i < len(spans)]
        position = {old: new_i for new_i, old in enumerate(keep)}
        ents = []
        for e in doc.ents:
            inside = [position[i] for i in range(e.start, e.end) if i in position]
            if inside:
                ents.append(Span(new, inside[0], inside[-1] + 1, label=e.label_,
                                 kb_id=e.kb_id_ or e.ent_id_))
        new.ents = ents
        return new


def char_trigrams(word: str) -> list[str]:
    """A word's character trigrams with boundary marks, as classifier tokens ("#<ro", "#row")."""
    marked = f"<{word}>"
    return [f"#{marked[i:i + 3]}" for i in range(len(marked) - 2)]


def concept_token(label: str) -> str:
    """The token that stands for an entity label in the classifier's view."""
    return f"_{label}_"


@Language.factory("coach_lemma_view",
                  default_config={"concepts": False, "stems": False, "subwords": False,
                                  "courtesy": False})
def make_lemma_view(nlp: Language, name: str, concepts: bool, stems: bool,
                    subwords: bool, courtesy: bool) -> LemmaView:
    """Factory registered for config.yml."""
    return LemmaView(concepts, stems, subwords, Courtesy(nlp.vocab) if courtesy else None)
