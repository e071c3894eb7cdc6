"""What a set's PDF lookbook shows: gathered from the store, with its renders made on demand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lookbook.errors import InputError
from lookbook.lookbooks.pdf import gather_lookbook, prepare_lookbook
from lookbook.lookbooks.sets import create_set
from lookbook.progress import Progress, run_to_end
from lookbook.store.database import Store, open_store
from lookbook.store.library import Library


@pytest.fixture
def demo_store(demo_library: Path) -> Store:
    store = open_store(Library.locate(demo_library))
    yield store
    store.close()


def _clear_render_cache(store: Store) -> None:
    """Empty the render cache, as after moving a library without it: renders are always rebuildable."""
    shutil.rmtree(store.library.renders_dir)
    store.library.renders_dir.mkdir()


def _hp_set(store: Store) -> int:
    photos = [r[0] for r in store.db.execute(
        "SELECT ph.id FROM photos ph JOIN products p ON p.id = ph.product_id WHERE p.sku LIKE 'HP-%' ORDER BY p.sku")]
    return create_set(store, brand="Harbour & Pine", name="Spring shirts", actor="sam", photos=photos).id


def test_gather_lists_each_product_once_with_price_and_sizes_in_stock(demo_store: Store) -> None:
    set_id = _hp_set(demo_store)
    lookbook = gather_lookbook(demo_store, set_id)
    assert lookbook.title == "Spring shirts" and lookbook.brand == "Harbour & Pine"
    assert lookbook.prepared_by == "Sam Patel"
    skus = [p.sku for p in lookbook.products]
    assert len(skus) == len(set(skus)) and all(s.startswith("HP-") for s in skus)
    first = lookbook.products[0]
    stock = dict(demo_store.db.execute(
        "SELECT s.size, s.quantity FROM stock s JOIN products p ON p.id = s.product_id WHERE p.sku = ?"
        " ORDER BY s.rowid", [first.sku]))
    assert list(first.sizes_in_stock) == [size for size, qty in stock.items() if qty > 0]
    assert first.price.startswith("USD ")
    # The demo renders its photos on import; with the cache emptied every product's render is missing.
    assert lookbook.missing_renders() == []
    _clear_render_cache(demo_store)
    assert gather_lookbook(demo_store, set_id).missing_renders() == [p.photo_id for p in lookbook.products]


def test_prepare_renders_what_is_missing_with_progress_then_nothing_more(demo_store: Store) -> None:
    set_id = _hp_set(demo_store)
    _clear_render_cache(demo_store)
    steps: list[Progress] = []
    lookbook = run_to_end(prepare_lookbook(demo_store, set_id, "sam"), steps.append)
    total = len(lookbook.products)
    assert [(s.done, s.total) for s in steps] == [(i, total) for i in range(total)] + [(total, total)]
    assert lookbook.missing_renders() == []
    assert all(p.hero is not None and p.hero.is_file() for p in lookbook.products)
    # A second export finds every render up to date: no rendering step.
    again = list(prepare_lookbook(demo_store, set_id, "sam"))
    assert again == [Progress(0, 0, "Laying out the pages")]


def test_an_empty_or_unknown_set_is_refused(demo_store: Store) -> None:
    empty = create_set(demo_store, brand="Marlowe", name="Nothing yet", actor="sam").id
    with pytest.raises(InputError, match="set 'Nothing yet': it has no shots of products; add shots"):
        gather_lookbook(demo_store, empty)
    with pytest.raises(InputError, match="set 'Autumn' does not exist"):
        gather_lookbook(demo_store, "Autumn")


def _sell_out(store: Store, sku: str) -> None:
    store.db.execute("UPDATE stock SET quantity = 0 WHERE product_id = (SELECT id FROM products WHERE sku = ?)", [sku])


def test_sold_out_products_are_left_out(demo_store: Store) -> None:
    set_id = _hp_set(demo_store)
    before = [p.sku for p in gather_lookbook(demo_store, set_id).products]
    # The demo's HP-SH04 is sold out in every size: customers are not offered it.
    assert "HP-SH04" not in before and "HP-SH03" in before
    _sell_out(demo_store, before[0])
    after = gather_lookbook(demo_store, set_id)
    assert [p.sku for p in after.products] == before[1:]
    assert all(p.sizes_in_stock and p.sizes_text.startswith("Sizes in stock: ") for p in after.products)
    # Nothing of a sold-out product is rendered for the PDF either.
    _clear_render_cache(demo_store)
    steps = list(prepare_lookbook(demo_store, set_id, "sam"))
    assert [s.message for s in steps[:-1]] == [f"Rendering {sku}" for sku in before[1:]]


def test_a_set_sold_out_in_every_product_is_refused(demo_store: Store) -> None:
    photos = [r[0] for r in demo_store.db.execute(
        "SELECT ph.id FROM photos ph JOIN products p ON p.id = ph.product_id WHERE p.sku IN ('MW-SH01', 'MW-SH02')")]
    set_id = create_set(demo_store, brand="Marlowe", name="Summer shirts", actor="sam", photos=photos).id
    for sku in ("MW-SH01", "MW-SH02"):
        _sell_out(demo_store, sku)
    message = ("set 'Summer shirts': every product in it is sold out, so there is nothing to offer; "
               "restock them or change the set.")
    with pytest.raises(InputError) as caught:
        gather_lookbook(demo_store, set_id)
    assert str(caught.value) == message
    with pytest.raises(InputError) as caught:
        list(prepare_lookbook(demo_store, set_id, "sam"))
    assert str(caught.value) == message


def _prepared(store: Store, set_id: int):
    return run_to_end(prepare_lookbook(store, set_id, "sam"))


def test_pages_are_the_sets_card_then_each_products_own_card_at_the_pdf_size(demo_store: Store) -> None:
    from PIL import Image

    from lookbook.lookbooks import composer
    from lookbook.lookbooks.layouts import OUTPUT_SIZES

    set_id = _hp_set(demo_store)
    lookbook = _prepared(demo_store, set_id)
    assert len(lookbook.pages) == 1 + len(lookbook.products)
    root = demo_store.library.root
    # The first page is the set's card as composed (the layout the Compose Card page shows), at A4's shape.
    assert lookbook.pages[0] == root / composer.write_card(demo_store, set_id, output="pdf")
    composition = composer.get_composition(demo_store, set_id)
    for page, product in zip(lookbook.pages[1:], lookbook.products, strict=True):
        with Image.open(page) as im:
            assert im.size == OUTPUT_SIZES["pdf"] and im.info.get("icc_profile")
        pid = demo_store.db.execute("SELECT id FROM products WHERE sku = ?", [product.sku]).fetchone()[0]
        own = composer.product_composition(demo_store, set_id, pid, composition)
        card = composer.gather_card(demo_store, set_id, own, one_product=True)
        # Each product's page: its hero and the details it has, its own line only (no "more in store").
        assert card.layout.one_product and len(card.lines) == 1 and card.lines[0].startswith(product.name)
        assert len(card.placed) == 1 + len(product.details)
        data = composer.encode_card(composer.render_card(card, "pdf").image, "pdf")
        assert page.read_bytes() == data
