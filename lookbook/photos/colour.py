"""True colour: white balance only from neutral evidence, exposure on lightness only, and the shift a render made.

A product shot exists to show a garment's colour, so the renderer may change that colour
only when it has evidence of what neutral looks like in the photo. Beds, floors and walls
are not grey: balancing on a purple bed turned a grey T-shirt mint green. The evidence the
renderer accepts, strongest first:

1. **picked**: a point the merchandiser marked as white or grey (the eyedropper in the app,
   ``lookbook photos neutral``); stored in the photo's recipe, never in the pixels;
2. **slate**: the paper of a barcode slate lying in the frame beside the garment (the bars are
   read with zxing-cpp, as :mod:`lookbook.photos.barcodes` reads slates; the paper around them is white);
3. **background**: a background that is itself near-neutral (median chroma in CIELAB at most
   :data:`NEUTRAL_CHROMA`), so that the correction moves no colour further than that.

Without evidence the photo keeps its colour. Exposure may be evened out, but on CIELAB
lightness only, so a*/b* (the colour) stay where they were.

Every render measures how far the garment's colour moved (median a*b* of the middle of the
garment, before and after) and a shift over :data:`REVIEW_SHIFT` flags the shot for review.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from stdnum import ean as gs1

#: A background whose median CIELAB chroma is at most this is taken as neutral (a grey or white
#: wall, sheet or sweep, possibly under a slight cast). Above it, a cast and a coloured background
#: cannot be told apart, and the photo keeps its colour. Tuned on train/ (see bench.colour_fidelity).
NEUTRAL_CHROMA = 6.0
#: The most a correction from the background (and exposure) may move the garment's colour: a*b* distance
#: of the median of the garment's middle. Tuned on train/ with NEUTRAL_CHROMA (see bench.colour_fidelity).
MAX_AUTO_SHIFT = 5.0
#: A background darker than this CIELAB lightness says little about white balance (noise, shadow).
NEUTRAL_MIN_L = 35.0
#: Share of the crop that must be background for its colour to count as evidence.
MIN_BACKGROUND_SHARE = 0.04
#: The paper of a slate may be a little off-white (cheap card, a cast): above this chroma it is coloured card.
SLATE_MAX_CHROMA = 25.0
#: Channel gains a correction may use at most (and 1 / this at least): a pick on a vivid colour is not obeyed blindly.
MAX_GAIN = 2.0
#: Bars covering more than this share of the frame are not a slate (they are the garment's stripes).
SLATE_MAX_SHARE = 0.08
#: A garment whose colour moved more than this (a*b* distance) is flagged for review.
REVIEW_SHIFT = 10.0
#: Exposure: the background is brought towards this CIELAB lightness (the old 235 of 255 in sRGB).
TARGET_L = 92.5
#: ... by a lightness gain within these limits.
EXPOSURE_GAIN = (0.85, 1.5)
#: ... and never so far that the garment's 98th percentile lightness passes this (a white shirt keeps its folds).
GARMENT_MAX_L = 97.0
#: Side of the square the eyedropper samples around the picked point, as a share of the photo's long side.
PICK_PATCH = 0.01


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """Return float32 CIELAB (L 0..100, a*, b* signed) of uint8 sRGB pixels of any shape ``... x 3``."""
    flat = np.ascontiguousarray(rgb.reshape(-1, 1, 3), dtype=np.uint8)
    lab = cv2.cvtColor(flat.astype(np.float32) * (1.0 / 255.0), cv2.COLOR_RGB2Lab)
    return lab.reshape(rgb.shape[:-1] + (3,))


#: Medians and percentiles are taken on at most about this many pixels (an even spread): plenty, and fast.
SAMPLE = 4096


def sample(pixels: np.ndarray, n: int = SAMPLE) -> np.ndarray:
    """Return about ``n`` of the ``N x 3`` ``pixels``, evenly spread (all of them when there are fewer)."""
    return pixels[:: max(1, len(pixels) // n)]


def median_ab(rgb: np.ndarray) -> np.ndarray | None:
    """Return the median (a*, b*) of ``N x 3`` uint8 sRGB pixels, ``None`` for none."""
    if len(rgb) == 0:
        return None
    lab = to_lab(rgb.reshape(-1, 3))
    return np.median(lab[:, 1:], axis=0)


def _to_linear(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _to_srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    v = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1.0 / 2.4) - 0.055)
    return v * 255.0


def gains_for(neutral_rgb: np.ndarray) -> np.ndarray:
    """Return linear-light channel gains that make the sRGB colour ``neutral_rgb`` grey of the same luminance."""
    lin = np.maximum(_to_linear(np.asarray(neutral_rgb, np.float64)), 1e-4)
    luminance = float(lin @ np.array([0.2126, 0.7152, 0.0722]))
    return np.clip(luminance / lin, 1.0 / MAX_GAIN, MAX_GAIN)


def _wb_lut(gains: np.ndarray) -> np.ndarray:
    ramp = _to_linear(np.arange(256))
    table = _to_srgb(ramp[:, None] * gains[None, :])
    return np.clip(table + 0.5, 0, 255).astype(np.uint8).reshape(1, 256, 3)


@dataclass(frozen=True)
class Correction:
    """What the renderer does to a photo's colours: white balance gains (linear light) and a lightness gain.

    :param gains: per-channel linear-light gains (R, G, B), ``None``: white balance kept.
    :param source: the evidence the gains came from: ``picked``, ``slate``, ``background`` or ``none``.
    :param lightness: CIELAB lightness gain (exposure), 1.0: kept.
    """

    gains: np.ndarray | None
    source: str
    lightness: float = 1.0

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """Return ``rgb`` (uint8) corrected: white balance in linear light, then lightness alone."""
        if self.gains is not None:
            rgb = cv2.LUT(rgb, _wb_lut(self.gains))
        if abs(self.lightness - 1.0) > 0.005:
            lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)  # 8-bit: L 0..255, a* and b* offset by 128
            table = np.clip(np.arange(256) * self.lightness + 0.5, 0, 255).astype(np.uint8)
            lab[:, :, 0] = cv2.LUT(lab[:, :, 0], table)
            rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
        return rgb

    @property
    def is_identity(self) -> bool:
        """Return whether the correction leaves every pixel as it is."""
        return self.gains is None and abs(self.lightness - 1.0) <= 0.005


NO_CORRECTION = Correction(None, "none")


def sample_point(rgb: np.ndarray, x: float, y: float) -> np.ndarray:
    """Return the median sRGB colour of a small square around ``(x, y)`` (pixels of ``rgb``).

    :raises ValueError: if the point lies off the picture.
    """
    h, w = rgb.shape[:2]
    if not (0 <= x < w and 0 <= y < h):
        raise ValueError(f"point ({x:.0f}, {y:.0f}) lies off the {w} x {h} picture")
    r = max(1, round(PICK_PATCH * max(h, w) / 2))
    xi, yi = int(x), int(y)
    patch = rgb[max(0, yi - r): yi + r + 1, max(0, xi - r): xi + r + 1].reshape(-1, 3)
    return np.median(patch, axis=0)


def slate_paper(rgb: np.ndarray, garment: np.ndarray | None = None) -> np.ndarray | None:
    """Return the median sRGB colour of a barcode slate's paper in the photo, or ``None`` if there is none.

    A slate is a card with a bar code that reads (zxing-cpp, which also gives the bars' place)
    lying beside the garment: bars on the garment itself are its stripes or print misread (a
    striped T-shirt decodes as a valid EAN-8), so a code over the garment's mask does not
    count. The paper is the brighter part of the card around the bars (the quiet zone).

    :param garment: the garment's mask (uint8, any size of the same aspect as ``rgb``), if known.
    """
    h, w = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # A whole-factor area reduction to about 1,000 px: fast (a fractional one costs more than the reading)
    # and bars stay sharp enough for slates a fifth of the frame wide.
    k = max(1, -(-max(h, w) // 1024))
    if k > 1:
        grey = cv2.resize(grey[: h - h % k, : w - w % k], None, fx=1.0 / k, fy=1.0 / k, interpolation=cv2.INTER_AREA)
    sh, sw = grey.shape
    fabric = None if garment is None else cv2.resize(garment, (sw, sh), interpolation=cv2.INTER_NEAREST) > 127
    best: tuple[float, np.ndarray] | None = None
    for code, turned in _slate_codes(grey):
        card = _card_around(code, turned, sw, sh)
        if card is None:
            continue
        rx0, ry0, rx1, ry1 = card
        area = (rx1 - rx0) * (ry1 - ry0)
        if area < 200 or area > SLATE_MAX_SHARE * grey.size:
            continue  # too small to measure, or "bars" filling the frame: the garment's stripes
        if fabric is not None and fabric[ry0:ry1, rx0:rx1].mean() > 0.3:
            continue  # on the garment: its stripes or print, or a coloured tag sewn on it
        if best is None or area > best[0]:
            best = (area, rgb[ry0 * k:ry1 * k:k, rx0 * k:rx1 * k:k].reshape(-1, 3))
    return None if best is None else _white_paper(best[1])


def _slate_codes(grey: np.ndarray) -> list[tuple[zxingcpp.Barcode, bool]]:
    """Return the codes read in ``grey`` and in its transpose (``True``: found turned)."""
    # zxing-cpp's own rotation and pyramid cost ten times more than reading the frame and its transpose.
    found = [(r, False) for r in zxingcpp.read_barcodes(grey, formats=_SLATE_FORMATS,  # type: ignore[arg-type]
                                                          try_rotate=False,
                                                          try_downscale=False)]
    found += [(r, True) for r in zxingcpp.read_barcodes(np.ascontiguousarray(grey.T),
                                                         formats=_SLATE_FORMATS,  # type: ignore[arg-type]
                                                         try_rotate=False, try_downscale=False)]
    return found


def _card_around(code: zxingcpp.Barcode, turned: bool, sw: int, sh: int) -> tuple[int, int, int, int] | None:
    """Return the card around a valid code's bars as ``(x0, y0, x1, y1)`` in a ``sw`` × ``sh`` frame, or None
    for a code that is no slate's (unreadable, or digits that are no GTIN)."""
    if not code.valid or not code.text or (code.text.isdigit() and not _is_gtin(code.text)):
        return None
    pos = code.position
    pts = np.array([[p.x, p.y] for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)],
                   np.float32)
    if turned:
        pts = pts[:, ::-1]
    # zxing gives the scanned stretch of the bars (possibly one line): grow it into the card around them.
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    bw, bh = x1 - x0, y1 - y0
    length = max(bw, bh)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = (bw * 1.3 if bw >= bh else max(bw * 1.6, length * 0.15)) / 2 + 2
    half_h = (bh * 1.3 if bh > bw else max(bh * 1.6, length * 0.15)) / 2 + 2
    return (int(max(0, cx - half_w)), int(max(0, cy - half_h)),
            int(min(sw, cx + half_w + 1)), int(min(sh, cy + half_h + 1)))


