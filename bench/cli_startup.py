"""How long a ``lookbook`` command takes to start, against Python + sqlite3 starting in the same run.

Run from the repository root::

    python -m bench.cli_startup [--rounds 7] [--library DIR]

Builds the demo library in a temp folder (or uses ``--library``), then runs each command below as a fresh
process, in interleaved rounds so that a busy moment of a shared machine falls on every row alike, and prints
the median wall time of each, its ratio to the floor, and the goal of issue 18 (every command ≤ 0.25 s, which
against that issue's 0.04 s floor is ≤ 6.25×):

* the floor: ``python -c`` that imports sqlite3, opens the demo's ``library.db`` and counts its customers;
* ``lookbook --version`` (the parser alone), ``info``, ``outbox list``, ``customers list --limit 5``;
* where ``info``'s time goes: importing ``lookbook.cli`` and the ``info`` handler's module (a process that does
  only that), and, in this process, opening the library as every command does (``open_store``: ``quick_check``,
  audit triggers, the audit rows since the checkpoint, a backup when due; then ``counts`` and ``close``) and
  ``PRAGMA quick_check`` alone.

Commands run as ``python -m lookbook.cli`` with this interpreter and ``PYTHONPATH`` set to the repository the
module was loaded from, so a second worktree (the base commit) can be measured the same way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lookbook import scale
from lookbook.store import integrity
from lookbook.store.database import open_store
from lookbook.store.library import Library

REPO = Path(__file__).resolve().parent.parent
GOAL_S = 0.25
#: The same goal as a ratio: issue 18 measured its floor (Python + sqlite3 starting) at 0.04 s. On a shared,
#: busy machine every row slows alike, so the ratio is the figure to trust.
GOAL_RATIO = GOAL_S / 0.04

FLOOR = "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM customers').fetchone()"
IMPORTS = "import lookbook.cli, lookbook.cli.library"


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("LOOKBOOK_LIBRARY", "LOOKBOOK_PASSWORD"):
        env.pop(name, None)
    return env


def _timed_process(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed


def _timed_call(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds; medians are shown (default 7)")
    parser.add_argument("--library", metavar="DIR", help="an existing demo library (default: build one in a temp "
                                                         "folder)")
    args = parser.parse_args()
    work = None
    if args.library:
        root = Path(args.library)
    else:
        from lookbook.demo import build_demo

        work = Path(tempfile.mkdtemp(prefix="lookbook-startup-"))
        root = work / "demo"
        start = time.perf_counter()
        for _ in build_demo(root):
            pass
        print(f"built the demo library in {time.perf_counter() - start:.1f} s")
    try:
        _measure(Library(root), args.rounds)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def _measure(library: Library, rounds: int) -> None:
    env, py, lib = _env(), sys.executable, str(library.root)
    cli = [py, "-m", "lookbook.cli", "--library", lib]
    processes: dict[str, list[str]] = {
        "floor: python -c 'import sqlite3' + open library.db, count customers": [py, "-c", FLOOR,
                                                                                  str(library.db_path)],
        "lookbook --version": [py, "-m", "lookbook.cli", "--version"],
        "lookbook info": [*cli, "info"],
        "lookbook outbox list": [*cli, "outbox", "list"],
        "lookbook customers list --limit 5": [*cli, "customers", "list", "--limit", "5"],
        "  of info: python -c 'import lookbook.cli, lookbook.cli.library'": [py, "-c", IMPORTS],
    }

    def open_library() -> None:
        store = open_store(library)
        store.counts()
        store.close()

    def quick_check() -> None:
        scale.on_bare_connection(library.db_path, integrity.quick_check)

    in_process: dict[str, Callable[[], object]] = {
        "  of info: open_store + counts + close (in process)": open_library,
        "  of info: PRAGMA quick_check alone (in process)": quick_check,
    }
    times: dict[str, list[float]] = {name: [] for name in [*processes, *in_process]}
    for argv in processes.values():  # one warm-up each: the OS file cache, .pyc files
        _timed_process(argv, env)
    for _ in range(rounds):
        for name, argv in processes.items():
            times[name].append(_timed_process(argv, env))
        for name, fn in in_process.items():
            times[name].append(_timed_call(fn))

    floor = statistics.median(times[next(iter(processes))])
    print(f"\nPython {sys.version.split()[0]}, {rounds} interleaved rounds, medians; library: {library.root}")
    print(f"{'what':<70} {'median s':>9} {'× floor':>8}  goal ≤ {GOAL_S:.2f} s / ≤ {GOAL_RATIO:.2f}× floor")
    for name, values in times.items():
        median = statistics.median(values)
        goal = "" if name.startswith(("floor", " ")) else (
            f"{'met' if median <= GOAL_S else 'missed':>6} / {'met' if median / floor <= GOAL_RATIO else 'missed'}")
        print(f"{name:<70} {median:>9.3f} {median / floor:>7.1f}×  {goal}")

if __name__ == "__main__":
    main()
