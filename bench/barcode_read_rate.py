"""How often slate codes are read: per code type and distortion level, ours against OpenCV alone.

Run from the repository root::

    python -m bench.barcode_read_rate [--per-cell 20] [--seed 7]

For each code type (EAN-13, UPC-A, Code 128, QR) and each distortion level, the
bench generates codes (python-barcode; QR with OpenCV's encoder), pastes each on a
white card into a different real garment photo from ``../shared/photos/clothing-small/test`` beside the clone
(resized to a 1600 px long side, the size a phone photo is read at after reduction),
turns it, blurs the frame, re-encodes it as JPEG, and reads it with

* ``ours``: :func:`lookbook.photos.barcodes.read_codes` (OpenCV EAN/UPC + QR, and zxing-cpp on the
  regions OpenCV finds but cannot decode, i.e. Code 128; zxing-cpp on the whole frame last);
* ``opencv``: the baseline, measured in the same run: OpenCV alone
  (``cv2.barcode.BarcodeDetector`` and the two QR detectors), which has no Code 128 decoder.

A read counts when the right text comes back. Prints the read rate per cell and
the median read time per frame with the ratio ours/opencv.

A second table reads phone-sized frames (4000 px long side, saved as JPEG) holding a
tag 8-12% of the width (up to 20 degrees, slight blur) from the file, as tying does:
:func:`lookbook.photos.barcodes.read_codes_in_file` (read at ``SCAN_LONG_SIDE`` px) against
the baseline of reading the full-size frame; ``import`` is what a photo import reads
(:func:`lookbook.photos.importer.decode_once`: the cheap finder on the pipeline's reduced copy first).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lookbook.photos.barcodes import SCAN_LONG_SIDE, load_grey, read_codes, read_codes_in_file
from lookbook.photos.imaging import DEFAULT_MAX_PIXELS
from lookbook.photos.importer import decode_once
from lookbook.photos.presets import DEFAULT_PRESET

# The code generators live with the tests, which use the very same codes.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from catalog_support import code_image, full_code, load_rgb, paste_code, shared_photos  # noqa: E402


@dataclass(frozen=True)
class Level:
    name: str
    width: tuple[float, float]   # code width as a fraction of the frame's width
    angle: float                 # largest turn, degrees, either way
    blur: tuple[float, float]    # Gaussian sigma, px at 1600 px
    quality: int                 # JPEG quality of the re-encoded frame


LEVELS = [
    Level("clean: 30-40% wide, square, sharp", (0.30, 0.40), 0, (0.0, 0.0), 95),
    Level("mild: 20-30%, up to 20 deg, sigma 0.5-1", (0.20, 0.30), 20, (0.5, 1.0), 85),
    Level("moderate: 14-20%, up to 45 deg, sigma 1-1.5", (0.14, 0.20), 45, (1.0, 1.5), 75),
    Level("hard: 9-14%, any angle, sigma 1.5-2.2", (0.09, 0.14), 180, (1.5, 2.2), 65),
]
KINDS = ["EAN-13", "UPC-A", "Code 128", "QR"]


def payload(kind: str, rng: random.Random) -> str:
    if kind == "EAN-13":
        return "".join(str(rng.randint(0, 9)) for _ in range(12))
    if kind == "UPC-A":
        return "0" + "".join(str(rng.randint(0, 9)) for _ in range(10))
    code = f"{rng.choice(['HP', 'MW', 'OS', 'NV', 'CW'])}-{rng.choice(['SH', 'TR', 'KN'])}{rng.randint(1, 99):02d}"
    return code if kind == "Code 128" else f"SKU:{code}"


def opencv_only(frame: np.ndarray) -> list[str]:
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    ok, texts, _kinds, _corners = cv2.barcode.BarcodeDetector().detectAndDecodeWithType(grey)
    found = [t for t in texts if t] if ok else []
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        ok, qr_texts, _p, _s = detector.detectAndDecodeMulti(grey)
        if ok and any(qr_texts):
            found += [t for t in qr_texts if t]
            break
    # OpenCV reports a UPC-A either way; compare as GTIN-14 like lookbook.photos.barcodes does.
    return found


def same(expected: str, texts: list[str]) -> bool:
    key = expected.zfill(14) if expected.isdigit() else expected
    return any((t.zfill(14) if t.isdigit() else t) == key for t in texts)


def jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else None
    if decoded is None:
        raise RuntimeError(f"OpenCV could not re-encode a frame as JPEG (quality {quality}) and read it back")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-cell", type=int, default=20, help="frames per code type and level")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    photos = shared_photos()
    if not photos:
        sys.exit("no photos under ../shared/photos/clothing-small/test beside the clone: the bench reads that full set")
    rng.shuffle(photos)
    cache: dict[Path, np.ndarray] = {}
    times_ours: list[float] = []
    times_cv: list[float] = []
    print(f"{args.per_cell} frames per cell, real photos at 1600 px, seed {args.seed}\n")
    print(f"{'level':<44} {'code':<9} {'ours':>6} {'opencv':>7}")
    totals: dict[str, list[int]] = {k: [0, 0, 0] for k in KINDS}
    n = 0
    for level in LEVELS:
        for kind in KINDS:
            hits_ours = hits_cv = 0
            for _ in range(args.per_cell):
                path = photos[n % len(photos)]
                n += 1
                if path not in cache:
                    cache[path] = load_rgb(path, 1600)
                text = payload(kind, rng)
                frame = paste_code(cache[path], code_image(kind, text), width_fraction=rng.uniform(*level.width),
                                   angle=rng.uniform(-level.angle, level.angle), blur=rng.uniform(*level.blur),
                                   at=(rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65)))
                frame = jpeg(frame, level.quality)
                expected = full_code(kind, text)
                start = time.perf_counter()
                ours = [c.text for c in read_codes(frame)]
                times_ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                cv = opencv_only(frame)
                times_cv.append(time.perf_counter() - start)
                hits_ours += same(expected, ours)
                hits_cv += same(expected, cv)
            totals[kind][0] += hits_ours
            totals[kind][1] += hits_cv
            totals[kind][2] += args.per_cell
            print(f"{level.name:<44} {kind:<9} {hits_ours / args.per_cell:>6.0%} {hits_cv / args.per_cell:>7.0%}")
    print()
    for kind, (read_ours, read_cv, count) in totals.items():
        print(f"{'all levels':<44} {kind:<9} {read_ours / count:>6.0%} {read_cv / count:>7.0%}")
    med_ours, med_cv = statistics.median(times_ours), statistics.median(times_cv)
    print(f"\nmedian read time per frame: ours {med_ours * 1000:.0f} ms, opencv {med_cv * 1000:.0f} ms, "
          f"ratio {med_ours / med_cv:.2f}")
    phone_frames(photos, rng, max(4, args.per_cell // 2))


def phone_frames(photos: list[Path], rng: random.Random, per_kind: int) -> None:
    print(f"\nphone frames: 4000 px, tag 8-12% wide, up to 20 deg, sigma 0.5-1 px, JPEG 90; {per_kind} per code")
    print(f"{'code':<9} {f'ours ({SCAN_LONG_SIDE} px)':>16} {'import':>7} {'full size':>10}")
    times_two: list[float] = []
    times_import: list[float] = []
    times_one: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in KINDS:
            hits_two = hits_one = hits_import = 0
            for i in range(per_kind):
                text = payload(kind, rng)
                frame = paste_code(load_rgb(photos[(i * 7 + len(kind)) % len(photos)], 4000),
                                   code_image(kind, text, module_px=4), width_fraction=rng.uniform(0.08, 0.12),
                                   angle=rng.uniform(-20, 20), blur=rng.uniform(0.5, 1.0),
                                   at=(rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)))
                path = Path(tmp) / f"{kind}-{i}.jpg"
                cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
                expected = full_code(kind, text)
                start = time.perf_counter()
                hits_two += same(expected, [c.text for c in read_codes_in_file(path)])
                times_two.append(time.perf_counter() - start)
                start = time.perf_counter()
                _decoded, codes = decode_once(path, DEFAULT_PRESET, DEFAULT_MAX_PIXELS)
                hits_import += same(expected, [c.text for c in codes])
                times_import.append(time.perf_counter() - start)
                start = time.perf_counter()
                hits_one += same(expected, [c.text for c in read_codes(load_grey(path, long_side=None))])
                times_one.append(time.perf_counter() - start)
            print(f"{kind:<9} {hits_two / per_kind:>16.0%} {hits_import / per_kind:>7.0%} {hits_one / per_kind:>10.0%}")
    two, one = statistics.median(times_two), statistics.median(times_one)
    print(f"median time per file: ours {two * 1000:.0f} ms, full size {one * 1000:.0f} ms, ratio {two / one:.2f}; "
          f"import (decode, pipeline's copy, codes) {statistics.median(times_import) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
