"""The meaning stage and the defaults fitted on public data (real encoder, real spaCy)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from marker.fitted import FORMAT_VERSION, Logistic, load_defaults, neighbour_inputs, teacher_inputs
from marker.meaning import NO_MEANING, answer_vectors, meaning_index, understand


def test_meaning_paraphrase_is_closer_than_a_wrong_answer(import_marker):
    index = import_marker.index(import_marker.bank.question("bulb-circuit"))
    # Own words, hardly a word of the model answers ("closed path", "complete circuit").
    paraphrase = understand("Bulb A is still joined up to the cell so electricity can flow round.", index)
    wrong = understand("Because switch Y is made of plastic and the bulb is new.", index)
    assert paraphrase.similarity > wrong.similarity + 0.1
    assert paraphrase.recall > wrong.recall
    assert understand("   ", index) is NO_MEANING


def test_meaning_model_answer_vectors_are_made_once_per_rubric_version(import_marker):
    question = import_marker.bank.question("bulb-circuit")
    index = import_marker.index(question)
    first = meaning_index(index)
    assert first is not None and len(first.references) == 2
    assert meaning_index(index) is first  # kept with the index of this version
    import_marker.mark("bulb-circuit", "Bulb A is still in a closed path with the battery.")
    assert import_marker.index(question).cache["meaning"] is first
    edited = question.model_copy(update={"question": question.question + " Explain your answer."})
    assert edited.version != question.version
    assert meaning_index(import_marker.index(edited)) is not first


def test_meaning_runs_for_short_answers_only(import_marker, shipped_marker):
    short = import_marker.mark("bulb-circuit", "Bulb A is still in a closed path with the battery.")
    assert short.features.meaning_estimate is not None and short.features.meaning_similarity > 0.8
    essay = shipped_marker.mark(
        "rapallo-significance", "The Treaty of Rapallo in 1922 ended the isolation of Soviet Russia."
    )
    assert essay.features.meaning_estimate is None and essay.features.meaning_similarity == 0.0


def test_meaning_marks_a_paraphrase_and_not_a_wrong_answer(import_marker):
    right = import_marker.mark(
        "bulb-circuit", "There is still a complete loop from the battery through bulb A."
    )
    wrong = import_marker.mark("bulb-circuit", "Because the bulb is bright.")
    off = import_marker.mark("bulb-circuit", "Photosynthesis makes glucose in the leaves of plants.")
    assert (right.mark, wrong.mark, off.mark) == (1, 0, 0)
    assert "meaning" in right.summary or "meaning" in " ".join(right.explanation)
    assert right.features.meaning_estimate > 0.5 > off.features.meaning_estimate


def test_answer_vectors_are_the_encoders_and_remembered(import_marker):
    text = "A closed loop still joins bulb A to the battery."
    import_marker.mark("bulb-circuit", text)
    v = answer_vectors([text, "Something else entirely."])
    assert v.shape == (2, 384) and abs(float(np.linalg.norm(v[0])) - 1) < 1e-4
    assert float(v[0] @ v[1]) < 0.5


# --------------------------------------------------------------------------- fitted defaults


def test_fitted_defaults_say_they_were_fitted_on_training_splits_only():
    defaults = load_defaults()
    assert defaults is not None and defaults.neighbours is not None
    prov = defaults.provenance
    assert prov["splits"] == "training splits only"
    assert set(prov["datasets"]) == {"beetle", "sciEntsBank", "saf"}
    assert all(d["split"] == "train" and d["answers"] > 1000 for d in prov["datasets"].values())
    raw = resources.files("marker").joinpath("shipped", "fitted", "short_answers.json").read_text()
    for test_split in ("unseen-answers", "unseen-questions", "unseen-domains", "unseen_answers"):
        assert test_split not in raw
    # Closer meaning and more of the model answer's words both raise the share.
    z = defaults.zero_shot
    w = dict(zip(z.inputs, z.coef, strict=True))
    assert w["meaning_similarity"] > 0 and w["word_mark_share"] > 0
    assert json.loads(raw)["format"] == FORMAT_VERSION


def test_fitted_cut_points_make_marks():
    model = Logistic(("x",), np.zeros(1), np.ones(1), np.ones(1), 0.0, {"1": (0.5,), "2": (0.3, 0.7)})
    assert [model.mark(p, 1) for p in (0.2, 0.6)] == [0, 1]
    assert [model.mark(p, 2) for p in (0.2, 0.5, 0.9)] == [0, 1, 2]
    # Above two marks the share is cut evenly: 4 marks at 0.125, 0.375, 0.625, 0.875.
    assert [model.mark(p, 4) for p in (0.1, 0.2, 0.5, 0.7, 0.95)] == [0, 1, 2, 3, 4]
    assert model.share({"x": 0.0}) == pytest.approx(0.5)


def test_neighbour_inputs_leave_each_script_out_of_its_own_vote():
    memory = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    shares = np.array([1.0, 0.0, 1.0])
    inside = neighbour_inputs(memory, memory, shares, np.full(3, 0.5), exclude_self=True)
    # Script 0 cannot vote for itself: its closest full-mark neighbour is script 2 (cosine 0.6).
    assert inside[0]["closest_full"] == pytest.approx(0.6)
    outside = neighbour_inputs(memory[:1], memory, shares, np.full(1, 0.5))
    assert outside[0]["closest_full"] == pytest.approx(1.0) and outside[0]["nearest_share"] > 0.9


def test_teacher_inputs_leave_each_script_out_and_say_little_of_few_scripts():
    shares, rubric = np.array([1.0, 1.0, 0.0, 0.0]), np.array([0.9, 0.9, 0.1, 0.1])
    # Leaving out a full-mark script makes the rest look harsher; the teacher agrees with the rubric.
    assert (
        teacher_inputs(shares, rubric, 0)["teacher_logit"] < teacher_inputs(shares, rubric)["teacher_logit"]
    )
    assert teacher_inputs(shares, rubric)["teacher_over_rubric"] == pytest.approx(0.0, abs=0.5)
    # Every script at full marks: more certain from fifty scripts than from ten, never infinite.
    ten, fifty = teacher_inputs(np.ones(10), np.full(10, 0.5)), teacher_inputs(np.ones(50), np.full(50, 0.5))
    assert 0 < ten["teacher_logit"] < fifty["teacher_logit"] < 9


def test_neighbours_model_trusts_the_rubric_less_where_the_teacher_marked_against_it():
    """The same new answer among the same ten scripts, all marked 0: if the rubric rated those
    scripts low too, the teacher has said nothing against the rubric's high estimate of the new
    answer; if the rubric rated them high, this teacher is harsher than the rubric here."""
    neighbours = load_defaults().neighbours
    rng = np.random.default_rng(0)
    memory = rng.normal(size=(10, 8))
    memory /= np.linalg.norm(memory, axis=1, keepdims=True)
    answer = np.ones((1, 8)) / np.sqrt(8)
    words = np.full((1, 10), 0.1)
    shares = [
        neighbours.share(
            neighbour_inputs(
                answer, memory, np.zeros(10), np.array([0.85]), False, words, np.full(10, rubric)
            )[0]
        )
        for rubric in (0.1, 0.9)
    ]
    assert shares[0] > shares[1] + 0.1


# --------------------------------------------------------------------------- points in other words


def _status(feedback, point_id):
    return next(p.status for p in feedback.points if p.id == point_id)


def test_points_said_in_other_words_are_credited_in_an_essay(shipped_marker):
    """Issue 11's trial: plain paraphrases of two points, none of their cue phrases."""
    essay = (
        "The Allies withdrew their troops in 1919 and left the Whites on their own. "
        "Without that help the Whites could not carry on for long.\n\n"
        "The Bolsheviks held the railways and the industrial centre of the country, so they could "
        "move men and supplies quickly."
    )
    fb = shipped_marker.mark("allied-intervention", essay)
    assert _status(fb, "withdrawal-exposed-whites") != "missing"
    assert _status(fb, "geography-heartland") != "missing"
    # Filler in the question's own words credits nothing by meaning.
    filler = shipped_marker.mark(
        "allied-intervention",
        "There were many reasons for the outcome of the Civil War. The intervention had an impact on "
        "the outcome in some ways. Overall there were lots of different factors.",
    )
    assert all(p.status == "missing" for p in filler.points if p.theme != "judgement")
