"""Where to crop: the hero frame around the garment and the detail crops its category calls for.

Pure geometry on boxes and masks; no pixels are touched here. Coordinates are floats
in pixels of whatever image the box and mask refer to.

Which details a garment gets follows its category (:func:`detail_kinds`): collar and cuff
for shirts, long sleeves and outerwear; waistband and hem for trousers, shorts and skirts;
neckline and hem for dresses and T-shirts; none for shoes and hats, or for a photo not yet
tied to a product, unless the preset names the kinds it wants. Each crop is placed on the
garment mask's shape (:func:`detail_boxes`), so it lands on fabric rather than on a hanger
or the floor.
"""

from __future__ import annotations

import cv2
import numpy as np

# Which details a category gets (no image library): in lookbook.photos.details, imported here for the geometry.
from lookbook.photos.details import (  # noqa: F401 (re-exported: lookbook.photos.crop.DETAIL_KINDS and friends)
    CATEGORY_DETAILS,
    DETAIL_KINDS,
    LEG_HEM,
    LEGGED,
    TOP_KINDS,
    detail_kinds,
    file_kind,
    normalise_category,
    rendered_kinds,
)

Box = tuple[float, float, float, float]


def hero_frame(box: Box, aspect: float, margin: float) -> Box:
    """Return the hero's crop rectangle: the box centred, padded by ``margin`` and grown to ``aspect``.

    The rectangle may reach past the image; the renderer fills that with the background.

    :param box: the garment box ``(x0, y0, x1, y1)``.
    :param aspect: width / height of the result.
    :param margin: free space on each side as a fraction of the result's shorter side.
    """
    x0, y0, x1, y1 = box
    bw, bh = max(1.0, x1 - x0), max(1.0, y1 - y0)
    # The garment must fit inside (1 - 2 * margin) of the frame on both axes.
    inner = max(1e-3, 1.0 - 2.0 * margin)
    h = max(bh, bw / aspect) / inner
    w = h * aspect
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    return (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)


def _square(cx: float, cy: float, side: float) -> Box:
    return (cx - side / 2.0, cy - side / 2.0, cx + side / 2.0, cy + side / 2.0)


def _runs(xs: np.ndarray) -> list[np.ndarray]:
    """Return the runs of neighbouring columns among ``xs`` (two trouser legs are two runs)."""
    cols = np.unique(xs)
    breaks = np.nonzero(np.diff(cols) > 2)[0]
    return np.split(cols, breaks + 1) if len(cols) else []


def _top_point(xs: np.ndarray, ys: np.ndarray, y0: float, bh: float) -> tuple[float, float]:
    """Return the middle of the garment's top part (the collar, neckline or waistband) at its top edge.

    The middle is the median column of the top 15 % of the silhouette, not of its very top
    rows: a waistband or shoulders laid at a slant put only one corner in the top rows.
    """
    band = ys < y0 + max(2.0, 0.15 * bh)
    return float(np.median(xs[band])), y0


def _hem_point(xs: np.ndarray, ys: np.ndarray, y1: float, bh: float, legs: bool, bw: float = 0.0
               ) -> tuple[float, float]:
    """Return a point on the garment's lowest edge: its middle, or for trousers and shorts one leg's.

    :param legs: the garment has two legs: the hem is the lower leg's. A long leg (the garment
        more than :data:`LONG_LEGS` times taller than wide) ends in its lowest rows, wherever it
        lies: the middle of those. A short leg's opening is wide and often slanted, its lowest
        rows only a corner: halfway between the garment's outer edge and its middle column on
        that side (in the bottom fifth). (The shape alone does not tell two legs: the gap
        between a pair of shorts' legs is often too short.)
    :param bw: the garment's width.
    """
    band = ys >= y1 - max(2.0, 0.12 * bh)
    if not legs:
        return float(np.median(xs[band])), y1
    low = ys >= y1 - max(2.0, 0.2 * bh)
    mid = float(np.median(xs[low]))
    best: tuple[float, float] | None = None
    for side in (xs[low] < mid, xs[low] >= mid):
        if not np.any(side):
            continue
        lx, ly = xs[low][side], ys[low][side]
        bottom = float(ly.max()) + 1.0
        if LEG_END_BAND > 0 and bh > LONG_LEGS * bw:
            # The leg's own end: the middle of its lowest rows (a leg laid at a slant ends near the outer edge).
            end = ly >= bottom - max(2.0, LEG_END_BAND * bh)
            leg_x = float(np.median(lx[end]))
        else:
            # A leg spans from the garment's outer edge to about its middle column.
            outer = float(lx.min()) if lx.min() < mid else float(lx.max()) + 1.0
            leg_x = (outer + mid) / 2.0
        if best is None or bottom > best[1] + 0.02 * bh:
            best = (leg_x, bottom)
    return best if best is not None else (mid, y1)


