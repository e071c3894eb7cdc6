"""The batch photo pipeline: decode, find the garment, render, write — on every core.

:func:`process` is a generator: it yields a :class:`Processed` step after each photo so a
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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

import cv2

from lookbook.errors import LookbookError
from lookbook.photos.cleanup import clean_detection
from lookbook.photos.colour import REVIEW_SHIFT
from lookbook.photos.detect import detect_garment, segment_in_box
from lookbook.photos.imaging import DEFAULT_MAX_PIXELS, Decoded, dhash, load_photo
from lookbook.photos.presets import DEFAULT_PRESET, Preset
from lookbook.photos.render import render, write_rendered
from lookbook.photos.review import ReviewReason, build_reasons
from lookbook.progress import Progress


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
    #: How far the hero moved the garment's colour (a*b* distance; 0 when nothing was rendered).
    colour_shift: float = 0.0
    #: Where white balance came from: ``picked``, ``slate``, ``background`` or ``none`` (kept as shot).
    colour_source: str = "none"
    #: The cleanup found that a hanger, hand or prop may still show (one reason for ``needs_review``).
    cleanup_review: bool = False
    #: Why the result needs review, in words a person can check (empty when it does not).
    review_reasons: tuple[ReviewReason, ...] = ()

    @property
    def colour_needs_review(self) -> bool:
        """Return whether the hero's colour moved so far from the photo's that a person should compare them."""
        return self.colour_shift > REVIEW_SHIFT


@dataclass(frozen=True, kw_only=True)
class Processed(Progress):
    """One step of a batch: ``done`` of ``total`` photos finished; ``current`` is the last one.

    Exactly one of ``result`` and ``error`` is set (``error`` is a one-line reason naming the file, and the
    step's ``message`` too).
    """

    current: Path
    result: PhotoResult | None = None
    error: str | None = None


def decode_side(preset: Preset) -> int:
    """Return the longer side a decode needs for ``preset``'s hero (JPEGs decode reduced to it).

    The hero's long side is at most ``hero_size``; its frame is the garment plus margins,
    which in these photos spans most of the photo's long side. A fifth to spare keeps the hero
    at full size for all but small garments: a 12 MP photo decodes at half size (2000 px),
    four times fewer pixels than a full decode.
    """
    return int(math.ceil(preset.hero_size * 1.2))


def process_one(path: Path, out_dir: Path | None, preset: Preset, max_pixels: int = DEFAULT_MAX_PIXELS,
                box: tuple[int, int, int, int] | None = None, stem: str | None = None,
                neutral: tuple[float, float] | None = None, category: str | None = None,
                decoded: Decoded | None = None, cleanup_category: str | None = None) -> PhotoResult:
    """Run the whole pipeline on one photo; write its renders under ``out_dir`` (if given).

    The result needs review when the detector is unsure of its box, or when the hero moved the
    garment's colour by more than :data:`~lookbook.photos.colour.REVIEW_SHIFT` (measured as it was rendered).

    :param stem: the renders' file name stem (default: the photo's own), e.g. its content hash.
    :param neutral: a point in original pixels a person marked as white or grey (the recipe's ``neutral``).
    :param category: the product's category (decides the detail crops); ``None`` (the app's renders,
        made before a photo is tied to a product): every kind, and the category picks what shows. It is
        also the cleanup's category unless ``cleanup_category`` is given.
    :param cleanup_category: the product's category for the cleanup only (a hand looked for on a hat or
        shoes, a clip hanger cut off above a waistband), the detail crops staying every kind: the app's
        renders, whose shown details pick by category, keep them when the photo is tied to another product.
    :param decoded: the photo already decoded by :func:`decode_for` (the import reads its codes from the same
        pixels, so the file is decoded once); ``None``: decoded here.
    :raises LookbookError: (a :class:`~lookbook.photos.imaging.PhotoError`) for a file that cannot be used.
    """
    if decoded is None:
        decoded = load_photo(path, max_pixels=max_pixels, min_long=decode_side(preset))
    # A box set by hand usually corrects a wrong detection, whose mask would be wrong too: the
    # garment is cut out inside that box instead, and the automatic search is not run at all.
    # The cleanup's category also picks the box on shoes (the segmenter's, where the colour box took in the floor).
    as_category = category if cleanup_category is None else cleanup_category
    det = (detect_garment(decoded.rgb, scale=decoded.scale, category=as_category) if box is None
           else segment_in_box(decoded.rgb, box, scale=decoded.scale))
    # Hangers, hooks and clips are not background, so the detector keeps them: take them out of
    # the cut-out (and the automatic box) before anything is framed or cropped.
    cleaned = clean_detection(decoded.rgb, det, trim_box=box is None, scale=decoded.scale, category=as_category)
    det = cleaned.detection
    outputs: dict[str, Path] = {}
    shift, source = 0.0, "none"
    if out_dir is not None:
        rendered = render(decoded, det, preset, box=box, neutral=neutral, category=category)
        outputs = write_rendered(rendered, Path(out_dir), stem or Path(path).stem, preset.jpeg_quality)
        shift, source = rendered.colour_shift, rendered.colour_source
    garment_box = box or det.box
    reasons = build_reasons(box_unsure=det.needs_review, confidence=det.confidence, box=garment_box,
                            size=decoded.original_size, cleanup_review=cleaned.needs_review,
                            cleanup_reasons=cleaned.reasons, colour_review=shift > REVIEW_SHIFT,
                            colour_shift=shift)
    return PhotoResult(
        path=Path(path), garment_box=garment_box, confidence=det.confidence,
        needs_review=det.needs_review or cleaned.needs_review or shift > REVIEW_SHIFT,
        phash=f"{dhash(decoded.rgb):016x}", original_size=decoded.original_size, outputs=outputs,
        colour_shift=round(shift, 2), colour_source=source, cleanup_review=cleaned.needs_review,
        review_reasons=reasons,
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


K = TypeVar("K")


class TaskPool(Generic[K]):
    """Run picklable tasks on every core, at most ``limit`` in flight, and hand back results as they finish.

    Bounded in-flight work keeps memory flat for a batch of any size: the caller submits
    only while :meth:`has_room`. With ``workers=1`` a task runs in this process when it
    is submitted (no pool to start, and tests' monkeypatches apply). A worker that dies
    (killed for memory, a crash in a decoder) fails only the tasks it held: the broken
    pool is replaced on the next submit.

    :param workers: processes to use; ``None`` = every core.
    :param limit: most tasks in flight; default ``2 * workers`` (1 in this process).
    """

    def __init__(self, workers: int | None = None, limit: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.limit = limit or (1 if self.workers == 1 else 2 * self.workers)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[Future[Any], K] = {}
        self._ready: list[tuple[K, Any, BaseException | None]] = []

    def __enter__(self) -> TaskPool[K]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def in_flight(self) -> int:
        """Return how many submitted tasks have not been handed back by :meth:`finished` yet."""
        return len(self._pending) + len(self._ready)

    def has_room(self) -> bool:
        """Return whether another task may be submitted."""
        return self.in_flight < self.limit

    def submit(self, key: K, fn: Callable[..., Any], *args: Any) -> None:
        """Start ``fn(*args)``; its result comes back from :meth:`finished` with ``key``."""
        if self.workers == 1:
            try:
                self._ready.append((key, fn(*args), None))
            except Exception as exc:  # noqa: BLE001 -- handed back like a worker's failure: one path for callers
                self._ready.append((key, None, exc))
            return
        if self._pool is None:
            # "forkserver", not the Linux default "fork": forking a process that already runs
            # threads (Qt, OpenCV's pool) can deadlock the child on a lock held by a thread that
            # does not exist there.
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_init,
                                             mp_context=pool_context())
        try:
            self._pending[self._pool.submit(fn, *args)] = key
        except BrokenProcessPool as exc:
            self._discard_pool()
            self._ready.append((key, None, exc))

    def finished(self, timeout: float = 0.2) -> list[tuple[K, Any, BaseException | None]]:
        """Return ``(key, result, exception)`` of tasks that finished, waiting up to ``timeout`` for one.

        ``exception`` is set (and ``result`` is ``None``) for a task that raised or whose worker died.
        """
        out, self._ready = self._ready, []
        if out or not self._pending:
            return out
        done, _ = wait(self._pending, timeout=timeout, return_when=FIRST_COMPLETED)
        broken = False
        for fut in done:
            key = self._pending.pop(fut)
            exc = fut.exception()
            broken = broken or isinstance(exc, BrokenProcessPool)
            out.append((key, None if exc is not None else fut.result(), exc))
        if broken:
            self._discard_pool()
        return out

    def close(self) -> None:
        """Drop queued tasks and let the workers go, without waiting for tasks already running."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _discard_pool(self) -> None:
        # Every task of a broken pool fails with it; they are handed back by finished().
        self.close()


def process(
    paths: Iterable[Path | str],
    out_dir: Path | str | None,
    preset: Preset = DEFAULT_PRESET,
    *,
    workers: int | None = None,
    cancel: threading.Event | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Iterator[Processed]:
    """Process photos in parallel, yielding a :class:`Processed` step as each one finishes.

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
    done = 0

    def cancelled() -> bool:
        return cancel is not None and cancel.is_set()

    # The pool is closed also when the consumer closes the generator: queued work is dropped, not waited for.
    with TaskPool[Path](workers) as pool:
        queue = iter(items)
        while True:
            while pool.has_room() and not cancelled():
                path = next(queue, None)
                if path is None:
                    break
                pool.submit(path, _safe_one, path, out, preset, max_pixels)
            if not pool.in_flight or cancelled():
                return
            for path, outcome, exc in pool.finished():
                done += 1
                if exc is not None:
                    outcome = f"{path}: the worker processing it stopped ({type(exc).__name__}: {exc})"
                yield (Processed(done, total, outcome, current=path, error=outcome) if isinstance(outcome, str)
                       else Processed(done, total, f"Processed {path.name}", current=path, result=outcome))
