"""The command line's photo verbs: ``photos import``, ``render`` / ``photos render``, ``detect``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lookbook.cli import main
from lookbook.photos.recipes import pending_renders
from lookbook.store.database import create_store, open_store
from lookbook.store.library import Library
from lookbook.store.users import create_user
from photo_support import dataset_name, demo_photos


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return an empty library with one associate, ``alex`` (password from the environment)."""
    store = create_store(tmp_path / "lib")
    create_user(store, "alex", "secret-pass-1", "associate")
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass-1")
    return tmp_path / "lib"


@pytest.fixture
def shoot(tmp_path: Path) -> Path:
    folder = tmp_path / "shoot"
    (folder / "more").mkdir(parents=True)
    for i, src in enumerate(demo_photos("t-shirt")[:3]):
        shutil.copyfile(src, (folder if i < 2 else folder / "more") / dataset_name(src))
    return folder


def lookbook(library: Path, *argv: str) -> int:
    return main(["--library", str(library), "--as", "alex", *argv])


def test_import_prints_one_json_object_per_file_and_fails_if_any_file_failed(
        library: Path, shoot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")

    assert lookbook(library, "photos", "import", "--json", "--workers", "1", str(shoot), str(broken)) == 1
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["status"] for line in lines] == ["imported"] * 3 + ["failed"]
    assert lines[-1]["path"] == str(broken) and lines[-1]["error"]
    assert all(len(line["garment_box"]) == 4 and 0 <= line["confidence"] <= 1 for line in lines[:3])
    assert f"lookbook: {broken}: " in err and "Imported 3 photos" in err and "1 could not be imported" in err
    assert "Traceback" not in err

    # Again: everything is already there, nothing failed, so it succeeds.
    assert lookbook(library, "photos", "import", "--workers", "1", str(shoot)) == 0
    out, err = capsys.readouterr()
    assert "3 already in the library" in out and "[3/3]" in err
    store = open_store(Library.locate(library))
    try:
        assert store.db.execute("SELECT count(*) FROM photos").fetchone()[0] == 3
        assert pending_renders(store) == []
        assert {r[0] for r in store.db.execute("SELECT actor FROM audit_log WHERE action = 'photo.import'")} == {
            "alex"}
    finally:
        store.close()


def test_import_needs_a_person_and_a_known_preset(library: Path, shoot: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(library), "photos", "import", str(shoot)]) == 1
    assert "--as USER" in capsys.readouterr().err
    assert lookbook(library, "photos", "import", "--preset", "Glossy", str(shoot)) == 1
    assert "preset 'Glossy' does not exist" in capsys.readouterr().err


def test_render_redoes_named_photos_and_the_stale_ones(library: Path, shoot: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert lookbook(library, "photos", "import", "--workers", "1", str(shoot)) == 0
    capsys.readouterr()
    assert lookbook(library, "render", "--all") == 0
    assert "Rendered 0 photos (all renders were up to date)." in capsys.readouterr().out

    store = open_store(Library.locate(library))
    try:
        hero = store.library.root / "renders"
        before = {p: p.stat().st_mtime_ns for p in hero.rglob("*-hero.jpg")}
        store.db.execute("UPDATE photos SET rendered_recipe = NULL WHERE id = 2")  # as if its recipe changed
    finally:
        store.close()
    assert lookbook(library, "render", "--all", "--workers", "1", "--json") == 0
    out = capsys.readouterr().out
    assert [json.loads(line)["photo_id"] for line in out.splitlines()] == [2]

    assert lookbook(library, "photos", "render", "1", "--preset", "default", "--workers", "2") == 0
    assert "Rendered 1 photo." in capsys.readouterr().out
    store = open_store(Library.locate(library))
    try:
        assert json.loads(store.db.execute("SELECT recipe FROM photos WHERE id = 1").fetchone()[0]) == {
            "preset": "Default"}
        assert pending_renders(store) == []
        after = {p: p.stat().st_mtime_ns for p in hero.rglob("*-hero.jpg")}
        assert sum(after[p] != before[p] for p in before) == 2  # photos 1 and 2 only
    finally:
        store.close()

    assert lookbook(library, "render", "999") == 1
    assert "'999' is no photo" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        lookbook(library, "render")  # neither --all nor a photo: a usage error


def test_detect_is_a_verb(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    [photo] = demo_photos("shirt")[:1]
    assert main(["detect", "--json", "--workers", "1", str(photo), str(tmp_path / "none.jpg")]) == 1
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["path"] == str(photo) and len(first["garment_box"]) == 4
    assert second["path"] == str(tmp_path / "none.jpg") and "no such file" in second["error"]
