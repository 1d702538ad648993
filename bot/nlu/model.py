"""Build the spaCy pipeline from config.yml, train it, cache it by fingerprint, and parse with it."""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.training import Example as SpacyExample
from spacy.util import minibatch

import bot.nlu.registry  # noqa: F401  (registers the project's components)
from bot.core.config import PACKAGE_ROOT, CoachConfig, project_file
from bot.core.errors import ModelNotTrained
from bot.nlu.context import TrainingContext
from bot.nlu.crisis import CRISIS_PIPE, load_crisis, train_crisis
from bot.nlu.crisis import LABEL as CRISIS_LABEL
from bot.nlu.data import NluData, load_nlu
from knowledge.loader import data_files, load_knowledge
from knowledge.models import KnowledgeBase

NLU_DATA = project_file("bot/data/nlu.yml")
# the training data: nlu.yml, and user-phrased messages labelled by intent (see its header)
# the hand-written examples, the fresh sets' user openings, and paraphrases written for breadth
NLU_FILES = (NLU_DATA, project_file("bot/data/nlu_users.yml"),
             project_file("bot/data/nlu_paraphrases.yml"), project_file("bot/data/nlu_breadth.yml"))
# the code that shapes a trained model (parsing and evaluation code changes no model)
CODE_FILES = sorted(p for p in (PACKAGE_ROOT / "bot" / "nlu").glob("*.py")
                    if p.name not in ("evaluate.py", "interpreter.py", "compare.py"))
CLASSIFIER = "textcat"
# crisis messages and messages that only sound like one, for the crisis classifier (bot.nlu.crisis)
CRISIS_FILES = (project_file("bot/data/crisis.yml"), project_file("bot/data/crisis_more.yml"),
                project_file("bot/data/crisis_everyday.yml"))


def fingerprint(config: CoachConfig, nlu_files: list[Path] | None = None) -> str:
    """A hash of the NLU config, the training data, the knowledge base and the NLU code."""
    h = hashlib.sha256(config.nlu.model_dump_json().encode())
    for path in [*(nlu_files or NLU_FILES), *CRISIS_FILES, *data_files(), *CODE_FILES]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def build_pipeline(config: CoachConfig) -> Language:
    """spacy.blank(language) plus every component config.yml lists, in order."""
    nlp = spacy.blank(config.nlu.language)
    for component in config.nlu.pipeline:
        nlp.add_pipe(component.factory or component.name, name=component.name,
                     config=component.settings())
    return nlp


ENGLISH_MIN_FREQUENCY = 10  # rarer entries of the word list are too often typos themselves


def _english_words(nlp: Language) -> frozenset[str]:
    """Words the normaliser must never "correct": pyspellchecker's English word list plus the
    lemma table's forms."""
    from spellchecker import SpellChecker

    words = {w for w, n in SpellChecker(language="en").word_frequency.dictionary.items()
             if n >= ENGLISH_MIN_FREQUENCY}
    if "lemmatizer" in nlp.pipe_names:
        lemmatizer: Any = nlp.get_pipe("lemmatizer")
        table = lemmatizer.lookups.get_table("lemma_lookup", {})
        words.update(w for w in (*table.keys(), *table.values()) if isinstance(w, str))
    return frozenset(words)


def train(config: CoachConfig, data: NluData | None = None, kb: KnowledgeBase | None = None,
          progress: Callable[[int, int], None] | None = None) -> Language:
    """Train a fresh pipeline (seeded: the same data gives the same model)."""
    data = data or load_nlu(*NLU_FILES)
    kb = kb or load_knowledge()
    settings = config.nlu.training
    random.seed(settings.seed)
    spacy.util.fix_random_seed(settings.seed)
    nlp = build_pipeline(config)
    textcat = nlp.get_pipe(CLASSIFIER)
    labels = data.intents
    for label in labels:
        textcat.add_label(label)  # type: ignore[attr-defined]  # get_pipe's hint is a bare callable
    if CRISIS_PIPE in nlp.pipe_names:
        nlp.get_pipe(CRISIS_PIPE).add_label(CRISIS_LABEL)  # type: ignore[attr-defined]
    nlp.initialize()  # before learn(): initialize() would drop the entity ruler's patterns
    crisis_data = load_crisis(*CRISIS_FILES)
    ctx = TrainingContext(kb=kb, data=data, english_words=_english_words(nlp),
                          chat_texts=(*crisis_data.crisis, *crisis_data.not_crisis))
    for _, proc in nlp.pipeline:
        if hasattr(proc, "learn"):
            proc.learn(ctx)
    # textcat trains on the same normalised docs it will see at parse time
    before = [name for name in nlp.pipe_names if name != CLASSIFIER and
              nlp.pipe_names.index(name) < nlp.pipe_names.index(CLASSIFIER)]
    crisis = nlp.pipe_names.index(CRISIS_PIPE) if CRISIS_PIPE in nlp.pipe_names else None
    after = [name for name in nlp.pipe_names if name not in before and name != CLASSIFIER]
    with nlp.select_pipes(enable=before):
        docs = list(nlp.pipe(ex.text for ex in data.examples))
    examples = [SpacyExample.from_dict(doc, {"cats": {lab: float(lab == ex.intent) for lab in labels}})
                for doc, ex in zip(docs, data.examples, strict=True)]
    optimizer = nlp.resume_training()
    optimizer.learn_rate = settings.learn_rate
    for epoch in range(settings.epochs):
        random.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=settings.batch_size):
            nlp.update(batch, sgd=optimizer, drop=settings.dropout, losses=losses,
                       exclude=[*before, *after])
        if progress:
            progress(epoch + 1, settings.epochs)
    if crisis is not None:
        train_crisis(nlp, crisis_data, (ex.text for ex in data.examples),
                     epochs=settings.epochs, learn_rate=settings.learn_rate,
                     dropout=settings.dropout, batch_size=settings.batch_size, seed=settings.seed)
    return nlp


def model_dir(config: CoachConfig, fp: str | None = None) -> Path:
    """Where the model with this fingerprint is cached."""
    return config.data_dir / "models" / (fp or fingerprint(config))


def save(nlp: Language, path: Path) -> None:
    """Write the model atomically (a half-written model is never loaded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.to_disk(tmp)
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)


def load(config: CoachConfig) -> tuple[Language, str]:
    """Load the cached model matching the current fingerprint; ModelNotTrained if there is none."""
    fp = fingerprint(config)
    path = model_dir(config, fp)
    if not (path / "meta.json").exists():
        raise ModelNotTrained(f"no model for fingerprint {fp}: run `coach train`")
    return spacy.load(path), fp


def load_or_train(config: CoachConfig,
                  progress: Callable[[int, int], None] | None = None) -> tuple[Language, str]:
    """The cached model, training (and caching) it first when it is missing or stale."""
    try:
        return load(config)
    except ModelNotTrained:
        # the fingerprint is taken before training: data edited meanwhile gives a new one later
        fp = fingerprint(config)
        nlp = train(config, progress=progress)
        save(nlp, model_dir(config, fp))
        return spacy.load(model_dir(config, fp)), fp
