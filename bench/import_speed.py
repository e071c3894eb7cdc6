"""Photos per second and peak memory of a photo import, against the bare pipeline in the same run.

Run from the repository root::

    python -m bench.import_speed                       # 400 px photos, 300 files
    python -m bench.import_speed --count 1000 --count 10000   # peak memory along one long import

The import (:func:`lookbook.photos.importer.import_photos` into a fresh on-disk library) does
what the bare pipeline (:func:`lookbook.photos.pipeline.process`: decode, find the garment,
render, write) does, plus hashing, reading barcode slates, copying originals, database
rows and audit entries, bursts and ties. Both run on the same files with the same
workers, each the median of ``--repeats``. The files are copies of the test photos with
a few bytes appended after the JPEG's end (each is new content to the library, with the
same pixels).
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
from pathlib import Path

from bench.pipeline_speed import DEFAULT_PHOTOS, _children_hwm_kib
from lookbook.photos.importer import PhotoProgress, import_photos
from lookbook.photos.pipeline import process
from lookbook.photos.presets import DEFAULT_PRESET
from lookbook.progress import run_to_end
from lookbook.store.database import create_store


def unique_copies(photos: list[Path], count: int, folder: Path) -> list[Path]:
    """Write ``count`` files cycling through ``photos``, each with distinct bytes after the image data."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, src in enumerate(itertools.islice(itertools.cycle(photos), count)):
        dest = folder / f"{i:05d}-{src.name}"
        dest.write_bytes(src.read_bytes() + f"copy {i}".encode())
        out.append(dest)
    return out


def time_import(paths: list[Path], workers: int, root: Path, marks: set[int] | None = None) -> float:
    """Return photos/s of importing ``paths`` into a new library at ``root``; print memory at ``marks``."""
    store = create_store(root)
    try:
        t0 = time.perf_counter()
        worker_peak = 0

        def watch(step: PhotoProgress) -> None:
            nonlocal worker_peak
            if marks and step.stage == "importing" and (step.done % 50 == 0 or step.done in marks):
                worker_peak = max(worker_peak, _children_hwm_kib())
                if step.done in marks:
                    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                    print(f"  {step.done:>6} photos: peak RSS importer {parent / 1024:.0f} MiB, largest worker "
                          f"{worker_peak / 1024:.0f} MiB, {step.done / (time.perf_counter() - t0):.1f} photos/s",
                          flush=True)

        report = run_to_end(import_photos(store, paths, actor="bench", workers=workers), watch)
        elapsed = time.perf_counter() - t0
    finally:
        store.close()
    if report.failed:
        print(f"  {len(report.failed)} failed, e.g. {report.problems[0]}", file=sys.stderr)
    return len(paths) / elapsed


def time_pipeline(paths: list[Path], workers: int, out_dir: Path) -> float:
    """Return photos/s of the bare pipeline on ``paths``."""
    t0 = time.perf_counter()
    for _ in process(paths, out_dir, DEFAULT_PRESET, workers=workers):
        pass
    return len(paths) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--files", type=int, default=300, help="files per timed run (default 300)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--count", type=int, action="append",
                        help="measure peak memory along one import of this many photos (repeatable)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    photos = sorted(args.photos.glob("*/*.jpg"))
    if not photos:
        print(f"no photos under {args.photos}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        if args.count:
            print(f"peak memory along one import, {args.workers} workers:")
            paths = unique_copies(photos, max(args.count), tmp / "in")
            time_import(paths, args.workers, tmp / "lib", set(args.count))
            return 0
        paths = unique_copies(photos, args.files, tmp / "in")
        imp, pipe = [], []
        for r in range(args.repeats):
            pipe.append(time_pipeline(paths, args.workers, tmp / f"out-{r}"))
            imp.append(time_import(paths, args.workers, tmp / f"lib-{r}"))
        i, p = statistics.median(imp), statistics.median(pipe)
        print(f"{args.workers} workers, {len(paths)} files of 400 px: pipeline {p:6.1f}/s  import {i:6.1f}/s  "
              f"import takes {p / i:4.2f}x the pipeline's time (median of {args.repeats})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
