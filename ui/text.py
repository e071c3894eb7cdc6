"""Putting people's words into widgets as they were written.

Qt takes ``&`` in the text of a button, an action, a tab or a label with a buddy (the label
of every input dialog) as the mark of a keyboard shortcut: "Harbour & Pine" shows as
"Harbour _Pine". Text that comes from data (brand, product, set and customer names) goes
through :func:`literal` wherever Qt reads mnemonics; plain labels and rich text do not.
"""

from __future__ import annotations


def literal(text: str) -> str:
    """Return ``text`` so that Qt shows every ``&`` in it (``&&``) instead of making it a shortcut."""
    return text.replace("&", "&&")
