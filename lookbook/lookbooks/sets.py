"""Sets: the shots a merchandiser chooses to send for one brand.

A set belongs to one brand, and every shot in it must be tied to a product of that
brand (and be a product shot, not a barcode slate). Shots are kept in the order the
merchandiser gives; shots added together are grouped by product, best shot first
(:data:`BEST_FIRST`), and a set's shots can be reordered at will afterwards.

While messages made from a set wait for approval or are being sent, its shots are
locked: changing them would change what the manager approved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lookbook.catalog.holds import available_sizes
from lookbook.catalog.products import brand_id_by_name
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.photos.recipes import stale_render_ids
from lookbook.photos.review import ReviewReason, loads
from lookbook.photos.ties import resolve_photos
from lookbook.store import roles
from lookbook.store.database import Store, inserted_id, utcnow

#: How the shots of one product are ranked, best first: reviewed, product shot (not a slate),
#: most confident crop, rendered, then earliest taken.
BEST_FIRST = ("ph.needs_review ASC, ph.slate_code IS NOT NULL, ph.confidence DESC NULLS LAST,"
              " ph.rendered_recipe IS NULL, ph.taken_at IS NULL, ph.taken_at, ph.id")
SCOPES = ("one_to_one", "marketing")
# Message states in which the shots a manager approved are on their way to customers.
_LOCKING_STATES = ("pending", "approved", "queued", "sending")
#: States in which a message's set may not change its shots: they are on their way out. Pending and
#: approved messages go back to pending instead, to be approved again by someone other than the changer.
_SENDING_STATES = ("queued", "sending")


@dataclass(frozen=True)
class SetItem:
    """One shot in a set."""

    photo_id: int
    position: int
    original_name: str
    product_id: int
    sku: str
    product_name: str


@dataclass(frozen=True)
class PhotoSet:
    """A set with its shots in order."""

    id: int
    name: str
    brand_id: int
    brand: str
    scope: str
    status: str
    created_by: str
    created_at: str
    updated_at: str
    items: tuple[SetItem, ...]

    def as_dict(self) -> dict[str, Any]:
        """Return the set as JSON-ready data."""
        return {"id": self.id, "name": self.name, "brand": self.brand, "scope": self.scope, "status": self.status,
                "created_by": self.created_by, "created_at": self.created_at, "updated_at": self.updated_at,
                "items": [vars(i) for i in self.items]}


@dataclass(frozen=True)
class SetSummary:
    """A set in a list: its name, brand and how many shots and products it holds."""

    id: int
    name: str
    brand: str
    scope: str
    status: str
    shots: int
    products: int
    created_by: str
    updated_at: str

    def as_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready data."""
        return vars(self).copy()


@dataclass(frozen=True)
class Shot:
    """A shot of a product, for the products page and for choosing set shots."""

    photo_id: int
    original_name: str
    stored_path: str
    assigned_by: str | None
    needs_review: bool
    confidence: float | None
    is_slate: bool
    #: Why it is flagged for review (empty when it is not), in words a person can check on the photo.
    review_reasons: tuple[ReviewReason, ...] = ()


def shots_of_product(store: Store, product_id: int) -> list[Shot]:
    """Return a product's shots, best first (see :data:`BEST_FIRST`)."""
    return [Shot(r[0], r[1], r[2], r[3], bool(r[4]), r[5], bool(r[6]), loads(r[7], bool(r[4])))
            for r in store.db.execute(
                "SELECT ph.id, ph.original_name, ph.stored_path, ph.assigned_by, ph.needs_review, ph.confidence,"
                " ph.slate_code IS NOT NULL, ph.review_reasons FROM photos ph WHERE ph.product_id = ?"
                f" ORDER BY {BEST_FIRST}", [product_id])]