#: The detector's box reaching this share of the garment's height past the mask means the mask
#: was cut short there (see :func:`detail_boxes`).
SHORT_MASK = 0.02
#: How much sticking out sideways counts against hanging low when a sleeve's end is looked for (3, was 2: a
#: short sleeve's hem beside the shoulders won over a wide hem's corner too rarely; h-details12, picked on tune,
#: heldout, heldout2-heldout7, where 2.5-4 gain 4 cuffs, confirmed on heldout8-heldout11).
SLEEVE_OUT_WEIGHT = 3.0
#: The band of a leg's lowest rows (share of the garment's height) whose middle is the leg's end.
LEG_END_BAND = 0.06
#: Legs are long (trousers, not shorts) when the garment is this many times taller than wide.
LONG_LEGS = 1.2
#: How far (in crop sides) the cuff crop's centre lies up the sleeve from its end.
CUFF_INSET = 0.2
#: How far (in crop sides) the neckline / waistband crop's centre lies below the garment's top edge.
TOP_INSET = 0.2
#: How far (in crop sides) the collar crop's centre lies below the garment's top edge: further than the others, as a
#: jacket's hood or a stand-up collar rises above where the collar is labelled (h-details12: picked on tune, heldout,
#: heldout2-heldout7, where 0.3 gains 4 collars and loses none; confirmed on heldout8-heldout11).
COLLAR_INSET = 0.3
#: The shoulders start at the first row from the top that spans this share of the garment's width (:func:`_neck_row`).
NECK_WIDE = 0.5
#: A garment whose shoulders start more than this share of its height below its top has a hood (or a tall collar)
#: standing above them (h-outdet19).
HOOD_DEPTH = 0.15
#: Under a hood, the collar crop's centre lies this many crop sides above the row where the shoulders start, so the
#: crop shows the neck with the hood's lower part above it (h-outdet19: picked on the DESIGN splits, where 0.3-0.5 and
#: NECK_WIDE 0.45-0.55 all gain collars and lose none; 0.4 with 0.5 gains 3 outerwear and 2 long-sleeve collars).
NECK_RISE = 0.4
#: How far (in crop sides) the hem crop's centre lies above the garment's lowest edge.
HEM_INSET = 0.15
#: A detail crop with less of the garment than this share of its area is mostly background
#: (bare floor beside a sleeve, the wall above a hanger) and is left out. Thin sleeves and legs
#: seen end-on fill about a fifth of their crop, so the bar sits below that.
MIN_FABRIC = 0.12


