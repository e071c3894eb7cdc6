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
3. **Peeling the top** row by row (:func:`_peel_top`): a hook, clips, a bar of another colour.
4. **A hanger's middle across the neck** opening, seen on a 400 px copy (:func:`neck_bar`).

What is left is reduced to the garment's main component. When a lot had to be cut (a fifth of
the silhouette) the result is not trusted: the cleanup is dropped and the shot is flagged for
a person to look at instead; so is a shot where a hook or clips were found but no bar of
another colour under them (the hanger's shoulders, or a bar the garment's colour, may still
show). Not handled (measured in ``bench.detail_quality``): a hanger of the garment's own colour,
a hanger lying inside a collar, a clip hanger's bar on trousers of its colour, props at the hem.
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
#: Rows at the top are peeled as hanger at most this deep (share of the garment's height).
PEEL_SHARE = 0.15
#: A hanger's bar across the neck lies in this top share of the garment's height...
NECK_BAND = 0.2
#: ...is at least this share of the garment's width long...
NECK_BAR_MIN = 0.12
#: ...and no thicker than this share of it.
STROKE_WIDTH = 0.05
#: Cutting more than this share of the silhouette is not trusted: flag instead.
MAX_CUT = 0.2
#: Long side of the image a hanger's bar across the neck is looked for on: it is a few pixels high at 400 px.
BAR_SIDE = 400


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
    labels: np.ndarray = np.zeros((len(px), 1), np.int32)
    for i, chunk in enumerate(np.array_split(order, k)):
        labels[chunk, 0] = i
    _, labels, centres = cv2.kmeans(px.astype(np.float32), k, labels, criteria, 1, cv2.KMEANS_USE_INITIAL_LABELS)
    share = np.bincount(labels.ravel(), minlength=k) / len(px)
    return centres[share >= 0.05]


