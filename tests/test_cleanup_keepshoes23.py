"""Nothing is cut off shoes as hanger but a hand from above (h-keepshoes23, issue 12: what the customer receives).

Shoes are set down, never hung, yet the hanger cut's peel read their top rows (heel collars, pull tabs, bows, lace
loops: another colour than the toes) as a hanger's bar and cut them flat: heldout22's ``9f922e1a`` lost both pink
padded heel collars (12 % of the mask). The one piece the peel took off shoes that was not theirs, of the 184 shoes of
the design half, was a hand holding a boot up from above the frame (heldout22's ``fa5fe172``): that cut is kept.
"""

from __future__ import annotations

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection, hand_from_above
from lookbook.photos.detect import Detection, detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

COLLARS = "train/shoes/9f922e1a-0627-489b-9e0f-f8dd3fb520c9.jpg"
HAND = "train/shoes/fa5fe172-a5b0-465a-bf25-7e22e7af43cf.jpg"


def _top(mask: np.ndarray) -> int:
    return int(np.nonzero((mask > 0).any(axis=1))[0].min())


def _shoe(collar: tuple[int, int, int], top_row: int) -> tuple[np.ndarray, Detection]:
    """A blue shoe on a red sheet, its top a band of ``collar`` from ``top_row`` (working scale)."""
    img = np.full((200, 200, 3), (200, 40, 40), np.uint8)
    mask = np.zeros((200, 200), np.uint8)
    cv2.ellipse(mask, (100, 120), (70, 70), 0, 180, 360, 255, -1)
    mask[120:170, 30:170] = 255
    mask[top_row:50, 85:115] = 255  # what reaches up from the shoe (to the frame's top for a hand)
    img[mask > 0] = (40, 60, 160)
    img[(mask > 0) & (np.arange(200)[:, None] < 62)] = collar
    sheet = cv2.cvtColor(np.uint8([[[200, 40, 40]]]), cv2.COLOR_RGB2LAB)[0, 0].astype(np.float32)
    det = Detection(box=(30, top_row, 170, 170), confidence=1.0, mask=mask, mask_scale=1.0, method="cheap",
                    bg_colours=np.array([[0.5 * sheet[0], sheet[1], sheet[2]]], np.float32), threshold=20.0)
    return img, det


def test_a_shoes_collar_of_another_colour_is_not_peeled_as_a_hangers_bar() -> None:
    img, det = _shoe((230, 200, 30), 50)
    shoes = clean_detection(img, det, category="shoes")
    assert np.array_equal(shoes.detection.mask > 0, det.mask > 0)
    assert shoes.removed == 0.0
    # Untied, the same rows are still read as a hanger's bar and cut.
    assert _top(clean_detection(img, det).detection.mask) >= _top(det.mask) + 8


def test_a_skin_toned_piece_from_the_top_of_the_frame_is_still_cut_off_shoes() -> None:
    img, det = _shoe((225, 170, 140), 0)  # a hand's tone, reaching in from the top row
    shoes = clean_detection(img, det, category="shoes")
    assert _top(shoes.detection.mask) >= 8
    # The same skin-toned collar inside the frame (a beige lining) is the shoe's own.
    img, det = _shoe((225, 170, 140), 30)
    assert clean_detection(img, det, category="shoes").removed == 0.0


def test_the_trainers_keep_their_heel_collars() -> None:
    decoded = load_photo(labelled_photo(COLLARS))
    det = detect_garment(decoded.rgb, scale=decoded.scale)
    shoes = clean_detection(decoded.rgb, det, scale=decoded.scale, category="shoes")
    assert _top(shoes.detection.mask) == _top(det.mask)
    assert shoes.removed < 0.001
    # Untied, the photo still goes through the hanger cut, which takes the collars off (a tenth of the mask).
    assert clean_detection(decoded.rgb, det, scale=decoded.scale).removed > 0.08


def test_the_hand_holding_the_boot_is_still_cut() -> None:
    decoded = load_photo(labelled_photo(HAND))
    det = detect_garment(decoded.rgb, scale=decoded.scale)
    shoes = clean_detection(decoded.rgb, det, scale=decoded.scale, category="shoes")
    assert shoes.removed > 0.02
    assert _top(shoes.detection.mask) > _top(det.mask)
    assert not hand_from_above(np.zeros((8, 8, 3), np.uint8), np.ones((8, 8), np.uint8), np.zeros((8, 8), np.uint8))
