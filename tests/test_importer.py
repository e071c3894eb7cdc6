"""Importing photos: rows, originals, renders, duplicates, bad files, bursts and ties, cancel."""

from __future__ import annotations

import datetime as dt
import errno
import json
import shutil
import threading
from collections.abc import Generator
from pathlib import Path

import pytest
from PIL import Image

import lookbook.store.library
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.photos.importer import MAX_PIXELS_SETTING, ImportReport, PhotoProgress, import_photos
from lookbook.photos.recipes import pending_renders, render_paths, set_box
from lookbook.progress import run_to_end
from lookbook.store.database import Store, utcnow
from lookbook.store.library import file_sha256
from photo_support import dataset_name, demo_photos


def run(steps: Generator[PhotoProgress, None, ImportReport]) -> tuple[list[PhotoProgress], ImportReport]:
    seen: list[PhotoProgress] = []
    return seen, run_to_end(steps, seen.append)


def shots(folder: Path, category: str, n: int, prefix: str = "") -> list[Path]:
    """Copy ``n`` real photos of a category into ``folder``; return the copies."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for src in demo_photos(category)[:n]:
        dest = folder / f"{prefix}{dataset_name(src)}"
        shutil.copyfile(src, dest)
        out.append(dest)
    return out


def with_exif_time(src: Path, dest: Path, when: str, orientation: int = 1) -> Path:
    """Save ``src`` as ``dest`` with EXIF DateTimeOriginal ``when`` ("YYYY:MM:DD HH:MM:SS")."""
    with Image.open(src) as im:
        exif = im.getexif()
        exif.get_ifd(0x8769)[0x9003] = when
        if orientation != 1:
            exif[0x0112] = orientation
        im.save(dest, quality=92, exif=exif)
    return dest


def test_a_folder_imports_with_boxes_renders_and_untouched_originals(store: Store, tmp_path: Path) -> None:
    shoot = tmp_path / "shoot"
    files = shots(shoot, "shirt", 2) + shots(shoot / "day2", "t-shirt", 2)
    (shoot / "notes.txt").write_text("not a photo, skipped in a folder")
    (shoot / "._IMG_0001.JPG").write_bytes(b"macOS resource fork")
    changed: list[Changes] = []
    imported: list[list[int]] = []
    store.hooks.library_did_change.append(changed.append)
    store.hooks.photos_did_import.append(imported.append)

    steps, report = run(import_photos(store, [shoot], actor="alex", workers=1))

    assert [o.status for o in report.outcomes] == ["imported"] * 4 and not report.problems
    file_steps = [s for s in steps if s.stage == "importing"]
    assert [s.done for s in file_steps] == [1, 2, 3, 4] and {s.total for s in file_steps} == {4}
    rows = store.db.execute(
        "SELECT id, original_name, stored_path, sha256, width, height, taken_at, phash, garment_box, confidence,"
        " needs_review FROM photos ORDER BY id").fetchall()
    assert [r[1] for r in rows] == [p.name for p in files]  # ids follow the folder's order
    for (_photo_id, _name, stored, sha, width, height, taken_at, phash, box, confidence, _review), src in zip(
            rows, files, strict=True):
        original = store.library.root / stored
        assert original.read_bytes() == src.read_bytes() and file_sha256(original) == sha
        with Image.open(src) as im:
            assert (width, height) == im.size
        x0, y0, x1, y1 = json.loads(box)
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert 0.0 <= confidence <= 1.0 and len(phash) == 16 and taken_at
        renders = render_paths(store.library, sha)
        assert set(renders) >= {"hero", "thumb"}
        with Image.open(renders["thumb"]) as thumb:
            assert max(thumb.size) == 256
    assert pending_renders(store) == []  # the renders match the recipe: nothing to redo
    assert imported == [[r[0] for r in rows]] and changed and changed[-1].photos
    audit = store.db.execute("SELECT actor, entity_id FROM audit_log WHERE action = 'photo.import'").fetchall()
    assert audit == [("alex", str(r[0])) for r in rows]
    assert "Imported 4 photos" in report.summary()


def test_the_same_content_is_one_photo(store: Store, tmp_path: Path) -> None:
    [first] = shots(tmp_path / "a", "shirt", 1)
    twin = tmp_path / "b" / "renamed copy.jpg"
    twin.parent.mkdir()
    shutil.copyfile(first, twin)

    _, report = run(import_photos(store, [first, twin], actor="alex", workers=1))
    assert [o.status for o in report.outcomes] == ["imported", "duplicate"]
    assert "in this import" in report.duplicates[0].reason and not report.problems

    _, again = run(import_photos(store, [twin], actor="alex", workers=1))
    assert [(o.status, o.photo_id) for o in again.outcomes] == [("duplicate", report.imported[0].photo_id)]
    assert "already in the library" in again.summary() and not again.problems
    assert store.db.execute("SELECT count(*) FROM photos").fetchone()[0] == 1


def test_bad_files_are_reported_by_name_and_the_rest_imported(store: Store, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    good = shots(tmp_path, "shirt", 3)
    truncated = tmp_path / "truncated.jpg"
    data = good[0].read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    not_image = tmp_path / "invoice.jpg"
    not_image.write_text("this is not a photo")
    big = tmp_path / "huge.png"
    Image.new("RGB", (600, 600), (200, 200, 200)).save(big)
    store.set_setting(MAX_PIXELS_SETTING, 300_000)
    missing = tmp_path / "gone.jpg"
    # The disk fills up while copying the second good photo into the library.
    real_copy = shutil.copyfile

    def copy(src: Path, dst: Path, *args: object, **kwargs: object) -> object:
        if Path(src).name == good[1].name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(lookbook.store.library.shutil, "copyfile", copy)

    _, report = run(import_photos(store, [good[0], truncated, not_image, good[1], big, missing, good[2]],
                                  actor="alex", workers=1))

    reasons = {o.path.name: o.reason for o in report.failed}
    assert set(reasons) == {"truncated.jpg", "invoice.jpg", good[1].name, "huge.png", "gone.jpg"}
    assert "truncated" in reasons["truncated.jpg"]
    assert "not an image" in reasons["invoice.jpg"]
    assert "No space left" in reasons[good[1].name]
    assert "too many pixels" in reasons["huge.png"]
    assert "no such file" in reasons["gone.jpg"]
    assert all(p.startswith(str(tmp_path)) for p in report.problems)
    names = [r[0] for r in store.db.execute("SELECT original_name FROM photos ORDER BY id")]
    assert names == [good[0].name, good[2].name]
    # Nothing of the photo that failed to copy is left behind: no half original, no renders.
    sha = file_sha256(good[1])
    assert not list(store.library.originals_dir.rglob(f"{sha}*")) and render_paths(store.library, sha) == {}
    assert "Imported 2 photos" in report.summary() and "5 could not be imported" in report.summary()


def test_capture_time_orientation_bursts_and_ties(store: Store, tmp_path: Path) -> None:
    now = utcnow()
    with store.atomic():
        store.db.execute("INSERT INTO brands (name) VALUES ('Nordvik')")
        store.db.execute("INSERT INTO products (sku, brand_id, name, category, created_at, updated_at)"
                         " VALUES ('NV-SH01', 1, 'Oxford', 'shirt', ?, ?)", [now, now])
    [src, other] = demo_photos("shirt")[:2]
    first = with_exif_time(src, tmp_path / "NV-SH01.jpg", "2025:03:04 10:00:00")
    # The same garment a second later (a burst), saved a little differently; and another item much later.
    second = with_exif_time(src, tmp_path / "IMG_0002.jpg", "2025:03:04 10:00:01")
    with Image.open(second) as im:
        im.save(second, quality=70, exif=im.getexif())
    rotated = with_exif_time(other, tmp_path / "IMG_0003.jpg", "2025:03:04 11:30:00", orientation=6)

    _, report = run(import_photos(store, [first, second, rotated], actor="sam", workers=1))

    rows = {r[0]: r[1:] for r in store.db.execute(
        "SELECT original_name, taken_at, burst_id, width, height, assigned_by FROM photos")}
    # Stored in UTC: a camera time without an offset is read as this computer's local time.
    assert rows["NV-SH01.jpg"][0] == dt.datetime(2025, 3, 4, 10, 0, 0).astimezone(dt.UTC).isoformat()
    assert rows["NV-SH01.jpg"][1] is not None and rows["NV-SH01.jpg"][1] == rows["IMG_0002.jpg"][1]
    assert rows["IMG_0003.jpg"][1] is None
    with Image.open(other) as im:
        assert rows["IMG_0003.jpg"][2:4] == (im.height, im.width)  # upright: a quarter turn swaps the sides
    assert rows["NV-SH01.jpg"][4] == "filename" and rows["IMG_0002.jpg"][4] == "burst"
    assert rows["IMG_0003.jpg"][4] is None
    assert report.bursts == 1 and report.ties is not None and report.ties.unassigned == 1


def test_capture_times_are_stored_in_utc_whatever_their_source(tmp_path: Path, monkeypatch) -> None:
    # A back room in Berlin (UTC+1 in March): a camera without an offset, a phone with one, and a
    # scan with only its file time must order by when they were really taken; stored as camera
    # text they sorted an hour apart, which split or merged bursts.
    import os
    import time

    from lookbook.photos.importer import capture_time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        [src] = demo_photos("shirt")[:1]
        camera = with_exif_time(src, tmp_path / "camera.jpg", "2025:03:04 10:00:00")
        phone = tmp_path / "phone.jpg"
        with Image.open(src) as im:
            exif = im.getexif()
            exif.get_ifd(0x8769).update({0x9003: "2025:03:04 10:00:02", 0x9011: "+01:00", 0x9291: "25"})
            im.save(phone, quality=92, exif=exif)
        scan = tmp_path / "scan.png"
        Image.open(src).save(scan)
        when = dt.datetime(2025, 3, 4, 9, 0, 1, tzinfo=dt.UTC).timestamp()
        os.utime(scan, (when, when))
        assert capture_time(camera) == "2025-03-04T09:00:00+00:00"
        assert capture_time(phone) == "2025-03-04T09:00:02.250000+00:00"
        assert capture_time(scan) == "2025-03-04T09:00:01+00:00"
        assert sorted([capture_time(p) for p in (phone, scan, camera)]) == [
            capture_time(camera), capture_time(scan), capture_time(phone)]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_cancel_keeps_what_was_imported(store: Store, tmp_path: Path) -> None:
    files = shots(tmp_path, "longsleeve", 6)
    cancel = threading.Event()
    steps = import_photos(store, files, actor="alex", workers=1, cancel=cancel)
    for step in steps:
        if step.done == 2:
            cancel.set()
    count = store.db.execute("SELECT count(*) FROM photos").fetchone()[0]
    assert count == 2

    # The app closes the generator instead: the photo in hand is still committed, the app is told.
    changed: list[Changes] = []
    store.hooks.library_did_change.append(changed.append)
    steps = import_photos(store, files, actor="alex", workers=2)
    for step in steps:
        if step.stage == "importing" and step.outcome is not None and step.outcome.status == "imported":
            steps.close()
            break
    after = store.db.execute("SELECT count(*) FROM photos").fetchone()[0]
    assert 3 <= after <= 6 and changed and changed[-1].photos
    for (stored,) in store.db.execute("SELECT stored_path FROM photos"):
        assert (store.library.root / stored).is_file()


def test_the_pool_imports_like_one_process(store: Store, tmp_path: Path) -> None:
    files = shots(tmp_path, "t-shirt", 5)
    _, report = run(import_photos(store, files, actor="alex", workers=2))
    assert [o.status for o in report.outcomes] == ["imported"] * 5
    rows = store.db.execute("SELECT original_name, garment_box FROM photos ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [p.name for p in files]

    single = tmp_path / "single"
    from lookbook.store.database import memory_store

    other = memory_store(single)
    try:
        run(import_photos(other, files, actor="alex", workers=1))
        assert other.db.execute("SELECT original_name, garment_box FROM photos ORDER BY id").fetchall() == rows
    finally:
        other.close()


def test_preset_is_checked_first_and_recorded(store: Store, tmp_path: Path) -> None:
    [photo] = shots(tmp_path, "dress", 1)
    with pytest.raises(InputError, match="preset 'Glossy' does not exist"):
        import_photos(store, [photo], actor="alex", preset="Glossy")
    store.set_setting(MAX_PIXELS_SETTING, "lots")
    with pytest.raises(InputError, match=MAX_PIXELS_SETTING):
        import_photos(store, [photo], actor="alex")
    store.set_setting(MAX_PIXELS_SETTING, 50_000_000)

    _, report = run(import_photos(store, [photo], actor="alex", preset="default", workers=1))
    photo_id = report.photo_ids[0]
    assert json.loads(store.db.execute("SELECT recipe FROM photos").fetchone()[0]) == {"preset": "Default"}
    assert pending_renders(store) == []
    set_box(store, photo_id, (10, 10, 200, 300), "sam")
    assert [d.id for d, _ in pending_renders(store)] == [photo_id]  # a recipe change asks for a new render
