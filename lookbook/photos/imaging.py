"""Decode any supported photo into an upright sRGB 8-bit RGB array.

Associates bring JPEG, PNG, TIFF, WebP and HEIC/HEIF files from phones and cameras.
:func:`load_photo` turns each into the one shape the rest of the pipeline works on:
an ``H x W x 3`` ``uint8`` numpy array in sRGB, rotated upright by its EXIF
orientation, with any alpha channel kept separately.

Speed matters more than anything else here, because decoding dominates a batch of
large photos: :func:`load_photo` accepts ``min_side`` and then lets libjpeg decode at
1/2, 1/4 or 1/8 scale (PIL's ``draft``) when the caller does not need every pixel.
The returned :class:`Decoded` carries ``scale`` so that boxes found on the reduced
image map back to pixels of the upright original.

Bad input never becomes a traceback: every failure is a :class:`PhotoError` that
names the file and says what is wrong with it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pillow_heif
from PIL import Image, ImageCms, UnidentifiedImageError

from lookbook.errors import InputError
from lookbook.store.library import SUPPORTED_SUFFIXES  # noqa: F401 (re-exported; the Shoot page reads it without OpenCV)

#: The default decompression-bomb limit: 120 megapixels is above any phone or camera
#: sensor sold today, yet far below what would exhaust memory when decoded.
DEFAULT_MAX_PIXELS = 120_000_000


#: The only Pillow decoders a photo is opened with (the formats the README lists). Pillow would
#: otherwise pick a decoder by content, whatever the name: a PostScript file named ``.jpg`` would be
#: handed to Ghostscript, and GIF, BMP, ICO, PSD... decoded by code no photo needs.
PHOTO_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "HEIF")
_FORMAT_NAMES = "JPEG, PNG, TIFF, WebP or HEIC/HEIF"

#: Memory one worker may spend on a photo's pixels at full size (bytes). JPEGs decode reduced
#: (1/2 .. 1/8 scale) and never come near it; PNG, TIFF, WebP and HEIF can only be decoded whole,
#: so a photo in those formats whose full decode would need more is refused (with the figures)
#: before decoding. With the worker's own ~140 MB and the reduced copy, the peak stays under 600 MB
#: (``python -m bench.photo_memory``).
FULL_DECODE_BUDGET = 420 * 1024 * 1024

#: Bytes per pixel Pillow holds for a mode (3-band images are stored 4 bytes a pixel); with alpha,
#: twice that, as Pillow reduces a premultiplied copy.
_STORED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2, "LA": 8, "RGBA": 8}
#: Extra bytes per pixel a decoder holds besides Pillow's image: libwebp and libheif decode into
#: their own buffer first, which is then copied into the image.
_DECODER_BYTES = {"WEBP": 4, "HEIF": 4}
#: Modes whose bands are not averaged by ``Image.reduce`` (palette indices, bilevel, 16-bit grey).
_NEAREST_MODES = frozenset({"1", "P", "PA", "I;16", "I;16L", "I;16B", "I;16N"})
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
              7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}

# HEIC/HEIF support comes from pillow-heif as a Pillow plugin; registering is idempotent.
pillow_heif.register_heif_opener()

# EXIF orientations 5..8 are transposes: the stored image is the upright one turned a quarter.
_QUARTER_TURNS = {5, 6, 7, 8}
_ORIENTATION_TAG = 0x0112


class PhotoError(InputError):
    """A photo that cannot be used; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(reason, path=path)
        self.reason = reason


