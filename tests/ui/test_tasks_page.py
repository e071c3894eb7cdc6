"""The Tasks page and the profile's Tasks tab: tasks made for each associate; done, snoozed, dismissed in a click."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from lookbook.clienteling import tasks
from lookbook.store.database import create_store
from lookbook.store.users import User
from outbox_support import add_staff, add_world
from ui.pages.tasks import TasksPage
from ui.signin import Session

from .test_customers_page import on_db

ALEX = User(1, "alex", "Alex Kim", "associate", True)
MARIA = User(2, "maria", "Maria Lopez", "manager", True)


@pytest.fixture
def library(qtbot, runners, tmp_path: Path):
    db, _ = runners
    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    w = add_world(store)
    ids = dict(store.db.execute("SELECT username, id FROM users"))
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id IN (?, ?)", [ids["alex"], *w.customers[:2]])
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id = ?", [ids["maria"], w.customers[2]])
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=5)).isoformat(timespec="seconds")
    for n, customer in enumerate(w.customers):
        store.db.execute("INSERT INTO replies (customer_id, channel, external_id, body, received_at) VALUES"
                         " (?, 'x', ?, 'Do you have it in M?', ?)", [customer, f"e{n}", old])
    store.close()
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(path)
    return db, w


def _page(qtbot, db, user: User) -> TasksPage:
    session = Session()
    session.sign_in(user)
    page = TasksPage(db, session)
    qtbot.addWidget(page)
    db.library_changed.connect(page.on_library_changed)
    page.resize(1100, 600)
    page.show()
    page.reload()
    return page


def test_an_associate_sees_their_tasks_and_clears_them_in_one_click(qtbot, library) -> None:
    db, w = library
    page = _page(qtbot, db, ALEX)
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 2, timeout=20_000)
    assert {page.list.model.row_values(r)[1] for r in range(2)} == {"overdue"}
    assert not page.overdue_label.isVisible()
    # Nothing said yet: the buttons sit right under the filters, no blank line between them.
    assert not page.status.isVisible()
    assert page.list.done_button.mapTo(page, page.list.done_button.rect().topLeft()).y() - \
        page.whose.mapTo(page, page.whose.rect().bottomLeft()).y() <= 2 * page.layout_.spacing()
    page.list.view.selectRow(0)
    page.list.done_button.click()
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 1, timeout=20_000)
    assert page.status.text() == "1 task done." and page.status.isVisible()
    page.list.view.selectRow(0)
    page.list.snooze_button.click()
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 0, timeout=20_000)
    states = on_db(qtbot, db, lambda store: sorted(
        r[0] for r in store.db.execute("SELECT status FROM tasks WHERE associate = 'alex'")))
    assert states == ["done", "snoozed"]


def test_a_manager_sees_overdue_tasks_per_associate(qtbot, library) -> None:
    db, _ = library
    page = _page(qtbot, db, MARIA)
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 3, timeout=20_000)
    assert page.overdue_label.text() == "Overdue: alex 2, maria 1"
    assert {page.list.model.row_values(r)[5] for r in range(3)} == {"alex", "maria"}
    # Every column says what it holds: the red "overdue" column too.
    model = page.list.model
    headings = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert all(headings) and headings[:2] == ["Due", "Status"]
    assert {model.row_values(r)[1] for r in range(3)} == {"overdue"}
    page.whose.setCurrentIndex(0)  # her own
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 1, timeout=20_000)


def test_the_profile_lists_the_customers_tasks(qtbot, library) -> None:
    from ui.widgets.customer_profile import CustomerProfile

    db, w = library
    on_db(qtbot, db, tasks.refresh)
    profile = CustomerProfile(db, lambda: "alex")
    qtbot.addWidget(profile)
    profile.show_customer(w.customers[0])
    qtbot.waitUntil(lambda: profile.data is not None, timeout=20_000)
    assert profile.tabs.tabText(5) == "Tasks (1)"
    profile.task_list.view.selectRow(0)
    profile.task_list.dismiss_button.click()
    qtbot.waitUntil(lambda: profile.tabs.tabText(5) == "Tasks", timeout=20_000)


def test_a_possible_opt_out_is_answered_in_one_click(qtbot, library) -> None:
    from lookbook.customers import consent
    from lookbook.outbox.channels import reachability

    db, w = library
    ann = w.customers[0]

    def ask(store) -> None:
        store.db.execute("DELETE FROM replies")
        reachability.mark_unreachable(store, ann, "x", "paused: a reply may ask to stop", "replies")
        tasks.ask_to_confirm_opt_out(store, ann, "x", 7, "Not interested", "“not interested”")

    on_db(qtbot, db, ask)
    page = _page(qtbot, db, ALEX)
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 1, timeout=20_000)
    assert page.list.model.row_values(0)[2] == "Asked to stop?"
    page.list.view.selectRow(0)
    assert page.list.stop_button.isVisibleTo(page) and not page.list.done_button.isEnabled()
    page.list.stop_button.click()
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 0, timeout=20_000)
    assert page.status.text() == "Consent withdrawn on that channel."
    assert on_db(qtbot, db, lambda store: consent.has_consent(store, ann, "x")) is False


def _shown_hint(view) -> str:  # type: ignore[no-untyped-def]
    """The text of the empty-state hint shown over ``view``'s rows, or "" if none shows."""
    from PySide6.QtWidgets import QLabel
    hints = [label for label in view.viewport().findChildren(QLabel, "emptyState") if label.isVisible()]
    return hints[0].text() if hints else ""


def test_an_empty_task_list_says_why_and_what_makes_tasks(qtbot, library) -> None:
    db, _ = library
    page = _page(qtbot, db, ALEX)
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 2, timeout=20_000)
    assert _shown_hint(page.list.view) == ""
    on_db(qtbot, db, lambda store: store.db.execute("UPDATE tasks SET status = 'done'"))
    page.reload()
    qtbot.waitUntil(lambda: page.list.model.rowCount() == 0, timeout=20_000)
    assert "No tasks for you" in _shown_hint(page.list.view)
    page.overdue_only.setChecked(True)
    qtbot.waitUntil(lambda: "Nothing overdue" in _shown_hint(page.list.view), timeout=20_000)
