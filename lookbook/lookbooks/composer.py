"""The lookbook composer: a set's card laid out by a layout, with shots and details placed in its slots.

A set's *composition* (stored on the set, ``sets.card_composition``) names its layout
(:mod:`lookbook.lookbooks.layouts`), what each slot shows (a photo's hero or one of its detail crops,
with an optional crop box inside it: non-destructive, the render files are never changed),
which captions the card prints (product name, price, sizes in stock, a line of text) and
whether the brand's header shows. A set never composed gets a default composition: a layout
chosen by how many products it has (one product: by how many rendered details it has, so no
detail slot stays empty; :func:`layout_reason` says why), hero shots in set order. Each product
also has its own card (:func:`product_composition`, a one-product layout): the pictures of the
"several messages" drafting mode and the pages of the PDF lookbook.

One function draws a card, :func:`render_card`. Everything it needs is gathered first from
the store (:func:`gather_card`, on the store's thread) into a :class:`CardInput`; drawing then
touches only files and pixels, so the app's Compose page runs it on another thread for its
preview, and what it previews is the image drafting writes (:func:`write_card`), byte for byte
after the same JPEG encoding (:func:`encode_card`). Same inputs, same bytes.

Quality: text is drawn with the bundled Source Sans Pro (SIL Open Font License,
``resources/fonts``) at the output's own resolution; pictures are placed in sRGB and the JPEG
carries the sRGB profile; each output's JPEG stays within its size limit
(:data:`lookbook.lookbooks.layouts.SIZE_LIMITS`); a detail crop is never enlarged beyond the pixels it holds:
a slot bigger than the detail shows it at its own size, centred, and the render says so
(:attr:`RenderedCard.warnings`). Hero shots fill their slot, as cards always have.

Per customer: with a customer, each product's sizes on the card are theirs (``in your size: M``)
when their size is in stock, so the picture tells the truth too; customers with the same size
list get the same card (the file name is a digest of its bytes).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.lookbooks.layouts import OUTPUT_SIZES, SIZE_LIMITS, Layout, get_layout
from lookbook.payment_cards import mask_card_numbers
from lookbook.photos.details import detail_kinds, file_kind
from lookbook.photos.recipes import flagged_shots, render_paths
from lookbook.photos.review import FlaggedShot
from lookbook.store import roles
from lookbook.store.database import Store, utcnow
from lookbook.store.library import make_private
from lookbook.words import price_text, size_label

if TYPE_CHECKING:
    # Pillow loads when a card is drawn, not with the Compose page (the app's launch stays light, issue 18).
    from PIL import Image, ImageDraw, ImageFont

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
FONT_REGULAR = RESOURCES / "fonts" / "SourceSansPro-Regular.ttf"
FONT_SEMIBOLD = RESOURCES / "fonts" / "SourceSansPro-Semibold.ttf"
#: The sRGB profile every card carries (lcms's built-in sRGB, written once and kept: a profile made
#: at run time holds the moment it was made, and the same card must have the same bytes).
SRGB_PROFILE = RESOURCES / "colour" / "sRGB.icc"
BACKGROUND = (250, 248, 244)
INK = (28, 28, 30)
MUTED = (105, 105, 110)
EMPTY_SLOT = (236, 233, 227)
#: JPEG qualities tried in turn until the card is within its output's size limit.
QUALITIES = (90, 85, 80, 72, 64, 56, 48)
#: The smallest caption text, in pixels of a 1500-pixel-high card (scaled with the card).
MIN_TEXT = 22
#: The tallest caption line, in pixels of a 1500-pixel-high card (scaled with the card); text is
#: about 0.72 of its line.
MAX_LINE = 46
#: Caption text (smallest, largest) in the output's own pixels where the output is seen at a known
#: width. The e-mail body (1200 pixels) is shown 600 CSS pixels wide, which a phone shrinks to its
#: own width, about 375: 40 pixels of text read as 12.5 there, the least that is comfortable, and
#: up to 48 (15 on a phone) where the room allows. (Scaled from the X card, they came out 32-35.)
READABLE_TEXT: dict[str, tuple[int, int]] = {"email": (40, 48)}

CropBox = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the picture


# -- what a composition is ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SlotFill:
    """What one slot shows: a photo's hero (``kind="hero"``) or one of its detail crops, optionally cropped."""

    photo_id: int
    kind: str = "hero"
    crop: CropBox | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the fill as stored."""
        data: dict[str, Any] = {"photo": self.photo_id, "kind": self.kind}
        if self.crop is not None:
            data["crop"] = [round(v, 4) for v in self.crop]
        return data


@dataclass(frozen=True)
class Captions:
    """Which captions the card prints under its pictures."""

    name: bool = True
    price: bool = True
    sizes: bool = True
    line: str = ""  # a line of text of the merchandiser's, printed last

    def as_json(self) -> dict[str, Any]:
        """Return the captions as stored."""
        return {"name": self.name, "price": self.price, "sizes": self.sizes, "line": self.line}


@dataclass(frozen=True)
class Composition:
    """A set's card: its layout, what each slot shows, the captions and the brand header."""

    layout: str
    slots: tuple[tuple[str, SlotFill], ...] = ()
    captions: Captions = field(default_factory=Captions)
    header: bool = True

    def fill(self, slot_id: str) -> SlotFill | None:
        """Return what slot ``slot_id`` shows (None: nothing)."""
        return dict(self.slots).get(slot_id)

    def with_fill(self, slot_id: str, fill: SlotFill | None) -> Composition:
        """Return the composition with slot ``slot_id`` showing ``fill`` (None: emptied)."""
        slots = {k: v for k, v in self.slots if k != slot_id}
        if fill is not None:
            slots[slot_id] = fill
        return replace(self, slots=tuple(sorted(slots.items())))

    def swapped(self, a: str, b: str) -> Composition:
        """Return the composition with slots ``a`` and ``b`` exchanging what they show."""
        fa, fb = self.fill(a), self.fill(b)
        return self.with_fill(a, fb).with_fill(b, fa)

    def photo_ids(self) -> list[int]:
        """Return the photos the card shows (a hero or a detail of each), in slot order, each once."""
        return list(dict.fromkeys(fill.photo_id for _slot, fill in self.slots))

    def as_json(self) -> dict[str, Any]:
        """Return the composition as stored on the set."""
        return {"layout": self.layout, "slots": {k: v.as_json() for k, v in self.slots},
                "captions": self.captions.as_json(), "header": self.header}


