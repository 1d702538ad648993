"""What trainable and data-driven components learn from: the knowledge base and the NLU data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.nlu.data import NluData
from knowledge.models import KnowledgeBase

_WORD = re.compile(r"[a-z]+")
ENTITY_VOCABULARIES = ("muscle", "goal", "experience", "equipment", "condition", "subject")
PATTERN_LABELS = {"exercise", *ENTITY_VOCABULARIES}


@dataclass(frozen=True)
class TrainingContext:
    """Passed to every component's `learn(ctx)` after `nlp.initialize()`."""

    kb: KnowledgeBase
    data: NluData
    english_words: frozenset[str] = field(default_factory=frozenset)
    # more messages people write, beside the intent examples: the crisis classifier's lines, whose
    # words ("collapsed", "notice", "ending") typos must find their way back to as well
    chat_texts: tuple[str, ...] = ()

    def _entries(self) -> list[tuple[str, str, list[str], list[str]]]:
        """(label, value, canonical surface forms, misspellings) of every knowledge entry."""
        out = [("exercise", ex.id, [ex.name, *ex.aliases], ex.misspellings)
               for ex in self.kb.exercises]
        for label in ENTITY_VOCABULARIES:
            for term in getattr(self.kb.vocabulary, label):
                out.append((label, term.id, [term.name, *term.aliases], term.misspellings))
        return out

    def kb_forms(self) -> list[tuple[str, str, str]]:
        """(entity label, normalised value, canonical surface text) from the knowledge base.

        Misspellings are not patterns: the normaliser corrects them first (see corrections()),
        except those with an English word the normaliser leaves alone ("scull crusher": a scull
        is an oar), which are patterns as they are.
        """
        out = []
        for label, value, texts, misspellings in self._entries():
            canonical = {w for t in texts for w in _WORD.findall(t.lower())}
            kept = [m for m in misspellings if any(
                w not in canonical and w in self.english_words for w in _WORD.findall(m.lower()))]
            out += [(label, value, text) for text in (*texts, *kept)]
        return out

    def corrections(self) -> dict[str, str]:
        """Misspelt word -> the canonical word it stands for, from the knowledge's misspellings."""
        out: dict[str, str] = {}
        for _, _, texts, misspellings in self._entries():
            canonical = {w for t in texts for w in _WORD.findall(t.lower())}
            for miss in misspellings:
                for word in _WORD.findall(miss.lower()):
                    if word in canonical or word in self.english_words or len(word) < 3:
                        continue
                    best = process.extractOne(word, sorted(canonical), scorer=fuzz.ratio)
                    if best:
                        out[word] = best[0]
        return out

    def surface_forms(self) -> list[tuple[str, str, str]]:
        """kb_forms() plus the synonyms and lookup tables of the NLU data."""
        forms = self.kb_forms()
        labels_by_value: dict[str, str] = {}
        for f in forms:
            labels_by_value.setdefault(f[1], f[0])
        for ex in self.data.examples:
            for ent in ex.entities:
                labels_by_value.setdefault(ent.value, ent.entity)
        data_forms = [(labels_by_value[value], value, surface)
                      for surface, value in self.data.synonyms.items() if value in labels_by_value]
        data_forms += [(label, self.data.synonyms.get(item.lower(), item.lower()), item)
                       for label, items in self.data.lookups.items() for item in items]
        known = {text.lower() for _, _, text in forms}
        for label, value, surface in data_forms:
            # numbers and symptoms have their own components; a lone word from the data ("back",
            # "big", or a typo the normaliser turns into "strength") is too ambiguous to be a
            # pattern unless the knowledge base lists it
            if label not in PATTERN_LABELS:
                continue
            if " " not in surface.strip() and surface.lower() not in known:
                continue
            forms.append((label, value, surface))
        return forms

    def domain_words(self) -> set[str]:
        """The words typos are corrected towards: every word of the knowledge base, no misspelling.

        Training examples are not a source: they deliberately hold typos.
        """
        words: set[str] = set(self.kb.vocabulary.domain_words)
        words.update(_WORD.findall(self.kb.all_text()))
        for _, _, text in self.kb_forms():
            words.update(_WORD.findall(text.lower()))
        # the words of the warning signs, from their names and the dictionary words their
        # patterns spell out ("collapsed", "fainting", "swollen"): a typo in one must not hide it
        for flag in self.kb.red_flags:
            words.update(_WORD.findall(f"{flag.name} {flag.short} {' '.join(flag.about)}".lower()))
            words.update(w for p in flag.patterns for w in _WORD.findall(p.lower())
                         if len(w) >= 4 and w in self.english_words)
        return (words | set(self.chat_words())) - set(self.corrections())

    def knowledge_words(self) -> set[str]:
        """The words of the knowledge base's names, aliases and kept misspellings."""
        return {w for _, _, text in self.kb_forms() for w in _WORD.findall(text.lower())}

    def chat_words(self) -> dict[str, int]:
        """The English words of the training messages, with how often they occur: the everyday
        words of a chat ("injuries", "nothing", "thanks") that the knowledge base never uses.
        A word must be a dictionary word and occur twice, so no deliberate typo becomes a target."""
        counts: dict[str, int] = {}
        for text in (*(ex.text for ex in self.data.examples), *self.chat_texts):
            for word in _WORD.findall(text.lower()):
                counts[word] = counts.get(word, 0) + 1
        return {w: n for w, n in counts.items()
                if n >= 2 and len(w) >= 3 and w in self.english_words}

    def word_counts(self) -> dict[str, int]:
        """How often each correction target occurs in the knowledge base and the training
        messages: between two equally close targets, the commoner one is the likelier meant."""
        counts = dict(self.chat_words())
        for word in _WORD.findall(self.kb.all_text().lower()):
            counts[word] = counts.get(word, 0) + 1
        return counts
