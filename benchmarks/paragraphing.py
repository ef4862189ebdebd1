"""Does the marker give the same words the same level however they are paragraphed?

Run: .venv/bin/python benchmarks/paragraphing.py [--heldout]

Marks every essay marked by levels in the validation set (tests/validation) and the pupils'
tuning half (tests/pupils/tuning; with ``--heldout`` the held-out half too, measured, never tuned
on) as written and rewritten three ways with the same words: one unparagraphed block, a new
paragraph every two sentences, every four. Prints, per set, exact level agreement with the
intended level for each form and how many essays move a level (and how many of those move up).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marker.engine import Marker, load_marker  # noqa: E402
from marker.validation import load_validation  # noqa: E402

PUPILS = ROOT / "tests" / "pupils"
GCSE_QUESTIONS = ROOT / "tests" / "fixtures" / "import" / "markscheme.yaml"


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", " ".join(text.split()))


def _every(n: int):
    def rewrite(text: str) -> str:
        s = _sentences(text)
        return "\n\n".join(" ".join(s[i : i + n]) for i in range(0, len(s), n))

    return rewrite


FORMS = {"one block": lambda text: " ".join(_sentences(text)), "every 2": _every(2), "every 4": _every(4)}


def measure(name: str, answers, markers) -> str:
    exact = {"as written": 0, **{f: 0 for f in FORMS}}
    moved = {f: [0, 0] for f in FORMS}
    n = 0
    for a in answers:
        m = next(m for m in markers if a.question in m.bank.questions)
        if not m.bank.questions[a.question].marking.levels:
            continue
        n += 1
        level = m.mark(a.question, a.text).level
        exact["as written"] += level == a.intended_level
        for form, rewrite in FORMS.items():
            other = m.mark(a.question, rewrite(a.text)).level
            exact[form] += other == a.intended_level
            moved[form][0] += other != level
            moved[form][1] += other > level
    head = f"{name}: {n} essays; exact level " + ", ".join(f"{k} {v / n:.3f}" for k, v in exact.items())
    return head + "; moved a level " + ", ".join(f"{f} {a} ({u} up)" for f, (a, u) in moved.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--heldout", action="store_true", help="also the pupils' held-out half")
    args = parser.parse_args()
    markers = (Marker(), load_marker(GCSE_QUESTIONS))
    sets = [("validation", load_validation()), ("pupils tuning", load_validation(PUPILS / "tuning"))]
    if args.heldout:
        sets.append(("pupils held-out", load_validation(PUPILS / "heldout")))
    for name, answers in sets:
        print(measure(name, answers, markers), flush=True)


if __name__ == "__main__":
    main()