def _crop(value: object, where: str) -> CropBox | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 4 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise InputError(f"{where}.crop: write [x0, y0, x1, y1] as fractions of the picture.")
    x0, y0, x1, y1 = (float(v) for v in value)
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise InputError(f"{where}.crop {list(value)}: keep 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1.")
    return x0, y0, x1, y1


def composition_from_json(data: object, where: str = "composition") -> Composition:
    """Return a composition from its stored JSON data.

    :raises InputError: naming the field that is wrong.
    """
    if not isinstance(data, dict) or not isinstance(data.get("layout"), str):
        raise InputError(f"{where}: a composition is an object with a layout name.")
    slots = []
    raw_slots = data.get("slots") or {}
    if not isinstance(raw_slots, dict):
        raise InputError(f"{where}.slots: map each slot id to {{\"photo\", \"kind\"}}.")
    for slot_id, raw in raw_slots.items():
        if not isinstance(raw, dict) or not isinstance(raw.get("photo"), int):
            raise InputError(f"{where}.slots.{slot_id}: give the photo id as a number.")
        slots.append((str(slot_id), SlotFill(int(raw["photo"]), str(raw.get("kind") or "hero"),
                                             _crop(raw.get("crop"), f"{where}.slots.{slot_id}"))))
    cap = data.get("captions") or {}
    if not isinstance(cap, dict):
        raise InputError(f"{where}.captions: an object with name, price, sizes and line.")
    captions = Captions(bool(cap.get("name", True)), bool(cap.get("price", True)), bool(cap.get("sizes", True)),
                        str(cap.get("line") or ""))
    return Composition(data["layout"], tuple(sorted(slots)), captions, bool(data.get("header", True)))


# -- what a set can show -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """A picture a slot can show: a photo's hero or one of its detail crops."""

    photo_id: int
    product_id: int
    kind: str  # "hero" or a detail kind as shown (collar, cuff, hem, ...)
    path: Path

    @property
    def label(self) -> str:
        """Return how the picture is named to people: ``photo 12 hero``, ``photo 12 cuff``."""
        return f"photo {self.photo_id} {self.kind}"


def set_sources(store: Store, set_id: int) -> list[Source]:
    """Return every picture the set's shots offer, in set order: each photo's hero, then its details.

    A hero is the photo's render, else its original; details exist only once the photo is rendered.
    """
    sources: list[Source] = []
    for photo_id, product_id, sha256, stored_path, category in store.db.execute(
            "SELECT ph.id, ph.product_id, ph.sha256, ph.stored_path, pr.category FROM set_items si"
            " JOIN photos ph ON ph.id = si.photo_id JOIN products pr ON pr.id = ph.product_id"
            " WHERE si.set_id = ? ORDER BY si.position, ph.id", [set_id]):
        paths = render_paths(store.library, sha256)
        sources.append(Source(photo_id, product_id, "hero", paths.get("hero") or store.library.root / stored_path))
        for kind in detail_kinds(category):
            made = paths.get(file_kind(kind, category))
            if made is not None:
                sources.append(Source(photo_id, product_id, kind, made))
    return sources


def _in_stock(store: Store, product_ids: set[int]) -> set[int]:
    if not product_ids:
        return set()
    marks = ", ".join("?" * len(product_ids))
    return {r[0] for r in store.db.execute(
        f"SELECT DISTINCT product_id FROM stock WHERE quantity > 0 AND product_id IN ({marks})", list(product_ids))}


def auto_layout(products: int, details: int = 2) -> str:
    """Return the built-in layout a set of ``products`` products in stock gets before anyone composes it.

    :param details: for one product, how many rendered details it has: a layout never has detail slots
        it cannot fill (two or more: ``product-details``; one: ``product-one-detail``; none: ``product-hero``).
    """
    if products <= 1:
        return {0: "product-hero", 1: "product-one-detail"}.get(details, "product-details")
    return {2: "two-heroes", 3: "three-across", 4: "grid-2x2"}.get(products, "six-up")


