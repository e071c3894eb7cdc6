"""The Customers page on a book of a million: search and page times, and how long the UI thread ever stalls.

Run from the repository root::

    python -m bench.customers_page --library DIR      # a library that already holds a big book
    python -m bench.customers_page --customers 1000000 # build one first (bench.matching_scale's generator)

Part 1, the calls the page makes on the database thread, each ``--repeat`` times (median quoted):
the first answer of a search (:func:`lookbook.customers.book.first_block`: count + first 200 rows) for an
empty search and for a name typed letter by letter, other sort orders, and one block of 200 rows at
several depths through :func:`lookbook.customers.book.search_block` beside the baseline measured in the same run,
the plain ``search_customers(..., offset=N)`` (which steps over N rows).

Part 2, the page's model and a table view offscreen, with the database on its own thread as in the app:
the time from typing to the first rows shown, from a jump of the scroll bar to the rows shown, and the
longest gap between ticks of a 5 ms timer on the UI thread while all that happens (the UI "freeze"),
beside the same work done on the UI thread (baseline).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lookbook.customers.book import Customer
    from lookbook.store.database import Store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BLOCK_DEPTHS = (0, 0.25, 0.5, 0.75, 1.0)
#: Rows per block, as the page reads them (``ui.pages.customers.BLOCK``; part 1 times the core alone, without Qt).
BLOCK = 200


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Return the median wall time of ``fn()`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build(folder: Path, customers: int) -> Path:
    """Generate and import a book of ``customers`` with bench.matching_scale's steps; return the library."""
    from bench import matching_scale

    print(f"building a book of {customers:,} customers in {folder} (once)…", flush=True)
    matching_scale.generate(folder, customers, max(customers // 50, 200), 100)
    matching_scale.import_catalog_step(folder)
    matching_scale.import_customers_step(folder)
    return folder / "library"


def db_calls(library: Path, repeat: int) -> tuple[list[tuple[str, float, float | None]], str]:
    """Time the page's database calls; return table rows (label, ms, baseline ms) and the typed name."""
    from lookbook.customers import book as customers
    from lookbook.store.database import open_store
    from lookbook.store.library import Library

    def first_answer(store: Store, text: str, sort: str, descending: bool) -> tuple[int, list[Customer]]:
        return customers.first_block(store, text, sort, descending, BLOCK)

    def fetch_block(store: Store, text: str, sort: str, descending: bool, offset: int, count: int,
                    total: int) -> list[Customer]:
        return customers.search_block(store, text, sort, descending, offset, count, total)

    store = open_store(Library.locate(library))
    rows: list[tuple[str, float, float | None]] = []
    try:
        total = customers.count_customers(store)
        name = customers.search_customers(store, limit=1, offset=total // 3)[0].first_name.lower()
        rows.append(("first answer, no search (count + 200 rows)",
                     median_ms(lambda: first_answer(store, "", "name", False), repeat), None))
        for n in range(1, min(len(name), 4) + 1):
            typed = name[:n]
            rows.append((f"first answer, typed “{typed}” ({customers.count_customers(store, typed):,} match)",
                         median_ms(partial(first_answer, store, typed, "name", False), repeat), None))
        for sort, desc in (("email", True), ("last_contacted", False), ("created", True)):
            rows.append((f"first answer, sorted by {sort}{' descending' if desc else ''}",
                         median_ms(partial(first_answer, store, "", sort, desc), repeat), None))
        for depth in BLOCK_DEPTHS:
            offset = min(int(total * depth), total - BLOCK)
            ours = median_ms(partial(fetch_block, store, "", "name", False, offset, BLOCK, total), repeat)
            plain = median_ms(partial(customers.search_customers, store, "", limit=BLOCK, offset=offset), repeat)
            rows.append((f"block of 200 at row {offset:,} (baseline: plain OFFSET)", ours, plain))
    finally:
        store.close()
    return rows, name


def ui_stalls(library: Path, typed: str) -> list[tuple[str, float, float | None]]:
    """Drive the page's model and a view offscreen; return latencies and the longest UI-thread stall."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QTableView

    from lookbook.hooks import Hooks
    from lookbook.store.database import open_store
    from lookbook.store.library import Library
    from ui.pages.customers import BLOCK, CustomerBookModel, fetch_block, first_answer
    from ui.workers import StoreRunner

    app = QApplication.instance() or QApplication([])
    db = StoreRunner(Hooks())
    rows: list[tuple[str, float, float | None]] = []
    clock = QElapsedTimer()
    gaps: list[float] = []
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        gaps.append(now - last[0])
        last[0] = now

    def wait_until(check: Callable[[], bool], limit_s: float = 30.0) -> float:
        start = time.perf_counter()
        while not check():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            if time.perf_counter() - start > limit_s:
                raise TimeoutError("the page did not answer in time")
        return (time.perf_counter() - start) * 1000

    try:
        opened: list[object] = []
        db.open(library, on_done=opened.append, on_failure=opened.append)
        wait_until(lambda: bool(opened), 120)
        model = CustomerBookModel(db)
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        view.resize(1000, 700)
        view.show()
        searched: list[int] = []
        model.searched.connect(searched.append)
        timer = QTimer(interval=5)
        timer.timeout.connect(tick)
        clock.start()
        timer.start()
        # Typing letter by letter, a pause of 60 ms between keys (a quick typist): only the last answer shows.
        start = time.perf_counter()
        for n in range(1, len(typed[:4]) + 1):
            model.search(typed[:n])
            _pause(app, 0.06)
        wait_until(lambda: not model.searching and model.text == typed[:4])
        rows.append((f"typing “{typed[:4]}” (4 keys, 60 ms apart) to its rows shown",
                     (time.perf_counter() - start) * 1000, None))
        searched.clear()
        model.search("")
        wait_until(lambda: bool(searched))
        total = model.total

        def row_shown(row: int) -> bool:
            return model.customer_at(row) is not None

        jumps = []
        for depth in (0.5, 1.0, 0.1, 0.9, 0.3):
            row = min(int(total * depth), total - 1)
            start = time.perf_counter()
            view.scrollTo(model.index(row, 0))
            wait_until(partial(row_shown, row))
            jumps.append((time.perf_counter() - start) * 1000)
        rows.append(("scroll-bar jump to a row shown (median of 5 jumps)", statistics.median(jumps), None))
        # A steady scroll: 200 page-downs from the top.
        view.scrollToTop()
        start = time.perf_counter()
        bar = view.verticalScrollBar()
        for _ in range(200):
            bar.setValue(bar.value() + bar.pageStep())
            app.processEvents()
        top = view.rowAt(0)
        wait_until(lambda: model.customer_at(top) is not None)
        rows.append(("200 page-downs, to the rows shown", (time.perf_counter() - start) * 1000, None))
        gaps.sort()
        ours = gaps[-1]
        timer.stop()
        # Baseline: the same first answers and blocks done on the UI thread, as a page without a worker would.
        store = open_store(Library.locate(library))
        gaps.clear()
        timer.start()
        last[0] = clock.nsecsElapsed() / 1e6
        for n in range(1, len(typed[:4]) + 1):
            first_answer(store, typed[:n], "name", False)
            app.processEvents()
        for depth in (0.5, 1.0, 0.1, 0.9, 0.3):
            offset = min(int(total * depth), total - BLOCK)
            store_rows = fetch_block(store, "", "name", False, offset, BLOCK, total)
            assert store_rows
            app.processEvents()
        timer.stop()
        store.close()
        rows.append(("longest UI-thread stall, all of the above (baseline: same calls on the UI thread)", ours,
                     max(gaps) if gaps else None))
        view.close()
    finally:
        db.shutdown()
    return rows


def _pause(app: Any, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", type=Path, help="an existing library with a big customer book")
    parser.add_argument("--customers", type=int, default=1_000_000, help="build a book this big (no --library)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each database call (median quoted)")
    args = parser.parse_args()
    temp = None
    library = args.library
    if library is None:
        temp = Path(tempfile.mkdtemp(prefix="lookbook-customers-page-"))
        library = build(temp, args.customers)
    try:
        calls, typed = db_calls(library, args.repeat)
        shown = ui_stalls(library, typed)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    width = max(len(r[0]) for r in calls + shown)
    print(f"\n{'measure':<{width}}  {'ms':>9}  {'baseline':>9}  {'ratio':>7}")
    for label, ms, base in calls + shown:
        ratio = f"{base / ms:6.1f}x" if base and ms else ""
        print(f"{label:<{width}}  {ms:9.1f}  {'' if base is None else f'{base:9.1f}':>9}  {ratio:>7}")


if __name__ == "__main__":
    main()
