"""The Shoot page: import photos, find the ones to review, fix a garment box by dragging, see the render.

Everything slow runs off the UI thread: imports and database work on the DB runner (the
import is a core generator; its progress drives the bar and Cancel stops it), thumbnails
on the thumbnail runner, and decoding and rendering one photo on this page's render
runner. Box and preset edits go on the window's undo stack.
"""

from __future__ import annotations

import getpass
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QImage,
    QImageIOHandler,
    QImageReader,
    QKeySequence,
    QPalette,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from lookbook.hooks import Changes
from lookbook.listings import PhotoRow, list_photos
from lookbook.photos.details import detail_kinds, file_kind
from lookbook.photos.preset_library import PresetChange, save_preset
from lookbook.photos.presets import Preset
from lookbook.photos.recipes import (
    Box,
    PhotoDetail,
    RenderStep,
    iter_render,
    mark_reviewed,
    pending_render_ids,
    pending_renders,
    photo_detail,
    preset_named,
    presets,
    recipe_key,
    record_render,
    render_paths,
    render_photo,
    set_box,
    set_neutral,
    set_preset,
)
from lookbook.store.database import Store
from lookbook.store.library import SUPPORTED_SUFFIXES, Library
from lookbook.words import plural
from ui.compare_dialog import CompareDialog
from ui.pages.base import Page
from ui.signin import Session
from ui.theme import palette_icon
from ui.undo import ValueCommand
from ui.widgets.photo_detail import PhotoDetailPanel
from ui.widgets.photo_grid import THUMB, PhotoFilter, PhotoGridModel, PhotoGridView
from ui.widgets.thumbnail_loader import ThumbnailLoader
from ui.workers import StoreRunner, TaskRunner

if TYPE_CHECKING:
    from lookbook.photos.importer import ImportReport, PhotoProgress
    from ui.preset_editor import PresetEditor

#: Long side of the picture the box editor shows; enough for a sharp 1,000-pixel-high panel.
PREVIEW_SIDE = 1400
IMAGE_FILTER = "Photos ({})".format(" ".join(f"*{s}" for s in sorted(SUPPORTED_SUFFIXES)))


