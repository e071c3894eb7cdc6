"""Style Presets…: the library's presets, the chosen one's settings, and a live preview of a photo in them.

The list and every change go through the core (:mod:`lookbook.photos.preset_library`) on the DB runner;
the preview is rendered by the core's pipeline on this dialog's own render runner, into a
temporary folder, so the library's renders are never touched until the preset is saved. Saving
is an undoable edit (Edit ▸ Undo); the Shoot page then re-renders the photos that use the preset
with "Check All Photos", whose progress this dialog shows too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeySequence,
    QPainter,
    QPalette,
    QPixmap,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from lookbook.errors import InputError
from lookbook.listings import first_photo_id
from lookbook.photos.preset_library import (
    NAME_MAX,
    PRESET_EDITOR_ROLES,
    PresetChange,
    StoredPreset,
    create_preset,
    delete_preset,
    describe,
    effective_presets,
    list_presets,
    set_default_preset,
)
from lookbook.photos.presets import Preset
from lookbook.photos.recipes import Box, photo_detail
from lookbook.store.database import Store
from lookbook.store.users import User
from ui.undo import PresetEditCommand
from ui.widgets.dialog_size import fit_to_screen
from ui.workers import StoreRunner, TaskRunner

ASPECT_CHOICES = (("4:5", "4:5 portrait"), ("1:1", "1:1 square"), ("9:16", "9:16 story"))
BACKGROUND_CHOICES = (("white", "Clean white"), ("grey", "Neutral grey"), ("keep", "Keep the photo's"))
#: Which detail crops a preset asks for (``Preset.details``): by the product's category, none, or fixed kinds.
DETAIL_CHOICES = (("auto", "By the product's category"), ("none", "None"), ("collar,cuff", "Collar and cuff"),
                  ("neckline,hem", "Neckline and hem"), ("waistband,hem", "Waistband and hem"))
#: The preview's box: room for a 9:16 hero and a 1:1 one without the dialog growing past a laptop screen.
PREVIEW = QSize(250, 330)


@dataclass(frozen=True)
class PreviewPhoto:
    """The photo the preview shows: its original and the box its renders use."""

    photo_id: int
    name: str
    original: Path
    box: Box | None


@dataclass(frozen=True)
class Loaded:
    """What the dialog shows, read on the DB thread in one go."""

    presets: list[StoredPreset]
    photos: dict[int, int]  # preset id -> photos rendered with it
    photo: PreviewPhoto | None


def load(store: Store, photo_id: int | None) -> Loaded:
    """Read the presets, how many photos use each, and the preview photo (on the DB thread)."""
    counts: dict[int, int] = {}
    for preset_id in effective_presets(store).values():
        counts[preset_id] = counts.get(preset_id, 0) + 1
    if photo_id is None:
        photo_id = first_photo_id(store)
    photo = None
    if photo_id is not None:
        try:
            detail = photo_detail(store, photo_id)
        except InputError:
            detail = None
        if detail is not None:
            photo = PreviewPhoto(detail.id, detail.name, detail.original(store.library), detail.box)
    return Loaded(list_presets(store), counts, photo)


def render_preview(photo: PreviewPhoto, preset: Preset) -> QImage:
    """Render the photo's hero with ``preset`` into a temporary folder and decode it (on a render runner).

    :raises LookbookError: if the original cannot be read.
    """
    from lookbook.photos.pipeline import process_one  # OpenCV loads with the first preview, not with the app (issue 18)

    with tempfile.TemporaryDirectory(prefix="lookbook-preview-") as folder:
        result = process_one(photo.original, Path(folder), preset, box=photo.box, stem="preview")
        hero = result.outputs.get("hero")
        image = QImage(str(hero)) if hero is not None else QImage()
    return image


#: Item data: the preset's second line ("default · 12 photos").
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 1


class PresetItemDelegate(QStyledItemDelegate):
    """Draws a preset as its name over a quieter line: whether it is the default and how many photos use it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
              ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        detail = str(index.data(DETAIL_ROLE) or "")
        name = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        quiet = QColor(text_colour) if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        rect = opt.rect.adjusted(8, 4, -8, -4)
        metrics = QFontMetrics(opt.font)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(text_colour)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         metrics.elidedText(name, Qt.TextElideMode.ElideRight, rect.width()))
        small = QFont(opt.font)
        small.setBold(False)
        small.setPointSizeF(max(opt.font.pointSizeF() * 0.9, 7.0))
        painter.setFont(small)
        painter.setPen(quiet)
        second = rect.adjusted(0, metrics.height() + 1, 0, 0)
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         QFontMetrics(small).elidedText(detail, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(160, metrics.height() * 2 + 12)


class PresetEditor(QDialog):
    """The Style Presets dialog.

    :param save: stores a preset's settings undoably, called as
        ``save(preset_id, preset, expected, on_done, on_failure)`` (the Shoot page's
        :meth:`~ui.pages.shoot.ShootPage.store_preset`, which also re-renders the photos using it).
    :param changed: told of every other change made here (new, delete, default), to re-render.
    :param actor: returns who the audit log names for a change.
    """

    #: The presets were (re)loaded and shown.
    presets_shown = Signal()
    #: A preview of the settings in the form was shown.
    preview_shown = Signal()
    #: A change was stored (with the core's :class:`PresetChange`).
    saved = Signal(object)
    #: Stop the re-render that a change started.
    cancel_render = Signal()

    def __init__(self, db: StoreRunner, save: Callable[..., None], changed: Callable[[PresetChange], None],
                 actor: Callable[[], str], undo_stack: QUndoStack | None = None,
                 on_later_failure: Callable[[BaseException], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._save = save
        self._changed = changed
        self._actor = actor
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self._on_later_failure = on_later_failure or (lambda exc: self.problem.setText(str(exc)))
        self.renderer = TaskRunner("lookbook-preview")
        self.presets: list[StoredPreset] = []
        self.counts: dict[int, int] = {}
        self.photo: PreviewPhoto | None = None
        self.photo_id: int | None = None
        self.can_edit = True
        self._select_id: int | None = None
        self._select_name: str | None = None
        self._current: StoredPreset | None = None
        self._filling = False
        self._saving = False
        self._stopped = False
        self._preview_generation = 0
        self._previewed: tuple[PreviewPhoto, Preset] | None = None
        self._preview_timer = QTimer(self, singleShot=True, interval=250)
        self._preview_timer.timeout.connect(self._render_preview)
        self._reload_timer = QTimer(self, singleShot=True, interval=1000)
        self._reload_timer.timeout.connect(lambda: self.reload())
        self.setWindowTitle("Style Presets")
        self.setObjectName("presetEditor")
        self._build()
        self.db.library_changed.connect(self._library_changed)

    # -- building ------------------------------------------------------------------
    def _build(self) -> None:
        # Left: the presets and what can be done to them.
        self.list = QListWidget()
        self.list.setAccessibleName("Style presets")
        self.list.setMinimumWidth(190)
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.list.setItemDelegate(PresetItemDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.currentRowChanged.connect(self._row_changed)
        list_label = QLabel("&Presets")
        list_label.setBuddy(self.list)
        self.new_button = QPushButton("&New…")
        self.new_button.setToolTip("Make a new preset with the built-in settings")
        self.new_button.clicked.connect(self.new_preset)
        self.duplicate_button = QPushButton("D&uplicate…")
        self.duplicate_button.setToolTip("Make a new preset from the settings shown (saved or not)")
        self.duplicate_button.clicked.connect(self.duplicate_preset)
        self.rename_button = QPushButton("&Rename…")
        self.rename_button.setToolTip("Give the preset a new name; photos using it follow (Undo puts it back)")
        self.rename_button.clicked.connect(self.rename_preset)
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setToolTip("Delete the preset; photos using it go to the default preset")
        self.delete_button.clicked.connect(self.delete_preset)
        self.default_button = QPushButton("Make De&fault")
        self.default_button.setToolTip("Photos without a preset of their own are rendered with the default")
        self.default_button.clicked.connect(self.make_default)
        actions = QGridLayout()
        actions.setSpacing(6)
        actions.addWidget(self.new_button, 0, 0)
        actions.addWidget(self.duplicate_button, 0, 1)
        actions.addWidget(self.rename_button, 1, 0)
        actions.addWidget(self.delete_button, 1, 1)
        actions.addWidget(self.default_button, 2, 0, 1, 2)
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(list_label)
        left.addWidget(self.list, 1)
        left.addLayout(actions)

        # Middle: the chosen preset's settings.
        self.heading = QLabel()
        self.heading.setObjectName("presetHeading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.usage = QLabel()
        self.usage.setWordWrap(True)
        # Two lines always, so the form does not jump when another preset's line is shorter.
        self.usage.setMinimumHeight(2 * self.usage.fontMetrics().lineSpacing())
        self.usage.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.aspect = QComboBox()
        for value, label in ASPECT_CHOICES:
            self.aspect.addItem(label, value)
        self.aspect.setToolTip("The hero shot's width to height")
        self.margin = QDoubleSpinBox()
        self.margin.setRange(0.0, 40.0)
        self.margin.setDecimals(1)
        self.margin.setSingleStep(1.0)
        self.margin.setSuffix(" %")
        self.margin.setToolTip("Space around the garment, as a share of the hero's height (0 to 40%)")
        self.margin.setAccessibleName("Margin in percent")
        self.margin_slider = QSlider(Qt.Orientation.Horizontal)
        self.margin_slider.setRange(0, 40)
        self.margin_slider.setAccessibleName("Margin")
        self.margin_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the spin box is the keyboard's way in
        self.margin_slider.valueChanged.connect(self._slider_moved)
        self.margin.valueChanged.connect(self._margin_typed)
        margin_row = QHBoxLayout()
        margin_row.setSpacing(8)
        margin_row.addWidget(self.margin)
        margin_row.addWidget(self.margin_slider, 1)
        self.background = QComboBox()
        for value, label in BACKGROUND_CHOICES:
            self.background.addItem(label, value)
        self.background.setToolTip("A clean white sweep, a neutral grey, or the photo's own background")
        self.exposure = QCheckBox("Even out &exposure")
        self.exposure.setToolTip("Brighten or darken so the background sits at a standard level (lightness only: "
                                 "colours stay as shot)")
        self.white_balance = QCheckBox("Correct &white balance")
        self.white_balance.setToolTip("Remove a colour cast, only where the photo shows what neutral is: a barcode "
                                      "slate beside the garment, or a grey or white background. A white point "
                                      "picked on a photo is always used.")
        self.hero_size = self._pixels("The hero's long side at most; never upscaled past the photo's own detail")
        self.detail_size = self._pixels("The detail crops' side at most")
        self.details = QComboBox()
        for value, label in DETAIL_CHOICES:
            self.details.addItem(label, value)
        self.details.setToolTip("By category: collar and cuff for shirts, long sleeves and outerwear; waistband "
                                "and hem for trousers, shorts and skirts; neckline and hem for dresses and "
                                "T-shirts; none for shoes and hats. A fixed choice applies to every photo.")
        self.thumb_size = self._pixels("The thumbnail's long side")
        self.caption = QLineEdit()
        self.caption.setPlaceholderText("No caption")
        self.caption.setMaxLength(80)
        self.caption.setToolTip("Printed in the bottom margin of the hero shot; leave empty for none")
        self.jpeg_quality = QSpinBox()
        self.jpeg_quality.setRange(1, 100)
        self.jpeg_quality.setToolTip("Higher is sharper and larger files (90 suits messages and print)")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(7)
        form.addRow("&Aspect:", self.aspect)
        margin_label = QLabel("&Margin:")
        margin_label.setBuddy(self.margin)
        form.addRow(margin_label, margin_row)
        form.addRow("Bac&kground:", self.background)
        form.addRow("", self.exposure)
        form.addRow("", self.white_balance)
        form.addRow("&Hero shot:", self.hero_size)
        form.addRow("Deta&ils:", self.details)
        form.addRow("Detai&l crops:", self.detail_size)
        form.addRow("Thum&bnail:", self.thumb_size)
        form.addRow("&Caption:", self.caption)
        form.addRow("JPEG &quality:", self.jpeg_quality)
        self.problem = QLabel()
        self.problem.setObjectName("formProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setAccessibleName("Problem")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        settings = QGroupBox("Settings")
        middle = QVBoxLayout(settings)
        middle.setSpacing(6)
        middle.addWidget(self.heading)
        middle.addWidget(self.usage)
        middle.addWidget(self.note)
        middle.addLayout(form)
        middle.addWidget(self.problem)
        middle.addStretch(1)
        for widget in (self.aspect, self.background, self.details):
            widget.currentIndexChanged.connect(self._edited)
        for box in (self.exposure, self.white_balance):
            box.toggled.connect(self._edited)
        for spin in (self.hero_size, self.detail_size, self.thumb_size, self.jpeg_quality):
            spin.valueChanged.connect(self._edited)
        self.caption.textChanged.connect(self._edited)

        # Right: the preview.
        self.preview = QLabel()
        self.preview.setObjectName("presetPreview")
        self.preview.setFixedSize(PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("Preview of the hero shot")
        self.preview_caption = QLabel()
        self.preview_caption.setWordWrap(True)
        self.preview_caption.setMaximumWidth(PREVIEW.width())
        self.preview_caption.setTextFormat(Qt.TextFormat.PlainText)
        preview_box = QGroupBox("Preview")
        right = QVBoxLayout(preview_box)
        right.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.preview_caption)
        right.addStretch(1)

        body = QHBoxLayout()
        body.setSpacing(12)
        body.addLayout(left)
        body.addWidget(settings, 1)
        body.addWidget(preview_box)

        # Below: re-render progress, then the buttons.
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Re-render progress")
        self.stop_button = QPushButton("S&top")
        self.stop_button.setToolTip("Stop re-rendering; photos not done yet are rendered by Check All Photos")
        self.stop_button.clicked.connect(self._stop_render)
        self.progress_row = QWidget()
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress_label)
        row.addWidget(self.progress, 1)
        row.addWidget(self.stop_button)
        self.progress_row.hide()
        self.status = QLabel()
        self.status.setMinimumWidth(200)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setToolTip("Go back to the preset's saved settings")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Store the settings and re-render the photos that use the preset (Ctrl+S)")
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Cl&ose")
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        # While photos re-render, their progress takes the status's place: the dialog keeps its height.
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.progress_row, 1)
        buttons.addSpacing(12)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        # Undo and redo here too (the window's Edit menu is not reachable from a separate window).
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.addActions([self.undo_action, self.redo_action])
        fit_to_screen(self, 960, 520)

        order = [self.list, self.new_button, self.duplicate_button, self.rename_button, self.delete_button,
                 self.default_button, self.aspect, self.margin, self.background, self.exposure, self.white_balance,
                 self.hero_size, self.details, self.detail_size, self.thumb_size, self.caption, self.jpeg_quality,
                 self.stop_button, self.revert_button, self.save_button, self.close_button]
        for first, second in pairwise(order):
            self.setTabOrder(first, second)
        self._update_buttons()

    @staticmethod
    def _pixels(tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(32, 8000)
        spin.setSingleStep(50)
        spin.setSuffix(" px")
        spin.setToolTip(tip)
        spin.setGroupSeparatorShown(True)
        return spin

    # -- opening and loading -------------------------------------------------------
    def open_for(self, photo_id: int | None, user: User | None, preset: str | None = None) -> None:
        """Show the dialog with ``photo_id`` (or the library's first photo) in the preview.

        :param preset: the name of the preset to show first (the photo's own); default: the one shown last.
        """
        self.photo_id = photo_id
        self.set_user(user)
        if preset is not None and not self.dirty():
            self._select_name = preset
        self.reload()
        self.show()
        self.raise_()
        self.activateWindow()

    def set_user(self, user: User | None) -> None:
        """Let ``user`` change presets if their role may (nobody signed in: as the Shoot page's other edits)."""
        self.can_edit = user is None or user.role in PRESET_EDITOR_ROLES
        if self.can_edit:
            self.note.hide()
        else:
            assert user is not None  # nobody signed in may edit
            self.note.setText(f"You are signed in as {user.display_name} ({user.role}): you can look at the "
                              "presets; a merchandiser, manager or admin can change them.")
            self.note.show()
        self._update_buttons()

    def reload(self, select_id: int | None = None) -> None:
        """Read the presets again (on the DB thread), then show ``select_id`` or the one shown."""
        if select_id is not None:
            self._select_id = select_id
        self.db.run(load, self.photo_id, on_done=self._loaded, on_failure=self._failed)

    def _loaded(self, loaded: Loaded) -> None:
        keep = self._select_id or (self._current.id if self._current is not None else None)
        if self._select_name is not None:
            keep = next((p.id for p in loaded.presets if p.name.casefold() == self._select_name.casefold()), keep)
        self._select_id = None
        self._select_name = None
        old_photo = self.photo
        self.presets, self.counts, self.photo = loaded.presets, loaded.photos, loaded.photo
        self.list.blockSignals(True)
        self.list.clear()
        row = 0
        for index, stored in enumerate(self.presets):
            count = self.counts.get(stored.id, 0)
            second = ("default · " if stored.is_default else "") + f"{count} photo{'' if count == 1 else 's'}"
            item = QListWidgetItem(stored.name)
            item.setData(Qt.ItemDataRole.UserRole, stored.id)
            item.setData(DETAIL_ROLE, second)
            item.setToolTip(describe(stored.preset))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{stored.name}, {second}")
            if stored.is_default:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if stored.id == keep:
                row = index
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        chosen = self.presets[row] if self.presets else None
        if chosen is not None and (self._current is None or chosen.id != self._current.id or not self.dirty()):
            self._show_preset(chosen)
        else:
            self._current = chosen
            self._show_usage()
            self._update_buttons()
        if old_photo != self.photo:
            self._schedule_preview()
        self.presets_shown.emit()

    def _library_changed(self, changes: Any) -> None:
        if not self.isVisible() or self._saving:
            return  # a change of our own is shown when it is done
        if getattr(changes, "settings", False):
            self.reload()
        elif getattr(changes, "photos", False):
            # A photo chose another preset (or a batch is rendering): count again once things settle.
            self._reload_timer.start()

    # -- the form ------------------------------------------------------------------
    def current(self) -> StoredPreset | None:
        """Return the stored preset chosen in the list."""
        return self._current

    def _show_preset(self, stored: StoredPreset) -> None:
        self._current = stored
        p = stored.preset
        self._filling = True
        self.aspect.setCurrentIndex(self.aspect.findData(p.aspect))
        self.margin.setValue(round(p.margin * 100, 1))
        self.background.setCurrentIndex(self.background.findData(p.background))
        self.exposure.setChecked(p.normalise_exposure)
        self.white_balance.setChecked(p.normalise_white_balance)
        self.hero_size.setValue(p.hero_size)
        self.detail_size.setValue(p.detail_size)
        if self.details.findData(p.details) < 0:
            # Kinds set from the command line that the list does not offer: show them as they are.
            self.details.addItem(p.details.replace(",", " and ").capitalize(), p.details)
        self.details.setCurrentIndex(self.details.findData(p.details))
        self.thumb_size.setValue(p.thumb_size)
        self.caption.setText(p.caption)
        self.jpeg_quality.setValue(p.jpeg_quality)
        self._filling = False
        self.problem.clear()
        self._show_usage()
        self._update_buttons()
        self._schedule_preview()

    def _show_usage(self) -> None:
        stored = self._current
        if stored is None:
            self.heading.clear()
            self.usage.clear()
            return
        self.heading.setText(stored.name)
        count = self.counts.get(stored.id, 0)
        photos = f"{count} photo{'' if count == 1 else 's'}"
        role = "The default preset: photos without a preset of their own use it. " if stored.is_default else ""
        if count == 0:
            self.usage.setText(role + "No photo uses it yet.")
        else:
            self.usage.setText(f"{role}Used by {photos}; saving a change re-renders them.")

    def form_values(self) -> dict[str, Any]:
        """Return the settings in the form (margin as a fraction)."""
        return {
            "aspect": self.aspect.currentData(), "margin": round(self.margin.value() / 100, 4),
            "background": self.background.currentData(), "normalise_exposure": self.exposure.isChecked(),
            "normalise_white_balance": self.white_balance.isChecked(), "hero_size": self.hero_size.value(),
            "detail_size": self.detail_size.value(), "details": self.details.currentData(),
            "thumb_size": self.thumb_size.value(),
            "caption": self.caption.text().strip(), "jpeg_quality": self.jpeg_quality.value(),
        }

    def edited_preset(self) -> Preset | None:
        """Return the preset the form describes, or ``None`` (and say why) if a value is not allowed."""
        if self._current is None:
            return None
        try:
            preset = self._current.preset.with_changes(**self.form_values())
        except InputError as exc:
            self.problem.setText(str(exc))
            return None
        self.problem.clear()
        return preset

    def dirty(self) -> bool:
        """Return whether the form holds settings that are not saved."""
        if self._current is None:
            return False
        try:
            return self._current.preset.with_changes(**self.form_values()) != self._current.preset
        except InputError:
            return True

    def _edited(self, *_args: object) -> None:
        if self._filling:
            return
        self.edited_preset()  # shows a problem at once
        self._update_buttons()
        self._schedule_preview()

    def _slider_moved(self, value: int) -> None:
        if round(self.margin.value()) != value:
            self.margin.setValue(float(value))

    def _margin_typed(self, value: float) -> None:
        self.margin_slider.blockSignals(True)
        self.margin_slider.setValue(round(value))
        self.margin_slider.blockSignals(False)
        self._edited()

    def _update_buttons(self) -> None:
        chosen = self._current is not None
        editable = chosen and self.can_edit and not self._saving
        dirty = self.dirty()
        for widget in (self.aspect, self.margin, self.margin_slider, self.background, self.exposure,
                       self.white_balance, self.hero_size, self.details, self.detail_size, self.thumb_size,
                       self.caption, self.jpeg_quality):
            widget.setEnabled(chosen and self.can_edit)
        self.new_button.setEnabled(self.can_edit and not self._saving)
        self.duplicate_button.setEnabled(editable)
        self.rename_button.setEnabled(editable)
        is_default = chosen and self._current is not None and self._current.is_default
        self.delete_button.setEnabled(editable and not is_default and len(self.presets) > 1)
        self.delete_button.setToolTip("The default preset cannot be deleted: make another the default first"
                                      if is_default else "Delete the preset; photos using it go to the default")
        self.default_button.setEnabled(editable and not is_default)
        self.save_button.setEnabled(editable and dirty)
        self.revert_button.setEnabled(editable and dirty)
        if self._current is not None:
            self.setWindowTitle(f"Style Presets — {self._current.name}{' (edited)' if dirty else ''}")

    # -- choosing another preset ---------------------------------------------------
    def _row_changed(self, row: int) -> None:
        if not 0 <= row < len(self.presets):
            return
        chosen = self.presets[row]
        if self._current is not None and chosen.id == self._current.id:
            return
        self.status.clear()  # what it said was about the preset shown before
        if self._current is not None and self.dirty() and not self._settle_unsaved():
            # Stay on the preset being edited.
            self.list.blockSignals(True)
            self.list.setCurrentRow(self._row_of(self._current.id))
            self.list.blockSignals(False)
            return
        self._show_preset(chosen)

    def _row_of(self, preset_id: int | None) -> int:
        for row, stored in enumerate(self.presets):
            if stored.id == preset_id:
                return row
        return 0

    def _settle_unsaved(self) -> bool:
        """Ask what to do with unsaved settings; return False to stay (Cancel)."""
        assert self._current is not None
        answer = QMessageBox.question(
            self, "Style Presets", f"Save the changes to '{self._current.name}'?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            self.save()
        return True

    # -- saving and the other changes ---------------------------------------------
    def save(self) -> None:
        """Store the form's settings (undoably); the Shoot page then re-renders the photos using the preset."""
        stored = self._current
        preset = self.edited_preset()
        if stored is None or preset is None or not self.can_edit or preset == stored.preset:
            return
        self._store(stored, preset, f"Edit Preset '{stored.name}'")

    def _store(self, stored: StoredPreset, preset: Preset, text: str) -> None:
        self._saving = True
        self._update_buttons()
        self.status.setText("Saving…")
        self.undo_stack.push(PresetEditCommand(
            text, self._save, stored.id, stored.preset, preset,
            on_done=self._stored, on_failure=self._store_failed, on_later_failure=self._on_later_failure))

    def _stored(self, change: PresetChange) -> None:
        self._saving = False
        if change.preset is not None:
            self._current = change.preset
            self.presets = [change.preset if p.id == change.preset.id else p for p in self.presets]
        self.problem.clear()
        self._show_usage()
        self._update_buttons()
        self.status.setText(self._outcome("Saved", change))
        self.saved.emit(change)
        self.reload()

    def _store_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.status.clear()
        self.problem.setText(str(exc))
        self._update_buttons()

    def _outcome(self, what: str, change: PresetChange) -> str:
        if change.rerender:
            n = change.rerender
            return f"{what}. Re-rendering {n} photo{'' if n == 1 else 's'}…"
        return f"{what}. No renders need redoing."

    def revert(self) -> None:
        """Show the preset's saved settings again."""
        if self._current is not None:
            self._show_preset(self._current)

    def _ask_name(self, title: str, label: str, text: str) -> str | None:
        name, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Normal, text)
        name = " ".join(name.split()) if ok else ""
        if not name:
            return None
        self.status.clear()
        if len(name) > NAME_MAX:
            self.problem.setText(f"preset name: use 1 to {NAME_MAX} characters.")
            return None
        taken = [p.name for p in self.presets if p.name.casefold() == name.casefold()
                 and (self._current is None or p.id != self._current.id or title != "Rename Preset")]
        if taken:
            self.problem.setText(f"preset name: '{taken[0]}' already exists (names are compared ignoring case); "
                                 "choose another name.")
            return None
        return name

    def _run_change(self, fn: Callable[..., PresetChange], *args: Any, what: Callable[[PresetChange], str],
                    **kwargs: Any) -> None:
        self._saving = True
        self._update_buttons()
        self.status.setText("Saving…")
        actor = self._actor()

        def work(store: Store) -> PresetChange:
            return fn(store, *args, actor, **kwargs)

        def done(change: PresetChange) -> None:
            self._saving = False
            self.problem.clear()
            self._update_buttons()
            self.status.setText(self._outcome(what(change), change))
            self._changed(change)
            self.saved.emit(change)
            self.reload(change.preset.id if change.preset is not None else None)

        self.db.run(work, on_done=done, on_failure=self._store_failed)

    def new_preset(self) -> None:
        """Make a preset with the built-in settings (asks its name)."""
        name = self._ask_name("New Preset", "Name of the new preset:", "")
        if name is not None:
            self._run_change(create_preset, name, what=lambda _c: f"Made '{name}'")

    def duplicate_preset(self) -> None:
        """Make a preset from the settings in the form (asks its name); the original keeps its saved settings."""
        if self._current is None:
            return
        values = self.form_values()
        if self.edited_preset() is None:
            return
        name = self._ask_name("Duplicate Preset", "Name of the copy:", f"{self._current.name} copy"[:NAME_MAX])
        if name is not None:
            self._show_preset(self._current)  # the edits go with the copy; the original keeps its settings
            self._run_change(create_preset, name, what=lambda _c: f"Made '{name}'", **values)

    def rename_preset(self) -> None:
        """Rename the preset (undoably); photos using it follow."""
        stored = self._current
        if stored is None:
            return
        name = self._ask_name("Rename Preset", f"New name for '{stored.name}':", stored.name)
        if name is not None and name != stored.name:
            self._store(stored, stored.preset.with_changes(name=name), f"Rename Preset '{stored.name}'")

    def delete_preset(self) -> None:
        """Delete the preset after saying how many photos move to the default."""
        stored = self._current
        if stored is None or stored.is_default:
            return
        count = self.counts.get(stored.id, 0)
        default = next((p.name for p in self.presets if p.is_default), "the default")
        moved = (f"{count} photo{'' if count == 1 else 's'} using it will use '{default}' and be re-rendered."
                 if count else "No photo uses it.")
        answer = QMessageBox.question(self, "Delete Preset", f"Delete the preset '{stored.name}'?\n\n{moved}",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self._current = None  # nothing to keep in the form
            self._run_change(delete_preset, stored.id, what=lambda c: (
                f"Deleted '{stored.name}'; {c.moved} photo{'' if c.moved == 1 else 's'} moved to '{default}'"))

    def make_default(self) -> None:
        """Make the preset the library's default."""
        stored = self._current
        if stored is not None and not stored.is_default:
            self._run_change(set_default_preset, stored.id, what=lambda _c: f"'{stored.name}' is now the default")

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(str(exc))

    # -- preview -------------------------------------------------------------------
    def _schedule_preview(self) -> None:
        self._preview_timer.start()

    def _render_preview(self) -> None:
        preset = self.edited_preset()
        photo = self.photo
        if photo is not None and preset is not None and (photo, preset) == self._previewed:
            return  # already shown (a reload after a change elsewhere)
        if photo is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("No photo to preview yet: import photos on the Shoot page.")
            self.preview_caption.clear()
            return
        if preset is None:
            return
        self._preview_generation += 1
        self._previewed = (photo, preset)
        generation = self._preview_generation
        self.preview_caption.setText(f"{photo.name} — rendering…")
        self.renderer.submit(render_preview, photo, preset,
                             on_done=lambda image: self._preview_ready(generation, photo, image),
                             on_failure=lambda exc: self._preview_failed(generation, exc))

    def _preview_ready(self, generation: int, photo: PreviewPhoto, image: QImage) -> None:
        if generation != self._preview_generation:
            return  # the settings changed again while this one rendered
        if image.isNull():
            self.preview.setPixmap(QPixmap())
            self.preview.setText("The renderer made no hero shot of this photo.")
        else:
            ratio = self.devicePixelRatioF()
            pixmap = QPixmap.fromImage(image).scaled(PREVIEW * ratio, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation)
            pixmap.setDevicePixelRatio(ratio)
            self.preview.setPixmap(pixmap)
        edited = " (not saved)" if self.dirty() else ""
        self.preview_caption.setText(f"{photo.name}: {image.width()} × {image.height()} px{edited}")
        self.preview_shown.emit()

    def _preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._preview_generation:
            self._previewed = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText(f"No preview: {exc}")

    # -- re-rendering after a change (driven by the Shoot page) ---------------------
    def show_render_progress(self, done: int, total: int) -> None:
        """Show how far the re-render of changed photos is."""
        if done == 0:
            self._stopped = False
        self.status.hide()
        self.progress_row.show()
        self.stop_button.setEnabled(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress_label.setText(f"Re-rendering {done} of {total} photos")

    def render_finished(self, done: int, problems: list) -> None:
        """Say the re-render ended (``done`` photos; ``problems`` those that could not be read)."""
        if not self.progress_row.isVisible():
            return
        self.progress_row.hide()
        self.status.show()
        note = f"; {len(problems)} could not be read" if problems else ""
        photos = f"{done} photo{'' if done == 1 else 's'}"
        self.status.setText(f"Stopped after {photos}{note}; Check All Photos renders the rest." if self._stopped
                            else f"Re-rendered {photos}{note}.")
        self.reload()

    def _stop_render(self) -> None:
        self._stopped = True
        self.stop_button.setEnabled(False)
        self.progress_label.setText("Stopping…")
        self.cancel_render.emit()

    # -- closing -------------------------------------------------------------------
    def reject(self) -> None:
        # Esc, Close and the title bar's close button all come here (QDialog.closeEvent calls reject).
        if self.dirty() and self.can_edit and not self._settle_unsaved():
            return
        if self.dirty():
            self.revert()
        super().reject()

    def cleanup(self) -> None:
        """Stop the preview thread (the window is closing)."""
        self.db.library_changed.disconnect(self._library_changed)
        self.renderer.shutdown()


__all__ = ["PresetEditor", "PreviewPhoto", "load", "render_preview"]
