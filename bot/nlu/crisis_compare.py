"""Choose the crisis classifier's settings and threshold by measurement (bot/nlu/crisis.py).

Grouped k-fold cross-validation on bot/data/crisis.yml: for each candidate model, each fold's
classifier is trained on the other folds (plus every intent training line as a negative) and
scores the fold's messages as the gate does (the whole message, and each sentence alone). It also
scores the held-out intent file (tests/data/nlu_test.yml: everyday messages, none a crisis), where
any crisis reading is a false alarm. For each threshold the table gives recall on the crisis
lines, the false-alarm rate on the hard negatives and on the everyday messages.

    python -m bot.nlu.crisis_compare --cv 5 --out .coach/reports/crisis_comparison.json

The blind crisis set (tests/data/fresh/crisis_cases_v1.yaml) is never used here: it measures the
chosen settings through the running bot (../shared/eval/run_eval.py).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.training import Example as SpacyExample

from bot.core.config import ROOT, load_config
from bot.nlu import model as nlu_model
from bot.nlu.crisis import CRISIS_PIPE, LABEL, CrisisData, CrisisGate, load_crisis, train_crisis
from bot.nlu.data import load_nlu
from bot.nlu.entities import source_text

HELD_OUT = ROOT / "tests" / "data" / "nlu_test.yml"
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
CANDIDATES: dict[str, dict[str, Any]] = {
    f"bow{n}": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
                "ngram_size": n, "no_output_layer": False, "length": 32768}
    for n in (1, 2, 3)
}


def _fresh_pipe(nlp: Language, settings: dict[str, Any]) -> None:
    """Replace the crisis classifier with an untrained one of these settings."""
    position = nlp.pipe_names.index(CRISIS_PIPE)
    nlp.remove_pipe(CRISIS_PIPE)
    pipe: Any = nlp.add_pipe("textcat_multilabel", name=CRISIS_PIPE, before=nlp.pipe_names[position],
                             config={"model": settings})
    pipe.add_label(LABEL)
    doc = nlp.make_doc("x")
    pipe.initialize(lambda: [SpacyExample.from_dict(doc, {"cats": {LABEL: 0.0}})], nlp=nlp)


def _scores(nlp: Language, texts: list[str]) -> list[float]:
    """Each message's crisis score as the gate sees it: the whole, or its likeliest sentence."""
    gate = CrisisGate(nlp, threshold=2.0)  # (never sets a tier: only the score is wanted)
    upto = nlp.pipe_names.index(CRISIS_PIPE) + 1
    steps = [proc for name, proc in nlp.pipeline[:upto] if name != "textcat"]
    out = []
    for text in texts:
        doc = nlp.make_doc(text)
        for proc in steps:
            doc = proc(doc)
        out.append(max(float(doc.cats.get(LABEL, 0.0)), gate._sentences(source_text(doc))))
    return out


def _folds(n: int, k: int, seed: int) -> list[set[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [set(order[i::k]) for i in range(k)]


def cross_validate(k: int, seed: int, only: list[str]) -> dict[str, Any]:
    config = load_config()
    nlp, _ = nlu_model.load_or_train(config)
    data = load_crisis(*nlu_model.CRISIS_FILES)
    intents = [e.text for e in load_nlu(*nlu_model.NLU_FILES).examples]
    everyday = [e.text for e in load_nlu(HELD_OUT).examples]
    settings = config.nlu.training
    results: dict[str, Any] = {}
    for name in only:
        pos_scores: list[float] = []
        neg_scores: list[float] = []
        day_scores: list[list[float]] = []
        pos_folds = _folds(len(data.crisis), k, seed)
        neg_folds = _folds(len(data.not_crisis), k, seed)
        for fold in range(k):
            train = CrisisData(
                crisis=[t for i, t in enumerate(data.crisis) if i not in pos_folds[fold]],
                not_crisis=[t for i, t in enumerate(data.not_crisis) if i not in neg_folds[fold]],
                everyday=data.everyday)
            _fresh_pipe(nlp, CANDIDATES[name])
            train_crisis(nlp, train, intents, epochs=settings.epochs,
                         learn_rate=settings.learn_rate, dropout=settings.dropout,
                         batch_size=settings.batch_size, seed=settings.seed)
            pos_scores += _scores(nlp, [data.crisis[i] for i in sorted(pos_folds[fold])])
            neg_scores += _scores(nlp, [data.not_crisis[i] for i in sorted(neg_folds[fold])])
            day_scores.append(_scores(nlp, everyday))
            print(f"{name}: fold {fold + 1}/{k}", file=sys.stderr)
        rows = []
        for t in THRESHOLDS:
            rows.append({
                "threshold": t,
                "recall": round(sum(s >= t for s in pos_scores) / len(pos_scores), 4),
                "false_alarm_hard": round(sum(s >= t for s in neg_scores) / len(neg_scores), 4),
                "false_alarm_everyday": round(
                    sum(s >= t for scores in day_scores for s in scores)
                    / sum(len(scores) for scores in day_scores), 4)})
        results[name] = rows
    return {"folds": k, "seed": seed, "crisis": len(data.crisis),
            "not_crisis": len(data.not_crisis), "everyday": len(everyday), "candidates": results}


def table(report: dict[str, Any]) -> str:
    lines = [f"{report['folds']}-fold CV: {report['crisis']} crisis, {report['not_crisis']} hard "
             f"negatives; everyday: {report['everyday']} held-out intent messages",
             f"{'model':6} {'thr':>5} {'recall':>7} {'FA hard':>8} {'FA everyday':>12}"]
    for name, rows in report["candidates"].items():
        for r in rows:
            lines.append(f"{name:6} {r['threshold']:5.2f} {r['recall']:7.3f} "
                         f"{r['false_alarm_hard']:8.3f} {r['false_alarm_everyday']:12.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.crisis_compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cv", type=int, default=5, help="number of folds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default=",".join(CANDIDATES), help="candidates to compare")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n]
    unknown = [n for n in only if n not in CANDIDATES]
    if unknown or args.cv < 2:
        parser.error(f"unknown candidates {unknown}" if unknown else "--cv needs at least 2")
    report = cross_validate(args.cv, args.seed, only)
    print(table(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