def _one_product_layout(sources: Sequence[Source], product_id: int) -> tuple[str, int]:
    """Return the one-product layout that fits what ``product_id`` has among ``sources``, and its detail count."""
    details = len([s for s in sources if s.product_id == product_id and s.kind != "hero"])
    return auto_layout(1, details), details


def layout_reason(store: Store, set_id: int) -> str:
    """Return why a set nobody composed has the layout it has, where that needs saying ('' otherwise):
    a one-product set whose product has fewer than two rendered details gets a layout without the empty
    detail slots, and the merchandiser is told how to get them.

    :raises InputError: if the set does not exist.
    """
    row = store.db.execute("SELECT card_composition FROM sets WHERE id = ?", [set_id]).fetchone()
    if row is None:
        raise InputError(f"set {set_id}: no such set; see `lookbook sets list`.")
    if row[0]:
        return ""
    sources = set_sources(store, set_id)
    in_stock = _in_stock(store, {s.product_id for s in sources})
    if len(in_stock) != 1:
        return ""
    name, details = _one_product_layout(sources, next(iter(in_stock)))
    if details >= 2:
        return ""
    title = get_layout(name, store.library).title
    have = "no rendered details" if details == 0 else "one rendered detail"
    return (f"Layout \"{title}\": the set's one product has {have}, so a layout with empty detail slots "
            "is not offered; render its shot on the Shoot page for its collar and cuff.")


class _Picker:
    """Hands out each picture at most once and remembers, in order, the products it has shown (so details can
    follow the hero they belong to)."""

    def __init__(self, used: set[tuple[int, str]]) -> None:
        self.used = used
        self.shown: list[int] = []

    def take(self, candidates: list[Source]) -> Source | None:
        """Return the first candidate not yet used (and mark it used), else None."""
        for s in candidates:
            if (s.photo_id, s.kind) not in self.used:
                self.used.add((s.photo_id, s.kind))
                if s.product_id not in self.shown:
                    self.shown.append(s.product_id)
                return s
        return None


def _kept_fills(layout: Layout, sources: Sequence[Source], keep: dict[str, SlotFill] | None) -> dict[str, SlotFill]:
    """Return the chosen fills that still apply: the slot exists, takes the picture's kind, and the picture is
    still in the set."""
    kinds = {(s.photo_id, s.kind) for s in sources}
    fills: dict[str, SlotFill] = {}
    for slot in layout.slots:
        chosen = (keep or {}).get(slot.id)
        if chosen is not None and slot.takes(chosen.kind) and (chosen.photo_id, chosen.kind) in kinds:
            fills[slot.id] = chosen
    return fills


def _usable(layout: Layout, sources: Sequence[Source], in_stock: set[int]) -> list[Source]:
    """Return the pictures a default may use: of products in stock, and of the first one only for a
    ``one_product`` layout (its slots are all about one product)."""
    usable = [s for s in sources if s.product_id in in_stock]
    if layout.one_product and usable:
        product = usable[0].product_id
        usable = [s for s in usable if s.product_id == product]
    return usable


def _heroes(layout: Layout, usable: list[Source]) -> list[Source]:
    """Return the heroes to offer, in set order: one per product, so a card shows as many products as it can;
    every hero of the product for a ``one_product`` layout."""
    if layout.one_product:
        return [s for s in usable if s.kind == "hero"]
    heroes: list[Source] = []
    seen_products: set[int] = set()
    for s in usable:
        if s.kind == "hero" and s.product_id not in seen_products:
            heroes.append(s)
            seen_products.add(s.product_id)
    return heroes


def _fill_hero_slots(layout: Layout, fills: dict[str, SlotFill], picker: _Picker, heroes: list[Source],
                     usable: list[Source]) -> None:
    """Fill the empty slots that take heroes with heroes; an ``any`` slot takes a detail when heroes run out."""
    for slot in layout.slots:
        if slot.id in fills or slot.accepts == "detail":
            continue
        got = picker.take(heroes)
        if got is None and slot.accepts == "any":
            got = picker.take([s for s in usable if s.kind != "hero"])
        if got is not None:
            fills[slot.id] = SlotFill(got.photo_id, got.kind)


def _fill_detail_slots(layout: Layout, fills: dict[str, SlotFill], picker: _Picker, usable: list[Source]) -> None:
    """Fill the empty detail slots, after the heroes, so the products already shown are known."""
    for slot in layout.slots:
        if slot.id in fills or slot.accepts != "detail":
            continue
        details = [s for s in usable if s.kind != "hero"]
        shown = picker.shown
        # Details of the products already on the card first: the hero's collar beside the hero.
        details.sort(key=lambda s: shown.index(s.product_id) if s.product_id in shown else len(shown))
        got = picker.take(details)
        if got is not None:
            fills[slot.id] = SlotFill(got.photo_id, got.kind)


