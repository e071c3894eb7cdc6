"""The thumbnail loader: newest requests first, a bounded queue, an LRU cache, broken photos remembered."""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSize

from lookbook.store.library import Library
from ui.widgets.thumbnail_loader import ThumbnailLoader
from ui.workers import TaskRunner


def _library(tmp_path: Path, count: int) -> tuple[Library, list[tuple[str, str]]]:
    library = Library(tmp_path / "lib")
    library.ensure_folders()
    source = tmp_path / "src.jpg"
    Image.new("RGB", (300, 400), (120, 80, 40)).save(source)
    photos = []
    for n in range(count):
        sha = f"{n:064x}"
        rel = f"originals/{n}.jpg"
        shutil.copyfile(source, library.root / rel)
        photos.append((sha, rel))
    return library, photos


def test_loads_off_the_ui_thread_and_caches(qtbot, tmp_path: Path) -> None:
    library, photos = _library(tmp_path, 3)
    runner = TaskRunner("lookbook-thumbs-test")
    try:
        loader = ThumbnailLoader(runner, QSize(80, 100))
        loader.set_library(library)
        with qtbot.waitSignals([loader.ready] * 3, timeout=20_000):
            for sha, rel in photos:
                assert loader.pixmap(sha, rel) is None  # not yet: asked for
        pixmap = loader.pixmap(*photos[0])
        assert pixmap is not None and pixmap.height() == 100 and pixmap.width() == 75
        assert loader.cached() == 3 and loader.queued() == 0
    finally:
        runner.shutdown()


def test_the_queue_is_bounded_and_serves_the_newest_first(qtbot, tmp_path: Path) -> None:
    library, photos = _library(tmp_path, 12)
    runner = TaskRunner("lookbook-thumbs-test")
    blocker = runner.submit(lambda: __import__("time").sleep(0.3))  # keep the worker busy while we queue
    try:
        loader = ThumbnailLoader(runner, QSize(80, 100), max_queued=4, max_cached=3)
        loader.set_library(library)
        order: list[str] = []
        loader.ready.connect(order.append)
        for sha, rel in photos:
            loader.pixmap(sha, rel)
        assert loader.queued() == 4  # the 8 oldest requests (scrolled past) were dropped
        blocker.result()
        qtbot.waitUntil(lambda: len(order) == 4, timeout=20_000)
        assert order == [sha for sha, _ in reversed(photos[-4:])]  # newest first
        assert loader.cached() == 3  # LRU: the least recently used pixmap was evicted
        assert loader.pixmap(*photos[-4]) is not None and loader.pixmap(*photos[-1]) is None
    finally:
        runner.shutdown()


def test_a_broken_photo_is_not_asked_for_again(qtbot, tmp_path: Path) -> None:
    library, photos = _library(tmp_path, 1)
    (library.root / photos[0][1]).write_bytes(b"broken")
    runner = TaskRunner("lookbook-thumbs-test")
    try:
        loader = ThumbnailLoader(runner, QSize(80, 100))
        loader.set_library(library)
        with qtbot.waitSignal(loader.ready, timeout=20_000):
            loader.pixmap(*photos[0])
        assert loader.failed(photos[0][0])
        assert loader.pixmap(*photos[0]) is None and loader.queued() == 0
    finally:
        runner.shutdown()
