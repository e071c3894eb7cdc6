"""Small Qt item models shared by several pages, and columns fitted to a table's width."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    QSize,
    Qt,
)
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QTreeView,
)

Index = QModelIndex | QPersistentModelIndex


class RowsTableModel(QAbstractTableModel):
    """A read-only table over rows of plain values, replaced wholesale by :meth:`set_rows`."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[Sequence[Any]] = []

    def set_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_values(self, row: int) -> Sequence[Any]:
        """Return the values of one row."""
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None


# -- fitting a table's columns to its width ------------------------------------------------------------------

def elided_tip(view: QAbstractItemView, index: Index) -> str | None:
    """Return the full text of a cell whose text is cut off (elided) in ``view``, with the cell's own tooltip.

    ``None`` when the text fits: the model's tooltip (if any) is then shown as usual.
    """
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if not text:
        return None
    text = str(text)
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1  # as Qt draws cells
    if view.fontMetrics().horizontalAdvance(text) + 2 * margin <= view.visualRect(index).width():
        return None
    own = index.data(Qt.ItemDataRole.ToolTipRole)
    return f"{text}\n\n{own}" if own and str(own) != text else text


class ElidedTipDelegate(QStyledItemDelegate):
    """Elide long cells (the view's elide mode) and show their whole text in a tooltip."""

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
                  index: Index) -> bool:
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            tip = elided_tip(view, index)
            if tip:
                QToolTip.showText(event.globalPos(), tip, view)
                return True
        return super().helpEvent(event, view, option, index)


