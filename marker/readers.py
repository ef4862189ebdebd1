"""Read the text of one script file: ``.txt``/``.md`` (UTF-8 or UTF-16), ``.docx`` or ``.pdf``.

Reads the bytes of one file (never the disk: callers hand over the bytes) and writes nothing.
Returns the answer's text, or raises :class:`~marker.errors.AnswerFileError` with a reason a
teacher understands (empty, corrupt, a scanned PDF, password-protected, unpacks too big).
Also holds the wording of size messages shared by :mod:`marker.archives` and :mod:`marker.tables`.
"""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
from pathlib import PurePosixPath

from .errors import MAX_ANSWER_CHARS, AnswerFileError

SCRIPT_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
TABLE_SUFFIXES = (".csv", ".xlsx")
#: Archives that are never opened when found inside an archive or a folder.
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")

# A .docx or .xlsx is a zip too: refuse one that unpacks to more than this.
_MAX_OFFICE_UNPACKED = 200_000_000
_NO_PDF_TEXT = "no text found: it may be a scanned image; run OCR or paste the text"
_PDF_LOCKED = "the PDF is password-protected; save a copy without a password"
_NOT_DOCX = "corrupt or not a Word document"
_NOT_PDF = "corrupt or not a PDF"


def extract_text(name: str, data: bytes) -> str:
    """The text of one script file: ``.txt``/``.md`` (UTF-8), ``.docx`` or ``.pdf``.

    Line endings become ``\\n`` and surrounding whitespace is stripped; the result is
    never blank.

    >>> extract_text("answer.txt", b"  The Treaty of Rapallo.\\r\\nSigned in 1922.\\r\\n")
    'The Treaty of Rapallo.\\nSigned in 1922.'

    Args:
        name: the file name; its extension decides how it is read.
        data: the file's bytes.

    Raises:
        AnswerFileError: the file cannot be read as a script; the message is the reason
            ("empty file", "corrupt or not a Word document", "not UTF-8 text (byte 17): ...").
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SCRIPT_SUFFIXES:
        raise AnswerFileError(unsupported(suffix))
    if not data:
        raise AnswerFileError("empty file")
    if suffix == ".docx":
        text = tidy(_docx_text(data))
        if not text:
            raise AnswerFileError("no text found in the Word document")
    elif suffix == ".pdf":
        text = tidy(_pdf_text(data))
        if not text:
            raise AnswerFileError(_NO_PDF_TEXT)
    else:
        try:
            text = tidy(decode(data))
        except UnicodeDecodeError as exc:
            raise AnswerFileError(f"not UTF-8 text (byte {exc.start + 1}): save it as UTF-8") from None
        if not text:
            raise AnswerFileError("empty file (only spaces or blank lines)")
    return text


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
    from docx.table import Table

    def blocks(container) -> list[str]:
        out: list[str] = []
        for item in container.iter_inner_content():
            if isinstance(item, Table):
                seen = set()  # a merged cell appears once per grid column it spans
                for row in item.rows:
                    for cell in row.cells:
                        if cell._tc not in seen:
                            seen.add(cell._tc)
                            out += blocks(cell)
            elif item.text.strip():
                out.append(item.text.strip())
        return out

    check_packed(data, "Word document")
    try:
        return "\n\n".join(blocks(docx.Document(io.BytesIO(data))))
    except Exception:  # a parser of untrusted files raises almost anything
        raise AnswerFileError(_NOT_DOCX) from None


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _unlock(reader):
            raise AnswerFileError(_PDF_LOCKED)
        pages = [page.extract_text() or "" for page in reader.pages]
    except AnswerFileError:
        raise
    except Exception:  # a parser of untrusted files raises almost anything
        raise AnswerFileError(_NOT_PDF) from None
    return "\n\n".join(p.strip() for p in pages if p.strip())


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


def tidy(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


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
    return f"unsupported file type {suffix or '(no extension)'} (use .txt, .md, .docx or .pdf)"
