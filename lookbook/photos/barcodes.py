"""Reading product codes in photos, and checking EAN/UPC numbers.

An associate photographs the hang tag or a barcode card before the garment (a
"slate"); :func:`read_codes` finds the EAN-13, UPC-A, Code 128 and QR codes in that
frame so :mod:`lookbook.photos.ties` can tie the shots that follow to the product.

Which reader does what, because opencv-python-headless 5 does not cover all four:

* ``cv2.barcode.BarcodeDetector`` decodes EAN-8, EAN-13, UPC-A and UPC-E only, at any
  angle (its detector works on gradient orientation);
* ``cv2.QRCodeDetectorAruco`` (with ``cv2.QRCodeDetector`` as a second try) decodes QR;
* OpenCV has no Code 128 decoder. Its detector still finds Code 128 bars at any angle,
  so each region it finds but cannot decode is turned upright and handed to zxing-cpp
  (which reads only near-horizontal bars by itself); zxing-cpp on the whole frame is
  the last try for bars OpenCV did not find, and for QR codes OpenCV could not read.
  ``bench/barcode_read_rate.py`` measures the result per code type and distortion.

Check digits of EAN/UPC/GTIN numbers are validated in :mod:`lookbook.catalog.gtin` (no OpenCV there, so the catalog
and the command line can check a number without loading an image library).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError
from stdnum import ean as gs1

from lookbook.catalog.gtin import gtin_key
from lookbook.errors import InputError
from lookbook.photos.codes import CODE128, EAN8, EAN13, QR, UPCA, UPCE, Code
from lookbook.photos.imaging import PHOTO_FORMATS, load_photo

_OPENCV_KINDS = {"EAN_13": EAN13, "EAN_8": EAN8, "UPC_A": UPCA, "UPC_E": UPCE}
_ZXING_KINDS = {
    zxingcpp.BarcodeFormat.Code128: CODE128,
    zxingcpp.BarcodeFormat.EAN13: EAN13,
    zxingcpp.BarcodeFormat.EAN8: EAN8,
    zxingcpp.BarcodeFormat.UPCA: UPCA,
    zxingcpp.BarcodeFormat.UPCE: UPCE,
    zxingcpp.BarcodeFormat.QRCode: QR,
}
_ZXING_LINEAR = (zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.EAN13, zxingcpp.BarcodeFormat.EAN8,
                 zxingcpp.BarcodeFormat.UPCA, zxingcpp.BarcodeFormat.UPCE)
# Codes are read on a copy whose long side is at most this. On 4000 px phone frames with a
# tag 8-12% wide, 3000 px reads 16 of 24 bar codes against 7 at 2000 px and 18 at full size,
# at 1.5x and 0.65x the time of those (bench.barcode_read_rate measures the current choice).
SCAN_LONG_SIDE = 3000
# The cheap finder (might_hold_code): a patch about a fiftieth of the frame's long side where strong
# left/right and up/down edges of both signs each cover this share of the pixels. Bars and QR modules
# alternate dark and light every few pixels at any angle; a garment's outline is one edge of one sign.
# On bench.barcode_read_rate's frames every code read scores 0.25 or more (at 0.15, 0.35 of the code-less
# garment photos still go on to the readers; most studio shots do not).
_FINDER_STEP = 160   # Sobel 3x3 response: four times a step of 40 grey levels
_FINDER_SHARE = 0.15
#: The finder on a copy reduced below SCAN_LONG_SIDE (the import's pipeline copy, 1620-3240 px): only a frame that
#: passes it gets the readers' SCAN_LONG_SIDE copy and the finder at _FINDER_SHARE there, as before. Reduction
#: steepens soft edges per pixel (a print, a knit, an upscaled photo score far higher at 2000 px than at 3000) while
#: a code's edges are sharp at both sizes, so the step is raised and the share lowered. On 48 phone frames made as
#: bench.barcode_read_rate makes them (33 read), every code scored 0.227 or more on the 2000 px copy and no less than
#: 0.79 of its 3000 px score; 3 of 40 upscaled garment photos without a code pass (14 at step 160). A code-less frame
#: that passes costs what every frame cost before, never a code.
REDUCED_STEP = 200
REDUCED_SHARE = 0.12


def _canonical(code: Code) -> Code:
    # A UPC-A and an EAN-13 starting with 0 are the same bars; readers disagree on which
    # they saw, so report the 12-digit UPC-A as printed on North American tags.
    if code.kind == EAN13 and len(code.text) == 13 and code.text.startswith("0"):
        return Code(code.text[1:], UPCA, code.reader)
    return code


def _valid_retail(code: Code) -> bool:
    if code.kind in (EAN13, EAN8, UPCA, UPCE):
        return code.text.isdigit() and gs1.is_valid(code.text)
    return bool(code.text)


def _rectify(grey: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Return the region of a detected barcode turned so its bars stand upright, with a quiet margin."""
    (cx, cy), (w, h), angle = cv2.minAreaRect(quad.astype(np.float32))
    if w < h:  # make the long side (across the bars) horizontal
        w, h, angle = h, w, angle + 90
    w, h = w * 1.3 + 8, h * 1.3 + 8
    turn = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    turn[0, 2] += w / 2 - cx
    turn[1, 2] += h / 2 - cy
    return cv2.warpAffine(grey, turn, (int(w), int(h)), flags=cv2.INTER_LINEAR, borderValue=255)