def resolve_set(store: Store, ref: str | int) -> int:
    """Return a set's id from its id or its name (any case).

    :raises InputError: if no set, or several sets, have that name.
    """
    text = str(ref).strip()
    if text.isdigit():
        row = store.db.execute("SELECT id FROM sets WHERE id = ?", [int(text)]).fetchone()
        if row:
            return int(row[0])
    rows = store.db.execute("SELECT id FROM sets WHERE name = ? COLLATE NOCASE", [text]).fetchall()
    if len(rows) == 1:
        return int(rows[0][0])
    if rows:
        raise InputError(f"{len(rows)} sets are named '{text}'; give the id instead "
                         f"({', '.join(str(r[0]) for r in rows)}).")
    raise InputError(f"set '{text}' does not exist; see `lookbook sets list`.")


def get_set(store: Store, ref: str | int) -> PhotoSet:
    """Return a set with its shots in order.

    :raises InputError: if the set does not exist.
    """
    set_id = resolve_set(store, ref)
    row = store.db.execute(
        "SELECT s.id, s.name, s.brand_id, b.name, s.scope, s.status, s.created_by, s.created_at, s.updated_at"
        " FROM sets s JOIN brands b ON b.id = s.brand_id WHERE s.id = ?", [set_id]).fetchone()
    items = tuple(SetItem(*r) for r in store.db.execute(
        "SELECT si.photo_id, si.position, ph.original_name, pr.id, pr.sku, pr.name FROM set_items si"
        " JOIN photos ph ON ph.id = si.photo_id JOIN products pr ON pr.id = ph.product_id"
        " WHERE si.set_id = ? ORDER BY si.position", [set_id]))
    set_id_, name, brand_id, brand, scope, status, created_by, created_at, updated_at = row
    return PhotoSet(set_id_, name, brand_id, brand, scope, status, created_by, created_at, updated_at, items)


def list_sets(store: Store, brand: str | None = None) -> list[SetSummary]:
    """Return sets, newest first, optionally of one brand.

    :raises InputError: if ``brand`` names no brand.
    """
    where, params = "", []
    if brand is not None:
        where, params = "WHERE s.brand_id = ?", [brand_id_by_name(store, brand)]
    return [SetSummary(*r) for r in store.db.execute(
        "SELECT s.id, s.name, b.name, s.scope, s.status, count(si.photo_id), count(DISTINCT ph.product_id),"
        " s.created_by, s.updated_at FROM sets s JOIN brands b ON b.id = s.brand_id"
        " LEFT JOIN set_items si ON si.set_id = s.id LEFT JOIN photos ph ON ph.id = si.photo_id"
        f" {where} GROUP BY s.id ORDER BY s.updated_at DESC, s.id DESC", params)]


def _check_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InputError("set name: write a name, e.g. 'Spring shirts'.")
    if len(clean) > 120:
        raise InputError("set name: keep it under 120 characters.")
    return clean


def _check_unlocked(store: Store, set_id: int, doing: str, states: Sequence[str] = _LOCKING_STATES) -> None:
    marks = ", ".join("?" * len(states))
    count = store.db.execute(f"SELECT count(*) FROM messages WHERE set_id = ? AND state IN ({marks})",
                             [set_id, *states]).fetchone()[0]
    if count:
        waiting = "awaiting approval or being sent" if "pending" in states else "being sent"
        raise InputError(f"set {set_id}: cannot {doing}: {count} messages made from it are {waiting}, and would "
                         "change under the manager's approval. Cancel them first, or make a new set.")


def _contents_changed(store: Store, set_id: int, actor: str) -> None:
    """Record who changed the set's shots; its unsent messages get the new card and go back for approval."""
    store.db.execute("UPDATE sets SET contents_changed_by = ?, contents_changed_at = ?, updated_at = ? WHERE id = ?",
                     [actor, utcnow(), utcnow(), set_id])
    # Imported here: the outbox (and the card's Pillow) matter only when the set already has messages.
    from lookbook.outbox.messages import set_contents_changed

    set_contents_changed(store, set_id, actor)


