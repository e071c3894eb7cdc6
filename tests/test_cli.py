"""The command line: init, demo, info, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lookbook.cli import main

REPO = Path(__file__).resolve().parent.parent


def run(*argv: str) -> int:
    return main(list(argv))


def test_init_then_info_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("init", str(tmp_path / "lib")) == 0
    capsys.readouterr()
    assert run("--library", str(tmp_path / "lib"), "info", "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["library"] == str(tmp_path / "lib")
    assert info["schema_version"] >= 1
    assert info["photos"] == info["customers"] == 0


def test_library_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(tmp_path / "envlib"))
    assert run("init") == 0
    assert (tmp_path / "envlib" / "library.db").is_file()
    capsys.readouterr()
    assert run("info", "--json") == 0
    assert json.loads(capsys.readouterr().out)["library"] == str(tmp_path / "envlib")


def test_demo_has_the_promised_contents(demo_library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--library", str(demo_library), "info", "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["photos"] == 40
    assert info["brands"] == 8
    assert info["products"] == 60
    assert info["customers"] == 500
    assert info["users"] == 5
    assert info["sets"] == 1  # a set of Harbour & Pine shirts, so matching can be tried at once


def test_demo_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    dumps = []
    for name in ("one", "two"):
        assert run("demo", str(tmp_path / name)) == 0
        con = sqlite3.connect(tmp_path / name / "library.db")
        dumps.append((
            con.execute("SELECT sku, name, colour, price_minor FROM products ORDER BY sku").fetchall(),
            con.execute("SELECT p.sku, s.size, s.quantity FROM stock s JOIN products p ON p.id = s.product_id"
                        " ORDER BY 1, 2").fetchall(),
            con.execute("SELECT first_name, last_name, email, x_handle, preferred_channel, timezone FROM customers"
                        " ORDER BY id").fetchall(),
            con.execute("SELECT customer_id, brand_id, stance FROM customer_brands ORDER BY 1, 2").fetchall(),
            con.execute("SELECT sha256, original_name FROM photos ORDER BY id").fetchall(),
        ))
        con.close()
    assert dumps[0] == dumps[1]
    assert len(dumps[0][0]) == 60


def test_demo_refuses_a_folder_with_files_and_leaves_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    assert run("demo", str(folder)) == 1
    err = capsys.readouterr().err
    assert err.startswith("lookbook: error: ") and "not empty" in err and str(folder) in err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_errors_are_one_line_with_the_path_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "library.db").write_text("not sqlite at all" * 50)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args, expected in [
        (["--library", str(tmp_path / "missing"), "info"], "no such folder"),
        (["--library", str(tmp_path / "lib"), "info"], "not a Lookbook library database"),
        (["init", str(tmp_path / "lib")], "already exists"),
    ]:
        result = subprocess.run([sys.executable, "-m", "lookbook.cli", *args], capture_output=True, text=True,
                                env=env, cwd=tmp_path)
        assert result.returncode == 1, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.stderr
        assert "Traceback" not in result.stderr
