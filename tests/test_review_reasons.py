"""Why a shot is flagged for review: the reasons are kept on its row, listed by ``photos list``, cleared with the flag.

The cleanup's decisions are tuned on their own branches; these tests flag a photo at the seam (the pipeline's call
to :func:`~lookbook.photos.cleanup.clean_detection`) so that what they check does not move with that tuning.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import lookbook.photos.pipeline as pipeline
from lookbook.cli import main
from lookbook.listings import list_photos
from lookbook.photos.importer import import_photos
from lookbook.photos.pipeline import PhotoResult
from lookbook.photos.recipes import (
    mark_reviewed,
    pending_renders,
    photo_detail,
    presets,
    record_render,
    render_batch,
    set_box,
    set_neutral,
    set_preset,
)
from lookbook.photos.review import (
    EARLIER,
    HANGER_LEFT,
    ReviewReason,
    build_reasons,
    clear_words,
    colour_reason,
    loads,
    merge,
)
from lookbook.progress import run_to_end
from lookbook.store.database import Store, create_store, open_store
from lookbook.store.library import Library
from lookbook.store.migrations import migrations
from lookbook.store.sqlitedb import Database
from lookbook.store.users import create_user
from photo_support import dataset_name, demo_photos

HOOK = "a hanger's hook above the garment"
M019 = "m019_photos_review_reasons"


@pytest.fixture
def hook_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the cleanup see a hanger's hook on every photo, and the detector sure of every box."""
    real = pipeline.clean_detection

    def clean(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        return replace(done, detection=replace(done.detection, confidence=0.9), needs_review=True, reasons=(HOOK,))

    monkeypatch.setattr(pipeline, "clean_detection", clean)


def shot(tmp_path: Path) -> Path:
    src = demo_photos("t-shirt")[0]
    dest = tmp_path / "shoot" / dataset_name(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest


def stored(store: Store, photo_id: int) -> tuple[int, str | None]:
    row = store.db.execute("SELECT needs_review, review_reasons FROM photos WHERE id = ?", [photo_id]).fetchone()
    return int(row[0]), row[1]


def imported(store: Store, tmp_path: Path) -> int:
    report = run_to_end(import_photos(store, [shot(tmp_path)], actor="sam", workers=1))
    (outcome,) = report.imported
    assert outcome.needs_review and outcome.review_reasons[0] == ReviewReason("cutout", HOOK)
    assert outcome.photo_id is not None
    return outcome.photo_id


def colour_result(shift: float) -> PhotoResult:
    """A render's result whose hero moved the garment's colour by ``shift``."""
    return PhotoResult(path=Path("x.jpg"), garment_box=(1, 1, 50, 50), confidence=0.9, needs_review=shift > 10,
                       phash="0" * 16, original_size=(100, 100), outputs={"hero": Path("x-hero.jpg")},
                       colour_shift=shift, review_reasons=(colour_reason(shift),) if shift > 10 else ())


def test_import_keeps_why_a_photo_is_flagged_and_review_clears_it(store: Store, tmp_path: Path,
                                                                  hook_seen: None) -> None:
    photo_id = imported(store, tmp_path)
    assert json.loads(stored(store, photo_id)[1] or "null")[0] == {"kind": "cutout", "text": HOOK}
    detail = photo_detail(store, photo_id)
    assert detail.needs_review and detail.review_reasons[0] == ReviewReason("cutout", HOOK)
    assert [(r.id, r.review_reasons[0].text) for r in list_photos(store, flagged=True)] == [(photo_id, HOOK)]
    assert json.loads(store.db.execute("SELECT detail FROM audit_log WHERE action = 'photo.import'").fetchone()[0])[
        "review_reasons"][0] == HOOK

    mark_reviewed(store, [photo_id], "sam")
    assert stored(store, photo_id) == (0, None)
    assert photo_detail(store, photo_id).review_reasons == ()
    assert list_photos(store, flagged=True) == []
    assert list_photos(store)[0].review_reasons == ()


def test_reasons_stay_through_a_render_and_a_colour_shift_joins_them(store: Store, tmp_path: Path,
                                                                     hook_seen: None) -> None:
    photo_id = imported(store, tmp_path)
    first = photo_detail(store, photo_id).review_reasons
    # Rendered again (a new renderer, Check All Photos): the render does not look at the flag, the reasons stay.
    detail = photo_detail(store, photo_id)
    steps = list(render_batch(store, [(detail, presets(store)[0])], actor="sam", workers=1))
    assert [s.error for s in steps] == [None]
    assert photo_detail(store, photo_id).review_reasons == first

    key = photo_detail(store, photo_id).rendered_recipe or ""
    record_render(store, photo_id, colour_result(14.2), key, "sam")
    reasons = photo_detail(store, photo_id).review_reasons
    assert reasons[0] == ReviewReason("cutout", HOOK)
    assert reasons[-1] == ReviewReason("colour", "the hero's colour moved by 14 (a*b*): check it against the garment")
    # A later render that moved the colour by another amount replaces the colour reason; the hook stays.
    record_render(store, photo_id, colour_result(22.0), key, "sam")
    texts = [r.text for r in photo_detail(store, photo_id).review_reasons]
    assert texts[0] == HOOK and sum("colour moved" in t for t in texts) == 1 and "moved by 22" in texts[-1]
    record_render(store, photo_id, colour_result(3.0), key, "sam")
    assert [r.text for r in photo_detail(store, photo_id).review_reasons] == texts


def test_a_box_set_by_hand_clears_the_reasons_with_the_flag(store: Store, tmp_path: Path, hook_seen: None) -> None:
    photo_id = imported(store, tmp_path)
    set_box(store, photo_id, (10, 10, 200, 200), "sam")
    assert stored(store, photo_id) == (0, None)
    # Its render from the new box is stale; rendering it flags it again only for what that render finds.
    (pending,) = pending_renders(store, [photo_id])
    record_render(store, photo_id, colour_result(12.0), pending[0].rendered_recipe or "", "sam")
    assert [r.kind for r in photo_detail(store, photo_id).review_reasons] == ["colour"]


def test_another_preset_or_a_white_point_keeps_the_flag_and_its_reasons(store: Store, tmp_path: Path,
                                                                        hook_seen: None) -> None:
    photo_id = imported(store, tmp_path)
    flagged = stored(store, photo_id)
    assert flagged[0] == 1 and flagged[1]
    # Neither answers "a hanger's hook above the garment": the new render still needs a person's look.
    set_preset(store, photo_id, None, "sam")
    assert stored(store, photo_id) == flagged
    set_neutral(store, photo_id, (20, 20), "sam")
    assert stored(store, photo_id) == flagged
    set_box(store, photo_id, None, "sam")  # back to the detected box: the machine's box, not a person's answer
    assert stored(store, photo_id) == flagged
    set_box(store, photo_id, (10, 10, 200, 200), "sam")
    assert stored(store, photo_id) == (0, None)


def test_an_old_library_keeps_every_photo_and_its_flag_reads_as_flagged_before(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    conn = sqlite3.connect(lib / "library.db", isolation_level=None)
    db = Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db, stop_before=M019)
    db.execute("INSERT INTO photos (id, sha256, original_name, stored_path, width, height, imported_at, garment_box,"
               " confidence, needs_review, rendered_recipe) VALUES"
               " (1, 'aa', 'a.jpg', 'originals/aa.jpg', 100, 80, '2026-01-01', '[1, 2, 90, 70]', 0.3, 1, 'k'),"
               " (2, 'bb', 'b.jpg', 'originals/bb.jpg', 100, 80, '2026-01-01', '[1, 2, 90, 70]', 0.9, 0, 'k')")
    query = ("SELECT id, sha256, original_name, stored_path, width, height, imported_at, garment_box, confidence,"
             " needs_review, recipe, rendered_recipe FROM photos ORDER BY id")
    before = conn.execute(query).fetchall()
    conn.close()

    store = open_store(Library.locate(lib))
    try:
        assert M019 in {m.name for m in migrations.applied(store.db)}
        assert store.db.execute(query).fetchall() == before
        assert [(r.id, r.needs_review, r.review_reasons) for r in list_photos(store)] == [
            (1, True, (EARLIER,)), (2, False, ())]
        assert photo_detail(store, 1).review_reasons == (EARLIER,)
        # A render of its detected box ran every check an import runs: what it found is why it is flagged now
        # (a box set by hand keeps the note: test_review_reasons_everywhere).
        record_render(store, 1, colour_result(15.0), "k", "sam")
        assert [r.kind for r in photo_detail(store, 1).review_reasons] == ["colour"]
    finally:
        store.close()


def test_one_builder_words_every_kind_of_reason() -> None:
    reasons = build_reasons(box_unsure=True, confidence=0.31, box=(0, 40, 300, 400), size=(300, 400),
                            cleanup_review=True, cleanup_reasons=(), colour_review=True, colour_shift=14.4)
    assert [(r.kind, r.text) for r in reasons] == [
        ("box", "the box is unsure (confidence 31%): check it holds the whole garment and nothing else"),
        ("box", "the garment touches the frame's left and right and bottom edges: part of it may be outside the "
                "photo"),
        ("cutout", HANGER_LEFT),
        ("colour", "the hero's colour moved by 14 (a*b*): check it against the garment")]
    assert build_reasons(box_unsure=False, confidence=0.9, box=(0, 0, 300, 400), size=(300, 400),
                         cleanup_review=False, cleanup_reasons=(HOOK,), colour_review=False, colour_shift=3) == ()
    assert clear_words(reasons[:2]) == "Box Is Right"
    assert clear_words([ReviewReason("cutout", HOOK)]) == "Hero Is Clean"
    assert clear_words(reasons[3:]) == "Looks Right"
    assert clear_words(reasons) == "Looks Right" and clear_words([EARLIER]) == "Looks Right"
    assert loads("not json", True) == (EARLIER,) and loads(None, False) == ()
    assert merge([EARLIER, colour_reason(12)], [colour_reason(20)]) == (EARLIER, colour_reason(20))


# -- the command line ---------------------------------------------------------------------------------------------

@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = create_store(tmp_path / "lib")
    create_user(store, "alex", "secret-pass-1", "associate")
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass-1")
    return tmp_path / "lib"


def test_the_command_line_says_why_a_shot_is_flagged(library: Path, tmp_path: Path, hook_seen: None,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = shot(tmp_path)
    assert main(["--library", str(library), "--as", "alex", "photos", "import", "--workers", "1", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"(check: {HOOK}" in err and "(check its box)" not in err

    assert main(["--library", str(library), "photos", "list"]) == 0
    out, err = capsys.readouterr()
    assert out.split()[:3] == ["1", path.name, "not"] and f"flagged: {HOOK}" in out
    assert "1 shot, 1 flagged for review." in err

    assert main(["--library", str(library), "photos", "list", "--flagged", "--json"]) == 0
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert line["id"] == 1 and line["needs_review"] is True
    assert line["review_reasons"][0] == {"kind": "cutout", "text": HOOK}

    store = open_store(Library.locate(library))
    try:
        mark_reviewed(store, [1], "alex")
    finally:
        store.close()
    assert main(["--library", str(library), "photos", "list", "--flagged"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 shots flagged for review." in err
    assert main(["--library", str(library), "photos", "list"]) == 0
    assert "flagged" not in capsys.readouterr().out


def test_the_command_line_sets_a_box_by_hand_and_clears_a_flag(library: Path, tmp_path: Path, hook_seen: None,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """What the Shoot page's box handles and its clear button do, a person can do from the command line."""
    def lookbook(*argv: str) -> int:
        return main(["--library", str(library), "--as", "alex", *argv])

    path = shot(tmp_path)
    assert lookbook("photos", "import", "--workers", "1", str(path)) == 0
    assert lookbook("photos", "import", "--workers", "1", str(demo_photos("shirt")[0])) == 0
    capsys.readouterr()
    store = open_store(Library.locate(library))
    try:
        width, height = store.db.execute("SELECT width, height FROM photos WHERE id = 1").fetchone()
        rendered = photo_detail(store, 1).rendered_recipe
    finally:
        store.close()

    # Going back to the detected box is not a person's answer: the flag and its reason stay, and it says so.
    assert lookbook("photos", "box", path.name, "--clear", "--no-render") == 0
    out = capsys.readouterr().out
    assert "back to the detected box" in out and f"Still flagged for review: {HOOK}" in out
    assert "`lookbook photos review 1`" in out

    # Bad boxes are refused with what to do, and change nothing.
    assert lookbook("photos", "box", "1", "10", "10", "20") == 1
    assert "give the box as X0 Y0 X1 Y1" in capsys.readouterr().err
    assert lookbook("photos", "box", "1", "0", "0", str(width + 50), "40") == 1
    assert f"reaches past the photo ({width} x {height} pixels)" in capsys.readouterr().err
    assert lookbook("photos", "box", "99", "0", "0", "20", "20") == 1
    assert "'99' is no photo" in capsys.readouterr().err

    # A box drawn by hand answers the flag, and the photo is rendered from it.
    assert lookbook("photos", "box", "1", "12", "20", str(width - 12), str(height - 30), "--json") == 0
    done = json.loads(capsys.readouterr().out)
    assert done["box"] == [12, 20, width - 12, height - 30] and done["needs_review"] is False
    assert done["review_reasons"] == []
    store = open_store(Library.locate(library))
    try:
        detail = photo_detail(store, 1)
        assert detail.box == (12, 20, width - 12, height - 30) and not detail.needs_review
        assert detail.rendered_recipe != rendered and json.loads(detail.rendered_recipe or "{}")["box"] == list(
            detail.box)
        assert pending_renders(store, [1]) == []
        actions = [r[0] for r in store.db.execute(
            "SELECT action FROM audit_log WHERE entity = 'photo' AND entity_id = 1 ORDER BY id")]
        assert actions[-2:] == ["photo.box", "photo.render"]
    finally:
        store.close()

    # The clear button: the second photo is flagged too (every photo sees the hook here); `review` clears it.
    assert lookbook("photos", "review", "2", "1") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Photo 2 (") and out[0].endswith(f"marked right; cleared: {HOOK}.")
    assert out[1].endswith("was not flagged; nothing to clear.")
    assert lookbook("photos", "list", "--flagged") == 0
    assert "0 shots flagged for review." in capsys.readouterr().err
    store = open_store(Library.locate(library))
    try:
        assert store.db.execute("SELECT actor FROM audit_log WHERE action = 'photo.reviewed' AND entity_id = 2"
                                ).fetchone() == ("alex",)
    finally:
        store.close()
    assert lookbook("photos", "review", "nope.jpg") == 1
    assert "'nope.jpg' is no photo" in capsys.readouterr().err
