"""CSV read with the place of every cell, so that one cell can change and every other byte stays.

Python's csv module gives a cell's value but not where it sits, and writing rows back with it
re-quotes cells and rewrites line endings. A platform's export should come back exactly as it
left except for the cells filled in; this module reads records as the csv module does (RFC 4180:
quoted cells, doubled quotes, line breaks inside quotes, CRLF, LF or CR) and keeps each cell's
span in the text, and :func:`splice` replaces chosen cells in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    start: int  # offset of the cell's first character (its opening quote when quoted)
    end: int  # offset just past it
    value: str
    quoted: bool


@dataclass(frozen=True)
class Record:
    cells: tuple[Cell, ...]
    end: int  # offset just past the last cell: where the line ending starts

    def get(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].value


def scan(text: str, delim: str, limit: int | None = None) -> list[Record]:
    """The records of CSV text, each cell with its span, read as the csv module reads them.

    Knowing where each cell sits lets a fill replace one cell and leave every other byte.

    >>> [[c.value for c in r.cells] for r in scan('a,"b,""c"" d"\\r\\n,d\\n', ",")]
    [['a', 'b,"c" d'], ['', 'd']]
    """
    stops = re.compile("[" + re.escape(delim) + "\r\n]")
    records: list[Record] = []
    i, n = 0, len(text)
    while i < n and (limit is None or len(records) < limit):
        cells = []
        while True:
            cell = _scan_cell(text, i, stops)
            cells.append(cell)
            i = cell.end
            if i < n and text[i] == delim:
                i += 1
                continue
            break
        records.append(Record(tuple(cells), i))
        i += 2 if text.startswith("\r\n", i) else 1
    return records


def _scan_cell(text: str, i: int, stops: re.Pattern) -> Cell:
    if not text.startswith('"', i):
        m = stops.search(text, i)
        end = m.start() if m else len(text)
        return Cell(i, end, text[i:end], False)
    j = i + 1
    while True:
        k = text.find('"', j)
        if k < 0:
            line = text.count("\n", 0, i) + 1
            raise ValueError(f"line {line}: a quoted cell is never closed")
        if not text.startswith('"', k + 1):
            break
        j = k + 2
    m = stops.search(text, k + 1)
    end = m.start() if m else len(text)
    # Like the csv module, characters after a closing quote belong to the cell.
    return Cell(i, end, text[i + 1 : k].replace('""', '"') + text[k + 1 : end], True)


def delimiter(text: str) -> str:
    """The separator that splits the header into the most cells (a comma on a tie)."""

    def cells(delim: str) -> int:
        try:
            return sum(len(r.cells) for r in scan(text, delim, limit=1))
        except ValueError:  # a quote never closed: reading the whole file says so
            return 0

    return max((",", ";", "\t"), key=cells)


def _cell_text(value: str, cell: Cell | None, delim: str) -> str:
    """A cell written as the file writes its cells: quoted if it was, or if the value needs it."""
    if (cell is not None and cell.quoted) or any(c in value for c in (delim, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def splice(text: str, records: list[Record], column: int, values: dict[int, str], delim: str) -> str:
    """``text`` with ``values`` (record index -> new value) in ``column``; every other character kept.

    A new cell is quoted if the one it replaces was, or if its value needs it; a row too short
    to reach the column is padded with empty cells.

    >>> text = 'name,mark\\r\\n"Ann",\\r\\nBo\\r\\n'
    >>> splice(text, scan(text, ","), 1, {1: "7", 2: "6,5"}, ",")
    'name,mark\\r\\n"Ann",7\\r\\nBo,"6,5"\\r\\n'
    """
    edits = []
    for row, value in values.items():
        record = records[row]
        if column < len(record.cells):
            cell = record.cells[column]
            edits.append((cell.start, cell.end, _cell_text(value, cell, delim)))
        else:
            pad = delim * (column - len(record.cells) + 1)
            edits.append((record.end, record.end, pad + _cell_text(value, None, delim)))
    parts, at = [], 0
    for start, end, new in sorted(edits):
        parts += [text[at:start], new]
        at = end
    parts.append(text[at:])
    return "".join(parts)
