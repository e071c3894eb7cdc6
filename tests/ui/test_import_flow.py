"""Importing on the Shoot page: a progress bar fed by the core's generator, Cancel, and the report.

The import job is the core pipeline over a few generated photos (decode and find the
garment, one process), slowed a little so Cancel has something to stop.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from lookbook.photos.pipeline import process
from ui.pages.shoot import ShootPage


@dataclass
class Report:
    imported: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cancelled: bool = False

    def summary(self) -> str:
        return f"{len(self.imported)} photos imported"


#: When set, the job waits (up to 60 s) for Cancel after this many photos, so a test can cancel mid-batch for sure.
HOLD_AFTER: int | None = None


def _job(store, paths: list[Path], actor: str, cancel: threading.Event) -> Iterator[object]:
    report = Report()
    for n, step in enumerate(process(paths, None, workers=1, cancel=cancel), start=1):
        time.sleep(0.05)
        if step.error:
            report.problems.append(step.error)
        else:
            report.imported.append(step.current)
        yield step
        if HOLD_AFTER is not None and n == HOLD_AFTER:
            cancel.wait(60)
    # As the core importer does: a cancelled import returns what it kept, marked cancelled.
    report.cancelled = cancel.is_set()
    return report


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    paths = []
    for n in range(8):
        im = Image.new("RGB", (240, 300), (235, 232, 226))
        ImageDraw.Draw(im).rectangle((50 + n, 40, 190, 260), fill=(30 + 20 * n, 60, 120))
        path = tmp_path / f"shot_{n}.jpg"
        im.save(path, quality=90)
        paths.append(path)
    return paths


@pytest.fixture
def page(qtbot, opened_demo, monkeypatch) -> Iterator[ShootPage]:
    db, thumbs, _root = opened_demo
    monkeypatch.setattr(ShootPage, "import_job", staticmethod(_job))
    shoot = ShootPage(db, thumbs)
    qtbot.addWidget(shoot)
    shoot.show()
    with qtbot.waitSignal(shoot.badge_changed, timeout=20_000):
        shoot.reload()
    yield shoot
    shoot.cleanup()


def test_import_shows_progress_and_reports_when_done(qtbot, page: ShootPage, photos: list[Path]) -> None:
    values: list[int] = []
    page.import_progress.valueChanged.connect(values.append)
    with qtbot.waitSignal(page.import_finished, timeout=60_000) as finished:
        page.import_paths(photos)
        assert page.import_bar.isVisible() and not page.import_files_action.isEnabled()
    report = finished.args[0]
    assert len(report.imported) == 8 and not report.problems
    assert values[-1] == 8 and values == sorted(values) and len(set(values)) >= 4  # it moved step by step
    assert page.import_progress.maximum() == 8
    assert not page.import_bar.isVisible() and page.import_files_action.isEnabled()


def test_cancel_stops_the_import_and_keeps_the_window_responsive(qtbot, page: ShootPage,
                                                                 photos: list[Path], monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "HOLD_AFTER", 2)
    seen: list[int] = []
    page.import_progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(page.import_finished, timeout=60_000) as finished:
        page.import_paths(photos)
        qtbot.waitUntil(lambda: bool(seen) and seen[-1] >= 2, timeout=60_000)
        qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
        assert page.import_label.text() == "Cancelling…"
    report = finished.args[0]
    assert report.cancelled and len(report.imported) < 8
    assert max(seen) < 8
    kept = len(report.imported)
    # "the 1 photo imported before stays", "the 3 photos imported before stay": never "photo(s)".
    assert (f"the {kept} photo{'' if kept == 1 else 's'} imported before {'stays' if kept == 1 else 'stay'} in"
            in page.summary.text())
    assert not page.import_bar.isVisible() and not page.importing()


def test_cancel_between_two_photos_keeps_the_report_of_what_stayed(qtbot, page: ShootPage, photos: list[Path],
                                                                   monkeypatch) -> None:
    # Cancel pressed while the second photo is in hand: the job finishes it and returns its report (on a busy
    # machine the runner used to see the event first, close the job and report nothing: "the 0 photos ... stay").
    def job(store, paths: list[Path], actor: str, cancel: threading.Event) -> Iterator[object]:
        report = Report()
        for n, step in enumerate(process(paths, None, workers=1, cancel=cancel), start=1):
            report.imported.append(step.current)
            if n == 2:
                cancel.set()  # as the Cancel button does, from the UI thread, before this photo's step is out
            yield step
        report.cancelled = cancel.is_set()
        return report

    monkeypatch.setattr(ShootPage, "import_job", staticmethod(job))
    with qtbot.waitSignal(page.import_finished, timeout=60_000) as finished:
        page.import_paths(photos)
    report = finished.args[0]
    assert report is not None and report.cancelled and len(report.imported) == 2
    assert "the 2 photos imported before stay in" in page.summary.text()


def test_bad_files_are_listed_and_the_rest_imported(qtbot, page: ShootPage, photos: list[Path],
                                                    tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo at all")
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box))
    with qtbot.waitSignal(page.import_finished, timeout=60_000) as finished:
        page.import_paths([*photos[:3], broken])
    assert len(finished.args[0].imported) == 3
    assert shown and "broken.jpg" in shown[0].detailedText()
    assert "1 file could not be imported" in shown[0].informativeText()


def test_a_second_import_waits_for_the_first(qtbot, page: ShootPage, photos: list[Path], monkeypatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    with qtbot.waitSignal(page.import_finished, timeout=60_000):
        page.import_paths(photos[:4])
        page.import_paths(photos[4:])
    assert told and "Importing is under way" in told[0]


def test_the_real_importer_adds_photos_to_the_library_and_the_grid(qtbot, opened_demo, photos: list[Path]) -> None:
    db, thumbs, root = opened_demo
    shoot = ShootPage(db, thumbs)  # the page's own import job: lookbook.photos.importer.import_photos
    db.library_changed.connect(shoot.on_library_changed)  # as the main window wires every page
    qtbot.addWidget(shoot)
    shoot.show()
    with qtbot.waitSignal(shoot.badge_changed, timeout=20_000):
        shoot.reload()
    before = shoot.model.rowCount()
    with qtbot.waitSignal(shoot.import_finished, timeout=60_000) as finished:
        shoot.import_paths(photos[:3])
    report = finished.args[0]
    assert len(report.imported) == 3 and not report.cancelled and report.problems == []
    qtbot.waitUntil(lambda: shoot.model.rowCount() == before + 3, timeout=30_000)
    import sqlite3

    with sqlite3.connect(root / "library.db") as conn:
        names = {r[0] for r in conn.execute("SELECT original_name FROM photos WHERE garment_box IS NOT NULL")}
    assert {p.name for p in photos[:3]} <= names
    shoot.cleanup()
