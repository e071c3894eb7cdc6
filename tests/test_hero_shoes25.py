"""A hand holding a shoe is flagged (h-shoes25, issue 12 §2: heroes must not show props; a hand is one).

heldout23's ``d748ed88`` went out unflagged with the whole hand holding the lower shoe on its hero, heldout22's
``c72f789c`` with the fingertips of one: :func:`skin_at_edge` drops skin near the floor's colour (light wood) and
stands down where the pair's insoles make the middle skin-toned. :func:`hand_off_frame` asks instead for a
skin-toned piece of the cut-out that touches the photo's edge and is unlike the shoe round it. A hand cut off from
above (heldout22's ``fa5fe172``) leaves its fingertips: that shot is flagged too.
"""

from __future__ import annotations

import cv2
import numpy as np

from lookbook.photos.cleanup import clean_detection, hand_off_frame, skin_at_edge
from lookbook.photos.detect import Detection, detect_garment
from lookbook.photos.imaging import load_photo
from photo_support import labelled_photo

HAND_SIDE = "train/shoes/d748ed88-9bf7-402e-98a9-7a4c65582e48.jpg"
FINGERS = "train/shoes/c72f789c-ccc0-4d12-9b23-8e17f68fd224.jpg"
REASON = "a hand may show (skin reaching in from the photo's edge)"

SKIN = (225, 170, 140)
WOOD = (215, 170, 135)  # light wood: near the hand's colour, so skin_at_edge's background test drops the hand


def _held_shoe(piece: tuple[int, int, int], to_edge: bool = True) -> tuple[np.ndarray, Detection]:
    """A black shoe on light wood, a ``piece`` of another colour joined to its left end (reaching the frame)."""
    img = np.full((200, 200, 3), WOOD, np.uint8)
    mask = np.zeros((200, 200), np.uint8)
    cv2.ellipse(mask, (120, 110), (60, 35), 0, 0, 360, 255, -1)
    img[mask > 0] = (30, 30, 35)
    x0 = 0 if to_edge else 30
    mask[95:135, x0:75] = 255
    img[95:135, x0:75] = piece
    wood = cv2.cvtColor(np.uint8([[WOOD]]), cv2.COLOR_RGB2LAB)[0, 0].astype(np.float32)
    det = Detection(box=(x0, 75, 180, 145), confidence=1.0, mask=mask, mask_scale=1.0, method="cheap",
                    bg_colours=np.array([[0.5 * wood[0], wood[1], wood[2]]], np.float32), threshold=20.0)
    return img, det


def test_a_skin_piece_from_the_frames_edge_on_a_dark_shoe_is_a_hand() -> None:
    img, det = _held_shoe(SKIN)
    assert not skin_at_edge(img, det.mask, det)  # the old check misses it: the hand is the floor's colour
    assert hand_off_frame(img, det.mask)
    assert REASON in clean_detection(img, det, category="shoes").reasons


def test_not_a_hand_inside_the_frame_or_of_the_shoes_own_colour() -> None:
    img, det = _held_shoe(SKIN, to_edge=False)
    assert not hand_off_frame(img, det.mask)  # a pink lining inside the photo is not a hand
    img, det = _held_shoe((30, 30, 35))
    assert not hand_off_frame(img, det.mask)  # the shoe itself cut by the frame
    beige = np.full((200, 200, 3), (60, 90, 120), np.uint8)
    mask = np.zeros((200, 200), np.uint8)
    mask[60:160, 120:200] = 255
    beige[mask > 0] = (205, 160, 135)  # a beige clog cut by the frame: skin-toned, but the same colour round it
    assert not hand_off_frame(beige, mask)


def test_the_hands_holding_shoes_are_flagged() -> None:
    for key in (HAND_SIDE, FINGERS):
        decoded = load_photo(labelled_photo(key))
        det = detect_garment(decoded.rgb, scale=decoded.scale, category="shoes")
        shoes = clean_detection(decoded.rgb, det, scale=decoded.scale, category="shoes")
        assert shoes.needs_review and REASON in shoes.reasons, key


def test_a_hand_cut_from_above_leaves_the_shot_flagged_for_its_fingertips() -> None:
    # heldout22's fa5fe172: the hand holding the boot up is cut (h-keepshoes23) down to where the peel stopped; the
    # fingertip on the boot's top stays on the hero, so the shot goes to a person.
    decoded = load_photo(labelled_photo("train/shoes/fa5fe172-a5b0-465a-bf25-7e22e7af43cf.jpg"))
    det = detect_garment(decoded.rgb, scale=decoded.scale, category="shoes")
    shoes = clean_detection(decoded.rgb, det, scale=decoded.scale, category="shoes")
    assert shoes.removed > 0
    assert shoes.needs_review and "a hand held the shoes from above: its fingertips may still show" in shoes.reasons
