"""The lookbook card (drawn by the composer): one deterministic image per set, and each product's own card for
the "several messages" mode."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from lookbook.errors import InputError
from lookbook.lookbooks.composer import (
    CardWriter,
    card_products,
    gather_card,
    render_card,
    set_sources,
    write_card,
)
from lookbook.lookbooks.sets import set_products
from lookbook.outbox.messages import draft_set, list_messages
from lookbook.outbox.templates import Template
from lookbook.photos.recipes import render_dir
from lookbook.store.database import Store, utcnow
from outbox_support import add_staff, add_world


def test_card_is_one_jpeg_in_exports_and_deterministic(store: Store) -> None:
    world = add_world(store)
    first = write_card(store, world.set_id)
    again = write_card(store, world.set_id)
    assert first == again
    assert first.startswith("exports/card_set")
    path = store.library.root / first
    with Image.open(path) as card:
        assert card.format == "JPEG" and card.width == 1200
        # The two shots were solid navy and sand: both colours are on the card.
        assert card.getpixel((200, 300))[2] > 60
        assert card.getpixel((900, 300))[0] > 150
    assert path.stat().st_size < 5 * 1024 * 1024  # X's DM image limit


def test_card_changes_when_stock_changes(store: Store) -> None:
    world = add_world(store)
    before = write_card(store, world.set_id)
    store.db.execute("UPDATE stock SET quantity = 0 WHERE product_id = ?", [world.products[1]])
    after = write_card(store, world.set_id)
    assert before != after
    assert (store.library.root / before).exists() and (store.library.root / after).exists()


def test_render_is_preferred_to_the_original(store: Store) -> None:
    world = add_world(store)
    hero = render_dir(store.library, "sha0") / "sha0-hero.jpg"
    hero.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (300, 400), (255, 0, 0)).save(hero)
    heroes = [s for s in set_sources(store, world.set_id) if s.kind == "hero"]
    assert heroes[0].path == hero
    assert heroes[1].path == store.library.root / "originals/p1.jpg"


def test_one_card_per_product_and_several_messages_mode(store: Store) -> None:
    world = add_world(store)
    # A second photo of the first product is not a second hero shot.
    rel = "originals/extra.jpg"
    Image.new("RGB", (300, 400), (0, 255, 0)).save(store.library.root / rel)
    photo = store.db.execute(
        "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, product_id)"
        " VALUES ('extra', 'extra.jpg', ?, 300, 400, ?, ?)", [rel, utcnow(), world.products[0]]).lastrowid
    store.db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, 5)", [world.set_id, photo])
    skus = {p.id: p.sku for p in set_products(store, world.set_id)}
    assert [skus[pid] for pid in card_products(store, world.set_id)] == ["MW-SH01", "MW-TR01"]
    writer = CardWriter(store, world.set_id)
    for pid in card_products(store, world.set_id):
        rel_path, card = writer.product(pid)
        assert (store.library.root / rel_path).is_file()
        assert rel_path.startswith(f"exports/shot_set{world.set_id}_p")
        # The product's own card: a one-product layout (no details rendered: its hero alone), its line only.
        assert card.layout.name == "product-hero" and len(card.lines) == 1


def test_missing_photo_file_is_named(store: Store) -> None:
    world = add_world(store)
    (store.library.root / "originals/p1.jpg").unlink()
    with pytest.raises(InputError, match=r"p1\.jpg: photo \d+: its file is missing"):
        write_card(store, world.set_id)


def test_set_without_photos_is_refused(store: Store) -> None:
    world = add_world(store, with_photos=False)
    with pytest.raises(InputError, match="no photos tied to products"):
        write_card(store, world.set_id)


def test_card_shows_at_most_six_shots_and_says_how_many_more(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    world = add_world(store)
    now = utcnow()
    for n in range(6):
        pid = store.db.execute("INSERT INTO products (sku, brand_id, name, category, created_at, updated_at)"
                               " VALUES (?, ?, ?, 'shirt', ?, ?)", [f"X{n}", world.brand_id, f"Extra {n}", now, now]
                               ).lastrowid
        store.db.execute("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, 'M', 1, ?)",
                         [pid, now])
        rel = f"originals/x{n}.jpg"
        Image.new("RGB", (300, 400), (10 * n, 100, 100)).save(store.library.root / rel)
        photo = store.db.execute(
            "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, product_id)"
            " VALUES (?, ?, ?, 300, 400, ?, ?)", [f"x{n}", rel, rel, now, pid]).lastrowid
        store.db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)",
                         [world.set_id, photo, 10 + n])
    assert len(card_products(store, world.set_id)) == 8
    drawn = _drawn_text(monkeypatch)
    with Image.open(store.library.root / write_card(store, world.set_id)) as card:
        # The six-up layout, at the X card's size: brand, six product lines and the "more" line.
        assert card.size == (1200, 1500)
    assert len(drawn) == 8 and drawn[0] == "Marlowe"
    assert drawn[-1] == "and 2 more in store"


def _add_products(store: Store, world_brand_id: int, set_id: int, names: list[str]) -> None:
    """Put more products (one shirt in M each, with a photo) into the set."""
    now = utcnow()
    for n, name in enumerate(names):
        pid = store.db.execute("INSERT INTO products (sku, brand_id, name, category, created_at, updated_at)"
                               " VALUES (?, ?, ?, 'shirt', ?, ?)", [f"X{n}", world_brand_id, name, now, now]
                               ).lastrowid
        store.db.execute("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, 'M', 1, ?)",
                         [pid, now])
        rel = f"originals/x{n}.jpg"
        Image.new("RGB", (300, 400), (10 * n, 100, 100)).save(store.library.root / rel)
        photo = store.db.execute(
            "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, product_id)"
            " VALUES (?, ?, ?, 300, 400, ?, ?)", [f"x{n}", rel, rel, now, pid]).lastrowid
        store.db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)",
                         [set_id, photo, 10 + n])


def _caption_sizes(monkeypatch: pytest.MonkeyPatch, card: object, output: str) -> dict[str, int]:
    """Draw ``card`` for ``output``; return each caption row drawn with the size of its text, in pixels."""
    sizes: dict[str, int] = {}
    original = ImageDraw.ImageDraw.text

    def text(self, xy, content, *args, **kwargs):  # type: ignore[no-untyped-def]
        sizes[content] = kwargs["font"].size
        return original(self, xy, content, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    render_card(card, output)  # type: ignore[arg-type]
    monkeypatch.undo()
    return sizes


@pytest.mark.parametrize("products", [0, 6], ids=["two products", "eight products"])
def test_e_mail_card_captions_are_readable_at_the_width_it_is_read(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                                   products: int) -> None:
    # The e-mail body is 1200 pixels shown 600 CSS pixels wide, shrunk to about 375 on a phone:
    # text under 40 pixels reads under 12.5 there.
    world = add_world(store)
    _add_products(store, world.brand_id, world.set_id, [f"Extra {n}" for n in range(products)])
    card = gather_card(store, world.set_id)
    sizes = _caption_sizes(monkeypatch, card, "email")
    captions = {line: px for line, px in sizes.items() if line != card.brand}
    assert captions and min(captions.values()) >= 40, captions
    assert max(captions.values()) <= 48  # readable, not shouting
    # Every product is on the card or counted in the "more" line.
    more = [line for line in captions if line.startswith("and ")]
    listed = [line for line in captions if not line.startswith("and ")]
    assert len(listed) + (int(more[0].split()[1]) if more else 0) == len(card_products(store, world.set_id))


def test_a_caption_too_long_for_the_card_goes_on_in_a_second_row_not_cut(store: Store,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    world = add_world(store)
    long_name = "Brushed Cotton Flannel Overshirt With Twin Chest Pockets"
    _add_products(store, world.brand_id, world.set_id, [long_name])
    card = gather_card(store, world.set_id)
    [line] = [line for line in card.lines if line.startswith(long_name)]
    drawn = _caption_sizes(monkeypatch, card, "email")
    assert not any("…" in text for text in drawn)
    # The line is drawn whole, over more than one row: the name broken between its words, the sizes after it.
    rows = [text for text in drawn if text in line]
    assert len(rows) == 2 and " ".join(rows) == line and rows[-1].endswith("Pockets · in stock: M")


def _sell_out(store: Store, product_id: int) -> None:
    store.db.execute("UPDATE stock SET quantity = 0 WHERE product_id = ?", [product_id])


def _drawn_text(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every string drawn on a card, so a test can read the card's lines."""
    drawn: list[str] = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, content, *args, **kwargs):
        drawn.append(content)
        return original(self, xy, content, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    return drawn


def test_a_sold_out_product_is_left_off_the_card(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    world = add_world(store)
    _sell_out(store, world.products[1])  # the sand chino: no size in stock
    assert card_products(store, world.set_id) == [world.products[0]]
    drawn = _drawn_text(monkeypatch)
    card = render_card(gather_card(store, world.set_id)).image
    assert drawn == ["Marlowe", "Navy Oxford Shirt · in stock: M, L"]
    assert not any("sold out" in line.lower() or "Chino" in line for line in drawn)
    # One product without rendered details: its hero alone, filling a slot across the card (48, 150)-(1152, 1260).
    assert card.size == (1200, 1500)
    # The hero is the navy shirt; the sand chino's colour is nowhere in the shot.
    assert card.getpixel((600, 500))[2] > 60 and card.getpixel((600, 500))[0] < 100
    tiles = card.crop((48, 150, 1152, 900)).convert("RGB")
    assert not any(r > 150 and g > 130 for _, (r, g, _b) in tiles.getcolors(1 << 24))


def test_a_sold_out_product_gets_no_card_of_its_own(store: Store) -> None:
    world = add_world(store)
    _sell_out(store, world.products[0])
    assert card_products(store, world.set_id) == [world.products[1]]


def test_a_set_sold_out_in_every_product_has_no_card(store: Store) -> None:
    world = add_world(store)
    for pid in world.products:
        _sell_out(store, pid)
    with pytest.raises(InputError) as caught:
        write_card(store, world.set_id)
    message = str(caught.value)
    assert message == ("set 'Marlowe spring': every product in it is sold out, so there is nothing to offer; "
                       "restock them or change the set.")
    assert "\n" not in message
    assert card_products(store, world.set_id) == []
    assert not list(store.library.root.glob("exports/*.jpg"))  # no card was written


def test_drafting_a_sold_out_set_says_so_and_drafts_nothing(store: Store) -> None:
    add_staff(store)
    world = add_world(store)
    template = Template("spring", "Hi {first_name}: {sizes_in_stock}", "")
    for pid in world.products:
        _sell_out(store, pid)
    for mode in ("card", "several"):
        with pytest.raises(InputError, match=r"^set 'Marlowe spring': every product in it is sold out.*"
                                             r"restock them or change the set\.$"):
            draft_set(store, world.set_id, "alex", template, mode=mode, matches=[])
    assert list_messages(store, set_id=world.set_id) == []
    # Restocking one product makes the set draftable again, with only that product on the card.
    store.db.execute("UPDATE stock SET quantity = 2 WHERE product_id = ? AND size = 'M'", [world.products[0]])
    report = draft_set(store, world.set_id, "alex", template, matches=[])
    assert (store.library.root / report.attachment).is_file()
    assert card_products(store, world.set_id) == [world.products[0]]


def test_card_captions_mask_card_numbers_and_read_sizes_naturally(store: Store,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    world = add_world(store)
    store.db.execute("UPDATE products SET name = 'Tote 4111.1111.1111.1111' WHERE id = ?", [world.products[0]])
    store.db.execute("UPDATE brands SET name = 'Harbour & Pine 5555\u00a05555\u00a05555\u00a04444'")
    store.db.execute("UPDATE stock SET size = 'ONE SIZE' WHERE product_id = ? AND size = 'M'", [world.products[0]])
    drawn = _drawn_text(monkeypatch)
    render_card(gather_card(store, world.set_id))
    assert drawn[:2] == ["Harbour & Pine •••• •••• •••• 4444", "Tote ••••.••••.••••.1111 · in stock: One Size, L"]
    drawn.clear()
    # The product's own card ("several messages") prints the same, with the bundled font like every card.
    CardWriter(store, world.set_id).product(world.products[0])
    assert drawn == ["Harbour & Pine •••• •••• •••• 4444", "Tote ••••.••••.••••.1111 · in stock: One Size, L"]
