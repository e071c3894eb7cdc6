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
    """How a text file is encoded: the Python codec, a label for people, and a warning if it was a guess."""

    codec: str
    label: str
    note: str | None = None


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


def detect_encoding(path: Path, export_hint: str) -> Encoding:
    """Find a CSV file's encoding, reading it once in binary, a chunk at a time.

    UTF-16 and UTF-8 are recognised by their BOM or by decoding cleanly; anything
    else is read as Windows-1252 (what spreadsheets on Windows write, a superset of
    Latin-1's printable characters), with a note naming the first byte that was
    not UTF-8 so the person can check accented names.

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
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        try:
            while chunk := fh.read(_READ_CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            where = offset + exc.start
            fh.seek(0)
            line = fh.read(where).count(b"\n") + 1
            return Encoding("cp1252", "Windows-1252 (Latin-1)",
                            f"not UTF-8 (byte 0x{exc.object[exc.start]:02x} on line {line}); read as Windows-1252 "
                            "(Latin-1). Check accented names, or export as CSV UTF-8 to be sure.")
    if head.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", "UTF-8 with BOM")
    return Encoding("utf-8", "UTF-8")


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
        try:
            for cells in self.reader:
                # Cells an export neutralised ("'=..."): one C-speed test per row, a loop only when it may hold one.
                if "'" in "".join(cells):
                    cells = [restore_cell(cell) for cell in cells]
                yield last + 1, cells
                last = self.reader.line_num
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
