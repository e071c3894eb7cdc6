"""Reading the CSV files people export from spreadsheets: encoding, delimiter, headers, rows.

Shared by the catalog and the customer importers, so both accept the same files
and explain a refusal the same way.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lookbook.errors import InputError

DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_BYTES = 64 * 1024
_READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class RowProblem:
    """Why one row of an imported file was not used."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Encoding:
    """How a text file is encoded: the Python codec, a label for people, and a warning if it was a guess.

    :param bad_lines: lines (from 1) that do not decode in ``codec``, or that are plainly in another
        encoding than the rest of the file; records touching them are not imported but reported.
    :param bad_reason: what to tell the person about each of those lines.
    """

    codec: str
    label: str
    note: str | None = None
    bad_lines: frozenset[int] = frozenset()
    bad_reason: str = ""


#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): ``=``, ``+``, ``-``, ``@``,
#: a tab or a carriage return at the start.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
#: A plain number ("-2", "+1.50", "-1,5", "1e3"), left as it is in a numeric column so that it stays a number.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def _formula_like(text: str) -> bool:
    """Return whether ``text``, less any leading quotes, starts with a formula character."""
    return text.lstrip("'")[:1] in FORMULA_TRIGGERS


def neutralise_cell(value: object, *, numeric: bool = False) -> object:
    """Return a cell for an exported CSV or XLSX file, with text a spreadsheet would run as a formula
    (``=HYPERLINK(...)``, ``@SUM(1)``, ``+1``, ``-2`` in a name) prefixed with a single quote, as OWASP advises.

    Text already starting with quotes before such a character gets one more, so that
    :func:`restore_cell` gives back exactly what was exported.

    :param numeric: the column holds numbers (a price, a quantity): a plain number such as "-2" is
        left alone there, so it stays a number. Numbers that are not text are never changed.
    """
    if not isinstance(value, str) or not value or (numeric and _PLAIN_NUMBER.fullmatch(value)):
        return value
    return "'" + value if _formula_like(value) else value


def restore_cell(text: str) -> str:
    """Return an imported cell with the quote :func:`neutralise_cell` added taken off (else unchanged)."""
    if text[:1] == "'" and _formula_like(text[1:]):
        return text[1:]
    return text


def neutralised_row(cells: Iterable[object], numeric: Collection[int] = ()) -> list[object]:
    """Return a row for a CSV/XLSX export, each cell passed through :func:`neutralise_cell`.

    :param numeric: the indexes of the columns that hold numbers.
    """
    return [neutralise_cell(cell, numeric=i in numeric) for i, cell in enumerate(cells)]


def norm_header(text: str) -> str:
    """Return a header cell reduced for alias lookup: lower case, punctuation and BOM gone, single spaces."""
    return " ".join(re.sub(r"[_\-./#:()]+", " ", text.replace("\ufeff", "")).lower().split())


#: Line numbers remembered per kind while deciding a file's encoding (a bound on memory).
_LINES_KEPT = 100_000


def _classify_lines(fh: BinaryIO) -> tuple[list[int], list[int], int, int]:
    """Read a file once, a chunk at a time; return the lines with non-ASCII bytes that decode as UTF-8
    and those that do not (each list up to :data:`_LINES_KEPT`), and how many of each there are."""
    utf8: list[int] = []
    other: list[int] = []
    n_utf8 = n_other = 0
    line = 1
    carry = b""
    while True:
        chunk = fh.read(_READ_CHUNK)
        data = carry + chunk
        cut = len(data) if not chunk else data.rfind(b"\n") + 1
        block, carry = data[:cut], data[cut:]
        if block and not block.isascii():
            try:
                block.decode("utf-8")
                whole = True
            except UnicodeDecodeError:
                whole = False
            # Only blocks with non-ASCII text are looked at line by line (a cheap C test rules out the rest).
            for offset, text in enumerate(block.split(b"\n")):
                if text.isascii():
                    continue
                ok = whole
                if not whole:
                    try:
                        text.decode("utf-8")
                        ok = True
                    except UnicodeDecodeError:
                        ok = False
                if ok:
                    n_utf8 += 1
                    if len(utf8) < _LINES_KEPT:
                        utf8.append(line + offset)
                else:
                    n_other += 1
                    if len(other) < _LINES_KEPT:
                        other.append(line + offset)
        line += block.count(b"\n")
        if not chunk:
            return utf8, other, n_utf8, n_other


def _line_list(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:8]))
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}" + (", ..." if len(lines) > 8 else "")


