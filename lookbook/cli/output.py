"""What the command line prints: user data shown so it cannot take over the terminal or disguise itself.

Names, notes and file names come from imports and other people. Printed raw, an escape code
(``\\x1b]8;;...``, ``\\x1b[2J``) can recolour, clear or retitle the terminal or hide text, a
right-to-left override (``\\u202e``) can make ``exe.txt`` read as ``txt.exe``, and a zero-width
character makes two names look alike. :func:`visible` replaces each such character with a
visible escape (``\\x1b``, ``\\u202e``, ``\\u200b``), and :func:`visible_output` applies it to
everything the CLI writes on stdout and stderr, so no verb, table, report or error message can
forget. JSON output (``--json``) is left exact: ``json.dumps`` escapes every non-ASCII and
control character itself (``ensure_ascii``, its default, which the CLI keeps), so none reach this filter.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# C0 controls but tab and newline (layout of our own output), DEL, C1 controls; then the invisible format
# characters: soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space/joiners and
# marks, line/paragraph separators, bidi embeddings and overrides (U+202A..E), word joiner and invisible
# operators, bidi isolates (U+2066..9), deprecated format characters, zero-width no-break space (BOM),
# interlinear annotations, and tag characters.
_HIDDEN = ("\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
           "\ufff9-\ufffb\U000e0000-\U000e007f")
_IN_OUTPUT = re.compile(f"[{_HIDDEN}]")
_IN_FIELD = re.compile(f"[{_HIDDEN}\t\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """Return ``text`` with controls, bidi overrides/isolates and zero-width characters as visible escapes.

    Tabs and newlines are kept (they lay out the CLI's own output); use :func:`one_line` for a value
    printed inside a line (a name in a table).
    """
    return _IN_OUTPUT.sub(_escape, text) if not text.isascii() or not text.isprintable() else text


def one_line(value: object) -> str:
    """Return a value for a table cell or a message: as :func:`visible`, and tabs and newlines escaped too."""
    text = str(value)
    return _IN_FIELD.sub(_escape, text) if not text.isprintable() or not text.isascii() else text


class VisibleStream:
    """A text stream that writes everything through :func:`visible`; ``wrapped`` is the stream underneath."""

    def __init__(self, wrapped: TextIO) -> None:
        self.wrapped = wrapped

    def write(self, text: str) -> int:
        """Write ``text`` made visible; return the length of ``text`` (what print() expects)."""
        self.wrapped.write(visible(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each line made visible."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        # flush, fileno, isatty, encoding...: the underlying stream's.
        return getattr(self.wrapped, name)


@contextmanager
def visible_output() -> Iterator[None]:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`VisibleStream` for the duration."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(saved[0]), VisibleStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def print_json(text: str) -> None:
    """Print ``text``, made by :func:`json.dumps` (``ensure_ascii``, the CLI's way), on stdout past the filter.

    Such JSON holds printable ASCII only (every other character is a ``\\uXXXX`` escape), which
    :func:`visible` returns unchanged: checking that costs a scan of every character (15 ms of the
    8 MB that ``sets match --json`` prints for a popular brand), so it is written to the stream underneath.
    """
    stream = sys.stdout
    raw = stream.wrapped if isinstance(stream, VisibleStream) else stream
    raw.write(text)
    raw.write("\n")


def progress_line(text: str) -> None:
    """Overwrite the current stderr line with ``text`` (a carriage return, which :func:`visible` would escape)."""
    stream = sys.stderr
    raw = stream.wrapped if isinstance(stream, VisibleStream) else stream
    raw.write("\r" + one_line(text))
    raw.flush()