def stale_shots_problem(store: Store, set_id: int) -> str | None:
    """Return why a card of the set may not go to a customer yet, ``None`` if it may: shots whose render is older
    than their recipe (tied by hand to a hat, shoes or a bottom since, whose cleanup differs; a preset changed).
    The card would carry the hero rendered without it (a clip hanger or a hand unflagged).
    """
    rows = store.db.execute("SELECT ph.id, ph.original_name FROM set_items si JOIN photos ph ON ph.id = si.photo_id"
                            " WHERE si.set_id = ? ORDER BY si.position, ph.id", [set_id]).fetchall()
    stale = set(stale_render_ids(store, [r[0] for r in rows]))
    if not stale:
        return None
    named = [f"{photo_id} ({name})" for photo_id, name in rows if photo_id in stale]
    shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
    one = len(named) == 1
    return (f"set {set_id}: {'shot' if one else 'shots'} {shown} {'has a render' if one else 'have renders'} older "
            f"than {'its' if one else 'their'} recipe (tied to another product's category or a preset changed since);"
            " click Check All Photos on the Shoot page or run `lookbook render --all`, then try again.")


def shots_rerendered(store: Store, photo_ids: Sequence[int], actor: str) -> None:
    """After new renders of ``photo_ids`` were recorded: each set holding them whose messages are not sent yet
    gets new cards (the new heroes) and its submitted messages go back for approval, as when its shots change.

    Called by :func:`lookbook.photos.recipes.record_render` inside its transaction. Messages queued or being
    sent keep the card the manager approved.
    """
    if not photo_ids:
        return
    marks = ", ".join("?" * len(photo_ids))
    sets = [r[0] for r in store.db.execute(
        f"SELECT DISTINCT si.set_id FROM set_items si JOIN messages m ON m.set_id = si.set_id"
        f" WHERE si.photo_id IN ({marks}) AND m.state IN ('draft', 'pending', 'approved') ORDER BY si.set_id",
        list(photo_ids))]
    for set_id in sets:
        _contents_changed(store, set_id, actor)


def _ordered_shots(store: Store, set_id: int, brand_id: int, photo_ids: Sequence[int]) -> list[int]:
    """Check shots may join a set of ``brand_id``; return them grouped by product, best first.

    :raises InputError: naming each shot that may not, and why.
    """
    if not photo_ids:
        return []
    marks = ", ".join("?" * len(photo_ids))
    rows = {r[0]: r for r in store.db.execute(
        "SELECT ph.id, ph.original_name, ph.product_id, pr.sku, pr.brand_id, b.name, ph.slate_code"
        " FROM photos ph LEFT JOIN products pr ON pr.id = ph.product_id LEFT JOIN brands b ON b.id = pr.brand_id"
        f" WHERE ph.id IN ({marks})", list(photo_ids))}
    brand = store.db.execute("SELECT name FROM brands WHERE id = ?", [brand_id]).fetchone()[0]
    problems = []
    for photo_id in photo_ids:
        _id, name, product_id, sku, product_brand, brand_name, slate_code = rows[photo_id]
        if product_id is None:
            problems.append(f"photo {photo_id} ({name}) is tied to no product; tie it first "
                            "(`lookbook photos assign`)")
        elif product_brand != brand_id:
            problems.append(f"photo {photo_id} ({name}) shows {sku} by {brand_name}, not {brand}")
        elif slate_code is not None:
            problems.append(f"photo {photo_id} ({name}) is a barcode slate, not a product shot")
    if problems:
        raise InputError("; ".join(problems) + ".")
    already = {r[0] for r in store.db.execute("SELECT photo_id FROM set_items WHERE set_id = ?", [set_id])}
    fresh = [p for p in dict.fromkeys(photo_ids) if p not in already]
    if not fresh:
        return []
    marks = ", ".join("?" * len(fresh))
    ranked = [r[0] for r in store.db.execute(
        f"SELECT ph.id FROM photos ph WHERE ph.id IN ({marks}) ORDER BY {BEST_FIRST}", fresh)]
    product_order = list(dict.fromkeys(rows[p][2] for p in fresh))
    return sorted(ranked, key=lambda p: (product_order.index(rows[p][2]), ranked.index(p)))