def _white_paper(pixels: np.ndarray) -> np.ndarray | None:
    """Return the median colour of the brighter part of a card's pixels, or None unless it is white paper."""
    lum = pixels.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    paper = pixels[lum >= np.percentile(lum, 60)]
    # A channel at the sensor's limit has lost its ratio to the others: clipped paper says nothing.
    paper = paper[(paper < 250).all(axis=1)]
    if len(paper) < 20:
        return None
    colour = np.median(paper, axis=0)
    lab = to_lab(colour.astype(np.uint8).reshape(1, 3))[0]
    if lab[0] < 45 or float(np.hypot(lab[1], lab[2])) > SLATE_MAX_CHROMA:
        return None  # dark or coloured card: not a white slate
    return colour


# A tuple, as zxing-cpp asks (its `a | b` is deprecated); its type stub still names only BarcodeFormats.
_SLATE_FORMATS = (zxingcpp.BarcodeFormat.EAN13, zxingcpp.BarcodeFormat.EAN8, zxingcpp.BarcodeFormat.UPCA,
                  zxingcpp.BarcodeFormat.UPCE, zxingcpp.BarcodeFormat.Code128)


def _is_gtin(text: str) -> bool:
    """Return whether ``text`` is an EAN/UPC number with a right check digit (stripes misread rarely pass)."""
    return text.isdigit() and len(text) in (8, 12, 13, 14) and gs1.is_valid(text)