def default_fills(layout: Layout, sources: Sequence[Source], in_stock: set[int],
                  keep: dict[str, SlotFill] | None = None) -> dict[str, SlotFill]:
    """Return what each slot shows when nobody chose: heroes of products in stock in set order, then details
    of the products already shown (all of one product for a ``one_product`` layout).

    :param keep: fills already chosen (kept when the slot still exists and takes them).
    """
    fills = _kept_fills(layout, sources, keep)
    # A kept picture is not offered again for another slot.
    picker = _Picker({(f.photo_id, f.kind) for f in fills.values()})
    usable = _usable(layout, sources, in_stock)
    _fill_hero_slots(layout, fills, picker, _heroes(layout, usable), usable)
    _fill_detail_slots(layout, fills, picker, usable)
    return fills


def get_composition(store: Store, set_id: int) -> Composition:
    """Return the set's composition: the one stored, else the default; slots whose picture has left the set
    are filled again by default.

    :raises InputError: if the set does not exist.
    """
    row = store.db.execute("SELECT card_composition FROM sets WHERE id = ?", [set_id]).fetchone()
    if row is None:
        raise InputError(f"set {set_id}: no such set; see `lookbook sets list`.")
    sources = set_sources(store, set_id)
    in_stock = _in_stock(store, {s.product_id for s in sources})
    if row[0]:
        stored = composition_from_json(json.loads(row[0]), f"set {set_id} composition")
        layout = get_layout(stored.layout, store.library)
        fills = default_fills(layout, sources, in_stock, dict(stored.slots))
        return replace(stored, slots=tuple(sorted(fills.items())))
    if len(in_stock) <= 1:
        name = _one_product_layout(sources, next(iter(in_stock), -1))[0]
    else:
        name = auto_layout(len(in_stock))
    layout = get_layout(name, store.library)
    return Composition(layout.name, tuple(sorted(default_fills(layout, sources, in_stock).items())))


def flagged_on_card(store: Store, set_id: int) -> list[FlaggedShot]:
    """Return the shots on the set's card still flagged for review, with why, in slot order (the manager who
    approves the set sees them: :func:`lookbook.photos.review.still_flagged`).

    :raises InputError: if the set does not exist.
    """
    return flagged_shots(store, get_composition(store, set_id).photo_ids())


def product_composition(store: Store, set_id: int, product_id: int, like: Composition | None = None) -> Composition:
    """Return the composition of one product's own card (a page of the PDF lookbook, a picture of the
    "several messages" mode): the one-product layout that fits the details it has, its hero and details,
    with the captions and header of ``like`` (default: the set's composition).

    :raises InputError: if the set does not exist.
    """
    like = like or get_composition(store, set_id)
    sources = [s for s in set_sources(store, set_id) if s.product_id == product_id]
    layout = get_layout(_one_product_layout(sources, product_id)[0], store.library)
    fills = default_fills(layout, sources, {product_id})
    return Composition(layout.name, tuple(sorted(fills.items())), like.captions, like.header)


def card_products(store: Store, set_id: int) -> list[int]:
    """Return the set's products in stock in some size, in set order (each product's own card, in turn)."""
    sources = set_sources(store, set_id)
    in_stock = _in_stock(store, {s.product_id for s in sources})
    return list(dict.fromkeys(s.product_id for s in sources if s.product_id in in_stock))


def check_composition(store: Store, set_id: int, composition: Composition) -> Layout:
    """Check that a composition fits its layout and the set's pictures; return the layout.

    :raises InputError: naming the slot and what is wrong with it.
    """
    layout = get_layout(composition.layout, store.library)
    available = {(s.photo_id, s.kind) for s in set_sources(store, set_id)}
    for slot_id, fill in composition.slots:
        slot = layout.slot(slot_id)
        if not slot.takes(fill.kind):
            raise InputError(f"slot '{slot_id}' of layout {layout.name} takes {slot.accepts} pictures, not a "
                             f"{fill.kind}; put it in another slot.")
        if (fill.photo_id, fill.kind) not in available:
            what = "hero" if fill.kind == "hero" else f"{fill.kind} detail"
            raise InputError(f"slot '{slot_id}': photo {fill.photo_id} is not in set {set_id} or has no {what} "
                             "rendered; add the shot or render it on the Shoot page.")
    if len(composition.captions.line) > 140:
        raise InputError("caption line: keep it under 140 characters.")
    return layout


def save_composition(store: Store, set_id: int, composition: Composition, actor: str) -> Changes:
    """Keep the set's card composition (layout, slots, captions, header).

    Changing it changes what customers get: the set's unsent messages get the new card, and those
    submitted go back to approval, where someone other than ``actor`` must approve them.

    :raises InputError: if the composition does not fit (:func:`check_composition`) or messages made from
        the set are being sent.
    :raises PermissionDenied: if ``actor`` may not edit sets.
    """
    roles.require(store, actor, "sets.edit")
    # Imported here: sets imports assign (the OpenCV code reader) only for the verbs that need it.
    from lookbook.lookbooks.sets import _SENDING_STATES, _check_unlocked, _contents_changed

    check_composition(store, set_id, composition)
    _check_unlocked(store, set_id, "change its card", _SENDING_STATES)
    before = get_composition(store, set_id)
    text = json.dumps(composition.as_json(), sort_keys=True)
    with store.atomic():
        store.db.execute("UPDATE sets SET card_composition = ?, updated_at = ? WHERE id = ?",
                         [text, utcnow(), set_id])
        store.audit(actor, "set.compose", "set", set_id, **composition.as_json())
        if before != get_composition(store, set_id):
            _contents_changed(store, set_id, actor)
    return store.notify(Changes(sets=True, outbox=True, audit=True))


