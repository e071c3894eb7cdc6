"""``python3 dev.py test``: every step runs even after a failure, and a summary says how each went."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", REPO / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Steps: ruff, mypy, the import contract, the core tests, the app tests.
@pytest.mark.parametrize(("codes", "status"), [((0, 0, 0, 1, 0), 1), ((0, 0, 0, 0, 2), 2), ((0, 0, 0, 0, 0), 0),
                                               ((0, 0, 3, 1, 0), 3), ((1, 0, 0, 0, 0), 1), ((0, 2, 0, 1, 0), 2)])
def test_every_step_runs_and_the_summary_names_each(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str],
                                                    codes: tuple[int, ...], status: int) -> None:
    dev = _dev()
    ran: list[list[str]] = []

    def call(command: list[object], **kwargs: object) -> int:
        ran.append([str(part) for part in command])
        return codes[len(ran) - 1]

    # No virtual environments are made or used: the steps' commands are only recorded.
    monkeypatch.setattr(dev, "ensure_env", lambda env, extras: Path("python"))
    monkeypatch.setattr(dev.subprocess, "call", call)

    assert dev.run_tests(["-q"]) == status
    assert len(ran) == 5  # lint, types, the import contract, the core tests and the app tests, whatever failed before
    assert Path(ran[0][0]).stem == "ruff" and ran[0][1:] == ["check"] and Path(ran[1][0]).stem == "mypy"
    assert len(ran[1]) == 1  # mypy is given no paths: [tool.mypy] files decides what it checks
    assert ran[2][0].endswith("lint-imports")
    assert "--ignore=tests/ui" in ran[3] and ran[4][-2:] == ["no:cacheprovider", "-q"] and "tests/ui" in ran[4]
    summary = capsys.readouterr().out.split("=== summary", 1)[1].strip().splitlines()
    assert len(summary) == 5
    titles = ("lint (ruff)", "types (mypy", "import contracts", "core tests", "app tests")
    for line, code, title in zip(summary, codes, titles, strict=True):
        assert title in line and line.startswith("passed" if code == 0 else f"FAILED (exit {code})")


def test_types_cover_the_core_the_app_main_and_the_benchmarks() -> None:
    # The mypy step passes no paths: the config decides what is checked, and the app and the benchmarks are checked
    # like the core. The benchmarks import the tests' shared helpers (fakes, catalog_support) by module name, so mypy
    # looks where pytest does.
    tool = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    config = tool["mypy"]
    assert set(config["files"]) >= {"lookbook", "ui", "main.py", "bench"} and config["warn_unused_ignores"] is True
    assert set(tool["pytest"]["ini_options"]["pythonpath"]) <= set(config.get("mypy_path", []))


def test_app_names_the_missing_xcb_packages_and_does_not_start(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    dev = _dev()
    present = {"libxcb-cursor.so.0": False, "libxkbcommon-x11.so.0": False}
    monkeypatch.setattr(dev, "_loads", lambda name: present.get(name, True))
    monkeypatch.setattr(dev, "ensure_env", lambda env, extras: Path("python"))
    monkeypatch.setattr(dev, "keyring_problem", lambda python: "")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(dev.sys, "platform", "linux")
    started: list[object] = []
    monkeypatch.setattr(dev.subprocess, "call", lambda *a, **k: started.append(a) or 0)
    assert dev.missing_xcb(dev._loads, {}, "linux") == ["libxcb-cursor0", "libxkbcommon-x11-0"]
    assert dev.run_app([]) == 3 and not started
    out = capsys.readouterr().out
    assert "sudo apt install libxcb-cursor0 libxkbcommon-x11-0" in out


def test_xcb_is_not_asked_for_off_linux_or_another_platform_plugin() -> None:
    dev = _dev()
    assert dev.missing_xcb(lambda name: False, {}, "darwin") == []
    assert dev.missing_xcb(lambda name: False, {"QT_QPA_PLATFORM": "wayland"}, "linux") == []
    assert dev.missing_xcb(lambda name: False, {"QT_QPA_PLATFORM": "xcb"}, "linux")[0] == "libxcb-cursor0"


def test_no_keyring_is_said_with_what_to_install_and_the_app_still_starts(monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str],
                                                                          tmp_path: Path) -> None:
    dev = _dev()
    monkeypatch.setattr(dev, "missing_xcb", lambda: [])
    monkeypatch.setattr(dev, "ensure_env", lambda env, extras: Path("python"))
    monkeypatch.setattr(dev, "keyring_problem", lambda python: "none: keyring.backends.fail.Keyring")
    started: list[object] = []
    monkeypatch.setattr(dev.subprocess, "call", lambda *a, **k: started.append(a) or 0)
    assert dev.run_app([]) == 0 and started
    out = capsys.readouterr().out
    assert "no usable system keyring" in out and "sudo apt install gnome-keyring" in out
    assert "keyring.backends.fail.Keyring" in out


def test_the_keyring_probe_reads_a_failing_backend(tmp_path: Path) -> None:
    import sys

    dev = _dev()
    # A keyring package whose backend is the "fail" one: what a headless machine without Secret Service picks.
    fake = tmp_path / "keyring"
    (fake / "backends").mkdir(parents=True)
    (fake / "__init__.py").write_text("from keyring.backends.fail import Keyring\n"
                                      "def get_keyring():\n    return Keyring()\n")
    (fake / "backends" / "__init__.py").write_text("")
    (fake / "backends" / "fail.py").write_text("class Keyring:\n    pass\n")
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\nPYTHONPATH={tmp_path} exec {sys.executable} \"$@\"\n")
    script.chmod(0o755)
    assert dev.keyring_problem(script) == "none: keyring.backends.fail.Keyring"
