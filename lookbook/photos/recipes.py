"""A photo's recipe: the garment box set by hand and the style preset, and the renders made from them.

Non-destructive editing: the original is never touched; the recipe (``photos.recipe``,
JSON ``{"box": [x0, y0, x1, y1], "preset": "Name", "neutral": [x, y]}``, each optional;
``neutral`` is a point a person marked as white or grey, which white balance is taken from)
says how to render it, and ``photos.rendered_recipe`` records the recipe the files in
``renders/`` were made from, so a render is redone only when its recipe changed.

Reads and writes here use the store (the DB thread); :func:`render_photo` touches only
files and pixels, so the app runs it on another thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lookbook.errors import InputError, LookbookError
from lookbook.hooks import Changes
from lookbook.photos.details import DETAIL_KINDS, LEG_HEM, RENDERER_VERSION, cleanup_class, detail_kinds, file_kind
from lookbook.photos.presets import DEFAULT_PRESET, Preset
from lookbook.photos.review import EARLIER, FlaggedShot, ReviewReason, dumps, loads, merge
from lookbook.progress import Progress
from lookbook.store.database import Store
from lookbook.store.library import Library

if TYPE_CHECKING:
    # The pipeline (OpenCV, numpy, Pillow) is imported by the functions that render, not by the recipe
    # bookkeeping the preset verbs use (issue 18: a `lookbook presets ...` command loaded it to start).
    from lookbook.photos.pipeline import PhotoResult

Box = tuple[int, int, int, int]
Point = tuple[float, float]
#: Every kind of render file a photo can have: the hero, the detail crops, the thumbnail.
RENDER_KINDS = ("hero", *DETAIL_KINDS, LEG_HEM, "thumb")


@dataclass(frozen=True)
class PhotoDetail:
    """What the Shoot page's detail panel shows of one photo."""

    id: int
    sha256: str
    name: str
    stored_path: str
    sku: str | None
    brand: str | None
    product_name: str | None
    detected_box: Box | None
    confidence: float | None
    needs_review: bool
    box: Box | None
    preset: str | None
    rendered_recipe: str | None
    #: A point ``(x, y)`` in upright original pixels that a person marked as white or grey.
    neutral: Point | None = None
    #: How far the last render moved the garment's colour (a*b*), ``None`` before a render measured it.
    colour_shift: float | None = None
    #: The category of the product the photo is tied to (``None``: not tied); it picks the details shown.
    category: str | None = None
    #: Why it is flagged for review (empty when it is not), in words a person can check on the photo.
    review_reasons: tuple[ReviewReason, ...] = ()

    @property
    def colour_needs_review(self) -> bool:
        """Return whether the last render moved the garment's colour by more than the review limit."""
        from lookbook.photos.colour import REVIEW_SHIFT

        return self.colour_shift is not None and self.colour_shift > REVIEW_SHIFT

    @property
    def effective_box(self) -> Box | None:
        """Return the box renders use: the one set by hand, else the detected one."""
        return self.box or self.detected_box

    def original(self, library: Library) -> Path:
        """Return the original's path."""
        return library.root / self.stored_path


def _box(value: object) -> Box | None:
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, (list, tuple)) and len(value) == 4:
        x0, y0, x1, y1 = (int(v) for v in value)
        return (x0, y0, x1, y1)
    return None


def _point(value: object) -> Point | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return (float(value[0]), float(value[1]))
    return None


def photo_detail(store: Store, photo_id: int) -> PhotoDetail:
    """Return one photo's detail.

    :raises InputError: if there is no such photo.
    """
    row = store.db.execute(
        "SELECT ph.id, ph.sha256, ph.original_name, ph.stored_path, p.sku, b.name, p.name, ph.garment_box,"
        " ph.confidence, ph.needs_review, ph.recipe, ph.rendered_recipe, ph.colour_shift, p.category,"
        " ph.review_reasons FROM photos ph"
        " LEFT JOIN products p ON p.id = ph.product_id LEFT JOIN brands b ON b.id = p.brand_id WHERE ph.id = ?",
        [photo_id]).fetchone()
    if row is None:
        raise InputError(f"photo {photo_id} does not exist (it may have been merged or removed); reload the page.")
    recipe = json.loads(row[10] or "{}")
    return PhotoDetail(row[0], row[1], row[2], row[3], row[4], row[5], row[6], _box(row[7]),
                       row[8], bool(row[9]), _box(recipe.get("box")), recipe.get("preset"), row[11],
                       _point(recipe.get("neutral")), row[12], row[13], loads(row[14], bool(row[9])))


