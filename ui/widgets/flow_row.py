"""A row of buttons that wraps onto a second line where its panel is narrow, instead of widening the panel."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QStyle, QWidget


class FlowLayout(QLayout):
    """Lay items left to right, starting a new line when the next would not fit (Qt's Flow Layout example).

    Its minimum width is its widest item's, so a panel holding it may be as narrow as that; its height follows
    its width (:meth:`heightForWidth`).
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        # One line: every item side by side.
        widths = [item.sizeHint().width() for item in self._items if not item.isEmpty()]
        height = max((item.sizeHint().height() for item in self._items if not item.isEmpty()), default=0)
        return QSize(sum(widths) + self._spacing * max(len(widths) - 1, 0), height)

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x > rect.x() and x + hint.width() > rect.right() + 1:
                x, y, line = rect.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y()


class FlowRow(QWidget):
    """A widget holding a :class:`FlowLayout` whose minimum height is what its lines need at its width.

    A layout in a splitter does not ask for height-for-width (see :class:`ui.widgets.wrapped_label.WrappedLabel`):
    the row keeps its minimum height itself, so the second line is never cut off or laid over what is below.
    """

    def __init__(self, widgets: list[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        spacing = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
        self.flow = FlowLayout(self, spacing=spacing if spacing > 0 else 6)  # as a box layout spaces its buttons
        for widget in widgets:
            self.flow.addWidget(widget)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        need = self.flow.heightForWidth(event.size().width())
        if need != self.minimumHeight():
            self.setMinimumHeight(need)
            self.setMaximumHeight(need)
