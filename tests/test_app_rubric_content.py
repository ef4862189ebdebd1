"""The Rubrics page shows an imported mark scheme's indicative content as the teacher wrote it:
Markdown in it is escaped, not rendered (real app, Streamlit's AppTest)."""

from __future__ import annotations

import yaml

from marker.authoring import build, parse_specs
from marker.new_question import save_new_question
from marker.workspace import Workspace

from .conftest import IMPORT_DIR
from .test_app_rubric_parts import rubrics_page

QID = "content-escaped"
CONTENT = "*Treaty* of <b>Brest-Litovsk</b> [link](http://x) signed in 1918"


def test_app_rubric_indicative_content_is_escaped(tmp_path, monkeypatch):
    spec = dict(yaml.safe_load((IMPORT_DIR / "markscheme.yaml").read_text(encoding="utf-8"))[1])
    # Kept as indicative content beside points given (without points it becomes the points).
    spec.update(
        id=QID,
        indicative_content=[*spec["indicative_content"], CONTENT],
        points=["troops landed at Murmansk"],
    )
    ws = Workspace(tmp_path)
    built = build(parse_specs(yaml.safe_dump(spec))[0], ws.marker.nlp)
    assert CONTENT in built.question.indicative_content
    save_new_question(ws, built, built.question)
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    at = rubrics_page(QID)
    shown = next(m.value for m in at.markdown if "Brest" in m.value)
    assert "\\*Treaty\\* of \\<b\\>Brest" in shown and "\\[link\\]" in shown