def _read_linear(grey: np.ndarray) -> list[Code]:
    """Read bar codes: OpenCV finds them at any angle and decodes EAN/UPC; zxing-cpp decodes the rest."""
    detector = cv2.barcode.BarcodeDetector()
    # OpenCV shrinks frames to 512 px before looking for bars, which loses a tag filling
    # a sixth of a phone frame; 1024 px finds twice as many (bench.barcode_read_rate).
    detector.setDownsamplingThreshold(1024)
    # ``ok`` is False when bars were found but none decoded; the corners are still good.
    _ok, texts, kinds, corners = detector.detectAndDecodeWithType(grey)
    if corners is None:
        return []
    codes: list[Code] = []
    read: list[np.ndarray] = []
    # Biggest regions first: the detector may also report a piece of the same bars, and a
    # piece can decode to a wrong text that still passes Code 128's weak checksum.
    # OpenCV returns one text and kind per region; strict=False keeps a photo importing if it ever does not.
    found = sorted(zip(texts, kinds, corners, strict=False), key=lambda t: -cv2.contourArea(t[2].astype(np.float32)))
    for text, kind, quad in found:
        centre = tuple(float(v) for v in quad.mean(axis=0))
        if any(cv2.pointPolygonTest(done.astype(np.float32), centre, False) >= 0 for done in read):
            continue
        if text:
            codes.append(Code(text, _OPENCV_KINDS.get(kind, kind), "opencv"))
            read.append(quad)
            continue
        # OpenCV found bars it cannot decode (Code 128, or EAN/UPC it misread): give zxing-cpp
        # the region turned upright, since zxing-cpp reads only near-horizontal bars.
        decoded = _vote(_rectify(grey, quad))
        if decoded is not None:
            codes.append(decoded)
            read.append(quad)
    return codes


