from __future__ import annotations

from html import escape

from marker.feedback import Feedback
from marker.render import checklist_html, compare_drafts, highlight_html, render_text, role_strip_html


def _fb(points, facts=(), mark=0, sentences=()):
    """A Feedback from the JSON form of its points and fact issues (the rest left empty)."""
    fill_point = {"theme": "context", "weight": 1.0, "strength": 0.0, "evidence": [], "cues": []}
    fill_fact = {"kind": "wrong-date", "start": 0, "end": 0, "text": "", "sentence": "", "concept": ""}
    return Feedback.from_dict(
        {
            "question_id": "q",
            "question": "Why?",
            "marking_kind": "points",
            "rubric_version": "v1",
            "mark": mark,
            "max_mark": 10,
            "level": None,
            "band": None,
            "summary": "",
            "points": [fill_point | p for p in points],
            "fact_issues": [fill_fact | {"message": "", "correct": ""} | f for f in facts],
            "advisories": [],
            "next_steps": [],
            "sentences": list(sentences),
        }
    )


def test_render_escapes_every_character_of_the_answer():
    text = "<script>alert(1)</script> & <b>Rapallo</b>"
    html = highlight_html(
        text,
        _fb(
            [
                {
                    "id": "a",
                    "label": "<i>A</i>",
                    "status": "credited",
                    "evidence": [{"start": 27, "end": len(text), "text": text[27:]}],
                }
            ]
        ),
    )
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html


def test_render_labels_do_not_rely_on_colour():
    text = "One. Two. 1923."
    fb = _fb(
        [
            {
                "id": "a",
                "label": "A",
                "status": "credited",
                "evidence": [{"start": 0, "end": 4, "text": "One."}],
            },
            {
                "id": "b",
                "label": "B",
                "status": "partial",
                "evidence": [{"start": 5, "end": 9, "text": "Two."}],
            },
            {"id": "c", "label": "C", "status": "missing", "evidence": []},
        ],
        [{"severity": "error", "start": 10, "end": 14, "text": "1923", "message": "wrong"}],
    )
    html = highlight_html(text, fb)
    assert "\u27131</sup>" in html and "~2</sup>" in html and "\u2717 date</sup>" in html
    assert "underline solid" in html and "underline dashed" in html and "underline wavy" in html


def test_render_compare_drafts():
    before = _fb(
        [
            {"id": "a", "label": "A", "status": "missing"},
            {"id": "b", "label": "B", "status": "partial"},
            {"id": "c", "label": "C", "status": "credited"},
        ],
        [{"severity": "error", "text": "1923", "concept": "Rapallo"}],
        mark=5,
    )
    after = _fb(
        [
            {"id": "a", "label": "A", "status": "credited"},
            {"id": "b", "label": "B", "status": "credited"},
            {"id": "c", "label": "C", "status": "missing"},
        ],
        [],
        mark=8,
    )
    change = compare_drafts(before, after)
    assert (
        change.mark_change == 3
        and change.gained == ["A"]
        and change.improved == ["B"]
        and change.lost == ["C"]
    )
    assert change.facts_fixed == ["1923 (Rapallo)"] and change.facts_new == []


def test_render_role_strip_escapes_and_gaps_paragraphs():
    text = "A <b>one</b>. Two.\n\nThree."
    role = {"cues": [], "counts": True, "filler": False}
    fb = _fb(
        [],
        sentences=[
            role | {"start": 0, "end": 13, "paragraph": 0, "role": "analysis"},
            role | {"start": 14, "end": 18, "paragraph": 0, "role": "narrative", "filler": True},
            role | {"start": 20, "end": 26, "paragraph": 1, "role": "evaluation"},
        ],
    )
    html = role_strip_html(text, fb)
    assert "<b>" not in html and "&lt;b&gt;one&lt;/b&gt;" in html
    assert html.count("margin-left:10px") == 1 and html.count("opacity:0.45") == 1


def test_render_text_marks_each_point_by_status():
    fb = _fb(
        [
            {
                "id": "a",
                "label": "A",
                "status": "credited",
                "evidence": [{"start": 0, "end": 4, "text": "One."}],
            },
            {"id": "b", "label": "B", "status": "missing"},
        ],
        [{"severity": "error", "message": "wrong date"}],
        mark=1,
    )
    text = render_text(fb)
    assert "Mark: 1/10" in text and "[x] A" in text and "[ ] B" in text
    assert "\u201cOne.\u201d" in text and "ERROR: wrong date" in text
    assert fb.to_text() == text


def test_render_checklist_has_every_row_and_the_words_whole_and_escaped():
    words = "Rapallo <script>alert(1)</script> ended isolation & " + "the words go on " * 12 + "to the end."
    quote = {"start": 0, "end": len(words), "text": words}
    points = [
        {"id": f"p{i}", "label": f"Point {i} <b>", "status": s, "evidence": [quote] if s != "missing" else []}
        for i, s in enumerate(["credited", "partial", "missing"] * 4, 1)
    ]
    html = checklist_html(_fb(points))
    assert html.count("<tr class=") == 12
    assert "<script>" not in html and "<b>" not in html and "Point 12 &lt;b&gt;" in html
    assert html.count(escape(words)) == 8  # whole, never clipped, in every row that has evidence
    assert html.count("\u2717 missing") == 4 and html.count("~ partly") == 4


def test_render_charts_place_the_mark_and_read_as_text():
    from marker.charts import band_html, drafts_html
    from marker.placement import LevelCheck

    fb = _fb([], mark=7)
    fb.level, fb.max_mark = 2, 10
    fb.ladder = [
        LevelCheck(1, (1, 4), "", True, ()),
        LevelCheck(2, (5, 8), "", True, ()),
        LevelCheck(3, (9, 10), "", False, ()),
    ]
    bands = band_html(fb)
    assert 'aria-label="Mark 7 of 10, level 2"' in bands
    assert "left:calc(68.18% - 2px)" in bands  # (7 + 0.5) / 11 of the way along
    assert bands.count("#74c0fc") == 2 and bands.count("#e9ecef") == 1  # levels reached, and not
    bars = drafts_html([3, 10, 0], 10)
    assert "oldest first: 3, 10, 0 (out of 10)" in bars and "height:84px" in bars and "height:0px" in bars
