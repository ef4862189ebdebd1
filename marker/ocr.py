"""Read the text of a scanned page or a photo of a script on this computer (OCR).

Reads images (PNG/JPEG bytes, or the pictures of a PDF page that has no text layer) and writes
nothing. Recognition uses rapidocr's ONNX models, which come inside its wheel: they are opened
from the installed package by their paths, so nothing is ever downloaded (a missing model file
is an error that says how to reinstall, never a download). rapidocr is imported only when a
script needs OCR, so marking typed scripts never loads it.

::

    image ──checks, upright, scaled──> rapidocr (detect lines, recognise)
          ──lines──> rows, then paragraphs (:func:`lines_to_text`)
          ──> words run together put apart (:mod:`marker.respace`) ──> OcrText (text, confidence)
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import statistics
import threading
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import AnswerFileError
from .respace import respace
from .tuning import TUNING

_T = TUNING.ocr
#: Image formats read from a file (MPO is the JPEG many phone cameras write).
IMAGE_FORMATS = ("PNG", "JPEG", "MPO")
_NOT_IMAGE = "corrupt or not a PNG or JPEG image"
_NO_TEXT = (
    "no text found in the image: it may be blank, too dark or too blurred; photograph it again or type it"
)
# Chinese punctuation the recogniser (trained on Chinese and English) sometimes gives for ours.
_PUNCTUATION = str.maketrans({"\u3002": ".", "\u3001": ",", "\u300c": '"', "\u300d": '"', "\u2018": "'"})
# Letters of scripts no English answer is written in: misreadings, dropped from the text.
_FOREIGN = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_CACHE: dict[str, object] = {}
_CACHE_SIZE = 256
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Line:
    """One recognised line: its corners (x, y from the top left, clockwise from top left), text and score."""

    box: tuple[tuple[float, float], ...]
    text: str
    score: float

    @property
    def height(self) -> float:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box[:4]
        return (abs(y3 - y0) + abs(y2 - y1)) / 2

    @property
    def middle(self) -> float:
        return sum(y for _, y in self.box[:4]) / 4

    @property
    def left(self) -> float:
        return min(x for x, _ in self.box[:4])

    @property
    def right(self) -> float:
        return max(x for x, _ in self.box[:4])


@dataclass(frozen=True)
class OcrText:
    """What OCR read from a script's pages.

    Attributes:
        text: the answer, paragraphs separated by blank lines.
        page_texts: the text of each page (image) read, "" for one with no text.
        confidence: mean recognition confidence, 0-1, over every character recognised (lines
            left out for a low score and letters of other scripts count, the latter as 0).
        pages: pages (images) read.
        lines: lines recognised, including those left out.
        left_out: lines left out of the text for a low score.
        doubtful: the lines read with less confidence than ``line_check_below`` (those left
            out too), as read, for the teacher to check.
    """

    text: str
    page_texts: tuple[str, ...]
    confidence: float
    pages: int
    lines: int
    left_out: int = 0
    doubtful: tuple[str, ...] = ()


# --- images in -------------------------------------------------------------------------------------


def open_image(data: bytes, max_pixels: int):
    """A PNG or JPEG file as an upright RGB image no larger than the recogniser needs.

    The size is checked from the header before a pixel is decoded, so a decompression bomb
    costs nothing; JPEGs are decoded straight at a reduced scale when they are large.

    Raises:
        AnswerFileError: not a PNG or JPEG, damaged, or more pixels than ``max_pixels``.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in IMAGE_FORMATS:
                kind = f"a {img.format} image" if img.format else "an image of another kind"
                raise AnswerFileError(f"{_NOT_IMAGE} (it is {kind}; save it as PNG or JPEG)")
            check_pixels(img.width, img.height, max_pixels)
            if img.format in ("JPEG", "MPO"):
                img.draft("RGB", (_T.max_side, _T.max_side))
            img.load()
            img = ImageOps.exif_transpose(img)
    except AnswerFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own cap, before ours
        raise AnswerFileError(
            f"the image has more than {Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels, over the "
            f"{max_pixels / 1e6:.0f}-megapixel limit; save or photograph it at a lower resolution"
        ) from None
    except UnidentifiedImageError:
        raise AnswerFileError(_NOT_IMAGE) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or damaged data
        raise AnswerFileError(f"{_NOT_IMAGE} ({exc})") from None
    return prepare(img)


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """Refuse an image with more pixels than any photo of a page needs (before decoding it)."""
    if width * height > max_pixels:
        raise AnswerFileError(
            f"the image is {width:,} × {height:,} pixels ({width * height / 1e6:.0f} megapixels), over the "
            f"{max_pixels / 1e6:.0f}-megapixel limit; save or photograph it at a lower resolution"
        )


