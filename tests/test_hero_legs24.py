"""The backdrop kept beside or between a pair of trousers' legs flags the shot (h-legs24).

A lamp's glare on a wood floor (heldout22: train/pants/e0dc1f06 between leggings' legs, aaece34a beside a
leg, whose box read 0.685 unflagged) or a patterned bedsheet between the legs (heldout19: 26ac7ba6) is far
from the backdrop's border colours, so the bays, the wedges and the floor flag never see it. Where the
mask stops inside it, its outline runs through the backdrop with no edge across it, on colours unlike the
garment's: that flags the shot.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import Detection, backdrop_at_outline

WOOD = np.array((150, 95, 60), np.float64)
GLARE = np.array((250, 240, 225), np.float64)
NAVY = (30, 35, 70)


def _trousers(glare_kept: bool) -> tuple[np.ndarray, np.ndarray]:
    """Navy trousers on a wood floor (working scale, 200 x 150) with a lamp's glare fading into the floor
    beside the right leg; with ``glare_kept`` the mask also holds the glare's bright middle (where the
    segmenter stopped), else it holds the legs and waist only."""
    h, w = 200, 150
    yy, xx = np.mgrid[:h, :w]
    fade = np.exp(-(((yy - 130) / 30.0) ** 2 + ((xx - 112) / 25.0) ** 2))[..., None]
    img = WOOD * (1 - fade) + GLARE * fade
    legs = np.zeros((h, w), bool)
    legs[20:60, 20:90] = True  # the waist and seat
    legs[20:190, 20:48] = True  # the left leg
    legs[20:190, 62:90] = True  # the right leg
    img[legs] = NAVY
    noisy = np.clip(img + np.random.default_rng(3).normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    mask = legs.copy()
    if glare_kept:
        mask |= fade[..., 0] > 0.5  # the cut ends inside the glare, part way down its fade
    return noisy, mask.astype(np.uint8)


def test_glare_kept_beside_a_leg_is_seen() -> None:
    small, mask = _trousers(glare_kept=True)
    assert backdrop_at_outline(mask, small)


def test_a_clean_cut_of_the_same_trousers_is_not() -> None:
    small, mask = _trousers(glare_kept=False)
    assert not backdrop_at_outline(mask, small)


def test_a_print_at_the_outline_is_not() -> None:
    """A white print reaching a leg's edge ends there: the outline is an edge, with wood beyond it."""
    small, mask = _trousers(glare_kept=False)
    img = small.copy()
    img[120:160, 20:36] = (245, 240, 230)
    assert not backdrop_at_outline(mask, img)


DATA = Path(__file__).parent / "data"


def _aaece34a() -> tuple[np.ndarray, Detection]:
    """heldout22 train/pants/aaece34a (CC0, as decoded: 400 x 533) and the detector's own detection of it: the
    mask keeps a blob of the lamp's glare on the wood floor beside the right leg (box IoU 0.685)."""
    rgb = cv2.cvtColor(cv2.imread(str(DATA / "legs24_aaece34a.jpg")), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(DATA / "legs24_aaece34a_mask.png"), cv2.IMREAD_GRAYSCALE)
    bg = np.array([[59.66, 141.45, 154.08], [68.35, 139.09, 155.88], [70.49, 135.89, 145.09],
                   [80.89, 132.87, 142.40]], np.float32)
    det = Detection(box=(109, 48, 358, 507), confidence=0.999, mask=mask, mask_scale=0.375, method="cheap",
                    bg_colours=bg, threshold=20.0, hanger_hint=0.0, seg_inside=0.684)
    return rgb, det


def test_the_cleanup_flags_the_glare_beside_a_trouser_leg() -> None:
    rgb, det = _aaece34a()
    pants = clean_detection(rgb, det, category="trousers")
    assert pants.needs_review  # unflagged on main
    assert any("between the legs" in r for r in pants.reasons)
    kept = clean_detection(rgb, det, category="trousers", trim_box=False)  # a box a person set
    assert not any("between the legs" in r for r in kept.reasons)
    shirt = clean_detection(rgb, det, category="shirt")  # bottoms only
    assert not any("between the legs" in r for r in shirt.reasons)