def hanger_mask(rgb_small: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return the part of ``mask`` (0/1 or 0/255, same size as ``rgb_small``) that is hanger, hook or clip.

    :returns: that part, and whether a hanger was seen but may not be all gone (a hook or clips
        were cut but no bar of another colour under them: the hanger's shoulders inside a
        collar, or a bar the colour of the garment, may still show).
    """
    m = (mask > 0).astype(np.uint8)
    ys, xs = np.nonzero(m)
    if len(xs) < 50:
        return np.zeros_like(m), False
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
    # A hook: a cut part standing several rows high near the middle column (the outline's stray
    # pixels and a collar's corners are cut too, but they are a few rows at most).
    hook = False
    n, _, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=8)
    body = xs[ys >= y0 + 0.3 * bh]
    centre = float(np.median(body)) if len(body) else (x0 + x1) / 2.0
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        # Upright and several rows high: the rounded-off corners of a collar are neither.
        hook = hook or (h >= max(5.0, 0.05 * bh) and h >= 2 * w and abs(x + w / 2.0 - centre) < 0.15 * bw)

    # 2. Bands of another colour on top: a hanger's bar or shoulders, a trouser hanger's clips.
    lab = cv2.cvtColor(rgb_small, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[:, :, 0] *= 0.5
    colours = _garment_colours(lab, m, y0, bh)
    if len(colours):
        foreign: np.ndarray = foreign_all(lab, m, colours) & top
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
        peeled, seen, settled = _peel_top(m, foreign_all(lab, m, colours, eroded=False), y0, bh, x0, bw)
        cut |= peeled
        return cut, (hook or seen) and not settled
    return cut, hook


def foreign_all(lab: np.ndarray, m: np.ndarray, colours: np.ndarray, eroded: bool = True) -> np.ndarray:
    """Return the mask pixels unlike every garment colour (``eroded``: the outline's pixels left out).

    The outline's pixels mix fabric and wall, so they look foreign along every edge; left in,
    they join a hanger's bar to the sides of the garment.
    """
    inner = cv2.erode(m, _disc(3)) if eroded else m
    if not len(colours):
        return np.zeros_like(m)
    d2 = ((lab[:, :, None, :] - colours[None, None, :, :]) ** 2).sum(-1).min(-1)
    return ((np.sqrt(d2) > FOREIGN_DIST) & (inner > 0)).astype(np.uint8)


def _peel_top(m: np.ndarray, foreign: np.ndarray, y0: int, bh: int, x0: int, bw: int
              ) -> tuple[np.ndarray, bool, bool]:
    """Return the rows at the top of the silhouette that are hanger: peeled off one by one from the top.

    A row is hanger if it is a hook (one narrow run near the middle column: a hook, the neck of
    a hanger), several sparse pieces partly of another colour than the garment (the clips and
    hook of a trouser hanger, a third of the row or more), or a bar (mostly of another colour: a hanger's
    bar across a waistband). Peeling stops at the first row that is none of these (one row of
    grace: the outline's row mixes wall and hanger), and never goes deeper than
    :data:`PEEL_SHARE` of the garment's height (a dark waistband under a dark bar stays). Dress
    straps are sparse too, but of the dress's colour, and stay.

    :returns: the rows cut, whether any were (a hanger was there), and whether the peel took a
        whole bar off and stopped on the garment's own colours (then the hanger is gone; a
        hook or clips without a bar of another colour under them leave the hanger's shoulders
        or a bar of the garment's colour behind).
    """
    cut = np.zeros_like(m)
    rows = m[y0 + int(0.3 * bh): y0 + bh]
    cols = np.nonzero(rows.any(axis=0))[0]
    centre = float(np.median(np.nonzero(rows)[1])) if len(cols) else x0 + bw / 2.0
    grace = 1
    whole_bar = False
    stop = y0 + max(1, int(PEEL_SHARE * bh))
    for r in range(y0, stop):
        xs = np.nonzero(m[r])[0]
        if len(xs) == 0:
            continue
        single = xs[-1] - xs[0] + 1 == len(xs)
        share = np.count_nonzero(foreign[r]) / len(xs)
        hook = len(xs) < 0.08 * bw and single and abs((xs[0] + xs[-1]) / 2.0 - centre) < 0.15 * bw
        # Clips and a hook are several pieces side by side; a turtleneck's collar is one.
        clips = len(xs) < 0.4 * bw and share >= 0.3 and not single
        bar = bool(share >= 0.5)
        if hook or clips or bar:
            cut[r, xs] = 1
            whole_bar = whole_bar or (bar and len(xs) >= 0.6 * bw)
            continue
        if grace:
            grace -= 1
            continue
        stop = r
        break
    if np.count_nonzero(cut.any(axis=1)) < max(3.0, 0.03 * bh):
        # A row or two: the outline's pixels (fabric mixed with wall) look sparse and foreign on
        # every garment; a hanger's hook or clips stand several rows high.
        return np.zeros_like(m), False, False
    after = [np.count_nonzero(foreign[r]) / max(1, int(np.count_nonzero(m[r])))
             for r in range(stop, min(m.shape[0], stop + 3))]
    settled = whole_bar and all(a < 0.2 for a in after)
    return cut, True, settled


def neck_bar(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return a hanger's bar showing inside the neck (0/1 on ``mask``'s grid; all zero if none).

    On a hanger, the hanger's middle shows between the shoulders, across the neck opening: a
    thin horizontal bar of a colour unlike the garment's (wood, black or white plastic, chrome)
    near the middle column in the top part of the silhouette. It is a few pixels high, so it is
    looked for on a ``BAR_SIDE`` copy of the photo: a "foreign" component in the top
    :data:`NECK_BAND` of the garment, centred within a quarter of its width of the middle, at
    least three times as wide as high, wider than :data:`NECK_BAR_MIN` of the garment (a brand
    label in the neck is shorter) and no thicker than :data:`STROKE_WIDTH` of it. What it hid
    (the inside of the back, or the wall) is cut out with it, as the neck opening it is.

    :param rgb: the photo (any size).
    :param mask: the garment mask (detector grid).
    """
    mh, mw = mask.shape[:2]
    out = np.zeros((mh, mw), np.uint8)
    h, w = rgb.shape[:2]
    f = min(1.0, BAR_SIDE / max(h, w))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    img = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if f < 1.0 else rgb
    m = cv2.resize((mask > 0).astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    ys, xs = np.nonzero(m)
    if len(xs) < 200:
        return out
    y0, y1 = int(ys.min()), int(ys.max()) + 1
    bw, bh = int(xs.max()) + 1 - int(xs.min()), y1 - y0
    body = xs[ys >= y0 + 0.3 * bh]
    centre = float(np.median(body)) if len(body) else float(np.median(xs))
    lab = cv2.cvtColor(img, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[:, :, 0] *= 0.5
    colours = _garment_colours(lab, m, y0, bh)
    if not len(colours):
        return out
    band = slice(y0, y0 + int(NECK_BAND * bh) + 1)
    d2 = ((lab[band, :, None, :] - colours[None, None, :, :]) ** 2).sum(-1).min(-1)
    foreign = np.zeros_like(m)
    foreign[band] = ((np.sqrt(d2) > FOREIGN_DIST) & (m[band] > 0)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(foreign, connectivity=8)
    cut: np.ndarray = np.zeros_like(m)
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        if cw < NECK_BAR_MIN * bw or cw < 3 * ch or abs(x + cw / 2.0 - centre) > 0.25 * bw:
            continue
        part = (labels == i).astype(np.uint8)
        if 2.0 * float(cv2.distanceTransform(part, cv2.DIST_L2, 3).max()) > STROKE_WIDTH * bw:
            continue
        cut |= part
    if cut.any():
        # Back to the mask's grid; a bar two pixels high there must not vanish in the averaging.
        out = (cv2.resize(cut.astype(np.float32), (mw, mh), interpolation=cv2.INTER_AREA) > 0.25).astype(np.uint8)
    return out


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
    cut, unsure = hanger_mask(small, m)
    kept = _main_component((m & (1 - cut)).astype(np.uint8))
    kept = _main_component((kept & (1 - neck_bar(rgb, kept))).astype(np.uint8))
    removed = 1.0 - float(kept.sum()) / total
    if removed > MAX_CUT:
        return Cleanup(det, 0.0, True)
    if removed <= 0.0:
        return Cleanup(det, 0.0, unsure)
    box = det.box
    if trim_box:
        ys = np.nonzero(kept.any(axis=1))[0]
        s = det.mask_scale * scale
        new_top = int(np.floor(ys.min() / s)) if len(ys) else box[1]
        if box[1] < new_top < box[3]:
            box = (box[0], new_top, box[2], box[3])
    return Cleanup(replace(det, mask=(kept * 255).astype(np.uint8), box=box), removed, unsure)


__all__ = ["Cleanup", "clean_detection", "hanger_mask", "neck_bar"]
