"""Tuning of reading scans and photos (OCR): when to ask for a check, and how lines become paragraphs."""

from __future__ import annotations

from pydantic import Field

from .base import _Section


class OcrTuning(_Section):
    """How recognised lines become an answer's text, and when a transcription needs checking."""

    check_below: float = Field(
        default=0.98,
        ge=0.0,
        le=1.0,
        description=(
            "A script whose mean recognition confidence (weighted by characters) is under this gets the "
            "advisory 'check the transcription'. Measured by benchmarks/ocr.py on two essays: typed pages, "
            "scans and photos of them, and jittered hand-printing read at 0.988 or more (0-0.5% of "
            "characters wrong, one case 3.1%); pages in handwriting typefaces at 0.970-0.982 (0.3-3.2% "
            "wrong). 0.98 flags 8 of those 12, all four whose mark moved by 4 or more, and no typed page. "
            "The mean alone misses a page with one garbled or lost line, hence the two checks below."
        ),
    )
    line_check_below: float = Field(
        default=0.85,
        ge=0.0,
        le=1.0,
        description=(
            "A line recognised with less confidence than this is named in the advisory, whatever the "
            "script's mean: the garbled lines met while building the reader scored 0.64-0.72 and barely "
            "moved the mean of a page whose other lines read at 0.99, while clean lines, even with a "
            "missing space, score 0.95 or more."
        ),
    )
    unread_above: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description=(
            "Share of a page's writing (letter-sized marks of ink) outside every line the recogniser read, "
            "above which the page is named in the advisory: a smudged or out-of-focus line is often not "
            "detected at all, and what is not read has no confidence to be low. On the pages tried while "
            "building it, clean pages, scans and photos left 0-3% unread and a line blurred out of reading "
            "15-30%."
        ),
    )
    ink_contrast: int = Field(
        default=35,
        ge=5,
        le=200,
        description=(
            "How much darker than the paper around it (grey levels of 255) a pixel must be to count as "
            "ink when looking for writing that was not read: low enough to see a blurred line, high "
            "enough that paper texture, JPEG noise and shadows are not ink."
        ),
    )
    min_line_score: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Lines recognised with less confidence than this are left out of the text (they are smudges, "
            "crossings-out or ruled lines read as letters) but still count in the script's confidence, so "
            "a page of unreadable writing is flagged rather than quietly shortened. 0.5 is rapidocr's own "
            "default cut-off."
        ),
    )
    max_side: int = Field(
        default=2000,
        ge=500,
        le=8000,
        description=(
            "Longest side, in pixels, of the image the recogniser sees; larger photos are scaled down "
            "first. 2000 keeps 12-point type on an A4 page about 28 pixels high (read without loss) and "
            "bounds the memory (12 MB a page) and the time (detection grows with the area)."
        ),
    )
    paragraph_gap: float = Field(
        default=1.5,
        ge=1.0,
        le=5.0,
        description=(
            "Distance between two lines, as a multiple of the usual line pitch, from which a new "
            "paragraph starts: a blank line between paragraphs doubles the pitch, while uneven "
            "handwriting or a slanted photo varies it by a third at most."
        ),
    )
    paragraph_height_gap: float = Field(
        default=2.2,
        ge=1.0,
        le=10.0,
        description=(
            "Distance between two lines, as a multiple of a line's height, from which a new paragraph "
            "starts even when every paragraph is a blank line apart (then the usual pitch is the gap "
            "itself): single spacing puts lines 1.3 heights apart, double spacing or ruled paper 1.4-1.7, "
            "a blank line 2.5 or more."
        ),
    )
    indent: float = Field(
        default=1.5,
        ge=0.5,
        le=10.0,
        description=(
            "A line that starts this many line heights right of the line above starts a new paragraph "
            "(an indented first line); a word processor's indent is 2-3 heights of 12-point text."
        ),
    )
