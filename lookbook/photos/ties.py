"""Tying shots to products, and recording how each tie was made.

Four ways, strongest first (``photos.assigned_by``):

``hand``
    a person dragged the shot onto a product or ran ``lookbook photos assign``;
``slate``
    the associate photographed a hang tag or barcode card first: a frame whose code
    (EAN/UPC of a product or one of its sizes, or a SKU in a QR/Code 128) names a
    product becomes a slate and ties itself and the shots after it, in capture order,
    until the next frame with a code or a pause longer than the slate gap;
``filename``
    a SKU found in the file name by a configurable pattern;
``burst``
    a shot taken seconds after a tied one and nearly identical to it (perceptual hash)
    shares its product.

An automatic run never replaces a stronger tie with a weaker one and never touches a
tie made by hand. Shots nothing ties stay in the library and are listed by
:func:`unassigned_photos`; nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lookbook.catalog.gtin import gtin_key
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.photos.codes import QR, Code
from lookbook.progress import Progress, run_to_end
from lookbook.store.database import Store
from lookbook.words import plural

#: How strong each way of tying is; a tie is only replaced by one at least as strong.
STRENGTH = {"burst": 1, "filename": 2, "slate": 3, "hand": 4}

#: Library setting: a regular expression finding SKUs in file names (named group ``sku``, else the whole match).
FILENAME_PATTERN_SETTING = "assign.filename_pattern"
#: The default finds dash- or dot-joined words ("HP-SH01_2.jpg" -> "HP-SH01"); each is checked against the catalog.
DEFAULT_FILENAME_PATTERN = r"(?P<sku>[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*)"
#: Library settings for bursts: the most seconds between shots and the most differing hash bits.
BURST_SECONDS_SETTING = "assign.burst_seconds"
BURST_DISTANCE_SETTING = "assign.burst_max_distance"
DEFAULT_BURST_SECONDS = 2.0
DEFAULT_BURST_DISTANCE = 10
#: Library setting: a slate stops tying after a pause this long (seconds) between shots.
SLATE_GAP_SETTING = "assign.slate_max_gap_seconds"
DEFAULT_SLATE_GAP = 900.0


@dataclass(frozen=True)
class Tie:
    """A tie an automatic run made or changed."""

    photo_id: int
    original_name: str
    sku: str
    method: str
    detail: str


@dataclass
class TieReport:
    """What a run of automatic tying did."""

    scanned: int = 0
    ties: list[Tie] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    unassigned: int = 0
    changes: Changes = field(default_factory=Changes)

    def counts(self) -> dict[str, int]:
        """Return how many ties each method made or changed."""
        out = dict.fromkeys(STRENGTH, 0)
        for tie in self.ties:
            out[tie.method] += 1
        return out

    def summary(self) -> str:
        """Return one line for the CLI and the status bar."""
        made = ", ".join(f"{n} by {m}" for m, n in self.counts().items() if n) or "none"
        return (f"Read codes in {plural(self.scanned, 'new shot')}; ties made or changed: {made}; "
                f"{self.unchanged} kept; {plural(len(self.problems), 'problem')}; "
                f"{plural(self.unassigned, 'shot')} still unassigned.")

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {"scanned": self.scanned, "ties": [vars(t) for t in self.ties], "unchanged": self.unchanged,
                "counts": self.counts(), "problems": self.problems, "unassigned": self.unassigned}


@dataclass(frozen=True)
class _Photo:
    id: int
    name: str
    taken_at: dt.datetime | None
    phash: int | None
    codes: list[Code] | None
    product_id: int | None
    assigned_by: str | None
    assigned_detail: str | None
    slate_code: str | None


@dataclass(frozen=True)
class _Candidate:
    product_id: int
    method: str
    detail: str
    slate_code: str | None = None


@dataclass(frozen=True)
class UnassignedPhoto:
    """A shot no product is tied to, with a hint why."""

    id: int
    original_name: str
    taken_at: str | None
    hint: str

    def as_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready data."""
        return vars(self).copy()


# -- reading codes ----------------------------------------------------------------------