class FittedColumns(QObject):
    """Keep a table's visible columns exactly as wide as its viewport, so it never scrolls sideways.

    Each column has a preferred width; one text column takes what is left (never less than ``stretch_min``, or
    its own preferred width where one is given and smaller: short names leave the room to the others).
    When the others leave it too little, they all shrink in proportion and their text is elided, with the
    whole text in a tooltip. The header's context menu shows or hides the ``optional`` columns; the choice is
    kept in QSettings under ``<key>/hidden_columns`` (by header text, so reordered columns keep it).
    """

    def __init__(self, view: QTableView | QTreeView, key: str, preferred: dict[int, int], stretch: int, *,
                 optional: Sequence[int] = (), hidden_by_default: Sequence[int] = (), stretch_min: int = 140,
                 min_width: int = 36, keep: Sequence[int] = (), drop: Sequence[int] = (),
                 drop_below: float = 0.8) -> None:
        super().__init__(view)
        self.view = view
        self.key = key
        self.preferred = dict(preferred)
        self.stretch = stretch
        self.optional = list(optional)
        self.stretch_min = stretch_min
        self.min_width = min_width
        #: Key columns (a SKU, a price) that keep their preferred width: the others shrink for them.
        self.keep = set(keep)
        #: Optional columns, least needed first, that step aside while the table is too narrow for them: while
        #: the other columns would be cut below ``drop_below`` of their preferred width (a 960-pixel window).
        #: They come back when the table widens; the header's menu says they wait for room. Once the person
        #: has picked the columns from the menu, none steps aside: what they chose shows, narrower.
        self.drop = [c for c in drop if c in self.optional]
        self.drop_below = drop_below
        self.dropped: set[int] = set()
        self._default_hidden = set(hidden_by_default)
        header = self.header
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(min_width)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._menu_requested)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        if isinstance(view, QTableView):
            view.setWordWrap(False)  # one line per row: long text is elided, not wrapped into a clipped second line
        view.setItemDelegate(ElidedTipDelegate(view))
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        view.viewport().installEventFilter(self)
        view.model().modelReset.connect(self.apply)
        self.apply()

    @property
    def header(self) -> QHeaderView:
        """Return the view's column header (a table's horizontal header or a tree's header)."""
        view = self.view
        return view.horizontalHeader() if isinstance(view, QTableView) else view.header()

    def _names(self) -> list[str]:
        model = self.view.model()
        return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]

    # -- which columns show -------------------------------------------------------------------------------
    def hidden(self) -> set[int]:
        """Return the columns hidden by choice (saved, else the defaults)."""
        saved = QSettings().value(f"{self.key}/hidden_columns")
        if saved is None:
            return set(self._default_hidden)
        try:
            names = set(json.loads(str(saved)))
        except ValueError:
            return set(self._default_hidden)
        return {c for c, name in enumerate(self._names()) if name in names and c in self.optional}

    def set_visible(self, column: int, visible: bool) -> None:
        """Show or hide an optional column, and remember the choice."""
        if column not in self.optional:
            return
        hidden = self.hidden()
        if visible:
            hidden.discard(column)
        else:
            hidden.add(column)
        names = self._names()
        QSettings().setValue(f"{self.key}/hidden_columns", json.dumps(sorted(names[c] for c in hidden)))
        self.apply()

    def menu(self) -> QMenu:
        """Return the header's menu: a check box per column (the fixed ones greyed out)."""
        menu = QMenu(self.header)
        hidden = self.hidden()
        for column, name in enumerate(self._names()):
            waiting = column in self.dropped and column not in hidden
            action = menu.addAction(f"{name} (widen the table to show it)" if waiting else name)
            action.setCheckable(True)
            action.setChecked(column not in hidden)
            action.setEnabled(column in self.optional and not waiting)
            action.toggled.connect(lambda on, column=column: self.set_visible(column, on))
        return menu

    def _menu_requested(self, pos: QPoint) -> None:
        menu = self.menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.header.mapToGlobal(pos))

    # -- widths ---------------------------------------------------------------------------------------------
    def section_hint(self, column: int) -> int:
        """Return the width column ``column``'s heading needs, hidden or not (Qt answers 0 for a hidden one, and
        a column that stepped aside for want of room must still know what it needs to come back)."""
        header = self.header
        if not header.isSectionHidden(column):
            return header.sectionSizeHint(column)
        option = QStyleOptionHeader()
        option.initFrom(header)
        option.section = column
        option.text = str(self.view.model().headerData(column, header.orientation()))
        option.orientation = header.orientation()
        return header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, option, QSize(), header).width()

    def set_preferred(self, widths: dict[int, int]) -> None:
        """Change some columns' preferred widths (e.g. measured from their contents) and fit again."""
        self.preferred.update(widths)
        self.fit()

    def apply(self) -> None:
        """Hide the columns chosen hidden, then fit the rest."""
        hidden = self.hidden()
        header = self.header
        for column in range(header.count()):
            header.setSectionHidden(column, column in hidden)
        self.dropped = set()  # every chosen column shows again; fit() sets aside those with no room
        self.fit()

    def fit(self) -> None:
        """Share the viewport's width among the visible columns (the stretch column gets the rest).

        Where the others would be cut below ``drop_below`` of their width, the ``drop`` columns step aside first,
        least needed first, so that the key columns stay whole and the rest readable.
        """
        header = self.header
        available = self.view.viewport().width()
        if available <= 0 or header.count() == 0:
            return
        chosen = [c for c in range(header.count()) if c not in self.hidden()]
        picked = QSettings().value(f"{self.key}/hidden_columns") is not None
        dropped: set[int] = set()
        while True:
            visible = [c for c in chosen if c not in dropped]
            want, room, total, floor = self._wanted(visible, available)
            scale = max(room, 0) / total if total > room and total else 1.0
            if scale < 1.0:
                want = {c: w if c in self.keep else max(self.min_width, int(w * scale)) for c, w in want.items()}
            # Columns held at min_width may still leave the text column less than its floor.
            short = available - sum(want.values()) < floor
            candidates = [] if picked else [c for c in self.drop if c in visible]
            if (scale >= self.drop_below and not short) or not candidates:
                break
            dropped.add(candidates[0])
        if dropped != self.dropped:
            self.dropped = dropped
            for column in chosen:
                header.setSectionHidden(column, column in dropped)
        for column, width in want.items():
            header.resizeSection(column, width)
        if self.stretch in visible:
            header.resizeSection(self.stretch, max(available - sum(want.values()), self.min_width))

    def _wanted(self, visible: list[int], available: int) -> tuple[dict[int, int], int, int, int]:
        """Return the preferred widths of the visible columns but the stretch one, the room left for those that
        shrink, what they would take, and the stretch column's floor (0 when it is hidden)."""
        others = [c for c in visible if c != self.stretch]
        want = {c: self.preferred.get(c, self.section_hint(c)) for c in others}
        kept = sum(w for c, w in want.items() if c in self.keep)
        total = sum(w for c, w in want.items() if c not in self.keep)
        # The text column's floor is its content where that is narrower, so that a short set name does not
        # cut a brand beside it ("Harbour & P…").
        floor = min(self.stretch_min, self.preferred.get(self.stretch, self.stretch_min))
        floor = floor if self.stretch in visible else 0
        return want, available - kept - floor, total, floor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False
