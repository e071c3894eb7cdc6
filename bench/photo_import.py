"""``lookbook photos import FOLDER`` as a person runs it, against OpenCV decoding the same files in the same run.

Run from the repository root::

    python -m bench.photo_import [--rounds 3] [--small 341] [--phone 24] [--workers 1]

Two rows (issue 18):

* ``small``: photos of about 400 px from ``../shared/photos/clothing-small/train/`` beside the clone;
* ``phone``: 12 MP frames (4000 x 3000). **They are made by upscaling** some of those same photos (Lanczos) and
  saving them as JPEG quality 92: no real 12 MP garment photos ship with the data, so their detail is smoother
  than a phone's (JPEG decode time depends mostly on the pixel count, the barcode finder's on the texture).

Each round, interleaved: the floor (``cv2.imread`` of every file, one thread) and the command itself
(``python -m lookbook.cli --library LIB --as sam photos import FOLDER`` in a subprocess, into a fresh library
with no demo data, one user). The table shows medians of the rounds and the ratio command / floor.

The stage table then runs the same import in this process (one worker) on a sample, with the pipeline's own
functions wrapped by timers: decode, codes (the cheap finder, then the readers' copy and the readers where it
sees a code), detect (garment finder and cut-out cleaning,
``segmenter`` is the U²-Netp part of it), render (hero, details, thumbnail, written) and the rest (hashing,
EXIF time, copying the original, database rows, audit, bursts, ties; since the import decodes once, also
reducing that decode to the pipeline's size): ms per photo.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO.parent / "shared" / "photos" / "clothing-small" / "train"
PASSWORD = "bench-pass"
USER = "sam"

#: (module, attribute, stage): what the stage table times. A name missing from the tree is skipped, so the
#: bench reads the code before and after a change alike.
TIMED = [
    ("lookbook.photos.pipeline", "load_photo", "decode"),
    ("lookbook.photos.importer", "load_photo", "decode"),
    ("lookbook.photos.importer", "read_codes_in_file", "codes"),
    ("lookbook.photos.importer", "might_hold_code", "codes"),
    ("lookbook.photos.importer", "scan_grey", "codes"),
    ("lookbook.photos.importer", "read_codes", "codes"),
    ("lookbook.photos.pipeline", "detect_garment", "detect"),
    ("lookbook.photos.pipeline", "segment_in_box", "detect"),
    ("lookbook.photos.pipeline", "clean_detection", "detect"),
    ("lookbook.photos.segmenter", "saliency", "segmenter"),
    ("lookbook.photos.pipeline", "render", "render"),
    ("lookbook.photos.pipeline", "write_rendered", "render"),
]
STAGES = ["decode", "codes", "detect", "segmenter", "render", "rest"]


def make_sets(work: Path, small: int, phone: int) -> dict[str, list[Path]]:
    """Copy ``small`` source photos and write ``phone`` 12 MP upscales of others; return the files per row."""
    photos = sorted(SOURCE.glob("*/*.jpg"))
    if len(photos) < small + phone:
        sys.exit(f"need {small + phone} photos under {SOURCE} (the full set beside the clone)")
    step = len(photos) // (small + phone)
    chosen = photos[::step][: small + phone]
    sets: dict[str, list[Path]] = {"small": [], "phone": []}
    (work / "small").mkdir()
    (work / "phone").mkdir()
    for i, src in enumerate(chosen[:small]):
        dest = work / "small" / f"{i:04d}-{src.parent.name}-{src.name}"
        shutil.copyfile(src, dest)
        sets["small"].append(dest)
    for i, src in enumerate(chosen[small:]):
        img = cv2.imread(str(src))
        h, w = img.shape[:2]
        size = (4000, 3000) if w >= h else (3000, 4000)
        big = cv2.resize(img, size, interpolation=cv2.INTER_LANCZOS4)
        dest = work / "phone" / f"{i:04d}-{src.parent.name}-{src.stem}.jpg"
        cv2.imwrite(str(dest), big, [cv2.IMWRITE_JPEG_QUALITY, 92])
        sets["phone"].append(dest)
    return sets


def make_library(root: Path) -> None:
    """Create an empty library with one merchandiser (no demo data)."""
    from lookbook.store.database import create_store
    from lookbook.store.users import create_user

    store = create_store(root)
    create_user(store, USER, PASSWORD, "merchandiser", "Sam Bench")
    store.close()


def floor(files: list[Path]) -> float:
    """Return seconds for OpenCV to decode every file (one thread)."""
    start = time.perf_counter()
    for path in files:
        if cv2.imread(str(path)) is None:
            sys.exit(f"OpenCV cannot read {path}")
    return time.perf_counter() - start


def run_cli(template: Path, folder: Path, workers: int, work: Path) -> float:
    """Return the wall time of ``lookbook photos import FOLDER`` into a copy of the empty library."""
    lib = work / "lib-run"
    shutil.rmtree(lib, ignore_errors=True)
    shutil.copytree(template, lib)
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOOKBOOK_PASSWORD": PASSWORD}
    env.pop("LOOKBOOK_LIBRARY", None)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lookbook.cli", "--library", str(lib), "--as", USER,
                           "photos", "import", "--workers", str(workers), str(folder)],
                          env=env, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"the import failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


@contextlib.contextmanager
def stage_timers() -> Iterator[dict[str, float]]:
    """Wrap the :data:`TIMED` functions; yield seconds per stage (a stage's inner calls are not double-counted)."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    active: list[str] = []
    undo: list[tuple[Any, str, Any]] = []

    def timed(fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outer = stage if stage == "segmenter" or not active else None
            active.append(stage)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                active.pop()
                if outer is not None:
                    spent[outer] += time.perf_counter() - start
        return wrapper

    for module_name, attr, stage in TIMED:
        module = importlib.import_module(module_name)
        if hasattr(module, attr):
            original = getattr(module, attr)
            undo.append((module, attr, original))
            setattr(module, attr, timed(original, stage))
    try:
        yield spent
    finally:
        for module, attr, original in reversed(undo):
            setattr(module, attr, original)


def stages(files: list[Path], work: Path) -> dict[str, float]:
    """Return ms per photo in each stage of an in-process import of ``files`` (one worker)."""
    from lookbook.photos.importer import import_photos
    from lookbook.progress import run_to_end
    from lookbook.store.database import create_store

    store = create_store(work / "lib-stages")
    try:
        with stage_timers() as spent:
            start = time.perf_counter()
            report = run_to_end(import_photos(store, files, actor="bench", workers=1))
            total = time.perf_counter() - start
    finally:
        store.close()
        shutil.rmtree(work / "lib-stages", ignore_errors=True)
    if report.failed:
        sys.exit(f"stage run: {report.problems[0]}")
    out = {k: v * 1000 / len(files) for k, v in spent.items()}
    out["rest"] = total * 1000 / len(files) - sum(out.get(s, 0.0) for s in ("decode", "codes", "detect", "render"))
    out["total"] = total * 1000 / len(files)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", type=int, default=341, help="400 px photos (default 341)")
    parser.add_argument("--phone", type=int, default=24, help="12 MP photos (default 24)")
    parser.add_argument("--workers", type=int, default=1, help="the import's --workers (default 1: one core)")
    parser.add_argument("--sample", type=int, default=40, help="400 px photos in the stage table (default 40)")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory(prefix="lookbook-photo-import-") as tmp_s:
        work = Path(tmp_s)
        sets = make_sets(work, args.small, args.phone)
        template = work / "empty-lib"
        make_library(template)
        times: dict[str, dict[str, list[float]]] = {k: {"cli": [], "floor": []} for k in sets}
        for _ in range(args.rounds):
            for row, files in sets.items():
                times[row]["floor"].append(floor(files))
                times[row]["cli"].append(run_cli(template, work / row, args.workers, work))
        print(f"medians of {args.rounds} interleaved rounds; import with --workers {args.workers}; "
              "floor: cv2.imread of the same files, one thread\n")
        print("| what a person runs | import | floor | ratio | goal |\n|---|---|---|---|---|")
        goals = {"small": 35.0, "phone": 1.5}
        labels = {"small": f"`photos import` of {args.small} photos of 400 px",
                  "phone": f"`photos import` of {args.phone} photos of 12 MP (upscaled)"}
        for row, files in sets.items():
            cli, flo = statistics.median(times[row]["cli"]), statistics.median(times[row]["floor"])
            print(f"| {labels[row]} | {len(files) / cli:.1f} photos/s ({cli:.1f} s) | "
                  f"{len(files) / flo:.0f}/s ({flo:.2f} s) | {cli / flo:.1f}x | <= {goals[row]}x |")
        print("\nms per photo by stage (in-process import, one worker; segmenter is part of detect):\n")
        print("| row | " + " | ".join(STAGES) + " | total |\n|---|" + "---|" * (len(STAGES) + 1))
        samples = {"small": sets["small"][: args.sample], "phone": sets["phone"]}
        for row, files in samples.items():
            ms = stages(files, work)
            print(f"| {row} ({len(files)}) | " + " | ".join(f"{ms.get(s, 0.0):.1f}" for s in STAGES)
                  + f" | {ms['total']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