def iter_scan_codes(store: Store, *, cancel: threading.Event | None = None,
                    problems: list[str] | None = None) -> Generator[Progress, None, int]:
    """Read the codes in every shot not yet scanned, yielding progress; return how many were scanned.

    Each result is saved as soon as it is read (``photos.codes``), so a cancelled run
    keeps its work and the next one scans only what is left.

    :param problems: where to append one line per shot that could not be read.
    """
    # OpenCV and zxing-cpp load here, when codes are read, not for the set and product verbs that use this module.
    from lookbook.photos.barcodes import read_codes_in_file

    pending = store.db.execute(
        "SELECT id, stored_path, original_name FROM photos WHERE codes IS NULL ORDER BY id").fetchall()
    done = 0
    for done, (photo_id, stored_path, name) in enumerate(pending, start=1):
        if cancel is not None and cancel.is_set():
            return done - 1
        yield Progress(done - 1, len(pending), f"Reading codes in {name}")
        try:
            codes = read_codes_in_file(store.library.root / stored_path)
        except InputError as exc:
            if problems is not None:
                problems.append(f"photo {photo_id} ({name}): {exc}")
            continue  # left unscanned, so a restored file is read next time
        store.db.execute("UPDATE photos SET codes = ? WHERE id = ?",
                         [json.dumps([{"text": c.text, "kind": c.kind} for c in codes]), photo_id])
    return done


# -- working out ties ---------------------------------------------------------------------


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    # Imports store UTC; a time without a zone (libraries imported before that) is a camera's
    # local clock, read as this computer's local time, as the importer now does.
    return moment if moment.tzinfo else moment.astimezone(dt.UTC)


def _load_photos(store: Store) -> list[_Photo]:
    photos = []
    for r in store.db.execute(
            "SELECT id, original_name, taken_at, phash, codes, product_id, assigned_by, assigned_detail, slate_code"
            " FROM photos ORDER BY taken_at IS NULL, taken_at, id"):
        codes = None if r[4] is None else [Code(c["text"], c["kind"], "stored") for c in json.loads(r[4])]
        phash = int(r[3], 16) if r[3] and re.fullmatch(r"[0-9a-fA-F]{16}", r[3]) else None
        photos.append(_Photo(r[0], r[1], _parse_time(r[2]), phash, codes, r[5], r[6], r[7], r[8]))
    # In time order, not text order: stored times may carry different offsets (older libraries).
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    photos.sort(key=lambda ph: (ph.taken_at is None, ph.taken_at or far, ph.id))
    return photos


class _Catalog:
    """The lookups tying needs: codes and SKUs to products."""

    def __init__(self, store: Store) -> None:
        self.sku_of: dict[int, str] = {}
        self.by_sku: dict[str, int] = {}
        self.by_code: dict[str, tuple[int, str | None]] = {}
        for product_id, sku, barcode in store.db.execute("SELECT id, sku, barcode FROM products"):
            self.sku_of[product_id] = sku
            self.by_sku[sku.upper()] = product_id
            if barcode:
                self.by_code[gtin_key(barcode)] = (product_id, None)
        for product_id, size, barcode in store.db.execute(
                "SELECT product_id, size, barcode FROM stock WHERE barcode IS NOT NULL"):
            self.by_code.setdefault(gtin_key(barcode), (product_id, size))

    def product_for_code(self, code: Code) -> tuple[int, str] | None:
        """Return (product id, how the code named it), or None."""
        text = code.text.strip()
        hit = self.by_code.get(gtin_key(text))
        if hit is not None:
            hit_id, size = hit
            return hit_id, f"{code.kind} {text}" + (f" (size {size})" if size else "")
        product_id = self.by_sku.get(text.upper())
        if product_id is None and code.kind in (QR, "Code 128"):
            # A QR code may carry a URL or "SKU:HP-SH01"; look for a SKU among its words.
            for word in re.findall(r"[A-Za-z0-9]+(?:[-._][A-Za-z0-9]+)*", text):
                product_id = self.by_sku.get(word.upper())
                if product_id is not None:
                    break
        return None if product_id is None else (product_id, f"{code.kind} '{text}'")

    def sku_in_name(self, name: str, pattern: re.Pattern[str]) -> int | None:
        """Return the product whose SKU the pattern finds in a file name, trying shorter prefixes."""
        stem = name.rsplit(".", 1)[0] if "." in name else name
        for match in pattern.finditer(stem):
            text = match.group("sku") if "sku" in pattern.groupindex else match.group(0)
            parts = re.split(r"(?=[-._])", text)
            for end in range(len(parts), 0, -1):
                product_id = self.by_sku.get("".join(parts[:end]).upper())
                if product_id is not None:
                    return product_id
        return None


