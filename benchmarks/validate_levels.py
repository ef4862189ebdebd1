"""How far the marker agrees with examiner-judged levels on the validation set.

Run: .venv/bin/python benchmarks/validate_levels.py [--json]
Prints exact and adjacent level agreement, QWK and MAE per question and overall, the
result by kind of answer, the correlation of mark with length (marker and examiner), the
effect of padding, and how many deliberate date slips were flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marker.agreement import agreement  # noqa: E402
from marker.engine import Marker  # noqa: E402
from marker.validation import load_validation, padded  # noqa: E402


def run(question: str = "*") -> dict:
    marker = Marker()
    answers = load_validation(question=question)
    by_q = defaultdict(list)
    for a in answers:
        by_q[a.question].append(a)
    rows = []
    for qid, items in sorted(by_q.items()):
        results = marker.mark_many(qid, [a.text for a in items])
        pads = marker.mark_many(qid, [padded(a.text) for a in items])
        for a, fb, pad in zip(items, results, pads, strict=True):
            rows.append(
                {
                    "question": qid,
                    "name": a.name,
                    "kind": a.kind,
                    "words": len(a.text.split()),
                    "intended_level": a.intended_level,
                    "intended_mark": a.intended_mark,
                    "level": fb.level or 0,
                    "mark": fb.mark,
                    "padded_mark": pad.mark,
                    "slips_flagged": sum(f.severity == "error" for f in fb.fact_issues),
                    "advisories": [x.code for x in fb.advisories],
                }
            )
    report = {"overall": agreement([r["intended_level"] for r in rows], [r["level"] for r in rows])}
    report["overall_marks"] = agreement([r["intended_mark"] for r in rows], [r["mark"] for r in rows])
    report["per_question"] = {
        q: agreement(
            [r["intended_level"] for r in rows if r["question"] == q],
            [r["level"] for r in rows if r["question"] == q],
        )
        for q in by_q
    }
    kinds = sorted({r["kind"] for r in rows})
    report["by_kind"] = {
        k: {
            "n": sum(r["kind"] == k for r in rows),
            "mean_level_difference": float(
                np.mean([r["level"] - r["intended_level"] for r in rows if r["kind"] == k])
            ),
            "adjacent": float(
                np.mean([abs(r["level"] - r["intended_level"]) <= 1 for r in rows if r["kind"] == k])
            ),
        }
        for k in kinds
    }
    words = np.array([r["words"] for r in rows], dtype=float)
    report["length_correlation"] = {
        "marker": float(np.corrcoef(words, [r["mark"] for r in rows])[0, 1]),
        "examiner": float(np.corrcoef(words, [r["intended_mark"] for r in rows])[0, 1]),
    }
    change = np.array([r["padded_mark"] - r["mark"] for r in rows])
    report["padding"] = {
        "mean_change": float(change.mean()),
        "raised": int((change > 0).sum()),
        "lowered": int((change < 0).sum()),
        "unchanged": int((change == 0).sum()),
    }
    slips = [r for r in rows if r["kind"] == "factual-slip"]
    report["slips_flagged"] = f"{sum(r['slips_flagged'] > 0 for r in slips)}/{len(slips)}"
    report["rows"] = rows
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rows", action="store_true", help="print every answer's result")
    ap.add_argument("--question", default="*", help="one question id (default: all)")
    args = ap.parse_args()
    report = run(args.question)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    fmt = "{:24} n={n:3}  exact {exact:.2f}  adjacent {adjacent:.2f}  QWK {qwk:.2f}  MAE {mae:.2f}"
    print("Level agreement with the examiner's intended level")
    for q, figures in report["per_question"].items():
        print(fmt.format(q, **figures))
    print(fmt.format("ALL", **report["overall"]))
    m = report["overall_marks"]
    print(
        f"Marks (0-25): exact {m['exact']:.2f}, within one mark {m['adjacent']:.2f}, QWK {m['qwk']:.2f}, "
        f"MAE {m['mae']:.2f}, Pearson {m['pearson']:.2f}"
    )
    print("By kind of answer (mean level difference, marker minus examiner; adjacent share):")
    for k, v in report["by_kind"].items():
        print(f"  {k:22} n={v['n']:3}  {v['mean_level_difference']:+.2f}  adjacent {v['adjacent']:.2f}")
    lc = report["length_correlation"]
    print(f"Correlation of mark with length: marker {lc['marker']:.2f}, examiner {lc['examiner']:.2f}")
    p = report["padding"]
    print(
        f"Padding (two filler paragraphs and a repeated paragraph): mean change {p['mean_change']:+.2f}; "
        f"raised {p['raised']}, unchanged {p['unchanged']}, lowered {p['lowered']}"
    )
    print(f"Deliberate date slips flagged: {report['slips_flagged']}")
    if args.rows:
        for r in report["rows"]:
            print(
                f"  {r['question'][:14]:14} {r['name']:26} want L{r['intended_level']} {r['intended_mark']:>2}  "
                f"got L{r['level']} {r['mark']:>2}  pad {r['padded_mark']:>2}  {r['words']:>4}w {r['advisories']}"
            )


if __name__ == "__main__":
    main()