def _append(store: Store, set_id: int, photo_ids: list[int]) -> None:
    start = store.db.execute("SELECT COALESCE(max(position), 0) FROM set_items WHERE set_id = ?",
                             [set_id]).fetchone()[0]
    store.db.conn.executemany("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)",
                              [(set_id, p, start + n) for n, p in enumerate(photo_ids, start=1)])


def _touch(store: Store, set_id: int) -> None:
    store.db.execute("UPDATE sets SET updated_at = ? WHERE id = ?", [utcnow(), set_id])


def create_set(store: Store, *, brand: str, name: str, actor: str, photos: Sequence[str | int] = (),
               scope: str = "one_to_one") -> PhotoSet:
    """Create a set for a brand, optionally with shots (grouped by product, best first).

    :param photos: photo ids, file names as imported, or content-hash prefixes.
    :param scope: ``one_to_one`` (an associate's personal messages) or ``marketing``.
    :raises InputError: if the brand is unknown, the name empty or a shot may not join (each named, with why).
    """
    roles.require(store, actor, "sets.edit")
    brand_id = brand_id_by_name(store, brand)
    clean = _check_name(name)
    if scope not in SCOPES:
        raise InputError(f"set scope '{scope}': choose one of {', '.join(SCOPES)}.")
    photo_ids = resolve_photos(store, photos)
    now = utcnow()
    with store.atomic():
        cur = store.db.execute(
            "INSERT INTO sets (name, brand_id, scope, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [clean, brand_id, scope, actor, now, now])
        set_id = inserted_id(cur)
        ordered = _ordered_shots(store, set_id, brand_id, photo_ids)
        _append(store, set_id, ordered)
        store.audit(actor, "set.create", "set", set_id, name=clean, brand=brand, scope=scope, photo_ids=ordered)
    store.notify(Changes(sets=True, audit=True))
    return get_set(store, set_id)


def rename_set(store: Store, ref: str | int, name: str, actor: str) -> Changes:
    """Rename a set.

    :raises InputError: if the set does not exist or the name is empty.
    """
    roles.require(store, actor, "sets.edit")
    set_id = resolve_set(store, ref)
    clean = _check_name(name)
    with store.atomic():
        old = store.db.execute("SELECT name FROM sets WHERE id = ?", [set_id]).fetchone()[0]
        store.db.execute("UPDATE sets SET name = ?, updated_at = ? WHERE id = ?", [clean, utcnow(), set_id])
        store.audit(actor, "set.rename", "set", set_id, old=old, new=clean)
    return store.notify(Changes(sets=True, audit=True))


def add_to_set(store: Store, ref: str | int, photos: Sequence[str | int], actor: str) -> Changes:
    """Add shots to the end of a set, grouped by product, best first; shots already in it are left where they are.

    :raises InputError: if the set does not exist, is locked by messages in flight, or a shot may not join.
    """
    roles.require(store, actor, "sets.edit")
    set_id = resolve_set(store, ref)
    _check_unlocked(store, set_id, "add shots", _SENDING_STATES)
    photo_ids = resolve_photos(store, photos)
    brand_id = store.db.execute("SELECT brand_id FROM sets WHERE id = ?", [set_id]).fetchone()[0]
    with store.atomic():
        ordered = _ordered_shots(store, set_id, brand_id, photo_ids)
        _append(store, set_id, ordered)
        _touch(store, set_id)
        store.audit(actor, "set.add", "set", set_id, photo_ids=ordered)
        if ordered:
            _contents_changed(store, set_id, actor)
    return store.notify(Changes(sets=True, outbox=True, audit=True))


def _members_named(store: Store, set_id: int, photos: Sequence[str | int]) -> tuple[list[int], list[int]]:
    """Return (the named shots' ids, the set's shots in order), refusing a named shot that is not in the set."""
    photo_ids = resolve_photos(store, photos)
    members = [r[0] for r in store.db.execute(
        "SELECT photo_id FROM set_items WHERE set_id = ? ORDER BY position", [set_id])]
    outside = [p for p in photo_ids if p not in members]
    if outside:
        raise InputError(f"set {set_id}: photos {', '.join(map(str, outside))} are not in it.")
    return photo_ids, members


def remove_from_set(store: Store, ref: str | int, photos: Sequence[str | int], actor: str) -> Changes:
    """Remove shots from a set and close the gaps in its order.

    :raises InputError: if the set does not exist, is locked, or a shot is not in it.
    """
    roles.require(store, actor, "sets.edit")
    set_id = resolve_set(store, ref)
    _check_unlocked(store, set_id, "remove shots", _SENDING_STATES)
    photo_ids, members = _members_named(store, set_id, photos)
    keep = [p for p in members if p not in photo_ids]
    with store.atomic():
        store.db.execute("DELETE FROM set_items WHERE set_id = ?", [set_id])
        _append(store, set_id, keep)
        _touch(store, set_id)
        store.audit(actor, "set.remove", "set", set_id, photo_ids=photo_ids)
        _contents_changed(store, set_id, actor)
    return store.notify(Changes(sets=True, outbox=True, audit=True))


def reorder_set(store: Store, ref: str | int, photos: Sequence[str | int], actor: str) -> Changes:
    """Put a set's shots in a new order; shots not named keep their relative order after those named.

    :raises InputError: if the set does not exist, is locked, or a shot is not in it.
    """
    roles.require(store, actor, "sets.edit")
    set_id = resolve_set(store, ref)
    _check_unlocked(store, set_id, "reorder shots", _SENDING_STATES)
    photo_ids, members = _members_named(store, set_id, photos)
    order = photo_ids + [p for p in members if p not in photo_ids]
    with store.atomic():
        store.db.execute("DELETE FROM set_items WHERE set_id = ?", [set_id])
        _append(store, set_id, order)
        _touch(store, set_id)
        store.audit(actor, "set.reorder", "set", set_id, photo_ids=order)
        if order != members:
            _contents_changed(store, set_id, actor)
    return store.notify(Changes(sets=True, outbox=True, audit=True))


def delete_set(store: Store, ref: str | int, actor: str) -> Changes:
    """Delete a set (its shots stay in the library; sent messages keep their text and pictures).

    :raises InputError: if the set does not exist or messages made from it are awaiting approval or sending.
    """
    roles.require(store, actor, "sets.edit")
    set_id = resolve_set(store, ref)
    _check_unlocked(store, set_id, "be deleted")
    with store.atomic():
        name = store.db.execute("SELECT name FROM sets WHERE id = ?", [set_id]).fetchone()[0]
        store.db.execute("DELETE FROM sets WHERE id = ?", [set_id])
        store.audit(actor, "set.delete", "set", set_id, name=name)
    return store.notify(Changes(sets=True, audit=True))


def shot_order(store: Store, set_id: int) -> list[int]:
    """Return a set's shots (photo ids) in order."""
    return [r[0] for r in store.db.execute(
        "SELECT photo_id FROM set_items WHERE set_id = ? ORDER BY position", [set_id])]


# -- what a set shows ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SetProduct:
    """A product shown in a set, with the sizes now in stock."""

    id: int
    sku: str
    name: str
    category: str
    sizes_in_stock: list[str]


def set_products(store: Store, set_id: int) -> list[SetProduct]:
    """Return the products of a set in the order of their shots, with the sizes now in stock and not held."""
    rows = store.db.execute(
        "SELECT p.id, p.sku, p.name, p.category, min(si.position) AS first FROM set_items si"
        " JOIN photos ph ON ph.id = si.photo_id JOIN products p ON p.id = ph.product_id"
        " WHERE si.set_id = ? GROUP BY p.id ORDER BY first, p.sku", [set_id]).fetchall()
    # Available stock: units on hand that no customer holds (lookbook.catalog.holds), so the card, the PDF and
    # "in your size" never offer a unit put aside for someone else.
    sizes = available_sizes(store, [r[0] for r in rows])
    return [SetProduct(pid, sku, name, category, sizes.get(pid, [])) for pid, sku, name, category, _ in rows]
