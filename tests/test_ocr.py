"""Scans and photos of scripts read by OCR (marker/ocr.py, marker/readers.py) and marked in a batch.

Every image is made here (tests/scans.py): typed text in DejaVu Sans, put in a PDF with no text
layer as a scanner would, or photographed (turned, blurred, noisy, JPEG). The recogniser is the
real one, rapidocr with the models of its wheel.
"""

from __future__ import annotations

import csv
import io
import socket
import sqlite3
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from rapidfuzz.distance import Levenshtein

from marker import ocr
from marker.batch import run_batch
from marker.errors import AnswerFileError
from marker.ingest import ingest
from marker.jobstore import MIGRATIONS, JobStore
from marker.readers import read_script
from marker.scripts import Limits

from .documents import make_pdf, text_stream, write_tree
from .scans import page, photo, png, scanned_pdf

QUESTION = "rapallo-significance"
PARAGRAPHS = [
    "The Treaty of Rapallo in 1922 was significant because it ended Soviet diplomatic isolation. "
    "Germany recognised the Soviet state and both sides renounced claims for war damages.",
    "There was also secret military cooperation, which let the German army train and test weapons "
    "on Soviet soil.",
    "However, it was a limited agreement rather than an alliance, so its significance should not be "
    "exaggerated.",
]
TYPED = "\n\n".join(PARAGRAPHS)