def set_layout(store: Store, set_id: int, layout_name: str, actor: str) -> Changes:
    """Give the set's card another layout, keeping the pictures of slots the new layout also has.

    :raises InputError: as :func:`save_composition`, or if there is no such layout.
    """
    layout = get_layout(layout_name, store.library)
    current = get_composition(store, set_id)
    sources = set_sources(store, set_id)
    fills = default_fills(layout, sources, _in_stock(store, {s.product_id for s in sources}), dict(current.slots))
    return save_composition(store, set_id, replace(current, layout=layout.name, slots=tuple(sorted(fills.items()))),
                            actor)


# -- gathering what a card shows ---------------------------------------------------------------------
@dataclass(frozen=True)
class Placed:
    """A picture placed in a slot, ready to draw."""

    slot_id: str
    path: Path
    label: str  # e.g. "photo 12 cuff", for warnings
    crop: CropBox | None
    hero: bool


@dataclass(frozen=True)
class CardInput:
    """Everything a card shows, gathered from the store; drawing it needs no store."""

    layout: Layout
    brand: str | None  # None: no header
    placed: tuple[Placed, ...]
    lines: tuple[str, ...]  # caption lines, in order
    notes: tuple[str, ...] = ()  # what gathering left off, and why
    names: tuple[str, ...] = ()  # the names of the products the card shows, in order (an e-mail's alt text)


def _line(text: str) -> str:
    """Return a text as the card prints it: on one line, with any card number in it masked."""
    return mask_card_numbers(" ".join(text.split()))[0]


def _sizes_text(store: Store, product_id: int, category: str, sizes: list[str], customer_id: int | None) -> str:
    if customer_id is not None:
        row = store.db.execute("SELECT size FROM customer_sizes WHERE customer_id = ? AND category = ?",
                               [customer_id, category]).fetchone()
        if row is not None and row[0] in sizes:
            return f"in your size: {size_label(row[0])}"
    return "in stock: " + ", ".join(size_label(s) for s in sizes)


def _set_head(store: Store, set_id: int) -> tuple[str, str]:
    """Return the set's name and its brand's name.

    :raises InputError: if the set does not exist.
    """
    head = store.db.execute("SELECT s.name, b.name FROM sets s JOIN brands b ON b.id = s.brand_id WHERE s.id = ?",
                            [set_id]).fetchone()
    if head is None:
        raise InputError(f"set {set_id}: no such set; see `lookbook sets list`.")
    return head[0], head[1]


#: A product as a card captions it: name, category, price in minor units, currency.
_ProductRow = tuple[str, str, int, str]


def _products_and_stock(store: Store, set_id: int,
                        set_name: str) -> tuple[dict[int, _ProductRow], dict[int, list[str]]]:
    """Return the set's products and, for each, its sizes in stock (in the order they were stocked).

    :raises InputError: if every product in the set is sold out.
    """
    products = {r[0]: r[1:] for r in store.db.execute(
        "SELECT DISTINCT pr.id, pr.name, pr.category, pr.price_minor, pr.currency FROM set_items si"
        " JOIN photos ph ON ph.id = si.photo_id JOIN products pr ON pr.id = ph.product_id WHERE si.set_id = ?",
        [set_id])}
    stock = {pid: [r[0] for r in store.db.execute(
        "SELECT size FROM stock WHERE product_id = ? AND quantity > 0 ORDER BY rowid", [pid])] for pid in products}
    if not any(stock.values()):
        raise InputError(f"set '{set_name}': every product in it is sold out, so there is nothing to offer; "
                         "restock them or change the set.")
    return products, stock


def _placed_pictures(layout: Layout, composition: Composition, sources: dict[tuple[int, str], Source],
                     products: dict[int, _ProductRow],
                     stock: dict[int, list[str]]) -> tuple[list[Placed], list[str], list[int]]:
    """Place each slot's picture; return what is placed, notes on what was left off (sold out), and the
    products shown, in slot order.

    :raises InputError: if a placed picture's file is missing.
    """
    placed: list[Placed] = []
    notes: list[str] = []
    shown: list[int] = []
    for slot in layout.slots:
        fill = composition.fill(slot.id)
        if fill is None:
            continue
        source = sources[(fill.photo_id, fill.kind)]
        if not stock[source.product_id]:
            notes.append(f"slot '{slot.id}': {_line(products[source.product_id][0])} is sold out; left off.")
            continue
        if not source.path.is_file():
            what = "file" if fill.kind == "hero" else f"{fill.kind} detail file"
            raise InputError(f"photo {fill.photo_id}: its {what} is missing; re-import or render it, "
                             "or take it out of the card.", path=source.path)
        placed.append(Placed(slot.id, source.path, source.label, fill.crop, fill.kind == "hero"))
        if source.product_id not in shown:
            shown.append(source.product_id)
    return placed, notes, shown


