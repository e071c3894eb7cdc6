"""Issue 19's cards where they go: each channel says the size of its card (``Limits.card_output``), e-mail
carries the composed card, "several messages" sends each product's own card, and a one-product set gets a
layout without empty detail slots."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PIL import Image, ImageDraw

from composer_support import ComposeWorld, compose_world
from fakes.pigeon_channel import PigeonChannel
from lookbook.customers import consent
from lookbook.lookbooks import composer
from lookbook.lookbooks.layouts import OUTPUT_SIZES
from lookbook.outbox.channels import registry
from lookbook.outbox.channels.interface import Limits
from lookbook.outbox.messages import draft_set, submit
from lookbook.outbox.templates import Template
from lookbook.photos.recipes import render_dir
from lookbook.store.database import Store
from outbox_support import add_staff, add_world

TEMPLATE = Template("t", "Hi {first_name}: {sizes_in_stock}", "New {brand}")


@dataclass
class Match:
    customer_id: int
    channel: str
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes it"])
    products_in_size: list[str] = field(default_factory=list)


class KiteChannel(PigeonChannel):
    """A channel that wants a square picture (as a chat app might)."""

    name = "kite"
    label = "kite"
    consent_channel = "kite"
    limits = Limits(text=280, attachments=1, card_output="square")


@pytest.fixture
def kite() -> Iterator[KiteChannel]:
    channel = registry.register(KiteChannel())
    yield channel
    registry.unregister("kite")


def _size(store: Store, rel: str) -> tuple[int, int]:
    with Image.open(store.library.root / rel) as im:
        return im.size


# -- 5. the channel says which size its card is ------------------------------------------------------------
def test_x_and_email_declare_their_card_size() -> None:
    assert registry.get("x").limits.card_output == "x"
    assert registry.get("email").limits.card_output == "email"
    assert all(c.limits.card_output in OUTPUT_SIZES for c in registry.channels())


def test_drafting_writes_each_channels_card_at_the_size_it_asks_for(store: Store, kite: KiteChannel) -> None:
    add_staff(store)
    world = add_world(store, customers=3)
    consent.record(store, world.customers[2], "kite", "one_to_one", True, by_user="test", source="test")
    matches = [Match(world.customers[0], "x"), Match(world.customers[1], "email"), Match(world.customers[2], "kite")]
    report = draft_set(store, world.set_id, "alex", TEMPLATE, matches=matches)
    assert len(report.drafted) == 3
    rows = dict(store.db.execute("SELECT channel, attachment FROM messages").fetchall())
    assert _size(store, rows["x"]) == OUTPUT_SIZES["x"]
    assert _size(store, rows["email"]) == OUTPUT_SIZES["email"]
    assert _size(store, rows["kite"]) == OUTPUT_SIZES["square"]
    assert rows["email"].startswith(f"exports/card_set{world.set_id}_email_")
    assert rows["kite"].startswith(f"exports/card_set{world.set_id}_square_")


# -- 1. e-mail: the composed card, its words frozen with it; a changed set changes both --------------------
def test_email_freezes_its_card_with_alt_text_and_caption_and_a_set_change_redraws_it(store: Store) -> None:
    from lookbook.lookbooks.sets import remove_from_set

    add_staff(store)
    world = add_world(store, customers=1)
    [message_id] = draft_set(store, world.set_id, "alex", TEMPLATE,
                             matches=[Match(world.customers[0], "email")]).drafted
    submit(store, world.set_id, "alex")
    attachment, shots = store.db.execute("SELECT attachment, shots FROM messages WHERE id = ?",
                                         [message_id]).fetchone()
    assert json.loads(shots) == [{"path": attachment, "alt": "Navy Oxford Shirt, Sand Chino",
                                  "caption": "Navy Oxford Shirt · in your size: M\nSand Chino · in stock: 30"}]
    remove_from_set(store, world.set_id, [world.photos[1]], actor="maria")
    after, shots = store.db.execute("SELECT attachment, shots FROM messages WHERE id = ?", [message_id]).fetchone()
    # Redrawn at the e-mail's own size (not X's), with the words of the new card.
    assert after != attachment and after.startswith(f"exports/card_set{world.set_id}_email_")
    assert _size(store, after) == OUTPUT_SIZES["email"]
    assert json.loads(shots) == [{"path": after, "alt": "Navy Oxford Shirt",
                                  "caption": "Navy Oxford Shirt · in your size: M"}]


# -- 3. "several messages": each product's own card, drawn by the composer ----------------------------------
def test_several_messages_send_each_products_own_card_with_the_customers_sizes(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    add_staff(store)
    world = add_world(store, customers=1)
    drawn: list[str] = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, content, *args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(content)
        return original(self, xy, content, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    report = draft_set(store, world.set_id, "alex", TEMPLATE, mode="several",
                       matches=[Match(world.customers[0], "x")])
    rows = store.db.execute("SELECT body, attachment FROM messages ORDER BY id").fetchall()
    assert [b for b, _ in rows] == [rows[0][0], "Sand Chino: in stock in 30"] and len(report.drafted) == 2
    writer = composer.CardWriter(store, world.set_id)
    for (_, attachment), product_id in zip(rows, world.products, strict=True):
        path, card = writer.product(product_id, world.customers[0])
        assert attachment == path and attachment.startswith(f"exports/shot_set{world.set_id}_p{product_id}_")
        assert card.layout.one_product and _size(store, attachment) == OUTPUT_SIZES["x"]
        with Image.open(store.library.root / attachment) as im:
            assert im.info.get("icc_profile")  # sRGB, as every card
    # The customer's own size on the shirt's picture, the chino's sizes in stock on its own.
    assert "Navy Oxford Shirt · in your size: M" in drawn and "Sand Chino · in stock: 30" in drawn
    assert not any("more in store" in line for line in drawn)


# -- 4. a one-product set gets a layout it can fill ----------------------------------------------------------
def _one_product(store: Store) -> ComposeWorld:
    world = compose_world(store)
    for photo in world.photos[1:]:
        store.db.execute("DELETE FROM set_items WHERE photo_id = ?", [photo])
    return world


@pytest.mark.parametrize(("details", "layout", "said"), [
    (("collar", "cuff"), "product-details", ""),
    (("collar",), "product-one-detail", "one rendered detail"),
    ((), "product-hero", "no rendered details"),
])
def test_a_one_product_set_gets_a_layout_for_the_details_it_has(store: Store, details: tuple[str, ...],
                                                               layout: str, said: str) -> None:
    world = _one_product(store)
    for kind in {"collar", "cuff"} - set(details):
        (render_dir(store.library, "composer00") / f"composer00-{kind}.jpg").unlink()
    composition = composer.get_composition(store, world.set_id)
    assert composition.layout == layout
    card = composer.gather_card(store, world.set_id)
    # Every slot is filled: no empty detail slot on the card.
    assert len(card.placed) == len(card.layout.slots) == 1 + len(details)
    reason = composer.layout_reason(store, world.set_id)
    assert (said in reason and "Shoot page" in reason) if said else reason == ""
    # Once someone composes it, the layout is theirs and nothing needs explaining.
    composer.set_layout(store, world.set_id, "product-details", "sam")
    assert composer.layout_reason(store, world.set_id) == ""


def test_a_picture_shrunk_for_email_keeps_its_colour_profile(tmp_path) -> None:
    from lookbook.lookbooks.composer import SRGB_PROFILE
    from lookbook.outbox.channels.email import INLINE_MAX_SIDE, inline_image

    big = tmp_path / "big.jpg"
    Image.new("RGB", (2400, 1200), (200, 40, 40)).save(big, quality=90, icc_profile=SRGB_PROFILE.read_bytes())
    data, subtype = inline_image(big)
    import io

    with Image.open(io.BytesIO(data)) as im:
        assert max(im.size) == INLINE_MAX_SIDE and im.info.get("icc_profile") == SRGB_PROFILE.read_bytes()