def cer(read: str, truth: str) -> float:
    """Character error rate, whitespace runs counted as one space."""
    a, b = " ".join(read.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / len(b)


def read_csv(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row["script_id"]: row for row in csv.DictReader(f)}


def at(y: float, x: float, text: str, width: float = 300, height: float = 20, score: float = 0.99):
    return ocr.Line(((x, y), (x + width, y), (x + width, y + height), (x, y + height)), text, score)


# --- marked like the typed text -----------------------------------------------------------------


def test_ocr_batch_of_a_scanned_pdf_and_a_photo_is_marked_like_the_typed_text(data_env, tmp_path):
    # A scan at about 200 dpi over two pages, and a phone photo of the page at about 150 dpi.
    scan = scanned_pdf(page(PARAGRAPHS[:2], size=32, width=1350), page(PARAGRAPHS[2:], size=32, width=1350))
    folder = write_tree(
        tmp_path / "scripts",
        {"typed.txt": TYPED.encode(), "scanned.pdf": scan, "photo.jpg": photo(page(PARAGRAPHS))},
    )
    out = tmp_path / "out"
    result = run_batch(folder, QUESTION, out, processes=1)

    assert result.n_marked == 3 and result.n_rejected == 0
    by_id = {r.script_id: r for r in result.records}
    typed = by_id["typed"].feedback
    assert by_id["typed"].ocr_confidence is None
    for sid in ("scanned", "photo"):
        record = by_id[sid]
        fb = record.feedback
        assert cer(record.answer, TYPED) < 0.02, record.answer
        assert record.answer.count("\n\n") == 2  # the three paragraphs, across the PDF's two pages
        assert (fb.mark, fb.level) == (typed.mark, typed.level)
        assert [p.status for p in fb.points] == [p.status for p in typed.points]
        assert record.ocr_confidence >= 0.95
        assert not any(a.code == "ocr-check" for a in fb.advisories)  # read cleanly: nothing to check
    assert result.notes == ["2 scripts were read by OCR from scans or photos."]

    rows = read_csv(out / "results.csv")
    assert rows["typed"]["ocr_confidence"] == ""
    assert float(rows["photo"]["ocr_confidence"]) == by_id["photo"].ocr_confidence
    assert rows["scanned"]["mark"] == rows["photo"]["mark"] == rows["typed"]["mark"]
    with zipfile.ZipFile(out / "feedback.zip") as pages:
        photo_page = next(pages.read(n).decode() for n in pages.namelist() if n.startswith("Photo"))
    assert "Read by OCR (mean confidence" in photo_page


def test_ocr_a_lost_line_gives_an_advisory_until_the_teacher_checks_the_text(data_env, tmp_path):
    # The middle paragraph is out of focus: the recogniser does not find it at all.
    img = page(PARAGRAPHS)
    band = (0, 165, img.width, 235)
    img.paste(img.crop(band).filter(ImageFilter.GaussianBlur(3)), band)
    folder = write_tree(tmp_path / "scripts", {"smudged.png": png(img)})

    first = run_batch(folder, QUESTION, tmp_path / "a", processes=1)
    (record,) = first.records
    assert "secret military" not in record.answer and "exaggerated" in record.answer
    (advisory,) = [a for a in record.feedback.advisories if a.code == "ocr-check"]
    assert "check the transcription" in advisory.message and "was not read at all" in advisory.message
    assert "check the transcription of 1 read with low confidence: smudged" in first.notes[0]
    row = read_csv(tmp_path / "a" / "results.csv")["smudged"]
    assert "check the transcription" in row["advisories"]

    # The teacher types the lost line back in: that text is marked, and nothing is left to check.
    checked = run_batch(folder, QUESTION, tmp_path / "b", processes=1, texts={"smudged": TYPED})
    (record,) = checked.records
    assert checked.job_id != first.job_id
    assert record.answer == TYPED and record.ocr_confidence is not None
    assert not any(a.code == "ocr-check" for a in record.feedback.advisories)
    assert "check the transcription" not in checked.notes[0]


# --- nothing from the network ---------------------------------------------------------------------


def test_ocr_reads_offline_with_the_models_inside_its_wheel(monkeypatch):
    import rapidocr

    calls: list[tuple] = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OSError("the network is closed in this test")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ocr._engine.cache_clear()  # build the recogniser again, with the network closed
    ocr.forget()
    try:
        got = read_script("answer.png", png(page(PARAGRAPHS[:1])))
    finally:
        ocr._engine.cache_clear()
    assert cer(got.text, PARAGRAPHS[0]) < 0.02 and got.ocr_confidence > 0.95
    assert calls == []
    files = ocr.model_files()
    inside = Path(rapidocr.__file__).parent / "models"
    assert set(files) == {"det", "cls", "rec"} and all(f.parent == inside for f in files.values())
    engine = ocr._engine()
    assert (engine.cfg.Det.model_path, engine.cfg.Rec.model_path) == (str(files["det"]), str(files["rec"]))


# --- lines into text --------------------------------------------------------------------------------


def test_ocr_lines_become_rows_and_paragraphs():
    lines = [
        at(0, 320, "on one row"),  # a row split in two boxes, read left to right
        at(0, 10, "Two boxes"),
        at(26, 10, "continue it, hyphen-"),
        at(52, 10, "ated here.", width=120),  # short and ends a sentence: the paragraph ends
        at(78, 10, "Next para-"),
        at(104, 10, "graph goes on"),
        at(130, 60, "Indented: a new one."),  # indented by more than 1.5 heights
        at(220, 10, "After a blank line."),
    ]
    assert ocr.lines_to_text(lines) == (
        "Two boxes on one row continue it, hyphenated here.\n\nNext paragraph goes on\n\n"
        "Indented: a new one.\n\nAfter a blank line."
    )


def test_ocr_every_paragraph_a_blank_line_apart_is_still_split():
    lines = [at(i * 56, 10, f"Paragraph {i}.", width=600) for i in range(3)]
    assert ocr.lines_to_text(lines) == "Paragraph 0.\n\nParagraph 1.\n\nParagraph 2."


def test_ocr_confidence_counts_every_character_and_names_unsure_lines():
    page_lines = [
        at(0, 10, "A clear line.", score=1.0),
        at(26, 10, "Mu\u4ebfddled", score=0.7),  # a foreign letter: dropped, counted as 0
        at(52, 10, "xx", score=0.3),  # under min_line_score: left out of the text
    ]
    got = ocr.assemble([page_lines])
    assert got.text == "A clear line. Muddled"
    assert got.left_out == 1 and got.lines == 3
    assert got.confidence == pytest.approx((13 * 1.0 + 7 * 0.7 + 2 * 0.3) / (13 + 8 + 2), abs=1e-4)
    assert got.doubtful == ("Muddled", "xx")
    with pytest.raises(AnswerFileError, match="no text found in the image"):
        ocr.assemble([[at(0, 10, "~", score=0.2)]])


# --- bad input, bounded work ------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG that only declares its size (no pixels): what a decompression bomb starts with."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("L", (40, 40), "white").save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "limits", "message"),
    [
        ("a.png", png(page(["Rapallo."]))[:300], Limits(), "corrupt or not a PNG or JPEG image"),
        ("a.jpg", b"\xff\xd8\xff\xe0 not a photo", Limits(), "corrupt or not a PNG or JPEG image"),
        (
            "a.png",
            _gif(),
            Limits(),
            "corrupt or not a PNG or JPEG image (it is a GIF image; save it as PNG or JPEG)",
        ),
        ("a.png", png(page(["Rapallo."])), Limits(max_image_pixels=10_000), "megapixel limit"),
        ("a.png", _png_header(60_000, 60_000), Limits(), "over the 50-megapixel limit"),
        ("a.png", _png_header(8_000, 7_000), Limits(), "8,000 × 7,000 pixels (56 megapixels)"),
        ("a.png", png(Image.new("L", (600, 400), "white")), Limits(), "no text found in the image"),
        (
            "a.pdf",
            scanned_pdf(*[page([f"Page {i}."]) for i in range(3)]),
            Limits(max_ocr_pages=2),
            "the PDF has 3 scanned pages to read; OCR reads at most 2 per script",
        ),
    ],
)
def test_ocr_bad_images_are_refused_with_a_reason(name, data, limits, message):
    with pytest.raises(AnswerFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_script(name, data, limits)


def test_ocr_a_pdf_with_a_typed_and_a_scanned_page_reads_both_in_order(tmp_path):
    typed = make_pdf(text_stream("The typed cover page."))
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in (typed, scanned_pdf(page(PARAGRAPHS[1:2]))):
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    got = read_script("mixed.pdf", out.getvalue())
    first, second = got.text.split("\n\n")
    assert first == "The typed cover page." and cer(second, PARAGRAPHS[1]) < 0.02
    assert got.ocr_confidence is not None


def test_ocr_ingest_records_which_scripts_were_read_by_ocr(tmp_path):
    folder = write_tree(tmp_path / "s", {"a.txt": b"Typed.", "b.png": png(page(PARAGRAPHS[:1]))})
    got = {s.script_id: s for s in ingest(folder).scripts}
    assert got["a"].ocr_confidence is None and got["b"].ocr_confidence > 0.95
    assert got["b"].student == "B" and cer(got["b"].text, PARAGRAPHS[0]) < 0.02


def test_ocr_job_store_of_the_previous_schema_is_upgraded_in_place(tmp_path):
    db = tmp_path / "batches.sqlite3"
    with sqlite3.connect(db) as c:
        c.executescript(MIGRATIONS[0])
        c.execute("INSERT INTO jobs VALUES ('job-1', 'now', 'set1', 'q', 'done', 1, '{}')")
        c.execute(
            "INSERT INTO results (job_id, script_id, status, marked_at, answer) "
            "VALUES ('job-1', 'alice', 'failed', 'now', 'Rapallo.')"
        )
        c.execute("PRAGMA user_version = 1")
    store = JobStore(db)
    assert store.schema_version == len(MIGRATIONS)
    (row,) = store.results("job-1")
    assert (row.script_id, row.answer, row.ocr_confidence) == ("alice", "Rapallo.", None)
    assert row.record().ocr_confidence is None


# --- words run together --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        (
            "both sidesrenouncedclaims for wardamages after the war",
            "both sides renounced claims for war damages after the war",
        ),
        ("to havediplomatic relations on itsown terms", "to have diplomatic relations on its own terms"),
        ("train onSoviet soil with 100,000men in 1922", "train on Soviet soil with 100,000 men in 1922"),
        ("The Cerman army", "The Cerman army"),  # a misread word, not two words: left for the teacher
        ("At Genoa and Rapallo in the 1920s", "At Genoa and Rapallo in the 1920s"),  # names and decades kept
        ("in the 19th century, alot changed", "in the 19th century, alot changed"),
        ("signed in1922and on16 April", "signed in 1922 and on 16 April"),
        ("Itwas Germanyand Poland. Germany.Germany", "It was Germany and Poland. Germany. Germany"),
        ("Chicherinand Holland", "Chicherinand Holland"),  # a name the word list lacks is left whole
    ],
)
def test_ocr_words_run_together_are_put_apart_with_the_english_word_list(read, meant):
    from marker.respace import known_words, respace

    assert len(known_words()) > 20_000  # spaCy's English pipeline is installed with marker
    assert respace(read) == meant


def test_ocr_rows_of_a_slanted_photo_stay_in_order():
    # Turned by 3 degrees: each line's right end sits lower than the next line's left end.
    slope = 0.0524
    lines = []
    for row in range(3):
        for col, word in enumerate(("left", "middle", "right")):
            x, y = 10 + col * 400, 30 * row + (10 + col * 400) * slope
            box = ((x, y), (x + 350, y + 350 * slope), (x + 350, y + 350 * slope + 20), (x, y + 20))
            lines.append(ocr.Line(box, f"{word}{row}", 0.99))
    assert ocr.lines_to_text(lines) == "left0 middle0 right0 left1 middle1 right1 left2 middle2 right2"