def _caption_lines(store: Store, composition: Composition, shown: list[int], products: dict[int, _ProductRow],
                   stock: dict[int, list[str]], customer_id: int | None, one_product: bool) -> list[str]:
    """Return the caption lines: one per product shown (the parts the captions ask for), the set's own line,
    then how many products in stock the card does not show."""
    lines = []
    cap = composition.captions
    for pid in shown:
        name, category, price_minor, currency = products[pid]
        parts = [_line(name) if cap.name else "", price_text(price_minor, currency) if cap.price else "",
                 _sizes_text(store, pid, category, stock[pid], customer_id) if cap.sizes else ""]
        text = " · ".join(p for p in parts if p)
        if text:
            lines.append(text)
    if cap.line.strip():
        lines.append(_line(cap.line))
    more = 0 if one_product else len([pid for pid, sizes in stock.items() if sizes and pid not in shown])
    if more:
        lines.append(f"and {more} more in store")
    return lines


def gather_card(store: Store, set_id: int, composition: Composition | None = None,
                customer_id: int | None = None, *, one_product: bool = False) -> CardInput:
    """Gather what the set's card shows: for ``composition`` (default: the set's own) and, with a customer,
    with the sizes in stock that are theirs.

    :param one_product: the card is one product's own (:func:`product_composition`): it does not count
        the set's other products as "more in store".

    Pictures of products sold out in every size are left off (a customer is never offered them).

    :raises InputError: if the set has no shots of products, every product in it is sold out, a picture's
        file is missing, or the composition does not fit.
    """
    composition = composition or get_composition(store, set_id)
    layout = check_composition(store, set_id, composition)
    set_name, brand = _set_head(store, set_id)
    sources = {(s.photo_id, s.kind): s for s in set_sources(store, set_id)}
    if not sources:
        raise InputError(f"set {set_id}: it has no photos tied to products; add shots before drafting.")
    products, stock = _products_and_stock(store, set_id, set_name)
    placed, notes, shown = _placed_pictures(layout, composition, sources, products, stock)
    if not placed:
        raise InputError(f"set '{set_name}': its card shows no product in stock; put a shot of one in stock "
                         "into a slot.")
    lines = _caption_lines(store, composition, shown, products, stock, customer_id, one_product)
    return CardInput(layout, _line(brand) if composition.header else None, tuple(placed), tuple(lines),
                     tuple(notes), tuple(_line(products[pid][0]) for pid in shown))


# -- drawing -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderedCard:
    """A drawn card and what the drawing had to say (pictures shown smaller than their slot, left off)."""

    image: Image.Image
    warnings: tuple[str, ...]


@functools.lru_cache(maxsize=48)
def _decoded(path: Path, stamp: tuple[int, int]) -> Image.Image:
    """Return a picture file decoded upright in RGB (kept for the next render: the preview redraws often).

    :param stamp: the file's size and modification time, so a file written again is read again.
    """
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            im.load()
            upright = ImageOps.exif_transpose(im)
            return upright.convert("RGB")
    except OSError as exc:
        raise InputError(f"cannot read the picture ({exc}); re-import or render it again.", path=path) from None


def _open(path: Path) -> Image.Image:
    try:
        st = path.stat()
    except OSError:
        raise InputError("the picture file is missing; re-import or render it again.", path=path) from None
    return _decoded(path, (st.st_size, st.st_mtime_ns))


@functools.lru_cache(maxsize=16)
def _font(semibold: bool, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT_SEMIBOLD if semibold else FONT_REGULAR), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, room: float) -> str:
    """Return ``text``, cut with an ellipsis if it is wider than ``room`` pixels."""
    if draw.textlength(text, font=font) <= room:
        return text
    while text and draw.textlength(text + "…", font=font) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def caption_text_range(output: str) -> tuple[int, int]:
    """Return the (smallest, largest) caption text size in pixels of ``output``'s card.

    :raises InputError: if ``output`` is unknown.
    """
    if output not in OUTPUT_SIZES:
        raise InputError(f"output '{output}': choose one of {', '.join(OUTPUT_SIZES)}.")
    if output in READABLE_TEXT:
        return READABLE_TEXT[output]
    scale = OUTPUT_SIZES[output][1] / 1500
    smallest = max(10, round(MIN_TEXT * scale))
    return smallest, max(smallest, round(MAX_LINE * scale * 0.72))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, room: float) -> list[str]:
    """Return ``text`` as the rows it takes at ``font`` within ``room`` pixels: broken between its parts
    ("name · price · sizes") where it can; a part too wide for a row of its own between its words."""

    def fits(row: str) -> bool:
        return draw.textlength(row, font=font) <= room

    rows: list[str] = []
    row = ""
    for part in text.split(" · "):
        joined = f"{row} · {part}" if row else part
        if fits(joined):
            row = joined
            continue
        if row:
            rows.append(row)
            row = ""
        if fits(part):
            row = part
            continue
        for word in part.split(" "):  # a word wider than the room stays whole (drawing cuts it)
            joined = f"{row} {word}" if row else word
            if row and not fits(joined):
                rows.append(row)
                row = word
            else:
                row = joined
    rows.append(row)
    return rows


