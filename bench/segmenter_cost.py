"""What the learned segmenter costs per photo: the detector with and without it, one thread.

Run from the repository root::

    python -m bench.segmenter_cost [--photos DIR] [--count N] [--threads N]

For ``--count`` photos of ``--photos`` (default: the first of each category folder of
clothing-small's ``test/`` beside the clone, in name order) the bench times, on the same decoded
photos in the same run: :func:`lookbook.photos.segmenter.saliency` alone; :func:`lookbook.photos.detect.detect_garment`
with the segmenter (``auto``, what the app runs); the classical passes alone (the floor: the same
call with the segmenter switched off); and the whole per-photo analysis of the Shoot page
(detection, hanger cleanup, detail boxes). Each is timed as CPU seconds of this process
(``time.process_time``) and as wall seconds; the CPU figure holds on a machine shared with other
work, the wall figure is what a person waits for on an idle one. OpenCV runs with ``--threads``
threads (default 1: a desktop app working through a batch runs one photo per core). Printed: a
table of medians and means in ms per photo, and each row's ratio to the floor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from lookbook.photos import segmenter
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.crop import detail_boxes, detail_kinds
from lookbook.photos.detect import detect_garment
from lookbook.photos.imaging import load_photo

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PHOTOS = REPO.parent / "shared" / "photos" / "clothing-small" / "test"


def pick(root: Path, count: int) -> list[Path]:
    """Return ``count`` photos, taken round-robin from the category folders in name order."""
    folders = [sorted(d.glob("*.jpg")) for d in sorted(p for p in root.iterdir() if p.is_dir())]
    out: list[Path] = []
    for i in range(max((len(f) for f in folders), default=0)):
        out += [f[i] for f in folders if i < len(f)]
    return out[:count]


def timed(fn: Callable[..., object], *args: object) -> tuple[float, float]:
    """Return (CPU seconds, wall seconds) of one call of ``fn(*args)``."""
    c0, w0 = time.process_time(), time.perf_counter()
    fn(*args)
    return time.process_time() - c0, time.perf_counter() - w0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    cv2.setNumThreads(args.threads)
    if not segmenter.available():
        print(f"no segmenter here ({segmenter.MODEL_PATH} missing or unreadable)")
        return 1
    photos = [load_photo(p) for p in pick(args.photos, args.count)]
    category = {id(d): p.parent.name for d, p in zip(photos, pick(args.photos, args.count), strict=True)}
    real_saliency = segmenter.saliency

    def classical(rgb: np.ndarray) -> object:
        segmenter.saliency = lambda *_: None
        try:
            return detect_garment(rgb)
        finally:
            segmenter.saliency = real_saliency

    def shoot(d: object) -> None:
        det = detect_garment(d.rgb, scale=d.scale)  # type: ignore[attr-defined]
        det = clean_detection(d.rgb, det, scale=d.scale).detection  # type: ignore[attr-defined]
        detail_boxes(det.mask, detail_kinds(category[id(d)]))

    detect_garment(photos[0].rgb)  # reads the network once, as the app does on its first photo
    rows: dict[str, list[tuple[float, float]]] = {"classical passes (floor)": [], "segmenter alone": [],
                                                  "detect_garment (auto)": [], "detect + cleanup + details": []}
    for d in photos:
        rows["classical passes (floor)"].append(timed(classical, d.rgb))
        rows["segmenter alone"].append(timed(real_saliency, d.rgb, (200, 200)))
        rows["detect_garment (auto)"].append(timed(detect_garment, d.rgb))
        rows["detect + cleanup + details"].append(timed(shoot, d))
    floor = statistics.median(c for c, _ in rows["classical passes (floor)"])
    sizes = sorted({max(d.rgb.shape[:2]) for d in photos})
    print(f"{len(photos)} photos ({sizes[0]}-{sizes[-1]} px long side), OpenCV threads {args.threads}")
    print(f"{'':<28} {'CPU median':>10} {'CPU mean':>9} {'wall median':>11} {'x floor (CPU)':>13}")
    for name, times in rows.items():
        cpu, wall = [c for c, _ in times], [w for _, w in times]
        print(f"{name:<28} {1000 * statistics.median(cpu):>8.1f}ms {1000 * statistics.fmean(cpu):>7.1f}ms "
              f"{1000 * statistics.median(wall):>9.1f}ms {statistics.median(cpu) / floor:>12.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
