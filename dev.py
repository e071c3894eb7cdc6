#!/usr/bin/env python3
"""Set up and run Lookbook Studio from a source checkout, with nothing but Python 3.11+.

    python3 dev.py app     set up .venv and open the app on the demo library
    python3 dev.py test    set up .venv and .venv-core, then run every check and test (all of them, even
                           after a failure), and say which passed; exits non-zero if any failed

Virtual environments are made once and re-installed only when pyproject.toml changes.
The core's tests run in .venv-core, which has no PySide6 at all, so a Qt import in
``lookbook/`` fails there; the app's tests run offscreen in .venv.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MIN_PYTHON = (3, 11)


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_env(env: Path, extras: str) -> Path:
    """Create ``env`` and install the project with ``extras`` into it if pyproject.toml changed."""
    python = _bin(env, "python.exe" if os.name == "nt" else "python")
    stamp = env / ".lookbook-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python
    if not python.exists():
        print(f"Creating {env.name} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(env)
    print(f"Installing Lookbook Studio [{extras}] into {env.name} …", flush=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{extras}]"], check=True, cwd=ROOT)
    stamp.write_text(want)
    return python


def run_app(args: list[str]) -> int:
    python = ensure_env(ROOT / ".venv", "gui,test")
    return subprocess.call([python, ROOT / "main.py", *(args or ["--demo"])], cwd=ROOT)


def run_tests(args: list[str]) -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    core = ensure_env(ROOT / ".venv-core", "test")
    full = ensure_env(ROOT / ".venv", "gui,test")
    # (title, command, extra environment)
    steps: list[tuple[str, list[str | Path], dict[str, str]]] = [
        # A lint or type finding fails the run like a failing test (pyproject.toml: [tool.ruff], [tool.mypy]).
        ("lint (ruff)", [_bin(ROOT / ".venv", "ruff"), "check"], {}),
        ("types (mypy, the core)", [_bin(ROOT / ".venv", "mypy")], {}),
        ("import contracts (the core never imports Qt)", [_bin(ROOT / ".venv", "lint-imports")], {}),
        ("core tests, no PySide6 installed",
         [core, "-m", "pytest", "tests", "--ignore=tests/ui", "-p", "no:pytest-qt", "-p", "no:cacheprovider",
          *args], {"LOOKBOOK_CORE_ONLY": "1"}),
        ("app tests, offscreen", [full, "-m", "pytest", "tests/ui", "-p", "no:cacheprovider", *args], {}),
    ]
    # Every step runs even when an earlier one fails (a core failure must not hide the app's), then a
    # summary says how each went; the exit status is the first failing step's.
    results: list[tuple[str, int]] = []
    for title, command, extra in steps:
        print(f"\n=== {title}", flush=True)
        code = subprocess.call(command, cwd=ROOT, env={**env, **extra})
        if code != 0:
            print(f"\nFAILED: {title} (exit {code})", flush=True)
        results.append((title, code))
    print("\n=== summary", flush=True)
    for title, code in results:
        print(f"{'passed' if code == 0 else f'FAILED (exit {code})':<18} {title}", flush=True)
    return next((code for _, code in results if code != 0), 0)


def main() -> int:
    if sys.version_info < MIN_PYTHON:
        print(f"Lookbook Studio needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; "
              f"this is {sys.version.split()[0]}.")
        return 2
    if len(sys.argv) < 2 or sys.argv[1] not in {"app", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return run_app(rest) if command == "app" else run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
