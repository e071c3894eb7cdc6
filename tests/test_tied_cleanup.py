"""What the app stores is what the quality benches measured: the cleanup of the tied product's category.

A clip hanger above a waistband is cut out only on trousers, shorts and skirts, and a hand holding a hat
or shoes flags the shot only on those (:mod:`lookbook.photos.cleanup`). The benches gave the cleanup the
truth category; the import and every re-render gave it none (the render key left the category out).
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path

import cv2
import numpy as np

from catalog_support import add_product
from hanger_scenes import SHIRT, wall
from lookbook.photos.details import cleanup_class
from lookbook.photos.importer import ImportReport, PhotoProgress, import_photos
from lookbook.photos.presets import DEFAULT_PRESET
from lookbook.photos.recipes import (
    key_cleanup,
    pending_render_ids,
    pending_renders,
    photo_detail,
    recipe_key,
    record_render,
    render_key,
    render_paths,
    render_photo,
)
from lookbook.photos.ties import assign_photos
from lookbook.progress import run_to_end
from lookbook.store.database import Store
from test_hanger_flags import DARK, SKIN, _clip_hanger, _trousers


def run(steps: Generator[PhotoProgress, None, ImportReport]) -> tuple[list[PhotoProgress], ImportReport]:
    seen: list[PhotoProgress] = []
    return seen, run_to_end(steps, seen.append)


def save(rgb: np.ndarray, path: Path, when: float | None = None) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if when is not None:
        os.utime(path, (when, when))  # a PNG has no EXIF: its capture time is the file's
    return path


def clipped_trousers() -> np.ndarray:
    """Dark trousers on a clip hanger of their colour: bar, clips and hook stand above the waistband."""
    return _clip_hanger(_trousers(wall()), DARK)


def held_cap() -> np.ndarray:
    """A cap held up from below by a hand (test_hanger_flags' synthetic hat)."""
    img = wall()
    cv2.ellipse(img, (200, 250), (110, 80), 0, 180, 360, SHIRT, -1)
    cv2.rectangle(img, (90, 245), (330, 265), SHIRT, -1)  # the peak
    cv2.rectangle(img, (170, 262), (230, 360), SKIN, -1)  # fingers and palm under it
    return img


def dark_above_waistband(hero: Path) -> float:
    """Return the share of dark pixels in the hero's top rows, where the hanger stands above the waistband."""
    grey = cv2.imread(str(hero), cv2.IMREAD_GRAYSCALE)
    return float((grey[: int(grey.shape[0] * 0.15)] < 100).mean())


def row(store: Store, name: str) -> tuple[int, str, str | None, int]:
    r = store.db.execute("SELECT id, rendered_recipe, assigned_by, needs_review FROM photos WHERE original_name = ?",
                         [name]).fetchone()
    return int(r[0]), r[1], r[2], int(r[3])


def test_a_photo_tied_to_trousers_by_its_file_name_gets_the_waistband_cleanup_at_import(
        store: Store, tmp_path: Path) -> None:
    add_product(store, "TR-01", category="trousers")
    photo = save(clipped_trousers(), tmp_path / "TR-01_1.png")

    steps, report = run(import_photos(store, [photo], actor="sam", workers=1))

    photo_id, rendered, assigned_by, needs_review = row(store, "TR-01_1.png")
    assert assigned_by == "filename" and not report.problems
    hero = render_paths(store.library, photo_detail(store, photo_id).sha256)["hero"]
    # The hanger's bar and hook above the waistband are not in the hero (they were: 7 % of its top rows dark).
    assert dark_above_waistband(hero) < 0.01
    # Its clips' jaws may still grip the waistband: flagged. Known before the render: rendered once, not again.
    assert needs_review and report.imported[0].needs_review
    assert key_cleanup(rendered) == "waistband" and pending_render_ids(store) == []
    assert report.rerendered == 0 and not [s for s in steps if s.stage == "rendering"]


def test_a_shot_the_import_ties_by_burst_to_a_hat_is_rendered_again_before_it_reports(
        store: Store, tmp_path: Path) -> None:
    add_product(store, "HT-01", category="hat")
    cap = held_cap()
    first = save(cap, tmp_path / "HT-01.png", when=1_700_000_000)
    again = cap.copy()
    again[0, 0] = (0, 0, 0)  # another file, the same shot to the eye (a burst)
    second = save(again, tmp_path / "IMG_0002.png", when=1_700_000_001)

    steps, report = run(import_photos(store, [first, second], actor="sam", workers=1))

    photo_id, rendered, assigned_by, needs_review = row(store, "IMG_0002.png")
    assert assigned_by == "burst"
    # Tied only after it was rendered: rendered again with the hand check, which flags it.
    assert [s.stage for s in steps][-1] == "rendering" and report.rerendered == 1
    assert key_cleanup(rendered) == "hat" and pending_render_ids(store) == []
    assert needs_review and all(o.needs_review for o in report.imported)
    assert "1 rendered again for their product's category" in report.summary()
    actions = [a for (a,) in store.db.execute(
        "SELECT action FROM audit_log WHERE entity_id = ? AND entity = 'photo'", [photo_id])]
    assert actions == ["photo.import", "photo.render"]


def test_tying_by_hand_to_a_hat_makes_the_render_stale_and_its_render_runs_the_hand_check(
        store: Store, tmp_path: Path) -> None:
    add_product(store, "HT-02", category="Hats")  # a synonym: the catalog's own spelling
    add_product(store, "SH-02", category="shirt")
    photo = save(held_cap(), tmp_path / "IMG_0100.png")
    _, report = run(import_photos(store, [photo], actor="sam", workers=1))
    photo_id = report.photo_ids[0]
    # Not tied, no hand looked for: not flagged.
    assert not row(store, "IMG_0100.png")[3] and pending_render_ids(store) == []

    assign_photos(store, [photo_id], "SH-02", "maria")
    assert pending_render_ids(store) == []  # a shirt's cleanup is the default one: its render stands

    assign_photos(store, [photo_id], "HT-02", "maria")
    assert pending_render_ids(store) == [photo_id]  # what Check All Photos and the Shoot page count
    [(detail, preset)] = pending_renders(store)
    result = render_photo(store.library, detail, preset)
    assert result.cleanup_review and result.needs_review  # the hand check ran
    record_render(store, photo_id, result, recipe_key(detail, preset), "maria")
    assert row(store, "IMG_0100.png")[3] == 1 and pending_render_ids(store) == []
    # Every detail kind is still rendered: tying it to trousers later shows their crops without a render.
    assert {"waistband", "hem-leg", "collar"} <= set(render_paths(store.library, detail.sha256))


def test_keys_of_other_categories_are_unchanged() -> None:
    plain = render_key(None, DEFAULT_PRESET)
    for category in (None, "shirt", "Dress", "t-shirt", "outerwear", "", "unknown"):
        assert render_key(None, DEFAULT_PRESET, None, category) == plain
    assert "cleanup" not in json.loads(plain)
    # One class for each cleanup: retying a skirt to trousers, or a shoe to shoes, needs no new render; a hat to
    # shoes does (nothing is cut off a hat as hanger, h-keep22).
    assert {cleanup_class(c) for c in ("pants", "Shorts", "skirts", "trousers")} == {"waistband"}
    assert {cleanup_class(c) for c in ("shoe", "SHOES")} == {"held"}
    assert {cleanup_class(c) for c in ("hat", "Hats")} == {"hat"}
    assert render_key(None, DEFAULT_PRESET, None, "shorts") == render_key(None, DEFAULT_PRESET, None, "skirt") != plain


def test_the_command_line_says_a_hand_tie_made_a_render_stale_and_render_all_redoes_it(
        tmp_path: Path, monkeypatch, capsys) -> None:
    from lookbook.cli import main
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library
    from lookbook.store.users import create_user

    store = create_store(tmp_path / "lib")
    create_user(store, "sam", "secret-pass-1", "merchandiser")
    with store.atomic():
        add_product(store, "HT-09", category="hat")
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass-1")
    lib = ["--library", str(tmp_path / "lib"), "--as", "sam"]
    photo = save(held_cap(), tmp_path / "IMG_0200.png")
    assert main([*lib, "photos", "import", "--workers", "1", str(photo)]) == 0
    capsys.readouterr()

    assert main([*lib, "photos", "assign", "IMG_0200.png", "--sku", "HT-09"]) == 0
    assert "1 shot now needs a new render" in capsys.readouterr().err
    assert main([*lib, "render", "--all", "--workers", "1"]) == 0
    assert "Rendered 1 photo" in capsys.readouterr().out
    store = open_store(Library(tmp_path / "lib"))
    try:
        assert pending_render_ids(store) == [] and row(store, "IMG_0200.png")[3] == 1  # the hand check flagged it
    finally:
        store.close()
