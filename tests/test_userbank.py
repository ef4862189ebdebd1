from __future__ import annotations

from marker.bank import QuestionBank
from marker.rubric import ModelAnswer, load_question
from marker.store import Store
from marker.userbank import load_bank, save_model_answer, save_question

from .conftest import MINI_ANSWERS, MINI_RUBRICS


def _bank() -> QuestionBank:
    return QuestionBank.load(MINI_RUBRICS, MINI_ANSWERS)


def test_userbank_saved_version_overrides_shipped_and_never_touches_it(tmp_path):
    shipped_path = MINI_RUBRICS / "questions" / "mini-points.yaml"
    shipped_text = shipped_path.read_text(encoding="utf-8")
    store = Store(tmp_path / "m.sqlite3")
    edited = load_question(shipped_path).model_copy(update={"command_word": "list"})
    v1 = save_question(edited, tmp_path, store, "first")
    v2 = save_question(edited.model_copy(update={"command_word": "name"}), tmp_path, store)
    assert (v1.number, v2.number) == (1, 2)
    loaded = load_bank(tmp_path, _bank())
    assert loaded.bank.question("mini-points").command_word == "name" and loaded.versions == {
        "mini-points": 2
    }
    assert shipped_path.read_text(encoding="utf-8") == shipped_text
    assert load_question(v1.path) == edited  # round trip through the saved file


def test_userbank_broken_saved_file_is_reported_and_skipped(tmp_path):
    folder = tmp_path / "rubrics" / "questions" / "mini-points"
    folder.mkdir(parents=True)
    (folder / "v1.yaml").write_text("schema_version: 1\nid: mini-points\nmax_mark: lots\n", encoding="utf-8")
    loaded = load_bank(tmp_path, _bank())
    assert loaded.problems and "v1.yaml" in str(loaded.problems[0])
    assert loaded.bank.question("mini-points").command_word == "outline"  # the shipped one stays


def test_userbank_model_answer_round_trip(tmp_path):
    answer = ModelAnswer(
        question="mini-points", intended_mark=1, text="They renounced claims.", name="My Answer!"
    )
    path = save_model_answer(answer, tmp_path)
    assert path.name == "my-answer.md"
    loaded = load_bank(tmp_path, _bank())
    assert any(a.text == "They renounced claims." for a in loaded.bank.answers_for("mini-points"))
