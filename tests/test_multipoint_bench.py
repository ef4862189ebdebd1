"""The multi-point benchmark's conversion of SAF's fractional scores and its splits and baselines,
on a tiny CSV made here (not the public data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.load_script import load_script
from tests.saf_csv import write_saf_csv


def _load(name: str):
    return load_script(f"benchmarks/{name}.py", f"bench_{name}")


multipoint = _load("multipoint")
public_sets = _load("public_sets")

REFERENCE = "The bulb lights because the circuit is closed and current flows through it."
#: (score_norm, 3-way label) of each training answer: quarter steps and one eighth.
SCORES = [(0.0, "Incorrect"), (0.125, "Incorrect"), (0.375, "Partially correct"), (0.5, "Partially correct")]
SCORES += [(0.6, "Partially correct"), (0.75, "Partially correct"), (0.875, "Correct"), (1.0, "Correct")]


@pytest.fixture(scope="module")
def saf_csv(tmp_path_factory) -> Path:
    answers = [
        {
            "answer": "word " * (i + 1),
            "score": norm * 2.5,
            "max_score": 2.5,
            "score_norm": norm,
            "label": label,
        }
        for i, (norm, label) in enumerate(SCORES)
    ]
    return write_saf_csv(tmp_path_factory.mktemp("saf") / "saf_en.csv", REFERENCE, answers)


def test_saf_points_marks_round_the_tutors_share_half_up():
    marks = [public_sets.saf_points_mark(norm, 4) for norm, _ in SCORES]
    assert marks == [0, 1, 2, 2, 2, 3, 4, 4]
    assert [public_sets.saf_points_mark(norm, 3) for norm, _ in SCORES] == [0, 0, 1, 2, 2, 2, 3, 3]


@pytest.mark.parametrize("max_mark", [3, 4])
def test_saf_points_conversion_imports_each_question_out_of_the_maximum(saf_csv, tmp_path, max_mark):
    paths = public_sets.convert_saf_points(saf_csv, tmp_path, max_mark)
    questions = yaml.safe_load((tmp_path / "questions.yaml").read_text())
    assert [(q["id"], q["max_mark"], q["model_answers"]) for q in questions] == [
        (f"saf{max_mark}-1-6", max_mark, [REFERENCE]),
        (f"saf{max_mark}-11-1-sdn", max_mark, [REFERENCE]),
    ]
    assert set(paths) == {("saf", "training"), ("saf", "unseen_answers"), ("saf", "unseen_questions")}
    train = multipoint.read_scripts(paths[("saf", "training")], 0)
    assert [s.mark for s in train] == [public_sets.saf_points_mark(n, max_mark) for n, _ in SCORES]


def test_saf_out_of_two_conversion_is_unchanged(saf_csv, tmp_path):
    paths = public_sets.convert_saf(saf_csv, tmp_path)
    train = multipoint.read_scripts(paths[("saf", "training")], 0)
    assert [s.mark for s in train] == [0, 0, 1, 1, 1, 1, 2, 2]
    assert yaml.safe_load((tmp_path / "questions.yaml").read_text())[0]["id"] == "saf-1-6"


def test_multipoint_splits_keep_each_questions_scripts_apart():
    groups = {"a": list(range(0, 6)), "b": list(range(6, 10))}
    fit, rest = multipoint.choose(groups, 3, "first")
    assert (fit, rest) == ([0, 1, 2, 6, 7, 8], [3, 4, 5, 9])
    fit, rest = multipoint.choose(groups, 3, 1)
    assert sorted(fit + rest) == list(range(10)) and not set(fit) & set(rest)
    assert sum(i < 6 for i in fit) == 3 and sum(i >= 6 for i in fit) == 3
    assert multipoint.choose(groups, 3, 1) == (fit, rest)  # a draw is the same every run
    assert multipoint.choose(groups, 3, 2) != (fit, rest)


def test_multipoint_baselines_fit_each_question_on_its_own_scripts(saf_csv, tmp_path):
    paths = public_sets.convert_saf_points(saf_csv, tmp_path, 4)
    train = multipoint.read_scripts(paths[("saf", "training")], 0)
    test = multipoint.read_scripts(paths[("saf", "unseen_answers")], 0)
    # answer i has i + 1 words and the marks rise with length: the word count's line follows them
    marks = multipoint.per_question(train, test, 4, multipoint.word_count)
    assert np.abs(marks - [s.mark for s in test]).max() <= 1
    # a question with no fitting scripts (unseen) gets 0 from a per-question baseline
    other = multipoint.read_scripts(paths[("saf", "unseen_questions")], 0)
    assert multipoint.per_question(train, other, 4, multipoint.word_count).tolist() == [0] * len(other)
    f = multipoint.figures([s.mark for s in test], marks, 4)
    assert f["n"] == len(test) and len(f["bias"]) == 5 and f["mae"] <= 1


def test_multipoint_commonest_mark_is_each_questions_own(saf_csv, tmp_path):
    paths = public_sets.convert_saf_points(saf_csv, tmp_path, 4)
    train = multipoint.read_scripts(paths[("saf", "training")], 0)
    test = multipoint.read_scripts(paths[("saf", "unseen_answers")], 0)
    # marks 0, 1, 2, 2, 2, 3, 4, 4 on the fitting scripts: 2 is the commonest
    assert multipoint.per_question(train, test, 4, multipoint.commonest).tolist() == [2] * len(test)
