"""How the fact check does on everyday statements of the knowledge base's dated facts.

Run: .venv/bin/python benchmarks/factcheck_slips.py [--rows]
Marks each statement of tests/fixtures/factcheck/slips.yaml (slips with one wrong date, and
true statements) on its own and prints how many slips were caught (flagged as a wrong date
against the fact they get wrong) and how many true statements were flagged (false flags).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marker.engine import Marker  # noqa: E402
from marker.factcheck import WRONG_DATE  # noqa: E402

SLIPS = ROOT / "tests" / "fixtures" / "factcheck" / "slips.yaml"


def run(path: Path = SLIPS) -> dict:
    """Each statement with what the fact check said of it: ``caught`` (a slip flagged against
    its own fact), ``flagged`` (any wrong date found) and the messages."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    marker = Marker()
    events = {f.id: f.event for f in marker.bank.topic_for(marker.bank.question(data["question"])).facts}
    rows = []
    for kind in ("slips", "correct"):
        items = data[kind]
        feedbacks = marker.mark_many(data["question"], [item["text"] for item in items])
        for item, fb in zip(items, feedbacks, strict=True):
            errors = [f for f in fb.fact_issues if f.kind == WRONG_DATE]
            rows.append(
                {
                    "kind": kind,
                    "fact": item["fact"],
                    "text": item["text"],
                    "flagged": bool(errors),
                    "caught": any(f.correct.startswith(events[item["fact"]]) for f in errors),
                    "messages": [f.message for f in errors],
                }
            )
    slips = [r for r in rows if r["kind"] == "slips"]
    correct = [r for r in rows if r["kind"] == "correct"]
    return {
        "caught": f"{sum(r['caught'] for r in slips)}/{len(slips)}",
        "false_flags": f"{sum(r['flagged'] for r in correct)}/{len(correct)}",
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", action="store_true", help="print every statement's result")
    args = ap.parse_args()
    report = run()
    print(f"Slips caught: {report['caught']}; false flags on correct statements: {report['false_flags']}")
    for r in report["rows"]:
        wrong = (r["kind"] == "slips") != r["caught"] or (r["kind"] == "correct" and r["flagged"])
        if args.rows or wrong:
            mark = "MISSED" if r["kind"] == "slips" and not r["caught"] else "FALSE FLAG" if wrong else "ok"
            print(f"  {mark:10} {r['fact']:32} {r['text']}")
            for m in r["messages"]:
                print(f"  {'':10}   -> {m}")


if __name__ == "__main__":
    main()
