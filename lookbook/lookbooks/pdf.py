"""What a set's PDF lookbook shows, gathered from the store: brand, products, prices, sizes, renders.

Core only (no Qt): :func:`gather_lookbook` reads; :func:`prepare_lookbook` also renders
the shots that have no up-to-date render yet (yielding progress) and draws the pages with
the composer (:func:`lookbook.lookbooks.composer.render_card`) at the PDF page's size: first the set's
card as composed on the Compose Card page, then each product's own card (its hero and the
details it has, its name, price and sizes), so the app's PDF writer only places page images.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path

from lookbook.errors import InputError
from lookbook.listings import format_price
from lookbook.lookbooks.sets import get_set, set_products
from lookbook.photos.recipes import (
    photo_detail,
    preset_named,
    recipe_key,
    record_render,
    render_paths,
    render_photo,
    shown_details,
)
from lookbook.progress import Progress
from lookbook.store.database import Store


@dataclass(frozen=True)
class LookbookProduct:
    """One product's page (or tile) of a lookbook."""

    sku: str
    name: str
    category: str
    colour: str
    price: str
    sizes_in_stock: tuple[str, ...]
    photo_id: int
    hero: Path | None
    #: The detail crops to show, ``(kind, path)``: collar and cuff for a shirt, waistband and hem
    #: for trousers, none for shoes (:func:`lookbook.photos.recipes.shown_details`).
    details: tuple[tuple[str, Path], ...] = ()

    @property
    def sizes_text(self) -> str:
        """Return ``Sizes in stock: S · M · L`` (a lookbook holds only products in stock)."""
        return "Sizes in stock: " + " · ".join(self.sizes_in_stock)


@dataclass(frozen=True)
class Lookbook:
    """A set as a lookbook: a cover, then its products in set order."""

    set_id: int
    title: str
    brand: str
    prepared_by: str
    date: str
    products: tuple[LookbookProduct, ...]
    #: The pages as the composer drew them at the PDF page's size (set by :func:`prepare_lookbook`): the
    #: set's card, then one card per product, in set order.
    pages: tuple[Path, ...] = ()

    def missing_renders(self) -> list[int]:
        """Return the photo ids whose hero shot has not been rendered."""
        return [p.photo_id for p in self.products if p.hero is None]


def gather_lookbook(store: Store, set_ref: str | int) -> Lookbook:
    """Return what the lookbook of a set shows; renders that do not exist yet are ``None``.

    Each product in stock appears once, with its first shot in the set's order; products sold out in every
    size are left out, as a customer must not be offered what cannot be bought.

    :raises InputError: if the set does not exist, holds no shots of products, or every product of it is
        sold out.
    """
    photo_set = get_set(store, set_ref)
    products = {p.id: p for p in set_products(store, photo_set.id)}
    if not products:
        raise InputError(f"set '{photo_set.name}': it has no shots of products; add shots before exporting it.")
    if not any(p.sizes_in_stock for p in products.values()):
        raise InputError(f"set '{photo_set.name}': every product in it is sold out, so there is nothing to offer; "
                         "restock them or change the set.")
    pages: list[LookbookProduct] = []
    seen: set[int] = set()
    for item in photo_set.items:
        if item.product_id in seen:
            continue
        seen.add(item.product_id)
        product = products[item.product_id]
        if not product.sizes_in_stock:
            continue
        colour, price_minor, currency = store.db.execute(
            "SELECT colour, price_minor, currency FROM products WHERE id = ?", [item.product_id]).fetchone()
        detail = photo_detail(store, item.photo_id)
        found = render_paths(store.library, detail.sha256)
        details = shown_details(found, product.category, preset_named(store, detail.preset))
        pages.append(LookbookProduct(
            sku=product.sku, name=product.name, category=product.category, colour=colour,
            price=format_price(price_minor, currency), sizes_in_stock=tuple(product.sizes_in_stock),
            photo_id=item.photo_id, hero=found.get("hero"),
            details=tuple(details)))
    user = store.db.execute("SELECT display_name FROM users WHERE username = ?", [photo_set.created_by]).fetchone()
    return Lookbook(set_id=photo_set.id, title=photo_set.name, brand=photo_set.brand,
                    prepared_by=user[0] if user else photo_set.created_by,
                    date=dt.date.today().strftime("%d %B %Y").lstrip("0"),
                    products=tuple(pages))


def prepare_lookbook(store: Store, set_ref: str | int, actor: str) -> Generator[Progress, None, Lookbook]:
    """Render the set's shots whose renders are missing or stale, then return its :class:`Lookbook`.

    Yields :class:`~lookbook.progress.Progress` per shot, so the app can show progress and cancel.

    :raises InputError: if the set does not exist, holds no shots, every product of it is sold out, or a
        shot's original cannot be read.
    """
    lookbook = gather_lookbook(store, set_ref)
    stale = []
    for product in lookbook.products:
        detail = photo_detail(store, product.photo_id)
        preset = preset_named(store, detail.preset)
        if product.hero is None or detail.rendered_recipe != recipe_key(detail, preset):
            stale.append((product, detail, preset))
    for done, (product, detail, preset) in enumerate(stale):
        yield Progress(done, len(stale), f"Rendering {product.sku}")
        result = render_photo(store.library, detail, preset)
        record_render(store, detail.id, result, recipe_key(detail, preset), actor)
    yield Progress(len(stale), len(stale), "Laying out the pages")
    lookbook = gather_lookbook(store, set_ref) if stale else lookbook
    return replace(lookbook, pages=tuple(store.library.root / page for page in lookbook_pages(store, lookbook.set_id)))


def lookbook_pages(store: Store, set_id: int) -> list[str]:
    """Write the lookbook's pages at the PDF page's size and return their library-relative paths: the set's
    card as composed, then each product in stock's own card (written once per content, like every card).

    :raises InputError: as :func:`lookbook.lookbooks.composer.gather_card`.
    """
    # Imported here: the composer pulls in Pillow, which gathering does not need.
    from lookbook.lookbooks.composer import CardWriter, card_products

    writer = CardWriter(store, set_id, "pdf")
    return [writer(), *(writer.product(product_id)[0] for product_id in card_products(store, set_id))]
