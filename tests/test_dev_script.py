"""``python3 dev.py test``: every step runs even after a failure, and a summary says how each went."""

from __future__ import annotations

import importlib.util
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
    assert ran[2][0].endswith("lint-imports")
    assert "--ignore=tests/ui" in ran[3] and ran[4][-2:] == ["no:cacheprovider", "-q"] and "tests/ui" in ran[4]
    summary = capsys.readouterr().out.split("=== summary", 1)[1].strip().splitlines()
    assert len(summary) == 5
    titles = ("lint (ruff)", "types (mypy", "import contracts", "core tests", "app tests")
    for line, code, title in zip(summary, codes, titles, strict=True):
        assert title in line and line.startswith("passed" if code == 0 else f"FAILED (exit {code})")
