"""Why a shot is flagged, wherever the flag shows: a product's shots, `lookbook detect`, the card a manager approves,
and a render that gives a shot flagged before reasons were kept its reasons back."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lookbook.photos.pipeline as pipeline
from catalog_support import add_photo, add_product
from lookbook.cli import main
from lookbook.lookbooks.composer import flagged_on_card, get_composition
from lookbook.lookbooks.sets import create_set, shots_of_product
from lookbook.photos.importer import import_photos
from lookbook.photos.pipeline import PhotoResult
from lookbook.photos.recipes import flagged_shots, photo_detail, record_render
from lookbook.photos.review import (
    EARLIER,
    FlaggedShot,
    ReviewReason,
    colour_reason,
    dumps,
    still_flagged,
    still_flagged_details,
)
from lookbook.progress import run_to_end
from lookbook.store.database import Store, create_store, open_store
from lookbook.store.library import Library
from lookbook.store.users import create_user
from photo_support import demo_photos

HOOK = "a hanger's hook above the garment"
HAND = ReviewReason("cutout", "a hand may show (skin at the edge of the garment)")
BOX = ReviewReason("box", "the box is unsure (confidence 31%): check it holds the whole garment and nothing else")


@pytest.fixture
def hook_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the cleanup see a hanger's hook on every photo, and the detector sure of every box (the cleanup's
    decisions are tuned elsewhere: the flag is made at the pipeline's seam)."""
    real = pipeline.clean_detection

    def clean(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        return replace(done, detection=replace(done.detection, confidence=0.9), needs_review=True, reasons=(HOOK,))

    monkeypatch.setattr(pipeline, "clean_detection", clean)


def flag(store: Store, photo_id: int, reasons: tuple[ReviewReason, ...] | None) -> None:
    """Flag a photo with ``reasons`` (``None``: flagged before reasons were kept)."""
    store.db.execute("UPDATE photos SET needs_review = 1, review_reasons = ? WHERE id = ?",
                     [dumps(reasons) if reasons else None, photo_id])


def shot(store: Store, product_id: int, name: str) -> int:
    photo_id = add_photo(store, np.full((16, 16, 3), len(name) * 7 % 255, np.uint8), name)
    store.db.execute("UPDATE photos SET product_id = ?, assigned_by = 'hand', confidence = 0.9 WHERE id = ?",
                     [product_id, photo_id])
    return photo_id


# -- the Products page's list of a product's shots ----------------------------------------------------------------

def test_a_products_shots_say_why_each_flagged_one_is(store: Store) -> None:
    product = add_product(store, "RG-1", brand="Robert Graham")
    clean, hooked, before = (shot(store, product, n) for n in ("clean.jpg", "hooked.jpg", "before.jpg"))
    flag(store, hooked, (ReviewReason("cutout", HOOK), HAND))
    flag(store, before, None)
    found = {s.photo_id: s.review_reasons for s in shots_of_product(store, product)}
    assert found == {clean: (), hooked: (ReviewReason("cutout", HOOK), HAND), before: (EARLIER,)}


# -- the card a manager approves, and the Compose page --------------------------------------------------------------

def test_the_cards_flagged_shots_are_named_with_why(store: Store) -> None:
    create_user(store, "sam", "secret-pass", "merchandiser")
    shirt = add_product(store, "RG-1", brand="Robert Graham")
    knit = add_product(store, "RG-2", brand="Robert Graham")
    gone = add_product(store, "RG-3", brand="Robert Graham", sizes={"M": 0})  # sold out: not on the card
    a, b, c, d = (shot(store, shirt, "a.jpg"), shot(store, knit, "b.jpg"), shot(store, gone, "c.jpg"),
                  shot(store, knit, "d.jpg"))
    flag(store, b, (BOX, HAND))
    flag(store, c, (ReviewReason("cutout", HOOK),))
    flag(store, d, None)
    photo_set = create_set(store, brand="Robert Graham", name="Spring", actor="sam", photos=[a, b, c, d])
    on_card = get_composition(store, photo_set.id).photo_ids()
    assert c not in on_card and {a, b} <= set(on_card)

    flagged = flagged_on_card(store, photo_set.id)
    assert [(f.photo_id, f.name, f.reasons) for f in flagged if f.photo_id != d] == [(b, "b.jpg", (BOX, HAND))]
    assert [f.reasons for f in flagged if f.photo_id == d] in ([], [(EARLIER,)])  # on the card if the layout has room
    # In the order asked for, each once; the sold-out shot is still found when asked about.
    assert [f.photo_id for f in flagged_shots(store, [c, b, a, c])] == [c, b]

    store.db.execute("UPDATE photos SET needs_review = 0, review_reasons = NULL WHERE id IN (?, ?)", [b, d])
    assert flagged_on_card(store, photo_set.id) == []


def test_one_line_names_the_flagged_shots_and_the_first_reason_of_each() -> None:
    shots = [FlaggedShot(1, "a.jpg", (BOX, HAND)), FlaggedShot(2, "b.jpg", (colour_reason(14),))]
    assert still_flagged(shots) == (
        f"2 shots still flagged for review: a.jpg ({BOX.text} (+1 more)); b.jpg (the hero's colour moved by 14 "
        "(a*b*): check it against the garment)")
    assert still_flagged(shots[1:]).startswith("1 shot still flagged for review: b.jpg (")
    assert still_flagged([]) == "" and still_flagged_details([]) == ""
    assert still_flagged_details(shots).splitlines() == [
        "a.jpg:", f"• {BOX.text}", f"• {HAND.text}", "b.jpg:", "• the hero's colour moved by 14 (a*b*): check it "
                                                                "against the garment"]


# -- lookbook detect ------------------------------------------------------------------------------------------------

def test_detect_prints_the_reasons_an_import_would_store(hook_seen: None, capsys: pytest.CaptureFixture[str]) -> None:
    [photo] = demo_photos("t-shirt")[:1]
    assert main(["detect", "--json", "--workers", "1", str(photo)]) == 0
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert line["needs_review"] is True and line["review_reasons"] == [{"kind": "cutout", "text": HOOK}]

    assert main(["detect", "--workers", "1", str(photo)]) == 0
    fields = capsys.readouterr().out.rstrip("\n").split("\t")
    assert fields[0] == str(photo) and len(fields[1].split()) == 4 and fields[3] == f"check: {HOOK}"


def test_detect_prints_nothing_to_check_for_a_clean_photo(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    real = pipeline.clean_detection

    def clean(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        return replace(done, detection=replace(done.detection, confidence=0.9),
                       needs_review=False, reasons=())

    monkeypatch.setattr(pipeline, "clean_detection", clean)
    [photo] = demo_photos("t-shirt")[:1]
    assert main(["detect", "--workers", "1", "--json", str(photo)]) == 0
    assert json.loads(capsys.readouterr().out)["review_reasons"] == []
    assert main(["detect", "--workers", "1", str(photo)]) == 0
    assert len(capsys.readouterr().out.rstrip("\n").split("\t")) == 3


# -- a render gives a shot flagged before reasons were kept its reasons -------------------------------------------

def result(reasons: tuple[ReviewReason, ...], shift: float = 2.0) -> PhotoResult:
    """A render's result that found ``reasons`` (its colour moved by ``shift``)."""
    return PhotoResult(path=Path("x.jpg"), garment_box=(1, 1, 50, 50), confidence=0.5, needs_review=bool(reasons),
                       phash="0" * 16, original_size=(100, 100), outputs={"hero": Path("x-hero.jpg")},
                       colour_shift=shift, review_reasons=reasons)


def old_flagged(store: Store, recipe: dict[str, object] | None = None) -> int:
    """A shot with a detected box, flagged before reasons were kept, rendered by an older renderer."""
    product = add_product(store, "RG-1", brand="Robert Graham")
    photo_id = shot(store, product, "old.jpg")
    store.db.execute("UPDATE photos SET garment_box = '[1, 1, 50, 50]', recipe = ?, rendered_recipe = 'old'"
                     " WHERE id = ?", [json.dumps(recipe or {}), photo_id])
    flag(store, photo_id, None)
    return photo_id


def test_a_render_gives_a_shot_flagged_before_reasons_were_kept_the_reasons_it_found(store: Store) -> None:
    photo_id = old_flagged(store)
    record_render(store, photo_id, result((BOX, HAND)), "new", "sam")
    detail = photo_detail(store, photo_id)
    assert detail.needs_review and detail.review_reasons == (BOX, HAND)
    audit = json.loads(store.db.execute("SELECT detail FROM audit_log WHERE action = 'photo.render'").fetchone()[0])
    assert audit["review_reasons"] == [BOX.text, HAND.text]
    # Kept reasons are never replaced by a later render's (a box reason stays through a render: test_review_reasons).
    record_render(store, photo_id, result((HAND,)), "newer", "sam")
    assert photo_detail(store, photo_id).review_reasons == (BOX, HAND)


def test_a_render_that_finds_nothing_keeps_the_flag_and_flagged_before(store: Store) -> None:
    photo_id = old_flagged(store)
    record_render(store, photo_id, result(()), "new", "sam")
    detail = photo_detail(store, photo_id)
    assert detail.needs_review and detail.review_reasons == (EARLIER,)


def test_a_shot_whose_box_was_set_by_hand_is_not_detected_again_so_keeps_flagged_before(store: Store) -> None:
    photo_id = old_flagged(store, {"box": [2, 2, 40, 40]})
    record_render(store, photo_id, result((HAND,)), "new", "sam")
    assert photo_detail(store, photo_id).review_reasons == (EARLIER,)
    # A colour shift still joins it, as before.
    record_render(store, photo_id, result((colour_reason(15),), shift=15.0), "new", "sam")
    assert photo_detail(store, photo_id).review_reasons == (EARLIER, colour_reason(15))


def test_render_all_gives_an_old_librarys_flagged_shots_their_reasons(tmp_path: Path, hook_seen: None,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "lib"
    store = create_store(library)
    try:
        create_user(store, "sam", "secret-pass-1", "merchandiser")
        [photo] = demo_photos("t-shirt")[:1]
        report = run_to_end(import_photos(store, [photo], actor="sam", workers=1))
        (outcome,) = report.imported
        photo_id = outcome.photo_id
        assert photo_id is not None
        # As a library from before m019 holds it: flagged, no reasons, rendered by an older renderer.
        store.db.execute("UPDATE photos SET review_reasons = NULL, rendered_recipe = '{\"renderer\": 1}'"
                         " WHERE id = ?", [photo_id])
        assert photo_detail(store, photo_id).review_reasons == (EARLIER,)
    finally:
        store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass-1")
    assert main(["--library", str(library), "--as", "sam", "render", "--all", "--workers", "1"]) == 0
    assert "Rendered 1 photo" in capsys.readouterr().out
    store = open_store(Library.locate(library))
    try:
        detail = photo_detail(store, photo_id)
        assert detail.needs_review and detail.review_reasons[0] == ReviewReason("cutout", HOOK)
    finally:
        store.close()