@dataclass(frozen=True)
class Decoded:
    """A decoded photo.

    :param rgb: ``H x W x 3`` uint8 sRGB pixels, upright; transparent areas composited on white.
    :param alpha: ``H x W`` uint8 alpha, or ``None`` when the file has none (or it is fully opaque).
    :param scale: decoded size / original size (1.0 unless a reduced decode was asked for).
    :param original_size: ``(width, height)`` of the upright original in pixels.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    scale: float
    original_size: tuple[int, int]


def png_exif(path: Path | str) -> Image.Exif:
    """Return a PNG's EXIF (its ``eXIf`` chunk) without decoding a pixel; empty if it has none.

    Pillow's ``getexif()`` on a PNG decodes the whole image first (the chunk may follow the
    pixels): for a 100 MP file, hundreds of megabytes just to learn its orientation.
    """
    exif = Image.Exif()
    try:
        with Path(path).open("rb") as fh:
            fh.seek(8)
            while header := fh.read(8):
                if len(header) < 8:
                    break
                length, kind = int.from_bytes(header[:4], "big"), header[4:]
                if kind == b"eXIf":
                    exif.load(fh.read(length))
                    break
                if kind == b"IEND":
                    break
                fh.seek(length + 4, io.SEEK_CUR)  # the chunk's data and CRC
    except Exception:  # a malformed chunk must not cost the photo; treat it as having no EXIF
        return Image.Exif()
    return exif


def photo_exif(im: Image.Image) -> Image.Exif:
    """Return an opened photo's EXIF, without decoding a PNG's pixels to find it (see :func:`png_exif`)."""
    if im.format == "PNG" and (filename := getattr(im, "filename", None)) and "exif" not in im.info:
        return png_exif(filename)
    return im.getexif()


def _orientation(im: Image.Image) -> int:
    try:
        value = photo_exif(im).get(_ORIENTATION_TAG, 1)
    except Exception:  # a malformed EXIF block must not cost the photo; treat it as upright
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


@functools.lru_cache(maxsize=16)
def _icc_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Return a cached transform from an embedded profile to sRGB (phones embed the same few profiles)."""
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        dst = ImageCms.createProfile("sRGB")
        return ImageCms.buildTransform(src, dst, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None  # an unusable profile: fall back to treating the pixels as sRGB


@functools.lru_cache(maxsize=16)
def _icc_is_srgb(icc: bytes) -> bool:
    """Return whether a profile is plain sRGB: most photos embed it, and skipping the no-op transform saves time."""
    try:
        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False
    return "srgb" in desc.lower().replace(" ", "")


def _high_bit_to_rgb8(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Scale 16-bit / 32-bit integer and float greyscale modes down to 8 bits (PIL's convert clips instead)."""
    arr = np.asarray(im)
    if arr.dtype.kind == "f":
        hi = float(arr.max()) if arr.size else 1.0
        arr8 = np.clip(arr / (hi if hi > 1.0 else 1.0) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    else:
        # I;16 files use the full 0..65535 range; mode "I" may come from 16-bit PNG/TIFF too.
        arr = arr.astype(np.uint32)
        shift = 8 if int(arr.max(initial=0)) > 255 else 0
        arr8 = (arr >> shift).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(arr8[:, :, None], 3, axis=2)), None


def _to_rgb_alpha(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert any Pillow mode to (sRGB uint8 RGB, alpha or None)."""
    icc = im.info.get("icc_profile")
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _high_bit_to_rgb8(im)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in im.info)
    if mode in ("RGBa", "La"):
        im = im.convert("RGBA")  # un-premultiply
    alpha: np.ndarray | None
    if has_alpha:
        im = im.convert("RGBA")
        alpha = np.asarray(im.getchannel("A"))
        if alpha.min(initial=255) == 255:
            alpha = None
        colour = im.convert("RGB")
    elif mode in ("RGB", "CMYK") and not icc:
        colour = im if mode == "RGB" else im.convert("RGB")
        alpha = None
    elif mode in ("RGB", "CMYK", "L"):
        colour, alpha = im, None
    else:
        colour, alpha = im.convert("RGB"), None

    if icc and colour.mode in ("RGB", "CMYK", "L"):
        if not (colour.mode == "RGB" and _icc_is_srgb(icc)):
            transform = _icc_transform(icc, colour.mode)
            if transform is not None:
                # Only inPlace=True returns None; Pillow's stub does not tell the two apart.
                colour = ImageCms.applyTransform(colour, transform)  # type: ignore[assignment]
    if colour.mode != "RGB":
        colour = colour.convert("RGB")
    rgb = np.asarray(colour)
    if alpha is not None:
        # Composite on white so that a cut-out product looks like one on a white sweep.
        a = alpha.astype(np.float32)[:, :, None] / 255.0
        rgb = (rgb.astype(np.float32) * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8)
    return np.ascontiguousarray(rgb), alpha


def probe_size(path: Path | str, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """Return the upright ``(width, height)`` of a photo from its header, without decoding pixels.

    :raises PhotoError: if the file cannot be read, is not an image, or is over ``max_pixels``.
    """
    with _open(path, max_pixels) as im:
        w, h = im.size
        return (h, w) if _orientation(im) in _QUARTER_TURNS else (w, h)


#: Bytes per pixel OpenCV holds decoding a plain 8-bit PNG of each mode, reduced (see :func:`_png_for_opencv`).
#: Not RGBA: OpenCV has no reduced decode that keeps alpha, and its whole decode holds two copies.
_OPENCV_PNG_BYTES = {"L": 1, "RGB": 3}


def _png_for_opencv(im: Image.Image) -> bool:
    """Return whether a PNG is a plain 8-bit grey or RGB image, which OpenCV decodes reduced holding the
    whole image once at 1 or 3 bytes a pixel (Pillow holds 4 for RGB, then copies)."""
    if im.format != "PNG" or im.mode not in _OPENCV_PNG_BYTES or "transparency" in im.info:
        return False
    filename = getattr(im, "filename", None)
    if getattr(im, "n_frames", 1) > 1 or not filename:
        return False
    try:
        with Path(filename).open("rb") as fh:
            ihdr = fh.read(26)
    except OSError:
        return False
    return len(ihdr) == 26 and ihdr[12:16] == b"IHDR" and ihdr[24] == 8  # bit depth 8


def full_decode_bytes(im: Image.Image) -> int:
    """Return the bytes decoding ``im`` at full size takes (0 for a JPEG, which decodes reduced)."""
    if im.format in ("JPEG", "MPO"):
        return 0
    w, h = im.size
    if _png_for_opencv(im):
        return w * h * _OPENCV_PNG_BYTES[im.mode]
    return w * h * (_STORED_BYTES.get(im.mode, 4) + _DECODER_BYTES.get(str(im.format), 0))


class _open:
    """Open a photo with every failure turned into a :class:`PhotoError`; a context manager.

    Only the decoders of :data:`PHOTO_FORMATS` are tried, and the pixel limit and the memory
    budget are checked from the header, before any pixel is decoded.
    """

    def __init__(self, path: Path | str, max_pixels: int) -> None:
        self.path = Path(path)
        self.max_pixels = max_pixels
        self.im: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        path = self.path
        try:
            with warnings.catch_warnings():
                # We enforce our own limit below; Pillow's global one would only warn or
                # raise with a message that does not say what to do.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                self.im = Image.open(path, formats=PHOTO_FORMATS)
        except FileNotFoundError:
            raise PhotoError(path, "no such file") from None
        except IsADirectoryError:
            raise PhotoError(path, "is a folder, not a photo") from None
        except PermissionError:
            raise PhotoError(path, "cannot be read (permission denied)") from None
        except UnidentifiedImageError:
            raise PhotoError(path, f"not an image, or {_describe(path)}; skipped (Lookbook reads photos "
                                   f"as {_FORMAT_NAMES} only)") from None
        except Image.DecompressionBombError:
            # Pillow refuses on its own above twice its MAX_IMAGE_PIXELS, whatever our limit says.
            ceiling = min(self.max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or 0) or self.max_pixels)
            raise PhotoError(path, f"too many pixels (over {ceiling:,}); refusing a possible "
                                   "decompression bomb") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise PhotoError(path, f"cannot be read: {exc}") from None
        im = self.im
        w, h = im.size
        if w <= 0 or h <= 0:
            im.close()
            raise PhotoError(path, "has no pixels")
        if w * h > self.max_pixels:
            im.close()
            raise PhotoError(path, f"too many pixels ({w} x {h} = {w * h:,}, limit {self.max_pixels:,}); "
                                   "refusing a possible decompression bomb — raise the limit if the photo is genuine")
        need = full_decode_bytes(im)
        if need > FULL_DECODE_BUDGET:
            im.close()
            per_pixel = need / (w * h)
            raise PhotoError(path, f"too large to decode in memory: a {w} x {h} {im.format} ({w * h / 1e6:.0f} MP, "
                                   f"{im.mode}) needs {need / 2**20:,.0f} MB at full size, and {im.format} cannot be "
                                   f"decoded reduced; the limit is {FULL_DECODE_BUDGET // 2**20} MB "
                                   f"({FULL_DECODE_BUDGET / per_pixel / 1e6:.0f} MP of {im.mode}). "
                                   "Save it as JPEG, or scale it down")
        return im

    def __exit__(self, *exc: object) -> None:
        if self.im is not None:
            self.im.close()


#: The first bytes of formats people mistake for photos, to name what a refused file is.
_MAGIC = ((b"%!PS", "PostScript"), (b"\xc5\xd0\xd3\xc6", "EPS (PostScript)"), (b"%PDF", "PDF"),
          (b"GIF8", "GIF"), (b"BM", "BMP"), (b"8BPS", "Photoshop PSD"), (b"\x00\x00\x01\x00", "ICO"),
          (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"), (b"\xffO\xffQ", "JPEG 2000"), (b"<svg", "SVG"),
          (b"<?xml", "XML/SVG"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))


def _describe(path: Path) -> str:
    """Return what a file Lookbook will not decode appears to be, from its first bytes."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return "an image format Lookbook cannot read"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"a {name} file" + ("" if name != "TIFF" else " Lookbook cannot decode")
    return "an image format Lookbook cannot read"


def upright_copy(im: Image.Image, orientation: int) -> Image.Image:
    """Return ``im`` turned upright for an EXIF orientation read from the file earlier."""
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


def shrink_loaded(im: Image.Image, factor: int) -> Image.Image:
    """Return a loaded image reduced by a whole ``factor``, and free the full-size pixels.

    For formats that cannot decode reduced: the full image is dropped as soon as the reduced
    one exists, so every later step (colour conversion, compositing, copies into numpy) works
    on the small one, and the peak is the full image once.
    """
    if factor <= 1:
        return im
    w, h = im.size
    if im.mode in _NEAREST_MODES:
        small = im.resize((max(1, w // factor), max(1, h // factor)), Image.Resampling.NEAREST)
    else:
        small = im.reduce(factor)
    small.info = dict(im.info)
    im.close()
    return small


def _jpeg_reduction(size: tuple[int, int], min_side: int | None, min_long: int | None = None) -> int:
    """Return the largest DCT reduction (1, 2, 4 or 8) keeping the shorter side >= ``min_side``
    and the longer side >= ``min_long`` (either may be ``None``: no limit of that kind)."""
    if min_side is None and min_long is None:
        return 1
    short, long = min(size), max(size)
    for factor in (8, 4, 2):
        # libjpeg rounds scaled sizes up, as this does.
        if (min_side is None or -(-short // factor) >= min_side) and \
                (min_long is None or -(-long // factor) >= min_long):
            return factor
    return 1


_REDUCED_FLAGS = {1: 0, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
                  8: cv2.IMREAD_REDUCED_GRAYSCALE_8}


def _decode_jpeg_fast(path: Path | str, im: Image.Image, min_side: int | None,
                      min_long: int | None) -> Decoded | None:
    """Decode a plain sRGB JPEG with OpenCV straight into an array; ``None`` if it is not one.

    Most photos are exactly this, and here Pillow's decode plus the copy into numpy
    (``np.asarray`` goes through ``tobytes``) cost about twice OpenCV's ``imdecode``, which
    writes the pixels into the array directly, DCT-scaled and turned upright by its EXIF
    orientation. Anything unusual (CMYK, a colour profile to convert, a file that does not
    end where a JPEG ends: truncated, or a phone's motion-photo video appended) goes the
    Pillow way, which converts it or names what is wrong.
    """
    if im.format != "JPEG" or im.mode not in ("RGB", "L"):
        return None
    icc = im.info.get("icc_profile")
    if icc and not (im.mode == "RGB" and _icc_is_srgb(icc)):
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None  # the Pillow path reports it by name
    # OpenCV picks its decoder by content too: hand it only what starts and ends as a JPEG.
    if not data.startswith(b"\xff\xd8\xff") or not data.rstrip(b"\0\r\n ").endswith(b"\xff\xd9"):
        return None
    factor = _jpeg_reduction(im.size, min_side, min_long)
    flags = _REDUCED_FLAGS[factor] | cv2.IMREAD_COLOR_RGB
    rgb = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if rgb is None or rgb.ndim != 3:
        return None
    orientation = _orientation(im)
    full_w, full_h = im.size
    upright = (full_h, full_w) if orientation in _QUARTER_TURNS else (full_w, full_h)
    if orientation != 1 and (rgb.shape[1] > rgb.shape[0]) != (upright[0] > upright[1]) \
            and upright[0] != upright[1]:
        return None  # OpenCV did not turn it as its EXIF says: let Pillow do it
    return Decoded(rgb=rgb, alpha=None, scale=rgb.shape[1] / upright[0], original_size=upright)


def _decode_png_opencv(path: Path | str, im: Image.Image, min_side: int | None,
                       min_long: int | None) -> Decoded | None:
    """Decode a plain 8-bit PNG with OpenCV, reduced at once; ``None`` if it is not one, or OpenCV fails.

    A PNG cannot be decoded reduced, so its whole image is held once whichever decoder does it:
    OpenCV holds 3 bytes a pixel for RGB (``IMREAD_REDUCED_COLOR_*`` decodes, then shrinks), where
    Pillow holds 4 and then copies. That is what keeps a 118 MP PNG under 600 MB in a worker. The
    reduced pixels then take the usual way (colour profile, alpha on white, EXIF orientation).
    """
    if not _png_for_opencv(im):
        return None
    full_w, full_h = im.size
    factor = _jpeg_reduction(im.size, min_side, min_long)
    mode = im.mode
    flags = (cv2.IMREAD_IGNORE_ORIENTATION | _REDUCED_FLAGS[factor]
             | (cv2.IMREAD_COLOR_RGB if mode == "RGB" else cv2.IMREAD_GRAYSCALE))
    try:
        pixels = cv2.imread(str(path), flags)
    except cv2.error:
        return None
    if pixels is None or pixels.dtype != np.uint8 or pixels.ndim != (3 if mode == "RGB" else 2):
        return None  # the Pillow way names what is wrong with the file
    small = Image.fromarray(pixels, mode)
    small.info = dict(im.info)
    orientation = _orientation(im)
    scale = small.size[0] / full_w
    small = upright_copy(small, orientation)
    rgb, alpha = _to_rgb_alpha(small)
    original = (full_h, full_w) if orientation in _QUARTER_TURNS else (full_w, full_h)
    return Decoded(rgb=rgb, alpha=alpha, scale=scale, original_size=original)


def load_photo(
    path: Path | str,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int | None = None,
    min_long: int | None = None,
) -> Decoded:
    """Decode a photo into an upright sRGB uint8 array.

    :param path: the file to read.
    :param max_pixels: refuse files whose header claims more pixels than this (decompression bombs).
    :param min_side: if given, the caller needs the shorter side to be at least this many pixels;
        JPEGs are then decoded at the smallest DCT scale (1/2, 1/4, 1/8) that still gives that,
        which is several times faster than a full decode. ``None`` decodes every pixel.
    :param min_long: the same for the longer side; with both, the decode satisfies both.
    :returns: the pixels, alpha, scale (decoded / original) and original upright size.
    :raises PhotoError: for a missing, unreadable, corrupt, truncated, non-image or too-large file.
    """
    with _open(path, max_pixels) as im:
        full_w, full_h = im.size
        fast = _decode_jpeg_fast(path, im, min_side, min_long) or _decode_png_opencv(path, im, min_side, min_long)
        if fast is not None:
            return fast
        jpeg = im.format in ("JPEG", "MPO")
        factor = _jpeg_reduction(im.size, min_side, min_long)
        if jpeg and factor > 1:
            # draft() picks the largest reduction whose result is still >= the size asked for.
            im.draft(im.mode if im.mode in ("RGB", "L", "CMYK") else "RGB",
                     (-(-full_w // factor), -(-full_h // factor)))
        try:
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)  # multi-page TIFF / animated WebP: the first frame is the photo
            im.load()
        except Image.DecompressionBombError:
            raise PhotoError(path, f"too many pixels (limit {max_pixels:,}); refusing a possible "
                                   "decompression bomb") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            msg = str(exc)
            if "truncated" in msg.lower():
                raise PhotoError(path, "the file is truncated (incomplete copy or download?)") from None
            raise PhotoError(path, f"corrupt image data: {msg}") from None
        # Read EXIF only after the pixels: for PNG, getexif() loads the image itself, and a
        # corrupt stream would then fail inside it where the error is not reported. Read it from
        # the file's own image: a reduced copy no longer has a TIFF's tags.
        orientation = _orientation(im)
        if not jpeg:
            # PNG, TIFF, WebP and HEIF decode whole: reduce at once, so the conversions below
            # (several copies of the pixels) work on the small image (see FULL_DECODE_BUDGET).
            im = shrink_loaded(im, factor)
        dec_w, _dec_h = im.size
        scale = dec_w / full_w
        try:
            if orientation != 1:
                im = upright_copy(im, orientation)
            rgb, alpha = _to_rgb_alpha(im)
        except (OSError, ValueError) as exc:
            raise PhotoError(path, f"corrupt image data: {exc}") from None
        original = (full_h, full_w) if orientation in _QUARTER_TURNS else (full_w, full_h)
        return Decoded(rgb=rgb, alpha=alpha, scale=scale, original_size=original)


def content_hash(path: Path | str) -> str:
    """Return the SHA-256 hex digest of a file's bytes (the identity of an imported photo)."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        raise PhotoError(path, "no such file") from None
    except IsADirectoryError:
        raise PhotoError(path, "is a folder, not a photo") from None
    except OSError as exc:
        raise PhotoError(path, f"cannot be read: {exc.strerror or exc}") from None
    return digest.hexdigest()


def dhash(rgb: np.ndarray) -> int:
    """Return a 64-bit difference hash (dHash) of an image.

    Burst shots of one garment differ by a few bits; different garments by ~32.
    opencv-python-headless has no ``cv2.img_hash`` (that module is in contrib), and a
    dHash is four lines of OpenCV/numpy, so no extra dependency is taken for it.

    :param rgb: ``H x W x 3`` uint8 image (any size).
    """
    # Sample down to ~64 px first: the hash only looks at a 9 x 8 average anyway.
    k = max(1, min(rgb.shape[:2]) // 64)
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[::k, ::k]), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return int(np.packbits(bits).view(">u8")[0])


def hamming(a: int, b: int) -> int:
    """Return the number of differing bits between two 64-bit hashes."""
    return (a ^ b).bit_count()
