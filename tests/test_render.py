from __future__ import annotations

from marker.render import compare_drafts, highlight_html


def _fb(points, facts=(), mark=0):
    return {"mark": mark, "points": list(points), "fact_issues": list(facts)}


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
