"""Importing photos: from files and folders into the library, found, rendered, grouped and tied.

:func:`import_photos` is a generator that runs on the app's database thread (or the
command line's only thread). It walks the given files and folders, hashes each file
(the same content is one photo, however often it is imported), and sends the new ones
to a pool of worker processes that decode, find the garment, render the hero, detail crops
and thumbnail with the library's preset, and read any barcode slate in the frame.
The database writes stay here, a few photos per transaction, in the order the files
were given (so photo ids follow the folder's order whatever the pool's timing), and
each photo's original is copied into the library only once its renders exist: a crash,
a cancel or a full disk never loses a photo already imported, nor leaves a row without
its original.

After the batch, bursts are grouped (``photos.burst_id``) and the new shots tied to
products by slate, file name and burst (:mod:`lookbook.photos.ties`).

The cleanup differs for some categories (a hand looked for on a hat or shoes, a clip hanger cut off
above a waistband: :func:`~lookbook.photos.details.cleanup_class`). A photo whose file name names its
product gets that product's cleanup in its one render; a shot the tie stage ties to such a product
(a slate, a burst) is rendered again before the import reports done (stage ``rendering``), so no
import leaves a tied photo rendered without its category's cleanup.

Bad files do not stop a batch: each is reported by name with the reason in the
:class:`ImportReport`, and the rest go on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import cv2
from PIL import Image

from lookbook.errors import InputError, LookbookError
from lookbook.hooks import Changes
from lookbook.photos.barcodes import (
    REDUCED_SHARE,
    REDUCED_STEP,
    SCAN_LONG_SIDE,
    might_hold_code,
    read_codes,
    scan_grey,
)
from lookbook.photos.codes import Code
from lookbook.photos.details import cleanup_class
from lookbook.photos.imaging import (
    DEFAULT_MAX_PIXELS,
    PHOTO_FORMATS,
    SUPPORTED_SUFFIXES,
    Decoded,
    PhotoError,
    content_hash,
    load_photo,
    photo_exif,
)
from lookbook.photos.pipeline import PhotoResult, TaskPool, decode_side, process_one
from lookbook.photos.presets import Preset
from lookbook.photos.recipes import (
    RENDER_KINDS,
    key_cleanup,
    pending_renders,
    preset_named,
    render_batch,
    render_dir,
    render_key,
)
from lookbook.photos.review import ReviewReason, dumps, loads
from lookbook.photos.ties import TieReport, burst_groups, iter_tie_photos, product_by_file_name
from lookbook.progress import Progress, relabel
from lookbook.store.database import Store, inserted_id, utcnow
from lookbook.store.library import Library

#: Library setting: the most pixels a photo may have (a decompression-bomb guard).
MAX_PIXELS_SETTING = "photos.max_pixels"
#: Photos committed per transaction at most: small, so a crash loses nothing already shown as imported.
COMMIT_EVERY = 8

Status = Literal["imported", "duplicate", "failed"]

# EXIF tags: DateTimeOriginal, its sub-seconds and UTC offset live in the Exif IFD.
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_ORIGINAL = 0x9011
_SUBSEC_ORIGINAL = 0x9291


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file.

    :param status: ``imported``, ``duplicate`` (its content is already in the library) or ``failed``.
    :param photo_id: the new photo, or the existing one for a duplicate.
    :param reason: why it failed, or which photo it duplicates.
    """

    path: Path
    status: Status
    photo_id: int | None = None
    reason: str = ""
    garment_box: tuple[int, int, int, int] | None = None
    confidence: float | None = None
    needs_review: bool = False
    #: How far the hero moved the garment's colour (a*b*); over 10 is one reason for ``needs_review``.
    colour_shift: float | None = None
    #: Why it is flagged (``needs_review``), in words a person can check on the photo.
    review_reasons: tuple[ReviewReason, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready data (the command line's ``--json`` line)."""
        out: dict[str, Any] = {"path": str(self.path), "status": self.status}
        if self.photo_id is not None:
            out["photo_id"] = self.photo_id
        if self.status == "imported":
            out.update(garment_box=list(self.garment_box or ()), confidence=self.confidence,
                       needs_review=self.needs_review, colour_shift=self.colour_shift,
                       review_reasons=[r.as_dict() for r in self.review_reasons])
        elif self.status == "failed":
            out["error"] = self.reason
        else:
            out["note"] = self.reason
        return out


@dataclass(frozen=True)
class PhotoProgress(Progress):
    """One step of a photo import: ``done`` of ``total`` in the current stage.

    :param stage: ``finding`` (walking folders), ``importing`` (one step per file, with
        its ``outcome``), ``tying`` (grouping bursts, reading codes, tying to products) or
        ``rendering`` (shots the tying tied to a product whose category changes the cleanup,
        rendered again with it).
    :param current: the file just handled, if any.
    """

    stage: str = ""
    current: Path | None = None
    outcome: FileOutcome | None = None


@dataclass
class ImportReport:
    """What an import did: per file, and the grouping and tying that followed."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    bursts: int = 0
    ties: TieReport | None = None
    cancelled: bool = False
    changes: Changes = field(default_factory=Changes)
    #: Photos rendered again after tying, with the cleanup of their product's category.
    rerendered: int = 0
    #: One line per photo that could not be rendered again (its render stays stale for ``lookbook render``).
    rerender_problems: list[str] = field(default_factory=list)

    def _with(self, status: Status) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def imported(self) -> list[FileOutcome]:
        """Return the files imported as new photos."""
        return self._with("imported")

    @property
    def duplicates(self) -> list[FileOutcome]:
        """Return the files whose content was already in the library (or earlier in this batch)."""
        return self._with("duplicate")

    @property
    def failed(self) -> list[FileOutcome]:
        """Return the files that could not be imported."""
        return self._with("failed")

    @property
    def problems(self) -> list[str]:
        """Return one line per file that could not be imported: its path and the reason."""
        return [f"{o.path}: {o.reason}" for o in self.failed]

    @property
    def photo_ids(self) -> list[int]:
        """Return the ids of the new photos, in import order."""
        return [o.photo_id for o in self.imported if o.photo_id is not None]

    def summary(self) -> str:
        """Return one line for the status bar and the command line."""
        new = self.imported
        review = sum(o.needs_review for o in new)
        parts = [f"Imported {len(new)} photo{'' if len(new) == 1 else 's'}"
                 + (f" ({review} to check)" if review else "")]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} already in the library")
        if self.failed:
            parts.append(f"{len(self.failed)} could not be imported")
        if self.bursts:
            parts.append(f"{self.bursts} burst{'' if self.bursts == 1 else 's'} grouped")
        if self.ties is not None:
            made = sum(self.ties.counts().values())
            parts.append(f"{made} tied to products, {self.ties.unassigned} still unassigned")
        elif new:
            parts.append("not tied to products yet (run `lookbook photos tie`)")
        if self.rerendered:
            parts.append(f"{self.rerendered} rendered again for their product's category")
        if self.rerender_problems:
            parts.append(f"{len(self.rerender_problems)} could not be rendered again (run `lookbook render --all`)")
        text = "; ".join(parts) + "."
        return ("Cancelled. " + text) if self.cancelled else text

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {"imported": len(self.imported), "duplicates": len(self.duplicates), "failed": len(self.failed),
                "needs_review": sum(o.needs_review for o in self.imported), "bursts": self.bursts,
                "cancelled": self.cancelled, "ties": self.ties.as_dict() if self.ties else None,
                "problems": self.problems, "rerendered": self.rerendered,
                "rerender_problems": self.rerender_problems}


@dataclass(frozen=True)
class _Analysed:
    """What a worker made of one file (sent back from the pool: no pixels)."""

    result: PhotoResult
    taken_at: str
    codes: list[dict[str, str]] | None


# -- finding the files ----------------------------------------------------------------------


def find_photos(paths: Iterable[Path | str]) -> tuple[list[Path], list[FileOutcome]]:
    """Return the photo files among ``paths`` (folders walked recursively, sorted) and the paths that failed.

    A file named directly is always tried (a photo with an odd suffix still imports; a
    non-image is reported by the decoder). In folders only supported suffixes are taken,
    and hidden files are skipped (``.DS_Store``, macOS ``._IMG_0001.JPG`` resource forks).
    """
    files: list[Path] = []
    failed: list[FileOutcome] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            def unreadable(exc: OSError, top: Path = path) -> None:
                failed.append(_unreadable(exc, top))

            for folder, subdirs, names in os.walk(path, onerror=unreadable):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
                files.extend(Path(folder) / n for n in sorted(names)
                             if not n.startswith(".") and Path(n).suffix.lower() in SUPPORTED_SUFFIXES)
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            failed.append(FileOutcome(path, "failed", reason="no such file or folder"))
    return files, failed


def _unreadable(exc: OSError, top: Path) -> FileOutcome:
    return FileOutcome(Path(exc.filename or top), "failed", reason=f"folder cannot be read ({exc.strerror or exc})")


# -- the worker's part ----------------------------------------------------------------------


def capture_time(path: Path) -> str:
    """Return when the photo was taken, in UTC: EXIF DateTimeOriginal, else the file's modification time.

    Every time is stored as UTC so that photos from a camera, a phone and a scan order
    correctly against each other (burst grouping compares them to the second). A camera's
    time with its UTC offset is exact; one without (most cameras) is the camera's clock in
    the back room's own time zone, taken as this computer's local time. Sub-seconds are kept
    so a burst shot within one second still sorts in order.
    """
    try:
        with Image.open(path, formats=PHOTO_FORMATS) as im:
            exif = photo_exif(im).get_ifd(_EXIF_IFD)  # a PNG's without decoding it
        text = str(exif.get(_DATETIME_ORIGINAL, "")).strip("\x00 ")
        moment = dt.datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
        subsec = str(exif.get(_SUBSEC_ORIGINAL, "")).strip("\x00 ")
        if subsec.isdigit():
            moment = moment.replace(microsecond=int((subsec + "000000")[:6]))
        offset = str(exif.get(_OFFSET_ORIGINAL, "")).strip("\x00 ")
        if offset:
            moment = dt.datetime.fromisoformat(moment.isoformat() + offset)
        # astimezone() reads a time without a zone as this computer's local time.
        return moment.astimezone(dt.UTC).isoformat()
    except (OSError, ValueError, TypeError, KeyError, SyntaxError, OverflowError):
        # No EXIF (PNG, a scan, an edited copy) or a malformed date: the file's own time is the best left.
        mtime = os.stat(path).st_mtime
        return dt.datetime.fromtimestamp(mtime, dt.UTC).isoformat(timespec="seconds")


def decode_once(path: Path, preset: Preset, max_pixels: int) -> tuple[Decoded, list[Code]]:
    """Decode ``path`` once; return what the pipeline works on and the codes read in the photo.

    Codes are read at up to :data:`~lookbook.photos.barcodes.SCAN_LONG_SIDE` px (a phone's small hang tag needs it) and
    the pipeline needs less (:func:`~lookbook.photos.pipeline.decode_side`): the file is decoded at the larger of the
    two and the pipeline gets a copy reduced to the size its own decode would have had (the same whole-number
    reduction, averaged over each block as libjpeg's scaled decode does). A 400 px photo is simply decoded whole.

    Most photos hold no code, and the readers' grey copy cost more than the decode (a Lanczos reduction of 12 MP to
    3000 px, 85 ms, then the finder at that size): the cheap finder first looks at the pipeline's reduced copy, at
    its own bar (:data:`~lookbook.photos.barcodes.REDUCED_SHARE` of edges over
    :data:`~lookbook.photos.barcodes.REDUCED_STEP`), and only a photo passing it is read from the full decode
    exactly as before (the readers' own finder at its own bar included), so the codes are the same.
    """
    side = decode_side(preset)
    decoded = load_photo(path, max_pixels=max_pixels, min_long=max(side, SCAN_LONG_SIDE))
    width, height = decoded.original_size
    have = max(1, round(1 / decoded.scale))
    want = max(have, _reduction((width, height), side))
    if want == have:
        return decoded, read_codes(scan_grey(decoded.rgb))
    size = (-(-width // want), -(-height // want))  # libjpeg rounds reduced sizes up
    rgb = cv2.resize(decoded.rgb, size, interpolation=cv2.INTER_AREA)
    alpha = None if decoded.alpha is None else cv2.resize(decoded.alpha, size, interpolation=cv2.INTER_AREA)
    reduced = Decoded(rgb=rgb, alpha=alpha, scale=size[0] / width, original_size=decoded.original_size)
    if not might_hold_code(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), REDUCED_SHARE, REDUCED_STEP):
        return reduced, []
    return reduced, read_codes(scan_grey(decoded.rgb))


def _reduction(size: tuple[int, int], min_long: int) -> int:
    # The largest of 1, 2, 4, 8 keeping the long side >= min_long, as the pipeline's own decode picks it.
    for factor in (8, 4, 2):
        if -(-max(size) // factor) >= min_long:
            return factor
    return 1


def _analyse(path: Path, sha256: str, out_dir: Path, preset: Preset, max_pixels: int,
             category: str | None = None) -> _Analysed | str:
    """Decode once, read codes, find the garment and render one file (in a worker); a string is the failure.

    :param category: the category of the product the file name names, for the cleanup (``None``: not known yet).
    """
    try:
        # Codes first: the full decode they may need is let go before the pipeline's work.
        decoded, found = decode_once(path, preset, max_pixels)
        codes = [{"text": c.text, "kind": c.kind} for c in found]
        result = process_one(path, out_dir, preset, max_pixels, stem=sha256, decoded=decoded,
                             cleanup_category=category)
        taken_at = capture_time(path)
    except LookbookError as exc:
        return str(exc)
    except OSError as exc:  # a render could not be written (disk full, permissions)
        return f"{path}: could not write its renders ({exc.strerror or exc})"
    except Exception as exc:  # noqa: BLE001 -- a decoder bug on one odd file must not end a batch of thousands
        return f"{path}: unexpected {type(exc).__name__}: {exc}"
    return _Analysed(result, taken_at, codes)


# -- the generator --------------------------------------------------------------------------


def max_pixels_setting(store: Store) -> int:
    """Return the library's decompression-bomb limit (pixels per photo).

    :raises InputError: if the setting is not a positive whole number.
    """
    value = store.get_setting(MAX_PIXELS_SETTING, DEFAULT_MAX_PIXELS)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InputError(f"setting {MAX_PIXELS_SETTING}: {value!r} is not a positive whole number of pixels. "
                         f"Fix it in Settings, or clear it to use the default ({DEFAULT_MAX_PIXELS:,}).")
    return value


def _categories_by_name(store: Store) -> Callable[[str], str | None]:
    """Return a lookup of the category of the product a file name ties a photo to, where it changes the cleanup."""
    categories = {pid: cat for pid, cat in store.db.execute("SELECT id, category FROM products")
                  if cleanup_class(cat) is not None}
    if not categories:
        return lambda _name: None  # no product's cleanup differs: nothing more to read
    try:
        product_of = product_by_file_name(store)
    except InputError:
        return lambda _name: None  # a bad pattern setting: the tie stage says so, as before

    def lookup(name: str) -> str | None:
        product_id = product_of(name)
        return None if product_id is None else categories.get(product_id)

    return lookup


def _remove_renders(library: Library, sha256: str) -> None:
    folder = render_dir(library, sha256)
    for kind in RENDER_KINDS:
        (folder / f"{sha256}-{kind}.jpg").unlink(missing_ok=True)


class _Importer:
    """The state of one import; :meth:`run` is the generator :func:`import_photos` returns."""

    def __init__(self, store: Store, actor: str, cancel: threading.Event | None, workers: int | None,
                 preset: Preset, recipe: dict[str, str], max_pixels: int) -> None:
        self.store = store
        self.actor = actor
        self.cancel = cancel
        self.workers = workers
        self.preset = preset
        self.recipe = json.dumps(recipe, sort_keys=True)
        self.key = render_key(None, preset)
        self.category_of = _categories_by_name(store)
        self.max_pixels = max_pixels
        self.report = ImportReport()
        self.total = 0
        self.done = 0
        # Submitted files by sequence number (path, hash, the category a file name gives the cleanup), and the
        # results waiting for their turn to be committed.
        self.jobs: dict[int, tuple[Path, str, str | None]] = {}
        self.arrived: dict[int, _Analysed | str] = {}
        self.next_commit = 0

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def step(self, outcome: FileOutcome) -> PhotoProgress:
        self.report.outcomes.append(outcome)
        self.done += 1
        verb = {"imported": "Imported", "duplicate": "Already in the library:", "failed": "Could not import"}
        return PhotoProgress(self.done, self.total, f"{verb[outcome.status]} {outcome.path.name}",
                             stage="importing", current=outcome.path, outcome=outcome)

    def existing(self, sha256: str) -> tuple[int, str] | None:
        row = self.store.db.execute("SELECT id, original_name FROM photos WHERE sha256 = ?", [sha256]).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def run(self, paths: Iterable[Path | str]) -> Generator[PhotoProgress, None, ImportReport]:
        pool: TaskPool[int] = TaskPool(self.workers)
        try:
            yield PhotoProgress(0, 0, "Looking for photos…", stage="finding")
            files, missing = find_photos(paths)
            self.total = len(files) + len(missing)
            for outcome in missing:
                yield self.step(outcome)
            yield from self.import_files(pool, files)
            pool.close()
            self.report.cancelled = self.cancelled()
            self.group_bursts()
            if not self.report.cancelled:
                yield from self.tie()
            if not self.cancelled():
                yield from self.rerender()
        except GeneratorExit:
            # The app closes the generator on Cancel: finish the photos in hand, without yielding.
            self.drain(pool)
            self.report.cancelled = True
            self.group_bursts()
            raise
        finally:
            pool.close()
            self.notify()
        return self.report

    def import_files(self, pool: TaskPool[int], files: list[Path]) -> Generator[PhotoProgress, None, None]:
        """Hash, send to the pool and commit each file, yielding a step per file."""
        seen: dict[str, Path] = {}
        queue = iter(files)
        exhausted = False
        while True:
            # Keep the pool fed; results not yet committed count as in flight, so memory stays flat.
            while not exhausted and not self.cancelled() and pool.in_flight + len(self.arrived) < pool.limit:
                path = next(queue, None)
                if path is None:
                    exhausted = True
                    break
                outcome = self.submit(pool, path, seen)
                if outcome is not None:
                    yield self.step(outcome)
            if not pool.in_flight and not self.arrived:
                return
            self.collect(pool, timeout=0.2)
            for outcome in self.commit_ready():
                yield self.step(outcome)

    def collect(self, pool: TaskPool[int], timeout: float) -> None:
        for seq, result, exc in pool.finished(timeout):
            self.arrived[seq] = result if exc is None else (
                f"{self.jobs[seq][0]}: the worker processing it stopped ({type(exc).__name__}); "
                "try importing it again on its own")

    def submit(self, pool: TaskPool[int], path: Path, seen: dict[str, Path]) -> FileOutcome | None:
        """Hash ``path`` and send it to the pool; return an outcome instead if it is done with already."""
        try:
            sha256 = content_hash(path)
        except PhotoError as exc:
            return FileOutcome(path, "failed", reason=exc.reason)
        if sha256 in seen:
            return FileOutcome(path, "duplicate", reason=f"same content as {seen[sha256]}, earlier in this import")
        existing = self.existing(sha256)
        if existing is not None:
            return FileOutcome(path, "duplicate", existing[0],
                               reason=f"already in the library as photo {existing[0]} ({existing[1]})")
        seen[sha256] = path
        seq = len(self.jobs)
        category = self.category_of(path.name)
        self.jobs[seq] = (path, sha256, category)
        pool.submit(seq, _analyse, path, sha256, render_dir(self.store.library, sha256), self.preset,
                    self.max_pixels, category)
        return None

    def drain(self, pool: TaskPool[int]) -> None:
        """Wait for the photos in flight and commit them (for a cancel)."""
        while pool.in_flight:
            self.collect(pool, timeout=1.0)
        for outcome in self.commit_ready():
            self.report.outcomes.append(outcome)

    def commit_ready(self) -> list[FileOutcome]:
        """Commit the results that are next in file order, a few per transaction; return their outcomes."""
        outcomes: list[FileOutcome] = []
        while self.next_commit in self.arrived:
            batch: list[tuple[int, _Analysed | str]] = []
            while self.next_commit in self.arrived and len(batch) < COMMIT_EVERY:
                batch.append((self.next_commit, self.arrived.pop(self.next_commit)))
                self.next_commit += 1
            outcomes.extend(self.commit(batch))
        return outcomes

    def commit(self, batch: list[tuple[int, _Analysed | str]]) -> list[FileOutcome]:
        library = self.store.library
        outcomes = []
        with self.store.atomic():
            for seq, analysed in batch:
                path, sha256, category = self.jobs[seq]
                if isinstance(analysed, str):
                    _remove_renders(library, sha256)
                    outcomes.append(FileOutcome(path, "failed", reason=analysed.removeprefix(f"{path}: ")))
                    continue
                try:
                    _digest, stored = library.store_original(path, sha256)
                except LookbookError as exc:
                    # Disk full, or the file vanished since it was hashed: no row without its original.
                    _remove_renders(library, sha256)
                    outcomes.append(FileOutcome(path, "failed", reason=str(exc).removeprefix(f"{path}: ")))
                    continue
                outcomes.append(self.insert(path, sha256, stored, analysed, category))
        return outcomes

    def insert(self, path: Path, sha256: str, stored: Path, analysed: _Analysed, category: str | None) -> FileOutcome:
        res = analysed.result
        box = list(res.garment_box)
        reasons = res.review_reasons if res.needs_review else ()
        cur = self.store.db.execute(
            "INSERT INTO photos (sha256, original_name, source_path, stored_path, width, height, taken_at,"
            " imported_at, phash, garment_box, confidence, needs_review, recipe, rendered_recipe, codes, colour_shift,"
            " review_reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sha256, path.name, str(path.absolute()), str(stored.relative_to(self.store.library.root)),
             res.original_size[0], res.original_size[1], analysed.taken_at, utcnow(), res.phash,
             json.dumps(box), res.confidence, int(res.needs_review), self.recipe,
             self.key if category is None else render_key(None, self.preset, None, category),
             None if analysed.codes is None else json.dumps(analysed.codes), res.colour_shift if res.outputs else None,
             dumps(reasons)])
        photo_id = inserted_id(cur)
        self.store.audit(self.actor, "photo.import", "photo", photo_id, name=path.name, source=str(path),
                         sha256=sha256, garment_box=box, confidence=res.confidence,
                         needs_review=res.needs_review, review_reasons=[r.text for r in reasons])
        return FileOutcome(path, "imported", photo_id, garment_box=res.garment_box, confidence=res.confidence,
                           needs_review=res.needs_review, colour_shift=res.colour_shift if res.outputs else None,
                           review_reasons=reasons)

    def group_bursts(self) -> None:
        """Set ``photos.burst_id`` (the first shot's id) for every burst in the library."""
        groups = burst_groups(self.store)
        wanted = {pid: group[0] for group in groups for pid in group}
        current = dict(self.store.db.execute("SELECT id, burst_id FROM photos WHERE burst_id IS NOT NULL"))
        changed = [(wanted.get(pid), pid) for pid in set(wanted) | set(current) if wanted.get(pid) != current.get(pid)]
        if changed:
            with self.store.atomic():
                self.store.db.conn.executemany("UPDATE photos SET burst_id = ? WHERE id = ?", changed)
                self.store.audit(self.actor, "photo.bursts", "photos", None, changed=len(changed),
                                 bursts=len(groups))
        new = set(self.report.photo_ids)
        if not new:
            return
        self.report.bursts = sum(1 for g in groups if new.intersection(g))

    def tie(self) -> Generator[PhotoProgress, None, None]:
        """Tie the new shots to products (slate, file name, burst), yielding progress."""
        if not self.report.imported:
            return
        ties = iter_tie_photos(self.store, actor=self.actor, cancel=self.cancel)
        self.report.ties = yield from relabel(ties, lambda t: PhotoProgress(t.done, t.total, t.message, stage="tying"))

    def rerender(self) -> Generator[PhotoProgress, None, None]:
        """Render again the new and newly tied shots whose product's category changes the cleanup, yielding progress.

        Only those: a shot tied to a shirt, or tied by its file name before it was rendered, keeps its render.
        """
        ids = set(self.report.photo_ids) | {t.photo_id for t in (self.report.ties.ties if self.report.ties else [])}
        if not ids:
            return
        rows = self.store.db.execute(
            "SELECT ph.id, ph.rendered_recipe, p.category FROM photos ph LEFT JOIN products p ON p.id = ph.product_id"
            " WHERE ph.id IN (SELECT value FROM json_each(?))", [json.dumps(sorted(ids))]).fetchall()
        changed = [pid for pid, rendered, category in rows
                   if rendered is not None and key_cleanup(rendered) != cleanup_class(category)]
        pending = pending_renders(self.store, changed) if changed else []
        if not pending:
            return
        done: set[int] = set()
        for step in render_batch(self.store, pending, actor=self.actor, workers=self.workers, cancel=self.cancel):
            if step.error is not None:
                self.report.rerender_problems.append(step.error)
                message = step.error
            else:
                done.add(step.photo_id)
                message = f"Rendered {step.name} again for its product's category"
            yield PhotoProgress(step.done, step.total, message, stage="rendering", current=Path(step.name))
        self.report.rerendered = len(done)
        # The new render may have flagged the shot (a hand on a hat, clips on a waistband): the report says so.
        flagged = {pid: loads(text, True) for pid, text in self.store.db.execute(
            "SELECT id, review_reasons FROM photos WHERE needs_review = 1 AND id IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(done))])}
        self.report.outcomes = [replace(o, needs_review=True, review_reasons=flagged[o.photo_id])
                                if o.photo_id in flagged else o for o in self.report.outcomes]

    def notify(self) -> None:
        """Tell the app what changed (also after a cancel: what was imported stays)."""
        ids = self.report.photo_ids
        if ids:
            ties = self.report.ties.changes if self.report.ties else Changes()
            self.report.changes = self.store.notify(Changes(photos=True, audit=True) | ties)
            self.store.hooks.photos_did_import(ids)


def import_photos(
    store: Store,
    paths: Iterable[Path | str],
    *,
    actor: str,
    cancel: threading.Event | None = None,
    workers: int | None = None,
    preset: str | None = None,
    max_pixels: int | None = None,
) -> Generator[PhotoProgress, None, ImportReport]:
    """Import photo files and folders into the library; yield progress, return the report.

    :param paths: files and folders (walked recursively) to import.
    :param actor: who imports, for the audit log.
    :param cancel: set it to stop: no new file is started, the photos in hand are finished and
        kept, bursts are grouped, tying is left for later. Closing the generator does the same.
    :param workers: processes for decoding and rendering; ``None`` = every core, ``1`` = this process.
    :param preset: the style preset to render with (recorded in each photo's recipe);
        ``None`` = the library's default.
    :param max_pixels: refuse photos with more pixels than this; ``None`` = the library's setting.
    :raises InputError: before any work, if the preset is unknown or a setting is invalid.
    """
    style = preset_named(store, preset)
    limit = max_pixels if max_pixels is not None else max_pixels_setting(store)
    if limit <= 0:
        raise InputError(f"max_pixels must be a positive number of pixels, not {limit}.")
    recipe = {} if preset is None else {"preset": style.name}
    return _Importer(store, actor, cancel, workers, style, recipe, limit).run(paths)