def prepare(img):
    """An RGB copy, transparency on white, scaled down so its longest side is at most ``max_side``."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        page = Image.new("RGB", img.size, "white")
        page.paste(img, mask=img.getchannel("A"))
        img = page
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if max(img.size) > _T.max_side:
        img = img.copy()
        img.thumbnail((_T.max_side, _T.max_side), Image.Resampling.LANCZOS)
    return img


# --- recognition -----------------------------------------------------------------------------------


def read_images(images: Sequence) -> OcrText:
    """Read the text of the pages of one script, in order.

    Args:
        images: the pages as RGB images (from :func:`open_image` or :func:`prepare`).

    Raises:
        AnswerFileError: no text was found, or OCR is not installed.
    """
    pages = [recognise(img) for img in images]
    return assemble(pages, [unread_share(img, lines) for img, lines in zip(images, pages, strict=True)])


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def recall(key: str):
    """What :func:`remember` kept for a file's digest in this process, or None."""
    return _CACHE.get(key)


def remember(key: str, value) -> None:
    """Keep what OCR read from a file (by its digest), so that re-marking a batch, or the app's
    check-then-mark, does not read the same file again. The oldest of 256 files is forgotten."""
    with _LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = value


def forget() -> None:
    """Empty this process's cache of files already read (tests measure a first reading)."""
    with _LOCK:
        _CACHE.clear()


def recognise(img) -> list[Line]:
    """The lines rapidocr finds on one page, every one of them whatever its score."""
    import numpy as np

    engine = _engine()
    bgr = np.ascontiguousarray(np.asarray(img, dtype=np.uint8)[:, :, ::-1])
    try:
        out = engine(bgr)
    except Exception as exc:  # the recogniser on a strange image: this script only is set aside
        raise AnswerFileError(f"OCR could not read the image ({type(exc).__name__}: {exc})") from None
    if out is None or getattr(out, "txts", None) is None or getattr(out, "boxes", None) is None:
        return []
    return [
        Line(tuple((float(x), float(y)) for x, y in box), str(text), float(score))
        for box, text, score in zip(out.boxes, out.txts, out.scores, strict=True)
    ]


def unread_share(img, lines: Sequence[Line]) -> float:
    """The share of letter-sized marks of ink on a page that no recognised line covers.

    Ink is what is ``ink_contrast`` darker than the paper around it; a mark counts when it is
    the size of a letter or a word (page edges, rules and specks do not). A line the detector
    missed altogether shows up here, where no confidence could.
    """
    import numpy as np
    from PIL import ImageChops, ImageDraw, ImageFilter
    from scipy import ndimage

    if not lines:
        return 0.0
    height = statistics.median(line.height for line in lines) or 1.0
    gray = img.convert("L")
    ink = np.asarray(ImageChops.subtract(gray.filter(ImageFilter.BoxBlur(12)), gray)) > _T.ink_contrast
    covered = gray.point(lambda _: 0)
    draw = ImageDraw.Draw(covered)
    for line in lines:
        draw.polygon(line.box[:4], fill=255, outline=255, width=max(2, int(line.height * 0.3)))
    read = np.asarray(covered) > 0
    labels, _ = ndimage.label(ink)
    total = missed = 0
    for i, where in enumerate(ndimage.find_objects(labels), start=1):
        tall, wide = where[0].stop - where[0].start, where[1].stop - where[1].start
        mark = labels[where] == i
        area = int(mark.sum())
        if not (height / 4 <= tall <= 1.5 * height and wide <= 8 * height) or area < 0.02 * height**2:
            continue  # not a letter or a word: a page edge, a rule, a speck
        total += area
        if not read[where][mark].any():
            missed += area
    return missed / total if total else 0.0


