"""Style presets kept in the library: the stored default, edits, renames, deletes, the default, bad input."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.photos.preset_library import (
    create_preset,
    delete_preset,
    get_preset,
    list_presets,
    photos_using,
    save_preset,
    set_default_preset,
    stale_renders,
    update_preset,
)
from lookbook.photos.presets import DEFAULT_PRESET, Preset
from lookbook.photos.recipes import (
    pending_renders,
    photo_detail,
    preset_named,
    presets,
    recipe_key,
    render_key,
    set_preset,
)
from lookbook.store.database import Store, open_store, utcnow
from lookbook.store.library import Library
from lookbook.store.migrations import migrations

DATA = Path(__file__).parent / "data"


def add_photo(store: Store, name: str, preset: str | None = None) -> int:
    """Add a photo row whose renders are up to date with its recipe (no pixels needed)."""
    recipe = json.dumps({"preset": preset}) if preset else "{}"
    photo_id = int(store.db.execute(
        "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, garment_box, recipe)"
        " VALUES (?, ?, ?, 400, 500, ?, '[10, 10, 390, 490]', ?)",
        [name.ljust(64, "0"), name, f"originals/{name}", utcnow(), recipe]).lastrowid)
    detail = photo_detail(store, photo_id)
    store.db.execute("UPDATE photos SET rendered_recipe = ? WHERE id = ?",
                     [recipe_key(detail, preset_named(store, detail.preset)), photo_id])
    return photo_id


def recipe_preset(store: Store, photo_id: int) -> str | None:
    return photo_detail(store, photo_id).preset


def preset_audit(store: Store) -> list[tuple[str, str, str, dict]]:
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in store.db.execute(
        "SELECT actor, action, entity_id, detail FROM audit_log WHERE entity = 'preset' ORDER BY id")]


def pending_ids(store: Store) -> set[int]:
    return {detail.id for detail, _preset in pending_renders(store)}


def test_a_new_library_stores_the_built_in_default_as_its_editable_default(store: Store) -> None:
    [only] = list_presets(store)
    assert only.is_default and only.preset == DEFAULT_PRESET and only.name == "Default"
    assert presets(store) == [DEFAULT_PRESET]  # the older read still sees the same preset


def test_an_old_library_gets_its_default_stored_and_its_renders_stay_up_to_date(tmp_path: Path) -> None:
    lib = tmp_path / "old"
    lib.mkdir()
    shutil.copyfile(DATA / "library_m001.db", lib / "library.db")
    with sqlite3.connect(lib / "library.db") as conn:
        assert conn.execute("SELECT count(*) FROM presets").fetchone()[0] == 0
    store = open_store(Library.locate(lib))
    try:
        [stored] = list_presets(store)
        assert stored.is_default and stored.preset == DEFAULT_PRESET
        # Renders keyed by the built-in default before the upgrade match the stored default after it.
        assert render_key(None, DEFAULT_PRESET) == render_key(None, stored.preset)
    finally:
        store.close()


def test_hand_written_presets_without_a_default_keep_the_first_by_name_as_default(tmp_path: Path) -> None:
    db_path = tmp_path / "library.db"
    shutil.copyfile(DATA / "library_m001.db", db_path)
    db = Database(sqlite3.connect(db_path))
    for name in ("Zebra", "apple"):
        db.execute("INSERT INTO presets (name, settings, is_default, updated_at) VALUES (?, ?, 0, ?)",
                   [name, Preset(name=name).to_json(), utcnow()])
    migrations.apply(db)
    assert db.execute("SELECT name FROM presets WHERE is_default").fetchall() == [("apple",)]
    assert db.execute("SELECT count(*) FROM presets").fetchone()[0] == 2
    db.close()


def test_create_from_the_built_in_settings_or_a_copy_audited_and_announced(store: Store) -> None:
    seen: list[Changes] = []
    store.hooks.library_did_change.append(seen.append)
    made = create_preset(store, "  Square   Grey ", "sam", aspect="1:1", background="grey", margin=0.1)
    assert made.preset is not None and made.preset.name == "Square Grey"
    assert made.preset.preset == Preset(name="Square Grey", aspect="1:1", background="grey", margin=0.1)
    assert not made.preset.is_default
    assert made.changes == Changes(photos=True, settings=True) and seen == [made.changes]
    copy = create_preset(store, "Story", "sam", copy_from="square grey", aspect="9:16")
    assert copy.preset is not None
    assert copy.preset.preset == Preset(name="Story", aspect="9:16", background="grey", margin=0.1)
    assert [p.name for p in list_presets(store)] == ["Default", "Square Grey", "Story"]
    audit = preset_audit(store)
    assert [(a[0], a[1]) for a in audit] == [("sam", "preset.create"), ("sam", "preset.create")]
    assert audit[1][2] == str(copy.preset.id) and audit[1][3]["copied_from"] == "Square Grey"
    assert audit[1][3]["after"]["aspect"] == "9:16"


@pytest.mark.parametrize("call, fragment", [
    (lambda s: update_preset(s, "Glossy", "sam", margin=0.1),
     "preset 'Glossy' does not exist (it may have been deleted or renamed); choose one of Default, Square"),
    (lambda s: create_preset(s, "SQUARE", "sam"), "preset name: 'Square' already exists"),
    (lambda s: update_preset(s, "Default", "sam", rename="square"), "preset name: 'Square' already exists"),
    (lambda s: update_preset(s, "Square", "sam", aspect="3:2"), "aspect must be one of 4:5, 1:1, 9:16, not '3:2'"),
    (lambda s: update_preset(s, "Square", "sam", margin=0.9), "margin must be between 0 and 0.4, not 0.9"),
    (lambda s: update_preset(s, "Square", "sam", hero_size=10),
     "hero_size must be a whole number of pixels from 32 to 8000, not 10"),
    (lambda s: create_preset(s, "Tiny", "sam", thumb_size=10), "thumb_size must be a whole number of pixels"),
    (lambda s: create_preset(s, "   ", "sam"), "preset name: must not be empty; use 1 to 60 characters"),
    (lambda s: update_preset(s, "Square", "sam", rename=""), "preset name: must not be empty"),
    (lambda s: update_preset(s, "Square", "sam", background="blue"),
     "background must be one of white, grey, keep, not 'blue'"),
    (lambda s: update_preset(s, "Square", "sam", sharpen=True), "preset setting 'sharpen' does not exist"),
    (lambda s: create_preset(s, "Copy", "sam", copy_from="Nope"), "preset 'Nope' does not exist"),
])
def test_bad_input_is_one_line_naming_the_field_and_changes_nothing(store: Store, call, fragment: str) -> None:
    create_preset(store, "Square", "sam", aspect="1:1")
    before = [p.as_dict() for p in list_presets(store)]
    audit = len(preset_audit(store))
    with pytest.raises(InputError) as caught:
        call(store)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)
    assert [p.as_dict() for p in list_presets(store)] == before and len(preset_audit(store)) == audit


def test_an_edit_makes_exactly_the_photos_using_the_preset_pending(store: Store) -> None:
    create_preset(store, "Square", "sam", aspect="1:1")
    create_preset(store, "Story", "sam", aspect="9:16")
    plain = add_photo(store, "plain.jpg")            # follows the default
    square = add_photo(store, "square.jpg", "Square")
    square_lower = add_photo(store, "lower.jpg", "square")  # names in recipes are matched in any case
    story = add_photo(store, "story.jpg", "Story")
    assert pending_ids(store) == set()
    assert sorted(photos_using(store, "SQUARE")) == [square, square_lower]
    assert photos_using(store, "Default") == [plain]

    change = update_preset(store, "square", "sam", background="grey", caption="Harbour & Pine")
    assert change.rerender == 2 and change.changes == Changes(photos=True, settings=True)
    assert pending_ids(store) == {square, square_lower} == set(stale_renders(store))
    entry = preset_audit(store)[-1]
    assert entry[:2] == ("sam", "preset.update")
    assert entry[3]["before"]["background"] == "white" and entry[3]["after"]["background"] == "grey"
    assert entry[3]["after"]["caption"] == "Harbour & Pine"

    update_preset(store, "Default", "maria", margin=0.1)
    assert pending_ids(store) == {square, square_lower, plain}
    assert story not in pending_ids(store)


def test_saving_the_same_settings_changes_nothing_and_audits_nothing(store: Store) -> None:
    stored = get_preset(store, "Default")
    change = save_preset(store, stored.id, stored.preset, "sam")
    assert not change.changes and preset_audit(store) == []


def test_rename_carries_the_recipes_in_one_transaction_and_redoes_no_render(store: Store) -> None:
    create_preset(store, "Square", "sam", aspect="1:1")
    square = add_photo(store, "square.jpg", "square")
    other = add_photo(store, "other.jpg")
    change = update_preset(store, "Square", "sam", rename="Square Grey")
    assert change.moved == 1 and change.rerender == 0
    assert recipe_preset(store, square) == "Square Grey" and recipe_preset(store, other) is None
    assert pending_ids(store) == set()  # the name draws nothing: up-to-date renders stay up to date
    assert preset_audit(store)[-1][3]["renamed_in_photos"] == 1
    with pytest.raises(InputError, match="preset 'Square' does not exist"):
        get_preset(store, "Square")

    # A rename whose audit fails leaves both the preset and the recipes as they were.
    def broken_audit(*_a, **_k):
        raise sqlite3.OperationalError("disk I/O error")

    store.audit = broken_audit  # type: ignore[method-assign]
    with pytest.raises(sqlite3.OperationalError):
        update_preset(store, "Square Grey", "sam", rename="Square White", background="white")
    assert get_preset(store, "Square Grey").preset.aspect == "1:1"
    assert recipe_preset(store, square) == "Square Grey"


def test_renaming_the_default_keeps_it_the_default_and_its_photos_up_to_date(store: Store) -> None:
    plain = add_photo(store, "plain.jpg")
    update_preset(store, "default", "sam", rename="House Style")
    assert list_presets(store)[0].name == "House Style" and list_presets(store)[0].is_default
    assert recipe_preset(store, plain) is None and pending_ids(store) == set()


def test_delete_moves_its_photos_to_the_default_and_says_how_many(store: Store) -> None:
    create_preset(store, "Square", "sam", aspect="1:1")
    a = add_photo(store, "a.jpg", "Square")
    b = add_photo(store, "b.jpg", "SQUARE")
    c = add_photo(store, "c.jpg")
    change = delete_preset(store, "square", "maria")
    assert change.moved == 2 and change.rerender == 2 and change.preset is None
    assert recipe_preset(store, a) is None and recipe_preset(store, b) is None
    assert pending_ids(store) == {a, b} and c not in pending_ids(store)
    assert [p.name for p in list_presets(store)] == ["Default"]
    entry = preset_audit(store)[-1]
    assert entry[:2] == ("maria", "preset.delete")
    assert entry[3]["photos_moved"] == [a, b] and entry[3]["moved_to"] == "Default"


def test_the_default_and_the_last_preset_cannot_be_deleted(store: Store) -> None:
    with pytest.raises(InputError, match="'Default' is the default and cannot be deleted; make another"):
        delete_preset(store, "Default", "sam")
    create_preset(store, "Square", "sam", aspect="1:1")
    set_default_preset(store, "Square", "sam")
    with pytest.raises(InputError, match="'Square' is the default"):
        delete_preset(store, "Square", "sam")
    delete_preset(store, "Default", "sam")
    assert [p.name for p in list_presets(store)] == ["Square"]
    with pytest.raises(InputError, match="cannot be deleted"):
        delete_preset(store, "Square", "sam")


def test_set_default_moves_photos_without_a_preset_of_their_own(store: Store) -> None:
    create_preset(store, "Square", "sam", aspect="1:1")
    plain = add_photo(store, "plain.jpg")
    pinned = add_photo(store, "pinned.jpg", "Default")
    change = set_default_preset(store, "square", "sam")
    assert change.rerender == 1 and change.changes == Changes(photos=True, settings=True)
    stored = list_presets(store)
    assert [(p.name, p.is_default) for p in stored] == [("Square", True), ("Default", False)]
    assert preset_named(store, None).name == "Square"
    assert pending_ids(store) == {plain} and pinned not in pending_ids(store)
    assert photos_using(store, "Square") == [plain]
    assert preset_audit(store)[-1][3] == {"before": "Default", "after": "Square"}
    again = set_default_preset(store, "Square", "sam")
    assert not again.changes and again.rerender == 0
    # Back to the old default: the renders made with it are up to date again.
    assert set_default_preset(store, "Default", "sam").rerender == 0 and pending_ids(store) == set()


def test_a_photo_can_choose_a_new_preset_and_an_undo_is_refused_once_the_preset_changed(store: Store) -> None:
    made = create_preset(store, "Square", "sam", aspect="1:1").preset
    assert made is not None
    photo = add_photo(store, "p.jpg")
    set_preset(store, photo, "square", "sam")
    assert recipe_preset(store, photo) == "Square"
    edited = made.preset.with_changes(margin=0.2)
    save_preset(store, made.id, edited, "sam", expected=made.preset)
    update_preset(store, made.id, "maria", background="grey")  # someone else edits it too
    with pytest.raises(InputError, match="was changed since"):
        save_preset(store, made.id, made.preset, "sam", expected=edited)
    assert get_preset(store, made.id).preset.background == "grey"