def load_preview(path: Path, side: int = PREVIEW_SIDE) -> tuple[QImage, QSize]:
    """Decode an original upright and reduced (runs on a worker); return it and the upright full size.

    :raises OSError: if the file cannot be decoded.
    """
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # EXIF orientation, as the core's boxes are in upright pixels
    size = reader.size()
    if not size.isValid():
        raise OSError(f"{path}: {reader.errorString()}")
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        size = size.transposed()
    reader.setScaledSize(reader.size().scaled(QSize(side, side), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise OSError(f"{path}: {reader.errorString()}")
    return image, size


def load_renders(paths: dict[str, Path]) -> dict[str, QImage]:
    """Decode rendered files (runs on a worker)."""
    return {kind: QImage(str(path)) for kind, path in paths.items()}


class ShootPage(Page):
    """Imported photos, their garment boxes and renders."""

    title = "Shoot"
    watches = ("photos", "products")
    #: The core's import generator, run on the DB runner as ``job(store, paths, actor, cancel)``.
    import_job = staticmethod(lambda store, paths, actor, cancel: _import(store, paths, actor, cancel))
    #: An operation failed; the window shows it as a dialog.
    failed = Signal(object)
    #: An import finished (with the core's report) or was cancelled (with ``None``).
    import_finished = Signal(object)
    #: A "render every pending photo" batch ended: (photos rendered, problems).
    render_all_finished = Signal(int, list)
    #: A "render every pending photo" batch got on: (photos done, photos in the batch).
    render_progress = Signal(int, int)
    #: Renders of the photo in the detail panel were shown (its id).
    render_shown = Signal(int)
    #: A photo's detail was shown (its id).
    detail_shown = Signal(int)

    def __init__(self, db: StoreRunner, thumbs: TaskRunner, undo_stack: QUndoStack | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self.actor = getpass.getuser()
        self.library: Library | None = None
        self.renderer = TaskRunner("lookbook-render")
        self.thumbs = thumbs  # pictures are decoded there (the grid's thumbnails, the before/after dialog)
        self._detail_generation = 0
        self._cancel: threading.Event | None = None
        self._job = "Importing"
        self._render_problems: list[str] = []
        self._rendered_count = 0
        self._preset: Preset | None = None
        #: Who is signed in (set by the main window); decides whether presets may be changed here.
        self.session: Session | None = None
        self.preset_editor: PresetEditor | None = None
        # A preset changed while a batch was running: check every photo again when it ends.
        self._render_again = False
        #: Render photos made stale by a change (a tie by hand on any page, a preset) on its own, as "Check All
        #: Photos" does: until then a card, a draft or a sent message would carry the stale hero.
        self.auto_render = True
        # The stale photos the page last knew of (None: none known yet, e.g. a library just opened, whose stale
        # renders, say from a newer renderer, wait for Check All Photos); only photos newly stale start a batch.
        self._known_stale: set[int] | None = None
        # Photos the detail panel renders itself (the one shown, after an edit of its box, preset or white point).
        self._panel_rendering: set[int] = set()
        # The photos the running batch renders (a change it covers starts no second batch after it).
        self._batch_photos: set[int] = set()
        self._reload_timer = QTimer(self, singleShot=True, interval=250)
        self._reload_timer.timeout.connect(self.reload)
        self._build_actions()

        self.summary = QLabel()
        self._stale = 0  # photos whose renders are older than their recipe
        self.summary.setObjectName("pageSummary")
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self._build_toolbar())
        self.layout_.addWidget(self._build_import_bar())

        self.loader = ThumbnailLoader(thumbs, THUMB, self)
        self.model = PhotoGridModel(self.loader, self)
        self.view = PhotoGridView()
        self.view.setModel(self.model)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.panel = PhotoDetailPanel()
        self.panel.editor.box_edited.connect(self._box_edited)
        self.panel.preset_chosen.connect(self._preset_chosen)
        self.panel.reset_box.connect(self._reset_box)
        self.panel.editor.point_picked.connect(self._neutral_picked)
        self.panel.clear_neutral.connect(self._clear_neutral)
        self.panel.mark_reviewed.connect(self.mark_current_reviewed)
        self.panel.edit_presets.connect(self.open_presets)
        self.panel.compare.connect(self.compare_current)
        # On a short screen the panel scrolls instead of squeezing its parts on top of each other.
        self.panel_scroll = QScrollArea()
        self.panel_scroll.setWidget(self.panel)
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.panel_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Never narrower than the panel itself: the splitter would cut its right edge off.
        self.panel_scroll.setMinimumWidth(self.panel.minimumSizeHint().width()
                                          + self.panel_scroll.verticalScrollBar().sizeHint().width())
        self.splitter = QSplitter()
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.panel_scroll)
        self.splitter.setCollapsible(1, False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([620, 420])
        self.empty = QLabel("<h3>No photos yet</h3>Drag photos or folders onto this window, "
                            "or use <b>Import Photos…</b> (Ctrl+I).")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.body = QStackedWidget()
        self.body.addWidget(self.splitter)
        self.body.addWidget(self.empty)
        self.layout_.addWidget(self.body, 1)
        self.setTabOrder(self.search, self.view)
        self.setTabOrder(self.view, self.panel.editor)

    # -- actions and toolbar -------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, slot: Any, shortcut: str | QKeySequence | QKeySequence.StandardKey | None,
                   tip: str) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.setToolTip(f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
                         if shortcut else tip)
            a.setStatusTip(tip)
            a.triggered.connect(slot)
            return a

        self.import_files_action = action("&Import Photos…", self.import_files_dialog, "Ctrl+I",
                                          "Import photo files into the library")
        self.import_folder_action = action("Import &Folder…", self.import_folder_dialog, "Ctrl+Shift+I",
                                           "Import every photo in a folder and its sub-folders")
        self.review_action = action("Show Photos to &Review", lambda: self.set_filter(PhotoFilter.REVIEW),
                                    "Ctrl+Shift+R",
                                    "Show only the photos whose garment box or colour the app is unsure of")
        self.all_action = action("Show &All Photos", lambda: self.set_filter(PhotoFilter.ALL), "Ctrl+Shift+A",
                                 "Show every photo")
        self.untied_action = action("Show Photos &Not Tied to a Product",
                                    lambda: self.set_filter(PhotoFilter.UNASSIGNED), None,
                                    "Show the photos no product is tied to yet")
        self.render_all_action = action("&Check All Photos", self.render_pending, "Ctrl+Shift+K",
                                        "Find the garment in every photo not checked yet and render it, "
                                        "flagging the ones to review")
        self.reviewed_action = action("Mark Box as &Right", self.mark_current_reviewed, "Ctrl+Return",
                                      "The detected box fits: clear the review flag")
        self.find_action = action("&Find Photo", lambda: self.search.setFocus(), QKeySequence.StandardKey.Find,
                                  "Find photos by file name or SKU")
        self.presets_action = action("Style &Presets…", self.open_presets, "Ctrl+Shift+P",
                                     "Edit the style presets: aspect, margin, background, sizes, caption")
        self.presets_action.setIconText("Style Presets")
        self.renders_action = action("Show Ren&ders", self.model_show_renders, "Ctrl+Shift+D",
                                     "Show each photo's render (cropped and cleaned) where it has one; off: the "
                                     "originals as shot")
        self.renders_action.setCheckable(True)
        for a in (self.review_action, self.all_action, self.reviewed_action, self.find_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(a)

    #: The open before/after dialog (the last one opened), for tests.
    compare_dialog: CompareDialog | None = None

    def compare_current(self) -> None:
        """Show the photo in the detail panel before (original) and after (hero render) at 100 %."""
        detail = self.panel.detail
        if detail is None:
            return

        def paths(store: Store) -> tuple[Path, Path | None]:
            return store.library.root / detail.stored_path, render_paths(store.library, detail.sha256).get("hero")

        def show(found: tuple[Path, Path | None]) -> None:
            dialog = CompareDialog(self.thumbs, found[0], found[1], detail.name, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.compare_dialog = dialog
            dialog.open()

        self.db.run(paths, on_done=show, on_failure=self._compare_failed)

    def _compare_failed(self, exc: BaseException) -> None:
        self.panel.render_status.setText(str(exc))

    def model_show_renders(self, on: bool) -> None:
        """Show the grid's renders or originals (the toolbar's toggle)."""
        self.model.show_renders(bool(on))

    def view_actions(self) -> list[QAction]:
        """Return the actions for the window's View menu."""
        return [self.all_action, self.review_action, self.untied_action, self.reviewed_action, self.find_action,
                self.render_all_action, self.renders_action]

    def _build_toolbar(self) -> QToolBar:
        bar = QToolBar("Shoot")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(18, 18))
        bar.addAction(self.import_files_action)
        bar.addAction(self.import_folder_action)
        bar.addAction(self.render_all_action)
        bar.addAction(self.presets_action)
        bar.addAction(self.renders_action)
        bar.addSeparator()
        self.filter_box = QComboBox()
        self.filter_box.setAccessibleName("Which photos to show")
        self.filter_box.setToolTip("Which photos to show")
        for which in PhotoFilter:
            self.filter_box.addItem(which.value, which)
        self.filter_box.currentIndexChanged.connect(
            lambda _i: self.set_filter(self.filter_box.currentData()))
        bar.addWidget(self.filter_box)
        self.search: QLineEdit = QLineEdit()
        self.search.setPlaceholderText("Find by file name or SKU")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(260)
        self.search.setAccessibleName("Find photos")
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(lambda: self.set_filter(self.model.filter))
        self.search.textChanged.connect(self._search_timer.start)
        bar.addWidget(self.search)
        return bar

    def _build_import_bar(self) -> QWidget:
        self.import_bar = QWidget()
        row = QHBoxLayout(self.import_bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.import_label = QLabel()
        # Wide enough for a step and a name cut to 220 px, so the bar beside it never clips the text.
        step_width = self.import_label.fontMetrics().horizontalAdvance("Checking 9,999 of 9,999 — ")
        self.import_label.setMinimumWidth(step_width + 230)
        self.import_progress = QProgressBar()
        self.import_progress.setAccessibleName("Import progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the import; photos already imported are kept (Esc)")
        self.cancel_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_button.clicked.connect(self.cancel_import)
        row.addWidget(self.import_label)
        row.addWidget(self.import_progress, 1)
        row.addWidget(self.cancel_button)
        self.import_bar.hide()
        return self.import_bar

    def tint_icons(self, palette: QPalette) -> None:
        """Re-draw the toolbar icons in the palette's colours."""
        self.render_all_action.setIcon(palette_icon("review", palette, 18))
        self.import_files_action.setIcon(palette_icon("import", palette, 18))
        self.import_folder_action.setIcon(palette_icon("import", palette, 18))
        self.presets_action.setIcon(palette_icon("presets", palette, 18))

    # -- the grid ------------------------------------------------------------------
    def on_library_changed(self, changes: Changes) -> None:
        # A batch (an import, "Check All Photos") changes photos many times a second: reload the
        # grid once things settle, not once per photo.
        if any(getattr(changes, name) for name in self.watches):
            self._reload_timer.start()
        if changes.settings:
            self._load_presets()  # a preset was added, renamed, deleted or made the default

    def reload(self) -> None:
        self.db.run(lambda store: (store.library, list_photos(store), pending_render_ids(store)),
                    on_done=self._show)

    def _show(self, result: tuple[Library, list[PhotoRow], list[int]]) -> None:
        library, rows, stale = result
        self._stale = len(stale)
        if library != self.library:
            self.library = library
            self._known_stale = None
            self.panel.show_detail(None)
            self._load_presets()
        current = self.view.currentIndex()
        current_row = current.row() if current.isValid() else -1
        current_id = self.model.photo(current_row).id if current.isValid() else None
        if self.model.set_photos(library, rows) and current_id is not None:
            # The shown rows changed (a photo left the review filter): keep the same photo, or
            # move to the one that took its place, so a reviewer goes on down the list.
            row = self.model.row_of(current_id)
            if row is None:
                row = min(current_row, self.model.rowCount() - 1)
            if row >= 0:
                self.view.selectionModel().setCurrentIndex(
                    self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.body.setCurrentWidget(self.empty if not rows else self.splitter)
        if not self.view.currentIndex().isValid() and self.model.rowCount():
            # Start with a photo in the detail panel rather than an empty one.
            self.view.setCurrentIndex(self.model.index(0))
        self._render_newly_stale(set(stale))  # first: a batch it starts keeps "to render" out of the summary
        self._update_summary()

    def _render_newly_stale(self, stale: set[int]) -> None:
        """Start the "Check All Photos" batch when photos became stale since the page last looked (a tie by hand
        to a hat, shoes or a bottom, a preset changed), unless one runs (then it starts again when that ends)."""
        known, self._known_stale = self._known_stale, stale
        if known is None or (self.importing() and self._job == "Importing"):
            return  # the import renders what it brings in; what it leaves stale is counted, not started
        if self.auto_render and stale - known - self._panel_rendering - self._batch_photos:
            if self.importing():
                self._render_again = True  # a batch runs: check again when it ends
            else:
                self.render_pending()

    def _update_summary(self) -> None:
        total = self.model.total()
        review = self.model.count(PhotoFilter.REVIEW)
        untied = self.model.count(PhotoFilter.UNASSIGNED)
        parts = [f"{total:,} photos"]
        if untied:
            parts.append(f"{untied:,} not tied to a product")
        parts.append(f"{review:,} to review" if review else "none to review")
        if self._stale and not self.importing():
            # Renders older than their recipe: a preset edited elsewhere, or a newer renderer.
            parts.append(f"{self._stale:,} to render (Check All Photos)")
        shown = self.model.rowCount()
        if shown != total:
            parts.append(f"showing {shown:,}")
        self.summary.setText(" · ".join(parts))
        self.badge_changed.emit(f"{review} to review" if review else "")

    def set_filter(self, which: PhotoFilter) -> None:
        """Show the photos ``which`` accepts (and that match the search text)."""
        index = self.filter_box.findData(which)
        if index != self.filter_box.currentIndex():
            self.filter_box.setCurrentIndex(index)  # comes back here through the combo's signal
            return
        self.model.set_filter(which, self.search.text())
        self._update_summary()
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0))

    # -- import --------------------------------------------------------------------
    def import_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import Photos", "", f"{IMAGE_FILTER};;All files (*)")
        if files:
            self.import_paths([Path(f) for f in files])

    def import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a Folder of Photos")
        if folder:
            self.import_paths([Path(folder)])

    def importing(self) -> bool:
        """Return whether an import is running."""
        return self._cancel is not None

    def import_paths(self, paths: Sequence[Path]) -> None:
        """Import files and folders (recursively) on the DB runner, with progress and Cancel."""
        if self.library is None:
            self.failed.emit(_no_library())
            return
        if self.importing():
            QMessageBox.information(self, "Import", f"{self._job} is under way. Wait for it to finish, or "
                                                    "cancel it first.")
            return
        cancel = threading.Event()
        self._cancel = cancel
        self.import_bar.show()
        self.import_progress.setRange(0, 0)
        self.import_label.setText("Looking for photos…")
        self.cancel_button.setEnabled(True)
        self._set_job_actions(False)
        self._job = "Importing"
        # The job gets the event and stops itself: it finishes the photos in hand and returns its report,
        # marked cancelled, so the summary counts what stayed. The runner is not given it: closing the
        # generator at a step would lose that report ("the 0 photos imported before stay" after two).
        self.db.run(self.import_job, list(paths), self.actor, cancel,
                    on_progress=self._import_progress,
                    on_done=self._import_done, on_failure=self._import_failed)

    def cancel_import(self) -> None:
        """Stop the running import after the photo in hand; what was imported stays."""
        if self._cancel is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.import_label.setText("Cancelling…")

    def _import_progress(self, step: Any) -> None:
        if self._cancel is None or self._cancel.is_set():
            return
        done, total = int(getattr(step, "done", 0)), int(getattr(step, "total", 0))
        self.import_progress.setRange(0, max(total, 1))
        self.import_progress.setValue(done)
        current = getattr(step, "current", None)
        name = Path(current).name if current else ""
        # The import's last stage renders shots it tied to a hat, shoes or a bottom again, with their cleanup.
        job = "Rendering again for the product" if getattr(step, "stage", "") == "rendering" else self._job
        # A long file name is cut in its middle, so its start and its extension both stay readable.
        name = self.import_label.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, 220)
        self.import_label.setText(f"{job} {done:,} of {total:,}" + (f" — {name}" if name else ""))

    def _set_job_actions(self, enabled: bool) -> None:
        for action in (self.import_files_action, self.import_folder_action, self.render_all_action):
            action.setEnabled(enabled)

    def _import_finished(self) -> None:
        self._cancel = None
        self.import_bar.hide()
        self._set_job_actions(True)

    def _import_done(self, report: Any) -> None:
        self._import_finished()
        self.import_finished.emit(report)
        self._start_again()
        if report is None or getattr(report, "cancelled", False):
            kept = len(getattr(report, "imported", None) or [])
            self.summary.setText(f"Import cancelled; the {plural(kept, 'photo')} imported before "
                                 f"{'stays' if kept == 1 else 'stay'} in the library.")
            return
        problems = list(getattr(report, "problems", []) or [])
        text = report.summary() if hasattr(report, "summary") else "Import finished."
        if problems:
            box = QMessageBox(QMessageBox.Icon.Warning, "Import", text, parent=self)
            box.setInformativeText(f"{plural(len(problems), 'file')} could not be imported; the rest were. "
                                   "See the details for each file and the reason.")
            box.setDetailedText("\n".join(str(p) for p in problems))
            box.open()

    def render_pending(self) -> bool:
        """Find the garment in and render every photo whose render is missing or stale (with progress).

        Return whether the batch started: not while an import or another batch runs (a batch
        asked for then starts when that one ends).
        """
        if self.library is None:
            self.failed.emit(_no_library())
            return False
        if self.importing():
            self._render_again = True
            return False
        cancel = threading.Event()
        self._cancel = cancel
        self._job = "Checking"
        self._render_problems = []
        self._rendered_count = 0
        self.import_bar.show()
        self.import_progress.setRange(0, 0)
        self.import_label.setText("Looking for photos to check…")
        self.cancel_button.setEnabled(True)
        self._set_job_actions(False)
        library = self.library

        def start(pending: list) -> None:
            self._batch_photos = {detail.id for detail, _preset in pending}
            if cancel.is_set() or not pending:
                self._render_all_done(None)
                return
            self.render_progress.emit(0, len(pending))
            self.renderer.submit(iter_render, library, pending, cancel, cancel=cancel,
                                 on_progress=self._render_step, on_done=self._render_all_done,
                                 on_cancelled=self._render_all_done, on_failure=self._import_failed)

        self.db.run(pending_renders, on_done=start, on_failure=self._import_failed)
        return True

    def _render_step(self, step: RenderStep) -> None:
        self._import_progress(step)
        self.render_progress.emit(step.done, step.total)
        if step.result is None:
            self._render_problems.append(step.error or f"photo {step.photo_id}: could not be rendered")
            return
        self._rendered_count += 1
        self.db.run(record_render, step.photo_id, step.result, step.key, self.actor, on_failure=self.failed.emit)

    def _render_all_done(self, _result: object) -> None:
        self._batch_photos = set()
        cancelled = self._cancel is not None and self._cancel.is_set()
        self._import_finished()
        done, problems = self._rendered_count, list(self._render_problems)
        # The last records are queued on the DB runner; this runs after them, then the grid reloads.
        self.db.run(lambda store: None, on_done=lambda _r: self._render_all_recorded(done, problems))
        note = " (cancelled)" if cancelled else ""
        self.summary.setText(f"Checked {plural(done, 'photo')}{note}" + (f"; {len(problems)} could not be read"
                                                                        if problems else "") + ".")
        if cancelled:
            self._render_again = False
        self._start_again()

    def _render_all_recorded(self, done: int, problems: list[str]) -> None:
        self.reload()
        current = self.current_photo_id()
        if current is not None and done:
            self._recipe_saved(current)  # show the photo's new renders in the detail panel
        self.render_all_finished.emit(done, problems)

    def _start_again(self) -> None:
        if self._render_again and not self.importing():
            self._render_again = False
            self.render_pending()

    def _import_failed(self, exc: BaseException) -> None:
        self._import_finished()
        self.import_finished.emit(None)
        self.failed.emit(exc)

    # -- style presets -------------------------------------------------------------
    def open_presets(self) -> PresetEditor | None:
        """Show the Style Presets dialog, previewing the photo in the detail panel."""
        if self.library is None:
            self.failed.emit(_no_library())
            return None
        if self.preset_editor is None:
            from ui.preset_editor import PresetEditor  # loads with its first opening, not with the window

            self.preset_editor = PresetEditor(self.db, self.store_preset, self._preset_stored, lambda: self.actor,
                                              self.undo_stack, on_later_failure=self.failed.emit, parent=self)
            self.preset_editor.cancel_render.connect(self.cancel_import)
            self.render_progress.connect(self.preset_editor.show_render_progress)
            self.render_all_finished.connect(self.preset_editor.render_finished)
            if self.session is not None:
                self.session.changed.connect(self.preset_editor.set_user)
        user = self.session.user if self.session is not None else None
        shown = self._preset.name if self._preset is not None and self.panel.detail is not None else None
        self.preset_editor.open_for(self.current_photo_id(), user, shown)
        return self.preset_editor

    def store_preset(self, preset_id: int, preset: Preset, expected: Preset,
                     on_done: Any = None, on_failure: Any = None) -> None:
        """Store a preset's settings (on the DB runner) if it still holds ``expected``; re-render its photos.

        The undo stack's preset edits call this for redo and undo alike.
        """
        actor = self.actor

        def done(change: PresetChange) -> None:
            self._preset_stored(change)
            if on_done is not None:
                on_done(change)

        self.db.run(lambda store: save_preset(store, preset_id, preset, actor, expected=expected),
                    on_done=done, on_failure=on_failure or self.failed.emit)

    def _preset_stored(self, change: PresetChange) -> None:
        """A preset changed: render the photos it made stale, as "Check All Photos" does."""
        self._load_presets()
        if change.rerender:
            self.render_pending()
        elif (photo_id := self.current_photo_id()) is not None:
            self._recipe_saved(photo_id)  # e.g. a rename: the combo shows the new name

    # -- the detail panel ----------------------------------------------------------
    def _load_presets(self) -> None:
        self.db.run(lambda store: [p.name for p in presets(store)], on_done=self.panel.set_presets)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._detail_generation += 1
        if not current.isValid():
            self.panel.show_detail(None)
            return
        self._load_detail(self.model.photo(current.row()).id)

    def current_photo_id(self) -> int | None:
        """Return the id of the photo in the detail panel."""
        return self.panel.detail.id if self.panel.detail is not None else None

    def _load_detail(self, photo_id: int, preview: bool = True) -> None:
        generation = self._detail_generation

        def read(store: Store) -> tuple[PhotoDetail, Preset]:
            detail = photo_detail(store, photo_id)
            return detail, preset_named(store, detail.preset)

        def loaded(result: tuple[PhotoDetail, Preset]) -> None:
            detail, preset = result
            self._detail_loaded(generation, detail, preset, preview=preview)

        self.db.run(read, on_done=loaded, on_failure=self.failed.emit)

    def _detail_loaded(self, generation: int, detail: PhotoDetail, preset: Preset, preview: bool) -> None:
        if generation != self._detail_generation or self.library is None:
            return  # the user has moved on to another photo
        self.panel.show_detail(detail)
        self._preset = preset
        library = self.library
        if preview:
            self.renderer.submit(load_preview, detail.original(library),
                                 on_done=lambda r: self._preview_loaded(generation, detail, r),
                                 on_failure=lambda exc: self._preview_failed(generation, exc))
        else:
            self.panel.editor.set_box(detail.effective_box)
        key = recipe_key(detail, preset)
        if detail.rendered_recipe == key and detail.detected_box is not None:
            self._panel_rendering.discard(detail.id)
            self.renderer.submit(lambda: load_renders(render_paths(library, detail.sha256)),
                                 on_done=lambda images: self._renders_loaded(generation, detail.id, images))
        else:
            self.panel.render_status.setText("Rendering…")
            self._panel_rendering.add(detail.id)
            self.renderer.submit(_render, library, detail, preset,
                                 on_done=lambda r: self._rendered(generation, detail, key, r),
                                 on_failure=lambda exc: self._render_failed(generation, exc, detail.id))
        self.detail_shown.emit(detail.id)

    def _preview_loaded(self, generation: int, detail: PhotoDetail, result: tuple[QImage, QSize]) -> None:
        if generation == self._detail_generation:
            image, size = result
            self.panel.editor.set_photo(image, size, detail.effective_box)

    def _preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._detail_generation:
            self.panel.editor.clear()
            self.panel.status.setText(f"This photo cannot be shown ({exc}). Re-import it from its original file.")

    def _rendered(self, generation: int, detail: PhotoDetail, key: str, result: tuple[Any, dict[str, QImage]]
                  ) -> None:
        photo_result, images = result
        first_detection = detail.detected_box is None and detail.box is None
        def recorded(_changes: object) -> None:
            self._panel_rendering.discard(detail.id)
            if first_detection:
                self._recipe_saved(detail.id)

        self.db.run(record_render, detail.id, photo_result, key, self.actor, on_failure=self.failed.emit,
                    on_done=recorded)
        if generation != self._detail_generation:
            return
        if detail.effective_box is None:
            # First detection of this photo: show the box that was found.
            self.panel.editor.set_box(tuple(photo_result.garment_box))
        self._renders_loaded(generation, detail.id, images)

    def _renders_loaded(self, generation: int, photo_id: int, images: dict[str, QImage]) -> None:
        if generation != self._detail_generation:
            return
        hero = images.get("hero")
        if hero is None or hero.isNull():
            self.panel.hero.clear_preview("none")
        else:
            self.panel.hero.show_image(hero)
        # Every kind is rendered; which show follows the product's category and the preset.
        detail, preset = self.panel.detail, self._preset
        category = detail.category if detail is not None and detail.id == photo_id else None
        wanted = detail_kinds(category, preset.details if preset is not None else "auto")
        made = [(kind, images[file_kind(kind, category)]) for kind in wanted
                if file_kind(kind, category) in images and not images[file_kind(kind, category)].isNull()]
        for i, preview in enumerate(self.panel.details):
            if i < len(made):
                preview.set_caption(f"{made[i][0].capitalize()} detail")
                preview.show_image(made[i][1])
            else:
                preview.set_caption("No detail")
                preview.clear_preview("none")
        names = " and ".join(kind for kind, _ in made)
        picked = " White balance from the point you picked (the ring)." if detail and detail.neutral else ""
        self.panel.render_status.setText(f"Hero shot{', ' + names if names else ''} as customers will see them."
                                         + ("" if made else " Details follow the product's category: shoes, hats "
                                            "and photos not tied to a product get none.") + picked)
        self.render_shown.emit(photo_id)

    def _render_failed(self, generation: int, exc: BaseException, photo_id: int | None = None) -> None:
        if photo_id is not None:
            self._panel_rendering.discard(photo_id)
        if generation == self._detail_generation:
            self.panel.render_status.setText(f"Could not render this photo: {exc}")

    # -- edits (undoable) ----------------------------------------------------------
    def _box_edited(self, _old: Box, new: Box) -> None:
        detail = self.panel.detail
        if detail is None:
            return
        size = self.panel.editor.photo_size()
        pid = detail.id
        self.undo_stack.push(ValueCommand(
            "Move Garment Box", lambda box: self._save_box(pid, box, size), detail.box, new, key=pid))

    def _reset_box(self) -> None:
        detail = self.panel.detail
        if detail is not None and detail.box is not None:
            pid = detail.id
            self.undo_stack.push(ValueCommand(
                "Use Detected Box", lambda box: self._save_box(pid, box, None), detail.box, None, key=pid))

    def _preset_chosen(self, name: str) -> None:
        detail = self.panel.detail
        if detail is None or name == (detail.preset or (self._preset.name if self._preset else None)):
            return
        pid = detail.id
        self.undo_stack.push(ValueCommand(
            "Change Preset", lambda preset: self._save_preset(pid, preset), detail.preset, name, key=pid))

    def _neutral_picked(self, x: float, y: float) -> None:
        detail = self.panel.detail
        if detail is None:
            return
        pid = detail.id
        self.undo_stack.push(ValueCommand(
            "Set White Point", lambda point: self._save_neutral(pid, point), detail.neutral, (x, y), key=pid))

    def _clear_neutral(self) -> None:
        detail = self.panel.detail
        if detail is not None and detail.neutral is not None:
            pid = detail.id
            self.undo_stack.push(ValueCommand(
                "Clear White Point", lambda point: self._save_neutral(pid, point), detail.neutral, None, key=pid))

    def _save_neutral(self, photo_id: int, point: tuple[float, float] | None) -> None:
        self._panel_will_render(photo_id)
        self.db.run(set_neutral, photo_id, point, self.actor, on_done=lambda _c: self._recipe_saved(photo_id),
                    on_failure=lambda exc: self._edit_failed(exc, photo_id))

    def _save_box(self, photo_id: int, box: Box | None, size: tuple[int, int] | None) -> None:
        self._panel_will_render(photo_id)
        self.db.run(set_box, photo_id, box, self.actor, size, on_done=lambda _c: self._recipe_saved(photo_id),
                    on_failure=lambda exc: self._edit_failed(exc, photo_id))

    def _save_preset(self, photo_id: int, preset: str | None) -> None:
        self._panel_will_render(photo_id)
        self.db.run(set_preset, photo_id, preset, self.actor, on_done=lambda _c: self._recipe_saved(photo_id),
                    on_failure=lambda exc: self._edit_failed(exc, photo_id))

    def _panel_will_render(self, photo_id: int) -> None:
        """An edit of the shown photo's recipe: the detail panel renders it when saved, not the batch."""
        if self.current_photo_id() == photo_id:
            self._panel_rendering.add(photo_id)

    def _recipe_saved(self, photo_id: int) -> None:
        if self.current_photo_id() == photo_id:
            self._detail_generation += 1
            self._load_detail(photo_id, preview=False)

    def _edit_failed(self, exc: BaseException, photo_id: int | None = None) -> None:
        if photo_id is not None:
            self._panel_rendering.discard(photo_id)
        self.failed.emit(exc)
        detail = self.panel.detail
        if detail is not None:
            self.panel.editor.set_box(detail.effective_box)  # show what is really stored
            self.panel.editor.set_neutral(detail.neutral)

    def mark_current_reviewed(self) -> None:
        """Clear the review flag of the selected photos (their detected boxes are right)."""
        ids = [self.model.photo(i.row()).id for i in self.view.selectionModel().selectedIndexes()]
        if ids:
            self.db.run(mark_reviewed, ids, self.actor, on_failure=self.failed.emit,
                        on_done=lambda _c: self._recipe_saved(ids[0]) if len(ids) == 1 else None)

    # -- state ---------------------------------------------------------------------
    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("shoot/splitter")
        if state is not None:
            self.splitter.restoreState(state)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("shoot/splitter", self.splitter.saveState())

    def cleanup(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        if self.preset_editor is not None:
            self.preset_editor.cleanup()
        self.renderer.shutdown()


def _no_library() -> Exception:
    from lookbook.errors import LookbookError

    return LookbookError("No library is open. Open one with File ▸ Open Library… before importing photos.")


def _render(library: Library, detail: PhotoDetail, preset: Preset) -> tuple[Any, dict[str, QImage]]:
    """Render one photo and decode its renders (runs on the render runner)."""
    result = render_photo(library, detail, preset)
    return result, load_renders(result.outputs)


def _import(store: Store, paths: list[Path], actor: str,
            cancel: threading.Event) -> Generator[PhotoProgress, None, ImportReport]:
    """Run the core's photo import generator (on the DB runner)."""
    from lookbook.photos.importer import import_photos  # with OpenCV and numpy: loaded with the first import

    return (yield from import_photos(store, paths, actor=actor, cancel=cancel))