def detect_encoding(path: Path, export_hint: str) -> Encoding:
    """Find a CSV file's encoding from the evidence of every line, reading it once in binary, a chunk at a time.

    UTF-16 is recognised by its BOM. Otherwise each line holding non-ASCII bytes is tried as
    UTF-8. When most of them decode, the file is UTF-8 and the few that do not (typed in
    another program, pasted from a Latin-1 file) are named and left out, rather than the whole
    file being read wrongly (``JosÃ©``). When most do not, the file is Windows-1252 (what
    spreadsheets on Windows write, a superset of Latin-1's printable characters), and lines that
    are UTF-8 in it, or that do not decode even as Windows-1252, are named and left out.

    :param export_hint: what to tell the person to export instead, e.g. "the catalog as CSV UTF-8 or XLSX".
    :raises InputError: for a binary file (NUL bytes without a UTF-16 BOM).
    """
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            # Excel's "Unicode Text" export: UTF-16 with a BOM.
            return Encoding("utf-16", "UTF-16")
        if b"\x00" in head:
            raise InputError(f"is not a text file (it contains NUL bytes). Export {export_hint}.", path=path)
        fh.seek(0)
        utf8, other, n_utf8, n_other = _classify_lines(fh)
        if n_other and n_utf8 < n_other:
            # Mostly not UTF-8: Windows-1252, except lines that decode as neither, or plainly are UTF-8.
            fh.seek(0)
            bad = set(utf8)
            wanted = set(other)
            for number, text in enumerate(fh, start=1):
                if number in wanted:
                    try:
                        text.decode("cp1252")
                    except UnicodeDecodeError:
                        bad.add(number)
            note = (f"not UTF-8 ({n_other:,} lines with accented letters are not; first on line {other[0]}); "
                    "read as Windows-1252 (Latin-1). Check accented names, or export as CSV UTF-8 to be sure.")
            if bad:
                note += f" Left out, as they are in another encoding: {_line_list(sorted(bad))}."
            return Encoding("cp1252", "Windows-1252 (Latin-1)", note, frozenset(bad),
                            "this line is in another encoding than the rest of the file (UTF-8 in a Windows-1252 "
                            f"file) and was not imported; fix it, or export {export_hint}")
    label = ("UTF-8 with BOM", "utf-8-sig") if head.startswith(codecs.BOM_UTF8) else ("UTF-8", "utf-8")
    if not n_other:
        return Encoding(label[1], label[0])
    note = (f"UTF-8, but {_line_list(other)} {'is' if n_other == 1 else 'are'} not (another encoding, perhaps "
            "Latin-1); left out: fix them, or export the file again as CSV UTF-8.")
    return Encoding(label[1], label[0], note, frozenset(other),
                    "this line is not UTF-8 like the rest of the file (perhaps Latin-1) and was not imported; "
                    "retype its accented letters, or export the file again as CSV UTF-8")


def sniff_delimiter(sample: str) -> str:
    """Return the delimiter (comma, semicolon or tab) of CSV text; a single-column file reads as comma."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    # The sniffer gives up on short or irregular files; the header line then decides.
    first = next((ln for ln in sample.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class CsvRows:
    """The records of a CSV file, streamed, each with the line it starts on, and how far through the file."""

    def __init__(self, path: Path, encoding: Encoding, delimiter: str | None = None) -> None:
        self.path = path
        self.encoding = encoding
        #: Records left out because a line of theirs does not decode (see :attr:`Encoding.bad_lines`).
        self.problems: list[RowProblem] = []
        if delimiter is None:
            with path.open(encoding=encoding.codec, newline="", errors="replace") as fh:
                delimiter = sniff_delimiter(fh.read(SNIFF_BYTES))
        self.delimiter = delimiter
        self.raw = path.open("rb")
        self.text = io.TextIOWrapper(self.raw, encoding=encoding.codec, newline="", errors="replace")
        self.reader = csv.reader(self.text, delimiter=delimiter)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line, cells)``; a quoted cell may span lines, so ``line`` is where the record begins.

        :raises InputError: on a line that is not valid CSV (naming it).
        """
        last = 0
        bad = self.encoding.bad_lines
        try:
            for cells in self.reader:
                first, last = last + 1, self.reader.line_num
                if bad and not bad.isdisjoint(range(first, last + 1)):
                    self.problems.append(RowProblem(first, None, self.encoding.bad_reason))
                    continue
                # Cells an export neutralised ("'=..."): one C-speed test per row, a loop only when it may hold one.
                if "'" in "".join(cells):
                    cells = [restore_cell(cell) for cell in cells]
                yield first, cells
        except csv.Error as exc:
            raise InputError(f"line {self.reader.line_num}: not valid CSV ({exc}). Fix the quoting on that line.",
                             path=self.path) from None

    @property
    def position(self) -> int:
        """Return the bytes read so far."""
        return self.raw.tell()

    def close(self) -> None:
        """Close the file."""
        self.text.close()

    def __enter__(self) -> CsvRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
