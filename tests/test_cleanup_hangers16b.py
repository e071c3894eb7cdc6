"""A clip hanger on a bottom that went out unflagged flags the shot (issue 12 §2, h-hangers16b): heldout's navy
trousers (test/pants/86d27363), the hanger's bar lying on the waistband and its hook above; heldout15's grey shorts
(train/shorts/66f92907), two chrome clips on the waistband a quarter of the width in from each side."""

from __future__ import annotations

import cv2
import numpy as np

from hanger_scenes import wall
from lookbook.photos.cleanup import clean_detection, hook_on_waist_bar, light_clips_at_sides
from lookbook.photos.detect import detect_garment

NAVY = (30, 45, 70)  # the trousers, and the dark bar and clips lying on their waistband
HOOK = "hook standing on its bar"
GREY = (110, 110, 115)  # grey denim
CHROME = (170, 172, 176)  # its faded threads, and a clip hanger's metal clips
CLIPS = "light metal clips on both sides"


def _bottom_mask(hook: tuple[int, int] | None = (70, 82), bar: bool = True, top: int = 15) -> np.ndarray:
    # A 200 x 150 working-size silhouette: trousers 100 px wide (columns 25-124, middle at 75) from row 30 down; a
    # hanger's bar (columns 20-129) lying on their waistband from row 22 and a hook (``hook`` columns) from row
    # ``top`` (heldout's trousers: the hook's neck and the bar both within the top 3 % of the height).
    mask = np.zeros((200, 150), np.uint8)
    mask[30:195, 25:125] = 1
    if bar:
        mask[22:31, 20:130] = 1
    if hook is not None:
        mask[top:31, hook[0]:hook[1]] = 1
    return mask


def test_a_narrow_piece_over_the_middle_standing_on_a_wide_row_is_a_hook() -> None:
    assert hook_on_waist_bar(_bottom_mask())  # heldout's trousers: 0.12 of the width, centred, on the bar
    # The bar left out of the mask: the waistband is the wide row.
    assert hook_on_waist_bar(_bottom_mask((68, 83), bar=False, top=21))
    assert not hook_on_waist_bar(_bottom_mask(None))  # the bar alone: nothing stands over the middle
    assert not hook_on_waist_bar(_bottom_mask(None, bar=False))  # plain trousers
    assert not hook_on_waist_bar(_bottom_mask((58, 92)))  # a piece a third of the width wide (a yoke, a bow)
    assert not hook_on_waist_bar(_bottom_mask((100, 112)))  # off the middle: a slanted waistband's corner, a loop
    # A narrow centred piece with no wide row under it within the top 6 %: a top's neck, not a hook on a bar.
    neck = np.zeros((200, 150), np.uint8)
    neck[10:60, 70:82] = 1
    neck[60:195, 25:125] = 1
    assert not hook_on_waist_bar(neck)


def _trousers(hook: int | None) -> np.ndarray:
    # Navy trousers on a wall, a clip hanger's bar lying on the waistband in the same dark colour (the clips as dark
    # as the fabric) and the base of its hook (``hook`` px either side of the middle) standing on the bar.
    img = wall()
    cv2.rectangle(img, (100, 150), (300, 480), NAVY, -1)
    cv2.rectangle(img, (94, 140), (306, 152), NAVY, -1)
    if hook is not None:
        cv2.rectangle(img, (200 - hook, 122), (200 + hook, 141), NAVY, -1)
    return img


def test_a_clip_hangers_hook_on_navy_trousers_flags_the_shot() -> None:
    # End to end: the detector keeps bar and hook in the cut-out, no cut takes them (no wall between bar and
    # waistband, nothing unlike the fabric), and before h-hangers16b no reason fired: the shot went out unflagged.
    img = _trousers(hook=12)
    det = detect_garment(img)
    cleaned = clean_detection(img, det, category="pants")
    assert cleaned.removed == 0.0  # the hook stays in the cut-out...
    assert cleaned.needs_review  # ...so the shot is flagged, saying why
    assert any(HOOK in r for r in cleaned.reasons), cleaned.reasons
    # Tops, dresses and outerwear have their own hook rules; a hat or shoes are not hung: not asked.
    for category in ("shirt", "shoes"):
        assert not any(HOOK in r for r in clean_detection(img, det, category=category).reasons)


def test_trousers_with_the_bar_alone_or_no_hanger_are_not_flagged_for_a_hook() -> None:
    for img in (_trousers(hook=None), wall()):
        if img.min() == img.max():
            cv2.rectangle(img, (100, 150), (300, 480), NAVY, -1)  # plain trousers
        cleaned = clean_detection(img, detect_garment(img), category="pants")
        assert not any(HOOK in r for r in cleaned.reasons), cleaned.reasons


def _shorts(clips: tuple[int, ...]) -> np.ndarray:
    # Grey denim shorts (columns 100-300) with faded light threads, so the clips' colour is one of the garment's own
    # and no colour cut takes them (as on heldout15's shorts); 20 x 12 px clips on the waistband at ``clips``.
    img = wall()
    cv2.rectangle(img, (100, 150), (300, 400), GREY, -1)
    for x in range(104, 300, 12):
        cv2.rectangle(img, (x, 150), (x + 1, 400), CHROME, -1)
    for x in clips:
        cv2.rectangle(img, (x, 150), (x + 20, 162), CHROME, -1)
    return img


def test_light_clips_on_both_sides_of_the_waistband_flag_the_shot() -> None:
    for clips in ((130, 250), (104, 276)):  # a quarter of the width in from each side, or at the ends
        img = _shorts(clips)
        det = detect_garment(img)
        h, w = det.mask.shape[:2]
        assert light_clips_at_sides(cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA), det.mask)
        cleaned = clean_detection(img, det, category="shorts")
        assert cleaned.removed == 0.0  # the clips stay in the cut-out...
        assert cleaned.needs_review  # ...so the shot is flagged, saying why
        assert any(CLIPS in r for r in cleaned.reasons), cleaned.reasons
        # A top's light buttons or tabs either side of its collar are the top's: not asked.
        assert not any(CLIPS in r for r in clean_detection(img, det, category="shirt").reasons)


def test_one_light_piece_or_one_on_the_middle_is_not_a_pair_of_clips() -> None:
    # No clips; one (a label, a button); one on the middle and one at a side (a button and a belt loop).
    for clips in ((), (130,), (185, 250)):
        img = _shorts(clips)
        det = detect_garment(img)
        h, w = det.mask.shape[:2]
        assert not light_clips_at_sides(cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA), det.mask)
        assert not any(CLIPS in r for r in clean_detection(img, det, category="shorts").reasons)


def test_a_hook_over_the_bars_middle_counts_when_the_legs_hang_off_centre() -> None:
    # heldout19's jeans (train/pants/0c224954, h-clips21): the whole black clip hanger kept, its hook over the middle
    # of the bar, but the legs hang off-centre under the waistband: their middle column lies 0.09 of the width off
    # the hook, and the rule measured the hook against it.
    mask = _bottom_mask()
    mask[60:195] = 0
    mask[60:195, 25:70] = 1  # the left leg, straight down
    mask[60:195, 95:150] = 1  # the right leg, wider and further out: the body's middle column moves right
    assert hook_on_waist_bar(mask)  # the hook is over the bar's middle (75) and the bar is wide
    shifted = _bottom_mask()
    shifted[15:22] = 0
    shifted[15:31, 100:112] = 1  # a piece off the bar's middle (a slanted waistband's corner, a loop)
    assert not hook_on_waist_bar(shifted)
