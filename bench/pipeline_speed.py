"""Photos per second: plain decode vs the full pipeline, at 400 px and at 12 MP.

Run from the repository root::

    python -m bench.pipeline_speed                    # speed, 1 core and all cores
    python -m bench.pipeline_speed --count 1000 --count 10000   # peak memory over long batches
    python -m bench.pipeline_speed --stages           # where the time goes, stage by stage, 1 core

The full pipeline is decode -> find the garment -> hero, collar, cuff and a 256 px
thumbnail written to disk as JPEGs. Two plain decodes of the same files are the baselines:
Pillow decoding to an RGB array (what a plain Python program does) and OpenCV's
``imdecode`` (the fastest full-size decode on hand; the pipeline itself decodes plain JPEGs
with OpenCV, at reduced size where the hero allows). All are timed in the same run, as the
median of ``--repeats``.
The 12 MP JPEGs are made from the test photos by upscaling, in a temporary folder
that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from lookbook.photos.pipeline import pool_context, process
from lookbook.photos.presets import DEFAULT_PRESET

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PHOTOS = REPO.parent / "shared" / "photos" / "clothing-small" / "test"  # the full set beside the clone


def plain_decode(path: Path) -> int:
    """Decode one file to RGB the plain way; return its pixel count (so the work is not optimised out)."""
    with Image.open(path) as im:
        # convert() copies even an image that is already RGB; a fair baseline decodes and nothing more.
        return int(np.asarray(im if im.mode == "RGB" else im.convert("RGB")).shape[0])


def opencv_decode(path: Path) -> int:
    """Decode one file to a full-size array with OpenCV; return its row count."""
    decoded = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError(f"OpenCV cannot decode {path}")
    return int(decoded.shape[0])


DECODERS = {"pillow": plain_decode, "opencv": opencv_decode}


def _decode_chunk(paths: list[Path], decoder: str) -> int:
    cv2.setNumThreads(1)
    return sum(DECODERS[decoder](p) for p in paths)


def time_decode(paths: list[Path], workers: int, decoder: str = "pillow") -> float:
    """Return photos/s for a plain decode of ``paths`` with ``decoder`` (a key of :data:`DECODERS`)."""
    t0 = time.perf_counter()
    if workers == 1:
        cv2.setNumThreads(1)
        for p in paths:
            DECODERS[decoder](p)
    else:
        chunks = [paths[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=pool_context()) as pool:
            list(pool.map(_decode_chunk, chunks, [decoder] * workers))
    return len(paths) / (time.perf_counter() - t0)


def time_pipeline(paths: list[Path], workers: int, out_dir: Path) -> tuple[float, int]:
    """Return (photos/s, failures) for the full pipeline on ``paths``."""
    t0 = time.perf_counter()
    errors = sum(1 for ev in process(paths, out_dir, DEFAULT_PRESET, workers=workers) if ev.error)
    return len(paths) / (time.perf_counter() - t0), errors


def make_12mp(paths: list[Path], folder: Path) -> list[Path]:
    """Write 12-megapixel JPEG upscales of ``paths`` into ``folder``."""
    out = []
    for i, p in enumerate(paths):
        rgb = np.asarray(Image.open(p).convert("RGB"))
        h, w = rgb.shape[:2]
        f = (12e6 / (w * h)) ** 0.5
        big = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_CUBIC)
        dest = folder / f"big{i:03d}-{p.stem}.jpg"
        Image.fromarray(big).save(dest, quality=90)
        out.append(dest)
    return out


def _children_hwm_kib() -> int:
    """Return the largest peak RSS (VmHWM, KiB) among this process's live descendants (Linux /proc).

    Pool workers are grandchildren (children of the forkserver), so the whole tree is walked.
    """
    best = 0
    todo, seen = [os.getpid()], set()
    while todo:
        pid = todo.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            for kid in kids:
                if kid in seen:
                    continue
                seen.add(kid)
                todo.append(kid)
                try:
                    for line in Path(f"/proc/{kid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            best = max(best, int(line.split()[1]))
                except OSError:
                    pass
    return best


def memory_run(photos: list[Path], counts: list[int], workers: int) -> None:
    """Run one batch of max(counts) photos (cycling ``photos``); report peak memory at each count."""
    total = max(counts)
    paths = list(itertools.islice(itertools.cycle(photos), total))
    marks = set(counts)
    worker_peak = 0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        for ev in process(paths, Path(tmp), DEFAULT_PRESET, workers=workers):
            if ev.done % 50 == 0 or ev.done in marks:
                worker_peak = max(worker_peak, _children_hwm_kib())
            if ev.done in marks:
                parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                print(f"  {ev.done:>6} photos: peak RSS parent {parent / 1024:.0f} MiB, "
                      f"largest worker {worker_peak / 1024:.0f} MiB, "
                      f"{ev.done / (time.perf_counter() - t0):.1f} photos/s", flush=True)


def stage_times(label: str, paths: list[Path], out_dir: Path) -> None:
    """Print the mean milliseconds per photo of each pipeline stage (means: they add up to the throughput)."""
    from lookbook.photos.detect import detect_garment
    from lookbook.photos.imaging import dhash, load_photo
    from lookbook.photos.pipeline import decode_side
    from lookbook.photos.render import render, write_rendered

    cv2.setNumThreads(1)
    times: dict[str, list[float]] = {k: [] for k in ("decode", "find garment", "render", "encode + write", "dhash")}
    for i, path in enumerate(paths):
        t0 = time.perf_counter()
        dec = load_photo(path, min_long=decode_side(DEFAULT_PRESET))
        t1 = time.perf_counter()
        det = detect_garment(dec.rgb, scale=dec.scale)
        t2 = time.perf_counter()
        out = render(dec, det, DEFAULT_PRESET)
        t3 = time.perf_counter()
        write_rendered(out, out_dir, f"s{i}", DEFAULT_PRESET.jpeg_quality)
        t4 = time.perf_counter()
        dhash(dec.rgb)
        t5 = time.perf_counter()
        for key, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            times[key].append(dt * 1000.0)
    total = sum(statistics.fmean(v) for v in times.values())
    cells = "  ".join(f"{k} {statistics.fmean(v):5.1f}" for k, v in times.items())
    print(f"{label:>7}: {cells}  | total {total:5.1f} ms/photo ({len(paths)} photos)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big", type=int, default=24, help="how many 12 MP JPEGs to make (default 24)")
    parser.add_argument("--count", type=int, action="append",
                        help="measure peak memory over a batch of this many photos (repeatable)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="'all cores' (default: every core)")
    parser.add_argument("--stages", action="store_true", help="print milliseconds per stage instead (1 core)")
    args = parser.parse_args(argv)
    photos = sorted(args.photos.glob("*/*.jpg"))
    if not photos:
        print(f"no photos under {args.photos}", file=sys.stderr)
        return 1

    if args.count:
        print(f"peak memory, {args.workers} workers:")
        memory_run(photos, sorted(args.count), args.workers)
        return 0

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        big = make_12mp(photos[:: max(1, len(photos) // args.big)][: args.big], tmp)
        sets = [("400 px", photos), ("12 MP", big)]
        if args.stages:
            print("mean ms per photo, one core:")
            for label, paths in sets:
                stage_times(label, paths, tmp / "stages")
            return 0
        print(f"photos/s, median of {args.repeats}; ratio = baseline / pipeline "
              "(how many times slower the pipeline is than decoding alone)")
        print(f"{'photos':>7} {'cores':>5} | {'Pillow decode':>13} {'OpenCV decode':>13} | {'pipeline':>8} | "
              f"{'ratio Pillow':>12} {'ratio OpenCV':>12} | failed")
        for label, paths in sets:
            for workers in sorted({1, args.workers}):
                dec, cvd, pipe, errors = [], [], [], 0
                for r in range(args.repeats):
                    dec.append(time_decode(paths, workers))
                    cvd.append(time_decode(paths, workers, "opencv"))
                    speed, errors = time_pipeline(paths, workers, tmp / f"out-{r}")
                    pipe.append(speed)
                d, c, p = statistics.median(dec), statistics.median(cvd), statistics.median(pipe)
                print(f"{label:>7} {workers:>5} | {d:13.1f} {c:13.1f} | {p:8.1f} | {d / p:11.2f}x {c / p:11.2f}x | "
                      f"{errors} of {len(paths)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
