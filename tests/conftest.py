from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests never read or write the user's own data folder: marker.mark() and the CLI default to this one.
os.environ["MARKER_DATA_DIR"] = tempfile.mkdtemp(prefix="marker-tests-")

FIXTURES = Path(__file__).parent / "fixtures"
MINI_RUBRICS = FIXTURES / "bank" / "rubrics"
MINI_ANSWERS = FIXTURES / "bank" / "model_answers"


@pytest.fixture(scope="session")
def mini_bank():
    from marker.bank import QuestionBank

    return QuestionBank.load(MINI_RUBRICS, MINI_ANSWERS)


@pytest.fixture(scope="session")
def mini_marker(mini_bank):
    """The real spaCy pipeline on the small fixture bank."""
    from marker.engine import Marker

    return Marker(mini_bank)


@pytest.fixture(scope="session")
def shipped_marker():
    """The real spaCy pipeline on the shipped question bank."""
    import marker

    return marker.default_marker()


@pytest.fixture()
def mini_env(monkeypatch):
    monkeypatch.setenv("MARKER_RUBRICS_DIR", str(MINI_RUBRICS))
    monkeypatch.setenv("MARKER_ANSWERS_DIR", str(MINI_ANSWERS))


IMPORT_DIR = FIXTURES / "import"


@pytest.fixture(scope="session")
def import_marker():
    """The real pipeline on the two questions of tests/fixtures/import/questions.yaml (import format)."""
    from marker.engine import load_marker

    return load_marker(IMPORT_DIR / "questions.yaml")


@pytest.fixture()
def data_env(monkeypatch, tmp_path):
    """A private data folder (calibrations, the SQLite store) for one test."""
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


PAPERS_DIR = FIXTURES / "papers"


@pytest.fixture(scope="session")
def papers_marker():
    """The real pipeline on two questions numbered as exam papers number them ("4.1", "Q3a")."""
    from marker.engine import load_marker

    return load_marker(PAPERS_DIR / "questions.yaml")