def _vote(crop: np.ndarray) -> Code | None:
    """Return the one code in an upright crop of bars, read across its whole height and in three bands.

    Blur can make scan lines of one Code 128 disagree (its checksum is weak); the text
    most lines agree on wins, and a tie reads as nothing rather than a guess.
    """
    h = crop.shape[0]
    votes: Counter[Code] = Counter()
    for band in (crop, crop[: h // 2], crop[h // 4: 3 * h // 4], crop[h // 2:]):
        votes.update(set(_read_zxing(np.ascontiguousarray(band), _ZXING_LINEAR)))
    ranked = votes.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _read_opencv_qr(grey: np.ndarray) -> list[Code]:
    # The ArUco-based detector finds small or tilted QR codes the classic one misses,
    # and the classic one sometimes decodes what ArUco finds but cannot read.
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        ok, texts, _points, _straight = detector.detectAndDecodeMulti(grey)
        found = [Code(text, QR, "opencv") for text in texts if ok and text]
        if found:
            return found
    return []


def _read_zxing(grey: np.ndarray, formats: tuple[zxingcpp.BarcodeFormat, ...]) -> list[Code]:
    return [Code(r.text, _ZXING_KINDS.get(r.format, str(r.format)), "zxing-cpp")
            # zxing-cpp asks for a tuple (its `a | b` is deprecated); its type stub names only BarcodeFormats.
            for r in zxingcpp.read_barcodes(grey, formats=formats) if r.valid and r.text]  # type: ignore[arg-type]


def _scan(grey: np.ndarray) -> list[Code]:
    codes = _read_linear(grey) + _read_opencv_qr(grey)
    if not any(c.kind != QR for c in codes):
        codes += _read_zxing(grey, _ZXING_LINEAR)  # bars OpenCV did not even find
    if not any(c.kind == QR for c in codes):
        codes += _read_zxing(grey, (zxingcpp.BarcodeFormat.QRCode,))
    return codes


def _distinct(codes: list[Code]) -> list[Code]:
    seen: set[tuple[str, str]] = set()
    distinct = []
    for code in map(_canonical, codes):
        key = (gtin_key(code.text), QR if code.kind == QR else "bars")
        if key not in seen and _valid_retail(code):
            seen.add(key)
            distinct.append(code)
    return distinct


def _grey(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))


def code_score(grey: np.ndarray, step: int = _FINDER_STEP) -> float:
    """Return the densest patch's share of alternating strong edges (what :func:`might_hold_code` compares).

    Shares over tiles half a patch wide (INTER_AREA averages each tile), then over 2 x 2 tiles: a sliding
    patch, at a fraction of the cost of box filters at full size. At least 16 px: a code any reader can read
    spans far more than a 32 px patch, however small the frame. A frame too small to judge scores 1.

    :param step: the Sobel response that counts as a strong edge.
    """
    tile = max(16, max(grey.shape) // 100)
    h, w = grey.shape[0] // tile, grey.shape[1] // tile
    if h < 2 or w < 2:
        return 1.0  # too small to judge: let the readers look
    score = np.zeros((h - 1, w - 1), np.float32)
    for dx, dy in ((1, 0), (0, 1)):
        edges = cv2.Sobel(grey, cv2.CV_16S, dx, dy, ksize=3)
        shares = []
        for mask in (edges > step, edges < -step):
            tiles = cv2.resize(mask.view(np.uint8) * np.uint8(255), (w, h), interpolation=cv2.INTER_AREA)
            tiles = tiles.astype(np.float32) / 255
            shares.append((tiles[:-1, :-1] + tiles[1:, :-1] + tiles[:-1, 1:] + tiles[1:, 1:]) / 4)
        score += np.minimum(*shares)
    return float(score.max())


def might_hold_code(grey: np.ndarray, share: float = _FINDER_SHARE, step: int = _FINDER_STEP) -> bool:
    """Return whether a grey frame has a patch dense with alternating strong edges, as every code has.

    A few milliseconds where the readers take hundreds (OpenCV's two QR detectors alone 0.3 s at 3000 px), so
    they run only on frames this passes; it is made to err towards yes (a striped shirt passes, and is read).

    :param share: the score a frame needs (:func:`code_score`).
    :param step: the Sobel response that counts as a strong edge.
    """
    return code_score(grey, step) >= share


def read_codes(image: np.ndarray) -> list[Code]:
    """Return the distinct codes read in an image, EAN/UPC check digits verified.

    The readers run only where :func:`might_hold_code` sees a code (most garment shots hold none).

    :param image: ``H x W`` grey or ``H x W x 3`` RGB ``uint8`` pixels.
    """
    grey = _grey(image)
    if not might_hold_code(grey):
        return []
    return _distinct(_scan(grey))


def load_grey(path: Path | str, long_side: int | None = SCAN_LONG_SIDE) -> np.ndarray:
    """Return a photo as upright grey pixels, reduced so its long side is at most ``long_side`` (None: full size).

    :raises InputError: if the file is missing or not an image.
    """
    try:
        with Image.open(path, formats=PHOTO_FORMATS) as im:
            whole = im.format not in ("JPEG", "MPO")
            if long_side is not None and not whole:
                # draft() lets libjpeg decode at 1/2, 1/4 or 1/8 scale: far faster on big frames.
                im.draft("L", (long_side, long_side))
            if not whole or long_side is None:
                upright = ImageOps.exif_transpose(im).convert("L")
        if whole and long_side is not None:
            # Other formats decode whole: load_photo shrinks them at once and keeps a worker's memory
            # bounded (the pixel limit was the caller's to apply; the memory budget still holds).
            decoded = load_photo(path, max_pixels=sys.maxsize, min_long=long_side)
            upright = Image.fromarray(cv2.cvtColor(decoded.rgb, cv2.COLOR_RGB2GRAY))
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise InputError(f"cannot be read as a photo ({exc})", path=path) from None
    if long_side is not None:
        upright.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return np.asarray(upright)


def scan_grey(rgb: np.ndarray, long_side: int = SCAN_LONG_SIDE) -> np.ndarray:
    """Return already-decoded RGB pixels as the grey copy codes are read from: long side at most ``long_side``.

    The same reduction as :func:`load_grey` (Lanczos), so the import reads its codes from the pixels the
    pipeline decoded, without opening the file again, and finds what reading the file finds.
    """
    grey = Image.fromarray(_grey(rgb))
    grey.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return np.asarray(grey)


def read_codes_in_file(path: Path | str) -> list[Code]:
    """Return the codes read in a photo file (at most :data:`SCAN_LONG_SIDE` px on its long side).

    :raises InputError: if the file is missing or not an image.
    """
    return read_codes(load_grey(path))
