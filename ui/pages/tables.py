"""Pages that show one table of rows from the store: sets, approvals, outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QLabel, QTableView, QWidget

from lookbook.listings import list_messages, list_sets
from lookbook.store import Store
from ui.models import RowsTableModel
from ui.pages.base import Page
from ui.workers import StoreRunner


class TablePage(Page):
    """A page with a hint line and one table filled by a core query."""

    headers: Sequence[str] = ()
    empty_hint = ""

    def __init__(self, db: StoreRunner, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.layout_.addWidget(self.hint)
        self.model = RowsTableModel(self.headers, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.layout_.addWidget(self.view)

    def query(self) -> Callable[[Store], list[tuple]]:
        raise NotImplementedError

    def reload(self) -> None:
        self.db.run(self.query(), on_done=self._show)

    def _show(self, rows: list[tuple]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()
        self.hint.setText(self.empty_hint if not rows else f"{len(rows)} shown")
        self.badge_changed.emit(self.badge(rows))

    def badge(self, rows: list[tuple]) -> str:
        return ""


class MatchPage(TablePage):
    title = "Match & Compose"
    watches = ("sets",)
    headers = ["Set", "Name", "Brand", "Shots", "Status", "Created by"]
    empty_hint = "No sets yet. Choose a brand's shots on Products & Brands to make a set, then match it here."

    def query(self) -> Callable[[Store], list[tuple]]:
        return list_sets


class ApprovalsPage(TablePage):
    title = "Approvals"
    watches = ("outbox",)
    headers = ["Message", "Customer", "Channel", "State", "Set", "Updated"]
    empty_hint = "Nothing waits for approval."

    def query(self) -> Callable[[Store], list[tuple]]:
        return lambda store: list_messages(store, ("pending",))

    def badge(self, rows: list[tuple]) -> str:
        return str(len(rows)) if rows else ""


class OutboxPage(TablePage):
    title = "Outbox"
    watches = ("outbox",)
    headers = ["Message", "Customer", "Channel", "State", "Set", "Updated"]
    empty_hint = "The outbox is empty. Approved messages wait here until they are sent."

    def query(self) -> Callable[[Store], list[tuple]]:
        return lambda store: list_messages(store, ("approved", "queued", "sending", "sent", "failed", "cancelled"))

    def badge(self, rows: list[tuple]) -> str:
        failed = sum(1 for r in rows if r[3] == "failed")
        return f"{failed} failed" if failed else ""