def product_by_file_name(store: Store) -> Callable[[str], int | None]:
    """Return a lookup of the product a file name's SKU ties a shot to (the ``filename`` way), ``None`` for none.

    The import asks it before a photo is rendered, so a product known by its file name gets its category's
    cleanup in the photo's one render.

    :raises InputError: if the file name pattern setting is invalid.
    """
    catalog, pattern = _Catalog(store), _pattern(store)
    return lambda name: catalog.sku_in_name(name, pattern)


def _pattern(store: Store) -> re.Pattern[str]:
    text = store.get_setting(FILENAME_PATTERN_SETTING, DEFAULT_FILENAME_PATTERN)
    try:
        return re.compile(str(text))
    except re.error as exc:
        raise InputError(f"setting {FILENAME_PATTERN_SETTING}: '{text}' is not a valid regular expression "
                         f"({exc}). Fix it in Settings, or clear it to use the default.") from None


def _float_setting(store: Store, key: str, default: float) -> float:
    value = store.get_setting(key, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"setting {key}: '{value}' is not a number. Fix it in Settings.") from None
    if number < 0:
        raise InputError(f"setting {key}: {value} is negative. Fix it in Settings.")
    return number


def _slate_candidates(photos: list[_Photo], catalog: _Catalog, gap: float,
                      problems: list[str]) -> dict[int, _Candidate]:
    out: dict[int, _Candidate] = {}
    current: _Candidate | None = None
    slate_name = ""
    previous: _Photo | None = None
    for photo in photos:
        if previous is not None and (photo.taken_at is None) != (previous.taken_at is None):
            current = None  # from shots with capture times to shots without: not one session
        elif previous is not None and photo.taken_at and previous.taken_at and (
                photo.taken_at - previous.taken_at).total_seconds() > gap:
            current = None
        previous = photo
        if photo.codes:
            found: dict[int, tuple[str, str]] = {}
            for code in photo.codes:
                hit = catalog.product_for_code(code)
                if hit is not None:
                    found.setdefault(hit[0], (hit[1], code.text))
            if len(found) == 1:
                [(product_id, (how, text))] = found.items()
                current = _Candidate(product_id, "slate", f"slate: {how}", text)
                slate_name = photo.name
                out[photo.id] = current
                continue
            current = None  # a new tag starts a new product even when we cannot tell which
            codes = ", ".join(f"{c.kind} {c.text}" for c in photo.codes)
            if found:
                skus = ", ".join(catalog.sku_of[p] for p in found)
                problems.append(f"photo {photo.id} ({photo.name}): its codes ({codes}) name several products "
                                f"({skus}); tie it and the shots after it by hand.")
            else:
                problems.append(f"photo {photo.id} ({photo.name}): code {codes} matches no product; import the "
                                "catalog with its barcodes, or tie the shots after it by hand.")
            continue
        if current is not None:
            out[photo.id] = _Candidate(current.product_id, "slate", f"after slate {slate_name} "
                                                                   f"({current.detail.removeprefix('slate: ')})")
    return out


def _bursts(photos: list[_Photo], seconds: float, distance: int) -> list[list[_Photo]]:
    from lookbook.photos.imaging import hamming  # the image library loads only when ties are worked out

    groups: list[list[_Photo]] = []
    group: list[_Photo] = []
    for photo in photos:
        prev = group[-1] if group else None
        if (prev is not None and photo.taken_at and prev.taken_at and photo.phash is not None
                and prev.phash is not None
                and 0 <= (photo.taken_at - prev.taken_at).total_seconds() <= seconds
                and hamming(photo.phash, prev.phash) <= distance):
            group.append(photo)
            continue
        if len(group) > 1:
            groups.append(group)
        group = [photo]
    if len(group) > 1:
        groups.append(group)
    return groups


def burst_groups(store: Store) -> list[list[int]]:
    """Return the photo ids of each burst (consecutive near-identical shots, two or more), in capture order.

    :raises InputError: if a burst setting is invalid.
    """
    seconds = _float_setting(store, BURST_SECONDS_SETTING, DEFAULT_BURST_SECONDS)
    distance = int(_float_setting(store, BURST_DISTANCE_SETTING, DEFAULT_BURST_DISTANCE))
    return [[p.id for p in group] for group in _bursts(_load_photos(store), seconds, distance)]


