"""How long a change made in another process takes to show in the open app.

Run from the repository root::

    python -m bench.live_updates [--rounds 12] [--library DIR]

Builds the demo library (or uses ``--library``, a copy of which is changed), drafts its set's messages, opens
the app's main window on it offscreen on the Approvals page, and starts a second process (this module with
``--child``) holding its own connection, as a second window or ``lookbook outbox submit`` would. Each round the
child submits the set (or takes it back to draft) and prints when its commit returned; the app shows the set on
its Approvals page (or shows it gone) and the time of that model reset is taken. Rounds start at random moments,
so commits land anywhere in the watcher's poll interval.

Prints, in one table, the median (and min/max) of

* ``commit -> Approvals page shows it``: the whole path (the watcher's poll on the DB thread, the change event,
  every page that watches the outbox reloading, the Approvals list refilled);
* ``commit -> bare data_version moves`` (the floor): the same commits seen by a connection in this process
  that does nothing but read ``PRAGMA data_version`` in a tight loop, no app, no poll interval;
* ``one poll, nothing new``: what the watcher costs the DB thread each time it looks (µs).

with each figure's ratio to the floor. The promise is 2 s; the poll interval is
:attr:`ui.workers.StoreRunner.POLL_MS`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from lookbook import scale

REPO = Path(__file__).resolve().parents[1]
DRAFTER = "maria"  # a manager drafts: the associate cap does not apply to the demo's 60-odd matches


def child(root: Path) -> int:
    """Hold a connection of our own; on each stdin line ("submit" / "back") commit that and print when."""
    from lookbook.outbox import messages as outbox
    from lookbook.store.database import open_store
    from lookbook.store.library import Library

    store = open_store(Library(root))
    set_id = scale.first_set_id(store)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "submit":
            outbox.submit(store, set_id, DRAFTER)
        else:
            for message in outbox.list_messages(store, state="pending", set_id=set_id):
                outbox.transition(store, message.id, "draft", DRAFTER)
        print(f"{time.time():.6f}", flush=True)
    store.close()
    return 0


def prepare(library: Path | None, work: Path) -> Path:
    """Return a library with the demo set's messages drafted (not submitted)."""
    from lookbook.demo import build_demo
    from lookbook.outbox import messages as outbox
    from lookbook.outbox import templates
    from lookbook.store.database import open_store
    from lookbook.store.library import Library

    root = work / "Library"
    if library is not None:
        shutil.copytree(library, root)
    else:
        for _ in build_demo(root):
            pass
    store = open_store(Library(root))
    try:
        set_id = scale.first_set_id(store)
        if not outbox.list_messages(store, set_id=set_id):
            outbox.draft_set(store, set_id, DRAFTER, templates.list_templates(store)[0])
    finally:
        store.close()
    return root


def _spin(probe: scale.DataVersionProbe, before: int, seen: list[float], stop: threading.Event) -> None:
    """Read data_version until it moves (then note when) or ``stop`` is set."""
    while not stop.is_set():
        if probe.version() != before:
            seen.append(time.time())
            return


def bare_floor(root: Path, proc: subprocess.Popen, rounds: int) -> tuple[list[float], float]:
    """Return the delays (s) from the child's commits to a tight data_version loop seeing them, and one poll's cost."""
    probe = scale.DataVersionProbe(root / "library.db")
    version = probe.version()
    start = time.perf_counter()
    for _ in range(2000):
        probe.version()
    poll_cost = (time.perf_counter() - start) / 2000
    delays = []
    for n in range(rounds):
        seen: list[float] = []
        stop = threading.Event()

        spinner = threading.Thread(target=_spin, args=(probe, version, seen, stop))
        spinner.start()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("submit\n" if n % 2 == 0 else "back\n")
        proc.stdin.flush()
        committed = float(proc.stdout.readline())
        spinner.join(timeout=10)
        stop.set()
        version = probe.version()
        if seen:
            delays.append(max(seen[0] - committed, 0.0))
    if rounds % 2 == 1:  # leave the set as drafts for the app's rounds
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("back\n")
        proc.stdin.flush()
        proc.stdout.readline()
    probe.close()
    return delays, poll_cost


