"""Start the desktop app: choose the library, build the runners and the main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from lookbook.hooks import Hooks
from lookbook.progress import Progress
from lookbook.store.library import Library, default_demo_path, default_library_path
from ui.main_window import MainWindow, window_icon
from ui.theme import Theme
from ui.workers import StoreRunner, TaskRunner


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lookbook-studio", description="The Lookbook Studio desktop app.")
    parser.add_argument("--library", "-L", metavar="DIR", help="open this library folder")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo library (built first if it does not exist yet)")
    return parser.parse_args(argv)


class App:
    """Owns the runners and the window; ``main.py`` builds it and passes everything in."""

    def __init__(self, theme: Theme | None = None) -> None:
        self.hooks = Hooks()
        self.db = StoreRunner(self.hooks)
        self.thumbs = TaskRunner("lookbook-thumbs")
        self.window = MainWindow(self.db, self.thumbs, theme=theme)
        self.window.setWindowIcon(window_icon())

    def open(self, root: Path) -> None:
        self.window.open_library(root)

    def open_demo(self, root: Path) -> None:
        """Open the demo library at ``root``, building it first (with progress) if needed."""
        open_demo(self.window, root)

    def offer_start(self, root: Path) -> None:
        """No library at ``root``: offer the demo, a new library there, or another folder."""
        box = QMessageBox(self.window)
        box.setWindowTitle("Welcome to Lookbook Studio")
        box.setText(f"There is no library at {root} yet.")
        box.setInformativeText("Start with the demo library (real photos, an invented catalog and customers), "
                               "create an empty library there, or open another folder.")
        demo = box.addButton("Open the Demo Library", QMessageBox.ButtonRole.AcceptRole)
        new = box.addButton("Create an Empty Library", QMessageBox.ButtonRole.ActionRole)
        other = box.addButton("Open Another…", QMessageBox.ButtonRole.ActionRole)
        box.exec()
        clicked = box.clickedButton()
        if clicked is demo:
            self.open_demo(default_demo_path())
        elif clicked is new:
            self.db.submit(_create, root, on_done=lambda _r: self.open(root), on_failure=self.window.show_error)
        elif clicked is other:
            self.window.open_library_dialog()

    def shutdown(self) -> None:
        self.thumbs.shutdown()
        self.db.shutdown()


def open_demo(window: MainWindow, root: Path) -> None:
    """Open the demo library at ``root`` in ``window``, building it first (with progress) if needed."""
    if Library(root).exists():
        window.open_library(root)
        return
    dialog = QProgressDialog("Building the demo library…", "", 0, 4, window)
    dialog.setWindowTitle("Lookbook Studio")
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)

    def progress(step: Progress) -> None:
        dialog.setMaximum(step.total)
        dialog.setValue(step.done)
        dialog.setLabelText(step.message)

    def done(_result: object) -> None:
        dialog.close()
        window.open_library(root)

    def failed(exc: BaseException) -> None:
        dialog.close()
        window.show_error(exc)

    from lookbook.demo import build_demo  # the photo pipeline (OpenCV, numpy) loads only to build the demo

    window.db.submit(build_demo, root, on_progress=progress, on_done=done, on_failure=failed)


def start_library(args: argparse.Namespace) -> Path:
    """Return the library to open: ``--library``, else the one open last time, else the default place."""
    if args.library:
        return Path(args.library).expanduser()
    last = QSettings().value("main/last_library", "", type=str)
    if isinstance(last, str) and last and Library(Path(last)).exists():
        return Path(last)
    return default_library_path()


def _create(root: Path) -> None:
    from lookbook.store.database import create_store

    create_store(root).close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; return its exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    QCoreApplication.setOrganizationName("Lookbook Studio")
    QCoreApplication.setApplicationName("Lookbook Studio")
    qt_app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qt_app, QApplication)  # the app's own, or a test's: always a widget application
    theme = Theme(qt_app)
    app = App(theme)
    app.window.show()
    if args.demo:
        app.open_demo(Path(args.library).expanduser() if args.library else default_demo_path())
    else:
        root = start_library(args)
        if Library(root.absolute()).exists():
            app.open(root)
        else:
            app.offer_start(root)
    status = qt_app.exec()
    app.shutdown()
    return status
