"""The garment box editor: the photo with its box, resized or moved by dragging.

The scene is in pixels of the upright original, so the box read from the editor is
the box the core stores, whatever size the preview image has. Handles ignore the
view's zoom, so they stay a comfortable size on a 12 MP photo and on a small one.
"""

from __future__ import annotations

from enum import Flag, auto

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

Box = tuple[int, int, int, int]
HANDLE_PX = 10
#: How close (in screen pixels) a press must be to a handle to grab it.
GRAB_PX = 9
MIN_SIDE = 16
BOX_COLOUR = QColor("#2f80ed")


class Edge(Flag):
    """Which edges a drag moves; all four = move the whole box."""

    NONE = 0
    LEFT = auto()
    TOP = auto()
    RIGHT = auto()
    BOTTOM = auto()
    ALL = LEFT | TOP | RIGHT | BOTTOM


#: The eight handles, by the edges each one moves, with their place on the box (fractions of width, height).
HANDLES: dict[Edge, tuple[float, float]] = {
    Edge.LEFT | Edge.TOP: (0, 0), Edge.TOP: (0.5, 0), Edge.RIGHT | Edge.TOP: (1, 0), Edge.RIGHT: (1, 0.5),
    Edge.RIGHT | Edge.BOTTOM: (1, 1), Edge.BOTTOM: (0.5, 1), Edge.LEFT | Edge.BOTTOM: (0, 1), Edge.LEFT: (0, 0.5),
}
CURSORS = {
    Edge.LEFT | Edge.TOP: Qt.CursorShape.SizeFDiagCursor, Edge.RIGHT | Edge.BOTTOM: Qt.CursorShape.SizeFDiagCursor,
    Edge.RIGHT | Edge.TOP: Qt.CursorShape.SizeBDiagCursor, Edge.LEFT | Edge.BOTTOM: Qt.CursorShape.SizeBDiagCursor,
    Edge.TOP: Qt.CursorShape.SizeVerCursor, Edge.BOTTOM: Qt.CursorShape.SizeVerCursor,
    Edge.LEFT: Qt.CursorShape.SizeHorCursor, Edge.RIGHT: Qt.CursorShape.SizeHorCursor,
    Edge.ALL: Qt.CursorShape.SizeAllCursor,
}


