"""The Compose page: lay out a set's card with your eyes, and see exactly the card customers get.

On the left, the set's shots and their detail crops as thumbnails. In the middle, the card,
drawn by the same core function that writes the card that is sent
(:func:`lookbook.lookbooks.composer.render_card`), off the UI thread; its slots are outlined on it.
Drag a thumbnail onto a slot to put it there, drag one slot onto another to swap them,
roll the wheel over a slot (or press + and -) to crop into it and Alt+arrows to move the
crop: the crop is a box kept with the set, never a change to the photo's files. Above the
card: the set, the layout, the output (X card, e-mail, PDF page, square, portrait), a customer
to preview the card as (their sizes on it), the captions and the brand's header, "Save Layout
As…" and undo/redo. Every step is undoable (Edit ▸ Undo, Ctrl+Z) and is saved to the set at
once (messages already submitted go back to approval, as the core decides).

Keyboard: Tab reaches every control; on the card, arrows choose a slot, Ctrl+Left/Right swaps
it with the one before or after, Delete empties it; in the thumbnails, Enter puts the
chosen picture into the chosen slot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QPoint, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QImage,
    QImageReader,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QShortcut,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from lookbook.catalog.products import list_products
from lookbook.errors import LookbookError
from lookbook.lookbooks import composer, layouts
from lookbook.lookbooks.composer import CardInput, Composition, RenderedCard, SlotFill, Source
from lookbook.lookbooks.layouts import Layout
from lookbook.lookbooks.sets import SetSummary, get_set, list_sets
from lookbook.photos.recipes import flagged_shots
from lookbook.photos.review import FlaggedShot, still_flagged, still_flagged_details
from lookbook.store.database import Store
from ui.pages.base import Page
from ui.signin import Session
from ui.undo import ValueCommand

if TYPE_CHECKING:
    from PIL import Image  # Pillow loads with the first preview, not with the app

from ui.workers import StoreRunner, TaskRunner

PICTURE_MIME = "application/x-lookbook-picture"
SLOT_MIME = "application/x-lookbook-slot"
OUTPUT_NAMES = {"x": "X card", "email": "E-mail body", "pdf": "PDF page", "square": "Square", "portrait": "Portrait"}
#: One step of a crop: zoom by a tenth, pan by a twentieth of the picture.
ZOOM_STEP = 1.1
PAN_STEP = 0.05


@dataclass(frozen=True)
class SetForCompose:
    """What the page needs of one set, loaded together on the DB thread."""

    set_id: int
    composition: Composition
    sources: list[Source]
    layouts: list[Layout]
    reason: str = ""  # why a set nobody composed has its layout, where that needs saying
    #: The set's shots still flagged for review, with why (those the card shows are named under it).
    flagged: tuple[FlaggedShot, ...] = ()
    #: Each of the set's products' SKU and name, by product id: how a picture is named under its thumbnail.
    products: dict[int, tuple[str, str]] = field(default_factory=dict)


def load_for_compose(store: Store, set_id: int) -> SetForCompose:
    """Return the set's composition, its pictures, the layouts to choose from, why it has its layout and which
    of its shots are still flagged for review."""
    sources = composer.set_sources(store, set_id)
    wanted = {s.product_id for s in sources}
    products = {p.id: (p.sku, p.name) for p in list_products(store, get_set(store, set_id).brand) if p.id in wanted}
    return SetForCompose(set_id, composer.get_composition(store, set_id), sources,
                         layouts.list_layouts(store.library), composer.layout_reason(store, set_id),
                         tuple(flagged_shots(store, [s.photo_id for s in sources])), products)


def pil_to_qimage(image: Image.Image) -> QImage:
    """Return a copy of an RGB Pillow image as a QImage (built here, on the UI side: the core knows no Qt)."""
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()


def _zoomed(crop: tuple[float, float, float, float] | None, factor: float) -> tuple[float, float, float, float]:
    """Return the crop box zoomed in (factor > 1) or out around its centre, kept inside the picture."""
    x0, y0, x1, y1 = crop or (0.0, 0.0, 1.0, 1.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = min(1.0, (x1 - x0) / factor), min(1.0, (y1 - y0) / factor)
    w, h = max(w, 0.1), max(h, 0.1)
    return _inside(cx - w / 2, cy - h / 2, w, h)


def _panned(crop: tuple[float, float, float, float] | None, dx: float, dy: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = crop or (0.0, 0.0, 1.0, 1.0)
    return _inside(x0 + dx, y0 + dy, x1 - x0, y1 - y0)


def _inside(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    x, y = min(max(0.0, x), 1.0 - w), min(max(0.0, y), 1.0 - h)
    return round(x, 4), round(y, 4), round(x + w, 4), round(y + h, 4)


class SourceList(QListWidget):
    """The set's pictures as thumbnails; each can be dragged onto a slot of the card."""

    place_requested = Signal(int, str)  # photo id, kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(96, 96))
        self.setGridSize(QSize(112, 132))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName("The set's shots and details")
        self.setToolTip("Drag a picture onto a slot of the card, or choose one and press Enter")

    def show_sources(self, sources: list[Source], products: dict[int, tuple[str, str]] | None = None) -> None:
        """Show one thumbnail per picture, named by its product's SKU ("MW-KN01 cuff") where known."""
        self.clear()
        products = products or {}
        for source in sources:
            reader = QImageReader(str(source.path))
            reader.setAutoTransform(True)
            size = reader.size()
            if size.isValid():
                reader.setScaledSize(size.scaled(QSize(96, 96), Qt.AspectRatioMode.KeepAspectRatio))
            image = reader.read()
            # A merchandiser knows a shot by its product's SKU, not by the photo's number in the library.
            sku, name = products.get(source.product_id, (f"Photo {source.photo_id}", ""))
            item = QListWidgetItem(QIcon(QPixmap.fromImage(image)), f"{sku} {source.kind}")
            item.setData(Qt.ItemDataRole.UserRole, (source.photo_id, source.kind))
            item.setToolTip(f"{sku} {name}: {source.kind} (photo {source.photo_id})" if name
                            else f"Photo {source.photo_id}: {source.kind}")
            self.addItem(item)

    def mimeData(self, items: Any) -> QMimeData:  # noqa: N802 (Qt's name)
        data = QMimeData()
        if items:
            photo_id, kind = items[0].data(Qt.ItemDataRole.UserRole)
            data.setData(PICTURE_MIME, f"{photo_id}:{kind}".encode())
        return data

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt's name)
        return [PICTURE_MIME]

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            photo_id, kind = item.data(Qt.ItemDataRole.UserRole)
            self.place_requested.emit(photo_id, kind)
            return
        super().keyPressEvent(event)


