"""Compare intent-classifier settings on the same pipeline (issue #10).

Every candidate replaces only the `textcat` entry's model settings (and, when asked, the fallback
thresholds) of config.yml's pipeline, and a candidate named in TRAINING also its training settings
(epochs, dropout, learn rate); the rest of the pipeline and the training data stay as they are.
For each candidate: held-out intent accuracy and macro F1, expected calibration error of the top
intent before the fallback, the share of held-out messages that fall back (and that get a wrong
real intent), parse time per message (the whole pipeline, in-process, after a warm-up), training
time, and on the unlabelled fresh user messages the share that fall back and the mean top-intent
confidence.

    COACH_DATA_DIR=/tmp/x python -m bot.nlu.compare --out .coach/reports/classifier_comparison.json
    python -m bot.nlu.compare --only bow1,bow2 --seeds 7,8
    python -m bot.nlu.compare --only bow2 --tune     # fallback thresholds on a validation split
    python -m bot.nlu.compare --only bow1,bow2 --cv 5  # grouped 5-fold CV on the training data

Threshold tuning (`--tune`) never looks at the held-out file: it carves a validation split out of
the training data (near-duplicate groups kept on one side), trains on the rest, and picks the
thresholds with the lowest cost, a wrong real intent costing WRONG_COST fallbacks.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bot.core.config import ROOT, CoachConfig, load_config
from bot.nlu import model as nlu_model
from bot.nlu.data import NluData, load_nlu
from bot.nlu.evaluate import evaluate, expected_calibration_error, top_intent
from bot.nlu.fallback import FALLBACK_INTENT
from bot.nlu.interpreter import Interpreter

HELD_OUT = ROOT / "tests" / "data" / "nlu_test.yml"
FRESH = ROOT / "tests" / "data" / "fresh" / "user_cases.yaml"
FALLBACK = "coach_intent_fallback"

_BOW = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
        "no_output_layer": False, "length": 32768}


def _tok2vec(width: int = 64, depth: int = 2) -> dict[str, Any]:
    """A small tok2vec with sub-word features (no pretrained vectors)."""
    return {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": width,
                  "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "rows": [5000, 1000, 2500, 2500],
                  "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": width, "depth": depth,
                   "window_size": 1, "maxout_pieces": 3},
    }


# name -> the textcat `model` settings
CANDIDATES: dict[str, dict[str, Any]] = {
    "bow1": {**_BOW, "ngram_size": 1},
    "bow2": {**_BOW, "ngram_size": 2},
    "bow3": {**_BOW, "ngram_size": 3},
    "ensemble": {"@architectures": "spacy.TextCatEnsemble.v2", "nO": None,
                 "linear_model": {**_BOW, "ngram_size": 2},
                 "tok2vec": _tok2vec()},
    "reduce": {"@architectures": "spacy.TextCatReduce.v1", "exclusive_classes": True,
               "use_reduce_first": False, "use_reduce_last": False, "use_reduce_max": True,
               "use_reduce_mean": True, "nO": None, "tok2vec": _tok2vec()},
    # variants
    "bow2_wide": {**_BOW, "ngram_size": 2, "length": 262144},
    "ensemble_bow1": {"@architectures": "spacy.TextCatEnsemble.v2", "nO": None,
                      "linear_model": {**_BOW, "ngram_size": 1}, "tok2vec": _tok2vec()},
    "cnn": {"@architectures": "spacy.TextCatCNN.v2", "exclusive_classes": True, "nO": None,
            "tok2vec": _tok2vec()},
    "attention": {"@architectures": "spacy.TextCatParametricAttention.v1",
                  "exclusive_classes": True, "nO": None, "tok2vec": _tok2vec()},
    # a lighter tok2vec (width 32, one layer) beside the bigram bag of words, for parse time
    "ensemble_small": {"@architectures": "spacy.TextCatEnsemble.v2", "nO": None,
                       "linear_model": {**_BOW, "ngram_size": 2},
                       "tok2vec": _tok2vec(width=32, depth=1)},
    "bow2_64k": {**_BOW, "ngram_size": 2, "length": 65536},
    # the same models under other training settings (TRAINING below)
    "bow1_e50": {**_BOW, "ngram_size": 1},
    "bow2_e50": {**_BOW, "ngram_size": 2},
    "bow2_e50_d2": {**_BOW, "ngram_size": 2},
    "bow2_e20": {**_BOW, "ngram_size": 2},
    "bow2_lr1": {**_BOW, "ngram_size": 2},
    "bow1_e80": {**_BOW, "ngram_size": 1},
    "bow2_e80": {**_BOW, "ngram_size": 2},
    # the entity labels found appended as tokens ("_exercise_"): bot.nlu.normalizer.LemmaView
    "bow1_concepts": {**_BOW, "ngram_size": 1},
    "bow2_concepts": {**_BOW, "ngram_size": 2},
    # ... and without them, whatever config.yml says
    "bow1_plain": {**_BOW, "ngram_size": 1},
    # ... and on Snowball stems instead of lemmas ("strengthening" ~ "strength")
    "bow1_concepts_stems": {**_BOW, "ngram_size": 1},
    "bow2_plain": {**_BOW, "ngram_size": 2},
    # ... plus character trigrams of the longer words (sub-word features in the bag of words)
    "bow1_concepts_subwords": {**_BOW, "ngram_size": 1},
    "bow1_concepts_subwords_64k": {**_BOW, "ngram_size": 1, "length": 65536},
}
# name -> training settings that replace config.yml's nlu.training for that candidate
TRAINING: dict[str, dict[str, Any]] = {
    "bow1_e50": {"epochs": 50},
    "bow2_e50": {"epochs": 50},
    "bow2_e50_d2": {"epochs": 50, "dropout": 0.2},  # the bag of words has no dropout: as bow2_e50
    "bow2_e20": {"epochs": 20},
    "bow2_lr1": {"epochs": 50, "learn_rate": 0.001},
    "bow1_e80": {"epochs": 80},
    "bow2_e80": {"epochs": 80},
}
# name -> settings of other pipeline components for that candidate
PIPELINE: dict[str, dict[str, dict[str, Any]]] = {
    "bow1_concepts": {"coach_lemma_view": {"concepts": True}},
    "bow2_concepts": {"coach_lemma_view": {"concepts": True}},
    "bow1_plain": {"coach_lemma_view": {"concepts": False}},
    "bow1_concepts_stems": {"coach_lemma_view": {"concepts": True, "stems": True}},
    "bow2_plain": {"coach_lemma_view": {"concepts": False}},
    "bow1_concepts_subwords": {"coach_lemma_view": {"concepts": True, "subwords": True}},
    "bow1_concepts_subwords_64k": {"coach_lemma_view": {"concepts": True, "subwords": True}},
}
DEFAULT = ["bow1", "bow2", "bow3", "ensemble", "reduce"]
WRONG_COST = 2.0  # a confident wrong answer costs as much as this many fallbacks


# ---------------------------------------------------------------- configuration

def with_classifier(config: CoachConfig, model: dict[str, Any] | None = None,
                    threshold: float | None = None, ambiguity: float | None = None,
                    seed: int | None = None, training: dict[str, Any] | None = None,
                    pipeline: dict[str, dict[str, Any]] | None = None) -> CoachConfig:
    """A copy of the config whose textcat model (and fallback thresholds, seed, training
    settings, other components' settings) are replaced."""
    new = config.model_copy(deep=True)
    for component in new.nlu.pipeline:
        extra = component.model_extra if component.model_extra is not None else {}
        extra.update(copy.deepcopy((pipeline or {}).get(component.name, {})))
        if component.name == nlu_model.CLASSIFIER and model is not None:
            extra["model"] = copy.deepcopy(model)
        if component.name == FALLBACK:
            if threshold is not None:
                extra["threshold"] = threshold
            if ambiguity is not None:
                extra["ambiguity_threshold"] = ambiguity
    for key, value in (training or {}).items():
        setattr(new.nlu.training, key, value)
    if seed is not None:
        new.nlu.training.seed = seed
    return new


def fallback_settings(config: CoachConfig) -> tuple[float, float]:
    for component in config.nlu.pipeline:
        if component.name == FALLBACK:
            s = component.settings()
            return float(s.get("threshold", 0.4)), float(s.get("ambiguity_threshold", 0.08))
    raise ValueError(f"config has no {FALLBACK} component")


def fresh_messages(path: Path = FRESH) -> list[str]:
    """Every user turn of a run_eval case file (no intent labels there)."""
    cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [str(t["user"]) for c in cases for t in c.get("turns", []) if "user" in t]


# ---------------------------------------------------------------- measuring

def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(len(ordered) - 1, int(k) + 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def parse_times_ms(interpreter: Interpreter, texts: list[str], repeats: int = 3) -> list[float]:
    """Per-message parse time in ms: warm-up pass, then `repeats` timed passes, the fastest kept
    per message (the machine is shared; the minimum is the least noisy estimate)."""
    for text in texts[:100]:
        interpreter.parse(text)
    best = [float("inf")] * len(texts)
    for _ in range(repeats):
        for i, text in enumerate(texts):
            t0 = time.perf_counter_ns()
            interpreter.parse(text)
            best[i] = min(best[i], (time.perf_counter_ns() - t0) / 1e6)
    return best


def fresh_stats(interpreter: Interpreter, texts: list[str]) -> dict[str, float]:
    """What can be said without labels: fallback share and the top intent's mean confidence."""
    tops, falls = [], 0
    for text in texts:
        parse = interpreter.parse(text)
        tops.append(top_intent(parse)[1])
        falls += parse.intent.name == FALLBACK_INTENT
    return {"fresh_messages": len(texts), "fresh_fallback_share": round(falls / max(1, len(texts)), 4),
            "fresh_mean_confidence": round(statistics.fmean(tops) if tops else 0.0, 4)}


def measure(name: str, config: CoachConfig, train_data: NluData, held_out: NluData,
            fresh: list[str], timing_repeats: int = 3) -> dict[str, Any]:
    """Train one candidate and measure it."""
    t0 = time.perf_counter()
    nlp = nlu_model.train(config, data=train_data)
    train_s = time.perf_counter() - t0
    interpreter = Interpreter(nlp, config.nlu.max_chars)
    report, _ = evaluate(interpreter, held_out)
    times = parse_times_ms(interpreter, [e.text for e in held_out.examples] + fresh, timing_repeats)
    threshold, ambiguity = fallback_settings(config)
    return {
        "name": name, "seed": config.nlu.training.seed,
        "threshold": threshold, "ambiguity_threshold": ambiguity,
        "accuracy": report.intent_accuracy, "macro_f1": report.intent_macro_f1,
        "ece": report.intent_ece, "fallback_share": report.fallback_rate,
        "wrong_share": report.wrong_rate, "entity_f1": report.entity.f1,
        "parse_p50_ms": round(_percentile(times, 0.5), 3),
        "parse_p99_ms": round(_percentile(times, 0.99), 3),
        "train_s": round(train_s, 1),
        **fresh_stats(interpreter, fresh),
        "confusions": report.confusions[:8],
        "errors": [{k: e[k] for k in ("text", "intent", "predicted", "confidence")}
                   for e in report.errors if e["predicted"] != e["intent"]],
    }


def _mean_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One row per candidate: the mean over seeds (ranges kept for accuracy and ECE)."""
    if len(rows) == 1:
        return rows[0]
    out = dict(rows[0])
    for key, value in rows[0].items():
        if isinstance(value, float) and key not in ("threshold", "ambiguity_threshold"):
            out[key] = round(statistics.fmean(r[key] for r in rows), 4)
    out["seed"] = [r["seed"] for r in rows]
    out["accuracy_range"] = [min(r["accuracy"] for r in rows), max(r["accuracy"] for r in rows)]
    out["ece_range"] = [min(r["ece"] for r in rows), max(r["ece"] for r in rows)]
    out["confusions"] = rows[0]["confusions"]
    out["errors"] = rows[0]["errors"]
    return out


# ---------------------------------------------------------------- threshold tuning

def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def near_duplicate_groups(data: NluData, similar: float = 90.0) -> list[list[int]]:
    """Indices of the examples, grouped so that sentences >= `similar` percent alike (rapidfuzz
    ratio on normalised text, transitively) share a group."""
    from rapidfuzz import fuzz, process

    texts = [_normalise(e.text) for e in data.examples]
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    matrix = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=similar, workers=-1)
    for i, j in zip(*matrix.nonzero(), strict=True):
        if i < j:
            parent[find(int(i))] = find(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _subset(data: NluData, keep: set[int]) -> NluData:
    return NluData(examples=[e for i, e in enumerate(data.examples) if i in keep],
                   synonyms=data.synonyms, lookups=data.lookups)


def validation_split(data: NluData, share: float = 0.2, seed: int = 7,
                     similar: float = 90.0) -> tuple[NluData, NluData]:
    """(train, validation) from the training data, stratified by intent; sentences >= `similar`
    percent alike (rapidfuzz ratio, normalised) stay on one side, as the held-out file requires."""
    rng = random.Random(seed)
    by_intent: dict[str, list[list[int]]] = {}
    for members in near_duplicate_groups(data, similar):
        by_intent.setdefault(data.examples[members[0]].intent, []).append(members)
    valid: set[int] = set()
    for intent in sorted(by_intent):
        clusters = by_intent[intent]
        rng.shuffle(clusters)
        target = share * sum(len(c) for c in clusters)
        taken = 0
        for members in clusters:
            if taken >= target:
                break
            valid.update(members)
            taken += len(members)
    rest = set(range(len(data.examples))) - valid
    return _subset(data, rest), _subset(data, valid)


def grouped_folds(data: NluData, k: int = 5, seed: int = 7, similar: float = 90.0) -> list[set[int]]:
    """k disjoint folds covering the data, stratified by intent, near-duplicate groups kept whole
    (each group goes to the fold that has the fewest examples of its intent so far)."""
    rng = random.Random(seed)
    by_intent: dict[str, list[list[int]]] = {}
    for members in near_duplicate_groups(data, similar):
        by_intent.setdefault(data.examples[members[0]].intent, []).append(members)
    folds: list[set[int]] = [set() for _ in range(k)]
    for intent in sorted(by_intent):
        clusters = by_intent[intent]
        rng.shuffle(clusters)
        counts = [0] * k
        for members in sorted(clusters, key=len, reverse=True):
            f = min(range(k), key=lambda i: (counts[i], i))
            folds[f].update(members)
            counts[f] += len(members)
    return folds


def cross_validate(config: CoachConfig, data: NluData, k: int = 5, seed: int = 7) -> dict[str, Any]:
    """Grouped k-fold cross-validation on the training data: each fold is parsed by a model
    trained on the others; scores pooled over all examples (no held-out file involved)."""
    right = falls = wrong = 0
    confs: list[float] = []
    oks: list[bool] = []
    per_fold = []
    for fold in grouped_folds(data, k, seed):
        train = _subset(data, set(range(len(data.examples))) - fold)
        validation = _subset(data, fold)
        interpreter = Interpreter(nlu_model.train(config, data=train), config.nlu.max_chars)
        fold_right = 0
        for ex in validation.examples:
            parse = interpreter.parse(ex.text)
            name = parse.intent.name
            top, conf = top_intent(parse)
            confs.append(conf)
            oks.append(top == ex.intent)
            if name == FALLBACK_INTENT:
                falls += 1
            elif name == ex.intent:
                right += 1
                fold_right += 1
            else:
                wrong += 1
        per_fold.append(round(fold_right / max(1, len(validation.examples)), 4))
    n = max(1, len(confs))
    return {"folds": k, "examples": len(confs), "accuracy": round(right / n, 4),
            "top1_accuracy": round(sum(oks) / n, 4), "fallback_share": round(falls / n, 4),
            "wrong_share": round(wrong / n, 4), "ece": round(expected_calibration_error(confs, oks), 4),
            "cost": round((WRONG_COST * wrong + falls) / n, 4), "fold_accuracy": per_fold}


THRESHOLDS = [round(0.20 + 0.05 * i, 2) for i in range(11)]  # 0.20 .. 0.70
GAPS = [0.0, 0.05, 0.10, 0.15, 0.20]


def tune_thresholds(config: CoachConfig, data: NluData, seed: int = 7) -> dict[str, Any]:
    """Fallback thresholds chosen on a validation split of the training data (lowest cost: a wrong
    real intent costs WRONG_COST, a fallback 1; ties go to the lower thresholds)."""
    train, validation = validation_split(data, seed=seed)
    nlp = nlu_model.train(config, data=train)
    interpreter = Interpreter(nlp, config.nlu.max_chars)
    fallback: Any = nlp.get_pipe(FALLBACK)
    grid = []
    for threshold in THRESHOLDS:
        for gap in GAPS:
            fallback.threshold, fallback.ambiguity_threshold = threshold, gap
            right = falls = wrong = 0
            confs, oks = [], []
            for ex in validation.examples:
                parse = interpreter.parse(ex.text)
                name = parse.intent.name
                if name == FALLBACK_INTENT:
                    falls += 1
                elif name == ex.intent:
                    right += 1
                else:
                    wrong += 1
                top, conf = top_intent(parse)
                confs.append(conf)
                oks.append(top == ex.intent)
            n = len(validation.examples)
            grid.append({"threshold": threshold, "ambiguity_threshold": gap,
                         "accuracy": round(right / n, 4), "fallback_share": round(falls / n, 4),
                         "wrong_share": round(wrong / n, 4),
                         "cost": round((WRONG_COST * wrong + falls) / n, 4),
                         "ece": round(expected_calibration_error(confs, oks), 4)})
    best = min(grid, key=lambda r: (r["cost"], r["threshold"], r["ambiguity_threshold"]))
    current = fallback_settings(config)
    at_current = next((r for r in grid if (r["threshold"], r["ambiguity_threshold"]) == current),
                      None)
    return {"train_examples": len(train.examples), "validation_examples": len(validation.examples),
            "wrong_cost": WRONG_COST, "best": best, "current": at_current, "grid": grid}


# ---------------------------------------------------------------- output

COLUMNS = [("name", "{:<14}"), ("accuracy", "{:>6.3f}"), ("macro_f1", "{:>6.3f}"),
           ("ece", "{:>6.3f}"), ("fallback_share", "{:>6.3f}"), ("wrong_share", "{:>6.3f}"),
           ("parse_p50_ms", "{:>6.2f}"), ("parse_p99_ms", "{:>6.2f}"), ("train_s", "{:>7.1f}"),
           ("fresh_fallback_share", "{:>6.3f}"), ("fresh_mean_confidence", "{:>6.3f}")]
HEADERS = ["config", "acc", "mF1", "ECE", "fallbk", "wrong", "p50ms", "p99ms", "train_s",
           "fr_fb", "fr_conf"]


def table(rows: list[dict[str, Any]]) -> str:
    widths = [len(fmt.format(0 if key != "name" else "")) for key, fmt in COLUMNS]
    pairs = enumerate(zip(HEADERS, widths, strict=True))
    lines = [" ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in pairs)]
    for row in rows:
        lines.append(" ".join(fmt.format(row[key]) for key, fmt in COLUMNS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--only", default=",".join(DEFAULT),
                        help=f"comma-separated candidates of {', '.join(CANDIDATES)}")
    parser.add_argument("--seeds", default="", help="comma-separated seeds (default: config's)")
    parser.add_argument("--threshold", type=float, default=None, help="fallback threshold override")
    parser.add_argument("--ambiguity", type=float, default=None, help="ambiguity gap override")
    parser.add_argument("--held-out", type=Path, default=HELD_OUT)
    parser.add_argument("--fresh", type=Path, default=FRESH)
    parser.add_argument("--tune", action="store_true",
                        help="also choose fallback thresholds on a validation split of the training data")
    parser.add_argument("--cv", type=int, default=0,
                        help="also run grouped k-fold cross-validation on the training data")
    parser.add_argument("--timing-repeats", type=int, default=3)
    args = parser.parse_args(argv)

    base = load_config()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidates {unknown}; known: {list(CANDIDATES)}")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()] or [base.nlu.training.seed]
    train_data = load_nlu(*nlu_model.NLU_FILES)
    held_out = load_nlu(args.held_out)
    fresh = fresh_messages(args.fresh)
    print(f"training examples {len(train_data.examples)}, held-out {len(held_out.examples)}, "
          f"fresh messages {len(fresh)}, seeds {seeds}", file=sys.stderr)

    results: dict[str, Any] = {"held_out": str(args.held_out), "fresh": str(args.fresh),
                               "seeds": seeds, "rows": [], "runs": [], "tuning": {}, "cv": {}}
    for name in names:
        runs = []
        for seed in seeds:
            config = with_classifier(base, CANDIDATES[name], args.threshold, args.ambiguity, seed,
                                     TRAINING.get(name), PIPELINE.get(name))
            print(f"  {name} seed {seed} ...", file=sys.stderr, flush=True)
            runs.append(measure(name, config, train_data, held_out, fresh, args.timing_repeats))
        results["runs"] += runs
        results["rows"].append(_mean_rows(runs))
        if args.cv:
            config = with_classifier(base, CANDIDATES[name], args.threshold, args.ambiguity, seeds[0],
                                     TRAINING.get(name), PIPELINE.get(name))
            print(f"  {name} {args.cv}-fold cross-validation ...", file=sys.stderr, flush=True)
            results["cv"][name] = cross_validate(config, train_data, args.cv, seeds[0])
        if args.tune:
            config = with_classifier(base, CANDIDATES[name], args.threshold, args.ambiguity, seeds[0],
                                     TRAINING.get(name), PIPELINE.get(name))
            print(f"  {name} tuning thresholds ...", file=sys.stderr, flush=True)
            results["tuning"][name] = tune_thresholds(config, train_data, seeds[0])
    print(table(results["rows"]))
    for name, cv in results["cv"].items():
        print(f"{name}: {cv['folds']}-fold grouped CV on the training data: acc {cv['accuracy']} "
              f"(top-1 {cv['top1_accuracy']}), ECE {cv['ece']}, fallback {cv['fallback_share']}, "
              f"wrong {cv['wrong_share']}, cost {cv['cost']}")
    for name, tuned in results["tuning"].items():
        b, c = tuned["best"], tuned["current"]
        print(f"{name}: validation split {tuned['validation_examples']} of "
              f"{tuned['train_examples'] + tuned['validation_examples']}; best thresholds "
              f"{b['threshold']}/{b['ambiguity_threshold']} cost {b['cost']} "
              f"(acc {b['accuracy']}, fallback {b['fallback_share']}, wrong {b['wrong_share']})"
              + (f"; current {c['threshold']}/{c['ambiguity_threshold']} cost {c['cost']} "
                 f"(acc {c['accuracy']}, fallback {c['fallback_share']}, wrong {c['wrong_share']})"
                 if c else ""))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
