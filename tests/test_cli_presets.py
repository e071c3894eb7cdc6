"""The command line's preset verbs: ``presets list|show|add|edit|delete|default``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lookbook.cli import main
from lookbook.photos.preset_library import list_presets
from lookbook.photos.recipes import pending_renders, photo_detail, recipe_key
from lookbook.store.database import create_store, open_store, utcnow
from lookbook.store.library import Library
from lookbook.store.users import create_user


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty library with a merchandiser (sam) and an associate (alex), and three up-to-date photos."""
    store = create_store(tmp_path / "lib")
    create_user(store, "sam", "secret-pass-1", "merchandiser")
    create_user(store, "alex", "secret-pass-1", "associate")
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        photo_id = store.db.execute(
            "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, garment_box)"
            " VALUES (?, ?, ?, 400, 500, ?, '[10, 10, 390, 490]')",
            [name.ljust(64, "0"), name, f"originals/{name}", utcnow()]).lastrowid
        detail = photo_detail(store, photo_id)
        store.db.execute("UPDATE photos SET rendered_recipe = ? WHERE id = ?",
                         [recipe_key(detail, list_presets(store)[0].preset), photo_id])
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass-1")
    return tmp_path / "lib"


def lookbook(library: Path, *argv: str, user: str | None = "sam") -> int:
    return main(["--library", str(library), *(["--as", user] if user else []), *argv])


def stored(library: Path) -> dict[str, dict]:
    store = open_store(Library.locate(library))
    try:
        return {p.name: p.as_dict() for p in list_presets(store)}
    finally:
        store.close()


def pending_details(library: Path) -> list:
    store = open_store(Library.locate(library))
    try:
        return [detail for detail, _preset in pending_renders(store)]
    finally:
        store.close()


def pending(library: Path) -> int:
    store = open_store(Library.locate(library))
    try:
        return len(pending_renders(store))
    finally:
        store.close()


