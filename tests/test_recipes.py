"""Photo recipes: a hand-set box and a preset are stored, audited, and decide when a render is redone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.photos.presets import Preset
from lookbook.photos.recipes import (
    mark_reviewed,
    photo_detail,
    preset_named,
    recipe_key,
    record_render,
    render_paths,
    render_photo,
    set_box,
    set_preset,
)
from lookbook.store.database import Store, utcnow

DEMO_PHOTO = Path(__file__).resolve().parent.parent / "resources" / "demo" / "photos" / "HP-SH03.jpg"


def add_photo(store: Store, source: Path = DEMO_PHOTO) -> int:
    """Import one real photo by hand (as the demo does) and return its id."""
    digest, stored = store.library.store_original(source)
    return int(store.db.execute(
        "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, needs_review)"
        " VALUES (?, ?, ?, 400, 400, ?, 1)",
        [digest, source.name, str(stored.relative_to(store.library.root)), utcnow()]).lastrowid)


def audit_actions(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT action FROM audit_log ORDER BY id")]


def test_a_hand_box_is_stored_audited_and_clears_the_review_flag(store: Store) -> None:
    photo = add_photo(store)
    seen: list[Changes] = []
    store.hooks.library_did_change.append(seen.append)
    changes = set_box(store, photo, (10, 20, 300, 380), "sam", size=(400, 400))
    detail = photo_detail(store, photo)
    assert detail.box == (10, 20, 300, 380) and detail.effective_box == (10, 20, 300, 380)
    assert not detail.needs_review
    assert changes.photos and seen == [changes]
    entry = store.db.execute("SELECT actor, action, entity_id, detail FROM audit_log").fetchone()
    assert entry[:3] == ("sam", "photo.box", str(photo))
    assert json.loads(entry[3])["after"] == {"box": [10, 20, 300, 380]}


def test_going_back_to_the_detected_box_removes_the_hand_box(store: Store) -> None:
    photo = add_photo(store)
    store.db.execute("UPDATE photos SET garment_box = '[5, 5, 395, 395]' WHERE id = ?", [photo])
    set_box(store, photo, (10, 20, 300, 380), "sam")
    set_box(store, photo, None, "sam")
    detail = photo_detail(store, photo)
    assert detail.box is None and detail.effective_box == (5, 5, 395, 395)
    assert audit_actions(store) == ["photo.box", "photo.box"]


@pytest.mark.parametrize("box, fragment", [
    ((300, 20, 10, 380), "empty or off the photo"),
    ((-5, 20, 300, 380), "empty or off the photo"),
    ((10, 20, 300, 500), "reaches past the photo (400 x 400 pixels)"),
])
def test_a_bad_box_is_refused_with_what_to_do_and_nothing_changes(store: Store, box, fragment: str) -> None:
    photo = add_photo(store)
    with pytest.raises(InputError, match=r"photo \d+: garment box .*") as caught:
        set_box(store, photo, box, "sam", size=(400, 400))
    assert fragment in str(caught.value) and "drag" in str(caught.value)
    assert photo_detail(store, photo).box is None and audit_actions(store) == []


def test_an_unknown_photo_or_preset_is_refused(store: Store) -> None:
    with pytest.raises(InputError, match="photo 99 does not exist"):
        set_box(store, 99, (1, 1, 50, 50), "sam")
    photo = add_photo(store)
    with pytest.raises(InputError, match="preset 'Glossy' does not exist; choose one of Default"):
        set_preset(store, photo, "Glossy", "sam")


def test_preset_from_the_library_is_used_by_name(store: Store) -> None:
    square = Preset(name="Square Grey", aspect="1:1", background="grey")
    store.db.execute("INSERT INTO presets (name, settings, is_default, updated_at) VALUES (?, ?, 0, ?)",
                     [square.name, square.to_json(), utcnow()])
    photo = add_photo(store)
    set_preset(store, photo, "square grey", "sam")
    assert photo_detail(store, photo).preset == "Square Grey"
    assert preset_named(store, "Square Grey") == square


def test_render_is_cached_until_the_recipe_changes(store: Store) -> None:
    photo = add_photo(store)
    detail = photo_detail(store, photo)
    preset = preset_named(store, None)
    result = render_photo(store.library, detail, preset)
    assert set(result.outputs) >= {"hero", "thumb"}
    assert render_paths(store.library, detail.sha256) == result.outputs
    record_render(store, photo, result, recipe_key(detail, preset), "sam")
    stored = photo_detail(store, photo)
    # The first render keeps the detection: the box and whether it needs review.
    assert stored.detected_box == tuple(result.garment_box)
    assert stored.rendered_recipe == recipe_key(stored, preset)
    set_box(store, photo, (40, 40, 360, 360), "sam")
    assert photo_detail(store, photo).rendered_recipe != recipe_key(photo_detail(store, photo), preset)


def test_renders_of_an_older_renderer_are_redone(store: Store) -> None:
    # Same box, same preset, but made before the renderer changed (no version in the key, as
    # libraries of the first release recorded it): "Check All Photos" must redo it.
    import json

    from lookbook.photos.recipes import pending_renders

    photo = add_photo(store)
    detail = photo_detail(store, photo)
    preset = preset_named(store, None)
    record_render(store, photo, render_photo(store.library, detail, preset), recipe_key(detail, preset), "sam")
    assert photo not in [d.id for d, _ in pending_renders(store)]
    old_key = json.dumps({"box": None, "preset": preset.to_dict()}, sort_keys=True)
    store.db.execute("UPDATE photos SET rendered_recipe = ? WHERE id = ?", [old_key, photo])
    assert photo in [d.id for d, _ in pending_renders(store)]


def test_a_render_follows_the_hand_box(store: Store) -> None:
    from PIL import Image

    photo = add_photo(store)
    preset = preset_named(store, None)
    set_box(store, photo, (0, 0, 200, 400), "sam")  # the left half only: a tall, narrow garment
    narrow = render_photo(store.library, photo_detail(store, photo), preset)
    with Image.open(narrow.outputs["hero"]) as im:
        narrow_size = im.size
    set_box(store, photo, (0, 0, 400, 200), "sam")  # the top half: a wide garment needs a bigger 4:5 frame
    wide = render_photo(store.library, photo_detail(store, photo), preset)
    with Image.open(wide.outputs["hero"]) as im:
        wide_size = im.size
    assert narrow.garment_box == (0, 0, 200, 400) and wide.garment_box == (0, 0, 400, 200)
    assert narrow_size[0] / narrow_size[1] == pytest.approx(0.8, abs=0.01)
    assert wide_size[0] / wide_size[1] == pytest.approx(0.8, abs=0.01)
    assert wide_size[1] > narrow_size[1]  # never upscaled: the wider frame holds more of the photo's pixels


def test_mark_reviewed_clears_the_flag_of_each_photo(store: Store) -> None:
    first, second = add_photo(store), add_photo(store, DEMO_PHOTO.with_name("HP-SH01.jpg"))
    mark_reviewed(store, [first, second], "maria")
    assert not photo_detail(store, first).needs_review and not photo_detail(store, second).needs_review
    assert audit_actions(store) == ["photo.reviewed", "photo.reviewed"]
