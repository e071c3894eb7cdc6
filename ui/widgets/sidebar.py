"""The workflow sidebar: one row per page, with a badge telling what waits there.

Where the window is narrow the sidebar is an icon rail (as in VS Code or Slack): each row shows its icon
alone, centred, with the badge's count in a small pill over the icon's corner. The titles stay reachable:
each row's tooltip starts with its title, its accessible name is the title (with the badge), and the Go menu
lists every page. The rail is chosen by the main window (:meth:`Sidebar.set_rail`) and taken by itself
whenever the sidebar is too narrow for a title (a splitter squeezed it): a row never shows an elided title.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QResizeEvent
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
#: Data role of a row's own tooltip, before the title and the badge's text are added to it.
TipRole = Qt.ItemDataRole.UserRole + 11
ALERT = QColor("#c0392b")
WAITING = QColor("#d9822b")
#: The rail's width: the icon (20 px), the row's padding and the list's, and room for a count pill's overhang.
RAIL_WIDTH = 60


def badge_count(badge: str) -> str:
    """Return the short form of a badge: its count ("98" for "98 to approve"), "99+" past 99."""
    count = badge.split(" ", 1)[0]
    return "99+" if count.isdigit() and int(count) > 99 else count


class SidebarDelegate(QStyledItemDelegate):
    """Paints a row's icon and title, then its badge as a pill at the right edge; on a rail, the icon alone.

    The title never runs under the badge: a badge that leaves the title too little room
    shows only its count ("98" for "98 to approve"; the whole text stays in the row's
    tooltip and accessible name). A title that still does not fit is never elided: the
    sidebar turns into a rail instead (:meth:`Sidebar.compact`).
    """

    #: The least width kept for a row's title before its badge is shortened to the count.
    MIN_TITLE = 96

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 60, max(size.height(), 34))

    @staticmethod
    def _badge_font(option: QStyleOptionViewItem, scale: float = 0.85) -> QFont:
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() * scale))
        font.setBold(True)
        return font

    def title_fits(self, option: QStyleOptionViewItem, index: Index) -> bool:
        """Return whether the row's title shows whole beside its icon (and its badge's count, if any)."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        need = QFontMetrics(opt.font).horizontalAdvance(opt.text) + 2
        badge = index.data(BadgeRole)
        if badge:
            need += QFontMetrics(self._badge_font(option)).horizontalAdvance(badge_count(badge)) + 14 + 14
        return text_rect.left() + need <= option.rect.right()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Every row holds a string here (Sidebar.add_page): PySide6 6.12 drops a reference to None
        # whenever index.data() returns an empty QVariant, which a paint loop must never do.
        badge = index.data(BadgeRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        sidebar = opt.widget
        if isinstance(sidebar, Sidebar) and sidebar.compact:
            self._paint_rail(painter, opt, style, badge)
            return
        if not badge:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
            return
        font = self._badge_font(option)
        metrics = QFontMetrics(font)
        rect: QRect = option.rect
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        shown = badge
        width = metrics.horizontalAdvance(shown) + 14
        if rect.right() - width - 12 - text_rect.left() < self.MIN_TITLE:
            shown = badge_count(badge)
            width = metrics.horizontalAdvance(shown) + 14
        height = metrics.height() + 4
        pill = QRect(rect.right() - width - 8, rect.center().y() - height // 2, width, height)
        room = pill.left() - 6 - text_rect.left()
        opt.text = QFontMetrics(opt.font).elidedText(opt.text, Qt.TextElideMode.ElideRight, max(room, 0))
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        self._paint_pill(painter, pill, shown, font, ALERT if "fail" in badge else WAITING)

    def _paint_rail(self, painter: QPainter, opt: QStyleOptionViewItem, style: QStyle, badge: str) -> None:
        """Paint the row as an icon, centred, with the badge's count in a pill over the icon's top right."""
        icon = QIcon(opt.icon)  # a copy: the option's own is emptied below
        # The row's background (hover, selection) as the style sheet draws it, with no text and no icon.
        opt.text = ""
        opt.icon = QIcon()
        opt.features &= ~(QStyleOptionViewItem.ViewItemFeature.HasDisplay
                          | QStyleOptionViewItem.ViewItemFeature.HasDecoration)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        size = opt.decorationSize
        rect: QRect = opt.rect
        icon_rect = QRect(rect.center().x() - size.width() // 2 + 1, rect.center().y() - size.height() // 2,
                          size.width(), size.height())
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        icon.paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter,
                   QIcon.Mode.Selected if selected else QIcon.Mode.Normal)
        if not badge:
            return
        font = self._badge_font(opt, 0.72)
        metrics = QFontMetrics(font)
        shown = badge_count(badge)
        height = metrics.height() + 2
        width = max(height, metrics.horizontalAdvance(shown) + 8)
        # Over the icon's top right corner, kept inside the row.
        left = min(icon_rect.right() - width // 2 + 4, rect.right() - width - 1)
        pill = QRect(left, max(rect.top() + 1, icon_rect.top() - height // 2), width, height)
        self._paint_pill(painter, pill, shown, font, ALERT if "fail" in badge else WAITING)

    @staticmethod
    def _paint_pill(painter: QPainter, pill: QRect, text: str, font: QFont, colour: QColor) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setPen(QColor("white"))
        painter.setFont(font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class Sidebar(QListWidget):
    """The list of workflow steps: titles and badges, or an icon rail where the window is narrow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setIconSize(QSize(20, 20))
        self._delegate = SidebarDelegate(self)
        self.setItemDelegate(self._delegate)
        self.setAccessibleName("Workflow steps")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._rail = False
        self._compact = False

    def add_page(self, title: str, tooltip: str) -> QListWidgetItem:
        """Add a row for a page; return it."""
        item = QListWidgetItem(title)
        item.setData(TipRole, tooltip)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        item.setSizeHint(QSize(200, 36))
        # Always a string, never an empty QVariant: see set_badge.
        item.setData(BadgeRole, "")
        self.addItem(item)
        self._show_tip(item)
        return item

    def set_badge(self, row: int, text: str) -> None:
        """Show ``text`` in row ``row``'s badge (nothing for empty text)."""
        item = self.item(row)
        item.setData(BadgeRole, text)
        title = item.text()
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{title}, {text}" if text else title)
        self._show_tip(item)
        self._update_compact()

    def badge(self, row: int) -> str:
        """Return row ``row``'s badge text."""
        return self.item(row).data(BadgeRole) or ""

    def _show_tip(self, item: QListWidgetItem) -> None:
        # The title first (a rail shows none), then what the page is for; the pill may show only the count,
        # so the badge's whole text follows.
        text = item.data(BadgeRole)
        lines = [item.text(), item.data(TipRole)]
        if text:
            lines.append(f"{text[:1].upper()}{text[1:]}.")
        item.setToolTip("\n".join(lines))

    # -- the rail ---------------------------------------------------------------------
    @property
    def compact(self) -> bool:
        """Whether the rows show their icons alone: the rail was asked for, or a title would not fit."""
        return self._compact

    @property
    def rail(self) -> bool:
        """Whether the main window asked for the icon rail (:meth:`set_rail`)."""
        return self._rail

    def set_rail(self, rail: bool) -> None:
        """Be the narrow icon rail (``True``, a fixed width) or the sidebar with titles (any width)."""
        if rail == self._rail:
            return
        self._rail = rail
        if rail:
            self.setFixedWidth(RAIL_WIDTH)
        else:
            self.setMinimumWidth(0)
            self.setMaximumWidth(16_777_215)  # QWIDGETSIZE_MAX: the splitter decides again
        self._update_compact()

    def titles_fit(self) -> bool:
        """Return whether every row's title shows whole at the sidebar's width."""
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        for row in range(self.count()):
            index = self.model().index(row, 0)
            option.rect = QRect(self.visualRect(index).topLeft(), QSize(self.viewport().width(),
                                                                        self.visualRect(index).height()))
            if not self._delegate.title_fits(option, index):
                return False
        return True

    def _update_compact(self) -> None:
        compact = self._rail or not self.titles_fit()
        if compact != self._compact:
            self._compact = compact
            self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_compact()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._update_compact()
