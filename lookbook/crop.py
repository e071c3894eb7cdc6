"""Where to crop: the hero frame around the garment and the collar and cuff details.

Pure geometry on boxes and masks; no pixels are touched here. Coordinates are floats
in pixels of whatever image the box and mask refer to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Details:
    """Square detail crops, each ``(x0, y0, x1, y1)``; ``None`` if the shape gives no place for it."""

    collar: Box | None
    cuff: Box | None


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


def detail_boxes(mask: np.ndarray, threshold: int = 128) -> Details:
    """Place the collar and one cuff from the garment's silhouette.

    The collar is centred on the garment's top edge (the neckline of a shirt or the
    waistband of trousers): the middle of the mask's topmost rows, a little down into the
    fabric. The cuff is a sleeve end: the mask pixel furthest out to the left or right
    (whichever sticks out further from the body's centre line), taken at the height
    where that side's silhouette is widest. Both crops are squares sized from the garment.

    :param mask: ``H x W`` uint8 garment mask (0..255) in the coordinates wanted.
    """
    ys, xs = np.nonzero(mask >= threshold)
    if len(xs) < 16:
        return Details(None, None)
    x0, x1 = float(xs.min()), float(xs.max()) + 1.0
    y0, y1 = float(ys.min()), float(ys.max()) + 1.0
    bw, bh = x1 - x0, y1 - y0
    side = max(8.0, 0.34 * min(bw, bh * 0.8))

    top_rows = ys < y0 + 0.08 * bh
    cx = float(np.median(xs[top_rows])) if np.any(top_rows) else (x0 + x1) / 2.0
    cy = y0 + side * 0.45
    collar = (cx - side / 2.0, cy - side / 2.0, cx + side / 2.0, cy + side / 2.0)

    mid = float(np.median(xs))
    left_reach, right_reach = mid - x0, x1 - mid
    if right_reach > left_reach:
        edge = xs >= x1 - 0.06 * bw
        ex = x1 - side * 0.42
    else:
        edge = xs <= x0 + 0.06 * bw
        ex = x0 + side * 0.42
    ey = float(np.median(ys[edge])) if np.any(edge) else (y0 + y1) / 2.0
    cuff = (ex - side / 2.0, ey - side / 2.0, ex + side / 2.0, ey + side / 2.0)
    return Details(collar=collar, cuff=cuff)