def flagged_shots(store: Store, photo_ids: Collection[int]) -> list[FlaggedShot]:
    """Return those of ``photo_ids`` still flagged for review, with their reasons, in the order given."""
    ids = list(dict.fromkeys(photo_ids))
    found = {r[0]: FlaggedShot(r[0], r[1], loads(r[2], True)) for r in store.db.execute(
        "SELECT id, original_name, review_reasons FROM photos WHERE needs_review = 1"
        " AND id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])}
    return [found[i] for i in ids if i in found]


def presets(store: Store) -> list[Preset]:
    """Return the library's presets, the default first; the built-in one if the library has none."""
    rows = store.db.execute("SELECT settings FROM presets ORDER BY is_default DESC, name").fetchall()
    found = [Preset.from_json(r[0]) for r in rows]
    return found or [DEFAULT_PRESET]


def preset_named(store: Store, name: str | None) -> Preset:
    """Return the preset called ``name`` (any case), or the library's default for ``None``.

    :raises InputError: if no preset has that name.
    """
    available = presets(store)
    if name is None:
        return available[0]
    for preset in available:
        if preset.name.casefold() == name.casefold():
            return preset
    raise InputError(f"preset '{name}' does not exist; choose one of {', '.join(p.name for p in available)}.")


def _update_recipe(store: Store, photo_id: int, actor: str, action: str, *, reviewed: bool,
                   **changes: object) -> Changes:
    """Change the photo's recipe; ``reviewed``: the change is a person's answer to the review flag (clear it)."""
    row = store.db.execute("SELECT recipe FROM photos WHERE id = ?", [photo_id]).fetchone()
    if row is None:
        raise InputError(f"photo {photo_id} does not exist (it may have been merged or removed); reload the page.")
    recipe = json.loads(row[0] or "{}")
    before = dict(recipe)
    for key, value in changes.items():
        if value is None:
            recipe.pop(key, None)
        else:
            recipe[key] = value
    with store.atomic():
        if reviewed:
            # A person looked at the box and set it: the photo no longer needs review.
            store.db.execute("UPDATE photos SET recipe = ?, needs_review = 0, review_reasons = NULL WHERE id = ?",
                             [json.dumps(recipe, sort_keys=True), photo_id])
        else:
            # Another preset or a white point answers none of the flag's reasons (a hanger, a box, a colour shift
            # still needs a person's look at the new render), so the flag and its reasons stay.
            store.db.execute("UPDATE photos SET recipe = ? WHERE id = ?",
                             [json.dumps(recipe, sort_keys=True), photo_id])
        store.audit(actor, action, "photo", photo_id, before=before, after=recipe)
    return store.notify(Changes(photos=True))


def set_box(store: Store, photo_id: int, box: Box | None, actor: str, size: tuple[int, int] | None = None) -> Changes:
    """Set the garment box by hand (``None``: go back to the detected box).

    :param box: ``(x0, y0, x1, y1)`` in pixels of the upright original, x1 and y1 exclusive.
    :param size: the upright original's ``(width, height)``, to check the box lies on the photo (default: the
        size stored with the photo).
    :raises InputError: if there is no such photo, or the box is empty or off the photo.
    """
    if box is not None and size is None:
        row = store.db.execute("SELECT width, height FROM photos WHERE id = ?", [photo_id]).fetchone()
        if row is None:
            raise InputError(f"photo {photo_id} does not exist (it may have been merged or removed); reload the "
                             "page.")
        size = (int(row[0]), int(row[1]))
    if box is not None:
        x0, y0, x1, y1 = (int(v) for v in box)
        if x1 - x0 < 2 or y1 - y0 < 2 or x0 < 0 or y0 < 0:
            raise InputError(f"photo {photo_id}: garment box {list(box)} is empty or off the photo; "
                             "drag its handles so it covers the garment.")
        if size is not None and (x1 > size[0] or y1 > size[1]):
            raise InputError(f"photo {photo_id}: garment box {list(box)} reaches past the photo "
                             f"({size[0]} x {size[1]} pixels); drag it back onto the photo.")
        box = (x0, y0, x1, y1)
    # A box drawn by hand answers the flag; going back to the detected box does not.
    return _update_recipe(store, photo_id, actor, "photo.box", reviewed=box is not None,
                          box=list(box) if box else None)


def set_preset(store: Store, photo_id: int, preset: str | None, actor: str) -> Changes:
    """Render the photo with ``preset`` (``None``: the library's default).

    :raises InputError: if no preset has that name.
    """
    name = None if preset is None else preset_named(store, preset).name
    return _update_recipe(store, photo_id, actor, "photo.preset", reviewed=False, preset=name)


def set_neutral(store: Store, photo_id: int, point: Point | None, actor: str) -> Changes:
    """Mark a point of the photo as white or grey: its renders take white balance from it (``None``: forget it).

    Nothing in the original changes; the point is kept in the recipe, so it can be undone and
    moved, and the photo's renders become stale until rendered again.

    :param point: ``(x, y)`` in pixels of the upright original.
    :raises InputError: if there is no such photo or the point lies off it.
    """
    row = store.db.execute("SELECT width, height FROM photos WHERE id = ?", [photo_id]).fetchone()
    if row is None:
        raise InputError(f"photo {photo_id} does not exist (it may have been merged or removed); reload the page.")
    if point is not None:
        x, y = float(point[0]), float(point[1])
        width, height = row
        if not (0 <= x < width and 0 <= y < height):
            raise InputError(f"photo {photo_id}: neutral point ({x:.0f}, {y:.0f}) lies off the photo ({width} x "
                             f"{height} pixels); pick a point on something white or grey in it.")
        point = (round(x, 1), round(y, 1))
    return _update_recipe(store, photo_id, actor, "photo.neutral", reviewed=False,
                          neutral=list(point) if point else None)


def mark_reviewed(store: Store, photo_ids: list[int], actor: str) -> Changes:
    """Clear the review flag (and its reasons) of photos a person found right: box, cut-out and colour."""
    with store.atomic():
        for photo_id in photo_ids:
            store.db.execute("UPDATE photos SET needs_review = 0, review_reasons = NULL WHERE id = ?", [photo_id])
            store.audit(actor, "photo.reviewed", "photo", photo_id)
    return store.notify(Changes(photos=True))


def recipe_key(detail: PhotoDetail, preset: Preset) -> str:
    """Return the text that identifies what a render was made from (box, neutral point, full preset settings and
    the cleanup class of the tied product's category)."""
    return render_key(detail.box, preset, detail.neutral, detail.category)


def render_key(box: Box | None, preset: Preset, neutral: Point | None = None, category: str | None = None) -> str:
    """Return :func:`recipe_key` for a hand-set ``box`` (``None``: the detected one), ``preset``, neutral point and
    the tied product's ``category``.

    The renderer's version is part of the key: renders made by an older renderer count as
    stale, so "Check All Photos" (``lookbook render --all``) brings a library up to date. The
    product's category is only as far as the cleanup differs by it
    (:func:`~lookbook.photos.details.cleanup_class`: a hand looked for on a hat or shoes, a clip
    hanger cut off above a waistband): tying a photo to such a product makes its render stale, while
    the keys of every other photo stay as they were. The detail crops need no new render: every kind
    the preset allows is rendered, and what shows picks by category (:func:`shown_details`).
    """
    key: dict[str, object] = {"box": list(box) if box else None, "preset": preset.to_dict(),
                              "renderer": RENDERER_VERSION}
    if neutral is not None:
        key["neutral"] = list(neutral)
    cleanup = cleanup_class(category)
    if cleanup is not None:
        key["cleanup"] = cleanup
    return json.dumps(key, sort_keys=True)


def key_cleanup(key: str | None) -> str | None:
    """Return the cleanup class a render key names (``None``: the default cleanup, or no key)."""
    try:
        found = json.loads(key or "{}").get("cleanup")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def render_dir(library: Library, sha256: str) -> Path:
    """Return the folder that holds a photo's renders."""
    return library.renders_dir / sha256[:2]


def shown_details(paths: dict[str, Path], category: str | None, preset: Preset) -> list[tuple[str, Path]]:
    """Return the detail crops to show of a photo's renders, ``(kind, path)``, for a product of ``category``.

    Collar and cuff for a shirt, waistband and hem for trousers, neckline and hem for a dress,
    none for shoes and hats or a photo not tied to a product (unless the preset names kinds).

    :param paths: the photo's renders by kind (:func:`render_paths`).
    """
    shown = [(kind, file_kind(kind, category)) for kind in detail_kinds(category, preset.details)]
    return [(kind, paths[made]) for kind, made in shown if made in paths]


def render_paths(library: Library, sha256: str) -> dict[str, Path]:
    """Return the photo's rendered files that exist, by kind (hero, the detail kinds, thumb)."""
    folder = render_dir(library, sha256)
    found = {kind: folder / f"{sha256}-{kind}.jpg" for kind in RENDER_KINDS}
    return {kind: path for kind, path in found.items() if path.is_file()}


def render_photo(library: Library, detail: PhotoDetail, preset: Preset) -> PhotoResult:
    """Detect the garment and render the photo's hero, detail crops and thumbnail (files only, no store).

    Stale files of a kind this render does not make (a cuff the new box no longer shows) are removed. The
    cleanup is the tied product's category's (``detail.category``); every detail kind is still rendered.

    :raises LookbookError: if the original cannot be read.
    """
    from lookbook.photos.pipeline import PhotoResult, process_one

    folder = render_dir(library, detail.sha256)
    result = process_one(detail.original(library), folder, preset, box=detail.box, neutral=detail.neutral,
                         cleanup_category=detail.category)
    # process_one names files after the original's stem; renders are kept under the content hash.
    outputs: dict[str, Path] = {}
    for kind in RENDER_KINDS:
        target = folder / f"{detail.sha256}-{kind}.jpg"
        made = result.outputs.get(kind)
        if made is None:
            target.unlink(missing_ok=True)
            continue
        if made != target:
            made.replace(target)
        outputs[kind] = target
    return PhotoResult(path=result.path, garment_box=result.garment_box, confidence=result.confidence,
                       needs_review=result.needs_review, phash=result.phash, original_size=result.original_size,
                       outputs=outputs, colour_shift=result.colour_shift, colour_source=result.colour_source,
                       cleanup_review=result.cleanup_review, review_reasons=result.review_reasons)


def record_render(store: Store, photo_id: int, result: PhotoResult, key: str, actor: str) -> Changes:
    """Record that the photo was rendered from recipe ``key``; keep the detection if none was stored.

    The colour shift the render measured is kept, and a shift over the review limit flags the
    photo for review whatever its box (a person should compare the hero with the garment). So does the
    cleanup's flag (a hand, a clip hanger's clips) on the first render under a cleanup class the photo's
    renders did not have (it was tied to a hat or trousers since): what that cleanup looks for was never
    looked for, nor reviewed, before. A shot flagged before reasons were kept (a library older than m019) whose box
    was found again by this render (not set by hand) takes the reasons this render found, when it found any: the
    detector, the cleanup and the colour check all ran, as at an import (the flag stays, found or not). A render
    from another recipe than the last render, of a shot in a set with unsent messages, makes their cards again
    (:func:`lookbook.lookbooks.sets.shots_rerendered`): what a customer receives carries the render the recipe asks for.
    """
    row = store.db.execute("SELECT garment_box, recipe, rendered_recipe, needs_review, review_reasons FROM photos"
                           " WHERE id = ?", [photo_id]).fetchone()
    if row is None:
        return Changes()
    hand_box = _box(json.loads(row[1] or "{}").get("box"))
    renewed: dict[str, object] = {}
    with store.atomic():
        if row[0] is None:
            # The first detection of this photo: keep it, and flag it if the detector was unsure.
            detected = result.garment_box if hand_box is None else None
            if detected is not None:
                store.db.execute("UPDATE photos SET garment_box = ?, confidence = ?, needs_review = ?,"
                                 " review_reasons = ? WHERE id = ?",
                                 [json.dumps(list(detected)), result.confidence, int(result.needs_review),
                                  dumps(result.review_reasons if result.needs_review else ()), photo_id])
                row = (*row[:3], int(result.needs_review), dumps(result.review_reasons))
        store.db.execute("UPDATE photos SET rendered_recipe = ?, colour_shift = ? WHERE id = ?",
                         [key, result.colour_shift if result.outputs else None, photo_id])
        if (row[0] is not None and hand_box is None and result.review_reasons
                and loads(row[4], bool(row[3])) == (EARLIER,)):
            # Flagged before reasons were kept, and this render ran every check an import runs (its box was
            # found again: none was set by hand): what it found is why the shot is flagged today. The flag stays
            # either way (only a person clears it); a render that finds nothing leaves "flagged before".
            row = (*row[:4], dumps(result.review_reasons))
            store.db.execute("UPDATE photos SET review_reasons = ? WHERE id = ?", [row[4], photo_id])
            renewed["review_reasons"] = [r.text for r in result.review_reasons]
        new_cleanup = row[0] is not None and key_cleanup(key) not in (None, key_cleanup(row[2]))
        if result.colour_needs_review or (new_cleanup and result.cleanup_review):
            # The reasons this render found join those the photo is flagged for already (a box reason stays); a
            # reason of the same kind is replaced (the colour moved by a new amount).
            found = [r for r in result.review_reasons
                     if (r.kind == "colour" and result.colour_needs_review) or (r.kind == "cutout" and new_cleanup)]
            reasons = merge(loads(row[4], bool(row[3])), found)
            store.db.execute("UPDATE photos SET needs_review = 1, review_reasons = ? WHERE id = ?",
                             [dumps(reasons), photo_id])
        store.audit(actor, "photo.render", "photo", photo_id, outputs=sorted(result.outputs),
                    colour_shift=result.colour_shift, colour_source=result.colour_source,
                    colour_review=result.colour_needs_review, **renewed)
        changes = Changes(photos=True)
        # Only a render replacing another (a first render of a shot never rendered is not counted stale either:
        # looking at it on the Shoot page must not change messages under approval).
        if row[2] is not None and key != row[2] and store.db.execute(
                "SELECT 1 FROM set_items si JOIN messages m ON m.set_id = si.set_id WHERE si.photo_id = ?"
                " AND m.state IN ('draft', 'pending', 'approved') LIMIT 1", [photo_id]).fetchone():
            # Its sets' unsent cards carry the old hero: they are made again (a late import: sets and the outbox
            # sit above photos, and matter only when such a message exists).
            from lookbook.lookbooks.sets import shots_rerendered

            shots_rerendered(store, [photo_id], actor)
            changes = Changes(photos=True, sets=True, outbox=True, audit=True)
    return store.notify(changes)


def pending_render_ids(store: Store, photo_ids: Collection[int] | None = None) -> list[int]:
    """Return the ids of photos whose renders are missing or older than their recipe, oldest import first.

    One query and no per-photo lookups, so the Shoot page can count them for a library of
    tens of thousands of photos whenever it reloads. A photo tied to a product whose category
    changes the cleanup (:func:`render_key`) is stale until rendered with that cleanup.

    :param photo_ids: look only at these photos (default: every photo).
    """
    available = presets(store)
    by_name = {p.name.casefold(): p for p in available}
    default = available[0]
    stale = []
    query = ("SELECT ph.id, ph.garment_box, ph.recipe, ph.rendered_recipe, p.category FROM photos ph"
             " LEFT JOIN products p ON p.id = ph.product_id")
    args: list[object] = []
    if photo_ids is not None:
        query += " WHERE ph.id IN (SELECT value FROM json_each(?))"
        args.append(json.dumps(sorted(set(photo_ids))))
    for photo_id, detected, recipe_text, rendered, category in store.db.execute(query + " ORDER BY ph.id", args):
        if detected is None or rendered is None:
            stale.append(photo_id)
            continue
        recipe = json.loads(recipe_text or "{}")
        preset = by_name.get((recipe.get("preset") or "").casefold(), default)
        if rendered != render_key(_box(recipe.get("box")), preset, _point(recipe.get("neutral")), category):
            stale.append(photo_id)
    return stale


def stale_render_ids(store: Store, photo_ids: Collection[int]) -> list[int]:
    """Return those of ``photo_ids`` that have a render made from another recipe than theirs now (tied to a hat,
    shoes or a bottom since, a preset or box changed): the render on disk is not the one their recipe asks for.

    A photo never rendered is not counted: its hero is its original, as it always was.
    """
    if not photo_ids:
        return []
    rendered = {r[0] for r in store.db.execute(
        "SELECT id FROM photos WHERE rendered_recipe IS NOT NULL AND id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(photo_ids)))])}
    return pending_render_ids(store, rendered)


def pending_renders(store: Store, photo_ids: Collection[int] | None = None) -> list[tuple[PhotoDetail, Preset]]:
    """Return the photos (of ``photo_ids``, default all) whose renders are missing or older than their recipe,
    oldest import first."""
    available = presets(store)
    by_name = {p.name.casefold(): p for p in available}
    default = available[0]
    pending = []
    for photo_id in pending_render_ids(store, photo_ids):
        detail = photo_detail(store, photo_id)
        pending.append((detail, by_name.get((detail.preset or "").casefold(), default)))
    return pending


def iter_render(library: Library, pending: list[tuple[PhotoDetail, Preset]], cancel: threading.Event | None = None
                ) -> Iterator[RenderStep]:
    """Render each pending photo (files only, no store), yielding a :class:`RenderStep` per photo.

    A photo that cannot be read is reported in its step and the batch goes on; setting
    ``cancel`` stops before the next photo.
    """
    total = len(pending)
    for done, (detail, preset) in enumerate(pending, start=1):
        if cancel is not None and cancel.is_set():
            return
        try:
            result = render_photo(library, detail, preset)
        except LookbookError as exc:
            yield RenderStep(done, total, str(exc), photo_id=detail.id, name=detail.name, result=None, key="",
                             error=str(exc))
            continue
        yield RenderStep(done, total, f"Rendered {detail.name}", photo_id=detail.id, name=detail.name, result=result,
                         key=recipe_key(detail, preset), error=None)


@dataclass(frozen=True, kw_only=True)
class RenderStep(Progress):
    """One photo of a render batch: ``done`` of ``total``; ``result`` or ``error`` is set."""

    photo_id: int
    name: str
    result: PhotoResult | None
    key: str
    error: str | None

    @property
    def current(self) -> str:
        """Return the photo's file name as imported (for progress lines)."""
        return self.name


def render_batch(store: Store, pending: list[tuple[PhotoDetail, Preset]], *, actor: str,
                 workers: int | None = None, cancel: threading.Event | None = None) -> Iterator[RenderStep]:
    """Render photos on every core and record each render as it finishes, yielding a :class:`RenderStep`.

    The command line's counterpart of :func:`iter_render` (which the app runs off the DB
    thread and records itself): the pool renders, this generator (on the store's thread)
    records. Setting ``cancel`` starts no new photo; photos already rendered are recorded.

    :param pending: photos and the preset of each (see :func:`pending_renders`).
    """
    from lookbook.photos.pipeline import TaskPool

    by_id = {detail.id: (detail, preset) for detail, preset in pending}
    queue = iter(by_id.values())
    done = 0
    with TaskPool[int](workers) as pool:
        while True:
            while pool.has_room() and not (cancel is not None and cancel.is_set()):
                item = next(queue, None)
                if item is None:
                    break
                pool.submit(item[0].id, _render_or_reason, store.library, *item)
            if not pool.in_flight:
                return
            for photo_id, result, exc in pool.finished():
                detail, preset = by_id[photo_id]
                done += 1
                if exc is not None or isinstance(result, str):
                    error = result if exc is None else (
                        f"photo {photo_id} ({detail.name}): the renderer stopped ({type(exc).__name__}: {exc})")
                    yield RenderStep(done, len(by_id), error, photo_id=photo_id, name=detail.name, result=None, key="",
                                     error=error)
                    continue
                key = recipe_key(detail, preset)
                record_render(store, photo_id, result, key, actor)
                yield RenderStep(done, len(by_id), f"Rendered {detail.name}", photo_id=photo_id, name=detail.name,
                                 result=result, key=key, error=None)


def _render_or_reason(library: Library, detail: PhotoDetail, preset: Preset) -> PhotoResult | str:
    """Run :func:`render_photo` in a worker; a string is why it failed (exceptions may not survive pickling)."""
    try:
        return render_photo(library, detail, preset)
    except LookbookError as exc:
        return f"photo {detail.id} ({detail.name}): {exc}"
