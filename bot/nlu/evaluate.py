"""Evaluate the NLU on a held-out file: intent accuracy, macro F1, calibration (ECE), fallback
share, per-intent and entity scores."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot.nlu.data import NluData
from bot.nlu.fallback import FALLBACK_INTENT
from bot.nlu.interpreter import Interpreter


class Scores(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int


class NluReport(BaseModel):
    """What `coach test nlu` prints and writes as JSON."""

    examples: int
    intent_accuracy: float
    intent_macro_f1: float
    intents: dict[str, Scores]
    entity: Scores
    entities: dict[str, Scores]
    confusions: list[tuple[str, str, int]]
    errors: list[dict[str, Any]]
    # calibration of the classifier's own top intent (before the fallback turns it into
    # nlu_fallback): expected calibration error over ECE_BINS equal-width confidence bins
    intent_ece: float = 0.0
    fallback_rate: float = 0.0  # share of examples whose intent became nlu_fallback
    wrong_rate: float = 0.0     # share answered with a wrong real intent (a confident mistake)


ECE_BINS = 10


def expected_calibration_error(confidences: list[float], correct: list[bool],
                               bins: int = ECE_BINS) -> float:
    """Sum over equal-width confidence bins of |accuracy - mean confidence| weighted by the bin's
    share of the examples (a confidence of exactly 1.0 falls in the last bin)."""
    if not confidences:
        return 0.0
    totals = [[0, 0.0, 0] for _ in range(bins)]  # count, confidence sum, correct count
    for conf, ok in zip(confidences, correct, strict=True):
        b = totals[min(bins - 1, max(0, int(conf * bins)))]
        b[0] += 1
        b[1] += conf
        b[2] += int(ok)
    n = len(confidences)
    return sum(abs(c / k - s / k) * k / n for k, s, c in totals if k)


def top_intent(parse: Any) -> tuple[str, float]:
    """The classifier's top intent and its confidence, before the fallback threshold."""
    if parse.intent_ranking:
        return parse.intent_ranking[0].name, parse.intent_ranking[0].confidence
    return parse.intent.name, parse.intent.confidence


def _scores(tp: int, fp: int, fn: int) -> Scores:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(precision=round(p, 4), recall=round(r, 4), f1=round(f, 4), support=tp + fn)


