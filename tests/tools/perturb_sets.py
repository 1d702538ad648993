"""Write a perturbed copy of the frozen fresh sets, meaning kept, to measure robustness.

    python tests/tools/perturb_sets.py typo /tmp/typo.yaml [SEED]
    python3 ../shared/eval/run_eval.py --url http://127.0.0.1:5005 --cases /tmp/typo.yaml

KIND: typo (one slip in one word of five letters or more: a swap, a dropped or a doubled letter),
chat (common chat shorthand: "u", "ur", "da", "2" for "to" ...), filler (an opener such as "hey
coach, " or a closer such as " lol") or flat (lower case, no punctuation or apostrophes). Each case
keeps its id, prefixed with its set ("v12:fc007"), so a run can be compared case by case with a
run of the unperturbed sets: a case that passes as written and fails perturbed is brittleness.
Not a test: a measurement for the notes (its figures are in the closing notes of issue 10).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

FRESH = Path(__file__).resolve().parent.parent / "data" / "fresh"
CHAT = [(r"\byou\b", "u"), (r"\bare\b", "r"), (r"\byour\b", "ur"), (r"\bbecause\b", "cuz"),
        (r"\bthough\b", "tho"), (r"\bplease\b", "pls"), (r"\bwhat\b", "wat"), (r"\bwith\b", "w"),
        (r"\bsomething\b", "smth"), (r"\bprobably\b", "prob"), (r"\bdon't\b", "dont"),
        (r"\bI'm\b", "im"), (r"\bcan't\b", "cant"), (r"\bthe\b", "da"), (r"\bto\b", "2"),
        (r"\bfor\b", "4"), (r"\bbetween\b", "btwn"), (r"\bminutes\b", "mins"),
        (r"\breally\b", "rly"), (r"\bpeople\b", "ppl")]
OPENERS = ["hey coach, ", "ok so ", "quick question: ", "hi! ", "so um ", "question for you - ",
           "yo ", "sorry if dumb q but "]
CLOSERS = [" thanks", " lol", " pls", "??", " thx!", " 🙏", " cheers", " ty"]


def perturber(kind: str, rnd: random.Random) -> Callable[[str], str]:
    """The function that perturbs one message."""
    def typo(text: str) -> str:
        words = text.split(" ")
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long:
            return text
        i = rnd.choice(long)
        w, j = words[i], rnd.randrange(1, len(words[i]) - 1)
        words[i] = rnd.choice([w[:j] + w[j + 1] + w[j] + w[j + 2:], w[:j] + w[j + 1:],
                               w[:j] + w[j] + w[j:]])
        return " ".join(words)

    def chat(text: str) -> str:
        for pattern, short in CHAT:
            if re.search(pattern, text, re.I) and rnd.random() < 0.7:
                text = re.sub(pattern, short, text, flags=re.I)
        return text

    def filler(text: str) -> str:
        if rnd.random() < 0.5:
            return rnd.choice(OPENERS) + text[0].lower() + text[1:]
        return text.rstrip() + rnd.choice(CLOSERS)

    def flat(text: str) -> str:
        return re.sub(r"[?.!,;:'’]", "", text.lower())

    return {"typo": typo, "chat": chat, "filler": filler, "flat": flat}[kind]


def main(kind: str, out: str, seed: int = 7) -> int:
    change = perturber(kind, random.Random(seed))
    cases = []
    for path in sorted(FRESH.glob("user_cases*.yaml")) + sorted(FRESH.glob("crisis_cases_v*.yaml")):
        tag = path.stem.replace("user_cases", "").replace("crisis_cases_", "c").lstrip("_") or "v1"
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            case = {**case, "id": f"{tag}:{case['id']}", "turns": [
                {**t, "user": change(t["user"])} if len(str(t.get("user", "")).split()) > 1 else t
                for t in case["turns"]]}
            cases.append(case)
    Path(out).write_text(yaml.safe_dump(cases, sort_keys=False, allow_unicode=True, width=1000),
                         encoding="utf-8")
    print(f"{len(cases)} cases -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 7))
