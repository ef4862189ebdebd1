"""A tiny SAF-shaped ``saf_en.csv`` (not the public data) for the benchmarks' conversion tests."""

from __future__ import annotations

import csv
from pathlib import Path

FIELDS = [
    "split",
    "source_file",
    "question_id",
    "question",
    "reference_answer",
    "answer_id",
    "answer",
    "score",
    "max_score",
    "score_norm",
    "label",
    "feedback",
]


def write_saf_csv(path: Path, reference: str, answers: list[dict]) -> Path:
    """The same answers (each a dict of ``answer`` and any of SAF's other columns: ``label``,
    ``score``, ``score_norm``, ...) in each split: training and unseen answers of question 1.6,
    unseen questions of 11.1_SDN."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, FIELDS)
        writer.writeheader()
        for split, qid in (("training", "1.6"), ("unseen_answers", "1.6"), ("unseen_questions", "11.1_SDN")):
            for i, answer in enumerate(answers):
                writer.writerow(
                    {
                        "split": split,
                        "source_file": f"{qid}.xml",
                        "question_id": qid,
                        "question": "Why does the bulb light?",
                        "reference_answer": reference,
                        "answer_id": f"{qid}.{split}.{i}",
                        **answer,
                    }
                )
    return path