def _sleeve_end(mask: np.ndarray, x0: float, x1: float, y0: float, y1: float, reach: float
                ) -> tuple[float, float, float, float]:
    """Return ``(x, y, dx, dy)``: a sleeve's end and the unit direction from it up the sleeve.

    The body is what an opening with a disc a third of the garment's width keeps; the sleeves,
    narrower, are what it removes (a long sleeve laid out, a short sleeve's stub, an arm hanging
    clear of the body). The end of a sleeve is its point furthest from where it joins the body;
    of the sleeves found (parts of at least 1.5 % of the garment beside the body, joined to its
    upper half) the one whose end is furthest out sideways
    wins, as a folded or hidden sleeve reaches less. A garment whose sleeves lie against the body
    (a jacket on a hanger) has none apart: then, if its sides are cut in (a vest's armholes, :func:`_armhole`),
    the end is the armhole's outer edge (:func:`_armhole_edge`), else the silhouette point furthest out and
    down (:func:`_outer_low_point`).
    """
    disc = max(3, int(round((x1 - x0) / 3.0)) | 1)
    body = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (disc, disc)))
    rest = (mask > 0) & (body == 0)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rest.astype(np.uint8), connectivity=8)
    area = float(np.count_nonzero(mask))
    joint_zone = cv2.dilate(body, np.ones((3, 3), np.uint8)) > 0
    bys, bxs = np.nonzero(body)
    mid = float(np.median(bxs)) if len(bxs) else (x0 + x1) / 2.0
    best: tuple[float, float, float, float, float] | None = None
    for i in range(1, n):
        size = int(stats[i, cv2.CC_STAT_AREA])
        if size < 0.015 * area or len(bxs) == 0:
            continue
        part = labels == i
        joint = part & joint_zone
        if not np.any(joint):
            continue
        sx, sy = np.nonzero(part)[1], np.nonzero(part)[0]
        # A sleeve sits beside the body (left or right of its middle third), not below it (a hem's flare).
        cx = float(sx.mean())
        bl, br = float(np.percentile(bxs, 20)), float(np.percentile(bxs, 80))
        if bl <= cx <= br:
            continue
        jy, jx = np.nonzero(joint)
        ax, ay = float(jx.mean()), float(jy.mean())
        if ay > y0 + 0.5 * (y1 - y0):
            continue  # joined to the lower half: a flared hem or a tail, not a sleeve (they hang from the shoulders)
        d = np.hypot(sx - ax, sy - ay)
        k = int(np.argmax(d))
        reach_out = abs(float(sx[k]) - mid)
        if best is None or reach_out > best[0]:
            norm = max(1e-6, float(d[k]))
            best = (reach_out, float(sx[k]), float(sy[k]), (ax - sx[k]) / norm, (ay - sy[k]) / norm)
    # The outermost column on each side, at its lowest: a sleeve laid against the body's side
    # (which the opening keeps as body) still ends there when it reaches furthest out.
    ys, xs = np.nonzero(mask)
    tol = max(1.0, 0.03 * (x1 - x0))
    for outer in (xs <= xs.min() + tol, xs >= xs.max() - tol):
        i = int(np.argmax(np.where(outer, ys, -1)))
        reach_out = abs(float(xs[i]) - mid)
        if best is not None and reach_out > best[0] + 0.05 * (x1 - x0):
            near = np.hypot(xs - xs[i], ys - ys[i]) < reach
            cx, cy = float(xs[near].mean()), float(ys[near].mean())
            norm = max(1e-6, float(np.hypot(cx - xs[i], cy - ys[i])))
            best = (reach_out, float(xs[i]), float(ys[i]), (cx - xs[i]) / norm, (cy - ys[i]) / norm)
    if best is not None:
        return best[1], best[2], best[3], best[4]
    if _armhole(mask, x0, x1, y0, y1) is not None:
        return _armhole_edge(mask, x0, x1, y0, y1, reach)
    return _outer_low_point(mask, x0, x1, y0, y1, reach)


