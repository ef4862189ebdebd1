"""Read the text of one script file: ``.txt``/``.md`` (UTF-8 or UTF-16), ``.docx``, ``.pdf``,
or a scan or photo (``.png``, ``.jpg``).

Reads the bytes of one file (never the disk: callers hand over the bytes) and writes nothing.
Returns the answer's text, or raises :class:`~marker.errors.AnswerFileError` with a reason a
teacher understands (empty, corrupt, password-protected, unpacks too big, too many pages).
Pictures, and the pages of a PDF that have no text layer, are read by OCR (:mod:`marker.ocr`);
the result then says so and how confident the recogniser was.
Also holds the wording of size messages shared by :mod:`marker.archives` and :mod:`marker.tables`.
"""

from __future__ import annotations

import codecs
import io
import logging
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from . import ocr
from .errors import MAX_ANSWER_CHARS, AnswerFileError
from .scripts import DEFAULT_LIMITS, Limits

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
SCRIPT_SUFFIXES = (".txt", ".md", ".docx", ".pdf", *IMAGE_SUFFIXES)
TABLE_SUFFIXES = (".csv", ".xlsx")
#: Archives that are never opened when found inside an archive or a folder.
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")

# A .docx or .xlsx is a zip too: refuse one that unpacks to more than this.
_MAX_OFFICE_UNPACKED = 200_000_000
_NO_PDF_TEXT = "no text found: the PDF has neither a text layer nor a scanned page to read"
# Pictures smaller than this on a scanned page are logos, stamps or signatures, not writing.
_MIN_SCAN_SIDE = 32
_PDF_LOCKED = "the PDF is password-protected; save a copy without a password"
_NOT_DOCX = "corrupt or not a Word document"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_BLOCK_TAGS = frozenset({_W + "p", _W + "tc"})
# An 8,000-word essay has a few hundred paragraphs and some 50,000 XML elements in all its parts.
_MAX_DOCX_BLOCKS = 20_000
_MAX_DOCX_ELEMENTS = 1_000_000
# Far beyond any script's PDF (see _page_texts), and reached in seconds at most.
_MAX_PDF_PAGES = 200
_MAX_PDF_CONTENT = 1_000_000
_MAX_PDF_OPERATIONS = 150_000
_NOT_PDF = "corrupt or not a PDF"
_UTF16_NO_BOM = "UTF-16 text without a byte-order mark; save it as UTF-8"


@dataclass(frozen=True)
class ScriptText:
    """A script file's text; if it was read by OCR, the recogniser's mean confidence (0-1) and
    the lines it was unsure of."""

    text: str
    ocr_confidence: float | None = None
    ocr_doubtful: tuple[str, ...] = ()


def extract_text(name: str, data: bytes) -> str:
    """The text of one script file (see :func:`read_script`).

    Line endings become ``\\n`` and surrounding whitespace is stripped; the result is
    never blank.

    >>> extract_text("answer.txt", b"  The Treaty of Rapallo.\\r\\nSigned in 1922.\\r\\n")
    'The Treaty of Rapallo.\\nSigned in 1922.'

    Raises:
        AnswerFileError: the file cannot be read as a script.
    """
    return read_script(name, data).text


