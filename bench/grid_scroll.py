"""Scrolling the Shoot page's photo grid over 10,000 shots: frame times.

Run from the repository root::

    python -m bench.grid_scroll                 # 10,000 photos, offscreen
    python -m bench.grid_scroll --photos 20000 --frames 900

A library gets ``--photos`` rows that point at the 40 demo photos (each row with its own
hash, so each has its own thumbnail to make, as after a real shoot). The grid is then
scrolled programmatically, one step per frame as fast as the event loop allows, and
the interval between consecutive paints of the grid's viewport is recorded. Three runs:
the Shoot page with a cold thumbnail cache (thumbnails made while scrolling), the same
with the thumbnails already on disk, and the baseline in the same run: a plain
QListWidget in icon mode with the same number of items and one shared icon (no
thumbnails at all). A frame under 16.7 ms keeps up with a 60 Hz screen.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QSize, QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QListView,
    QListWidget,
    QListWidgetItem,
)

from lookbook import scale
from lookbook.hooks import Hooks
from lookbook.store.database import create_store
from lookbook.store.library import Library

if TYPE_CHECKING:
    from ui.widgets.thumbnail_loader import ThumbnailLoader

DEMO_PHOTOS = Path(__file__).resolve().parent.parent / "resources" / "demo" / "photos"


def make_library(root: Path, count: int) -> Path:
    """Create a library with ``count`` photo rows pointing at the demo photos."""
    store = create_store(root)
    sources = sorted(DEMO_PHOTOS.glob("*.jpg"))
    stored = [str(store.library.store_original(p)[1].relative_to(root)) for p in sources]
    scale.add_photo_rows(store, count, stored)
    store.close()
    return root


class PaintClock(QObject):
    """Records when a widget is painted."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.times.append(time.perf_counter())
        return False


def scroll(app: QApplication, view: QAbstractScrollArea, frames: int, step: int) -> list[float]:
    """Scroll ``view`` by ``step`` pixels per frame for ``frames`` frames; return paint intervals in ms."""
    clock = PaintClock()
    view.viewport().installEventFilter(clock)
    bar = view.verticalScrollBar()
    bar.setValue(0)
    app.processEvents()
    state = {"n": 0}

    def tick() -> None:
        if state["n"] >= frames or bar.value() >= bar.maximum():
            timer.stop()
            app.quit()
            return
        state["n"] += 1
        bar.setValue(bar.value() + step)

    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(tick)
    timer.start()
    app.exec()
    view.viewport().removeEventFilter(clock)
    return [(b - a) * 1000 for a, b in itertools.pairwise(clock.times)][1:]


def _stats(intervals: list[float]) -> tuple[float, float, int]:
    ordered = sorted(intervals)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, len(ordered)


def shoot_page(app: QApplication, library: Path) -> tuple[QListView, ThumbnailLoader, Callable[[], None]]:
    """Open ``library`` on a Shoot page; return its grid, the grid's thumbnail loader and how to close it all."""
    from ui.pages.shoot import ShootPage
    from ui.workers import StoreRunner, TaskRunner

    db, thumbs = StoreRunner(Hooks()), TaskRunner("lookbook-thumbs")
    page = ShootPage(db, thumbs)
    page.resize(1280, 800)
    page.splitter.setSizes([900, 380])
    page.show()
    done = {"open": False}

    def opened(_library: Library) -> None:
        done["open"] = True
        page.reload()

    db.open(library, on_done=opened)
    while not done["open"] or page.model.rowCount() == 0:
        app.processEvents()
        time.sleep(0.005)

    def close() -> None:
        page.cleanup()
        thumbs.shutdown()
        db.shutdown()
        page.close()

    return page.view, page.loader, close


def plain_list(count: int) -> QListWidget:
    widget = QListWidget()
    widget.setViewMode(QListView.ViewMode.IconMode)
    widget.setIconSize(QSize(160, 200))
    widget.setGridSize(QSize(176, 240))
    widget.setUniformItemSizes(True)
    widget.setResizeMode(QListView.ResizeMode.Adjust)
    pixmap = QPixmap(160, 200)
    pixmap.fill(QColor("#e6e2da"))
    icon = QIcon(pixmap)
    for i in range(count):
        widget.addItem(QListWidgetItem(icon, f"IMG_{i:05d}"))
    widget.resize(900, 720)
    widget.show()
    return widget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--step", type=int, default=120, help="pixels scrolled per frame (half a row)")
    args = parser.parse_args()
    QCoreApplication.setOrganizationName("Lookbook Studio Bench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    app = QApplication([])
    results: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        t0 = time.perf_counter()
        library = make_library(Path(tmp) / "Big", args.photos)
        made = time.perf_counter() - t0

        widget = plain_list(args.photos)
        results.append((f"plain QListWidget, {args.photos:,} items (baseline)",
                        scroll(app, widget, args.frames, args.step)))
        widget.close()

        for label in ("Shoot grid, cold thumbnail cache", "Shoot grid, thumbnails on disk"):
            view, loader, close = shoot_page(app, library)
            t_start = time.perf_counter()
            intervals = scroll(app, view, args.frames, args.step)
            elapsed = time.perf_counter() - t_start
            results.append((label, intervals))
            print(f"  {label}: {len(intervals)} frames in {elapsed:.1f} s, {loader.cached()} pixmaps cached,"
                  f" {loader.queued()} requests waiting at the end")
            close()
    base = _stats(results[0][1])[0]
    print(f"\nGrid scroll over {args.photos:,} photos ({made:.1f} s to make the library), {args.step} px per frame,"
          f" {os.environ['QT_QPA_PLATFORM']}")
    print(f"{'view':<52}{'frames':>7}{'median ms':>11}{'p95 ms':>9}{'ratio':>8}")
    for name, intervals in results:
        med, p95, n = _stats(intervals)
        print(f"{name:<52}{n:>7}{med:>11.2f}{p95:>9.2f}{med / base:>7.2f}x")


if __name__ == "__main__":
    main()
