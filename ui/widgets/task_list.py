"""A list of follow-up tasks with Done, Snooze and Dismiss: one click each (the Tasks page and the profile)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from lookbook.clienteling import tasks
from lookbook.store.database import Store
from ui.models import Index, RowsTableModel
from ui.widgets.tables import read_only_table
from ui.workers import StoreRunner

HEADERS = ["Due", "Status", "What", "Customer", "Task", "Associate", "Detail"]
OVERDUE_COLOUR = QColor("#c0392b")


class _Model(RowsTableModel):
    """Rows of tasks; an overdue task's due time is red."""

    overdue_rows: set[int] = set()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self.overdue_rows and index.column() <= 1:
            return OVERDUE_COLOUR
        return super().data(index, role)


class TaskList(QWidget):
    """Tasks in a table; the buttons act on the selected ones through :func:`lookbook.clienteling.tasks.act`."""

    #: A change finished, with a line saying what happened (or why not).
    acted = Signal(str)

    def __init__(self, db: StoreRunner, actor: Callable[[], str], parent: QWidget | None = None, *,
                 show_customer: bool = True) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.tasks: list[tasks.Task] = []
        self.model = _Model(HEADERS, self)
        self.model.overdue_rows = set()
        self.view = read_only_table(self.model)
        if not show_customer:
            self.view.hideColumn(3)
        self.done_button = QPushButton("&Done")
        self.done_button.setToolTip("Mark the chosen tasks done")
        self.snooze_button = QPushButton("Snoo&ze 1 Day")
        self.snooze_button.setToolTip("Put the chosen tasks off until this time tomorrow")
        self.dismiss_button = QPushButton("Dis&miss")
        self.dismiss_button.setToolTip("Dismiss the chosen tasks: they do not come back")
        self.stop_button = QPushButton("Opt-&Out")
        self.stop_button.setToolTip("The customer did ask to stop: withdraw their consent on that channel")
        self.not_stop_button = QPushButton("&Not an Opt-Out")
        self.not_stop_button.setToolTip("The reply was not a request to stop: use the paused channel again")
        self.stop_button.clicked.connect(lambda: self.confirm_stop(True))
        self.not_stop_button.clicked.connect(lambda: self.confirm_stop(False))
        for button, action in ((self.done_button, "done"), (self.snooze_button, "snooze"),
                               (self.dismiss_button, "dismiss")):
            button.clicked.connect(lambda _=False, action=action: self.act(action))
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        buttons.addWidget(self.done_button)
        buttons.addWidget(self.snooze_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addSpacing(16)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.not_stop_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(buttons)
        column.addWidget(self.view, 1)
        self._update_buttons()

    def set_tasks(self, found: list[tasks.Task]) -> None:
        """Show these tasks (soonest due first)."""
        now = dt.datetime.now(dt.UTC)
        self.tasks = found
        self.model.overdue_rows = {row for row, t in enumerate(found) if t.overdue(now)}
        self.model.set_rows([(t.due_at[:16].replace("T", " "), "overdue" if t.overdue(now) else "",
                              tasks.KIND_LABELS[t.kind], t.customer, t.title, t.associate or "—", t.detail)
                             for t in found])
        self.view.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> list[tasks.Task]:
        """Return the chosen tasks."""
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return [self.tasks[row] for row in rows if row < len(self.tasks)]

    def _update_buttons(self) -> None:
        found = self.selected()
        for button in (self.done_button, self.snooze_button, self.dismiss_button):
            button.setEnabled(bool(found))
        # A possible opt-out is answered yes or no (one task at a time: each withdraws consent differently).
        asks = len(found) == 1 and found[0].kind == "confirm_opt_out"
        self.stop_button.setVisible(asks)
        self.not_stop_button.setVisible(asks)
        self.done_button.setEnabled(bool(found) and not asks)

    def act(self, action: str) -> None:
        """Mark the chosen tasks done, snooze or dismiss them."""
        ids = [t.id for t in self.selected()]
        if not ids:
            return
        actor = self.actor()
        word = tasks.ACTIONS[action]

        def work(store: Store) -> object:
            return tasks.act(store, ids, action, actor=actor)

        self.db.run(work, on_done=lambda _r: self.acted.emit(f"{len(ids)} task{'' if len(ids) == 1 else 's'} {word}."),
                    on_failure=lambda exc: self.acted.emit(str(exc)))

    def confirm_stop(self, opted_out: bool) -> None:
        """Answer the chosen "Asked to stop?" task."""
        found = self.selected()
        if len(found) != 1 or found[0].kind != "confirm_opt_out":
            return
        task_id, actor = found[0].id, self.actor()

        def work(store: Store) -> object:
            return tasks.confirm_opt_out(store, task_id, opted_out, actor=actor)

        done = "Consent withdrawn on that channel." if opted_out else "Not an opt-out: the channel is used again."
        self.db.run(work, on_done=lambda _r: self.acted.emit(done), on_failure=lambda exc: self.acted.emit(str(exc)))
