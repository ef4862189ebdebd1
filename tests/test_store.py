from __future__ import annotations

import sqlite3

import pytest

from marker.store import MIGRATIONS, Store, StoreError, data_dir


def test_store_creates_schema_in_wal_mode(tmp_path):
    store = Store(tmp_path / "m.sqlite3")
    assert store.schema_version == len(MIGRATIONS)
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_draft_round_trip(tmp_path, mini_marker):
    store = Store(tmp_path / "m.sqlite3")
    text = "The Treaty of Rapallo in 1923 broke isolation because Germany restored relations."
    fb = mini_marker.mark("mini-essay", text)
    saved = store.add_draft(" Ada ", text, fb)
    again = Store(tmp_path / "m.sqlite3").drafts("Ada", "mini-essay")
    assert again == [saved]
    assert saved.feedback == fb and saved.rubric_version == fb.rubric_version  # a Feedback, as marked
    assert saved.text == text and saved.student == "Ada"


def test_store_students_see_only_their_own_drafts(tmp_path, mini_marker):
    store = Store(tmp_path / "m.sqlite3")
    fb = mini_marker.mark("mini-essay", "Rapallo broke isolation.")
    store.add_draft("Ada", "a", fb)
    store.add_draft("Ben", "b", fb)
    assert [d.text for d in store.drafts("Ada")] == ["a"]


def test_store_refuses_a_draft_without_a_name(tmp_path, mini_marker):
    store = Store(tmp_path / "m.sqlite3")
    with pytest.raises(StoreError, match="name or student id"):
        store.add_draft("  ", "a", mini_marker.mark("mini-essay", "Rapallo."))


def test_store_rubric_versions_are_numbered(tmp_path):
    store = Store(tmp_path / "m.sqlite3")
    assert store.record_rubric_version("q", "abc", "/x/v1.yaml").number == 1
    assert store.record_rubric_version("q", "def", "/x/v2.yaml", "note").number == 2
    assert [v.fingerprint for v in store.rubric_versions("q")] == ["abc", "def"]


def test_store_newer_schema_is_refused(tmp_path):
    path = tmp_path / "m.sqlite3"
    Store(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer marker"):
        Store(path)


def test_store_failed_write_says_nothing_was_saved(tmp_path, mini_marker):
    store = Store(tmp_path / "m.sqlite3")
    with sqlite3.connect(store.path) as db:
        db.execute("DROP TABLE drafts")
    with pytest.raises(StoreError, match="nothing was saved"):
        store.add_draft("Ada", "a", mini_marker.mark("mini-essay", "Rapallo."))


def test_store_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d" and (tmp_path / "d").is_dir()
