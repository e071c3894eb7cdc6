"""Hangers that reached a customer unflagged on heldout20 flag the shot (issue 12 §2, h-hang22).

A clip hanger's hook running off the photo's top edge over a bottom's waistband: heldout20's jeans
(train/pants/f6da26ee) went out with the whole black clip hanger kept, unflagged. Its bar slants (no row holds a long
dark run for dark_bar_on_top), the bar and clips are one piece with the hook (clip_ends looks for two compact ones), and
the left clip stands as high as the hook's neck, so the row hook_on_waist_bar reads spans clip and hook together; only
hook_off_frame (read on tops alone until then) sees the hook leave the frame.
A strip of a hanger's colour on a top's upper rim: heldout20's red T-shirt (train/t-shirt/968dfe4f) kept its lime
hanger's lower bar along the inner back neckline, one or two working pixels thick on the mask's outline."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from hanger_scenes import wall
from lookbook.photos.cleanup import clean_detection, hook_off_frame, odd_rim_at_top
from lookbook.photos.detect import detect_garment

NAVY = (30, 45, 70)  # the trousers, and the clip hanger in front of them (as dark as the fabric: no colour cut)
OFF_FRAME = "running off the photo's top edge"
RIM = "strip of another colour along the garment's top edge"


def _jeans(hook: bool, clip: bool = True, waist: int = 40) -> np.ndarray:
    # Navy trousers from row ``waist`` down, a clip hanger's bar on the waistband, its hook (16 px, over the middle)
    # running off the frame's top, and a clip at the left end standing up to row 10, as high as the hook's neck.
    img = wall()
    cv2.rectangle(img, (100, waist), (300, 480), NAVY, -1)
    cv2.rectangle(img, (94, 30), (306, 42), NAVY, -1)
    if hook:
        cv2.rectangle(img, (192, 0), (208, 30), NAVY, -1)
    if clip:
        cv2.rectangle(img, (96, 10), (112, 40), NAVY, -1)
    return img


def test_a_clip_hangers_hook_running_off_the_frame_over_trousers_flags_the_shot() -> None:
    img = _jeans(hook=True)
    det = detect_garment(img)
    cleaned = clean_detection(img, det, category="pants")
    assert cleaned.removed == 0.0  # hook, bar and clip stay in the cut-out (before h-hang22: unflagged)...
    assert cleaned.needs_review  # ...so the shot is flagged, saying why
    assert any(OFF_FRAME in r for r in cleaned.reasons), cleaned.reasons
    for category in ("shorts", "skirt"):
        assert any(OFF_FRAME in r for r in clean_detection(img, det, category=category).reasons)
    # Shoes and hats are not hung: not asked.
    assert not any(OFF_FRAME in r for r in clean_detection(img, det, category="shoes").reasons)


def test_trousers_without_a_hook_or_cut_by_the_frame_across_the_waistband_are_not_flagged_for_it() -> None:
    # The bar and the clip alone (nothing leaves the frame), and trousers the frame cuts across the waistband (they
    # touch the top edge across their whole width, not through a narrow piece over the middle).
    for img in (_jeans(hook=False), _jeans(hook=False, clip=False, waist=0)):
        cleaned = clean_detection(img, detect_garment(img), category="pants")
        assert not any(OFF_FRAME in r for r in cleaned.reasons), cleaned.reasons
        assert not hook_off_frame(cleaned.detection.mask)


RED = (200, 20, 35)  # heldout20's T-shirt
LIME = (170, 205, 60)  # its hanger's lower bar
WALL_GREY = (125, 125, 128)


def _red_top() -> tuple[np.ndarray, np.ndarray]:
    # A red top at the detector's grid (150 x 200) on a grey backdrop: the photo at that size and its silhouette, the
    # back neck's edge along row 10 from column 50 to 100 (the middle column is 75).
    small = np.full((200, 150, 3), WALL_GREY, np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    outline = np.array([[50, 10], [100, 10], [125, 30], [120, 190], [30, 190], [25, 30]], np.int32)
    cv2.fillPoly(mask, [outline], 1)
    small[mask > 0] = RED
    return small, mask


def test_a_strip_of_a_hangers_colour_on_the_back_necks_rim_flags_the_top() -> None:
    # heldout20's red T-shirt (train/t-shirt/968dfe4f): the lime hanger's lower bar left along the inner back
    # neckline as a strip one or two working pixels thick on the mask's outline, unflagged.
    small, mask = _red_top()
    assert not odd_rim_at_top(small, mask)
    small[10:12, 60:90] = LIME
    assert odd_rim_at_top(small, mask)
    # The dark neck label just under it, joined to it: neck_bar reads bar and label as one piece too high for a bar
    # and leaves both (as on the photo).
    small[12:17, 68:82] = (20, 20, 22)
    # End to end on the photo at full size, with the detector's own reading of it but the silhouette that kept the
    # strip (the detector's mask of a drawn scene has no outline mixing fabric and strip to keep it on).
    scene = cv2.resize(small, (400, 533), interpolation=cv2.INTER_NEAREST)
    found = detect_garment(scene)
    assert found.mask.shape == mask.shape
    det = replace(found, mask=mask * 255)
    cleaned = clean_detection(scene, det, category="t-shirt")
    assert any(RIM in r for r in cleaned.reasons), cleaned.reasons
    # Bottoms have their own clip rules; shoes and hats are not hung: not asked.
    for category in ("pants", "shoes"):
        assert not any(RIM in r for r in clean_detection(scene, det, category=category).reasons)


def test_a_blend_of_fabric_and_backdrop_or_a_strip_off_the_middle_is_not_a_hangers_strip() -> None:
    # The outline mixes fabric and wall: a blend of the two along the whole neck is no hanger.
    small, mask = _red_top()
    small[10:12, 50:100] = (162, 72, 81)  # halfway from the red to the grey
    assert not odd_rim_at_top(small, mask)
    # A short piece (a label's corner) on the middle, or a strip at the shoulder's end, is not read.
    small, mask = _red_top()
    small[10:12, 72:79] = LIME
    assert not odd_rim_at_top(small, mask)
    small, mask = _red_top()
    for x in range(25, 41):
        y = int(np.nonzero(mask[:, x])[0].min())
        small[y:y + 2, x] = LIME
    assert not odd_rim_at_top(small, mask)