def evaluate(interpreter: Interpreter, data: NluData) -> tuple[NluReport, list[tuple[str, str]]]:
    """Score intents (a fallback counts as wrong) and entities; also (gold, predicted) pairs."""
    gold_intents, pred_intents = [], []
    ent_counts: dict[str, list[int]] = {}
    errors = []
    top_confidences: list[float] = []
    top_correct: list[bool] = []
    for ex in data.examples:
        parse = interpreter.parse(ex.text)
        top_name, top_conf = top_intent(parse)
        top_confidences.append(top_conf)
        top_correct.append(top_name == ex.intent)
        # the classifier's own top intent: a fallback is scored as a miss of the gold intent
        predicted = parse.intent.name
        gold_intents.append(ex.intent)
        pred_intents.append(predicted)
        gold = Counter((e.entity, e.value) for e in ex.entities)
        pred = Counter((e.entity, e.value) for e in parse.entities)
        for label in {k[0] for k in gold} | {k[0] for k in pred}:
            g = Counter({k: v for k, v in gold.items() if k[0] == label})
            p = Counter({k: v for k, v in pred.items() if k[0] == label})
            tp = sum((g & p).values())
            c = ent_counts.setdefault(label, [0, 0, 0])
            c[0] += tp
            c[1] += sum(p.values()) - tp
            c[2] += sum(g.values()) - tp
        if predicted != ex.intent or gold != pred:
            errors.append({"text": ex.text, "intent": ex.intent, "predicted": predicted,
                           "confidence": round(parse.intent.confidence, 3),
                           "entities": sorted(gold.elements()),
                           "predicted_entities": sorted(pred.elements())})
    labels = sorted(set(gold_intents))
    per_intent = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold_intents, pred_intents, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold_intents, pred_intents, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold_intents, pred_intents, strict=True) if g == label and p != label)
        per_intent[label] = _scores(tp, fp, fn)
    pairs = list(zip(gold_intents, pred_intents, strict=True))
    accuracy = sum(g == p for g, p in pairs) / max(1, len(gold_intents))
    macro = sum(s.f1 for s in per_intent.values()) / max(1, len(per_intent))
    # the overall entity score counts the labels the file annotates somewhere: a label it never
    # annotates (a newer one, such as `subject`) can only add false positives there, so it is
    # reported on its own line in `entities` but left out of the total
    annotated = {e.entity for ex in data.examples for e in ex.entities}
    totals = [sum(c[i] for label, c in ent_counts.items() if label in annotated) for i in range(3)]
    confusions = Counter((g, p) for g, p in zip(gold_intents, pred_intents, strict=True) if g != p)
    n = max(1, len(gold_intents))
    fallbacks = sum(p == FALLBACK_INTENT for p in pred_intents)
    wrong = sum(g != p and p != FALLBACK_INTENT for g, p in pairs)
    report = NluReport(
        examples=len(gold_intents), intent_accuracy=round(accuracy, 4),
        intent_macro_f1=round(macro, 4), intents=per_intent, entity=_scores(*totals),
        entities={k: _scores(*v) for k, v in sorted(ent_counts.items())},
        confusions=[(g, p, k) for (g, p), k in confusions.most_common(15)], errors=errors,
        intent_ece=round(expected_calibration_error(top_confidences, top_correct), 4),
        fallback_rate=round(fallbacks / n, 4), wrong_rate=round(wrong / n, 4))
    return report, list(zip(gold_intents, pred_intents, strict=True))


def write_report(report: NluReport, out_dir: Path, labels: list[str],
                 pairs: list[tuple[str, str]]) -> tuple[Path, Path]:
    """Write report.json and a confusion-matrix PNG; returns both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "nlu_report.json"
    json_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    names = labels + ([FALLBACK_INTENT] if FALLBACK_INTENT not in labels else [])
    index = {n: i for i, n in enumerate(names)}
    matrix = [[0] * len(names) for _ in names]
    for gold, pred in pairs:
        matrix[index[gold]][index.get(pred, index[FALLBACK_INTENT])] += 1
    fig, ax = plt.subplots(figsize=(14, 12))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"Intent confusion (accuracy {report.intent_accuracy:.3f})")
    for i, row in enumerate(matrix):
        for j, n in enumerate(row):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=6,
                        color="white" if i == j else "black")
    fig.tight_layout()
    png_path = out_dir / "confusion_matrix.png"
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return json_path, png_path


def summary_lines(report: NluReport) -> list[str]:
    """The report as printable lines."""
    lines = [f"examples: {report.examples}",
             f"intent accuracy: {report.intent_accuracy:.4f}   macro F1: {report.intent_macro_f1:.4f}",
             f"calibration ECE: {report.intent_ece:.4f}   fallback: {report.fallback_rate:.4f}   "
             f"wrong intent: {report.wrong_rate:.4f}",
             f"entities: P {report.entity.precision:.4f}  R {report.entity.recall:.4f}  "
             f"F1 {report.entity.f1:.4f}", "", f"{'intent':32s} {'P':>6s} {'R':>6s} {'F1':>6s} {'n':>4s}"]
    for name, s in report.intents.items():
        lines.append(f"{name:32s} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:4d}")
    lines += ["", f"{'entity':32s} {'P':>6s} {'R':>6s} {'F1':>6s} {'n':>4s}"]
    for name, s in report.entities.items():
        lines.append(f"{name:32s} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:4d}")
    if report.confusions:
        lines += ["", "top confusions (gold -> predicted: count):"]
        lines += [f"  {g} -> {p}: {n}" for g, p, n in report.confusions]
    return lines
