"""Render a product shot: hero, the detail crops its category calls for, thumbnail.

Pure functions on arrays (no Qt, no database). All per-pixel work happens at *output*
size: the crop is cut from the decoded photo and resized first, then the mask is laid
over it, so a 12 MP photo costs little more than a 400 px one.

Background cleanup without halos, stair-steps or eaten fabric: the detector's mask is
coarse (a ~200 px working image), so its outline is smoothed and then snapped to the
photo's own edges at output resolution by a guided filter (:func:`_matte`). Inside the
garment and far outside it the mask decides, so fabric that happens to match the wall is
never cut out. Compositing and levels are 8-bit OpenCV arithmetic: at 12 MP the float
versions cost more than finding the garment.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lookbook.errors import InputError, LibraryError
from lookbook.photos import colour
from lookbook.photos.colour import Correction
from lookbook.photos.crop import Box, detail_boxes, detail_kinds, file_kind, hero_frame, rendered_kinds
from lookbook.photos.details import RENDERER_VERSION  # noqa: F401 (bumped there, with its history; no image library)
from lookbook.photos.detect import Detection
from lookbook.photos.imaging import Decoded
from lookbook.photos.presets import Preset


@dataclass(frozen=True)
class Rendered:
    """The pixels of one photo's renders (``H x W x 3`` uint8 RGB each).

    :param details: the detail crops made, by render kind (:data:`lookbook.photos.crop.DETAIL_KINDS`, and
        ``hem-leg`` for the hem of trousers and shorts: :func:`lookbook.photos.crop.file_kind`).
    """

    hero: np.ndarray
    details: dict[str, np.ndarray]
    thumb: np.ndarray
    #: How far the garment's colour moved: a*b* distance of the median of the middle of the garment,
    #: the photo's own pixels against the hero's (see :func:`colour_shift`).
    colour_shift: float = 0.0
    #: The evidence white balance came from (:attr:`lookbook.photos.colour.Correction.source`).
    colour_source: str = "none"

    @property
    def needs_colour_review(self) -> bool:
        """Return whether the garment's colour moved so far that a person should compare it with the photo."""
        return self.colour_shift > colour.REVIEW_SHIFT


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
        return np.full(shape, value[0] if isinstance(value, tuple) else value, img.dtype)
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


_DISC7 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
#: Guided-filter regulariser: guide contrast (0..1 units) below about its square root is not an edge.
GUIDE_EPS = 0.01
#: Contrast applied to the filtered alpha: crisp edges without a hard, aliased cut.
EDGE_GAIN = 3.0
#: Blur (mask px) that turns the mask's staircase outline into a smooth curve.
MASK_BLUR = 1.0


@dataclass(frozen=True)
class _Matte:
    """An output crop's alpha (uint8, output size) and small copies of the crop and alpha to measure on."""

    alpha: np.ndarray
    rgb_small: np.ndarray
    alpha_small: np.ndarray
    axis: np.ndarray | None


def _separating_axis(rgb_small: np.ndarray, prior_small: np.ndarray) -> np.ndarray | None:
    """Return a ``1 x 4`` transform projecting colours on the axis that best separates garment from background.

    Fisher's linear discriminant, measured near the mask's outline (where it matters): a dark
    shirt on a pale wall gives roughly lightness, a blue shirt on a grey wall of the same
    lightness the blue-yellow axis. Scaled for 8-bit output: background near 64, fabric near 192.
    ``None`` when there is too little of either side to measure.
    """
    # Every other pixel is plenty for a 3 x 3 covariance.
    rgb_small, prior_small = rgb_small[::2, ::2], prior_small[::2, ::2]
    edge = ((prior_small > 0.02) & (prior_small < 0.98)).astype(np.uint8)
    near = cv2.dilate(edge, _DISC7).ravel() > 0
    px = rgb_small.reshape(-1, 3)
    p = prior_small.ravel()
    fg = px[near & (p >= 0.98)].astype(np.float32)
    bg = px[near & (p <= 0.02)].astype(np.float32)
    if len(fg) < 20 or len(bg) < 20:
        return None
    mf, mb = fg.mean(0), bg.mean(0)
    # Pooled within-class covariance, with a floor so that a flat wall does not make it singular.
    cov = np.cov(np.vstack([fg - mf, bg - mb]).T) + np.eye(3, dtype=np.float32) * 4.0
    w = np.linalg.solve(cov, mf - mb)
    span = float((mf - mb) @ w)
    if not span > 1e-6:
        return None
    w = w * (128.0 / span)
    return np.concatenate([w, [64.0 - float(mb @ w)]]).astype(np.float32).reshape(1, 4)


