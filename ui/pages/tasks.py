"""The Tasks page: each associate's follow-ups (replies to answer, holds ending, follow-ups, lapsed clients).

An associate sees their own tasks; a manager sees everyone's, with the overdue count per associate.
The page makes the tasks now due (:func:`lookbook.clienteling.tasks.refresh`) each time it loads.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget

from lookbook.clienteling import tasks
from lookbook.store.database import Store
from ui.pages.base import Page
from ui.signin import Session
from ui.widgets.empty_state import empty_state
from ui.widgets.task_list import TaskList
from ui.workers import StoreRunner


@dataclass(frozen=True)
class TasksData:
    """What the page shows, loaded together on the DB thread."""

    tasks: list[tasks.Task]
    overdue: dict[str, int]


def load_tasks(store: Store, associate: str | None, overdue_only: bool) -> TasksData:
    """Make the tasks now due, then return the list and the overdue counts per associate."""
    tasks.refresh(store)
    return TasksData(tasks.list_tasks(store, associate=associate, overdue_only=overdue_only),
                     tasks.overdue_by_associate(store))


class TasksPage(Page):
    """Follow-up tasks with due dates; done, snoozed or dismissed in one click."""

    title = "Tasks"
    watches = ("customers", "outbox", "products")

    def __init__(self, db: StoreRunner, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        self.whose = QComboBox()
        self.whose.addItem("My tasks", "mine")
        self.whose.addItem("Everyone's tasks", "all")
        self.whose.setToolTip("An associate's own tasks, or every associate's (managers)")
        self.whose.currentIndexChanged.connect(lambda *_: self.reload())
        self.overdue_only = QCheckBox("&Overdue only")
        self.overdue_only.toggled.connect(lambda *_: self.reload())
        self.overdue_label = QLabel()
        self.overdue_label.setObjectName("overduePerAssociate")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()  # shown with something to say: empty, it left a blank band above the buttons
        controls = QHBoxLayout()
        show_label = QLabel("&Show:")
        show_label.setBuddy(self.whose)
        controls.addWidget(show_label)
        controls.addWidget(self.whose)
        controls.addWidget(self.overdue_only)
        controls.addStretch(1)
        controls.addWidget(self.overdue_label)
        self.list = TaskList(db, self._actor)
        self.list.acted.connect(self.say)
        self.empty = empty_state(self.list.view, "")
        self.layout_.addLayout(controls)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.list, 1)
        self._loaded_once = False
        if session is not None:
            session.changed.connect(self._session_changed)
        self._session_changed()

    def say(self, text: str) -> None:
        """Show what an action did (or why not) above the list; nothing to say takes no room."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _actor(self) -> str:
        user = self.session.user if self.session is not None else None
        return user.username if user is not None else "app"

    def _session_changed(self, *_: object) -> None:
        user = self.session.user if self.session is not None else None
        manager = user is None or user.role in ("manager", "admin")
        self.whose.blockSignals(True)
        self.whose.setCurrentIndex(1 if manager else 0)
        self.whose.blockSignals(False)
        self.overdue_label.setVisible(manager)
        if self._loaded_once:  # another person: their tasks (before any library is open there is nothing)
            self.reload()

    def reload(self) -> None:
        user = self.session.user if self.session is not None else None
        associate = user.username if user is not None and self.whose.currentData() == "mine" else None
        self.db.run(load_tasks, associate, self.overdue_only.isChecked(), on_done=self._show,
                    on_failure=lambda exc: self.say(str(exc)))

    def empty_text(self) -> str:
        """What the empty list says: why it is empty under the filters now chosen, and what makes tasks."""
        if self.overdue_only.isChecked():
            return "<b>Nothing overdue.</b><br>Clear <b>Overdue only</b> to see the tasks still to come."
        whose = "for you" if self.whose.currentData() == "mine" else "for anyone"
        return (f"<b>No tasks {whose}.</b><br>Tasks appear here by themselves: a reply to answer, a hold that ends, "
                "a follow-up after a lookbook nobody answered, a customer who has not heard from the store.")

    def _show(self, data: TasksData) -> None:
        self._loaded_once = True
        self.list.set_tasks(data.tasks)
        self.empty.set_text(self.empty_text())
        words = [f"{a or 'no associate'} {n}" for a, n in data.overdue.items()]
        self.overdue_label.setText("Overdue: " + (", ".join(words) if words else "none"))
        user = self.session.user if self.session is not None else None
        mine = sum(data.overdue.values()) if user is None or user.role in ("manager", "admin") else \
            data.overdue.get(user.username, 0)
        self.badge_changed.emit(f"{mine} overdue" if mine else "")
