"""Card numbers never travel through the outbox.

A template, a message or a reply that holds a payment card number (13 to 19 digits,
maybe grouped with spaces or dashes, passing the Luhn check) is flagged, and the
number is masked before it is stored: only its last four digits are kept, which is
enough for an associate to recognise it and useless to anyone else.
"""

from __future__ import annotations

import re

from stdnum import luhn

#: What an associate is told when a card number was found.
SAFE_PAYMENT_ADVICE = (
    "a card number was found and masked (only its last 4 digits kept); never take card details by message: "
    "take payment in store, by phone on the payment terminal, or with a payment link"
)

# 13-19 digits, single spaces or dashes allowed between them; not part of a longer digit run.
_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")
_MASK = "•"


def _digits(candidate: str) -> str:
    return re.sub(r"[ -]", "", candidate)


def find_card_numbers(text: str) -> list[str]:
    """Return the card numbers (as written) that ``text`` holds."""
    return [m.group(0) for m in _CANDIDATE.finditer(text) if luhn.is_valid(_digits(m.group(0)))]


def _mask(match: re.Match[str]) -> str:
    written = match.group(0)
    digits = _digits(written)
    if not luhn.is_valid(digits):
        return written
    keep = len(digits) - 4
    out: list[str] = []
    seen = 0
    for char in written:
        if char.isdigit():
            out.append(_MASK if seen < keep else char)
            seen += 1
        else:
            out.append(char)
    return "".join(out)


def mask_card_numbers(text: str) -> tuple[str, bool]:
    """Return ``text`` with every card number masked but its last 4 digits, and whether one was found."""
    masked = _CANDIDATE.sub(_mask, text)
    return masked, masked != text