class CardCanvas(QWidget):
    """The rendered card, fitted to the widget, with its slots outlined; pictures and slots drop on it."""

    dropped = Signal(str, int, str)  # slot id, photo id, kind
    swapped = Signal(str, str)  # slot a, slot b
    crop_requested = Signal(str, object)  # slot id, crop box
    emptied = Signal(str)  # slot id
    selected_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # A card stays readable at 260 pixels high; more was laid over the lines below it in a 600-pixel window.
        self.setMinimumSize(280, 260)
        self.setAccessibleName("The card as customers will get it")
        self.setToolTip("Drop pictures on slots; drag a slot onto another to swap; wheel or +/- to crop; "
                        "arrows choose a slot")
        self.image = QImage()
        self.layout_data: Layout | None = None
        self.composition: Composition | None = None
        self.selected: str | None = None
        self._press: QPoint | None = None

    def show_card(self, image: QImage, layout: Layout, composition: Composition) -> None:
        """Show a rendered card and remember its layout for hit-testing."""
        self.image = image
        self.layout_data = layout
        self.composition = composition
        if self.selected is None or all(s.id != self.selected for s in layout.slots):
            self.selected = layout.slots[0].id if layout.slots else None
        self.update()

    def target_rect(self) -> QRect:
        """Return where the card is drawn in the widget (fitted, centred)."""
        if self.image.isNull():
            return QRect()
        size = self.image.size().scaled(self.size() - QSize(8, 8), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(QPoint((self.width() - size.width()) // 2, (self.height() - size.height()) // 2), size)

    def slot_rect(self, slot_id: str) -> QRectF:
        """Return a slot's rectangle in widget pixels."""
        assert self.layout_data is not None
        target = self.target_rect()
        x, y, w, h = self.layout_data.slot(slot_id).box
        return QRectF(target.x() + x * target.width(), target.y() + y * target.height(), w * target.width(),
                      h * target.height())

    def slot_at(self, pos: QPoint) -> str | None:
        """Return the slot under a point of the widget, if any."""
        if self.layout_data is None:
            return None
        for slot in self.layout_data.slots:
            if self.slot_rect(slot.id).contains(pos.toPointF()):
                return slot.id
        return None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self.image.isNull():
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Choose a set to compose its card.")
            return
        painter.drawImage(self.target_rect(), self.image)
        if self.layout_data is None:
            return
        for slot in self.layout_data.slots:
            chosen = slot.id == self.selected
            pen = QPen(QColor(40, 110, 220) if chosen else QColor(120, 120, 120, 140), 3 if chosen else 1)
            pen.setStyle(Qt.PenStyle.SolidLine if chosen else Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(self.slot_rect(slot.id))

    def _select(self, slot_id: str | None) -> None:
        if slot_id is not None and slot_id != self.selected:
            self.selected = slot_id
            self.selected_changed.emit(slot_id)
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self.setFocus()
        self._select(self.slot_at(event.position().toPoint()))
        self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._press is None or self.selected is None:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < 8:
            return
        self._press = None
        data = QMimeData()
        data.setData(SLOT_MIME, self.selected.encode())
        drag = QDrag(self)
        drag.setMimeData(data)
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self._press = None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasFormat(PICTURE_MIME) or event.mimeData().hasFormat(SLOT_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt's name)
        if self.slot_at(event.position().toPoint()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        self.drop_at(event.position().toPoint(), event.mimeData())
        event.acceptProposedAction()

    def drop_at(self, pos: QPoint, data: QMimeData) -> None:
        """Act on a drop of ``data`` at ``pos``: put a picture in a slot, or swap two slots."""
        slot_id = self.slot_at(pos)
        if slot_id is None:
            return
        if data.hasFormat(PICTURE_MIME):
            photo, kind = bytes(data.data(PICTURE_MIME).data()).decode().split(":", 1)
            self._select(slot_id)
            self.dropped.emit(slot_id, int(photo), kind)
        elif data.hasFormat(SLOT_MIME):
            other = bytes(data.data(SLOT_MIME).data()).decode()
            if other != slot_id:
                self.swapped.emit(other, slot_id)

    def _crop_of_selected(self) -> tuple[float, float, float, float] | None:
        if self.composition is None or self.selected is None:
            return None
        fill = self.composition.fill(self.selected)
        return fill.crop if fill else None

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt's name)
        slot_id = self.slot_at(event.position().toPoint())
        if slot_id is None:
            return
        self._select(slot_id)
        factor = ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP
        self.crop_requested.emit(slot_id, _zoomed(self._crop_of_selected(), factor))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if self.layout_data is None or self.selected is None:
            super().keyPressEvent(event)
            return
        ids = [s.id for s in self.layout_data.slots]
        at = ids.index(self.selected)
        key, mods = event.key(), event.modifiers()
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1}.get(
            Qt.Key(key))
        if step is not None and mods & Qt.KeyboardModifier.AltModifier:
            dx = {Qt.Key.Key_Left: -PAN_STEP, Qt.Key.Key_Right: PAN_STEP}.get(Qt.Key(key), 0.0)
            dy = {Qt.Key.Key_Up: -PAN_STEP, Qt.Key.Key_Down: PAN_STEP}.get(Qt.Key(key), 0.0)
            self.crop_requested.emit(self.selected, _panned(self._crop_of_selected(), dx, dy))
        elif step is not None and mods & Qt.KeyboardModifier.ControlModifier:
            other = ids[(at + step) % len(ids)]
            if other != self.selected:
                self.swapped.emit(self.selected, other)
                self._select(other)
        elif step is not None:
            self._select(ids[(at + step) % len(ids)])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.crop_requested.emit(self.selected, _zoomed(self._crop_of_selected(), ZOOM_STEP))
        elif key == Qt.Key.Key_Minus:
            self.crop_requested.emit(self.selected, _zoomed(self._crop_of_selected(), 1 / ZOOM_STEP))
        elif key == Qt.Key.Key_0:
            self.crop_requested.emit(self.selected, None)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.emptied.emit(self.selected)
        else:
            super().keyPressEvent(event)


class ComposePage(Page):
    """Compose a set's card: layout, pictures in slots, crops, captions; a live preview of the card sent."""

    title = "Compose Card"
    watches = ("sets", "photos", "products")
    #: Emitted when a preview is shown, with how long it took from the change (ms).
    preview_shown = Signal(float)
    #: Emitted when a change was saved to the set (or refused: the message).
    saved = Signal(str)

    def __init__(self, db: StoreRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        #: The window's undo stack when it hands one over (Edit ▸ Undo); a page of its own otherwise.
        self.undo_stack = QUndoStack(self)
        self.renderer = TaskRunner("lookbook-compose")
        self.set_id: int | None = None
        self.composition: Composition | None = None
        self.sources: list[Source] = []
        self.layouts: dict[str, Layout] = {}
        self.last_preview: RenderedCard | None = None
        self.last_card: CardInput | None = None
        self.flagged: tuple[FlaggedShot, ...] = ()
        self._busy = False
        self._again = False
        self._asked_at = 0.0
        self._loading = False

        bar = QHBoxLayout()
        self.set_box = QComboBox()
        self.set_box.setAccessibleName("Set")
        self.layout_box = QComboBox()
        self.layout_box.setAccessibleName("Layout")
        self.output_box = QComboBox()
        self.output_box.setAccessibleName("Output size")
        for key, name in OUTPUT_NAMES.items():
            self.output_box.addItem(name, key)
        self.customer_box = QSpinBox()
        self.customer_box.setRange(0, 10_000_000)
        self.customer_box.setSpecialValueText("no customer")
        self.customer_box.setAccessibleName("Preview as customer (id)")
        self.customer_box.setToolTip("Preview the card as this customer gets it: their sizes on it")
        for box in (self.set_box, self.layout_box, self.output_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.save_as = QPushButton("Save &Layout As…")
        self.undo_button = QPushButton("&Undo")
        self.redo_button = QPushButton("&Redo")
        for button in (self.undo_button, self.redo_button):
            # The style makes a button at least 80 pixels wide; a short word may take less where the bar is short
            # of room (a 960-pixel window: the bar wanted 890 of the page's 867 and was squeezed over its edge).
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text().replace("&", "")) + 24)
        for label, widget in (("Set", self.set_box), ("Layout", self.layout_box), ("Output", self.output_box),
                              ("As customer", self.customer_box)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            bar.addWidget(caption)
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.undo_button)
        bar.addWidget(self.redo_button)
        bar.addWidget(self.save_as)
        self.layout_.addLayout(bar)

        captions = QHBoxLayout()
        self.header_check = QCheckBox("&Brand header")
        self.name_check = QCheckBox("Product &name")
        self.price_check = QCheckBox("&Price")
        self.sizes_check = QCheckBox("&Sizes in stock")
        self.line_edit = QLineEdit()
        self.line_edit.setPlaceholderText("A line of text on the card (optional)")
        self.line_edit.setAccessibleName("Caption line")
        for check in (self.header_check, self.name_check, self.price_check, self.sizes_check):
            captions.addWidget(check)
        captions.addWidget(self.line_edit, 1)
        self.layout_.addLayout(captions)

        self.source_list = SourceList()
        self.canvas = CardCanvas()
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName("What the card could not show as asked")
        # Shots on the card still flagged for review, and why (the manager approving the set sees the same line;
        # plain text: a file name never turns into markup; every reason in the tooltip).
        self.flagged_line = QLabel("")
        self.flagged_line.setObjectName("flaggedShots")
        self.flagged_line.setWordWrap(True)
        self.flagged_line.setTextFormat(Qt.TextFormat.PlainText)
        self.flagged_line.setAccessibleName("Shots on the card still flagged for review")
        self.flagged_line.setVisible(False)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.flagged_line)
        column.addWidget(self.warnings)
        splitter = QSplitter()
        splitter.addWidget(self.source_list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 700])
        self.layout_.addWidget(splitter, 1)
        self.status = QLabel("")
        self.layout_.addWidget(self.status)

        self.set_box.currentIndexChanged.connect(self._set_chosen)
        self.layout_box.activated.connect(self._layout_chosen)
        self.output_box.currentIndexChanged.connect(lambda *_: self.request_preview())
        self.customer_box.valueChanged.connect(lambda *_: self.request_preview())
        for check in (self.header_check, self.name_check, self.price_check, self.sizes_check):
            check.toggled.connect(self._captions_changed)
        self.line_edit.editingFinished.connect(self._captions_changed)
        self.canvas.dropped.connect(self._dropped)
        self.canvas.swapped.connect(self._swapped)
        self.canvas.crop_requested.connect(self._cropped)
        self.canvas.emptied.connect(lambda slot_id: self._fill(slot_id, None, f"Empty slot {slot_id}"))
        self.source_list.place_requested.connect(self._place_in_selected)
        self.save_as.clicked.connect(self._save_layout_as)
        self.undo_button.clicked.connect(lambda: self.undo_stack.undo())
        self.redo_button.clicked.connect(lambda: self.undo_stack.redo())
        # Ctrl+Z here only while the page has its own stack: the window's Edit ▸ Undo takes it otherwise.
        self._shortcuts = [
            QShortcut(QKeySequence.StandardKey.Undo, self, lambda: self.undo_stack.undo(),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut),
            QShortcut(QKeySequence.StandardKey.Redo, self, lambda: self.undo_stack.redo(),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)]
        for first, second in ((self.set_box, self.layout_box), (self.layout_box, self.output_box),
                              (self.output_box, self.customer_box), (self.customer_box, self.undo_button),
                              (self.undo_button, self.redo_button), (self.redo_button, self.save_as),
                              (self.save_as, self.header_check), (self.header_check, self.name_check),
                              (self.name_check, self.price_check), (self.price_check, self.sizes_check),
                              (self.sizes_check, self.line_edit), (self.line_edit, self.source_list),
                              (self.source_list, self.canvas)):
            self.setTabOrder(first, second)

    def use_undo_stack(self, stack: QUndoStack) -> None:
        """Put this page's steps on the window's undo stack (Edit ▸ Undo) instead of its own."""
        self.undo_stack = stack
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)

    # -- loading --------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.db.run(list_sets, on_done=self._show_sets)

    def _show_sets(self, sets: list[SetSummary]) -> None:
        current = self.set_id
        self._loading = True
        self.set_box.clear()
        for s in sets:
            self.set_box.addItem(f"{s.name} ({s.brand})", s.id)
        self._loading = False
        index = self.set_box.findData(current) if current is not None else (0 if sets else -1)
        self.set_box.setCurrentIndex(max(index, 0) if sets else -1)
        self._set_chosen()

    def show_set(self, set_id: int) -> None:
        """Compose set ``set_id`` (it must be in the list)."""
        index = self.set_box.findData(set_id)
        if index >= 0:
            self.set_box.setCurrentIndex(index)
            self._set_chosen()

    def _set_chosen(self, *_: object) -> None:
        if self._loading:
            return
        set_id = self.set_box.currentData()
        if set_id is None:
            return
        self.db.run(load_for_compose, int(set_id), on_done=self._show_loaded, on_failure=self._failed)

    def _show_loaded(self, loaded: SetForCompose) -> None:
        self.set_id = loaded.set_id
        self.sources = loaded.sources
        self.layouts = {lay.name: lay for lay in loaded.layouts}
        self.layout_box.clear()
        for lay in loaded.layouts:
            self.layout_box.addItem(lay.title, lay.name)
        self.source_list.show_sources(loaded.sources, loaded.products)
        self.status.setText(loaded.reason)
        self.flagged = loaded.flagged
        self._show_composition(loaded.composition)

    def _show_composition(self, composition: Composition) -> None:
        self.composition = composition
        # Only the shots the card shows: a flagged shot dropped onto a slot is named at once, one taken off is not.
        on_card = set(composition.photo_ids())
        shown = [f for f in self.flagged if f.photo_id in on_card]
        self.flagged_line.setText(still_flagged(shown))
        self.flagged_line.setToolTip(still_flagged_details(shown))
        self.flagged_line.setVisible(bool(shown))
        self._loading = True
        self.layout_box.setCurrentIndex(max(0, self.layout_box.findData(composition.layout)))
        self.header_check.setChecked(composition.header)
        self.name_check.setChecked(composition.captions.name)
        self.price_check.setChecked(composition.captions.price)
        self.sizes_check.setChecked(composition.captions.sizes)
        self.line_edit.setText(composition.captions.line)
        self._loading = False
        self.request_preview()

    # -- changes: each is one undo step, saved through the core ---------------------------------------
    def change(self, new: Composition, text: str) -> None:
        """Make ``new`` the set's composition as one undoable step."""
        if self.composition is None or new == self.composition:
            return
        set_id = self.set_id
        # The step remembers its set: undone after another set was chosen, it changes the set it was made on.
        self.undo_stack.push(ValueCommand(f"{text} (Compose)", lambda c: self._apply(set_id, c), self.composition,
                                          new))

    def _apply(self, set_id: int | None, composition: Composition) -> None:
        if set_id == self.set_id:
            self._show_composition(composition)
        actor = self.session.username
        if actor is None or set_id is None:
            self.status.setText("Not saved: sign in as a merchandiser or manager to keep this card.")
            return

        def done(_: object) -> None:
            self.status.setText("Saved. Messages already submitted go back to approval.")
            self.saved.emit("")

        def refused(exc: BaseException) -> None:
            self.status.setText(f"Not saved: {exc}")
            self.saved.emit(str(exc))

        self.db.run(composer.save_composition, set_id, composition, actor, on_done=done, on_failure=refused)

    def _fill(self, slot_id: str, fill: SlotFill | None, text: str) -> None:
        if self.composition is not None:
            self.change(self.composition.with_fill(slot_id, fill), text)

    def _dropped(self, slot_id: str, photo_id: int, kind: str) -> None:
        layout = self.layouts.get(self.composition.layout) if self.composition else None
        if layout is None:
            return
        if not layout.slot(slot_id).takes(kind):
            self.status.setText(f"Slot {slot_id} takes {layout.slot(slot_id).accepts} pictures, not a {kind}.")
            return
        self._fill(slot_id, SlotFill(photo_id, kind), f"Put photo {photo_id} {kind} in {slot_id}")

    def _place_in_selected(self, photo_id: int, kind: str) -> None:
        if self.canvas.selected is not None:
            self._dropped(self.canvas.selected, photo_id, kind)

    def _swapped(self, a: str, b: str) -> None:
        if self.composition is None:
            return
        layout = self.layouts[self.composition.layout]
        fa, fb = self.composition.fill(a), self.composition.fill(b)
        if (fa and not layout.slot(b).takes(fa.kind)) or (fb and not layout.slot(a).takes(fb.kind)):
            self.status.setText(f"Slots {a} and {b} take different pictures; they cannot swap.")
            return
        self.change(self.composition.swapped(a, b), f"Swap {a} and {b}")

    def _cropped(self, slot_id: str, crop: tuple[float, float, float, float] | None) -> None:
        fill = self.composition.fill(slot_id) if self.composition else None
        if fill is not None:
            self._fill(slot_id, replace(fill, crop=crop), f"Crop {slot_id}")

    def _layout_chosen(self, *_: object) -> None:
        name = self.layout_box.currentData()
        if self._loading or self.composition is None or name is None or name == self.composition.layout:
            return
        layout = self.layouts[name]
        fills = composer.default_fills(layout, self.sources, {s.product_id for s in self.sources},
                                       dict(self.composition.slots))
        self.change(replace(self.composition, layout=name, slots=tuple(sorted(fills.items()))),
                    f"Layout {layout.title}")

    def _captions_changed(self, *_: object) -> None:
        if self._loading or self.composition is None:
            return
        captions = composer.Captions(self.name_check.isChecked(), self.price_check.isChecked(),
                                     self.sizes_check.isChecked(), self.line_edit.text().strip())
        self.change(replace(self.composition, captions=captions, header=self.header_check.isChecked()),
                    "Captions")

    def _save_layout_as(self) -> None:
        if self.composition is None:
            return
        name, ok = QInputDialog.getText(self, "Save Layout As", "Name of your layout (letters, digits, dashes):")
        if not ok or not name.strip():
            return
        base = self.layouts[self.composition.layout]

        def save(store: Store) -> str:
            made = layouts.derive_layout(base, name.strip().lower())
            layouts.save_layout(store.library, made)
            return made.name

        self.db.run(save, on_done=lambda made: self.status.setText(f"Saved layout {made}."),
                    on_failure=self._failed)

    # -- the preview ----------------------------------------------------------------------------------
    def request_preview(self) -> None:
        """Draw the card again for the current composition (the latest change wins; one render at a time)."""
        if self.composition is None or self.set_id is None:
            return
        self._asked_at = time.perf_counter()
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._again = False
        composition, set_id = self.composition, self.set_id
        customer = self.customer_box.value() or None
        output = self.output_box.currentData() or "x"

        def gathered(card: CardInput) -> None:
            self.last_card = card
            self.renderer.submit(composer.render_card, card, output,
                                 on_done=lambda rendered: self._show_preview(rendered, card, composition),
                                 on_failure=self._preview_failed)

        self.db.run(composer.gather_card, set_id, composition, customer, on_done=gathered,
                    on_failure=self._preview_failed)

    @Slot(object)
    def _show_preview(self, rendered: RenderedCard, card: CardInput, composition: Composition) -> None:
        self.last_preview = rendered
        self.canvas.show_card(pil_to_qimage(rendered.image), card.layout, composition)
        self.warnings.setText("\n".join(rendered.warnings))
        self._done_preview()

    def _preview_failed(self, exc: BaseException) -> None:
        self.warnings.setText(str(exc) if isinstance(exc, LookbookError) else f"The card could not be drawn: {exc}")
        self._done_preview()

    def _done_preview(self) -> None:
        self._busy = False
        if self._again:
            self.request_preview()
            return
        self.preview_shown.emit((time.perf_counter() - self._asked_at) * 1000)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(str(exc))

    def cleanup(self) -> None:
        self.renderer.shutdown()
