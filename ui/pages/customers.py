"""The Customers page: the customer book, searchable and loaded a page at a time."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QTableView, QWidget

from lookbook.listings import CustomerRow, count_customers, list_customers
from ui.pages.base import Page
from ui.workers import StoreRunner

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
HEADERS = ["Name", "E-mail", "X handle", "Prefers", "Likes"]


class CustomerBookModel(QAbstractTableModel):
    """Customers fetched from the DB worker in pages as the view scrolls."""

    def __init__(self, db: StoreRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self._db = db
        self._rows: list[CustomerRow] = []
        self._total = 0
        self._search = ""
        self._loading = False
        self._generation = 0  # answers to an older search are dropped

    def reset(self, search: str, total: int, first_page: list[CustomerRow]) -> None:
        self.beginResetModel()
        self._generation += 1
        self._search, self._total, self._rows, self._loading = search, total, first_page, False
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        c = self._rows[index.row()]
        return [c.name, c.email, f"@{c.x_handle}" if c.x_handle else "", c.preferred_channel, c.likes][
            index.column()] or ""

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and len(self._rows) < self._total and not self._loading

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._loading:
            return
        self._loading = True
        generation, offset, search = self._generation, len(self._rows), self._search
        self._db.run(lambda store: list_customers(store, offset, PAGE, search),
                     on_done=lambda rows: self._append(generation, rows))

    def _append(self, generation: int, rows: list[CustomerRow]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()


class CustomersPage(Page):
    """Search and browse the customer book."""

    title = "Customers"
    watches = ("customers",)

    def __init__(self, db: StoreRunner, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name, e-mail or X handle")
        self.search.setClearButtonEnabled(True)
        self.layout_.addWidget(self.search)
        self.summary = QLabel()
        self.layout_.addWidget(self.summary)
        self.model = CustomerBookModel(db, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.layout_.addWidget(self.view)
        # Wait for a pause in typing before searching.
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(self._debounce.start)

    def reload(self) -> None:
        search = self.search.text()
        self.db.run(lambda store: (count_customers(store, search), list_customers(store, 0, PAGE, search)),
                    on_done=lambda result: self._show(search, *result))

    def _show(self, search: str, total: int, rows: list[CustomerRow]) -> None:
        if search != self.search.text():
            return  # the user typed on; a newer search is on its way
        self.model.reset(search, total, rows)
        self.summary.setText(f"{total:,} customers" + (f" matching “{search}”" if search else ""))
