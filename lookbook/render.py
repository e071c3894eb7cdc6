"""Render a product shot: hero, collar and cuff details, thumbnail.

Pure functions on arrays (no Qt, no database). All per-pixel work happens at *output*
size: the crop is cut from the decoded photo and resized first, then the mask is laid
over it, so a 12 MP photo costs little more than a 400 px one.

Background cleanup without halos or eaten fabric: the detector's mask is coarse (a
~200 px working image), so near its edge the alpha is recomputed at output resolution
from each pixel's colour distance to the background colours the detector measured.
Inside the garment and far outside it the coarse mask decides, so fabric that happens
to match the wall is never cut out.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lookbook.crop import Box, detail_boxes, hero_frame
from lookbook.detect import Detection, background_distance, working_lab
from lookbook.imaging import Decoded
from lookbook.presets import Preset


@dataclass(frozen=True)
class Rendered:
    """The pixels of one photo's renders (``H x W x 3`` uint8 RGB each)."""

    hero: np.ndarray
    collar: np.ndarray | None
    cuff: np.ndarray | None
    thumb: np.ndarray


def _cut(img: np.ndarray, frame: Box, out_w: int, out_h: int, border: int, value: float | tuple = 0,
         interp: int | None = None) -> np.ndarray:
    """Cut ``frame`` (may reach outside ``img``) out of ``img`` and resize it to ``out_w x out_h``.

    The part of the frame that lies on the image is resized first and the rest padded at
    output size: padding a 12 MP photo's crop before shrinking it copied megapixels of border.
    """
    h, w = img.shape[:2]
    fx0, fy0, fx1, fy1 = frame
    cx0, cy0 = max(0, round(fx0)), max(0, round(fy0))
    cx1, cy1 = min(w, round(fx1)), min(h, round(fy1))
    if cx1 <= cx0 or cy1 <= cy0:
        shape = (out_h, out_w) + img.shape[2:]
        return np.full(shape, value if np.isscalar(value) else value[0], img.dtype)
    sx, sy = out_w / max(1e-6, fx1 - fx0), out_h / max(1e-6, fy1 - fy0)
    # Output pixels of padding on each side, and the on-image part's output size between them.
    left, top = min(out_w - 1, max(0, round((cx0 - fx0) * sx))), min(out_h - 1, max(0, round((cy0 - fy0) * sy)))
    inner_w = max(1, min(out_w - left, round((cx1 - fx0) * sx) - left))
    inner_h = max(1, min(out_h - top, round((cy1 - fy0) * sy) - top))
    crop = img[cy0:cy1, cx0:cx1]
    if interp is None:
        # Area averaging only where it matters (strong reductions); it is several times slower.
        interp = cv2.INTER_AREA if crop.shape[1] > 2 * inner_w else cv2.INTER_LINEAR
    inner = cv2.resize(crop, (inner_w, inner_h), interpolation=interp)
    pads = (top, out_h - top - inner_h, left, out_w - left - inner_w)
    if any(pads):
        inner = cv2.copyMakeBorder(inner, *pads, border, value=value)
    return inner


