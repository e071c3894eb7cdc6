"""The detector's own detection of a real photo, stored beside it under ``tests/data`` for cleanup tests.

A hero test that must fail on the old cleanup needs the very mask and segmenter map the detector made of a photo that
reached a customer badly; running the segmenter in the test would tie it to the model and make it slow. Each case is
three files: ``<stem>.jpg`` (the CC0 photo as decoded), ``<stem>_mask.png`` (the mask at the working size) and
``<stem>_prob.png`` (the segmenter's probability, stored in 8 bits).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.detect import Detection

DATA = Path(__file__).resolve().parent / "data"


def stored_detection(stem: str, *, box: tuple[int, int, int, int], bg: list[list[float]], confidence: float,
                     method: str, mask_scale: float = 0.375, threshold: float = 20.0,
                     seg_inside: float = 1.0) -> tuple[np.ndarray, Detection]:
    """Return the photo ``tests/data/<stem>.jpg`` (RGB) and the stored detection of it.

    :param stem: the files' common name, e.g. ``side30_e68d769d``.
    :param box: the detection's box, in pixels of the photo.
    :param bg: the backdrop's border colours (the detector's Lab rows).
    :param confidence: the detection's confidence.
    :param method: ``"cheap"`` or ``"segmenter"``, as the detector chose.
    :param mask_scale: working size over photo size.
    :param threshold: the backdrop distance threshold the detector used.
    :param seg_inside: the share of the mask the segmenter was sure of.
    """
    rgb = cv2.cvtColor(cv2.imread(str(DATA / f"{stem}.jpg")), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(DATA / f"{stem}_mask.png"), cv2.IMREAD_GRAYSCALE)
    prob = cv2.imread(str(DATA / f"{stem}_prob.png"), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
    det = Detection(box=box, confidence=confidence, mask=mask, mask_scale=mask_scale, method=method,
                    bg_colours=np.array(bg, np.float32), threshold=threshold, hanger_hint=0.0, seg_inside=seg_inside,
                    seg_prob=prob)
    return rgb, det