def model_files() -> dict[str, Path]:
    """The detection, orientation and recognition models inside the installed rapidocr package.

    Raises:
        AnswerFileError: rapidocr (or onnxruntime) is not installed, or a model file is missing.
    """
    try:
        import onnxruntime  # noqa: F401  (rapidocr's engine; checked here to name it in the message)
        import rapidocr
    except ImportError as exc:
        raise AnswerFileError(
            f"scans and photos need OCR, which is not installed ({exc.name} is missing): "
            "pip install 'rapidocr>=3.9,<4' onnxruntime, or run 'make venv'"
        ) from None
    folder = Path(rapidocr.__file__).parent / "models"
    found = {}
    for part in ("det", "cls", "rec"):
        files = sorted(folder.glob(f"*_{part}_*.onnx"))
        if not files:
            raise AnswerFileError(
                f"rapidocr's {part} model is missing from {folder}; reinstall it with "
                "pip install --force-reinstall 'rapidocr>=3.9,<4' (nothing is downloaded at run time)"
            )
        found[part] = files[-1]
    return found


@cache
def _engine() -> Callable:
    """rapidocr with the models of its own wheel, given by path: nothing is downloaded."""
    files = model_files()
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            "Det.model_path": str(files["det"]),
            "Cls.model_path": str(files["cls"]),
            "Rec.model_path": str(files["rec"]),
            # Every line comes back with its score; assemble() decides what to keep.
            "Global.text_score": 0.0,
            # The line orientation classifier turns some upright lines of typed English upside
            # down (a whole line then reads as garbage); pages are set upright from EXIF instead.
            "Global.use_cls": False,
            "Global.max_side_len": _T.max_side,
            "Global.log_level": "error",
        }
    )


# --- lines out -------------------------------------------------------------------------------------


def clean(text: str) -> tuple[str, int]:
    """A recognised line in plain English characters, and how many foreign letters were dropped.

    >>> clean("Rapallo\\u3002 in 1922\\uff0c")
    ('Rapallo. in 1922,', 0)
    >>> clean("I\\u4ebfZ was")
    ('IZ was', 1)
    """
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    kept, dropped = _FOREIGN.subn("", text)
    return " ".join(kept.split()), dropped


def assemble(pages: Sequence[Sequence[Line]], unread: Sequence[float] = ()) -> OcrText:
    """The text and confidence of a script's pages of lines.

    Args:
        pages: the lines recognised on each page.
        unread: per page, the share of its writing no line covers (:func:`unread_share`).

    Raises:
        AnswerFileError: no line of any page has a usable score.
    """
    total = weight = 0.0
    n_lines = left_out = 0
    texts, doubtful = [], []
    for lines in pages:
        kept = []
        for line in lines:
            text, dropped = clean(line.text)
            n_lines += 1
            total += line.score * len(text)
            weight += len(text) + dropped
            if text and (line.score < _T.line_check_below or dropped):
                doubtful.append(text)
            if text and line.score >= _T.min_line_score:
                kept.append(Line(line.box, text, line.score))
            elif text:
                left_out += 1
        texts.append(lines_to_text(kept))
    if not any(texts):
        raise AnswerFileError(_NO_TEXT)
    for number, share in enumerate(unread, start=1):
        if share > _T.unread_above:
            where = f"page {number}" if len(pages) > 1 else "the page"
            doubtful.append(f"(about {share:.0%} of the writing on {where} was not read at all)")
    confidence = round(total / weight, 4) if weight else 0.0
    texts = [respace(t) for t in texts]
    text = "\n\n".join(t for t in texts if t)
    return OcrText(text, tuple(texts), confidence, len(pages), n_lines, left_out, tuple(doubtful))


