"""SemEval-2013 Task 7 (Beetle, SciEntsBank), 2-way: marker zero-shot and calibrated.

The organisers' zip (``../shared/benchmarks/semeval2013/semeval-3way.zip``) is converted here,
at run time, into the project's own formats: the question import YAML (question, max_mark 1,
the reference answers as model answers) and a marked-scripts CSV per split (``correct`` = 1).
Nothing of the data is kept in the project.

- **zero-shot**: each question's rubric built from its reference answers alone (coverage
  marking, the engine's defaults); no student answer is used.
- **calibrated**: calibrators fitted on ``training/`` (per question where the question has
  training scripts, and a pooled one for unseen questions), measured on ``test/``.

Prints accuracy, macro-F1 and Cohen's kappa per test split beside the benchmark's TF-IDF floor,
and writes them as JSON with ``--json PATH``.

    .venv/bin/python benchmarks/semeval.py [--zip PATH] [--json out.json] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from marker.authoring import bank_from_specs, load_specs  # noqa: E402
from marker.engine import Marker  # noqa: E402
from marker.evaluate import evaluate, fit_calibrations, mark_scripts  # noqa: E402
from marker.nlp import build_pipeline  # noqa: E402
from marker.tables import read_table  # noqa: E402

DEFAULT_ZIP = ROOT.parent / "shared" / "benchmarks" / "semeval2013" / "semeval-3way.zip"
SPLITS = [
    ("sciEntsBank", "test-unseen-answers"),
    ("sciEntsBank", "test-unseen-questions"),
    ("sciEntsBank", "test-unseen-domains"),
    ("beetle", "test-unseen-answers"),
    ("beetle", "test-unseen-questions"),
]
#: The benchmark README's floor: TF-IDF cosine to the best reference, one threshold fitted on training.
FLOOR = {
    ("sciEntsBank", "test-unseen-answers"): (540, 0.681, 0.661, 0.330),
    ("sciEntsBank", "test-unseen-questions"): (733, 0.696, 0.690, 0.382),
    ("sciEntsBank", "test-unseen-domains"): (4562, 0.685, 0.679, 0.358),
    ("beetle", "test-unseen-answers"): (439, 0.740, 0.735, 0.471),
    ("beetle", "test-unseen-questions"): (819, 0.657, 0.645, 0.290),
}
_PATH = re.compile(r"^(training|test)/2way/(beetle|sciEntsBank)/(?:(test-unseen-\w+)/)?[^/]+\.xml$")


def question_id(dataset: str, raw: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    return f"{'beetle' if dataset == 'beetle' else 'sci'}-{slug}"[:80].strip("-")


def convert(zip_path: Path, out: Path) -> dict[tuple[str, str], Path]:
    """Write ``questions.yaml`` (import format) and one marked-scripts CSV per split into ``out``."""
    questions: dict[str, dict] = {}
    rows: dict[tuple[str, str], list[dict]] = {}
    with zipfile.ZipFile(zip_path) as zf:
        for name in sorted(zf.namelist()):
            m = _PATH.match(name)
            if not m:
                continue
            dataset, split = m.group(2), m.group(3) or "training"
            root = ET.fromstring(zf.read(name))
            qid = question_id(dataset, root.get("id"))
            refs = [(r.text or "").strip() for r in root.iter("referenceAnswer")]
            questions.setdefault(
                qid,
                {
                    "id": qid,
                    "question": (root.findtext("questionText") or "").strip(),
                    "max_mark": 1,
                    "model_answers": [r for r in refs if r],
                },
            )
            for a in root.iter("studentAnswer"):
                rows.setdefault((dataset, split), []).append(
                    {
                        "script_id": a.get("id"),
                        "question_id": qid,
                        "answer": (a.text or "").strip(),
                        "mark": 1 if a.get("accuracy") == "correct" else 0,
                    }
                )
    out.mkdir(parents=True, exist_ok=True)
    (out / "questions.yaml").write_text(
        yaml.safe_dump(list(questions.values()), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    paths = {}
    for key, items in rows.items():
        path = out / f"{key[0]}-{key[1]}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, ["script_id", "question_id", "answer", "mark"])
            writer.writeheader()
            writer.writerows(items)
        paths[key] = path
    return paths


def learning_curve(marker, train, train_fb, scripts_of) -> list[dict]:
    """Per-question calibrators fitted on the first N training scripts of each question.

    Questions with fewer than ten scripts in the subset stay uncalibrated (zero-shot).
    """
    rows = []
    for n in (10, 20, 40, None):
        seen: dict[str, int] = {}
        keep = []
        for i, s in enumerate(train):
            seen[s.question_id] = seen.get(s.question_id, 0) + 1
            if n is None or seen[s.question_id] <= n:
                keep.append(i)
        cals, _ = fit_calibrations(
            marker, [train[i] for i in keep], [train_fb[i] for i in keep], pooled=False
        )
        row = {"per_question": "all" if n is None else n}
        for dataset in ("sciEntsBank", "beetle"):
            report = evaluate(marker, scripts_of((dataset, "test-unseen-answers")), cals, f"first {n}")
            row[dataset] = {k: report.overall[k] for k in ("accuracy", "macro_f1", "kappa")}
        rows.append(row)
        print(f"  learning curve: {row['per_question']} scripts per question done", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=0, help="at most N scripts per split (a quick look)")
    parser.add_argument(
        "--learning-curve",
        action="store_true",
        help="also fit per-question calibrators on 10, 20, 40 and all training scripts of each question "
        "and measure each on the unseen-answers splits",
    )
    args = parser.parse_args()
    if not args.zip.exists():
        sys.exit(f"{args.zip}: not found (the SemEval-2013 zip of ../shared/benchmarks)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        paths = convert(args.zip, Path(tmp))
        specs = load_specs(Path(tmp) / "questions.yaml")
        nlp = build_pipeline()
        bank = bank_from_specs(specs, nlp, "questions.yaml")
        nlp.get_pipe("marker_concepts").add_entries(bank.entries())
        marker = Marker(bank, nlp)

        def scripts_of(key):
            scripts = read_table(paths[key], require=("question_id", "answer", "mark"))
            scripts = [s for s in scripts if s.text.strip()]
            return scripts[: args.limit] if args.limit else scripts

        train = scripts_of(("beetle", "training")) + scripts_of(("sciEntsBank", "training"))
        print(f"converted {len(specs)} questions; fitting on {len(train)} training scripts", flush=True)
        train_fb = mark_scripts(marker, train)
        cals, _notes = fit_calibrations(marker, train, train_fb, pooled=False)
        # Beetle and SciEntsBank are separate tasks: a pooled calibrator is fitted per dataset.
        for dataset, prefix in (("beetle", "beetle-"), ("sciEntsBank", "sci-")):
            idx = [i for i, s in enumerate(train) if s.question_id.startswith(prefix)]
            sub, _ = fit_calibrations(
                marker, [train[i] for i in idx], [train_fb[i] for i in idx], min_scripts=10
            )
            if "*1" in sub:  # a --limit run may leave a dataset with one question
                cals[f"pooled-{dataset}"] = sub["*1"]
        curve = learning_curve(marker, train, train_fb, scripts_of) if args.learning_curve else []
        results = []
        for key in SPLITS:
            scripts = scripts_of(key)
            zero = evaluate(marker, scripts)
            dataset_cals = {
                k: v for k, v in cals.items() if not k.startswith("*") and not k.startswith("pooled")
            }
            if f"pooled-{key[0]}" in cals:
                dataset_cals["*1"] = cals[f"pooled-{key[0]}"]
            fitted = evaluate(marker, scripts, dataset_cals, "fitted on training/")
            n, *floor = FLOOR[key]
            results.append(
                {
                    "split": f"{key[0]} {key[1].removeprefix('test-')}",
                    "n": len(scripts),
                    "floor": dict(zip(("accuracy", "macro_f1", "kappa"), floor, strict=True)),
                    "zero_shot": {k: zero.overall[k] for k in ("accuracy", "macro_f1", "kappa")},
                    "calibrated": {k: fitted.overall[k] for k in ("accuracy", "macro_f1", "kappa")},
                }
            )
            print(f"  {results[-1]['split']}: done", flush=True)
    print()
    print("| split | n | TF-IDF floor acc / F1 / kappa | marker zero-shot | marker calibrated |")
    print("|---|---|---|---|---|")

    def fmt(d):
        return f"{d['accuracy']:.3f} / {d['macro_f1']:.3f} / {d['kappa']:.3f}"

    for r in results:
        print(
            f"| {r['split']} | {r['n']:,} | {fmt(r['floor'])} | {fmt(r['zero_shot'])} | {fmt(r['calibrated'])} |"
        )
    beats = {
        mode: all(r[mode][k] > r["floor"][k] for r in results for k in ("accuracy", "macro_f1", "kappa"))
        for mode in ("zero_shot", "calibrated")
    }
    print(
        f"\nbeats the floor on every split and figure: zero-shot {beats['zero_shot']}, calibrated {beats['calibrated']}"
    )
    print(f"total time {time.perf_counter() - t0:.0f} s")
    if curve:
        print("\nPer-question calibration by number of training scripts per question (unseen answers):")
        print("| scripts per question | sciEntsBank acc / F1 / kappa | beetle acc / F1 / kappa |")
        print("|---|---|---|")
        for row in curve:
            print(f"| {row['per_question']} | {fmt(row['sciEntsBank'])} | {fmt(row['beetle'])} |")
    if args.json:
        out = {"results": results, "beats_floor": beats, "learning_curve": curve}
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