def _effective(photo: _Photo, candidate: _Candidate | None) -> int | None:
    if candidate is None or (photo.assigned_by is not None
                             and STRENGTH[photo.assigned_by] > STRENGTH[candidate.method]):
        return photo.product_id
    return candidate.product_id


def plan_ties(store: Store, problems: list[str]) -> dict[int, _Candidate]:
    """Return the strongest automatic tie found for each shot (without writing anything).

    :param problems: where to append what could not be decided (unknown codes, bursts of two products).
    """
    photos = _load_photos(store)
    catalog = _Catalog(store)
    pattern = _pattern(store)
    gap = _float_setting(store, SLATE_GAP_SETTING, DEFAULT_SLATE_GAP)
    seconds = _float_setting(store, BURST_SECONDS_SETTING, DEFAULT_BURST_SECONDS)
    distance = int(_float_setting(store, BURST_DISTANCE_SETTING, DEFAULT_BURST_DISTANCE))

    best: dict[int, _Candidate] = _slate_candidates(photos, catalog, gap, problems)
    for photo in photos:
        if photo.id in best:
            continue
        product_id = catalog.sku_in_name(photo.name, pattern)
        if product_id is not None:
            best[photo.id] = _Candidate(product_id, "filename", f"SKU {catalog.sku_of[product_id]} in file name")

    for group in _bursts(photos, seconds, distance):
        # What each member ends up tied to: the stronger of this run's tie and the one it has.
        tied = {p.id: _effective(p, best.get(p.id)) for p in group}
        products = {pid for pid in tied.values() if pid is not None}
        if len(products) > 1:
            names = ", ".join(sorted(catalog.sku_of.get(pid, str(pid)) for pid in products))
            problems.append(f"burst {group[0].name} .. {group[-1].name}: its shots are tied to several products "
                            f"({names}); no burst ties made. Check them by hand.")
            continue
        if not products:
            continue
        [product_id] = products
        anchor = next(p for p in group if tied[p.id] == product_id)
        for photo in group:
            if photo.id not in best:
                best[photo.id] = _Candidate(product_id, "burst", f"burst with {anchor.name} "
                                                                 f"({catalog.sku_of[product_id]})")
    return best


def iter_tie_photos(store: Store, *, actor: str, cancel: threading.Event | None = None
                    ) -> Generator[Progress, None, TieReport]:
    """Read codes in new shots, then tie every shot it can; yield progress, return the report.

    :param actor: who ran it, for the audit log.
    :param cancel: set it to stop after the current shot (codes read so far are kept; nothing is tied).
    :raises InputError: if a tying setting is invalid.
    """
    report = TieReport()
    report.scanned = yield from iter_scan_codes(store, cancel=cancel, problems=report.problems)
    if cancel is not None and cancel.is_set():
        return report
    yield Progress(report.scanned, report.scanned, "Tying shots to products")
    plan = plan_ties(store, report.problems)
    current = {r[0]: r for r in store.db.execute(
        "SELECT p.id, p.original_name, p.product_id, p.assigned_by, p.assigned_detail, p.slate_code, pr.sku"
        " FROM photos p LEFT JOIN products pr ON pr.id = p.product_id")}
    skus = {r[0]: r[1] for r in store.db.execute("SELECT id, sku FROM products")}
    updates = []
    for photo_id, candidate in plan.items():
        _id, name, product_id, assigned_by, detail, slate_code, _sku = current[photo_id]
        if assigned_by is not None and STRENGTH[assigned_by] > STRENGTH[candidate.method]:
            report.unchanged += 1
            continue
        new_slate = candidate.slate_code or slate_code
        if (product_id, assigned_by, detail, slate_code) == (candidate.product_id, candidate.method,
                                                              candidate.detail, new_slate):
            report.unchanged += 1
            continue
        updates.append((candidate.product_id, candidate.method, candidate.detail, new_slate, photo_id))
        report.ties.append(Tie(photo_id, name, skus[candidate.product_id], candidate.method, candidate.detail))
    with store.atomic():
        store.db.conn.executemany(
            "UPDATE photos SET product_id = ?, assigned_by = ?, assigned_detail = ?, slate_code = ? WHERE id = ?",
            updates)
        store.audit(actor, "photo.tie", "photos", None, scanned=report.scanned, counts=report.counts(),
                    photo_ids=[t.photo_id for t in report.ties], problems=len(report.problems))
    report.unassigned = store.db.execute("SELECT count(*) FROM photos WHERE product_id IS NULL").fetchone()[0]
    report.changes = store.notify(Changes(photos=bool(report.ties or report.scanned), audit=True))
    return report


