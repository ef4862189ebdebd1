"""The public sets of ``../shared/benchmarks``, converted at run time into the project's formats.

SemEval-2013's conversion lives in ``semeval.py`` (:func:`semeval.convert`) and is reused here;
SAF's (English, ``saf_en.csv``) is :func:`convert_saf`. Each set becomes an import-format
``questions.yaml`` (the question, its reference answer(s) as model answers) and one marked-scripts
CSV per split. Nothing of the data is kept in the project.

SAF's tutors give fractional scores on scales that differ by question; the target used here is
the 3-way verdict as a mark out of 2 (Incorrect 0, Partially correct 1, Correct 2).
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from semeval import DEFAULT_ZIP as SEMEVAL_ZIP  # noqa: E402
from semeval import SPLITS as SEMEVAL_SPLITS  # noqa: E402
from semeval import convert as convert_semeval  # noqa: E402

SAF_CSV = ROOT.parent / "shared" / "benchmarks" / "saf" / "saf_en.csv"
#: The 3-way verdict as a mark out of 2.
SAF_LABELS = {"Incorrect": 0, "Partially correct": 1, "Correct": 2}
SAF_SPLITS = [("saf", "unseen_answers"), ("saf", "unseen_questions")]
SCRIPT_FIELDS = ["script_id", "question_id", "answer", "mark"]


@dataclass
class PublicSet:
    """One converted set: its questions file, training CSV per dataset and test CSVs."""

    name: str
    max_mark: int
    questions: Path
    #: dataset -> the training split's scripts CSV (SemEval: beetle, sciEntsBank; SAF: saf).
    training: dict[str, Path]
    #: (dataset, split, scripts CSV) in report order.
    tests: list[tuple[str, str, Path]]


def saf_question_id(raw: str) -> str:
    """``saf-`` and the question's id as a slug (``1.6`` -> ``saf-1-6``)."""
    return "saf-" + re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")


def convert_saf(csv_path: Path, out: Path) -> dict[tuple[str, str], Path]:
    """Write ``questions.yaml`` (import format, out of 2) and one scripts CSV per split into ``out``."""
    return _convert_saf(csv_path, out, 2, saf_question_id, lambda r: SAF_LABELS[r["label"]])


def saf_points_mark(score_norm: float, max_mark: int) -> int:
    """A SAF tutor's fractional score (``score_norm``, 0..1) as whole marks out of ``max_mark``,
    halves rounded up (0.375 out of 4 -> 2).

    >>> [saf_points_mark(x, 4) for x in (0.0, 0.125, 0.375, 0.6, 1.0)]
    [0, 1, 2, 2, 4]
    """
    return min(max_mark, int(math.floor(float(score_norm) * max_mark + 0.5)))


def convert_saf_points(csv_path: Path, out: Path, max_mark: int) -> dict[tuple[str, str], Path]:
    """SAF with the tutors' fractional scores as marks out of ``max_mark`` (:func:`saf_points_mark`):
    ``questions.yaml`` (each question out of ``max_mark``, ids ``saf<max>-...`` so that they can sit
    in one bank beside the out-of-2 ones) and one scripts CSV per split, as :func:`convert_saf`."""
    return _convert_saf(
        csv_path,
        out,
        max_mark,
        lambda raw: f"saf{max_mark}-" + saf_question_id(raw).removeprefix("saf-"),
        lambda r: saf_points_mark(float(r["score_norm"]), max_mark),
    )


def _convert_saf(
    csv_path: Path,
    out: Path,
    max_mark: int,
    question_id: Callable[[str], str],
    mark_of: Callable[[dict], int],
) -> dict[tuple[str, str], Path]:
    """SAF's rows as questions out of ``max_mark`` (ids from ``question_id`` of SAF's own) and one
    scripts CSV per split, each answer's mark from its row (``mark_of``)."""
    questions: dict[str, dict] = {}
    rows: dict[tuple[str, str], list[dict]] = {}
    with Path(csv_path).open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            qid = question_id(r["question_id"])
            ref = r["reference_answer"].strip()
            q = questions.setdefault(
                qid, {"id": qid, "question": r["question"].strip(), "max_mark": max_mark, "model_answers": []}
            )
            if ref and ref not in q["model_answers"]:
                q["model_answers"].append(ref)
            rows.setdefault(("saf", r["split"]), []).append(
                {
                    "script_id": r["answer_id"],
                    "question_id": qid,
                    "answer": r["answer"].strip(),
                    "mark": mark_of(r),
                }
            )
    return _write_converted(questions, rows, out)


def _write_converted(
    questions: dict[str, dict], rows: dict[tuple[str, str], list[dict]], out: Path
) -> dict[tuple[str, str], Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "questions.yaml").write_text(
        yaml.safe_dump(list(questions.values()), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    paths = {}
    for key, items in rows.items():
        path = out / f"{key[0]}-{key[1]}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, SCRIPT_FIELDS)
            writer.writeheader()
            writer.writerows(items)
        paths[key] = path
    return paths


def convert_sets(
    names: list[str], out: Path, semeval_zip: Path = SEMEVAL_ZIP, saf_csv: Path = SAF_CSV
) -> list[PublicSet]:
    """Convert the named sets (``semeval``, ``saf``) into folders under ``out``."""
    sets = []
    if "semeval" in names:
        paths = convert_semeval(semeval_zip, out / "semeval")
        sets.append(
            PublicSet(
                "semeval",
                1,
                out / "semeval" / "questions.yaml",
                {d: paths[(d, "training")] for d in ("sciEntsBank", "beetle")},
                [(d, s.removeprefix("test-"), paths[(d, s)]) for d, s in SEMEVAL_SPLITS],
            )
        )
    if "saf" in names:
        paths = convert_saf(saf_csv, out / "saf")
        sets.append(
            PublicSet(
                "saf",
                2,
                out / "saf" / "questions.yaml",
                {"saf": paths[("saf", "training")]},
                [(d, s, paths[(d, s)]) for d, s in SAF_SPLITS],
            )
        )
    return sets