def lines_to_text(lines: Sequence[Line]) -> str:
    """Lines found on a page, as text: rows top to bottom, words left to right, paragraphs apart.

    A paragraph starts after a gap of ``paragraph_gap`` times the usual line pitch (or of
    ``paragraph_height_gap`` line heights), at an indented line, or after a short line that
    ends a sentence. Lines of one paragraph are
    joined with a space (a word broken with a hyphen at the end of a line is joined whole).

    >>> def at(y, x, text, w=300): return Line(((x, y), (x + w, y), (x + w, y + 20), (x, y + 20)), text, 0.99)
    >>> lines_to_text([at(30, 10, "with a gap."), at(0, 10, "Rows are read"), at(0, 320, "in order"),
    ...                at(90, 10, "A new para-"), at(120, 10, "graph.")])
    'Rows are read in order with a gap.\\n\\nA new paragraph.'
    """
    rows = _rows(_levelled(lines))
    if not rows:
        return ""
    height = statistics.median(line.height for line in lines) or 1.0
    middles = [statistics.fmean(line.middle for line in row) for row in rows]
    pitches = [b - a for a, b in zip(middles, middles[1:], strict=False)]
    pitch = statistics.median(pitches) if pitches else height
    full = max(row[-1].right for row in rows)
    paragraphs: list[str] = []
    current = ""
    for i, row in enumerate(rows):
        text = " ".join(line.text for line in row)
        if i and _starts_paragraph(rows[i - 1], row, middles[i] - middles[i - 1], pitch, height, full):
            paragraphs.append(current)
            current = ""
        current = _join(current, text)
    paragraphs.append(current)
    return "\n\n".join(p for p in paragraphs if p)


def _levelled(lines: Sequence[Line]) -> list[Line]:
    """The lines turned about the page's top left by the page's slant, so that rows lie level.

    A photo turned by 2 degrees drops a line's end 46 pixels over 1300, more than the pitch of
    12-point lines: rows are told apart only once the slant (the median of the boxes' top edges)
    is taken out.
    """
    slopes = [
        (line.box[1][1] - line.box[0][1]) / (line.box[1][0] - line.box[0][0])
        for line in lines
        if line.box[1][0] - line.box[0][0] > 2 * line.height
    ]
    if not slopes:
        return list(lines)
    angle = math.atan(statistics.median(slopes))
    cos, sin = math.cos(angle), math.sin(angle)
    return [
        Line(tuple((x * cos + y * sin, y * cos - x * sin) for x, y in line.box), line.text, line.score)
        for line in lines
    ]


def _rows(lines: Sequence[Line]) -> list[list[Line]]:
    """Lines grouped into rows (a row's boxes share a middle within half a line height), top first."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: item.middle):
        row = rows[-1] if rows else None
        if row is not None and abs(line.middle - statistics.fmean(x.middle for x in row)) < line.height / 2:
            row.append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda item: item.left) for row in rows]


def _starts_paragraph(
    before: list[Line], row: list[Line], gap: float, pitch: float, height: float, full: float
) -> bool:
    if gap > min(_T.paragraph_gap * pitch, _T.paragraph_height_gap * height):
        return True
    if row[0].left - before[0].left > _T.indent * height:
        return True
    short = before[-1].right < full - 4 * height
    return short and before[-1].text.rstrip().endswith((".", "!", "?", '"', "'", ")"))


def _join(text: str, line: str) -> str:
    if not text:
        return line
    if re.search(r"[a-z]-$", text) and line[:1].islower():
        return text[:-1] + line
    return f"{text} {line}"
