"""Counts in words as people write them: "1 shot", "2 shots"."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """Return ``count`` and the noun, singular for exactly one (``many`` for irregular plurals)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
