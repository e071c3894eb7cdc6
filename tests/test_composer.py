"""The lookbook composer: layouts as data, one deterministic render, goldens for every built-in layout."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from composer_support import ComposeWorld, compose_world
from lookbook.errors import InputError
from lookbook.lookbooks import composer, layouts
from lookbook.lookbooks.composer import (
    Captions,
    CardWriter,
    Composition,
    SlotFill,
    default_fills,
    encode_card,
    gather_card,
    get_composition,
    render_card,
    save_composition,
    set_layout,
    set_sources,
)
from lookbook.lookbooks.layouts import OUTPUT_SIZES, get_layout, list_layouts, load_layout_file, parse_layout
from lookbook.outbox.messages import IllegalTransition, approve, draft_set, list_messages, submit
from lookbook.outbox.templates import Template
from lookbook.store.database import Store

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
#: Goldens are JPEG (quality 92) to keep the repository small; a card matches its golden when the mean
#: difference over all channels is under 2.5 levels and fewer than 0.5 % of values differ by more than 40
#: (JPEG's ringing at text edges stays far below that; a moved picture or a changed word does not).
MEAN_TOLERANCE = 2.5
OUTLIER_LEVEL = 40
OUTLIER_SHARE = 0.005
REGENERATE = os.environ.get("LOOKBOOK_REGENERATE_GOLDENS") == "1"
TEMPLATE = Template("spring", "Hi {first_name}, new {brand}: {sizes_in_stock}.", "New {brand}")


@pytest.fixture
def world(store: Store) -> ComposeWorld:
    return compose_world(store)


def _difference(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """Return (mean absolute difference, share of values off by more than OUTLIER_LEVEL)."""
    assert a.size == b.size, f"sizes differ: {a.size} != {b.size}"
    diff = np.abs(np.asarray(a.convert("RGB"), dtype=np.int16) - np.asarray(b.convert("RGB"), dtype=np.int16))
    return float(diff.mean()), float((diff > OUTLIER_LEVEL).mean())


def _matches(a: Image.Image, b: Image.Image) -> bool:
    mean, share = _difference(a, b)
    return mean < MEAN_TOLERANCE and share < OUTLIER_SHARE


def _default(store: Store, set_id: int, name: str) -> Composition:
    layout = get_layout(name)
    sources = set_sources(store, set_id)
    fills = default_fills(layout, sources, {s.product_id for s in sources})
    return Composition(name, tuple(sorted(fills.items())), Captions(line="Ask us to put one aside."))


CASES = [(name, "x") for name in layouts.BUILTIN_ORDER] + [
    ("hero-two-details", output) for output in OUTPUT_SIZES if output != "x"]


@pytest.mark.parametrize(("name", "output"), CASES)
def test_every_built_in_layout_matches_its_golden(store: Store, world: ComposeWorld, name: str, output: str) -> None:
    card = gather_card(store, world.set_id, _default(store, world.set_id, name), customer_id=world.customer_m)
    image = render_card(card, output).image
    assert image.size == OUTPUT_SIZES[output]
    golden = GOLDEN / f"{name}_{output}.jpg"
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        image.save(golden, quality=92)
    with Image.open(golden) as expected:
        mean, share = _difference(image, expected)
    assert mean < MEAN_TOLERANCE and share < OUTLIER_SHARE, (name, output, mean, share)


def test_the_golden_comparison_tells_layouts_apart(store: Store, world: ComposeWorld) -> None:
    # The tolerance is loose enough for JPEG, not for another arrangement of the same pictures.
    composition = _default(store, world.set_id, "grid-2x2")
    image = render_card(gather_card(store, world.set_id, composition, world.customer_m)).image
    swapped = composition.swapped("top-left", "bottom-right")
    other = render_card(gather_card(store, world.set_id, swapped, world.customer_m)).image
    assert not _matches(image, other)
    with Image.open(GOLDEN / "six-up_x.jpg") as six:
        assert not _matches(image, six)


def test_same_inputs_give_the_same_bytes_with_the_srgb_profile(store: Store, world: ComposeWorld) -> None:
    first = composer.write_card(store, world.set_id, world.customer_m)
    composer._decoded.cache_clear()  # drawn afresh, not from the preview's cache
    again = composer.write_card(store, world.set_id, world.customer_m)
    assert first == again
    data = (store.library.root / first).read_bytes()
    with Image.open(io.BytesIO(data)) as card:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(card.info["icc_profile"]))
        assert "sRGB" in ImageCms.getProfileDescription(profile)
        assert card.format == "JPEG" and card.size == OUTPUT_SIZES["x"]
    assert len(data) <= layouts.SIZE_LIMITS["x"]


def test_a_card_over_its_limit_is_made_smaller_and_refused_when_it_cannot_be(store: Store, world: ComposeWorld,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    image = render_card(gather_card(store, world.set_id)).image
    best = encode_card(image)
    monkeypatch.setitem(layouts.SIZE_LIMITS, "x", len(best) - 1)
    smaller = encode_card(image)
    assert len(smaller) < len(best)
    monkeypatch.setitem(layouts.SIZE_LIMITS, "x", 2000)
    with pytest.raises(InputError, match=r"the x card is \d+ KB even at JPEG quality 48, over the limit of 1 KB"):
        encode_card(image)


def test_a_detail_is_never_enlarged_and_the_render_says_so(store: Store, world: ComposeWorld) -> None:
    composition = _default(store, world.set_id, "hero-two-details")
    rendered = render_card(gather_card(store, world.set_id, composition), "pdf")
    slot = get_layout("hero-two-details").slot("detail-1")
    left, top, sw, sh = slot.pixels(OUTPUT_SIZES["pdf"])
    fill = composition.fill("detail-1")
    assert fill is not None
    [source] = [s for s in set_sources(store, world.set_id) if (s.photo_id, s.kind) == (fill.photo_id, fill.kind)]
    with Image.open(source.path) as im:
        native = im.size
    assert native[0] < sw  # the demo photo's collar holds fewer pixels than the slot
    [warning] = [w for w in rendered.warnings if "detail-1" in w]
    assert "shown at its own size, not enlarged" in warning and f"the slot is {sw}×{sh}" in warning
    # The slot's corner is the empty slot's colour, not the picture stretched over it.
    assert rendered.image.getpixel((left + 2, top + 2)) == composer.EMPTY_SLOT


def test_text_is_drawn_with_the_bundled_font_at_the_outputs_resolution(store: Store, world: ComposeWorld) -> None:
    small = render_card(gather_card(store, world.set_id), "square").image
    big = render_card(gather_card(store, world.set_id), "pdf").image

    def ink_rows(image: Image.Image, box: tuple[float, float, float, float]) -> int:
        left, top, w, h = layouts._pixels(box, image.size)
        region = np.asarray(image.crop((left, top, left + w, top + h)).convert("L"))
        return int((region < 100).any(axis=1).sum())

    header = get_layout(get_composition(store, world.set_id).layout).header
    assert header is not None
    # The brand's letters are taller on the taller page: drawn at its size, not scaled from another.
    assert ink_rows(big, header) > ink_rows(small, header) * 1.4
    assert composer.FONT_REGULAR.is_file() and (composer.FONT_REGULAR.parent / "SourceSansPro-OFL.txt").is_file()


def test_customers_see_their_own_sizes_one_card_per_size_list(store: Store, world: ComposeWorld) -> None:
    lines_m = gather_card(store, world.set_id, customer_id=world.customer_m).lines
    lines_s = gather_card(store, world.set_id, customer_id=world.customer_s).lines
    assert lines_m[0] == "Tropical Camp Shirt · $79.00 · in your size: M"
    assert lines_s[0] == "Tropical Camp Shirt · $79.00 · in your size: S"
    # The check shirt has no S: the S customer reads what is in stock, not "in your size".
    assert lines_s[1] == "Short-Sleeve Check · $98.00 · in stock: M, XL"
    writer = CardWriter(store, world.set_id)
    assert writer(world.customer_m) != writer(world.customer_s)
    twin = store.db.execute("INSERT INTO customers (first_name, last_name, created_at, updated_at)"
                            " VALUES ('Twin', 'M', '', '')").lastrowid
    store.db.execute("INSERT INTO customer_sizes (customer_id, category, size) VALUES (?, 'shirt', 'M')", [twin])
    assert writer(twin) == writer(world.customer_m)
    assert len(writer._written) == 2  # drawn once per distinct card


def test_drafted_messages_carry_their_customers_card(store: Store, world: ComposeWorld) -> None:
    class Match:
        def __init__(self, cid: int) -> None:
            self.customer_id, self.channel, self.score, self.reasons, self.products_in_size = cid, "x", 1.0, [], []

    draft_set(store, world.set_id, "alex", TEMPLATE, matches=[Match(world.customer_m), Match(world.customer_s)])
    cards = {m.customer_id: m.attachment for m in list_messages(store, set_id=world.set_id)}
    assert cards[world.customer_m] == composer.write_card(store, world.set_id, world.customer_m)
    assert cards[world.customer_s] == composer.write_card(store, world.set_id, world.customer_s)
    assert cards[world.customer_m] != cards[world.customer_s]


def test_the_composition_is_kept_and_a_change_after_submission_needs_another_approver(
        store: Store, world: ComposeWorld) -> None:
    class Match:
        def __init__(self, cid: int) -> None:
            self.customer_id, self.channel, self.score, self.reasons, self.products_in_size = cid, "x", 1.0, [], []

    draft_set(store, world.set_id, "alex", TEMPLATE, matches=[Match(world.customer_m)])
    submit(store, world.set_id, "alex")
    approve(store, "lee", "ok", set_id=world.set_id)
    [before] = list_messages(store, set_id=world.set_id)
    assert before.state == "approved"
    set_layout(store, world.set_id, "two-heroes", "maria")
    assert get_composition(store, world.set_id).layout == "two-heroes"
    [after] = list_messages(store, set_id=world.set_id)
    assert after.state == "pending" and after.changed_by == "maria"
    assert after.attachment != before.attachment
    assert after.attachment == composer.write_card(store, world.set_id, world.customer_m)
    with pytest.raises(IllegalTransition, match="'maria' made the last change"):
        approve(store, "maria", "", set_id=world.set_id)
    assert approve(store, "lee", "", set_id=world.set_id).done == [after.id]
    # Swapping the two heroes is a change too; saving the same composition again is not.
    composition = get_composition(store, world.set_id)
    save_composition(store, world.set_id, composition, "sam")
    assert list_messages(store, set_id=world.set_id)[0].state == "approved"
    save_composition(store, world.set_id, composition.swapped("left", "right"), "sam")
    assert list_messages(store, set_id=world.set_id)[0].state == "pending"
    stored = store.db.execute("SELECT card_composition FROM sets WHERE id = ?", [world.set_id]).fetchone()[0]
    assert json.loads(stored)["slots"]["left"]["photo"] == world.photos[1]
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE action = 'set.compose'")]
    assert len(actions) == 3


def test_a_composition_that_does_not_fit_is_refused(store: Store, world: ComposeWorld) -> None:
    base = get_composition(store, world.set_id)
    with pytest.raises(InputError, match="slot 'hero' of layout hero-two-details takes hero pictures, not a collar"):
        save_composition(store, world.set_id, Composition("hero-two-details", (
            ("hero", SlotFill(world.photos[0], "collar")),)), "sam")
    with pytest.raises(InputError, match="layout hero-two-details: it has no slot 'nope'"):
        save_composition(store, world.set_id, Composition("hero-two-details", (
            ("nope", SlotFill(world.photos[0])),)), "sam")
    with pytest.raises(InputError, match=r"slot 'left': photo 999 is not in set \d+ or has no hero rendered"):
        save_composition(store, world.set_id, Composition("two-heroes", (("left", SlotFill(999)),)), "sam")
    with pytest.raises(InputError, match="layout 'nine-up' does not exist"):
        set_layout(store, world.set_id, "nine-up", "sam")
    assert get_composition(store, world.set_id) == base


def test_a_crop_inside_a_slot_changes_the_picture_not_the_file(store: Store, world: ComposeWorld) -> None:
    composition = _default(store, world.set_id, "two-heroes")
    fill = composition.fill("left")
    assert fill is not None
    cropped = composition.with_fill("left", SlotFill(fill.photo_id, "hero", (0.25, 0.25, 0.75, 0.75)))
    path = set_sources(store, world.set_id)[0].path
    before = path.read_bytes()
    a = render_card(gather_card(store, world.set_id, composition)).image
    b = render_card(gather_card(store, world.set_id, cropped)).image
    assert not _matches(a.crop((48, 150, 588, 1170)), b.crop((48, 150, 588, 1170)))
    assert path.read_bytes() == before


# -- layouts as data -----------------------------------------------------------------------------------
def test_the_built_in_layouts_are_valid_data() -> None:
    names = [layout.name for layout in list_layouts()]
    assert names == list(layouts.BUILTIN_ORDER)
    for path in sorted(layouts.BUILTIN_DIR.glob("*.json")):
        assert load_layout_file(path).as_json() == json.loads(path.read_text())


@pytest.mark.parametrize(("change", "message"), [
    ({"name": "Big Card"}, "name: write lower-case letters"),
    ({"slots": []}, "slots: give a list of 1 to 12 slots"),
    ({"slots": [{"id": "a", "accepts": "hero", "box": [0.5, 0.1, 0.6, 0.2]}]},
     r"slots\[0\].box \[0.5, 0.1, 0.6, 0.2\]: the box leaves the card"),
    ({"slots": [{"id": "a", "accepts": "shoe", "box": [0, 0, 1, 1]}]}, r"slots\[0\].accepts 'shoe': choose one of"),
    ({"slots": [{"id": "a", "box": [0, 0.1, 0.5, 0.5]}, {"id": "a", "box": [0.5, 0.1, 0.5, 0.5]}]},
     r"slots\[1\].id 'a': another slot has this id"),
    ({"slots": [{"id": "a", "box": [0, 0.1, 0.6, 0.5]}, {"id": "b", "box": [0.5, 0.1, 0.5, 0.5]}]},
     "slot 'a' overlaps slot 'b'"),
    ({"captions": [0, 0, 1, 0.2]}, "overlaps captions"),
    ({"colour": "red"}, "field 'colour' is not a layout field"),
])
def test_a_bad_layout_is_refused_naming_the_file_and_field(change: dict, message: str) -> None:
    data = get_layout("two-heroes").as_json() | change
    with pytest.raises(InputError, match=f"^mine.json: .*{message}"):
        parse_layout(data, "mine.json")


def test_bad_json_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "name": "x",\n  "slots": [}\n')
    with pytest.raises(InputError, match=r"bad.json: line 3 column 13: Expecting value; fix the JSON."):
        load_layout_file(path)


def test_a_merchandiser_saves_their_own_layout_from_an_existing_one(store: Store, world: ComposeWorld) -> None:
    mine = layouts.derive_layout(get_layout("two-heroes"), "spring-pair", "Spring pair")
    layouts.save_layout(store.library, mine)
    assert get_layout("spring-pair", store.library).slots == get_layout("two-heroes").slots
    assert not get_layout("spring-pair", store.library).builtin
    with pytest.raises(InputError, match="layout 'six-up' is a built-in layout"):
        layouts.save_layout(store.library, layouts.derive_layout(mine, "six-up"))
    set_layout(store, world.set_id, "spring-pair", "sam")
    assert get_composition(store, world.set_id).layout == "spring-pair"
    (store.library.root / "layouts" / "broken.json").write_text("{}")
    assert layouts.check_saved(store.library) == [
        f"{store.library.root / 'layouts' / 'broken.json'}: name: write lower-case letters, digits and dashes "
        "(up to 48), e.g. \"spring-two-up\"."]


# -- the command line ----------------------------------------------------------------------------------
def test_cli_sets_layout_and_card(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from lookbook.cli import main
    from lookbook.store.database import create_store

    store = create_store(tmp_path / "lib")
    world = compose_world(store)
    store.close()
    lib = ["--library", str(tmp_path / "lib")]
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    assert main([*lib, "--as", "sam", "sets", "layout", str(world.set_id), "product-details"]) == 0
    assert "laid out as product-details" in capsys.readouterr().out
    out = tmp_path / "card.jpg"
    assert main([*lib, "sets", "card", str(world.set_id), "--customer", str(world.customer_s), "--output",
                 "square", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Wrote {out} (1080×1080" in printed
    with Image.open(out) as card:
        assert card.size == (1080, 1080) and "icc_profile" in card.info
    # A detail too small for its slot is named (not enlarged).
    assert "note: slot 'detail-1':" in printed and "not enlarged" in printed
    assert main([*lib, "--as", "alex", "sets", "layout", str(world.set_id), "six-up"]) == 1
    assert "only a merchandiser, a manager or an admin" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "slots": [}')
    assert main([*lib, "layouts", "check", str(bad)]) == 1
    assert f"{bad}: line 1 column 25: Expecting value" in capsys.readouterr().out
    assert main([*lib, "--as", "sam", "layouts", "save", "my-pair", "--from", "two-heroes"]) == 0
    capsys.readouterr()
    assert main([*lib, "layouts", "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["name"] for x in listed][-1] == "my-pair" and listed[-1]["builtin"] is False
