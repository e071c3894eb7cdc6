"""The main window builds a page the first time it is shown (issue 18: launch speed).

A page not visited yet is not built, yet its sidebar badge counts what waits there; built later, it shows the
library as it is then (changes made before it existed included) and hears every change after.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lookbook.customers.book import add_customer
from lookbook.hooks import Hooks
from lookbook.outbox import messages as outbox
from lookbook.outbox.templates import Template
from lookbook.store.database import create_store
from lookbook.store.users import User
from outbox_support import add_staff, add_world
from ui.main_window import MainWindow
from ui.pages.approvals import ApprovalsPage
from ui.pages.base import Page
from ui.pages.customers import CustomersPage
from ui.workers import StoreRunner, TaskRunner

MARIA = User(2, "maria", "Maria Lopez", "manager", True)


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe"])


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[tuple[MainWindow, int]]:
    """A main window on a small library where alex drafted 3 messages of a set, not yet submitted."""
    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    world = add_world(store)
    outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}: {sizes_in_stock}"),
                     matches=[FakeMatch(c) for c in world.customers])
    store.close()
    db, thumbs = StoreRunner(Hooks()), TaskRunner("lookbook-thumbs")
    window = MainWindow(db, thumbs)
    window.ask_who_is_working = False
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.counts_shown, timeout=10_000):
        window.open_library(path)
    window.session.sign_in(MARIA)
    yield window, world.set_id
    window.close()
    thumbs.shutdown()
    db.shutdown()


def _idle(qtbot, window: MainWindow) -> None:
    """Wait until the DB thread ran everything asked of it so far, and its answers arrived."""
    done: list[bool] = []
    window.db.run(lambda _store: True, on_done=done.append)
    qtbot.waitUntil(lambda: done == [True], timeout=20_000)


def test_pages_not_visited_are_not_built_but_their_badges_count(qtbot, window: tuple[MainWindow, int]) -> None:
    main, set_id = window
    _idle(qtbot, main)
    assert main.built_pages() == [main.shoot]
    for row, title in enumerate(main.page_titles[1:], start=1):
        assert not main.is_built(title)
        assert not isinstance(main.stack.widget(row), Page)
    approvals_row = main.page_titles.index("Approvals")
    assert main.sidebar.badge(approvals_row) == ""

    # A change while the Approvals page does not exist: its badge says so all the same, without building it.
    main.db.run(lambda store: outbox.submit(store, set_id, "alex"))
    qtbot.waitUntil(lambda: main.sidebar.badge(approvals_row) == "3 to approve", timeout=20_000)
    assert not main.is_built("Approvals")

    # The first visit builds it, with the library as it is now; the person signed in before is the one it acts for.
    main.go_to_page("Approvals")
    approvals = main.stack.currentWidget()
    assert isinstance(approvals, ApprovalsPage) and main.is_built("Approvals")
    assert main.page(ApprovalsPage) is approvals
    qtbot.waitUntil(lambda: approvals.sets_model.rowCount() == 1, timeout=20_000)
    assert approvals.hint.text() == "3 messages in 1 set wait for approval."
    qtbot.waitUntil(lambda: approvals.messages_model.rowCount() == 3, timeout=20_000)
    qtbot.waitUntil(approvals.approve_set.isEnabled, timeout=20_000)
    assert main.sidebar.badge(approvals_row) == "3 to approve"
    # Built once: another visit shows the same page.
    main.go_to_page("Shoot")
    main.go_to_page("Approvals")
    assert main.stack.currentWidget() is approvals
    assert main.built_pages() == [main.shoot, approvals]


def test_a_page_built_later_shows_changes_made_before_and_hears_those_after(qtbot,
                                                                            window: tuple[MainWindow, int]) -> None:
    main, _set_id = window
    _idle(qtbot, main)
    main.db.run(lambda store: add_customer(store, {"first_name": "Ada", "last_name": "Byron",
                                                  "email": "ada@example.com"}, actor="maria"))
    _idle(qtbot, main)
    assert not main.is_built("Customers")
    main.sidebar.setCurrentRow(main.page_titles.index("Customers"))  # what a click in the sidebar does
    customers = main.stack.currentWidget()
    assert isinstance(customers, CustomersPage)
    qtbot.waitUntil(lambda: customers.model.total == 4, timeout=20_000)
    main.db.run(lambda store: add_customer(store, {"first_name": "Grace", "last_name": "Hopper",
                                                  "email": "grace@example.com"}, actor="maria"))
    qtbot.waitUntil(lambda: customers.model.total == 5, timeout=20_000)


def test_the_go_menu_shortcut_builds_the_page_it_goes_to(qtbot, window: tuple[MainWindow, int]) -> None:
    main, _set_id = window
    go = next(a.menu() for a in main.menuBar().actions() if a.text() == "&Go")
    tasks = next(a for a in go.actions() if a.text() == "Tasks")
    assert tasks.shortcut().toString() == f"Ctrl+{main.page_titles.index('Tasks') + 1}"
    assert not main.is_built("Tasks")
    tasks.trigger()
    assert main.is_built("Tasks") and main.stack.currentWidget().title == "Tasks"
