"""The workflow sidebar: one row per page, with a badge telling what waits there."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex
#: Data role of a row's badge text ("3 to review"; empty for none).
BadgeRole = Qt.ItemDataRole.UserRole + 10
#: Data role of a row's own tooltip, before the badge's text is added to it.
TipRole = Qt.ItemDataRole.UserRole + 11
ALERT = QColor("#c0392b")
WAITING = QColor("#d9822b")


class SidebarDelegate(QStyledItemDelegate):
    """Paints a row's icon and title, then its badge as a pill at the right edge.

    The title never runs under the badge: a badge that leaves the title too little room
    shows only its count ("98" for "98 to approve"; the whole text stays in the row's
    tooltip and accessible name), and a title that still does not fit is elided.
    """

    #: The least width kept for a row's title before its badge is shortened to the count.
    MIN_TITLE = 96

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 60, max(size.height(), 34))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Every row holds a string here (Sidebar.add_page): PySide6 6.12 drops a reference to None
        # whenever index.data() returns an empty QVariant, which a paint loop must never do.
        badge = index.data(BadgeRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        if not badge:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
            return
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        font.setBold(True)
        metrics = QFontMetrics(font)
        rect: QRect = option.rect
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        shown = badge
        width = metrics.horizontalAdvance(shown) + 14
        if rect.right() - width - 12 - text_rect.left() < self.MIN_TITLE:
            shown = badge.split(" ", 1)[0]
            width = metrics.horizontalAdvance(shown) + 14
        height = metrics.height() + 4
        pill = QRect(rect.right() - width - 8, rect.center().y() - height // 2, width, height)
        room = pill.left() - 6 - text_rect.left()
        opt.text = QFontMetrics(opt.font).elidedText(opt.text, Qt.TextElideMode.ElideRight, max(room, 0))
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ALERT if "fail" in badge else WAITING)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.setFont(font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)
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
        item.setData(TipRole, tooltip)
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
        # The pill may show only the count on a narrow sidebar; the tooltip always has the whole text.
        tip = item.data(TipRole)
        item.setToolTip(f"{tip}\n{text[:1].upper()}{text[1:]}." if text else tip)

    def badge(self, row: int) -> str:
        """Return row ``row``'s badge text."""
        return self.item(row).data(BadgeRole) or ""
