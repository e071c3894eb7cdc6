"""Synthetic photos for the sleeve-gap tests: a shirt on a bedsheet with a thin slit between its left sleeve and body.

The photo is 450 x 600 pixels, ``F`` times the 150 x 200 working image the mask is drawn at; the segmenter's mask
is drawn with the slit rounded in, as the learned segmenter does on the real photos (heldout21, h-strips23).
"""

from __future__ import annotations

import numpy as np

from lookbook.photos.detect import Detection

RGB = tuple[int, int, int]
F = 3  # the photo is three times the working size


def shirt_with_slit(slit: RGB, *, sheet: RGB, shirt: RGB,
                    width: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the photo, its working image and the segmenter's mask (0/1) of a ``shirt`` on ``sheet``.

    A ``width`` px slit (photo pixels) of colour ``slit`` runs between the left sleeve and the body over photo rows
    300-420; the sleeve touches the body above and below it, so the slit is closed.
    """
    img = np.empty((200 * F, 150 * F, 3), np.uint8)
    img[:] = sheet
    img[30 * F:180 * F, 40 * F:120 * F] = shirt  # the body
    img[40 * F:170 * F, 24 * F:40 * F] = shirt  # the left sleeve, touching the body above and below the slit
    img[100 * F:140 * F, 40 * F - width:40 * F] = slit
    img[40 * F:170 * F, 120 * F:136 * F] = shirt  # the right sleeve
    noise = np.random.default_rng(7).normal(0, 3, img.shape)
    rgb = np.clip(img + noise, 0, 255).astype(np.uint8)
    small = rgb.reshape(200, F, 150, F, 3).mean(axis=(1, 3)).round().astype(np.uint8)
    mask = np.zeros((200, 150), np.uint8)
    mask[30:180, 40:120] = 1
    mask[40:170, 24:40] = 1
    mask[40:170, 120:136] = 1
    return rgb, small, mask


def segmenter_detection(mask: np.ndarray) -> Detection:
    """A sure segmenter detection of the shirt with ``mask`` (0/1, working size)."""
    return Detection(box=(24, 30, 136, 180), confidence=1.0, mask=mask * 255, mask_scale=1.0, method="segmenter",
                     bg_colours=np.zeros((0, 3), np.float32), threshold=20.0)
