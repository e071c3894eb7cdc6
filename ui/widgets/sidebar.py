"""The workflow sidebar: one row per page, with a badge telling what waits there."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex
#: Data role of a row's badge text ("3 to review"; empty for none).
BadgeRole = Qt.ItemDataRole.UserRole + 10
ALERT = QColor("#c0392b")
WAITING = QColor("#d9822b")


class SidebarDelegate(QStyledItemDelegate):
    """Paints a row as usual, then its badge as a pill at the right edge."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 60, max(size.height(), 34))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        # Every row holds a string here (Sidebar.add_page): PySide6 6.12 drops a reference to None
        # whenever index.data() returns an empty QVariant, which a paint loop must never do.
        badge = index.data(BadgeRole)
        if not badge:
            return
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        font.setBold(True)
        metrics = QFontMetrics(font)
        width = metrics.horizontalAdvance(badge) + 14
        height = metrics.height() + 4
        rect: QRect = option.rect
        pill = QRect(rect.right() - width - 8, rect.center().y() - height // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ALERT if "fail" in badge else WAITING)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.setFont(font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge)
        painter.restore()


class Sidebar(QListWidget):
    """The list of workflow steps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setIconSize(QSize(20, 20))
        self.setItemDelegate(SidebarDelegate(self))
        self.setAccessibleName("Workflow steps")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def add_page(self, title: str, tooltip: str) -> QListWidgetItem:
        """Add a row for a page; return it."""
        item = QListWidgetItem(title)
        item.setToolTip(tooltip)
        item.setSizeHint(QSize(200, 36))
        # Always a string, never an empty QVariant: see set_badge.
        item.setData(BadgeRole, "")
        self.addItem(item)
        return item

    def set_badge(self, row: int, text: str) -> None:
        """Show ``text`` in row ``row``'s badge (nothing for empty text)."""
        item = self.item(row)
        item.setData(BadgeRole, text)
        title = item.text()
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{title}, {text}" if text else title)

    def badge(self, row: int) -> str:
        """Return row ``row``'s badge text."""
        return self.item(row).data(BadgeRole) or ""
