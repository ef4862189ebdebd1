"""The Batch page with scans and photos: the texts OCR read are shown for checking before marking,
and the page fills a gradebook export from the batch (AppTest, mini bank, real pipeline and OCR)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from .conftest import FIXTURES
from .documents import write_tree
from .scans import page, png

PAGE = str(Path(__file__).resolve().parent.parent / "marker" / "app" / "batch.py")
READ = "Both sides renounced claims against each other and diplomatic relations were restored."
CORRECTED = "I am not sure what the treaty said."


@pytest.fixture()
def data(mini_env, tmp_path, monkeypatch):
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    yield tmp_path / "data"
    st.cache_resource.clear()


def marked_page(source: Path) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    at.session_state["batch_input_path"] = str(source)
    at.selectbox(key="batch_question").select("mini-points")
    at.run()
    at.button(key="batch_run").click()
    at.run()
    return at


def test_batch_app_shows_what_ocr_read_and_marks_the_corrected_text(data, tmp_path):
    folder = write_tree(
        tmp_path / "scripts",
        {"alice_smith.txt": READ.encode(), "ben_jones.png": png(page(["<b>" + READ + "</b>"]))},
    )
    at = marked_page(folder)
    assert not at.exception and not at.error
    assert not at.metric  # nothing is marked before the texts are checked
    assert any("Check what was read" in h.value for h in at.subheader)
    (box,) = at.text_area  # the photo only: the typed file needs no check
    assert "Both sides renounced claims" in box.value and "<b>" in box.value
    assert not any("<b>" in m.value for m in at.markdown)  # student text is escaped where drawn

    box.input(CORRECTED)
    at.button(key="batch_run_checked").click()
    at.run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Marked"] == "2"
    assert not at.text_area  # the check is done: the results replace it
    results = at.dataframe[0].value.set_index("script_id")
    # Empty cells are empty text, and the confidence a share ("97%"), as in the rest of the table.
    assert results.loc["alice_smith", "mark"] == 2 and results.loc["alice_smith", "ocr_confidence"] == ""
    assert results.loc["ben_jones", "mark"] == 0  # the teacher's text was marked, not what OCR read
    assert int(results.loc["ben_jones", "ocr_confidence"].rstrip("%")) > 90
    records = {r.script_id: r for r in at.session_state["batch_result"]["result"].records}
    assert records["ben_jones"].answer == CORRECTED
    assert any("read by OCR" in i.value for i in at.info)


def test_batch_app_fills_a_gradebook_and_names_who_was_not_matched(data, tmp_path):
    table = tmp_path / "class.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(
            [["student", "answer"], ["Alice Smith", READ], ["Jose Nunez", CORRECTED], ["Tom Jones", READ]]
        )
    at = marked_page(table)
    assert not at.exception and {m.label: m.value for m in at.metric}["Marked"] == "3"
    canvas = FIXTURES / "gradebooks" / "canvas.csv"
    at.session_state["gradebook_input_path"] = str(canvas)
    at.run()
    assert at.selectbox(key="gradebook_column").options[-1] == "Essay 1 (48217)"
    at.selectbox(key="gradebook_column").select("Essay 1 (48217)")
    at.run()
    at.button(key="gradebook_fill").click()
    at.run()
    assert not at.exception and not at.error
    assert "2 marks filled in" in at.success[0].value
    warnings = [w.value.replace("\\", "") for w in at.warning]
    (batch_only,) = [w for w in warnings if w.startswith("In this batch but not in the gradebook (1)")]
    assert "Tom Jones" in batch_only
    (book_only,) = [w for w in warnings if w.startswith("In the gradebook but not in this batch")]
    assert "Garcia" in book_only and "Alice" not in book_only
    assert "gradebook_download" in {b.key for b in at.get("download_button")}

    filled = at.session_state["gradebook_filled"]["fill"].data
    before = list(csv.reader(io.StringIO(canvas.read_bytes().decode("utf-8-sig"))))
    after = list(csv.reader(io.StringIO(filled.decode("utf-8-sig"))))
    column = before[0].index("Essay 1 (48217)")
    rows = {r[0]: r for r in after}
    assert rows["Smith, Alice"][column] == "20.00"  # 2 out of 2, scaled to the column's 20 points
    assert rows["Núñez, José"][column] == "0.00"
    assert after[0] == before[0] and len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert old[:column] + old[column + 1 :] == new[:column] + new[column + 1 :]
