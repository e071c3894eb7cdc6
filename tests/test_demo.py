"""The demo catalog: photographed products named and coloured as their photos show, the rest plausible."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lookbook.demo import (
    CATEGORIES,
    DEMO_PHOTOS,
    DEMO_PRODUCTS,
    demo_products,
    photographed_products,
)
from lookbook.errors import LibraryError
from lookbook.store.database import open_store
from lookbook.store.library import Library

# The word each category's names must carry, so a generated name is plausible for its category.
CATEGORY_WORDS = {
    "shirt": ("Shirt",), "longsleeve": ("Crew", "Knit", "Jumper", "Top", "Tee"), "t-shirt": ("Tee",),
    "outerwear": ("Jacket", "Coat", "Parka", "Gilet"), "trousers": ("Trouser", "Chino", "Jean", "Jogger"),
    "dress": ("Dress",), "shorts": ("Short",), "skirt": ("Skirt",),
}


def test_every_photo_has_a_name_and_colour_in_the_file_and_nothing_else_does() -> None:
    named = photographed_products()
    photos = {p.stem for p in DEMO_PHOTOS.glob("*.jpg")}
    assert len(photos) == 40
    assert set(named) == photos


def test_photographed_products_take_name_colour_and_category_from_the_file() -> None:
    with DEMO_PRODUCTS.open(newline="", encoding="utf-8") as handle:
        rows = {r["sku"]: r for r in csv.DictReader(handle)}
    products = {p.sku: p for p in demo_products()}
    for sku, row in rows.items():
        assert (products[sku].name, products[sku].colour, products[sku].category) == (
            row["name"], row["colour"], row["category"]), sku
    # The product the task started from: a floral camp-collar shirt, no longer called "Black Oxford Shirt".
    assert (products["HP-SH01"].name, products["HP-SH01"].colour) == ("Tropical Print Camp-Collar Shirt",
                                                                      "White tropical")


def test_every_name_is_plausible_for_its_category_and_counts_are_kept() -> None:
    products = demo_products()
    assert len(products) == 60 and len({p.sku for p in products}) == 60
    assert len({p.brand for p in products}) == 8
    for p in products:
        assert p.category in CATEGORIES
        assert any(word in p.name for word in CATEGORY_WORDS[p.category]), (p.sku, p.name)
        assert p.colour and p.colour[0].isupper(), (p.sku, p.colour)
        assert set(p.sizes) == set(CATEGORIES[p.category][0])


def test_names_do_not_move_stock_or_prices() -> None:
    """The file only names products: stock and prices come from the seed whatever it says."""
    named = demo_products()
    plain = demo_products(named={})
    assert [(p.sku, p.price_minor, p.sizes) for p in named] == [(p.sku, p.price_minor, p.sizes) for p in plain]
    assert [p.name for p in named] != [p.name for p in plain]
    assert demo_products() == named  # deterministic


def test_the_demo_library_holds_the_names(demo_library: Path) -> None:
    store = open_store(Library.locate(demo_library))
    try:
        row = store.db.execute("SELECT p.name, p.colour, p.category FROM products p JOIN photos ph"
                               " ON ph.product_id = p.id WHERE ph.original_name = 'BL-DR01.jpg'").fetchone()
    finally:
        store.close()
    assert tuple(row) == ("Geometric Print Shift Dress", "Multicolour geometric", "dress")


@pytest.mark.parametrize(("text", "message"), [
    ("sku,name,colour\n", r"products\.csv: line 1: the header must be sku,name,colour,category"),
    ("sku,name,colour,category\nHP-SH01,Shirt,Navy\n", r"products\.csv: line 2: expected 4 fields"),
    ("sku,name,colour,category\nHP-SH01,,Navy,shirt\n", r"products\.csv: line 2, field name: it is empty"),
    ("sku,name,colour,category\nHP-SH01,Shirt,Navy,shirts\n",
     r"products\.csv: line 2, field category: 'shirts' is not one of shirt, longsleeve"),
    ("sku,name,colour,category\nHP-SH01,Shirt,Navy,shirt\n\nHP-SH01,Shirt,Red,shirt\n",
     r"products\.csv: line 4, field sku: 'HP-SH01' is listed twice"),
])
def test_a_broken_file_is_named_with_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "products.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LibraryError, match=message + r".*reinstall Lookbook Studio"):
        photographed_products(path)


def test_a_missing_file_or_a_wrong_sku_or_category_is_named(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match=r"missing\.csv: cannot read the demo product names"):
        photographed_products(tmp_path / "missing.csv")
    with pytest.raises(LibraryError, match=r"products\.csv: HP-SH01, field category: 'dress' but the demo has it"
                                           r" as 'shirt'"):
        demo_products(named={"HP-SH01": ("Shirt Dress", "Navy", "dress")})
    with pytest.raises(LibraryError, match=r"products\.csv: ZZ-SH01: no such demo product"):
        demo_products(named={"ZZ-SH01": ("Shirt", "Navy", "shirt")})