def _matte(rgb_out: np.ndarray, det: Detection, frame: Box, out_w: int, out_h: int,
           axis: np.ndarray | None = None) -> _Matte:
    """Return the alpha of an output crop, its edge placed on the photo's own edges.

    The detector's mask is a ~200 px binary image; scaled up as it is, its outline is a
    staircase of working-image pixels, and cutting by colour distance near it bit holes out of
    pale fabric on pale walls. Instead: a fast guided filter (He & Sun, 2015) with the mask,
    blurred by about one of its pixels, as the input, and the crop projected on its
    garment/background axis as the guide. Where the photo has an edge near the outline the
    alpha follows it at output resolution; where fabric and wall look alike the smooth outline
    stays. The filter's statistics are taken at 1/s of output size, so the full-size work is a
    projection and one multiply-add. (OpenCV's guidedFilter is only in the contrib build, which
    cannot be installed beside the headless build this app uses.)
    """
    f = det.mask_scale
    mframe = (frame[0] * f, frame[1] * f, frame[2] * f, frame[3] * f)
    ramp = out_h / max(1e-6, mframe[3] - mframe[1])  # output px per mask px
    # Statistics at about the mask's own resolution: finer would only cost time.
    s = max(1, round(ramp / 1.5))
    sw, sh = max(1, out_w // s), max(1, out_h // s)
    soft = cv2.GaussianBlur(det.mask, (0, 0), MASK_BLUR)
    prior = _cut(soft, mframe, sw, sh, cv2.BORDER_CONSTANT, 0, interp=cv2.INTER_LINEAR).astype(np.float32)
    prior *= 1.0 / 255.0
    # Nearest-pixel subsampling, as in the fast guided filter: the box filters average anyway.
    rgb_small = np.ascontiguousarray(rgb_out[s // 2::s, s // 2::s][:sh, :sw])
    if rgb_small.shape[:2] != (sh, sw):
        rgb_small = cv2.resize(rgb_out, (sw, sh), interpolation=cv2.INTER_NEAREST)
    if axis is None:
        axis = _separating_axis(rgb_small, prior)
    if axis is None:
        alpha = cv2.resize(prior, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
        return _Matte(cv2.convertScaleAbs(alpha, alpha=255.0), rgb_small, prior, None)
    g = cv2.transform(rgb_small, axis).astype(np.float32)
    g *= 1.0 / 128.0
    r = max(1, round(1.5 * ramp / s))
    k = (2 * r + 1, 2 * r + 1)

    def box(a: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(a, cv2.CV_32F, k, borderType=cv2.BORDER_REPLICATE)

    mean_g, mean_p = box(g), box(prior)
    var_g = box(g * g) - mean_g * mean_g
    cov_gp = box(g * prior) - mean_g * mean_p
    a = cov_gp / (var_g + GUIDE_EPS)
    b = mean_p - a * mean_g
    # alpha = gain * (a * g + b - 0.5) + 0.5, in 0..255 and with g in guide units (u8 / 128).
    big_a = box(a) * (EDGE_GAIN * 255.0 / 128.0)
    big_b = (box(b) - 0.5) * (EDGE_GAIN * 255.0) + 127.5
    alpha_small = np.clip((big_a * (g * 128.0) + big_b) * (1.0 / 255.0), 0.0, 1.0)
    guide = cv2.transform(rgb_out, axis)
    up_a = cv2.resize(big_a, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    up_b = cv2.resize(big_b, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    alpha = cv2.add(cv2.multiply(guide, up_a, dtype=cv2.CV_32F), up_b, dtype=cv2.CV_8U)
    return _Matte(alpha, rgb_small, alpha_small, axis)


def _compose(rgb: np.ndarray, alpha: np.ndarray, preset: Preset) -> np.ndarray:
    """Lay ``rgb`` over the preset's background through the uint8 ``alpha``, in 8-bit arithmetic."""
    colour = preset.background_rgb
    if colour is None:
        return rgb
    a3 = cv2.merge((alpha, alpha, alpha))
    if colour == (255, 255, 255):
        # rgb * a + 255 * (1 - a) == 255 - (255 - rgb) * a: two inversions and one multiply.
        return cv2.bitwise_not(cv2.multiply(cv2.bitwise_not(rgb), a3, scale=1.0 / 255.0))
    inverse = cv2.bitwise_not(alpha)
    ground = cv2.merge([cv2.multiply(inverse, c / 255.0) for c in colour])
    return cv2.add(cv2.multiply(rgb, a3, scale=1.0 / 255.0), ground)


def _finish(rgb: np.ndarray, alpha: np.ndarray, correction: Correction, preset: Preset) -> np.ndarray:
    return _compose(correction.apply(rgb), alpha, preset)


def _region(decoded: Decoded, det: Detection, frame: Box, out_w: int, out_h: int,
            axis: np.ndarray | None = None) -> tuple[np.ndarray, _Matte]:
    """Return the crop's pixels at output size and its matte (``axis``: see :func:`_separating_axis`)."""
    rgb = _cut(decoded.rgb, frame, out_w, out_h, cv2.BORDER_REPLICATE)
    return rgb, _matte(rgb, det, frame, out_w, out_h, axis)


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


def render(decoded: Decoded, det: Detection, preset: Preset, *, box: Box | None = None,
           neutral: tuple[float, float] | None = None, category: str | None = None) -> Rendered:
    """Render the hero, the detail crops and the thumbnail for one photo.

    :param decoded: the photo (possibly a reduced decode; ``decoded.scale`` says how much).
    :param det: the detection on that photo (hangers already taken out of its mask: see
        :func:`lookbook.photos.cleanup.clean_detection`).
    :param preset: the style.
    :param box: a box set by hand, in original pixels; replaces ``det.box`` for framing.
    :param neutral: a point ``(x, y)`` in original pixels that a person marked as white or grey:
        white balance is taken from it (whatever the preset says).
    :param category: the product's category, which decides the details (with the preset's
        ``details`` setting: :func:`lookbook.photos.crop.detail_kinds`); ``None`` (the app's renders,
        made before a photo is tied to a product): every kind the preset allows, and the
        category picks what shows (:func:`lookbook.photos.recipes.shown_details`).
    :raises InputError: if ``neutral`` lies off the photo.
    """
    s = decoded.scale
    gb = box if box is not None else det.box
    gbox = (gb[0] * s, gb[1] * s, gb[2] * s, gb[3] * s)  # in decoded pixels
    frame = hero_frame(gbox, preset.aspect_ratio, preset.margin)
    hw, hh = _output_size(frame, preset.aspect_ratio, preset.hero_size)
    hero_rgb, hero_matte = _region(decoded, det, frame, hw, hh)
    middle = _to_output(colour.garment_middle(gbox), frame, hw, hh)
    correction = _correction(decoded, det, hero_matte, preset, neutral, middle, (hw, hh))
    hero = _finish(hero_rgb, hero_matte.alpha, correction, preset)
    shift = colour_shift(hero_rgb, hero, hero_matte.alpha, middle)
    if preset.caption:
        hero = _caption(hero, preset.caption, preset)

    crops: dict[str, np.ndarray] = {}
    # Not knowing the product yet, every kind is made and the category picks what shows later.
    kinds = (rendered_kinds(preset.details) if category is None
             else tuple(file_kind(k, category) for k in detail_kinds(category, preset.details)))
    # The detector's own box (not one set by hand, which has margins) may reach past a mask cut short.
    auto_box = (None if det.method == "hand" or box is not None
                else tuple(v * s * det.mask_scale for v in det.box))
    for kind, dbox in detail_boxes(det.mask, kinds, box=auto_box).items():  # type: ignore[arg-type]
        f = det.mask_scale
        dframe = (dbox[0] / f, dbox[1] / f, dbox[2] / f, dbox[3] / f)
        side = _output_size(dframe, 1.0, preset.detail_size)[0]
        # The hero's garment/background axis serves the details: same garment, same wall.
        rgb, matte = _region(decoded, det, dframe, side, side, hero_matte.axis)
        crops[kind] = _finish(rgb, matte.alpha, correction, preset)

    return Rendered(hero=hero, details=crops, thumb=_thumbnail(hero, preset.thumb_size),
                    colour_shift=shift, colour_source=correction.source)


def _correction(decoded: Decoded, det: Detection, matte: _Matte, preset: Preset, neutral: tuple[float, float] | None,
                middle: tuple[int, int, int, int], out_size: tuple[int, int]) -> Correction:
    """Return the colour correction for a photo: white balance from neutral evidence only
    (:mod:`lookbook.photos.colour`)."""
    if neutral is None and not (preset.normalise_exposure or preset.normalise_white_balance):
        return colour.NO_CORRECTION
    picked = slate = None
    if neutral is not None:
        s = decoded.scale
        try:
            picked = colour.sample_point(decoded.rgb, neutral[0] * s, neutral[1] * s)
        except ValueError:
            w, h = decoded.original_size
            raise InputError(f"the neutral point ({neutral[0]:.0f}, {neutral[1]:.0f}) lies off the photo "
                             f"({w} x {h} pixels); pick a white or grey point on it again") from None
    elif preset.normalise_white_balance:
        slate = colour.slate_paper(decoded.rgb, det.mask)
    # The garment's middle on the matte's small copy, where an automatic correction's effect is measured.
    sh, sw = matte.alpha_small.shape[:2]
    fx, fy = sw / out_size[0], sh / out_size[1]
    small_middle = (int(middle[0] * fx), int(middle[1] * fy), max(int(middle[0] * fx) + 1, round(middle[2] * fx)),
                    max(int(middle[1] * fy) + 1, round(middle[3] * fy)))
    return colour.choose(matte.rgb_small, matte.alpha_small, white_balance=preset.normalise_white_balance,
                         exposure=preset.normalise_exposure, picked=picked, slate=slate, middle=small_middle)


def _to_output(box: tuple[int, int, int, int], frame: Box, out_w: int, out_h: int) -> tuple[int, int, int, int]:
    """Map a box in decoded pixels into the output crop of ``frame`` (``out_w x out_h``), clipped to it."""
    sx, sy = out_w / max(1e-6, frame[2] - frame[0]), out_h / max(1e-6, frame[3] - frame[1])
    x0 = min(out_w - 1, max(0, int((box[0] - frame[0]) * sx)))
    y0 = min(out_h - 1, max(0, int((box[1] - frame[1]) * sy)))
    x1 = min(out_w, max(x0 + 1, int(round((box[2] - frame[0]) * sx))))
    y1 = min(out_h, max(y0 + 1, int(round((box[3] - frame[1]) * sy))))
    return x0, y0, x1, y1


def colour_shift(before: np.ndarray, after: np.ndarray, alpha: np.ndarray, middle: tuple[int, int, int, int]
                 ) -> float:
    """Return how far the garment's colour moved between the crop as cut and the finished hero.

    Both are the same pixels (the hero is the crop, corrected and laid on its background), so
    the garment's middle is the same region in each; only pixels the matte calls fabric
    (alpha at least 0.9) count, so the new background does not pass for a colour change.

    :param middle: ``(x0, y0, x1, y1)`` of the garment's middle in output pixels.
    """
    x0, y0, x1, y1 = middle
    # An even grid of about 64 x 64 pixels of the middle is plenty for two medians.
    k = max(1, round(np.sqrt((x1 - x0) * (y1 - y0) / colour.SAMPLE)))
    cut = (slice(y0, y1, k), slice(x0, x1, k))
    fabric = alpha[cut] >= 230
    if np.count_nonzero(fabric) < 20:
        fabric = np.ones_like(fabric, bool)  # hardly any sure fabric: the whole middle
    return colour.ab_shift(before[cut][fabric], after[cut][fabric])


def _thumbnail(img: np.ndarray, size: int) -> np.ndarray:
    """Return ``img`` shrunk to ``size`` on its long side (area-averaged)."""
    h, w = img.shape[:2]
    tf = size / max(h, w)
    if tf >= 1.0:
        return img
    # Area averaging by a whole factor is several times faster than by a fractional one, so the
    # bulk of the reduction is done that way and the last, small step by a fractional one.
    k = int(1.0 / tf)
    if k >= 2:
        img = cv2.resize(img[: h - h % k, : w - w % k], None, fx=1.0 / k, fy=1.0 / k, interpolation=cv2.INTER_AREA)
    return cv2.resize(img, (max(1, round(w * tf)), max(1, round(h * tf))), interpolation=cv2.INTER_AREA)


def write_jpeg(rgb: np.ndarray, path: Path, quality: int) -> None:
    """Write an RGB array as a JPEG atomically (a reader never sees half a file)."""
    # OpenCV's encoder (libjpeg-turbo, as Pillow's) writes the same bytes without Pillow's
    # copy into an Image and its chunked writer: a quarter less time per render.
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OSError(f"could not encode {path.name} as JPEG")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".render-", suffix=".jpg", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)  # type: ignore[arg-type]  # an ndarray is a buffer; numpy's stubs do not say so
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_rendered(rendered: Rendered, out_dir: Path, stem: str, quality: int) -> dict[str, Path]:
    """Write every render of one photo as ``<stem>-hero.jpg`` etc.; return their paths by kind.

    :raises LibraryError: if the folder cannot be written (disk full, no permission); the
        message names the folder and what to do, and no half-written file is left.
    """
    paths: dict[str, Path] = {}
    images = {"hero": rendered.hero, **rendered.details, "thumb": rendered.thumb}
    for kind, img in images.items():
        path = Path(out_dir) / f"{stem}-{kind}.jpg"
        try:
            write_jpeg(img, path, quality)
        except OSError as exc:
            raise LibraryError(f"cannot write the renders into {out_dir}: {exc.strerror or exc}; free some disk "
                               "space or check the folder's permissions, then render again") from None
        paths[kind] = path
    return paths
