"""Split the pupil-style answers (tests/pupils/) into a tuning half and a held-out half.

The rule, fixed before any answer was marked by the marker: within each question and intended
level, the answers are ordered by the SHA-256 of their file name and dealt out alternately,
the first to ``heldout/``, the next to ``tuning/``, and so on. It depends only on the file
names, so anyone can check it, and it keeps both halves balanced by question and level.

    python tools/split_pupils.py --from tests/pupils/_all   # deal new answers out (moves files)
    python tools/split_pupils.py --check                     # every file is in the half the rule says
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import yaml

PUPILS = Path(__file__).resolve().parent.parent / "tests" / "pupils"
HALVES = ("heldout", "tuning")


def intended_level(path: Path) -> int:
    """The intended level written in an answer's front matter."""
    front = path.read_text(encoding="utf-8").split("---", 2)[1]
    return int(yaml.safe_load(front)["intended_level"])


def assign(paths: list[Path]) -> dict[Path, str]:
    """The half each answer belongs to: per (question folder, intended level), alternate in hash order."""
    groups: dict[tuple[str, int], list[Path]] = defaultdict(list)
    for p in paths:
        groups[(p.parent.name, intended_level(p))].append(p)
    out = {}
    for members in groups.values():
        ordered = sorted(members, key=lambda p: hashlib.sha256(p.name.encode("utf-8")).hexdigest())
        for i, p in enumerate(ordered):
            out[p] = HALVES[i % 2]
    return out


def check(root: Path = PUPILS) -> list[str]:
    """Files that sit in the wrong half (empty when the split follows the rule)."""
    paths = [p for half in HALVES for p in sorted((root / half).glob("*/*.md"))]
    return [
        f"{p.relative_to(root)} belongs in {half}/"
        for p, half in assign(paths).items()
        if p.parent.parent.name != half
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="source", type=Path, help="a folder of <question>/<answer>.md to deal out")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.source:
        for p, half in assign(sorted(args.source.glob("*/*.md"))).items():
            target = PUPILS / half / p.parent.name / p.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(p), target)
    wrong = check()
    for line in wrong:
        print(line)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
