from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests never read or write the user's own data folder: marker.mark() and the CLI default to this one.
os.environ["MARKER_DATA_DIR"] = tempfile.mkdtemp(prefix="marker-tests-")
# Nor the user's cache folder: the encoder's files and questions' parsed texts go to one of the run's own.
os.environ["MARKER_CACHE_DIR"] = tempfile.mkdtemp(prefix="marker-tests-cache-")

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


@pytest.fixture(scope="session")
def shipped_left_out(shipped_marker):
    """The shipped bank's model answers marked leave-one-out, each marker and mark made once."""
    from tests.leave_one_out import LeftOut

    return LeftOut(shipped_marker)


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


# ---------------------------------------------------------------- pytest-xdist groups
# `make test` runs the suite on two worker processes (pytest-xdist, --dist loadgroup), which send
# each test to whichever worker is free, except that the tests of one xdist_group go to one worker
# and run there one after another. Grouped:
# - the browser and load tests (each starts a Streamlit server and Chromium): never both at once,
#   so that they do not compete for the cores with each other, and each file's app starts once;
# - the tests sharing a costly session cache (leave-one-out marking), question by question, so
#   that each question's part of it is made once;
# - in each file, the tests that use a module-scoped fixture, so that it is built once, not on
#   both workers (or again each time a worker comes back to the file).
XDIST_FILE_GROUPS = {"test_browser.py": "browser", "test_load.py": "browser"}
XDIST_FIXTURE_GROUPS = {"shipped_left_out": "shipped-left-out"}


def xdist_group_of(item: pytest.Item) -> str | None:
    """The xdist group a test belongs to (see above), or None to let it run on any worker."""
    if item.path.name in XDIST_FILE_GROUPS:
        return XDIST_FILE_GROUPS[item.path.name]
    names = getattr(item, "fixturenames", ())
    for fixture, group in XDIST_FIXTURE_GROUPS.items():
        if fixture in names:
            # The cache is filled question by question: a question's tests share a worker.
            params = item.callspec.params if hasattr(item, "callspec") else {}
            question = params.get("question_id", params.get("written_for"))
            return f"{group}:{question}" if question else group
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info is not None else ()
    if any(d[-1].scope in ("module", "class", "package") for d in defs if d):
        return f"{item.path.name}:module-fixtures"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = xdist_group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