class BoxEditor(QGraphicsView):
    """Shows a photo and lets a person drag its garment box's handles (or the box itself)."""

    #: The box while it is being dragged, in original pixels (for live read-outs).
    box_dragging = Signal(object)
    #: The box after a drag or a nudge ended and it changed: (old box, new box).
    box_edited = Signal(object, object)
    #: In picking mode (the eyedropper), a click on the photo: its (x, y) in original pixels.
    point_picked = Signal(float, float)
    #: Picking mode was turned on or off (a pick or Esc ends it).
    picking_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(QSize(200, 180))
        self.setToolTip("Drag a handle to fit the box to the garment, or drag inside it to move it.\n"
                        "Arrow keys move it; Shift+arrows resize it.")
        self.setAccessibleName("Garment box editor")
        self._photo = QGraphicsPixmapItem()
        self._photo.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._photo)
        self._shade = QColor(0, 0, 0, 90)
        pen = QPen(BOX_COLOUR, 2)
        pen.setCosmetic(True)  # two screen pixels wide at any zoom
        self._rect = QGraphicsRectItem()
        self._rect.setPen(pen)
        self._rect.setZValue(1)
        self.scene().addItem(self._rect)
        self._handles: dict[Edge, QGraphicsRectItem] = {}
        for edge in HANDLES:
            handle = QGraphicsRectItem(-HANDLE_PX / 2, -HANDLE_PX / 2, HANDLE_PX, HANDLE_PX)
            handle.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            handle.setBrush(QBrush(QColor("white")))
            handle.setPen(QPen(BOX_COLOUR, 1.5))
            handle.setZValue(2)
            self.scene().addItem(handle)
            self._handles[edge] = handle
        self._size = QSize(0, 0)
        self._box = QRectF()
        self._drag = Edge.NONE
        self._drag_from = QPointF()
        self._drag_start_box = QRectF()
        self._picking = False
        # The point marked as white or grey: a ring that keeps its screen size at any zoom.
        self._neutral = QGraphicsEllipseItem(-7, -7, 14, 14)
        self._neutral.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        ring = QPen(QColor("white"), 2)
        ring.setCosmetic(True)
        self._neutral.setPen(ring)
        self._neutral.setBrush(QBrush(QColor(0, 0, 0, 0)))
        self._neutral.setZValue(3)
        # A dark ring just outside the white one: the mark shows on a white shirt and a black floor alike.
        outer = QGraphicsEllipseItem(-9, -9, 18, 18, self._neutral)
        rim = QPen(QColor("black"), 1.5)
        rim.setCosmetic(True)
        outer.setPen(rim)
        self._neutral.setToolTip("White balance is taken from this point (marked as white or grey)")
        self._neutral.setVisible(False)
        self.scene().addItem(self._neutral)
        self.set_enabled_box(False)

    # -- contents ------------------------------------------------------------------
    def set_photo(self, image: QImage | QPixmap, original: QSize, box: Box | None) -> None:
        """Show ``image`` (any size) as a photo of ``original`` pixels, with ``box`` in original pixels."""
        pixmap = image if isinstance(image, QPixmap) else QPixmap.fromImage(image)
        self._photo.setPixmap(pixmap)
        self._size = QSize(original)
        if pixmap.width() > 0:
            self._photo.setScale(original.width() / pixmap.width())
        self.scene().setSceneRect(QRectF(0, 0, original.width(), original.height()))
        self.set_box(box)
        self._fit()

    def clear(self) -> None:
        """Show nothing."""
        self.set_picking(False)
        self._photo.setPixmap(QPixmap())
        self._size = QSize(0, 0)
        self.set_box(None)
        self.set_neutral(None)

    def set_box(self, box: Box | None) -> None:
        """Place the box (original pixels) without emitting :attr:`box_edited`."""
        self._box = QRectF() if box is None else QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1])
        self.set_enabled_box(box is not None)
        self._place()

    def set_neutral(self, point: tuple[float, float] | None) -> None:
        """Mark the point (original pixels) white balance is taken from; ``None``: no mark."""
        self._neutral.setVisible(point is not None)
        if point is not None:
            self._neutral.setPos(point[0], point[1])

    def neutral_shown(self) -> tuple[float, float] | None:
        """Return the marked neutral point, or ``None`` (for tests and accessibility tools)."""
        return (self._neutral.pos().x(), self._neutral.pos().y()) if self._neutral.isVisible() else None

    def set_picking(self, on: bool) -> None:
        """Turn the eyedropper on or off: while on, a click on the photo emits :attr:`point_picked`."""
        on = bool(on) and self._size.width() > 0
        if on == self._picking:
            return
        self._picking = on
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.picking_changed.emit(on)

    def picking(self) -> bool:
        """Return whether the eyedropper is on."""
        return self._picking

    def box(self) -> Box | None:
        """Return the box in whole original pixels, ``(x0, y0, x1, y1)`` with x1, y1 exclusive."""
        if self._box.isNull():
            return None
        r = self._box
        return (round(r.left()), round(r.top()), round(r.right()), round(r.bottom()))

    def photo_size(self) -> tuple[int, int] | None:
        """Return the upright original's ``(width, height)``, or ``None`` when no photo is shown."""
        return None if self._size.width() == 0 else (self._size.width(), self._size.height())

    def set_enabled_box(self, shown: bool) -> None:
        self._rect.setVisible(shown)
        for handle in self._handles.values():
            handle.setVisible(shown)

    def handle_position(self, edge: Edge) -> QPointF:
        """Return where a handle is, in viewport coordinates (for tests and accessibility tools)."""
        fx, fy = HANDLES[edge]
        r = self._box
        return self.mapFromScene(QPointF(r.left() + fx * r.width(), r.top() + fy * r.height())).toPointF()

    def _place(self) -> None:
        r = self._box
        self._rect.setRect(r)
        for edge, handle in self._handles.items():
            fx, fy = HANDLES[edge]
            handle.setPos(r.left() + fx * r.width(), r.top() + fy * r.height())
        self.viewport().update()

    def _fit(self) -> None:
        if self._size.width() > 0:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        # Dim what lies outside the box, so the eye checks the edges that matter.
        if self._box.isNull() or self._size.width() == 0:
            return
        outside = QRectF(0, 0, self._size.width(), self._size.height())
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._shade)
        r = self._box
        painter.drawRect(QRectF(outside.left(), outside.top(), outside.width(), r.top()))
        painter.drawRect(QRectF(outside.left(), r.bottom(), outside.width(), outside.bottom() - r.bottom()))
        painter.drawRect(QRectF(outside.left(), r.top(), r.left(), r.height()))
        painter.drawRect(QRectF(r.right(), r.top(), outside.right() - r.right(), r.height()))
        painter.restore()

    # -- dragging ------------------------------------------------------------------
    def _hit(self, pos: QPointF) -> Edge:
        """Return what a press at viewport ``pos`` would drag."""
        if self._box.isNull():
            return Edge.NONE
        best, best_d = Edge.NONE, float(GRAB_PX)
        for edge in HANDLES:
            d = (self.handle_position(edge) - pos).manhattanLength() / 1.4
            if d <= best_d:
                best, best_d = edge, d
        if best != Edge.NONE:
            return best
        return Edge.ALL if self._box.contains(self.mapToScene(pos.toPoint())) else Edge.NONE

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._picking and event.button() == Qt.MouseButton.LeftButton:
            at = self.mapToScene(event.position().toPoint())
            event.accept()
            if 0 <= at.x() < self._size.width() and 0 <= at.y() < self._size.height():
                self.set_picking(False)
                self.point_picked.emit(float(round(at.x(), 1)), float(round(at.y(), 1)))
            return
        edge = self._hit(event.position())
        if event.button() != Qt.MouseButton.LeftButton or edge == Edge.NONE:
            super().mousePressEvent(event)
            return
        self._drag = edge
        self._drag_from = self.mapToScene(event.position().toPoint())
        self._drag_start_box = QRectF(self._box)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._picking:
            event.accept()
            return
        if self._drag == Edge.NONE:
            self.viewport().setCursor(CURSORS.get(self._hit(event.position()), Qt.CursorShape.ArrowCursor))
            super().mouseMoveEvent(event)
            return
        delta = self.mapToScene(event.position().toPoint()) - self._drag_from
        self._box = self._dragged(self._drag_start_box, self._drag, delta)
        self._place()
        self.box_dragging.emit(self.box())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag == Edge.NONE:
            super().mouseReleaseEvent(event)
            return
        self._drag = Edge.NONE
        self._finish(self._drag_start_box)
        event.accept()

    def _finish(self, before: QRectF) -> None:
        old = (round(before.left()), round(before.top()), round(before.right()), round(before.bottom()))
        new = self.box()
        if new is not None and new != old:
            self.box_edited.emit(old, new)

    def _dragged(self, start: QRectF, edge: Edge, delta: QPointF) -> QRectF:
        """Return ``start`` with ``edge`` moved by ``delta``, kept inside the photo and at least MIN_SIDE big."""
        w, h = float(self._size.width()), float(self._size.height())
        left, top, right, bottom = start.left(), start.top(), start.right(), start.bottom()
        if edge == Edge.ALL:
            dx = min(max(delta.x(), -left), w - right)
            dy = min(max(delta.y(), -top), h - bottom)
            return QRectF(left + dx, top + dy, start.width(), start.height())
        if edge & Edge.LEFT:
            left = min(max(0.0, left + delta.x()), right - MIN_SIDE)
        if edge & Edge.RIGHT:
            right = max(min(w, right + delta.x()), left + MIN_SIDE)
        if edge & Edge.TOP:
            top = min(max(0.0, top + delta.y()), bottom - MIN_SIDE)
        if edge & Edge.BOTTOM:
            bottom = max(min(h, bottom + delta.y()), top + MIN_SIDE)
        return QRectF(QPointF(left, top), QPointF(right, bottom))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Arrow keys nudge by 1 % of the photo (Shift: resize from the bottom-right corner), for
        # people who cannot or would rather not drag.
        if self._picking and event.key() == Qt.Key.Key_Escape:
            self.set_picking(False)
            event.accept()
            return
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        step = steps.get(Qt.Key(event.key()))
        if step is None or self._box.isNull():
            super().keyPressEvent(event)
            return
        unit = max(1.0, 0.01 * max(self._size.width(), self._size.height()))
        delta = QPointF(step[0] * unit, step[1] * unit)
        resize = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        before = QRectF(self._box)
        self._box = self._dragged(before, Edge.RIGHT | Edge.BOTTOM if resize else Edge.ALL, delta)
        self._place()
        self._finish(before)
        event.accept()
