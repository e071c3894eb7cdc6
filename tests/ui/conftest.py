"""Qt test fixtures: runners that are always shut down, and a check for leftover threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from lookbook.hooks import Hooks  # noqa: E402
from ui.workers import StoreRunner, TaskRunner  # noqa: E402


@pytest.fixture(autouse=True)
def _no_thread_left_running() -> Iterator[None]:
    """Fail a test that leaves a worker thread behind (napari's _dangling_qthreads, for our runners)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive() and t.name.startswith("lookbook")]
    for thread in left:
        thread.join(timeout=5)
    still = [t.name for t in left if t.is_alive()]
    assert not still, f"threads left running: {still}"


@pytest.fixture
def runners(qtbot) -> Iterator[tuple[StoreRunner, TaskRunner]]:
    """A DB runner and a thumbnail runner, shut down after the test."""
    db = StoreRunner(Hooks())
    thumbs = TaskRunner("lookbook-thumbs")
    yield db, thumbs
    thumbs.shutdown()
    db.shutdown()


@pytest.fixture
def opened_demo(qtbot, runners, demo_library: Path) -> tuple[StoreRunner, TaskRunner, Path]:
    """Runners with the demo library already open."""
    db, thumbs = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(demo_library)
    return db, thumbs, demo_library


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep QSettings (window state, the guide's "dismissed") in a fresh folder: never the real user's."""
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("Lookbook Studio Tests")
    QCoreApplication.setApplicationName("Lookbook Studio Tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))
    yield


@pytest.fixture
def app_style(qtbot) -> Iterator[None]:
    """Apply the app's light theme (palette and style sheet, which pad headers and cells) for one test."""
    from PySide6.QtWidgets import QApplication

    from ui.theme import Appearance, Theme

    app = QApplication.instance()
    before_palette, before_sheet = app.palette(), app.styleSheet()
    Theme(app).set_appearance(Appearance.LIGHT)
    try:
        yield
    finally:
        app.setPalette(before_palette)
        app.setStyleSheet(before_sheet)
