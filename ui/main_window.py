"""The main window: a sidebar for the workflow, one page per step, the library in the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QStyle,
    QWidget,
)

from lookbook.errors import LookbookError
from lookbook.hooks import Changes
from lookbook.library import Library
from lookbook.store import Store, create_store
from ui.pages.base import Page
from ui.pages.customers import CustomersPage
from ui.pages.products import ProductsPage
from ui.pages.settings import SettingsPage
from ui.pages.shoot import ShootPage
from ui.pages.tables import ApprovalsPage, MatchPage, OutboxPage
from ui.workers import StoreRunner, TaskRunner

SIDEBAR_ICONS = {
    "Shoot": QStyle.StandardPixmap.SP_DesktopIcon,
    "Products & Brands": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "Customers": QStyle.StandardPixmap.SP_DirHomeIcon,
    "Match & Compose": QStyle.StandardPixmap.SP_FileDialogContentsView,
    "Approvals": QStyle.StandardPixmap.SP_DialogApplyButton,
    "Outbox": QStyle.StandardPixmap.SP_ArrowForward,
    "Settings": QStyle.StandardPixmap.SP_FileDialogInfoView,
}


class MainWindow(QMainWindow):
    """The app's one main window; it is given its runners, and owns no global state."""

    #: Emitted when the status bar counts were refreshed (for tests and badges).
    counts_shown = Signal(dict)

    def __init__(self, db: StoreRunner, thumbs: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.thumbs = thumbs
        self.setWindowTitle("Lookbook Studio")
        self.setMinimumSize(QSize(960, 600))

        self.pages: list[Page] = [
            ShootPage(db, thumbs), ProductsPage(db), CustomersPage(db), MatchPage(db),
            ApprovalsPage(db), OutboxPage(db), SettingsPage(db),
        ]
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(210)
        self.stack = QStackedWidget()
        for page in self.pages:
            item = QListWidgetItem(self.style().standardIcon(SIDEBAR_ICONS[page.title]), page.title)
            item.setSizeHint(QSize(200, 36))
            self.sidebar.addItem(item)
            self.stack.addWidget(page)
            page.badge_changed.connect(lambda text, item=item, title=page.title:
                                       item.setText(f"{title}  ({text})" if text else title))
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        splitter = QSplitter()
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)

        self.library_label = QLabel()
        self.counts_label = QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.statusBar().addWidget(self.library_label)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.busy)
        self._build_menus()

        db.library_opened.connect(self._on_library_opened)
        db.library_changed.connect(self._on_library_changed)
        db.failed.connect(self.show_error)
        db.busy_changed.connect(self.busy.setVisible)
        self.sidebar.setCurrentRow(0)
        self._restore_state()

    # -- menus ---------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        new = QAction("&New Library…", self, shortcut=QKeySequence.StandardKey.New)
        new.triggered.connect(self.new_library)
        open_ = QAction("&Open Library…", self, shortcut=QKeySequence.StandardKey.Open)
        open_.triggered.connect(self.open_library_dialog)
        quit_ = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        file_menu.addActions([new, open_])
        file_menu.addSeparator()
        file_menu.addAction(quit_)
        go = self.menuBar().addMenu("&Go")
        for row, page in enumerate(self.pages):
            action = QAction(page.title, self, shortcut=QKeySequence(f"Ctrl+{row + 1}"))
            action.triggered.connect(lambda checked=False, row=row: self.sidebar.setCurrentRow(row))
            go.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Lookbook Studio", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, "About Lookbook Studio",
            "<b>Lookbook Studio</b><br>Product shots to personal lookbooks, sent with a manager's approval."))
        help_menu.addAction(about)

    # -- library -------------------------------------------------------------------
    def open_library(self, root: Path) -> None:
        """Open the library at ``root`` (on the DB thread) and show it."""
        self.db.open(root, on_failure=self.show_error)

    def open_library_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a Lookbook library")
        if folder:
            self.open_library(Path(folder))

    def new_library(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose an empty folder for the new library")
        if not folder:
            return

        def make(_store: Store | None = None) -> Path:
            store = create_store(folder)
            store.close()
            return Path(folder)

        self.db.submit(make, on_done=self.open_library, on_failure=self.show_error)

    def _on_library_opened(self, library: Library) -> None:
        self.library_label.setText(f"Library: {library.name}  —  {library.root}")
        self.setWindowTitle(f"{library.name} — Lookbook Studio")
        for page in self.pages:
            page.reload()
        self._refresh_counts()

    def _on_library_changed(self, changes: Changes) -> None:
        for page in self.pages:
            page.on_library_changed(changes)
        self._refresh_counts()

    def _refresh_counts(self) -> None:
        self.db.run(lambda store: store.counts(), on_done=self._show_counts)

    def _show_counts(self, counts: dict[str, int]) -> None:
        self.counts_label.setText(
            f"{counts['photos']} photos · {counts['products']} products in {counts['brands']} brands · "
            f"{counts['customers']:,} customers · {counts['messages']} messages")
        self.counts_shown.emit(counts)

    def show_error(self, exc: BaseException) -> None:
        """Show a failed operation as a readable dialog (never a traceback)."""
        if isinstance(exc, LookbookError):
            QMessageBox.warning(self, "Lookbook Studio", str(exc))
        else:
            QMessageBox.critical(self, "Lookbook Studio",
                                 f"Something went wrong: {type(exc).__name__}: {exc}\n\n"
                                 "Nothing already saved was lost. Try again, and if it happens again, "
                                 "tell your administrator what you were doing.")

    # -- window state --------------------------------------------------------------
    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("main/geometry", self.saveGeometry())
        for page in self.pages:
            page.cleanup()
        super().closeEvent(event)


def window_icon() -> QIcon:
    """Return the app icon from resources."""
    return QIcon(str(Path(__file__).resolve().parent.parent / "resources" / "icons" / "lookbook.svg"))
