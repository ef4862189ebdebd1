from __future__ import annotations

import re
from html import escape

from marker.feedback import Feedback
from marker.render import (
    argument_html,
    change_html,
    checklist_html,
    compare_drafts,
    feedback_css,
    heading_html,
    headline_html,
    highlight_html,
    ladder_html,
    render_text,
    role_strip_html,
    steps_html,
)


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
    # Each kind has its own underline besides its colour, in the page's stylesheet.
    assert all(f'class="marker-{k}"' in html for k in ("credited", "partial", "error"))
    css = feedback_css()
    for kind, line in (("credited", "solid"), ("partial", "dashed"), ("error", "wavy")):
        assert re.search(rf"\.marker-answer \.marker-{kind},[^{{]*\{{[^}}]*underline {line}", css), kind


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
    assert html.count("marker-gap") == 1 and html.count("marker-muted") == 1
    assert ".marker-roles .marker-gap{margin-left:10px}" in feedback_css()
    assert ".marker-roles .marker-muted{opacity:0.45}" in feedback_css()


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


def test_render_headline_shows_the_figures_the_change_and_a_bar_of_the_marks():
    points = [{"id": "a", "label": "A", "status": "credited"}, {"id": "b", "label": "B", "status": "partial"}]
    fb = _fb(points, mark=3)
    html = headline_html(fb)
    assert '<dt style="font-size:14px">Mark</dt><dd class="marker-mark"' in html and ">3 / 10</dd>" in html
    assert ">1 / 2</dd>" in html and "Level" not in html  # a points question has no level
    assert 'role="progressbar"' in html and 'aria-valuenow="3"' in html and "3 of 10 marks" in html
    assert "marker-delta" not in html and "calibrated" not in html
    # The change since the previous draft is said in words and signed, not by colour or arrow alone.
    assert '<span aria-hidden="true">\u25bc</span> -2 since your previous draft' in headline_html(
        fb, _fb([], mark=5)
    )
    assert "\u25b2</span> +3 since" in headline_html(fb, _fb([], mark=0))
    assert "+0 since your previous draft" in headline_html(fb, _fb([], mark=3))
    fb.calibrated = True
    assert "calibrated to your teacher" in headline_html(fb)


def test_render_feedback_pieces_escape_the_answer_and_the_rubric():
    from marker.placement import CriterionResult, LevelCheck
    from marker.points import Quote

    attack = "<img src=x onerror=alert(1)>"
    fb = _fb(
        [{"id": "a", "label": "A", "status": "missing"}], [{"severity": "error", "message": "m"}], mark=2
    )
    fb.summary = f"Summary {attack}"
    fb.next_steps = [f"Quote \u201c{attack}\u201d and develop it", "Check \u202edates\u202c"]
    fb.level = 1
    criterion = CriterionResult("analysis", 0.4, 0.25, "nearly", f"Analysis {attack}", (Quote(0, 5, attack),))
    fb.ladder = [LevelCheck(1, (1, 5), f"Descriptor {attack}", True, (criterion,))]
    change = compare_drafts(
        _fb([{"id": "a", "label": attack, "status": "missing"}]),
        _fb([{"id": "a", "label": attack, "status": "credited"}]),
    )
    pieces = [headline_html(fb), steps_html(fb), ladder_html(fb), change_html(change), heading_html(attack)]
    for piece in pieces:
        assert "<img" not in piece and escape(attack) in piece
    assert "[U+202E]dates[U+202C]" in pieces[1] and "\u202e" not in pieces[1]
    assert "<h3" in pieces[1] and "Facts to check</h3>" in pieces[1]  # headings are real headings
    assert "this answer: 25%" in pieces[2] and "Level 1 (1-5): reached" in pieces[2]
    assert "Points gained: " + escape(attack) in pieces[3] and "mark +0" in pieces[3]


def test_render_argument_ticks_the_essay_shape():
    from marker.structure import Structure

    text = "First. Second."
    role = {"cues": [], "counts": True, "filler": False, "paragraph": 0}
    fb = _fb(
        [],
        sentences=[
            role | {"start": 0, "end": 6, "role": "analysis"},
            role | {"start": 7, "end": 14, "role": "narrative"},
        ],
    )
    assert "marker-shape" not in argument_html(text, fb)  # no essay shape, no ticks
    fields = dict.fromkeys(Structure.__dataclass_fields__)
    fb.structure = Structure(
        **fields
        | {"has_introduction": True, "has_conclusion": False, "answers_demand": False, "drifting": (1,)}
    )
    html = argument_html(text, fb)
    assert html.count('title="') == 2 and "How your answer argues</h3>" in html
    assert (
        "\u2713 an opening paragraph with a line of argument" in html
        and "\u2717 a concluding paragraph<" in html
        and "\u2717 every paragraph" in html
    )


def test_render_essay_in_one_block_has_no_concluding_paragraph_but_a_conclusion(shipped_marker):
    """A pupil's answer in one block (tests/pupils/tuning) ends "Overall the intervention prolonged
    the war but it was the red army and white divisions that decided the outcome." Its shape said
    "✗ a conclusion" above "✓ a conclusion that answers the question set" (main at 5630e79): the
    first tick is about a paragraph of its own."""
    from pathlib import Path

    from marker.validation import load_validation

    pupils = Path(__file__).resolve().parent / "pupils" / "tuning"
    a = {a.name: a for a in load_validation(pupils)}["ai-analytical-nopara"]
    fb = shipped_marker.mark(a.question, a.text)
    assert fb.structure.n_paragraphs == 1 and fb.structure.answers_demand
    html = argument_html(a.text, fb)
    assert (
        "\u2717 a concluding paragraph<" in html
        and "\u2713 a conclusion that answers the question set" in html
    )
    assert "\u2717 an opening paragraph with a line of argument" in html
    assert "no: concluding paragraph; yes: conclusion answers the question" in render_text(fb)


def test_render_role_strip_does_not_fade_a_verdict_that_judges(shipped_marker):
    """export-of-revolution/05-exemplar concludes "In conclusion, the view is valid." and then argues
    it: a verdict on the question's claim, filler (it names nothing) yet the conclusion's judgement.
    The role strip faded it as it fades sentences that earn nothing (main at c9fdf9b)."""
    from marker.validation import load_validation

    a = next(a for a in load_validation(question="export-of-revolution") if a.name == "05-exemplar")
    fb = shipped_marker.mark(a.question, a.text)
    verdict = next(
        i for i, s in enumerate(fb.sentences) if a.text[s.start : s.end].startswith("In conclusion")
    )
    assert fb.sentences[verdict].filler and verdict in fb.structure.conclusion
    blocks = re.findall(r'<span class="([^"]*)" title="([^"]*)"', role_strip_html(a.text, fb))
    assert len(blocks) == len(fb.sentences)
    assert "marker-muted" not in blocks[verdict][0] and "In conclusion" in blocks[verdict][1]
    # Sentences that earn nothing and judge nothing are still faded.
    padded = shipped_marker.mark(
        a.question, a.text + "\n\nOverall there were many reasons why this happened."
    )
    last = re.findall(r'<span class="([^"]*)"', role_strip_html(a.text, padded))[-1]
    assert padded.sentences[-1].filler and "marker-muted" in last