def read_script(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> ScriptText:
    """The text of one script file: ``.txt``/``.md`` (UTF-8), ``.docx``, ``.pdf``, ``.png`` or ``.jpg``.

    A picture, and each page of a PDF with no text layer, is read by OCR; the result then
    carries the recogniser's mean confidence.

    Args:
        name: the file name; its extension decides how it is read.
        data: the file's bytes.
        limits: the caps on pictures (pixels) and scanned pages per script.

    Raises:
        AnswerFileError: the file cannot be read as a script; the message is the reason
            ("empty file", "corrupt or not a Word document", "not UTF-8 text (byte 17): ...").
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SCRIPT_SUFFIXES:
        raise AnswerFileError(unsupported(suffix))
    if not data:
        raise AnswerFileError("empty file")
    if suffix in IMAGE_SUFFIXES or suffix == ".pdf":
        key = f"{ocr.digest(data)}:{limits.max_image_pixels}:{limits.max_ocr_pages}"
        if (known := ocr.recall(key)) is not None:
            return known
        if suffix == ".pdf":
            read = _pdf(data, limits)
        else:
            scan = ocr.read_images([ocr.open_image(data, limits.max_image_pixels)])
            read = ScriptText(tidy(scan.text), scan.confidence, scan.doubtful)
        if read.ocr_confidence is not None:
            ocr.remember(key, read)
        return read
    if suffix == ".docx":
        text = tidy(_docx_text(data))
        if not text:
            raise AnswerFileError("no text found in the Word document")
    else:
        if looks_utf16(data):
            raise AnswerFileError(_UTF16_NO_BOM)
        try:
            text = tidy(decode(data))
        except UnicodeDecodeError as exc:
            raise AnswerFileError(f"not UTF-8 text (byte {exc.start + 1}): save it as UTF-8") from None
        if not text:
            raise AnswerFileError("empty file (only spaces or blank lines)")
    return ScriptText(text)


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), or UTF-16 with a BOM (Notepad's "Unicode").

    Raises:
        UnicodeDecodeError: with ``start`` counted from the beginning of ``data``.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        exc.start += bom
        raise


def _docx_text(data: bytes) -> str:
    """Paragraphs and table cells, in document order, separated by blank lines."""
    import docx
    from docx.table import Table, _Cell

    def blocks(container) -> list[str]:
        out: list[str] = []
        for item in container.iter_inner_content():
            if isinstance(item, Table):
                # Each cell once, as it is in the file: python-docx's row.cells repeats a cell for
                # every grid column it spans and walks up to the top of a vertical merge, which a
                # hostile span of a billion columns or thousands of merged rows turns into a hang.
                for tr in item._tbl.tr_lst:
                    out += [t for tc in tr.tc_lst if tc.vMerge != "continue" for t in blocks(_Cell(tc, item))]
            elif item.text.strip():
                out.append(item.text.strip())
        return out

    check_packed(data, "Word document")
    check_docx_parts(data)
    try:
        return "\n\n".join(blocks(docx.Document(io.BytesIO(data))))
    except Exception:  # a parser of untrusted files raises almost anything
        raise AnswerFileError(_NOT_DOCX) from None


class _CountElements:
    """An lxml parser target that only counts elements (no tree is built)."""

    def __init__(self) -> None:
        self.elements = self.blocks = 0

    def start(self, tag: str, attrib: dict) -> None:
        self.elements += 1
        if tag in _DOCX_BLOCK_TAGS:
            self.blocks += 1

    def close(self) -> None:
        return None

    def too_many(self) -> bool:
        return self.elements > _MAX_DOCX_ELEMENTS or self.blocks > _MAX_DOCX_BLOCKS


def check_docx_parts(data: bytes) -> None:
    """Refuse a Word document whose XML is far beyond any essay's, before python-docx parses it.

    python-docx builds a tree of every XML part and spends about 0.1 ms on each paragraph: 10 MB
    of empty paragraphs (50 KB zipped) took over two minutes. The parts are counted with a
    streaming parser first (no tree, entities never resolved, nothing fetched).
    """
    from lxml import etree

    counted = _CountElements()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as packed:
            for info in packed.infolist():
                if not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                parser = etree.XMLParser(target=counted, resolve_entities=False, no_network=True)
                with packed.open(info) as part:
                    while not counted.too_many() and (chunk := part.read(1 << 16)):
                        parser.feed(chunk)
                if counted.too_many():
                    break
                parser.close()
    except Exception:  # not a zip, damaged, or not XML: python-docx reports it as corrupt
        return
    if counted.blocks > _MAX_DOCX_BLOCKS:
        raise AnswerFileError(
            f"the Word document has more than {_MAX_DOCX_BLOCKS:,} paragraphs and table cells, far more "
            "than any script: give each student's script its own document"
        )
    if counted.elements > _MAX_DOCX_ELEMENTS:
        raise AnswerFileError(
            f"the Word document's XML has more than {_MAX_DOCX_ELEMENTS:,} elements, far more than any "
            "script's: save it again from Word, or as plain text"
        )


def _pdf(data: bytes, limits: Limits) -> ScriptText:
    """Each page's text layer; the pages without one are read by OCR from their pictures."""
    from pypdf import PdfReader

    # pypdf logs each piece of damage it steps over ("EOF marker not found") to the console, beside
    # the one reason marker gives the teacher for the same file: keep only marker's.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _unlock(reader):
            raise AnswerFileError(_PDF_LOCKED)
        pages = _page_texts(reader)
        # Pages with no text but pictures, counted before a single picture is decoded.
        blank = [i for i, text in enumerate(pages) if not text and reader.pages[i].images.keys()]
        _check_scan_count(len(blank), limits)
        scans: dict[int, list] = {}
        for i in blank:
            if images := _scanned(reader.pages[i], i + 1, limits):
                scans[i] = images
                _check_scan_count(sum(len(found) for found in scans.values()), limits)
    except AnswerFileError:
        raise
    except Exception:  # a parser of untrusted files raises almost anything
        raise AnswerFileError(_NOT_PDF) from None
    if not scans:
        text = tidy("\n\n".join(p for p in pages if p))
        if not text:
            raise AnswerFileError(_NO_PDF_TEXT)
        return ScriptText(text)
    read = ocr.read_images([img for images in scans.values() for img in images])
    texts = iter(read.page_texts)
    for i, images in scans.items():
        pages[i] = "\n\n".join(t for t in (next(texts) for _ in images) if t)
    return ScriptText(tidy("\n\n".join(p for p in pages if p)), read.confidence, read.doubtful)


class _OverBudget(BaseException):
    """Raised from inside pypdf's text extraction when a PDF asks for too much work.

    A BaseException, because pypdf catches every Exception raised while it reads a form."""


def _page_texts(reader) -> list[str]:
    """Each page's text layer, within a fixed amount of work.

    pypdf reads drawing instructions at some 10,000 a second here: a 2 KB PDF whose page
    unpacks to 1 MB of them took 15 s on a busy machine. A script is refused past 200 pages, 1 MB of
    instructions in its pages and forms, or 150,000 instructions read (a form drawn again
    counts its size again). A 36-page typeset manual of 70,000 characters, more than the
    longest answer, has 280 KB and 13,000 of them.
    """
    if len(reader.pages) > _MAX_PDF_PAGES:
        raise AnswerFileError(
            f"the PDF has {len(reader.pages):,} pages; a script is read up to {_MAX_PDF_PAGES} pages: "
            "give each student's script its own PDF"
        )
    seen: set[int] = set()
    sizes = [_content_size(page, seen) for page in reader.pages]
    largest_form = max((size for size, _form in sizes), default=0)
    total = sum(size + form for size, form in sizes)
    if total > _MAX_PDF_CONTENT:
        raise AnswerFileError(_pdf_too_much(f"{size_text(total)} of drawing instructions"))
    work = 0

    def count(operator: bytes, *_args) -> None:
        nonlocal work
        work += 1 + (largest_form // 4 if operator == b"Do" else 0)
        if work > _MAX_PDF_OPERATIONS:
            raise _OverBudget

    try:
        return [(page.extract_text(visitor_operand_before=count) or "").strip() for page in reader.pages]
    except _OverBudget:
        raise AnswerFileError(_pdf_too_much(f"over {_MAX_PDF_OPERATIONS:,} drawing instructions")) from None


def _pdf_too_much(what: str) -> str:
    return (
        f"the PDF's pages hold {what}, far more than a script's text needs (the limit is "
        f"{size_text(_MAX_PDF_CONTENT)}): print it to PDF again, or save it as a Word document"
    )


def _content_size(page, seen: set) -> tuple[int, int]:
    """Bytes of drawing instructions of a page's content and of the forms it may draw (each form
    counted once per file, however many pages use it). What cannot be read counts 0: pypdf's
    own reading then decides whether the file is damaged."""
    contents = _resolved(page, "/Contents")
    own = sum(map(_stream_size, contents if isinstance(contents, list) else [contents]))
    forms, todo, depth = 0, [_resolved(page, "/Resources")], 0
    while todo and depth < 8:  # forms inside forms: a few levels at most in real files
        resources, todo, depth = todo, [], depth + 1
        for res in resources:
            xobjects = _resolved(res, "/XObject")
            for ref in xobjects.values() if hasattr(xobjects, "values") else []:
                key = (ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(ref)
                form = _resolved(ref)
                if key in seen or not hasattr(form, "get") or form.get("/Subtype") != "/Form":
                    continue
                seen.add(key)
                forms += _stream_size(form)
                todo.append(_resolved(form, "/Resources"))
    return own, forms


def _resolved(obj, key: str | None = None):
    """``obj[key]`` (or ``obj``) with indirect references followed; None if it is not there."""
    try:
        if key is not None:
            obj = obj.get(key) if obj is not None else None
        return obj.get_object() if obj is not None else None
    except Exception:  # a damaged reference
        return None


def _stream_size(obj) -> int:
    try:
        return len(obj.get_object().get_data()) if obj is not None else 0
    except Exception:  # not a stream, or one that cannot be unpacked
        return 0


def _check_scan_count(n: int, limits: Limits) -> None:
    if n > limits.max_ocr_pages:
        raise AnswerFileError(
            f"the PDF has {n} scanned pages to read; OCR reads at most {limits.max_ocr_pages} per "
            "script (a minute or two of reading): give each student's script its own PDF"
        )


def _scanned(page, number: int, limits: Limits) -> list:
    """The pictures of a page with no text layer, checked for size before they are decoded."""
    images = page.images
    found = []
    for key in images.keys():  # noqa: SIM118  (iterating the list itself decodes every picture)
        width, height = _declared_size(page, key)
        if width and height:
            if min(width, height) < _MIN_SCAN_SIDE:
                continue
            ocr.check_pixels(width, height, limits.max_image_pixels)
        try:
            img = images[key].image
        except Exception as exc:  # an unusual image codec (JBIG2 needs a program pypdf lacks)
            raise AnswerFileError(f"the scanned picture on page {number} cannot be decoded ({exc})") from None
        if img is None or min(img.size) < _MIN_SCAN_SIDE:
            continue
        ocr.check_pixels(img.width, img.height, limits.max_image_pixels)
        found.append(ocr.prepare(img))
    return found


def _declared_size(page, key) -> tuple[int, int]:
    """A page picture's width and height as its PDF object declares them (0, 0 if not found)."""
    try:
        xobject = page["/Resources"].get_object()["/XObject"].get_object()
        obj = xobject[key].get_object() if isinstance(key, str) else None
        return (int(obj["/Width"]), int(obj["/Height"])) if obj is not None else (0, 0)
    except Exception:
        return 0, 0


def _unlock(reader) -> bool:
    """Open a PDF that is locked only against editing (an empty user password)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False


def check_packed(data: bytes, what: str) -> None:
    """Refuse an Office file (a zip) that would unpack to far more than any essay."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as packed:
            total = sum(info.file_size for info in packed.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
        return  # not a zip at all: the parser reports it as corrupt
    if total > _MAX_OFFICE_UNPACKED:
        raise AnswerFileError(
            f"the {what} would unpack to {size_text(total)}, over the {size_text(_MAX_OFFICE_UNPACKED)} limit"
        )


def looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: a NUL in every other byte of English text.

    >>> looks_utf16("Rapallo".encode("utf-16-le")), looks_utf16(b"Rapallo")
    (True, False)
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    head = data[:4096]
    return len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 4


def tidy(text: str) -> str:
    """Line endings as ``\\n``, NUL characters dropped (never part of an answer), ends stripped."""
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()


def size_text(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".removesuffix(".0") + " KB"
    return f"{n:,} bytes"


def too_big(size: int, limit: int) -> str:
    shown, cap = size_text(size), size_text(limit)
    if shown == cap:  # 1,000,001 bytes would read "1 MB is over the 1 MB limit"
        shown, cap = f"{size:,} bytes", f"{limit:,}-byte"
    return f"{shown} is over the {cap} limit per script"


def overlong(n_chars: int) -> str:
    return (
        f"the answer is {n_chars:,} characters long; the limit is {MAX_ANSWER_CHARS:,} characters per script"
    )


def unsupported(suffix: str) -> str:
    message = f"unsupported file type {suffix or '(no extension)'} (use .txt, .md, .docx, .pdf, .png or .jpg)"
    if suffix in (".heic", ".heif"):  # an iPhone's photos, unless it is set to save JPEG
        message += "; save the photo as JPEG (on an iPhone: Settings > Camera > Formats > Most Compatible)"
    return message