def _thin(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return every k-th row and column of a crop and its alpha, about ``4 * SAMPLE`` pixels: shares stay the same."""
    k = max(1, int(np.sqrt(alpha.size / (4 * SAMPLE))))
    return (rgb, alpha) if k == 1 else (np.ascontiguousarray(rgb[::k, ::k]), alpha[::k, ::k])


def background_neutral(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray | None:
    """Return the background's median sRGB colour if it is near-neutral evidence, else ``None``.

    :param rgb: the hero crop (any size).
    :param alpha: its float alpha 0..1, same size (background: below 0.05).
    """
    rgb, alpha = _thin(rgb, alpha)
    bg = rgb[alpha < 0.05]
    if len(bg) < max(50, MIN_BACKGROUND_SHARE * alpha.size):
        return None
    bg = sample(bg)
    lab = to_lab(bg)
    bright = lab[:, 0] >= NEUTRAL_MIN_L
    if bright.sum() < 0.5 * len(lab):
        return None
    a, b = np.median(lab[bright, 1]), np.median(lab[bright, 2])
    if float(np.hypot(a, b)) > NEUTRAL_CHROMA:
        return None
    return np.median(bg[bright], axis=0)


def choose(rgb_small: np.ndarray, alpha_small: np.ndarray, *, white_balance: bool, exposure: bool,
           picked: np.ndarray | None = None, slate: np.ndarray | None = None,
           middle: tuple[int, int, int, int] | None = None) -> Correction:
    """Return the correction for a photo from the evidence there is.

    A correction from a neutral background, and exposure, may move the garment's colour by at
    most :data:`MAX_AUTO_SHIFT`: beyond that it is scaled back (exposure first, since lightness
    pushed past the gamut bends a saturated colour; then white balance). White from a slate or
    a point a person picked is obeyed as it is; the render flags the shot if the garment moved far.

    :param rgb_small: a small copy of the hero crop; ``alpha_small`` its float alpha (0..1).
    :param white_balance: the preset allows automatic white balance (slate, neutral background).
    :param exposure: the preset evens out exposure.
    :param picked: the colour at the point the merchandiser marked neutral (always obeyed).
    :param slate: the colour of a slate's paper in the frame (see :func:`slate_paper`).
    :param middle: ``(x0, y0, x1, y1)``: the garment's middle in ``rgb_small``, where the shift is measured.
    """
    gains, source = None, "none"
    if picked is not None:
        gains, source = gains_for(picked), "picked"
    elif white_balance and slate is not None:
        gains, source = gains_for(slate), "slate"
    elif white_balance:
        neutral = background_neutral(rgb_small, alpha_small)
        if neutral is not None:
            gains, source = gains_for(neutral), "background"
    if gains is not None and np.allclose(gains, 1.0, atol=0.01):
        gains = None
    lightness = _exposure(rgb_small, alpha_small, gains) if exposure else 1.0
    correction = Correction(gains, source if gains is not None else "none", lightness)
    if correction.is_identity:
        return correction
    garment = _garment_pixels(rgb_small, alpha_small, middle)
    if correction.source in ("picked", "slate"):
        # White from a card or a person is obeyed (the render flags a big shift); only the
        # exposure on top of it is held to the cap, measured from the balanced colours.
        balanced = Correction(gains, correction.source).apply(np.ascontiguousarray(garment.reshape(-1, 1, 3)))
        exposed = _capped(Correction(None, "none", lightness), balanced.reshape(-1, 3))
        return Correction(gains, correction.source, exposed.lightness)
    return _capped(correction, garment)



def _garment_pixels(rgb_small: np.ndarray, alpha_small: np.ndarray, middle: tuple[int, int, int, int] | None
                    ) -> np.ndarray:
    if middle is not None:
        x0, y0, x1, y1 = middle
        rgb_small, alpha_small = rgb_small[y0:y1, x0:x1], alpha_small[y0:y1, x0:x1]
    fabric = rgb_small[alpha_small >= 0.9]
    return sample(fabric if len(fabric) >= 20 else rgb_small.reshape(-1, 3), 2048)


def _capped(correction: Correction, garment: np.ndarray) -> Correction:
    """Return ``correction``, scaled back until it moves ``garment`` (``N x 3`` sRGB) by at most
    :data:`MAX_AUTO_SHIFT`."""
    pixels = np.ascontiguousarray(garment.reshape(-1, 1, 3))

    def moves(c: Correction) -> float:
        return ab_shift(pixels.reshape(-1, 3), c.apply(pixels).reshape(-1, 3))

    if len(pixels) == 0 or moves(correction) <= MAX_AUTO_SHIFT:
        return correction
    steps = [Correction(correction.gains, correction.source, 1.0 + t * (correction.lightness - 1.0))
             for t in (0.75, 0.5, 0.25, 0.0)]
    if correction.gains is not None:
        steps += [Correction(correction.gains ** t, correction.source, 1.0) for t in (0.75, 0.5, 0.25)]
    for step in steps:
        if moves(step) <= MAX_AUTO_SHIFT:
            return step
    return NO_CORRECTION


def _exposure(rgb_small: np.ndarray, alpha_small: np.ndarray, gains: np.ndarray | None) -> float:
    """Return the lightness gain that brings a light background to :data:`TARGET_L` (1.0 when it says nothing)."""
    rgb_small, alpha_small = _thin(rgb_small, alpha_small)
    if gains is not None:
        rgb_small = cv2.LUT(rgb_small, _wb_lut(gains))
    bg = rgb_small[alpha_small < 0.05]
    if len(bg) < 50:
        bg = rgb_small.reshape(-1, 3)  # hardly any background: the whole picture
    level = float(np.median(to_lab(sample(bg))[:, 0]))
    if level <= 38.0:  # a dark floor says nothing about exposure
        return 1.0
    gain = float(np.clip(TARGET_L / level, *EXPOSURE_GAIN))
    fabric = rgb_small[alpha_small > 0.5]
    if len(fabric):
        top = float(np.percentile(to_lab(sample(fabric))[:, 0], 98))
        if gain > 1.0:
            gain = min(gain, max(1.0, GARMENT_MAX_L / max(top, 1.0)))
    return gain


def garment_middle(box: tuple[float, float, float, float], share: float = 0.3) -> tuple[int, int, int, int]:
    """Return the central ``share`` (of width and of height) of a garment box, as whole pixels."""
    x0, y0, x1, y1 = box
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * share / 2, (y1 - y0) * share / 2
    return (int(round(cx - hw)), int(round(cy - hh)), max(int(round(cx + hw)), int(round(cx - hw)) + 1),
            max(int(round(cy + hh)), int(round(cy - hh)) + 1))


def ab_shift(before: np.ndarray, after: np.ndarray) -> float:
    """Return the distance between the median a*b* of two equally long ``N x 3`` sRGB pixel lists (0 for none)."""
    a, b = median_ab(before), median_ab(after)
    if a is None or b is None:
        return 0.0
    return float(np.hypot(*(a - b)))