def app_delays(root: Path, proc: subprocess.Popen, rounds: int, settings: Path) -> list[float]:
    """Return the delays (s) from the child's commits to the app's Approvals page showing them."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from lookbook.hooks import Hooks
    from ui.main_window import MainWindow
    from ui.pages.approvals import ApprovalsPage
    from ui.workers import StoreRunner, TaskRunner

    QCoreApplication.setOrganizationName("Lookbook Studio Bench")
    # Window state and "last library" go to a temporary folder, never the person's own settings.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))
    app = QApplication.instance() or QApplication([])
    db, thumbs = StoreRunner(Hooks()), TaskRunner("lookbook-thumbs")
    window = MainWindow(db, thumbs)
    window.ask_who_is_working = False
    window.resize(1280, 800)
    window.show()
    # Pages are built the first time they are asked for (issue 18): build Approvals before the library opens, so
    # it loads with the open like every page did when the window built them all.
    page = window.page(ApprovalsPage)
    loop = QEventLoop()
    shown: list[float] = []
    want = {"rows": -1}

    def reset() -> None:
        if page.sets_model.rowCount() == want["rows"]:
            shown.append(time.time())
            loop.quit()

    page.sets_model.modelReset.connect(reset)
    want["rows"] = 0
    QTimer.singleShot(30_000, loop.quit)
    window.open_library(root)
    window.go_to_page(page.title)
    loop.exec()
    if not shown:
        raise SystemExit("the app did not open the library within 30 s")
    delays = []
    assert proc.stdin is not None and proc.stdout is not None
    for n in range(rounds):
        # Start anywhere in the poll interval.
        pause = QEventLoop()
        QTimer.singleShot(random.randint(50, 400), pause.quit)
        pause.exec()
        shown.clear()
        want["rows"] = 1 if n % 2 == 0 else 0
        proc.stdin.write("submit\n" if n % 2 == 0 else "back\n")
        proc.stdin.flush()
        committed = float(proc.stdout.readline())
        timeout = QTimer()
        timeout.setSingleShot(True)
        timeout.timeout.connect(loop.quit)
        timeout.start(10_000)
        if not shown:
            loop.exec()
        timeout.stop()
        if not shown:
            raise SystemExit(f"round {n}: the page did not show the change within 10 s")
        delays.append(shown[0] - committed)
    window.close()
    thumbs.shutdown()
    db.shutdown()
    app.processEvents()
    return delays


def row(name: str, values: list[float], floor: float, unit: str = "ms", scale: float = 1000) -> str:
    med = statistics.median(values) * scale
    ratio = f"{statistics.median(values) / floor:8.1f}x" if floor > 0 else "       -"
    return (f"{name:<42} {med:10.2f} {min(values) * scale:10.2f} {max(values) * scale:10.2f} {unit:>4} "
            f"{len(values):4d} {ratio}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12, help="changes timed for each figure (default 12)")
    parser.add_argument("--library", type=Path, help="a library to copy (default: build the demo)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child(args.child)
    from ui.workers import StoreRunner

    with tempfile.TemporaryDirectory() as tmp:
        root = prepare(args.library, Path(tmp))
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.Popen([sys.executable, "-m", "bench.live_updates", "--child", str(root)], cwd=REPO,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit("the second process did not start")
            floor, poll_cost = bare_floor(root, proc, args.rounds)
            app = app_delays(root, proc, args.rounds, Path(tmp) / "settings")
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=30)
    floor_median = statistics.median(floor)
    print(f"live updates: a commit in another process, {args.rounds} rounds; poll every {StoreRunner.POLL_MS} ms")
    print(f"{'':<42} {'median':>10} {'min':>10} {'max':>10} {'':>4} {'n':>4} {'vs floor':>9}")
    print(row("commit -> Approvals page shows it", app, floor_median))
    print(row("commit -> bare data_version moves (floor)", floor, floor_median))
    print(row("one poll, nothing new", [poll_cost], floor_median, "us", 1e6))
    print(f"promise: 2000 ms; app median is {statistics.median(app) * 1000 / 2000:.0%} of it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
