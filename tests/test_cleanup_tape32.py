"""A top's own tape or label inside the back neck is kept when no hanger is seen (h-tape32).

heldout30's light grey T-shirt ``0add1694`` (CC0, train/t-shirt, as decoded: 400 x 533, on a red sheet) with the
detector's own detection of it (its mask and the segmenter's probability in 8 bits, at the working size 150 x 200):
:func:`neck_bar` read the navy tape sewn inside the back neck as a hanger's bar across the neck and cut it, leaving a
white strip in the collar of an unflagged hero (judged lost). The same shot with a hook standing above the collar is a
hung top: the piece is cut as before.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from detection_support import stored_detection
from lookbook.photos.cleanup import clean_detection, neck_bar
from lookbook.photos.detect import Detection

SCALE = 0.375  # working size over photo size


def _0add1694() -> tuple[np.ndarray, Detection]:
    return stored_detection("tape32_0add1694", box=(16, 88, 390, 454), confidence=1.0, method="cheap",
                            seg_inside=0.993, bg=[[25.82, 159.22, 136.2], [33.83, 165.84, 137.24],
                                                  [44.06, 172.64, 137.79]])


def _tape(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The navy tape's pixels on the mask's grid: dark pixels of the silhouette across the back neck."""
    small = cv2.resize(rgb, (mask.shape[1], mask.shape[0]), interpolation=cv2.INTER_AREA)
    dark = (cv2.cvtColor(small, cv2.COLOR_RGB2LAB)[..., 0] < 110) & (mask > 0)
    out = np.zeros_like(dark)
    out[30:45, 40:110] = dark[30:45, 40:110]
    return out


def test_the_tape_inside_the_back_neck_stays() -> None:
    rgb, det = _0add1694()
    tape = _tape(rgb, det.mask)
    assert tape.sum() > 50
    out = clean_detection(rgb, det, category="t-shirt")
    kept = out.detection.mask > 0
    # main cut it all but its two ends (a white strip in the collar); now the tape is the hero's, the collar's rim
    # pixels beside it (mixed with the sheet) are still trimmed
    assert (kept & tape).sum() >= 0.7 * tape.sum()
    assert not out.needs_review
    # neck_bar itself still finds the piece; only the top with no hanger seen keeps it
    assert (neck_bar(rgb, det.mask) > 0).sum() > (neck_bar(rgb, det.mask, keep_tape=True) > 0).sum()


def test_with_a_hook_above_the_collar_the_piece_is_cut() -> None:
    # A grey hook drawn standing above the collar's middle (in the photo and the mask): a hung top, where the same
    # piece may be the hanger's bar; it is cut as before (and the hook flags the shot).
    rgb, det = _0add1694()
    tape = _tape(rgb, det.mask)
    ys, xs = np.nonzero(det.mask)
    top = int(ys.min())
    cx = int(np.median(xs[ys > top + 40]))
    hung, mask = rgb.copy(), det.mask.copy()
    x, t = int(cx / SCALE), int(top / SCALE)
    cv2.line(hung, (x, t + 20), (x, t - 50), (90, 90, 95), 5)
    cv2.ellipse(hung, (x - 12, t - 50), (12, 12), 0, 180, 360, (90, 90, 95), 5)
    cv2.line(mask, (cx, top + 5), (cx, top - 19), 255, 2)
    cv2.ellipse(mask, (cx - 4, top - 19), (4, 4), 0, 180, 360, 255, 2)
    out = clean_detection(hung, replace(det, mask=mask), category="t-shirt")
    assert (out.detection.mask[tape] > 0).sum() < 0.2 * tape.sum()
    assert out.needs_review


def _top_with_band(sag: int) -> tuple[np.ndarray, np.ndarray]:
    """A light grey top (400 x 400, mask 200 x 200) on a red wall with a dark band 4 px thick just under its collar's
    top edge, its middle ``sag`` px lower than its ends (negative: arched)."""
    rgb = np.full((400, 400, 3), (150, 30, 50), np.uint8)
    mask = np.zeros((200, 200), np.uint8)
    mask[20:190, 20:180] = 255
    rgb[40:380, 40:360] = (205, 205, 200)
    xs = np.arange(150, 251)
    ys = 50 + sag * (1.0 - ((xs - 200) / 50.0) ** 2)
    pts = np.stack([xs, ys], 1).astype(np.int32)
    cv2.polylines(rgb, [pts], False, (30, 35, 60), 4)
    return rgb, mask


def test_a_sagging_band_is_tape_an_arched_one_is_not() -> None:
    # The back neckline's curve sags in the middle; a hanger's bar seen in the neck is straight or arched.
    smile, mask = _top_with_band(4)
    assert neck_bar(smile, mask).any()
    assert not neck_bar(smile, mask, keep_tape=True).any()
    arch, mask = _top_with_band(-4)
    assert neck_bar(arch, mask).any()
    assert neck_bar(arch, mask, keep_tape=True).any()