def test_list_and_show_need_nobody_signed_in(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lookbook(library, "presets", "list", user=None) == 0
    out = capsys.readouterr().out
    assert out.startswith("Default (default) — 3 photos: 4:5, 6% margin, clean white")
    assert lookbook(library, "presets", "list", "--json", user=None) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["name"] == "Default" and row["is_default"] is True and row["photos"] == 3
    assert row["aspect"] == "4:5" and row["hero_size"] == 1350
    assert lookbook(library, "presets", "show", "DEFAULT", "--json", user=None) == 0
    assert json.loads(capsys.readouterr().out)["margin"] == 0.06
    assert lookbook(library, "presets", "show", "default", user=None) == 0
    out = capsys.readouterr().out
    assert "aspect:        4:5" in out and "margin:        0.06 (6% of the hero's height)" in out


def test_add_copy_edit_and_the_rerender_count(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lookbook(library, "presets", "add", "Square", "--aspect", "1:1", "--background", "gray",
                    "--margin", "8%", "--no-exposure", "--caption", "Harbour & Pine") == 0
    assert "Added preset 'Square': 1:1, 8% margin, neutral grey" in capsys.readouterr().out
    assert lookbook(library, "presets", "add", "Story", "--from", "square", "--aspect", "9:16",
                    "--hero-size", "1920", "--jpeg-quality", "85") == 0
    assert "(a copy of 'Square')" in capsys.readouterr().out
    presets = stored(library)
    assert presets["Square"]["background"] == "grey" and presets["Square"]["margin"] == 0.08
    assert presets["Square"]["normalise_exposure"] is False and presets["Square"]["caption"] == "Harbour & Pine"
    assert presets["Story"]["aspect"] == "9:16" and presets["Story"]["background"] == "grey"
    assert presets["Story"]["hero_size"] == 1920 and presets["Story"]["jpeg_quality"] == 85
    assert pending(library) == 0  # no photo uses them yet

    assert lookbook(library, "presets", "edit", "default", "--margin", "0.1", "--white-balance") == 0
    out = capsys.readouterr().out
    assert "Saved preset 'Default'" in out
    assert "3 photos will be re-rendered: run `lookbook render --all`." in out
    assert pending(library) == 3


def test_rename_default_and_delete(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lookbook(library, "presets", "add", "Square", "--aspect", "1:1") == 0
    assert lookbook(library, "presets", "edit", "square", "--rename", "Square White") == 0
    out = capsys.readouterr().out
    assert "Saved preset 'Square White' (renamed from 'Square'; 0 photos follow)" in out
    assert "No renders need redoing." in out
    assert lookbook(library, "presets", "default", "square white") == 0
    out = capsys.readouterr().out
    assert "'Square White' is now the default preset" in out and "3 photos will be re-rendered" in out
    assert pending(library) == 3
    assert lookbook(library, "presets", "delete", "Square White") == 1
    assert "is the default and cannot be deleted" in capsys.readouterr().err
    assert lookbook(library, "presets", "default", "Default") == 0
    assert "No renders need redoing." in capsys.readouterr().out  # the renders were made with Default
    assert lookbook(library, "presets", "delete", "Square White") == 0
    assert "Deleted preset 'Square White'; 0 photos moved to the default preset 'Default'." in \
        capsys.readouterr().out
    assert list(stored(library)) == ["Default"]


@pytest.mark.parametrize("argv, message", [
    (["presets", "edit", "Default", "--aspect", "3:2"], "aspect must be one of 4:5, 1:1, 9:16, not '3:2'"),
    (["presets", "edit", "Default", "--margin", "0.9"], "margin must be between 0 and 0.4, not 0.9"),
    (["presets", "edit", "Default", "--hero-size", "10"], "hero_size must be a whole number of pixels from 32"),
    (["presets", "edit", "Default", "--hero-size", "big"], "--hero-size: 'big' is not a whole number; use 32 to"),
    (["presets", "edit", "Default", "--background", "blue"], "background must be one of white, grey, keep"),
    (["presets", "edit", "Default"], "nothing to change"),
    (["presets", "edit", "Default", "--details", "sleeve"], "details must be 'auto', 'none' or one or two different"),
    (["presets", "edit", "Glossy", "--aspect", "1:1"], "preset 'Glossy' does not exist"),
    (["presets", "add", "default"], "preset name: 'Default' already exists"),
    (["presets", "add", ""], "preset name: must not be empty"),
    (["presets", "delete", "Default"], "is the default and cannot be deleted"),
    (["presets", "show", "Glossy"], "preset 'Glossy' does not exist"),
])
def test_bad_input_is_one_line_and_exit_1(library: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                          message: str) -> None:
    before = stored(library)
    assert lookbook(library, *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("lookbook: error: ") and message in err and err.count("\n") == 1
    assert stored(library) == before


def test_associates_and_nobody_may_not_change_presets(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lookbook(library, "presets", "add", "Square", user="alex") == 1
    assert "'alex' is an associate; only a merchandiser, a manager or an admin may change style presets" in \
        capsys.readouterr().err
    assert lookbook(library, "presets", "default", "Default", user=None) == 1
    assert "add --as USER" in capsys.readouterr().err
    assert list(stored(library)) == ["Default"]


def test_a_real_process_prints_no_traceback(library: Path, tmp_path: Path) -> None:
    env = {"LOOKBOOK_PASSWORD": "secret-pass-1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "lookbook.cli", "--library", str(library), "--as", "sam",
                           "presets", "edit", "Default", "--aspect", "3:2"],
                          capture_output=True, text=True, env=env, check=False,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("lookbook: error: preset 'Default': aspect must be one of")


def test_rendering_after_an_edit_uses_the_new_settings(library: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    photo = Path(__file__).resolve().parent.parent / "resources" / "demo" / "photos" / "HP-SH03.jpg"
    shutil.copyfile(photo, tmp_path / "HP-SH03.jpg")
    assert lookbook(library, "photos", "import", "--workers", "1", str(tmp_path / "HP-SH03.jpg")) == 0
    assert lookbook(library, "presets", "add", "Square", "--aspect", "1:1") == 0
    assert lookbook(library, "render", "HP-SH03.jpg", "--workers", "1", "--preset", "square") == 0
    capsys.readouterr()
    store = open_store(Library.locate(library))
    try:
        sha = store.db.execute("SELECT sha256 FROM photos WHERE original_name = 'HP-SH03.jpg'").fetchone()[0]
    finally:
        store.close()
    hero = library / "renders" / sha[:2] / f"{sha}-hero.jpg"
    with Image.open(hero) as im:
        assert im.width == im.height
    assert lookbook(library, "presets", "edit", "Square", "--aspect", "9:16") == 0
    assert "1 photo will be re-rendered" in capsys.readouterr().out
    assert [d.name for d in pending_details(library)] == ["HP-SH03.jpg"]
    assert lookbook(library, "render", "HP-SH03.jpg", "--workers", "1") == 0
    with Image.open(hero) as im:
        assert im.width / im.height == pytest.approx(9 / 16, abs=0.01)


def test_a_preset_asks_for_its_details(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert stored(library)["Default"]["details"] == "auto"
    assert lookbook(library, "presets", "edit", "Default", "--details", "Collar, Cuff") == 0
    assert "details: collar and cuff" in capsys.readouterr().out
    assert stored(library)["Default"]["details"] == "collar,cuff"
    assert pending(library) == 3  # the renders no longer match the preset
    assert lookbook(library, "presets", "show", "Default") == 0
    assert "details:" in capsys.readouterr().out
