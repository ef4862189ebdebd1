"""The agreement benchmark's conversion, baselines and figures, on tiny sets made here (not the public data)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml

from marker.encoder import load_encoder
from tests.load_script import load_script
from tests.saf_csv import write_saf_csv


def _load(name: str):
    return load_script(f"benchmarks/{name}.py", f"bench_{name}")


bench = _load("agreement")

REFERENCE = "The bulb lights because the circuit is closed and current flows through it."
CORRECT = [
    "The circuit is closed so current flows through the bulb and it lights up.",
    "Current flows because the circuit is closed, so the bulb lights.",
    "It lights since the closed circuit lets the current flow through the bulb.",
]
WRONG = ["No.", "Magnets.", "I don't know."]


def _question_xml(qid: str, answers: list[tuple[str, str]]) -> str:
    students = "".join(
        f'<studentAnswer id="{qid}.{i}" accuracy="{label}">{escape(text)}</studentAnswer>'
        for i, (text, label) in enumerate(answers)
    )
    return (
        f'<question id="{qid}"><questionText>Why does the bulb light?</questionText>'
        f'<referenceAnswers><referenceAnswer id="r1">{escape(REFERENCE)}</referenceAnswer></referenceAnswers>'
        f"<studentAnswers>{students}</studentAnswers></question>"
    )


@pytest.fixture(scope="module")
def semeval_zip(tmp_path_factory) -> Path:
    """A SemEval-shaped zip: one question per split and dataset, correct answers long, wrong ones short."""
    path = tmp_path_factory.mktemp("semeval") / "tiny.zip"
    answers = [(t, "correct") for t in CORRECT] + [(t, "incorrect") for t in WRONG]
    with zipfile.ZipFile(path, "w") as zf:
        for dataset in ("beetle", "sciEntsBank"):
            zf.writestr(f"training/2way/{dataset}/Q1.xml", _question_xml("Q1", answers))
            for split in ("answers", "questions", "domains"):
                qid = "Q1" if split == "answers" else f"Q-{split}"
                zf.writestr(
                    f"test/2way/{dataset}/test-unseen-{split}/{qid}.xml", _question_xml(qid, answers[1:5])
                )
    return path


@pytest.fixture(scope="module")
def saf_csv(tmp_path_factory) -> Path:
    """A SAF-shaped CSV: answer length rises with the verdict."""
    labels = [("Incorrect", "No."), ("Partially correct", CORRECT[1][:30]), ("Correct", CORRECT[0])]
    answers = [{"answer": text, "label": label} for label, text in labels * 2]
    return write_saf_csv(tmp_path_factory.mktemp("saf") / "saf_en.csv", REFERENCE, answers)


@pytest.fixture(scope="module")
def converted(tmp_path_factory, semeval_zip, saf_csv):
    return bench.convert_sets(["semeval", "saf"], tmp_path_factory.mktemp("out"), semeval_zip, saf_csv)


def test_agreement_bench_conversion_writes_questions_and_scripts(converted):
    semeval, saf = converted
    assert (semeval.name, semeval.max_mark, saf.name, saf.max_mark) == ("semeval", 1, "saf", 2)
    assert [(d, s) for d, s, _ in semeval.tests][0] == ("sciEntsBank", "unseen-answers")
    assert [s for _, s, _ in saf.tests] == ["unseen_answers", "unseen_questions"]
    questions = yaml.safe_load(saf.questions.read_text())
    # one reference answer per question, however many rows repeat it
    assert [(q["id"], q["max_mark"], q["model_answers"]) for q in questions] == [
        ("saf-1-6", 2, [REFERENCE]),
        ("saf-11-1-sdn", 2, [REFERENCE]),
    ]
    train = bench.read_scripts(saf.training["saf"], 0)
    assert [s.mark for s in train] == [0, 1, 2, 0, 1, 2]
    beetle = bench.read_scripts(semeval.training["beetle"], 0)
    assert [s.mark for s in beetle] == [1, 1, 1, 0, 0, 0]
    assert {s.question_id for s in beetle} == {"beetle-q1"}


def _references(public) -> dict[str, list[str]]:
    from marker.import_format import load_specs

    return {spec.id: [a.text for a in spec.answers()] for spec in load_specs(public.questions)}


def test_agreement_bench_separable_baselines_agree_perfectly(converted):
    semeval, saf = converted
    vectors = bench.TextVectors(load_encoder())
    for public, dataset in ((semeval, "beetle"), (saf, "saf")):
        baselines = bench.Baselines(_references(public), public.max_mark, vectors)
        baselines.fit(bench.read_scripts(public.training[dataset], 0))
        for ds, _split, path in public.tests:
            if ds != dataset:
                continue
            scripts = bench.read_scripts(path, 0)
            human = [int(s.mark) for s in scripts]
            predicted = baselines.predict(scripts)
            # word count separates the marks perfectly in these sets, on unseen questions too
            figures = bench.agreement_figures(human, predicted["word count"], public.max_mark)
            if public.max_mark == 1:
                assert figures["kappa"] == 1.0 and figures["accuracy"] == 1.0 and figures["macro_f1"] == 1.0
                tfidf = bench.agreement_figures(human, predicted["TF-IDF cosine"], 1)
                assert tfidf["kappa"] == 1.0
            else:
                assert figures["qwk"] == 1.0 and figures["exact"] == 1.0
            bias = bench.bias_by_mark(human, predicted["word count"], public.max_mark)
            assert all(b["mean_difference"] == 0 for b in bias)


def test_agreement_bench_figures_match_hand_computation():
    f = bench.agreement_figures([0, 0, 1, 1], [0, 1, 1, 1], 1)
    # p_o 0.75; p_e = 0.5 * 0.25 + 0.5 * 0.75 = 0.5; kappa = (0.75 - 0.5) / 0.5
    assert f == {
        "n": 4,
        "accuracy": 0.75,
        "macro_f1": pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4),
        "kappa": 0.5,
    }
    three = bench.agreement_figures([0, 1, 2, 2], [0, 1, 2, 1], 2)
    assert three["exact"] == 0.75 and 0 < three["qwk"] < 1
    bias = bench.bias_by_mark([0, 1, 2, 2], [1, 1, 2, 0], 2)
    assert bias == [
        {"mark": 0, "n": 1, "mean_difference": 1.0, "harsher": 0.0, "more_generous": 1.0},
        {"mark": 1, "n": 1, "mean_difference": 0.0, "harsher": 0.0, "more_generous": 0.0},
        {"mark": 2, "n": 2, "mean_difference": -1.0, "harsher": 0.5, "more_generous": 0.0},
    ]


def test_agreement_bench_thresholds_choose_direction_and_order():
    # shorter is better here: the fitted cut must flip the score's sign
    t = bench.fit_thresholds([9, 8, 2, 1], [0, 0, 1, 1], 1)
    assert t.marks([10, 1]).tolist() == [0, 1]
    three = bench.fit_thresholds([1, 2, 5, 6, 9, 10], [0, 0, 1, 1, 2, 2], 2)
    assert three.marks([1.5, 5.5, 9.5]).tolist() == [0, 1, 2]


def test_agreement_bench_first_scripts_and_limit(converted):
    semeval, _ = converted
    scripts = bench.read_scripts(semeval.training["sciEntsBank"], 0)
    assert bench.first_per_question(scripts, 2) == [0, 1]
    assert bench.limit_questions(scripts, 1) == scripts
    rows = [
        {"set": "saf", "split": "saf unseen_answers", "method": m, "n": 4, "qwk": q, "exact": 0.5, "bias": []}
        for m, q in (("marker zero-shot", 0.6), ("baseline word count", 0.7))
    ]
    row = "| saf unseen_answers | marker zero-shot | 4 | 0.600 | 0.500 | n/a | n/a | n/a |"
    assert row in bench.table(rows).splitlines()
    assert bench.beats_baselines(rows) == [
        "- saf unseen_answers, marker zero-shot: not above qwk 0.600 vs word count 0.700; "
        "exact 0.500 vs word count 0.500"
    ]


def test_agreement_bench_cache_marks_each_answer_once_and_reuses_it(converted, tmp_path):
    import pickle

    marker, _ = bench.build_marker(converted)
    scripts = bench.read_scripts(converted[1].training["saf"], 0)
    path = tmp_path / "marked.pkl"
    first = bench.MarkCache(path).mark(marker, scripts)
    assert [fb.max_mark for fb in first] == [2] * len(scripts)
    again = bench.MarkCache(path)
    assert len(again.feedbacks) == len({(s.question_id, s.text) for s in scripts})
    # every answer is in the file: a later run marks none of them (it needs no marker at all)
    assert [fb.mark for fb in again.mark(None, scripts)] == [fb.mark for fb in first]
    # made under other defaults or tuning: started afresh
    data = pickle.loads(path.read_bytes())
    data["stamp"] = "other"
    path.write_bytes(pickle.dumps(data))
    assert bench.MarkCache(path).feedbacks == {}


def test_agreement_bench_remark_cached_finds_a_changed_answer_and_restamps_only_when_none(
    converted, tmp_path
):
    """benchmarks/remark_cached.py: the cached answers marked again by this code are the same; one
    whose cached Feedback is altered is found; the cache is restamped only when none differs."""
    import pickle
    from dataclasses import replace

    remark = _load("remark_cached")
    marker, _ = bench.build_marker(converted)
    scripts = bench.read_scripts(converted[1].training["saf"], 0)
    path = tmp_path / "marked.pkl"
    bench.MarkCache(path).mark(marker, scripts)
    data = pickle.loads(path.read_bytes())
    data["stamp"] = "made by older code"
    keys, differ = remark.remark(data, converted, n=0)
    assert len(keys) == len(data["feedbacks"]) and differ == []
    out = tmp_path / "restamped.pkl"
    remark.restamp(data, differ, out)
    assert bench.MarkCache(out).feedbacks.keys() == data["feedbacks"].keys()  # read back under this stamp

    changed = keys[0]
    fb = data["feedbacks"][changed]
    data["feedbacks"][changed] = replace(fb, mark=fb.mark + 1)
    assert remark.remark(data, converted, n=0)[1] == [changed]
    with pytest.raises(SystemExit, match="not restamped"):
        remark.restamp(data, [changed], tmp_path / "refused.pkl")
    assert not (tmp_path / "refused.pkl").exists()
