"""A hook running off the photo's top edge flags the shot when the detector's mask stops a row short of the frame's
edge (issue 12 §2, h-hooks20): heldout18's shirt train/shirt/fe7ca6a3 showed its black plastic hanger's hook above and
inside the collar, unflagged, because :func:`hook_off_frame` read only the frame's very top row, which the mask left
empty (the hook started on row 1), while :func:`hook_above` had no rows above the garment to read."""

from __future__ import annotations

import numpy as np

from lookbook.photos.cleanup import hook_off_frame


def _top_mask(first_row: int, contact: tuple[int, int] | None, shoulders_at_top: bool = False) -> np.ndarray:
    # A 200 x 150 working-size silhouette (the detector's grid): a top 100 px wide from row 20 down, its middle at
    # column 75, and a piece from ``first_row`` (columns ``contact``) joined to it.
    mask = np.zeros((200, 150), np.uint8)
    mask[first_row if shoulders_at_top else 20:195, 25:125] = 1
    if contact is not None:
        mask[first_row:21, contact[0]:contact[1]] = 1
    return mask


def test_a_hook_starting_one_row_below_the_frames_top_is_read() -> None:
    # fe7ca6a3: the silhouette's row 0 empty, row 1 a hook 4 px wide over the middle (112 px wide garment).
    assert hook_off_frame(_top_mask(1, (73, 77)))
    assert hook_off_frame(_top_mask(1, (66, 84)))  # a hanger's neck, 0.18 of the width
    # What the rule already rejected on row 0 it rejects on row 1: shoulders, a collar, a strap off the middle.
    assert not hook_off_frame(_top_mask(1, None, shoulders_at_top=True))
    assert not hook_off_frame(_top_mask(1, (60, 90)))
    assert not hook_off_frame(_top_mask(1, (30, 40)))


def test_a_garment_hung_clear_of_the_frames_top_is_not_read() -> None:
    # Two rows down the hook no longer runs off the frame: hook_above reads the rows above it instead.
    assert not hook_off_frame(_top_mask(2, (73, 77)))
    assert not hook_off_frame(_top_mask(5, (73, 77)))