def tie_photos(store: Store, *, actor: str) -> TieReport:
    """Read codes in new shots and tie every shot it can (see :func:`iter_tie_photos`).

    :raises InputError: if a tying setting is invalid.
    """
    return run_to_end(iter_tie_photos(store, actor=actor))


# -- by hand --------------------------------------------------------------------------------


def resolve_photos(store: Store, refs: Iterable[str | int]) -> list[int]:
    """Return photo ids for references: an id, a file name as imported, or the start of the content hash.

    :raises InputError: naming every reference that matches no photo, or more than one.
    """
    ids: list[int] = []
    bad: list[str] = []
    for ref in refs:
        text = str(ref).strip()
        if text.isdigit():
            rows = store.db.execute("SELECT id FROM photos WHERE id = ?", [int(text)]).fetchall()
        else:
            rows = store.db.execute("SELECT id FROM photos WHERE original_name = ?", [text]).fetchall()
            if not rows and len(text) >= 8 and re.fullmatch(r"[0-9a-fA-F]+", text):
                rows = store.db.execute("SELECT id FROM photos WHERE sha256 LIKE ?", [text.lower() + "%"]).fetchall()
        if len(rows) == 1:
            ids.append(int(rows[0][0]))
        elif rows:
            bad.append(f"'{text}' names {len(rows)} photos (use an id: {', '.join(str(r[0]) for r in rows[:5])})")
        else:
            bad.append(f"'{text}' is no photo")
    if bad:
        raise InputError(f"{'; '.join(bad)}. List photos with `lookbook photos unassigned` or by id.")
    return list(dict.fromkeys(ids))


def _product_id(store: Store, sku: str) -> int:
    row = store.db.execute("SELECT id FROM products WHERE sku = ?", [sku.strip()]).fetchone()
    if row is None:
        row = store.db.execute("SELECT id FROM products WHERE sku = ? COLLATE NOCASE", [sku.strip()]).fetchone()
    if row is None:
        raise InputError(f"SKU '{sku}' is not in the catalog; check it with `lookbook products list`.")
    return int(row[0])


def assign_photos(store: Store, photo_ids: Sequence[int], sku: str, actor: str) -> Changes:
    """Tie shots to a product by hand (the strongest tie; automatic runs never change it).

    :raises InputError: if the SKU is unknown or a photo id does not exist.
    """
    product_id = _product_id(store, sku)
    ids = resolve_photos(store, photo_ids)
    with store.atomic():
        store.db.conn.executemany(
            "UPDATE photos SET product_id = ?, assigned_by = 'hand', assigned_detail = ? WHERE id = ?",
            [(product_id, f"by {actor}", photo_id) for photo_id in ids])
        store.audit(actor, "photo.assign", "product", product_id, sku=sku, photo_ids=ids)
    return store.notify(Changes(photos=True, products=True, audit=True))


def unassign_photos(store: Store, photo_ids: Sequence[int], actor: str) -> Changes:
    """Untie shots from their product by hand.

    :raises InputError: if a photo id does not exist.
    """
    ids = resolve_photos(store, photo_ids)
    with store.atomic():
        store.db.conn.executemany(
            "UPDATE photos SET product_id = NULL, assigned_by = NULL, assigned_detail = NULL WHERE id = ?",
            [(photo_id,) for photo_id in ids])
        store.audit(actor, "photo.unassign", "photos", None, photo_ids=ids)
    return store.notify(Changes(photos=True, products=True, audit=True))


def unassigned_photos(store: Store) -> list[UnassignedPhoto]:
    """Return every shot tied to no product, in capture order, with a hint what to do."""
    out = []
    for photo_id, name, taken_at, codes in store.db.execute(
            "SELECT id, original_name, taken_at, codes FROM photos WHERE product_id IS NULL"
            " ORDER BY taken_at IS NULL, taken_at, id"):
        found = json.loads(codes) if codes else []
        if codes is None:
            hint = "not scanned yet; run `lookbook photos tie`"
        elif found:
            hint = "code " + ", ".join(f"{c['kind']} {c['text']}" for c in found) + " matches no product"
        else:
            hint = "no code, no SKU in the file name, no tied burst neighbour; tie it by hand"
        out.append(UnassignedPhoto(photo_id, name, taken_at, hint))
    return out
