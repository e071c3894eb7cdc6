"""Take hangers, hooks and props out of the garment mask before the hero and details are cut.

The detector (:mod:`lookbook.detect`) separates "not the background" from the background; a
hanger, its hook, the clips of a trouser hanger or a bar across the top are not background,
so they come out as garment and the hero shows them (and a "collar" crop lands on the hook).
They have a shape and a place: at the top of the silhouette, thin, and usually of a colour
unlike the garment's (wood, chrome, black or coloured plastic). This module works on the
detector's small mask (~200 px) with the photo at the same size:

1. **Thin things on top.** An opening with a disc about 6 % of the garment's width keeps the
   fabric and drops what is thinner (a hook, a wire, a clip's arm). What it drops is removed
   only in the top part of the silhouette and where it stands above the fabric below it, so
   straps and thin sleeves lower down are kept.
2. **Bars of another colour.** The garment's colours are measured on its middle (k-means in
   Lab); in the top part, mask pixels far from all of them that form a thin, wide band (a
   hanger's bar or shoulders) are removed. A collar of another colour is thick, not a band,
   and stays.

What is left is reduced to the garment's main component. When a lot had to be cut (a fifth of
the silhouette) the result is not trusted: the cleanup is dropped and the shot is flagged for
a person to look at instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from lookbook.detect import Detection

#: The top part of the silhouette (fraction of its height) where hangers are looked for.
TOP_BAND = 0.3
#: Opening disc as a fraction of the garment's width: thinner parts on top are taken as hanger.
THIN_SHARE = 0.06
#: Lab distance (lightness halved) beyond which a pixel is unlike every garment colour.
FOREIGN_DIST = 22.0
#: A band thinner than this share of the garment's height counts as a hanger's bar.
BAR_SHARE = 0.07
#: Cutting more than this share of the silhouette is not trusted: flag instead.
MAX_CUT = 0.2


@dataclass(frozen=True)
class Cleanup:
    """The cleaned detection and what was done.

    :param detection: the detection with hangers removed from its mask (and its box trimmed
        at the top to the fabric, when ``trim_box`` was asked for).
    :param removed: share of the mask's pixels taken out (0 when nothing was).
    :param needs_review: the cleanup found a hanger it could not take out safely.
    """

    detection: Detection
    removed: float
    needs_review: bool


def _disc(size: int) -> np.ndarray:
    size = max(3, size | 1)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _main_component(mask: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(n, np.uint8)
    # Keep the largest part and any big ones (a pair of shoes is two).
    keep[1:] = areas >= 0.25 * areas.max()
    return keep[labels]


def _garment_colours(lab: np.ndarray, m: np.ndarray, y0: int, bh: int) -> np.ndarray:
    """Return up to 4 Lab colours of the garment, measured on the middle of the silhouette."""
    core = cv2.erode(m, _disc(5))
    core[: y0 + int(0.35 * bh)] = 0
    px = lab[core > 0]
    if len(px) < 20:
        px = lab[m > 0]
    if len(px) < 4:
        return px.reshape(-1, 3)
    k = min(4, len(px))
    criteria = (cv2.TERM_CRITERIA_MAX_ITER + cv2.TERM_CRITERIA_EPS, 10, 0.5)
    # Fixed seeds (evenly spaced by lightness) keep the result the same on every run.
    order = np.argsort(px[:, 0], kind="stable")
    labels = np.zeros((len(px), 1), np.int32)
    for i, chunk in enumerate(np.array_split(order, k)):
        labels[chunk, 0] = i
    _, labels, centres = cv2.kmeans(px.astype(np.float32), k, labels, criteria, 1, cv2.KMEANS_USE_INITIAL_LABELS)
    share = np.bincount(labels.ravel(), minlength=k) / len(px)
    return centres[share >= 0.05]


def hanger_mask(rgb_small: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return the part of ``mask`` (0/1 or 0/255, same size as ``rgb_small``) that is hanger, hook or clip."""
    m = (mask > 0).astype(np.uint8)
    ys, xs = np.nonzero(m)
    if len(xs) < 50:
        return np.zeros_like(m)
    y0, y1 = int(ys.min()), int(ys.max()) + 1
    x0, x1 = int(xs.min()), int(xs.max()) + 1
    bw, bh = x1 - x0, y1 - y0
    top = np.zeros_like(m)
    top[: y0 + int(TOP_BAND * bh)] = 1
    cut = np.zeros_like(m)

    # 1. Thin things on top: what an opening removes, where no fabric of the opened mask lies above.
    opened = cv2.morphologyEx(m, cv2.MORPH_OPEN, _disc(round(THIN_SHARE * bw)))
    fabric_top = np.where(opened.any(axis=1))[0]
    if len(fabric_top):
        thin = (m > 0) & (opened == 0) & (top > 0)
        # Only what sticks up above the fabric's own top edge in that column (a hook, the
        # wire above the shoulders), not a strap or a sleeve beside the body.
        col_top = np.where(opened.any(axis=0), opened.argmax(axis=0), m.shape[0])
        above = np.arange(m.shape[0])[:, None] < col_top[None, :] + 1
        cut |= (thin & above).astype(np.uint8)

    # 2. Bands of another colour on top: a hanger's bar or shoulders, a trouser hanger's clips.
    lab = cv2.cvtColor(rgb_small, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[:, :, 0] *= 0.5
    colours = _garment_colours(lab, m, y0, bh)
    if len(colours):
        d2 = ((lab[:, :, None, :] - colours[None, None, :, :]) ** 2).sum(-1).min(-1)
        foreign = ((np.sqrt(d2) > FOREIGN_DIST) & (m > 0) & (top > 0)).astype(np.uint8)
        foreign = cv2.morphologyEx(foreign, cv2.MORPH_OPEN, _disc(3))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(foreign, connectivity=8)
        if n > 1:
            dist = cv2.distanceTransform(foreign, cv2.DIST_L2, 3)
            for i in range(1, n):
                x, y, w, h, area = (int(v) for v in stats[i])
                if y > y0 + 0.12 * bh:
                    continue  # it does not reach the top of the silhouette: a print or a pocket
                thickness = 2.0 * float(dist[labels == i].max())
                if thickness <= BAR_SHARE * bh and w >= 3 * thickness:
                    cut[labels == i] = 1
    return cut


def clean_detection(rgb: np.ndarray, det: Detection, *, trim_box: bool = True, scale: float = 1.0) -> Cleanup:
    """Return ``det`` with hangers and hooks taken out of its mask.

    :param rgb: the photo the detection was made on (any size; a reduced decode is fine).
    :param det: the detection.
    :param trim_box: also move the box's top edge down to the fabric (for an automatic box;
        a box a person set is theirs and is kept).
    :param scale: the ``Decoded.scale`` of ``rgb`` (the box is in pixels of the original).
    """
    mask = det.mask
    h, w = mask.shape[:2]
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    m = (mask > 0).astype(np.uint8)
    total = int(m.sum())
    if total == 0:
        return Cleanup(det, 0.0, False)
    cut = hanger_mask(small, m)
    kept = _main_component((m & (1 - cut)).astype(np.uint8))
    removed = 1.0 - float(kept.sum()) / total
    if removed <= 0.0:
        return Cleanup(det, 0.0, False)
    if removed > MAX_CUT:
        return Cleanup(det, 0.0, True)
    box = det.box
    if trim_box:
        ys = np.nonzero(kept.any(axis=1))[0]
        s = det.mask_scale * scale
        new_top = int(np.floor(ys.min() / s)) if len(ys) else box[1]
        if box[1] < new_top < box[3]:
            box = (box[0], new_top, box[2], box[3])
    return Cleanup(replace(det, mask=(kept * 255).astype(np.uint8), box=box), removed, False)


__all__ = ["Cleanup", "clean_detection", "hanger_mask"]