def _armhole(mask: np.ndarray, x0: float, x1: float, y0: float, y1: float
             ) -> tuple[float, float, float, float] | None:
    """Return a sleeveless garment's armhole, ``(x, y, dx, dy)``, or ``None`` if the sides are not cut in.

    A vest or a sleeveless dress has no sleeve; where a sleeve would start, its side is cut in
    (the armhole): the deepest dent of the silhouette's outline below its convex hull, on a side
    and in the upper half, at least 5 % of the garment's width deep. Found, it tells a sleeveless garment: the crop
    goes on the armhole's outer edge (:func:`_armhole_edge`).
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(outline, returnPoints=False)
    try:
        defects = cv2.convexityDefects(outline, hull)
    except cv2.error:  # a self-intersecting hull on a ragged outline
        return None
    if defects is None:
        return None
    bw, bh = x1 - x0, y1 - y0
    mid = (x0 + x1) / 2.0
    best: tuple[float, float, float] | None = None
    for _start, _end, far, depth in defects.reshape(-1, 4):
        fx, fy = (float(v) for v in outline[far, 0])
        d = depth / 256.0
        if fy > y0 + 0.5 * bh or abs(fx - mid) < 0.25 * bw or d < 0.05 * bw:
            continue
        if best is None or d > best[0]:
            best = (d, fx, fy)
    if best is None:
        return None
    _, fx, fy = best
    return fx, fy, (1.0 if fx < mid else -1.0), 0.0


#: A sleeveless garment's armhole edge is looked for in this top share of its height (a vest's shoulders and armholes).
ARMHOLE_BAND = 0.4


def _armhole_edge(mask: np.ndarray, x0: float, x1: float, y0: float, y1: float, reach: float
                  ) -> tuple[float, float, float, float]:
    """Return ``(x, y, dx, dy)``: a sleeveless garment's armhole edge, and the way into the fabric from it.

    Where a sleeve would end, a vest's cut-in side (the armhole, :func:`_armhole`) meets its shoulder: the
    point of the top :data:`ARMHOLE_BAND` of the silhouette furthest out sideways (of the two sides, the one
    further out; at its lowest within 3 % of the width). The dent's own deepest point, which the crop used
    to sit on, is often on the body beside the zip or the neck opening, a crop of plain fabric (h-details12).
    """
    ys, xs = np.nonzero(mask)
    mid = float(np.median(xs))
    upper = ys < y0 + ARMHOLE_BAND * (y1 - y0)
    tol = max(1.0, 0.03 * (x1 - x0))
    best: tuple[float, float, float] | None = None
    for sign in (-1.0, 1.0):
        out = sign * (xs - mid)
        far = float(out[upper].max())
        pick = np.nonzero(upper & (out >= far - tol))[0]
        i = int(pick[np.argmax(ys[pick])])
        if best is None or far > best[0]:
            best = (far, float(xs[i]), float(ys[i]))
    assert best is not None
    _, ex, ey = best
    near = np.hypot(xs - ex, ys - ey) < reach
    cx, cy = float(xs[near].mean()), float(ys[near].mean())
    norm = max(1e-6, float(np.hypot(cx - ex, cy - ey)))
    return ex, ey, (cx - ex) / norm, (cy - ey) / norm


def _outer_low_point(mask: np.ndarray, x0: float, x1: float, y0: float, y1: float, reach: float
                     ) -> tuple[float, float, float, float]:
    """Return ``(x, y, dx, dy)``: the silhouette point furthest out and down, and the way back into the fabric.

    Sleeves hanging against the body end at the bottom of its outer edges: the point with the
    largest ``SLEEVE_OUT_WEIGHT`` * (sideways distance from the middle, in garment widths) +
    (depth, in garment heights). The direction is towards the middle of the fabric within
    ``reach`` of it, so the crop reaches along the sleeve, not into the background.
    """
    ys, xs = np.nonzero(mask)
    mid = float(np.median(xs))
    score = SLEEVE_OUT_WEIGHT * np.abs(xs - mid) / max(1.0, x1 - x0) + (ys - y0) / max(1.0, y1 - y0)
    i = int(np.argmax(score))
    ex, ey = float(xs[i]), float(ys[i])
    near = np.hypot(xs - ex, ys - ey) < reach
    cx, cy = float(xs[near].mean()), float(ys[near].mean())
    norm = max(1e-6, float(np.hypot(cx - ex, cy - ey)))
    return ex, ey, (cx - ex) / norm, (cy - ey) / norm


def detail_boxes(mask: np.ndarray, kinds: tuple[str, ...] | list[str], threshold: int = 128,
                 box: Box | None = None) -> dict[str, Box]:
    """Place the detail crops ``kinds`` on the garment's silhouette; return them by kind.

    - collar, neckline, waistband: centred on the middle of the garment's topmost rows (below
      any hanger: the mask is cleaned of hangers first, see :mod:`lookbook.photos.cleanup`), a little
      down into the fabric;
    - hem: on the middle of the lowest rows; hem-leg (the hem of trousers and shorts): on the
      lower leg's;
    - cuff: on a sleeve's end (:func:`_sleeve_end`), which for a short sleeve is its hem.

    Crops are squares sized from the garment (a third of its size). A kind the mask
    gives no place for (an empty mask), or whose crop would be mostly background (less than
    :data:`MIN_FABRIC` of it garment: bare floor, the wall around a hanger), is left out.

    :param mask: ``H x W`` uint8 garment mask (0..255) in the coordinates wanted.
    :param kinds: any of :data:`DETAIL_KINDS` and :data:`LEG_HEM`.
    :param box: the garment's box found by the detector, in the mask's coordinates, when it is
        not the mask's own box: where it reaches further down than the mask (a mask cut short at
        a pale or shadowed hem), the hem crop sits on the box's bottom edge. (Not at the top:
        above the mask there may be the hanger the cleanup took out.)
    """
    m = (mask >= threshold).astype(np.uint8)
    ys, xs = np.nonzero(m)
    if len(xs) < 16 or not kinds:
        return {}
    x0, x1 = float(xs.min()), float(xs.max()) + 1.0
    y0, y1 = float(ys.min()), float(ys.max()) + 1.0
    bw, bh = x1 - x0, y1 - y0
    # A third of the garment's size (geometric mean of width and height): a long dress and wide
    # shorts get crops of about the same share of the garment.
    side = max(8.0, 0.34 * float(np.sqrt(bw * bh)))
    # The crop's centre lies a little inside the edge it sits on: it shows the edge with some of
    # the background beyond it, as a close-up of a collar or hem is framed, and a point on the
    # edge a person would call "the hem" stays inside it when the mask's edge is off by a little.
    hem_inset = side * HEM_INSET
    tx, ty = _top_point(xs, ys, y0, bh)
    # The box reaching below the mask (by more than the outline's pixel or two): the mask was cut short.
    hem_edge = float(box[3]) if box is not None and box[3] > y1 + max(2.0, SHORT_MASK * bh) else y1
    out: dict[str, Box] = {}
    for kind in kinds:
        if kind == "collar":
            # Below a hood (or a tall collar standing up on its own) the collar crop goes down to where the
            # shoulders start: the labelled collar is there, under the hood, and a crop at the top shows its crown.
            cy = ty + side * COLLAR_INSET
            neck = _neck_row(xs, ys, y0, bw)
            if neck - y0 > HOOD_DEPTH * bh:
                cy = max(cy, neck - NECK_RISE * side)
            out[kind] = _square(tx, cy, side)
        elif kind in TOP_KINDS:
            out[kind] = _square(tx, ty + side * TOP_INSET, side)
        elif kind in ("hem", LEG_HEM):
            hx, hy = _hem_point(xs, ys, y1, bh, kind == LEG_HEM, bw)
            out[kind] = _square(hx, max(hy, hem_edge) - hem_inset, side)
        elif kind == "cuff":
            ex, ey, dx, dy = _sleeve_end(m, x0, x1, y0, y1, side)
            out[kind] = _square(ex + dx * side * CUFF_INSET, ey + dy * side * CUFF_INSET, side)
            if fabric_share(m, out[kind]) < MIN_FABRIC:
                # A stray sleeve (a strap, a hanger's remnant): the silhouette's outer low point instead.
                ex, ey, dx, dy = _outer_low_point(m, x0, x1, y0, y1, side)
                out[kind] = _square(ex + dx * side * CUFF_INSET, ey + dy * side * CUFF_INSET, side)
        else:
            raise ValueError(f"unknown detail kind {kind!r}; expected one of {', '.join(DETAIL_KINDS)}")
    # A crop that is nearly all background (bare floor, a bed, the hanger's wall) shows no detail:
    # it is left out rather than sent.
    return {kind: crop for kind, crop in out.items() if fabric_share(m, crop) >= MIN_FABRIC}


def _neck_row(xs: np.ndarray, ys: np.ndarray, y0: float, bw: float) -> float:
    """Return the first row from the top where the silhouette spans :data:`NECK_WIDE` of the garment's width.

    That is where the shoulders start: a collar on a hanger reaches it a few rows down, a hood standing above the
    shoulders (narrower than them, about a third of the width) only at its lower edge. The span is the row's
    outermost pixels, so a hood's opening or a gap in the mask does not shorten it.
    """
    top = int(y0)
    rows = ys.astype(np.intp) - top
    n = int(rows.max()) + 1
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, rows, xs)
    np.maximum.at(hi, rows, xs)
    wide = np.nonzero(hi - lo + 1.0 >= NECK_WIDE * bw)[0]
    return float(top + (int(wide[0]) if len(wide) else n))


def fabric_share(mask: np.ndarray, crop: Box) -> float:
    """Return the share of ``crop`` that the garment ``mask`` (0/1 or 0..255, nonzero is fabric) covers.

    The part of the crop off the image counts as background (the renderer fills it so).
    """
    x0, y0, x1, y1 = crop
    area = max(1.0, (x1 - x0) * (y1 - y0))
    h, w = mask.shape[:2]
    cx0, cy0 = max(0, int(round(x0))), max(0, int(round(y0)))
    cx1, cy1 = min(w, int(round(x1))), min(h, int(round(y1)))
    if cx1 <= cx0 or cy1 <= cy0:
        return 0.0
    return float(np.count_nonzero(mask[cy0:cy1, cx0:cx1])) / area


__all__ = ["CATEGORY_DETAILS", "DETAIL_KINDS", "LEGGED", "LEG_HEM", "file_kind", "TOP_KINDS", "Box", "detail_boxes",
           "detail_kinds", "fabric_share", "hero_frame", "normalise_category", "rendered_kinds"]
