"""Words as customers read them: counts ("1 shot", "2 shots"), sizes ("One Size") and prices ("$59.00")."""

from __future__ import annotations

import re


def plural(count: int, one: str, many: str | None = None) -> str:
    """Return ``count`` and the noun, singular for exactly one (``many`` for irregular plurals)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


# Size letters that stay capitals (S, M, XL, XXS ...); any other word in capitals is a shout.
_SIZE_LETTERS = re.compile(r"[XSMLxsml]+")


def size_label(size: str) -> str:
    """Return a size as a customer reads it: ``ONE SIZE`` → ``One Size``; ``M``, ``XL``, ``32`` unchanged."""
    def word(match: re.Match[str]) -> str:
        text = match.group(0)
        if not text.isupper() or _SIZE_LETTERS.fullmatch(text):
            return text
        return text[:1] + text[1:].lower()

    return re.sub(r"[^\W\d_]+", word, size.strip())


_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def price_text(minor: int | None, currency: str | None) -> str:
    """Return a price as a customer reads it (``$59.00``, ``1,250.00 SEK``); '' when the catalog has none."""
    if minor is None:
        return ""
    code = (currency or "").upper()
    amount = f"{minor / 100:,.2f}"
    sign = _CURRENCY_SIGNS.get(code)
    return f"{sign}{amount}" if sign else f"{amount} {code}".strip()