def _alpha(rgb_out: np.ndarray, det: Detection, frame: Box, out_w: int, out_h: int) -> np.ndarray:
    """Return a float32 alpha (0..1) for an output crop, with edges placed at full resolution."""
    f = det.mask_scale
    mframe = (frame[0] * f, frame[1] * f, frame[2] * f, frame[3] * f)
    # The uncertain band: about one working-image pixel either side of the coarse mask's edge.
    # Eroding and dilating the small mask, then scaling both up, costs a fraction of doing
    # it at output size with a kernel as many pixels wide as the scale-up.
    solid = (det.mask > 127).astype(np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    inside = _cut(cv2.erode(solid, disc), mframe, out_w, out_h, cv2.BORDER_CONSTANT, 0)
    near = _cut(cv2.dilate(solid, disc), mframe, out_w, out_h, cv2.BORDER_CONSTANT, 0)
    band = (near > 0) & (inside == 0)
    alpha = inside.astype(np.float32)
    if not np.any(band):
        return alpha
    # Colour distances only for the band's pixels: a thin ring, a few % of the crop.
    ring = rgb_out[band].reshape(-1, 1, 3)
    dist = background_distance(working_lab(ring), det.bg_colours).ravel()
    t = max(det.threshold, 1.0)
    # A soft ramp around the threshold: pixels that are part wall, part fabric get part alpha.
    alpha[band] = np.clip((dist - 0.5 * t) / t, 0.0, 1.0)
    # A light blur removes single-pixel speckle along the edge without visibly softening it.
    return cv2.GaussianBlur(alpha, (3, 3), 0)


def _levels(rgb: np.ndarray, alpha: np.ndarray, preset: Preset) -> np.ndarray | None:
    """Return a ``1 x 256 x 3`` lookup table that corrects white balance and exposure, or ``None``.

    Measured on the background (which should be neutral) of the hero, and applied to the
    detail crops too, so that the collar and cuff have the hero's colour.
    """
    if not (preset.normalise_exposure or preset.normalise_white_balance):
        return None
    bg = (alpha < 0.05).astype(np.uint8)
    if cv2.countNonZero(bg) < 200:
        # Hardly any background in the crop: measure on the whole picture instead.
        bg = None
    means = np.array(cv2.mean(rgb, mask=bg)[:3], np.float64) + 1e-3
    gains = np.ones(3)
    if preset.normalise_white_balance:
        # Only mild casts are corrected: a red floor is a red floor, not a cast.
        gains = np.clip(means.mean() / means, 0.85, 1.18)
    if preset.normalise_exposure:
        level = float((means * gains).mean())
        if level > 90:  # a light wall or bed; a dark floor says nothing about exposure
            gain = float(np.clip(235.0 / level, 0.85, 1.5))
            # Never push the garment's highlights into clipping: a white shirt must keep its folds.
            fabric = rgb[::3, ::3][alpha[::3, ::3] > 0.5]
            if len(fabric):
                top = float(np.percentile(fabric.max(1), 98)) * float(gains.max())
                gain = min(gain, max(1.0, 250.0 / max(top, 1.0)))
            gains = gains * gain
    if np.allclose(gains, 1.0, atol=0.01):
        return None
    ramp = np.arange(256, dtype=np.float64)
    return np.clip(ramp[:, None] * gains[None, :] + 0.5, 0, 255).astype(np.uint8).reshape(1, 256, 3)


def _compose(rgb: np.ndarray, alpha: np.ndarray, preset: Preset) -> np.ndarray:
    colour = preset.background_rgb
    if colour is None:
        return rgb
    # One row filled and repeated: assigning a colour tuple to a whole (H, W, 3) array
    # broadcasts pixel by pixel and cost more than the blend itself.
    row = np.empty((1, rgb.shape[1], 3), np.uint8)
    row[:] = colour
    bg = cv2.repeat(row, rgb.shape[0], 1)
    return cv2.blendLinear(rgb, bg, alpha, 1.0 - alpha)


def _region(decoded: Decoded, det: Detection, frame: Box, out_w: int, out_h: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Return the crop's pixels at output size and its alpha."""
    rgb = _cut(decoded.rgb, frame, out_w, out_h, cv2.BORDER_REPLICATE)
    return rgb, _alpha(rgb, det, frame, out_w, out_h)


def _finish(rgb: np.ndarray, alpha: np.ndarray, lut: np.ndarray | None, preset: Preset) -> np.ndarray:
    if lut is not None:
        rgb = cv2.LUT(rgb, lut)
    return _compose(rgb, alpha, preset)


def _output_size(frame: Box, aspect: float, limit: int) -> tuple[int, int]:
    """Return the output size: ``limit`` on the long side, but never finer than the photo's own pixels."""
    native_h = frame[3] - frame[1]
    native_w = frame[2] - frame[0]
    long_native = max(native_w, native_h)
    long_side = max(16, int(min(limit, long_native)))
    if aspect >= 1.0:
        return long_side, max(1, int(round(long_side / aspect)))
    return max(1, int(round(long_side * aspect))), long_side


def _caption(img: np.ndarray, text: str, preset: Preset) -> np.ndarray:
    h, w = img.shape[:2]
    size = max(10, int(h * 0.028))
    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    font = ImageFont.load_default(size=size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = (w - (right - left)) // 2
    y = h - int(h * preset.margin * 0.5) - (bottom - top) // 2 - size // 2
    dark = preset.background != "keep"
    draw.text((x, max(0, y)), text, font=font, fill=(60, 60, 60) if dark else (255, 255, 255),
              stroke_width=0 if dark else max(1, size // 12), stroke_fill=(0, 0, 0))
    return np.asarray(pil)


def render(decoded: Decoded, det: Detection, preset: Preset, *, box: Box | None = None) -> Rendered:
    """Render the hero, the collar and cuff details and the thumbnail for one photo.

    :param decoded: the photo (possibly a reduced decode; ``decoded.scale`` says how much).
    :param det: the detection on that photo.
    :param preset: the style.
    :param box: a box set by hand, in original pixels; replaces ``det.box`` for framing.
    """
    s = decoded.scale
    gb = box if box is not None else det.box
    gbox = (gb[0] * s, gb[1] * s, gb[2] * s, gb[3] * s)  # in decoded pixels
    frame = hero_frame(gbox, preset.aspect_ratio, preset.margin)
    hw, hh = _output_size(frame, preset.aspect_ratio, preset.hero_size)
    hero_rgb, hero_alpha = _region(decoded, det, frame, hw, hh)
    lut = _levels(hero_rgb, hero_alpha, preset)
    hero = _finish(hero_rgb, hero_alpha, lut, preset)
    if preset.caption:
        hero = _caption(hero, preset.caption, preset)

    details = detail_boxes(det.mask)
    crops: list[np.ndarray | None] = []
    for dbox in (details.collar, details.cuff):
        if dbox is None:
            crops.append(None)
            continue
        f = det.mask_scale
        dframe = (dbox[0] / f, dbox[1] / f, dbox[2] / f, dbox[3] / f)
        side = _output_size(dframe, 1.0, preset.detail_size)[0]
        crops.append(_finish(*_region(decoded, det, dframe, side, side), lut, preset))

    tf = preset.thumb_size / max(hw, hh)
    thumb = hero if tf >= 1.0 else cv2.resize(hero, (max(1, round(hw * tf)), max(1, round(hh * tf))),
                                               interpolation=cv2.INTER_AREA)
    return Rendered(hero=hero, collar=crops[0], cuff=crops[1], thumb=thumb)


def write_jpeg(rgb: np.ndarray, path: Path, quality: int) -> None:
    """Write an RGB array as a JPEG atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".render-", suffix=".jpg", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            Image.fromarray(rgb).save(fh, "JPEG", quality=quality)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_rendered(rendered: Rendered, out_dir: Path, stem: str, quality: int) -> dict[str, Path]:
    """Write every render of one photo as ``<stem>-hero.jpg`` etc.; return their paths by kind."""
    paths: dict[str, Path] = {}
    for kind in ("hero", "collar", "cuff", "thumb"):
        img = getattr(rendered, kind)
        if img is None:
            continue
        path = Path(out_dir) / f"{stem}-{kind}.jpg"
        write_jpeg(img, path, quality)
        paths[kind] = path
    return paths
