"""The batch photo pipeline: decode, find the garment, render, write — on every core.

:func:`process` is a generator: it yields a :class:`Progress` after each photo so a
command line or the app can show a bar, and it stops early when its ``cancel`` event is
set (or the generator is closed). Work runs in a process pool; at most
``2 * workers`` photos are in flight at any time, so memory stays flat however long
the batch is. A photo that fails is reported by name with the reason and the batch goes on.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from lookbook.detect import detect_garment
from lookbook.errors import LookbookError
from lookbook.imaging import DEFAULT_MAX_PIXELS, dhash, load_photo
from lookbook.presets import DEFAULT_PRESET, Preset
from lookbook.render import render, write_rendered


@dataclass(frozen=True)
class PhotoResult:
    """What the pipeline made of one photo."""

    path: Path
    garment_box: tuple[int, int, int, int]
    confidence: float
    needs_review: bool
    phash: str
    original_size: tuple[int, int]
    outputs: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """One step of a batch: ``done`` of ``total`` photos finished; ``current`` is the last one.

    Exactly one of ``result`` and ``error`` is set (``error`` is a one-line reason naming the file).
    """

    done: int
    total: int
    current: Path
    result: PhotoResult | None = None
    error: str | None = None


def decode_side(preset: Preset) -> int:
    """Return the shorter side a decode needs for ``preset``'s hero (JPEGs decode reduced to it).

    The garment fills most of the frame's height in these photos; 10 % spare keeps the
    hero at its full size for all but very small garments.
    """
    return int(math.ceil(preset.hero_size * 1.1))


def process_one(path: Path, out_dir: Path | None, preset: Preset, max_pixels: int = DEFAULT_MAX_PIXELS,
                box: tuple[int, int, int, int] | None = None) -> PhotoResult:
    """Run the whole pipeline on one photo; write its renders under ``out_dir`` (if given).

    :raises LookbookError: (a :class:`~lookbook.imaging.PhotoError`) for a file that cannot be used.
    """
    decoded = load_photo(path, max_pixels=max_pixels, min_side=decode_side(preset))
    det = detect_garment(decoded.rgb, scale=decoded.scale)
    outputs: dict[str, Path] = {}
    if out_dir is not None:
        rendered = render(decoded, det, preset, box=box)
        outputs = write_rendered(rendered, Path(out_dir), Path(path).stem, preset.jpeg_quality)
    return PhotoResult(
        path=Path(path), garment_box=box or det.box, confidence=det.confidence, needs_review=det.needs_review,
        phash=f"{dhash(decoded.rgb):016x}", original_size=decoded.original_size, outputs=outputs,
    )


def _worker_init() -> None:
    # One OpenCV thread per process: the pool already uses every core, and OpenCV's own
    # threads would only fight over them.
    cv2.setNumThreads(1)


def pool_context() -> multiprocessing.context.BaseContext:
    """Return the safe multiprocessing context for worker pools (forkserver, else spawn)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _safe_one(path: Path, out_dir: Path | None, preset: Preset, max_pixels: int) -> PhotoResult | str:
    try:
        return process_one(path, out_dir, preset, max_pixels)
    except LookbookError as exc:
        return str(exc)
    except Exception as exc:  # a decoder bug on one odd file must not end a batch of thousands
        return f"{path}: unexpected {type(exc).__name__}: {exc}"


def process(
    paths: Iterable[Path | str],
    out_dir: Path | str | None,
    preset: Preset = DEFAULT_PRESET,
    *,
    workers: int | None = None,
    cancel: threading.Event | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Iterator[Progress]:
    """Process photos in parallel, yielding a :class:`Progress` as each one finishes.

    Results arrive in completion order, not input order.

    :param paths: the photo files.
    :param out_dir: where renders go (``None``: detect only, write nothing).
    :param preset: the style to render with.
    :param workers: processes to use; ``None`` = every core, ``1`` = in this process (no pool).
    :param cancel: set it to stop: no new photo is started, and photos in flight are dropped.
    :param max_pixels: decompression-bomb limit per photo.
    """
    items = [Path(p) for p in paths]
    total = len(items)
    out = Path(out_dir) if out_dir is not None else None
    n = workers or os.cpu_count() or 1
    done = 0

    def progress(path: Path, outcome: PhotoResult | str) -> Progress:
        if isinstance(outcome, str):
            return Progress(done, total, path, error=outcome)
        return Progress(done, total, path, result=outcome)

    if n == 1:
        for path in items:
            if cancel is not None and cancel.is_set():
                return
            outcome = _safe_one(path, out, preset, max_pixels)
            done += 1
            yield progress(path, outcome)
        return

    # "forkserver", not the Linux default "fork": forking a process that already runs
    # threads (Qt, OpenCV's pool) can deadlock the child on a lock held by a thread that
    # does not exist there.
    pool = ProcessPoolExecutor(max_workers=n, initializer=_worker_init, mp_context=pool_context())
    try:
        pending: dict[Future[PhotoResult | str], Path] = {}
        queue = iter(items)
        limit = 2 * n  # bounded in-flight work keeps memory flat for any batch size
        while True:
            while len(pending) < limit and not (cancel is not None and cancel.is_set()):
                path = next(queue, None)
                if path is None:
                    break
                pending[pool.submit(_safe_one, path, out, preset, max_pixels)] = path
            if not pending or (cancel is not None and cancel.is_set()):
                return
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in finished:
                path = pending.pop(fut)
                done += 1
                yield progress(path, fut.result())
    finally:
        # Also runs when the consumer closes the generator: drop queued work, don't wait for it.
        pool.shutdown(wait=False, cancel_futures=True)