def _caption_rows(draw: ImageDraw.ImageDraw, lines: list[str], w: int, h: int, smallest: int, largest: int
                  ) -> tuple[list[tuple[int, str, bool]], ImageFont.FreeTypeFont, int]:
    """Lay the caption lines out in a ``w`` x ``h`` box; return the rows ``(indent, text, muted)``, the font
    and the row height.

    The text is as large as the box allows, from ``largest`` down to ``smallest``, one row per line
    if some size allows that; else a line too long for the box's width goes on in a second row
    (indented) rather than being cut. When even the
    smallest text does not fit every line, as many lines as fit are drawn, then how many more
    products there are ("and 3 more in store").
    """
    more_line = lines[-1] if lines[-1].startswith("and ") and lines[-1].endswith(" more in store") else ""
    # One row per line at the largest size that allows it; else lines wrapped, at the largest size that fits.
    for wrap in (False, True):
        for px in range(largest, smallest - 1, -1):
            font = _font(False, px)
            line_h = round(px / 0.72)
            indent = round(px * 0.8)
            rows: list[tuple[int, str, bool]] = []
            for n, line in enumerate(lines):
                muted = bool(more_line) and n == len(lines) - 1
                if draw.textlength(line, font=font) <= w:
                    rows.append((0, line, muted))
                    continue
                if not wrap:
                    break
                # A line too wide goes on in indented rows (all wrapped to the indented width, for simplicity).
                first, *rest = _wrap(draw, line, font, w - indent)
                rows += [(0, first, muted)] + [(indent, part, muted) for part in rest]
            if len(rows) * line_h <= h and (wrap or len(rows) == len(lines)):
                return rows, font, line_h
    # Too many lines for the room even at the smallest text: as many as fit (each cut to the width), then
    # how many more products.
    font = _font(False, smallest)
    line_h = round(smallest / 0.72)
    room = max(1, h // line_h)
    if room < len(lines):
        # The lines left out are products (and maybe the "more" line itself): count products only.
        hidden = lines[room - 1:]
        extra = int(more_line.split()[1]) if more_line else 0
        more_line = f"and {len(hidden) - (1 if more_line else 0) + extra} more in store"
        lines = lines[:room - 1] + [more_line]
    return [(0, line, bool(more_line) and n == len(lines) - 1) for n, line in enumerate(lines)], font, line_h


def _place(card: Image.Image, placed: Placed, box: tuple[int, int, int, int]) -> str | None:
    """Draw one picture into its slot (filling it, cropped to the slot's shape); return a warning if a
    detail crop holds fewer pixels than the slot and is shown at its own size instead of enlarged."""
    from PIL import Image

    left, top, sw, sh = box
    im = _open(placed.path)
    w, h = im.size
    x0, y0, x1, y1 = placed.crop or (0.0, 0.0, 1.0, 1.0)
    rx0, ry0, rw, rh = x0 * w, y0 * h, (x1 - x0) * w, (y1 - y0) * h
    # Trim the region to the slot's shape: a hero keeps more of the top (the collar), a crop its middle.
    target = sw / sh
    if rw / rh > target:
        cut = rw - rh * target
        rx0, rw = rx0 + cut / 2, rh * target
    else:
        cut = rh - rw / target
        ry0, rh = ry0 + cut * (0.4 if placed.hero and placed.crop is None else 0.5), rw / target
    region = (rx0, ry0, rx0 + rw, ry0 + rh)
    if rw + 0.5 < sw and not placed.hero:
        # Never enlarge a detail crop: a close-up blown up shows blur, not cloth. Show its own pixels, centred.
        nw, nh = max(1, round(rw)), max(1, round(rh))
        card.paste(EMPTY_SLOT, (left, top, left + sw, top + sh))
        card.paste(im.resize((nw, nh), Image.Resampling.LANCZOS, box=region),
                   (left + (sw - nw) // 2, top + (sh - nh) // 2))
        return (f"slot '{placed.slot_id}': {placed.label} holds {nw}×{nh} pixels, the slot is {sw}×{sh}; shown at "
                "its own size, not enlarged (choose a smaller slot, a larger crop or a larger photo).")
    card.paste(im.resize((sw, sh), Image.Resampling.LANCZOS, box=region), (left, top))
    return None


def render_card(card: CardInput, output: str = "x") -> RenderedCard:
    """Draw a card for one output (:data:`lookbook.lookbooks.layouts.OUTPUT_SIZES`): the one function that makes every
    card, for the preview, the CLI and what is sent.

    Touches only files and pixels (no store), so it may run on any thread.

    :raises InputError: if ``output`` is unknown or a picture cannot be read.
    """
    from PIL import Image, ImageDraw

    if output not in OUTPUT_SIZES:
        raise InputError(f"output '{output}': choose one of {', '.join(OUTPUT_SIZES)}.")
    size = OUTPUT_SIZES[output]
    image = Image.new("RGB", size, BACKGROUND)
    warnings = list(card.notes)
    for placed in card.placed:
        warning = _place(image, placed, card.layout.slot(placed.slot_id).pixels(size))
        if warning:
            warnings.append(warning)
    for slot in card.layout.slots:
        if not any(p.slot_id == slot.id for p in card.placed):
            left, top, sw, sh = slot.pixels(size)
            image.paste(EMPTY_SLOT, (left, top, left + sw, top + sh))
    draw = ImageDraw.Draw(image)
    if card.brand and card.layout.header:
        left, top, w, h = _pixels(card.layout.header, size)
        font = _font(True, max(12, round(h * 0.72)))
        draw.text((left, top + h // 2), _fit(draw, card.brand, font, w), font=font, fill=INK, anchor="lm")
    if card.lines and card.layout.captions:
        left, top, w, h = _pixels(card.layout.captions, size)
        smallest, largest = caption_text_range(output)
        rows, font, line_h = _caption_rows(draw, list(card.lines), w, h, smallest, largest)
        for n, (indent, text, muted) in enumerate(rows):
            draw.text((left + indent, top + n * line_h), _fit(draw, text, font, w - indent), font=font,
                      fill=MUTED if muted else INK)
    return RenderedCard(image, tuple(warnings))


def _pixels(box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, int, int, int]:
    w, h = size
    left, top = round(box[0] * w), round(box[1] * h)
    return left, top, round((box[0] + box[2]) * w) - left, round((box[1] + box[3]) * h) - top


@functools.lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    return SRGB_PROFILE.read_bytes()


def encode_card(image: Image.Image, output: str = "x") -> bytes:
    """Return the card as JPEG bytes with the sRGB profile, at the best quality within the output's size limit.

    :raises InputError: if even the lowest quality is over the limit.
    """

    limit = SIZE_LIMITS[output]
    for quality in QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True, icc_profile=_srgb_profile(), subsampling=0
                   if quality >= 85 else 2)
        data = buffer.getvalue()
        if len(data) <= limit:
            return data
    raise InputError(f"the {output} card is {len(data) // 1024} KB even at JPEG quality {QUALITIES[-1]}, over "
                     f"the limit of {limit // 1024} KB; choose a layout with fewer pictures.")


def write_card(store: Store, set_id: int, customer_id: int | None = None, output: str = "x") -> str:
    """Write the set's card (for a customer: with their sizes) to the exports folder, once per content, and
    return its library-relative path (``exports/card_set<id>_<digest>.jpg``).

    :raises InputError: as :func:`gather_card` and :func:`encode_card`.
    """
    data = encode_card(render_card(gather_card(store, set_id, customer_id=customer_id), output).image, output)
    suffix = "" if output == "x" else f"_{output}"
    return write_export(store, data, f"card_set{set_id}{suffix}")


def write_export(store: Store, data: bytes, stem: str) -> str:
    """Write ``data`` as ``exports/<stem>_<digest>.jpg`` unless it is there already; return the relative path."""
    name = f"{stem}_{hashlib.sha256(data).hexdigest()[:12]}.jpg"
    target = store.library.exports_dir / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".partial-{os.getpid()}")
        partial.write_bytes(data)
        make_private(partial)
        os.replace(partial, target)  # a reader never sees half a card
    return target.relative_to(store.library.root).as_posix()


class CardWriter:
    """Writes one set's cards for many customers at one output, drawing once per distinct card (customers
    with the same sizes share a card); the set's card, or one product's own (:meth:`product`)."""

    def __init__(self, store: Store, set_id: int, output: str = "x") -> None:
        self.store, self.set_id, self.output = store, set_id, output
        self.composition = get_composition(store, set_id)
        self._products: dict[int, Composition] = {}
        self._written: dict[tuple[str, CardInput], str] = {}

    def __call__(self, customer_id: int | None = None) -> str:
        """Return the library-relative path of the card for ``customer_id`` (None: without a customer)."""
        return self.card(customer_id)[0]

    def card(self, customer_id: int | None = None) -> tuple[str, CardInput]:
        """Return the set's card for ``customer_id`` (path relative to the library) and what it shows."""
        card = gather_card(self.store, self.set_id, self.composition, customer_id)
        return self._write(card, f"card_set{self.set_id}"), card

    def product(self, product_id: int, customer_id: int | None = None) -> tuple[str, CardInput]:
        """Return one product's own card for ``customer_id`` (:func:`product_composition`) and what it shows."""
        if product_id not in self._products:
            self._products[product_id] = product_composition(self.store, self.set_id, product_id, self.composition)
        card = gather_card(self.store, self.set_id, self._products[product_id], customer_id, one_product=True)
        return self._write(card, f"shot_set{self.set_id}_p{product_id}"), card

    def _write(self, card: CardInput, stem: str) -> str:
        key = (stem, card)
        if key not in self._written:
            data = encode_card(render_card(card, self.output).image, self.output)
            suffix = "" if self.output == "x" else f"_{self.output}"
            self._written[key] = write_export(self.store, data, f"{stem}{suffix}")
        return self._written[key]
