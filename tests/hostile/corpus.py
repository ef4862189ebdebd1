"""The hostile files that marker's readers must survive, built byte for byte the same every time.

Small files are committed beside this module (``files/``); ``python -m tests.hostile.corpus``
writes them again. Big ones (a zip bomb, a CSV with a million columns or 200,000 rows) are
built at test time into a temporary folder by :func:`build_big`, never committed.

Every zip is written with a fixed date and in a fixed order, so the bytes never change; only
the encrypted PDFs differ from build to build (pypdf draws their file id at random).
"""

from __future__ import annotations

import io
import stat
import struct
import sys
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

FILES = Path(__file__).parent / "files"
DATE = (2024, 1, 1, 0, 0, 0)
ANSWER = "The Treaty of Rapallo was signed in April 1922 and ended Soviet isolation."

# ------------------------------------------------------------------ zips and Office files


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], level: int = 6) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate names written on purpose
        for name, data in entries:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx(body: str, prolog: str = "") -> bytes:
    """A minimal Word document whose body is ``body`` (WordprocessingML, ``w:`` prefix)."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W_NS}"><w:body>{body}'
        "</w:body></w:document>"
    )
    return _zip(
        [
            ("[Content_Types].xml", _DOCX_TYPES.encode()),
            ("_rels/.rels", _DOCX_RELS.encode()),
            ("word/document.xml", document.encode()),
        ]
    )


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _docx_declared_huge() -> bytes:
    """A Word document whose zip directory says document.xml unpacks to 4 GB (it is 300 bytes)."""
    data = bytearray(docx(para(ANSWER)))
    at = data.rfind(b"PK\x01\x02", 0, data.find(b"word/document.xml", data.find(b"PK\x01\x02")))
    struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)  # the central directory's uncompressed size
    return bytes(data)


def _docx_wide_table() -> bytes:
    """A table cell spanning two billion columns, and 3,000 rows merged down into the first."""
    first = '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2000000000"/><w:vMerge w:val="restart"/></w:tcPr>'
    first += para("Spanned cell.") + "</w:tc></w:tr>"
    merged = '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2000000000"/><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>'
    return docx(para(ANSWER) + "<w:tbl>" + first + merged * 3000 + "</w:tbl>")


_LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY a "laugh">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)
_XXE = '<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


# ------------------------------------------------------------------ PDFs


def pdf(
    pages: list[bytes], catalog_extra: bytes = b"", form: bytes | None = None, packed: bool = False
) -> bytes:
    """A PDF with one page per content stream (Helvetica as /F1); ``form`` is a form XObject
    (/Fm0, object 6 in a one-page file) that the pages may draw; ``packed`` deflates the streams."""
    n = len(pages)
    font = 3 + 2 * n
    xobject = b"/XObject << /Fm0 %d 0 R >> " % (font + 1) if form is not None else b""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n))
        + b"] /Count %d >>" % n,
    ]
    for i, stream in enumerate(pages):
        bodies.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> "
            b"%s>> /Contents %d 0 R >>" % (font, xobject, 4 + 2 * i)
        )
        bodies.append(_stream(b"", stream, packed))
    bodies.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if form is not None:
        resources = b"/Resources << /XObject << /Fm0 %d 0 R >> /Font << /F1 %d 0 R >> >> " % (font + 1, font)
        bodies.append(
            _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + resources, form, packed)
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def _stream(keys: bytes, data: bytes, packed: bool) -> bytes:
    if packed:
        data, keys = zlib.compress(data, 9), keys + b"/Filter /FlateDecode "
    return b"<< %s/Length %d >>\nstream\n%s\nendstream" % (keys, len(data), data)


def text_page(text: str) -> bytes:
    return b"BT /F1 12 Tf 72 712 Td (" + text.encode() + b") Tj ET"


def _pdf_encrypted(user: str, owner: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf([text_page(ANSWER)]))))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ------------------------------------------------------------------ spreadsheets

_XLSX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{extra}</Types>"
)
_REL = '<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" Target="{target}"{mode}/>'
_RELS = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(rows: str, dimension: str = "A1:B3", external: bool = False) -> bytes:
    """A minimal workbook; ``rows`` is the sheet's ``<row>`` elements (cells written inline)."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S_NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    links = '<externalReferences><externalReference r:id="rId2"/></externalReferences>' if external else ""
    book = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{S_NS}" xmlns:r="{R_NS}">'
        f'<sheets><sheet name="Scripts" sheetId="1" r:id="rId1"/></sheets>{links}</workbook>'
    )
    book_rels = [_REL.format(id="rId1", kind="worksheet", target="worksheets/sheet1.xml", mode="")]
    entries = []
    extra = ""
    if external:
        book_rels.append(
            _REL.format(id="rId2", kind="externalLink", target="externalLinks/externalLink1.xml", mode="")
        )
        link = (
            f'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="{S_NS}" xmlns:r="{R_NS}">'
            '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
            '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1" t="str"><v>from the link</v></cell>'
            "</row></sheetData></sheetDataSet></externalBook></externalLink>"
        )
        link_rels = _RELS.format(
            _REL.format(
                id="rId1",
                kind="externalLinkPath",
                target="http://127.0.0.1:9/never/fetched.xlsx",
                mode=' TargetMode="External"',
            )
        )
        entries += [
            ("xl/externalLinks/externalLink1.xml", link.encode()),
            ("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels.encode()),
        ]
        extra = (
            '<Override PartName="/xl/externalLinks/externalLink1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        )
    root_rels = _RELS.format(
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/>'
    )
    return _zip(
        [
            ("[Content_Types].xml", _XLSX_TYPES.format(extra=extra).encode()),
            ("_rels/.rels", root_rels.encode()),
            ("xl/workbook.xml", book.encode()),
            ("xl/_rels/workbook.xml.rels", _RELS.format("".join(book_rels)).encode()),
            ("xl/worksheets/sheet1.xml", sheet.encode()),
            *entries,
        ]
    )


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


_HEADER = '<row r="1">' + cell("A1", "answer") + cell("B1", "mark") + "</row>"


def _xlsx_formulas() -> bytes:
    """Formulas with the values Excel saved, one with none saved, and a command-running formula."""
    rows = _HEADER
    rows += '<row r="2"><c r="A2" t="str"><f>CONCAT("Rapallo ","1922")</f><v>Rapallo 1922</v></c><c r="B2"><f>1+1</f><v>2</v></c></row>'
    rows += (
        '<row r="3"><c r="A3" t="str"><f>CONCAT("never ","worked out")</f></c><c r="B3"><v>1</v></c></row>'
    )
    rows += (
        '<row r="4"><c r="A4" t="str"><f>cmd|\' /C calc\'!A0</f><v>cached only</v></c>'
        '<c r="B4"><v>0</v></c></row>'
    )
    return xlsx(rows, "A1:B4")


def _xlsx_external() -> bytes:
    """A formula reading another workbook over the network, with the value Excel saved."""
    rows = (
        _HEADER
        + '<row r="2"><c r="A2" t="str"><f>[1]Sheet1!A1</f><v>saved value</v></c><c r="B2"><v>3</v></c></row>'
    )
    return xlsx(rows, "A1:B2", external=True)


def _xlsx_dimension() -> bytes:
    """Three rows in a sheet that declares itself 16,384 columns by 1,048,576 rows."""
    rows = _HEADER + "".join(
        f'<row r="{r}">{cell(f"A{r}", ANSWER)}<c r="B{r}"><v>2</v></c></row>' for r in (2, 3)
    )
    return xlsx(rows, "A1:XFD1048576")


def _xlsx_row_jump() -> bytes:
    """A header, one row, then a cell two billion rows down."""
    rows = (
        _HEADER + f'<row r="2">{cell("A2", ANSWER)}</row><row r="2000000000">{cell("A2000000000", "x")}</row>'
    )
    return xlsx(rows, "A1:B2")


def _xlsx_wide_rows() -> bytes:
    """2,000 rows that each have a cell in the last column (XFD): the header names only A and B."""
    rows = _HEADER + "".join(
        f'<row r="{r}">{cell(f"A{r}", "answer " + str(r))}{cell(f"XFD{r}", "far")}</row>'
        for r in range(2, 2002)
    )
    return xlsx(rows, "A1:XFD2001")


# ------------------------------------------------------------------ archives


def _link(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, DATE)
    info.create_system = 3  # Unix: the mode below is read
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def _zip_nested() -> bytes:
    inner = _zip([("inner/bob.txt", ANSWER.encode())])
    return _zip([("alice.txt", ANSWER.encode()), ("more.zip", inner)])


def _zip_many_declared() -> bytes:
    """A zip whose end record claims 65,535 entries (it has one)."""
    data = bytearray(_zip([("alice.txt", ANSWER.encode())]))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 0xFFFF, 0xFFFF)
    return bytes(data)


# ------------------------------------------------------------------ text, tables and rubrics

_BIDI_NAME = "alice\u202etxt.exe"  # shows as "aliceexe.txt" where the control is obeyed

#: Files whose bytes differ from build to build (the committed ones are kept).
RANDOM = frozenset({"pdf_encrypted.pdf", "pdf_owner_password_only.pdf"})

SMALL: dict[str, Callable[[], bytes]] = {
    # Word documents
    "docx_malformed_xml.docx": lambda: _zip(
        [
            ("[Content_Types].xml", _DOCX_TYPES.encode()),
            ("_rels/.rels", _DOCX_RELS.encode()),
            (
                "word/document.xml",
                b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Unclosed',
            ),
        ]
    ),
    "docx_not_a_zip.docx": lambda: b"PK\x03\x04 this is not really a zip archive" * 10,
    "docx_declared_huge.docx": _docx_declared_huge,
    "docx_entity_expansion.docx": lambda: docx(para("&i;") + para(ANSWER), _LAUGHS),
    "docx_external_entity.docx": lambda: docx(para("&secret;") + para(ANSWER), _XXE),
    "docx_paragraph_flood.docx": lambda: docx(para(ANSWER) + "<w:p/>" * 1_000_000),
    "docx_wide_table.docx": _docx_wide_table,
    "docx_bidi.docx": lambda: docx(para("Rapallo \u202e2291 ni dengis\u202c was signed.")),
    # PDFs
    "pdf_javascript.pdf": lambda: pdf(
        [text_page(ANSWER)],
        b"/OpenAction << /S /JavaScript /JS (app.alert\\('hello'\\); this.submitForm\\('http://127.0.0.1:9/'\\);) >> ",
    ),
    "pdf_encrypted.pdf": lambda: _pdf_encrypted("secret", "owner"),
    "pdf_owner_password_only.pdf": lambda: _pdf_encrypted("", "owner"),
    # 10 MB of drawing instructions packed into 10 KB.
    "pdf_content_flood.pdf": lambda: pdf([text_page(ANSWER) + b" q Q" * 2_500_000], packed=True),
    # A form that draws itself, drawn 60,000 times by the page.
    "pdf_form_loop.pdf": lambda: pdf(
        [text_page(ANSWER) + b" /Fm0 Do" * 60_000], form=b"BT /F1 12 Tf (loop) Tj ET /Fm0 Do", packed=True
    ),
    "pdf_truncated.pdf": lambda: pdf([text_page(ANSWER)])[:300],
    # Spreadsheets
    "xlsx_formulas.xlsx": _xlsx_formulas,
    "xlsx_external_link.xlsx": _xlsx_external,
    "xlsx_dimension_bomb.xlsx": _xlsx_dimension,
    "xlsx_row_jump.xlsx": _xlsx_row_jump,
    "xlsx_wide_rows.xlsx": _xlsx_wide_rows,
    # Archives
    "zip_symlink.zip": lambda: _zip([_link("alice.txt", "/etc/passwd"), ("bob.txt", ANSWER.encode())]),
    "zip_traversal.zip": lambda: _zip([("../../evil.txt", ANSWER.encode())]),
    "zip_absolute.zip": lambda: _zip([("/tmp/evil.txt", ANSWER.encode())]),
    "zip_backslash.zip": lambda: _zip([("set1\\..\\..\\evil.txt", ANSWER.encode())]),
    "zip_duplicates.zip": lambda: _zip([("alice.txt", ANSWER.encode()), ("alice.txt", b"A second alice.")]),
    "zip_nested.zip": _zip_nested,
    "zip_many_declared.zip": _zip_many_declared,
    "zip_bidi_names.zip": lambda: _zip([(_BIDI_NAME, ANSWER.encode()), ("bob\u202e.txt", ANSWER.encode())]),
    # Text
    "txt_nul.txt": lambda: b"The Treaty\x00 of Rapallo\x00\x00 was signed in 1922.",
    "txt_latin1.txt": lambda: "Caf\u00e9 politics at Rapallo, 1922.".encode("latin-1"),
    "txt_utf16le.txt": lambda: "\ufeffRapallo \u2014 signed 1922.".encode("utf-16-le"),
    "txt_utf16be.txt": lambda: "\ufeffRapallo \u2014 signed 1922.".encode("utf-16-be"),
    "txt_utf16_no_bom.txt": lambda: "Rapallo signed 1922.".encode("utf-16-le"),
    "txt_bidi.txt": lambda: "The treaty was signed in \u202e2291\u202c at Rapallo.".encode(),
    # Tables
    "csv_nul.csv": lambda: b"student,answer,mark\nAnn,Rapallo\x00 1922,3\nBo,\x00,1\n",
    "csv_bidi.csv": lambda: "student,answer,mark\n\u202eAnn\u202c,Signed in \u202e2291\u202c,2\n".encode(),
    "csv_latin1.csv": lambda: "student,answer,mark\nAnn,ok,1\nBo,Caf\u00e9,2\n".encode("latin-1"),
    "csv_utf16le.csv": lambda: "\ufeffstudent,answer,mark\nAnn,Rapallo 1922,3\n".encode("utf-16-le"),
    "csv_formulas.csv": lambda: b"student,answer,mark\nAnn,\"=cmd|' /C calc'!A0\",1\nBo,=1+1,=2+2\n",
    "csv_unclosed_quote.csv": lambda: b'student,answer,mark\nAnn,"never closed,1\nBo,fine,2\n',
    # Rubrics (YAML)
    "rubric_nul.yaml": lambda: b"schema_version: 1\nid: q1\nquestion: Why\x00?\n",
    "rubric_deep.yaml": lambda: b"schema_version: 1\nid: " + b"[" * 5000 + b"\n",
    "rubric_alias_bomb.yaml": lambda: (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
        + "schema_version: *i\nid: q1\nmarking: {kind: levels, levels: [{level: 1, marks: *i}]}\n"
    ).encode(),
    "rubric_python_tag.yaml": lambda: b"schema_version: !!python/object/apply:os.system ['echo pwned']\n",
    "rubric_latin1.yaml": lambda: "schema_version: 1\nid: caf\u00e9\n".encode("latin-1"),
    "questions_alias_bomb.yaml": lambda: (
        "- &a [x, x, x, x, x, x, x, x, x]\n"
        + "- id: q1\n  question: Why?\n  max_mark: 4\n  marking: {levels: {'1-2': a, '3-4': b}}\n"
        + "  model_answers: [*a, *a, *a]\n  points: [*a]\n"
    ).encode(),
}

# ------------------------------------------------------------------ big files, built at test time


def _zip_bomb(path: Path) -> None:
    """One entry of 400 MB of zeros, about 400 KB packed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("alice.txt", DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(400):
                f.write(block)


def _docx_bomb(path: Path) -> None:
    """A Word document whose 150 MB of empty paragraphs pack into about 150 KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in (
            ("[Content_Types].xml", _DOCX_TYPES.encode()),
            ("_rels/.rels", _DOCX_RELS.encode()),
        ):
            z.writestr(zipfile.ZipInfo(name, DATE), data, zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("word/document.xml", DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>'.encode())
            block = b"<w:p/>" * 175_000  # 1.05 MB
            for _ in range(143):
                f.write(block)
            f.write(b"</w:body></w:document>")


def _csv_million_columns(path: Path) -> None:
    path.write_bytes(b"student,answer,mark" + b"," * 1_000_000 + b"\nAnn,Rapallo,1\n")


def _csv_rows(n: int) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write("script_id,student,answer,mark\n")
            for i in range(n):
                f.write(f"s{i},Student {i},Answer number {i} about Rapallo.,{i % 5}\n")

    return build


BIG: dict[str, Callable[[Path], None]] = {
    "pdf_many_pages.pdf": lambda path: path.write_bytes(pdf([text_page("page")] * 1000)),
    "zip_bomb.zip": _zip_bomb,
    "docx_bomb.docx": _docx_bomb,
    "csv_million_columns.csv": _csv_million_columns,
    "csv_200000_rows.csv": _csv_rows(200_000),
    "csv_200001_rows.csv": _csv_rows(200_001),
}


def build_small(dest: Path = FILES) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in SMALL.items():
        path = dest / name
        path.write_bytes(make())
        written.append(path)
    return written


def build_big(dest: Path, names: list[str] | None = None) -> dict[str, Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in names or list(BIG):
        path = dest / name
        if not path.exists():
            BIG[name](path)
        out[name] = path
    return out


if __name__ == "__main__":
    for path in build_small(Path(sys.argv[1]) if len(sys.argv) > 1 else FILES):
        print(f"{path.stat().st_size:>9,} {path}")
