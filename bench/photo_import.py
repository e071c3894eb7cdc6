"""``lookbook photos import FOLDER`` as a person runs it, against OpenCV decoding the same files in the same run.

Run from the repository root::

    python -m bench.photo_import [--rounds 3] [--small 341] [--phone 24] [--workers 1] [--bursts 20]

Two rows (issue 18):

* ``small``: photos of about 400 px from ``../shared/photos/clothing-small/train/`` beside the clone;
* ``phone``: 12 MP frames (4000 x 3000). **They are made by upscaling** some of those same photos (Lanczos) and
  saving them as JPEG quality 92: no real 12 MP garment photos ship with the data, so their detail is smoother
  than a phone's (JPEG decode time depends mostly on the pixel count, the barcode finder's on the texture).

Each round, interleaved: the floor (``cv2.imread`` of every file, one thread) and the command itself
(``python -m lookbook.cli --library LIB --as sam photos import FOLDER`` in a subprocess, into a fresh library
with no demo data, one user). The table shows medians of the rounds and the ratio command / floor.

The stage table then runs the same import in this process (one worker) on a sample, with the pipeline's own
functions wrapped by timers, and prints each stage's median and mean ms of CPU per photo (this thread's; the whole
import's wall time too): ``decode`` (the file decoded once, and for a 12 MP frame its reduction to the pipeline's
size), ``codes`` (the cheap finder, then the readers' copy and the readers where it sees a code), ``detect`` (the
classical garment finder: colour pass, GrabCut where it is unsure, and the segmenter's box vote), ``grabcut`` and
``segmenter`` (the U²-Netp forward pass and its input/output resizing: both parts of ``detect``), ``cleanup``
(hangers and props off the cut-out), ``render`` (hero, details, thumbnail),
``write`` (their JPEGs), ``exif`` (the capture time), ``worker`` (all of the photo's work in the pool, the sum of the
above and what lies between them), then per photo of the batch, means only: ``hash`` (content hash), ``db`` (the
commits: rows, audit, copying the original, the part that is ``copy``), ``ties`` (bursts and tying after the batch)
and ``total`` (CPU and wall time of the whole import divided by the photos).

Two more rows of that table (h-tiedclean) measure what tying costs the render: ``--bursts`` pairs of shots (a photo
of the stage sample, re-encoded twice a second apart: a burst), the first named by its product's SKU, imported
``untied`` (no catalog) and ``tied`` (a catalog with one product per pair, in the photo's own category). A tied
photo of a hat, shoes, trousers, shorts or a skirt gets its category's cleanup (a hand looked for; a clip hanger
cut off above the waistband): the first of a pair in its one render (its file name names the product), the second,
tied by the burst after it was rendered, in a second render before the import reports done (``rerender``, a batch
stage); the line under the table says how many were rendered again.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO.parent / "shared" / "photos" / "clothing-small" / "train"
PASSWORD = "bench-pass"
USER = "sam"

#: (module or class, attribute, stage): what the stage table times. A name missing from the tree is skipped, so
#: the bench reads the code before and after a change alike (``tests/test_photo_import_bench.py`` checks that
#: this tree has them all).
TIMED = [
    ("lookbook.photos.pipeline", "load_photo", "decode"),
    ("lookbook.photos.importer", "load_photo", "decode"),
    ("lookbook.photos.importer", "might_hold_code", "codes"),
    ("lookbook.photos.importer", "scan_grey", "codes"),
    ("lookbook.photos.importer", "read_codes", "codes"),
    ("lookbook.photos.pipeline", "detect_garment", "detect"),
    ("lookbook.photos.pipeline", "segment_in_box", "detect"),
    ("lookbook.photos.detect", "_run_grabcut", "grabcut"),
    ("lookbook.photos.detect", "_segmenter_mask", "segmenter"),
    ("lookbook.photos.pipeline", "clean_detection", "cleanup"),
    ("lookbook.photos.pipeline", "render", "render"),
    ("lookbook.photos.pipeline", "write_rendered", "write"),
    ("lookbook.photos.importer", "capture_time", "exif"),
    ("lookbook.photos.importer", "_analyse", "worker"),
    ("lookbook.photos.importer", "content_hash", "hash"),
    ("lookbook.photos.importer._Importer", "commit", "db"),
    ("lookbook.store.library.Library", "store_original", "copy"),
    ("lookbook.photos.importer", "iter_tie_photos", "ties"),
    # The import's second render of a shot tied after its first (a generator is timed by what it calls).
    ("lookbook.photos.recipes", "render_photo", "rerender"),
]
#: Names only older trees have (the import read codes from the file before it decoded once), so the bench times
#: the code before a change too.
OLDER = [("lookbook.photos.importer", "read_codes_in_file", "codes")]
#: Stages timed inside another (their time is also their parent's): counted on their own as well.
NESTED = {"grabcut", "segmenter", "worker", "copy"}
#: Stages of one photo's work in the pool (a median per photo); the others are the batch's, per photo.
PER_PHOTO = ["decode", "codes", "detect", "grabcut", "segmenter", "cleanup", "render", "write", "exif", "worker"]
BATCH = ["hash", "db", "copy", "ties", "rerender"]
STAGES = PER_PHOTO + BATCH


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
        if img is None:
            raise SystemExit(f"OpenCV cannot read {src}")
        h, w = img.shape[:2]
        size = (4000, 3000) if w >= h else (3000, 4000)
        big = cv2.resize(img, size, interpolation=cv2.INTER_LANCZOS4)
        dest = work / "phone" / f"{i:04d}-{src.parent.name}-{src.stem}.jpg"
        cv2.imwrite(str(dest), big, [cv2.IMWRITE_JPEG_QUALITY, 92])
        sets["phone"].append(dest)
    return sets


def make_bursts(work: Path, pairs: int) -> tuple[list[Path], Path]:
    """Write ``pairs`` bursts (two re-encodings of a source photo, a second apart, the first named ``B000-...``)
    and a catalog CSV with product ``B000`` in the source's category (its folder); return the files and the CSV.

    The sources are spread evenly over the sorted source photos, so every category has its share.
    """
    photos = sorted(SOURCE.glob("*/*.jpg"))
    folder = work / "bursts"
    folder.mkdir()
    files: list[Path] = []
    lines = ["sku,brand,name,category,size,quantity"]
    for i, src in enumerate(photos[:: max(1, len(photos) // pairs)][:pairs]):
        img = cv2.imread(str(src))
        if img is None:
            sys.exit(f"OpenCV cannot read {src}")
        category = src.parent.name
        when = 1_700_000_000 + 1000 * i  # pairs far apart; no EXIF in a re-encoding: the file time is read
        for j, (name, quality) in enumerate(((f"B{i:03d}-{category}.jpg", 95), (f"IMG_{i:04d}.jpg", 90))):
            dest = folder / name
            cv2.imwrite(str(dest), img, [cv2.IMWRITE_JPEG_QUALITY, quality])
            os.utime(dest, (when + j, when + j))
            files.append(dest)
        lines.append(f"B{i:03d},Bench,Bench {category} {i},{category},M,1")
    catalog = work / "bursts.csv"
    catalog.write_text("\n".join(lines) + "\n")
    return files, catalog


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


@dataclass
class Spent:
    """Seconds per stage: the batch's totals, and each photo's (a photo starts when the pool's task does)."""

    total: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    photos: list[dict[str, float]] = field(default_factory=list)


def _resolve(dotted: str, attr: str) -> Any:
    """Return the module or class ``dotted`` names (``package.module.Class``), or ``None``."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name, None)
        return obj if obj is not None and hasattr(obj, attr) else None
    return None


@contextlib.contextmanager
def stage_timers() -> Iterator[Spent]:
    """Wrap the :data:`TIMED` functions; yield the seconds spent per stage.

    A stage's calls within another stage are not counted again (``codes`` inside ``decode``, say), except the
    :data:`NESTED` ones, which are also counted on their own.
    """
    spent = Spent()
    active: list[str] = []
    undo: list[tuple[Any, str, Any]] = []

    def timed(fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counted = stage in NESTED or not [a for a in active if a not in NESTED]
            if stage == "worker":
                spent.photos.append(defaultdict(float))
            active.append(stage)
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                active.pop()
                if counted:
                    took = time.thread_time() - start
                    spent.total[stage] += took
                    if stage in PER_PHOTO and spent.photos:
                        spent.photos[-1][stage] += took
        return wrapper

    for owner_name, attr, stage in TIMED + OLDER:
        owner = _resolve(owner_name, attr)
        if owner is not None:
            original = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
            undo.append((owner, attr, original))
            setattr(owner, attr, timed(original, stage))
    try:
        yield spent
    finally:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)


def stages(files: list[Path], work: Path, catalog: Path | None = None) -> dict[str, tuple[float, float]]:
    """Return (median, mean) ms of CPU per photo of each stage of an in-process import of ``files`` (one worker).

    CPU time of this thread (OpenCV runs on it alone: ``cv2.setNumThreads(1)``), which other work on a shared
    machine hardly moves; waiting (a commit's ``fsync``) is not in it. Batch stages (:data:`BATCH`) have no
    per-photo figure: their median is their mean. ``total`` is (CPU, wall) of the whole import, per photo;
    ``rendered again`` the photos the import rendered a second time (0 before h-tiedclean).

    :param catalog: a catalog CSV imported first (the photos' file names and bursts tie them to its products).
    """
    from lookbook.photos.importer import import_photos
    from lookbook.progress import run_to_end
    from lookbook.store.database import create_store

    store = create_store(work / "lib-stages")
    try:
        if catalog is not None:
            from lookbook.catalog.products import import_catalog

            import_catalog(store, catalog, actor="bench")
        with stage_timers() as spent:
            start, cpu = time.perf_counter(), time.thread_time()
            report = run_to_end(import_photos(store, files, actor="bench", workers=1))
            total, cpu = time.perf_counter() - start, time.thread_time() - cpu
    finally:
        store.close()
        shutil.rmtree(work / "lib-stages", ignore_errors=True)
    if report.failed:
        sys.exit(f"stage run: {report.problems[0]}")
    n = len(files)
    out: dict[str, tuple[float, float]] = {}
    for stage in STAGES:
        mean = spent.total.get(stage, 0.0) * 1000 / n
        median = (statistics.median(p.get(stage, 0.0) for p in spent.photos) * 1000
                  if stage in PER_PHOTO and spent.photos else mean)
        out[stage] = (median, mean)
    out["total"] = (cpu * 1000 / n, total * 1000 / n)
    again = getattr(report, "rerendered", 0)
    out["rendered again"] = (again, again)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the timed command (0: the stage table only)")
    parser.add_argument("--small", type=int, default=341, help="400 px photos (default 341)")
    parser.add_argument("--phone", type=int, default=24, help="12 MP photos (default 24)")
    parser.add_argument("--workers", type=int, default=1, help="the import's --workers (default 1: one core)")
    parser.add_argument("--sample", type=int, default=40, help="400 px photos in the stage table (default 40)")
    parser.add_argument("--bursts", type=int, default=20,
                        help="burst pairs imported untied and tied in the stage table (default 20; 0: none)")
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
        if args.rounds:
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
        print("\nms of CPU per photo by stage, median / mean (in-process import, one worker, one OpenCV thread; "
              "grabcut and segmenter are parts of detect, worker is the photo's whole work in the pool, copy is part "
              "of db; hash, db, copy and ties are the batch's, per photo; total: CPU / wall):\n")
        print("| row | " + " | ".join(STAGES) + " | total |\n|---|" + "---|" * (len(STAGES) + 1))
        samples: dict[str, tuple[list[Path], Path | None]] = {
            "small": (sets["small"][: args.sample], None), "phone": (sets["phone"], None)}
        if args.bursts:
            pairs, catalog = make_bursts(work, args.bursts)
            samples.update({"bursts untied": (pairs, None), "bursts tied": (pairs, catalog)})
        again = {}
        for row, (files, products) in samples.items():
            if not files:
                continue
            ms = stages(files, work, products)
            cells = [f"{ms[s][0]:.0f} / {ms[s][1]:.0f}" if s in PER_PHOTO else f"{ms[s][1]:.1f}" for s in STAGES]
            cpu, wall = ms["total"]
            print(f"| {row} ({len(files)}) | " + " | ".join(cells) + f" | {cpu:.0f} / {wall:.0f} |")
            again[row] = (int(ms["rendered again"][0]), len(files))
        if args.bursts:
            done, n = again["bursts tied"]
            print(f"\nbursts tied: {done} of {n} photos rendered again after tying (tied by the burst to a hat, "
                  "shoes, trousers, shorts or a skirt after their render)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
