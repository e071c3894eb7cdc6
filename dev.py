#!/usr/bin/env python3
"""Set up and run Lookbook Studio from a source checkout, with nothing but Python 3.11+.

    python3 dev.py app     set up .venv, check this machine can open a window and keep secrets, and open the
                           app on the demo library
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
from collections.abc import Callable, Mapping
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


#: Shared libraries Qt's xcb platform plugin (the X11 window system) loads, and the Debian/Ubuntu package of
#: each. A desktop install has most of them; libxcb-cursor0 is the one Qt 6.5+ needs that many lack.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
}

#: Asked of the app's environment: which keyring backend ``keyring`` picked, and whether it answers.
KEYRING_PROBE = """
import keyring
backend = keyring.get_keyring()
name = f"{type(backend).__module__}.{type(backend).__name__}"
inner = getattr(backend, "backends", None)
if name.startswith(("keyring.backends.fail", "keyring.backends.null")) or inner == []:
    print(f"none: {name}")
else:
    try:
        keyring.get_password("Lookbook Studio", "dev.py setup check")
    except Exception as exc:
        print(f"unusable: {name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    else:
        print(f"ok: {name}")
"""


def _loads(name: str) -> bool:
    import ctypes

    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_xcb(loads: Callable[[str], bool] | None = None, environ: Mapping[str, str] | None = None,
                platform: str = sys.platform) -> list[str]:
    """Return the apt packages Qt's xcb plugin needs that this Linux machine lacks ([] elsewhere).

    Nothing is needed when Qt is told to use another platform plugin (``QT_QPA_PLATFORM=wayland``, ``offscreen``).
    """
    loads = loads or _loads
    environ = os.environ if environ is None else environ
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or (chosen and "xcb" not in chosen):
        return []
    return [package for library, package in XCB_LIBRARIES.items() if not loads(library)]


def keyring_problem(python: Path) -> str:
    """Return why the system keyring cannot keep sign-in tokens and passwords, or "" when it can."""
    try:
        found = subprocess.run([python, "-c", KEYRING_PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the keyring check did not finish ({exc})"
    answer = (found.stdout.strip().splitlines() or found.stderr.strip().splitlines() or ["no answer"])[-1]
    return "" if answer.startswith("ok:") else answer


def setup_advice(packages: list[str], keyring: str) -> list[str]:
    """Return what to tell a person before the app starts: what to install, exactly."""
    lines: list[str] = []
    if packages:
        lines += ["The app cannot open a window: Qt's X11 (xcb) platform plugin needs libraries this machine lacks.",
                  f"Install them with:  sudo apt install {' '.join(packages)}",
                  "(Fedora: sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-image xcb-util-keysyms "
                  "xcb-util-renderutil libxkbcommon-x11)"]
    if keyring:
        lines += [f"Sending will not work yet: there is no usable system keyring for the X sign-in and the mail "
                  f"password ({keyring}).",
                  "Install a Secret Service keyring with:  sudo apt install gnome-keyring  (KDE: kwalletmanager), "
                  "then sign in to the desktop again so it is unlocked.",
                  "On a machine without a desktop session: dbus-run-session -- sh -c "
                  "'echo -n PASSWORD | gnome-keyring-daemon --unlock --components=secrets; python3 dev.py app'"]
    return lines


def run_app(args: list[str]) -> int:
    python = ensure_env(ROOT / ".venv", "gui,test")
    packages = missing_xcb()
    for line in setup_advice(packages, keyring_problem(python)):
        print(line, flush=True)
    if packages:
        return 3  # the window could not open: say so now rather than with Qt's abort
    return subprocess.call([python, ROOT / "main.py", *(args or ["--demo"])], cwd=ROOT)


def run_tests(args: list[str]) -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    core = ensure_env(ROOT / ".venv-core", "test")
    full = ensure_env(ROOT / ".venv", "gui,test")
    # (title, command, extra environment)
    steps: list[tuple[str, list[str | Path], dict[str, str]]] = [
        # A lint or type finding fails the run like a failing test (pyproject.toml: [tool.ruff], [tool.mypy]).
        ("lint (ruff)", [_bin(ROOT / ".venv", "ruff"), "check"], {}),
        ("types (mypy: the core, the app, main.py and the benchmarks)", [_bin(ROOT / ".venv", "mypy")], {}),
        ("import contracts (Qt-free core, layered packages)", [_bin(ROOT / ".venv", "lint-imports")], {}),
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
