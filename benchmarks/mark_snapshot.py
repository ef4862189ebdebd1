"""A snapshot of the marks the engine gives, to show that a refactor changes none of them.

Run: .venv/bin/python benchmarks/mark_snapshot.py [--out marks.json] [--compare before.json]
Marks the validation set, every shipped model answer and the import fixtures' model answers,
and prints one line per changed answer (mark, level, points credited) against ``--compare``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marker.engine import Marker, load_marker  # noqa: E402
from marker.validation import load_validation  # noqa: E402


def _row(fb) -> dict:
    d = fb.to_dict()
    return {
        "mark": d["mark"],
        "level": d["level"],
        "summary": d["summary"],
        "points": [[p["id"], p["status"], round(p["strength"], 4)] for p in d["points"]],
        "advisories": sorted(a["code"] for a in d["advisories"]),
        "facts": sorted(f"{f['kind']}:{f['start']}-{f['end']}" for f in d["fact_issues"]),
        "next_steps": d["next_steps"],
    }


def snapshot() -> dict[str, dict]:
    out: dict[str, dict] = {}
    marker = Marker()
    by_q: dict[str, list] = {}
    for a in load_validation():
        by_q.setdefault(a.question, []).append(a)
    for qid, items in sorted(by_q.items()):
        for a, fb in zip(items, marker.mark_many(qid, [a.text for a in items]), strict=True):
            out[f"validation/{qid}/{a.name}"] = _row(fb)
    for qid in sorted(marker.bank.questions):
        answers = marker.bank.answers_for(qid)
        for a, fb in zip(answers, marker.mark_many(qid, [a.text for a in answers]), strict=True):
            out[f"model/{qid}/{a.name}"] = _row(fb)
    imported = load_marker(ROOT / "tests" / "fixtures" / "import" / "questions.yaml")
    for qid in sorted(imported.bank.questions):
        answers = imported.bank.answers_for(qid)
        for a, fb in zip(answers, imported.mark_many(qid, [a.text for a in answers]), strict=True):
            out[f"import/{qid}/{a.name}"] = _row(fb)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path)
    args = ap.parse_args()
    snap = snapshot()
    if args.out:
        args.out.write_text(json.dumps(snap, indent=1, sort_keys=True))
    print(f"{len(snap)} answers marked")
    if args.compare:
        before = json.loads(args.compare.read_text())
        changed = [
            k for k in sorted(set(before) | set(snap)) if before.get(k) != json.loads(json.dumps(snap.get(k)))
        ]
        for k in changed:
            print(f"changed {k}: {before.get(k)} -> {snap.get(k)}")
        print(f"{len(changed)} of {len(snap)} answers changed")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
