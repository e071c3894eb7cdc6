"""Synthetic photos for the hanger tests: a shirt-shaped garment on a plain wall, drawn at 400 x 500 pixels."""

from __future__ import annotations

import cv2
import numpy as np

WALL = (214, 210, 204)
SHIRT = (40, 70, 150)
CHROME = (90, 90, 95)


def wall() -> np.ndarray:
    """Return a plain wall, 400 x 500 RGB."""
    return np.full((500, 400, 3), WALL, np.uint8)


def shirt(img: np.ndarray, top: int = 150, bottom: int = 450) -> np.ndarray:
    """Draw a blue shirt (body and two sleeves) on ``img`` from row ``top`` to ``bottom`` and return ``img``."""
    body = np.array([[130, top], [270, top], [300, top + 40], [290, bottom], [110, bottom], [100, top + 40]], np.int32)
    cv2.fillPoly(img, [body], SHIRT)
    cv2.fillPoly(img, [np.array([[100, top + 40], [130, top + 10], [90, top + 180], [60, top + 170]], np.int32)], SHIRT)
    cv2.fillPoly(img, [np.array([[300, top + 40], [270, top + 10], [310, top + 180], [340, top + 170]], np.int32)],
                 SHIRT)
    return img
