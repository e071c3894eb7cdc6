"""A clip hanger's hook running off the photo's top edge over a bottom's waistband flags the shot (issue 12 §2,
h-hang22): heldout20's jeans (train/pants/f6da26ee) went out with the whole black clip hanger kept, unflagged. Its bar
slants (no row holds a long dark run for dark_bar_on_top), the bar and clips are one piece with the hook (clip_ends
looks for two compact ones), and the left clip stands as high as the hook's neck, so the row hook_on_waist_bar reads
spans clip and hook together; only hook_off_frame (read on tops alone until then) sees the hook leave the frame."""

from __future__ import annotations

import cv2
import numpy as np

from hanger_scenes import wall
from lookbook.photos.cleanup import clean_detection, hook_off_frame
from lookbook.photos.detect import detect_garment

NAVY = (30, 45, 70)  # the trousers, and the clip hanger in front of them (as dark as the fabric: no colour cut)
OFF_FRAME = "running off the photo's top edge"


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
