"""Why a shot is flagged for review: its reasons, in words a person can check on the photo, and how they are kept.

A flagged shot (``photos.needs_review``) keeps the reasons it was flagged for in ``photos.review_reasons``, a
JSON list of ``{"kind": ..., "text": ...}`` (migration ``m019_photos_review_reasons``). :func:`build_reasons` is the
one place the list is made, from what the detector, the cut-out cleanup and the colour check already worked out;
the store writes it wherever it writes the flag and clears it with the flag. A shot flagged before reasons were
kept has none stored and reads as :data:`EARLIER`.

No image library here: the command line's listing and the store's bookkeeping import it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lookbook.words import plural

#: What a reason asks a person to check: the garment ``box``, the ``cutout`` (a hanger, hook, prop or hand the
#: cleanup could not take out), the hero's ``colour``; ``earlier``: flagged before reasons were kept.
Kind = Literal["box", "cutout", "colour", "earlier"]
KINDS: tuple[Kind, ...] = ("box", "cutout", "colour", "earlier")


@dataclass(frozen=True)
class ReviewReason:
    """One reason a shot is flagged: what to check (``kind``) and what was seen, in words (``text``)."""

    kind: Kind
    text: str

    def as_dict(self) -> dict[str, str]:
        """Return the reason as JSON-ready data (as stored, and as ``--json`` prints it)."""
        return {"kind": self.kind, "text": self.text}


#: The one reason of a shot flagged before its reasons were kept (nothing stored says why).
EARLIER = ReviewReason("earlier", "flagged before reasons were kept: check the box and the hero")
#: The cleanup flagged the cut-out without a reason in words: it saw a hanger (a hook or clips cut, no bar of
#: another colour under them) or would have cut away too much to take it out.
HANGER_LEFT = "a hanger was seen but may not be all gone: check the hero's top"

_EDGES = ("left", "top", "right", "bottom")


def box_reasons(confidence: float, box: Sequence[int], size: tuple[int, int]) -> tuple[ReviewReason, ...]:
    """Return why the detector's box needs a look (call it only when the detector flagged the box).

    :param confidence: the detector's confidence (below its review limit).
    :param box: ``(x0, y0, x1, y1)`` in pixels of the upright original.
    :param size: the upright original's ``(width, height)``.
    """
    found = [ReviewReason("box", f"the box is unsure (confidence {confidence:.0%}): check it holds the whole "
                                 "garment and nothing else")]
    x0, y0, x1, y1 = box
    width, height = size
    # The detector carries a side to the frame's edge where the garment runs on under the border: a sleeve or a
    # hem cut off by the frame is the commonest wrong box (`detect._run_off_frame`).
    touched = [edge for edge, at in zip(_EDGES, (x0 <= 0, y0 <= 0, x1 >= width, y1 >= height), strict=True) if at]
    if touched:
        sides = " and ".join(touched)
        found.append(ReviewReason("box", f"the garment touches the frame's {sides} edge"
                                         f"{'s' if len(touched) > 1 else ''}: part of it may be outside the photo"))
    return tuple(found)


def colour_reason(shift: float) -> ReviewReason:
    """Return the reason for a hero whose garment colour moved ``shift`` (a*b*) from the photo's."""
    return ReviewReason("colour", f"the hero's colour moved by {shift:.0f} (a*b*): check it against the garment")


def build_reasons(*, box_unsure: bool, confidence: float, box: Sequence[int], size: tuple[int, int],
                  cleanup_review: bool, cleanup_reasons: Iterable[str], colour_review: bool,
                  colour_shift: float) -> tuple[ReviewReason, ...]:
    """Return every reason a photo's pipeline result is flagged for (empty: it is not).

    :param box_unsure: the detector flagged its box (``Detection.needs_review``).
    :param cleanup_review: the cut-out cleanup flagged the shot (``Cleanup.needs_review``); its
        ``cleanup_reasons`` are kept as it words them.
    :param colour_review: the hero's colour moved more than the review limit (``colour_shift`` a*b*).
    """
    found: list[ReviewReason] = []
    if box_unsure:
        found.extend(box_reasons(confidence, box, size))
    if cleanup_review:
        words = [ReviewReason("cutout", text) for text in cleanup_reasons]
        found.extend(words or [ReviewReason("cutout", HANGER_LEFT)])
    if colour_review:
        found.append(colour_reason(colour_shift))
    return tuple(found)


def merge(kept: Sequence[ReviewReason], new: Sequence[ReviewReason]) -> tuple[ReviewReason, ...]:
    """Return ``kept`` with the kinds ``new`` speaks of replaced by ``new`` (a new render's colour shift replaces
    the last render's; a box reason stays through a render that did not look at the box)."""
    renewed = {r.kind for r in new}
    return tuple(r for r in kept if r.kind not in renewed) + tuple(dict.fromkeys(new))


def dumps(reasons: Sequence[ReviewReason]) -> str | None:
    """Return the column's value for ``reasons`` (``None``: none)."""
    return json.dumps([r.as_dict() for r in reasons]) if reasons else None


def loads(text: str | None, flagged: bool) -> tuple[ReviewReason, ...]:
    """Return the reasons kept in the column's ``text`` for a photo whose flag is ``flagged``.

    A photo not flagged has none; one flagged with nothing kept (flagged before reasons were kept, or a value this
    build cannot read) has :data:`EARLIER`.
    """
    if not flagged:
        return ()
    try:
        data: Any = json.loads(text) if text else None
    except ValueError:
        data = None
    found = tuple(ReviewReason(item["kind"], item["text"]) for item in data or ()
                  if isinstance(item, dict) and item.get("kind") in KINDS and isinstance(item.get("text"), str))
    return found or (EARLIER,)


def clear_words(reasons: Sequence[ReviewReason]) -> str:
    """Return the words of the button that clears the flag, fitting what the reasons ask to check.

    "Box Is Right" for the box, "Hero Is Clean" for a hanger, hook, prop or hand, "Looks Right" for the colour,
    for several kinds and for a shot flagged before reasons were kept.
    """
    kinds = {r.kind for r in reasons}
    if kinds == {"box"}:
        return "Box Is Right"
    if kinds == {"cutout"}:
        return "Hero Is Clean"
    return "Looks Right"


def short(reasons: Sequence[ReviewReason]) -> str:
    """Return the reasons in one short line: the first, and how many more."""
    if not reasons:
        return ""
    more = len(reasons) - 1
    return reasons[0].text + (f" (+{more} more)" if more else "")


@dataclass(frozen=True)
class FlaggedShot:
    """A shot still flagged for review, named for a person who did not flag it (a manager approving its set)."""

    photo_id: int
    name: str
    reasons: tuple[ReviewReason, ...]


def still_flagged(shots: Sequence[FlaggedShot]) -> str:
    """Return one line warning that ``shots`` are still flagged, each with its first reason ("" for none).

    "2 shots still flagged for review: a.jpg (the box is unsure ...); b.jpg (a hanger's hook ... (+1 more))"
    """
    if not shots:
        return ""
    return (f"{plural(len(shots), 'shot')} still flagged for review: "
            + "; ".join(f"{s.name} ({short(s.reasons)})" for s in shots))


def still_flagged_details(shots: Sequence[FlaggedShot]) -> str:
    """Return every reason of every shot in ``shots``, a shot's name and then its reasons a line each."""
    return "\n".join(f"{s.name}:" + "".join(f"\n• {r.text}" for r in s.reasons) for s in shots)
