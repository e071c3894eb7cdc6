"""Hand-offs between people arrive by themselves: another window, the command line, within 2 seconds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from lookbook.cli import main
from lookbook.hooks import Hooks
from lookbook.outbox import messages as outbox
from lookbook.outbox import notices
from lookbook.outbox.templates import Template
from lookbook.store.database import create_store
from lookbook.store.users import User
from outbox_support import add_staff, add_world
from ui.main_window import MainWindow
from ui.pages.approvals import ApprovalsPage
from ui.pages.match import MatchPage
from ui.workers import StoreRunner, TaskRunner

ALEX = User(1, "alex", "Alex Kim", "associate", True)
MARIA = User(2, "maria", "Maria Lopez", "manager", True)
#: What the issue promises: a change made anywhere shows within this long (ms). The runner's poll interval is
#: checked against it (test_changes_are_looked_for_well_within_the_promise); the waits below do not time it, since a
#: busy machine can delay any step: they only fail when a change never arrives by itself (ARRIVES_MS).
PROMISED_MS = 2_000
#: How long a test waits for a change to arrive by itself before it fails (ms): a bound, not a sleep.
ARRIVES_MS = 20_000


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe"])


@dataclass
class Library:
    path: Path
    set_id: int


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """A small library with a set alex drafted but has not submitted."""
    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    world = add_world(store)
    outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}: {sizes_in_stock}"),
                     matches=[FakeMatch(c) for c in world.customers])
    store.close()
    return Library(path, world.set_id)


@pytest.fixture
def open_window(qtbot) -> Iterator:
    """Open a main window of its own (its own runners, so its own connection) on a library, signed in."""
    made: list[tuple[MainWindow, StoreRunner, TaskRunner]] = []

    def build(path: Path, user: User) -> MainWindow:
        db, thumbs = StoreRunner(Hooks()), TaskRunner("lookbook-thumbs")
        window = MainWindow(db, thumbs)
        window.ask_who_is_working = False
        qtbot.addWidget(window)
        made.append((window, db, thumbs))
        window.show()
        with qtbot.waitSignal(window.counts_shown, timeout=10_000):
            window.open_library(path)
        window.session.sign_in(user)
        return window

    yield build
    for window, db, thumbs in made:
        window.close()
        thumbs.shutdown()
        db.shutdown()


def _page(window: MainWindow, kind: type) -> object:
    return window.page(kind)


def test_associate_submits_in_one_window_and_the_managers_approvals_show_it(qtbot, open_window,
                                                                           library: Library) -> None:
    manager = open_window(library.path, MARIA)
    manager.go_to_page("Approvals")
    approvals = _page(manager, ApprovalsPage)
    assert isinstance(approvals, ApprovalsPage)
    qtbot.waitUntil(lambda: approvals.hint.text() == "Nothing waits for approval.", timeout=20_000)
    approvals_row = manager.page_titles.index(approvals.title)
    assert manager.sidebar.badge(approvals_row) == ""

    associate = open_window(library.path, ALEX)
    match = _page(associate, MatchPage)
    assert isinstance(match, MatchPage)
    associate.go_to_page(match.title)
    qtbot.waitUntil(lambda: match.view_data is not None and match.view_data.drafts == 3, timeout=10_000)
    qtbot.waitUntil(match.submit_button.isEnabled, timeout=20_000)
    with qtbot.waitSignal(match.reported, timeout=20_000) as submitted:
        qtbot.mouseClick(match.submit_button, Qt.MouseButton.LeftButton)
    assert "3 messages submitted for approval" in submitted.args[0]

    # The other window, on its own connection, sees it without reopening.
    qtbot.waitUntil(lambda: approvals.sets_model.rowCount() == 1, timeout=ARRIVES_MS)
    assert approvals.hint.text() == "3 messages in 1 set wait for approval."
    assert manager.sidebar.badge(approvals_row) == "3 to approve"
    qtbot.waitUntil(lambda: approvals.messages_model.rowCount() == 3, timeout=ARRIVES_MS)
    # And the manager was told on the desktop (no tray offscreen: the status bar says it).
    qtbot.waitUntil(lambda: bool(manager.notifier.shown), timeout=ARRIVES_MS)
    assert "alex submitted 3 messages in “Marlowe spring” for approval." in manager.notifier.shown[-1][1]
    assert "alex submitted" in manager.statusBar().currentMessage()


def test_a_manager_decision_reaches_the_associates_window_as_a_badge_and_notice(qtbot, open_window,
                                                                                library: Library) -> None:
    associate = open_window(library.path, ALEX)
    associate.go_to_page("Match & Compose")
    outbox_row = associate.page_titles.index("Outbox")
    manager = open_window(library.path, MARIA)
    manager.go_to_page("Approvals")
    approvals = _page(manager, ApprovalsPage)
    assert isinstance(approvals, ApprovalsPage)
    qtbot.waitUntil(lambda: associate.notices._seen is not None, timeout=20_000)

    associate.db.run(lambda store: outbox.submit(store, library.set_id, "alex"))
    qtbot.waitUntil(lambda: approvals.messages_model.rowCount() == 3, timeout=ARRIVES_MS)
    approvals.messages_view.selectRow(0)
    qtbot.keyClicks(approvals.comment, "Too pushy")
    with qtbot.waitSignal(associate.notices.notified, timeout=ARRIVES_MS) as told:
        qtbot.mouseClick(approvals.reject_selected, Qt.MouseButton.LeftButton)
    assert len(told.args[0]) == 1 and "maria rejected your message to" in told.args[0][0]
    assert "“Too pushy”" in told.args[0][0]
    qtbot.waitUntil(lambda: associate.sidebar.badge(outbox_row) == "1 rejected", timeout=ARRIVES_MS)
    # Looking at the Outbox is seeing it: the badge clears, and stays clear in a new sitting.
    associate.go_to_page("Outbox")
    assert associate.sidebar.badge(outbox_row) == ""
    associate.session.sign_in(ALEX)
    qtbot.wait(300)
    assert associate.sidebar.badge(outbox_row) == ""


def test_notifications_turned_off_keep_the_badge_but_stay_quiet(qtbot, open_window, library: Library) -> None:
    manager = open_window(library.path, MARIA)
    settings = manager.page("Settings").notifications
    qtbot.waitUntil(lambda: settings.desktop.isEnabled() and settings.desktop.isChecked(), timeout=20_000)
    settings.desktop.setChecked(False)
    approvals_row = manager.page_titles.index("Approvals")
    box: list[bool] = []
    manager.db.run(lambda store: notices.desktop_notifications(store, "maria"), on_done=box.append)
    qtbot.waitUntil(lambda: box == [False], timeout=20_000)
    store = create_store_free_connection(library.path)
    outbox.submit(store, library.set_id, "alex")
    store.close()
    qtbot.waitUntil(lambda: manager.sidebar.badge(approvals_row) == "3 to approve", timeout=ARRIVES_MS)
    qtbot.wait(500)
    assert manager.notifier.shown == []


def create_store_free_connection(path: Path):
    """Open the library on a connection of the test's own, as another program would."""
    from lookbook.store.database import open_store
    from lookbook.store.library import Library as Folder

    return open_store(Folder(path))


def test_a_command_line_change_appears_in_the_open_app(qtbot, open_window, library: Library,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    manager = open_window(library.path, MARIA)
    manager.go_to_page("Approvals")
    approvals = _page(manager, ApprovalsPage)
    assert isinstance(approvals, ApprovalsPage)
    qtbot.waitUntil(lambda: approvals.hint.text() == "Nothing waits for approval.", timeout=20_000)
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    assert main(["--library", str(library.path), "--as", "alex", "outbox", "submit", str(library.set_id)]) == 0
    capsys.readouterr()
    qtbot.waitUntil(lambda: approvals.sets_model.rowCount() == 1, timeout=ARRIVES_MS)
    # ...and a decision taken on the command line takes it off the page again.
    assert main(["--library", str(library.path), "--as", "lee", "outbox", "approve", "--set",
                 str(library.set_id)]) == 0
    capsys.readouterr()
    qtbot.waitUntil(lambda: approvals.sets_model.rowCount() == 0, timeout=ARRIVES_MS)
    outbox_page = manager.outbox
    manager.go_to_page("Outbox")
    qtbot.waitUntil(lambda: outbox_page.model.rowCount() >= 3, timeout=ARRIVES_MS)


def test_view_refresh_f5_reloads_the_page_shown(qtbot, open_window, library: Library) -> None:
    manager = open_window(library.path, MARIA)
    manager.go_to_page("Approvals")
    approvals = _page(manager, ApprovalsPage)
    assert isinstance(approvals, ApprovalsPage)
    assert manager.refresh_action.shortcut() == QKeySequence("F5")
    assert manager.refresh_action in manager.menuBar().actions()[2].menu().actions()  # View ▸ Refresh
    qtbot.waitUntil(lambda: approvals.hint.text() == "Nothing waits for approval.", timeout=20_000)
    manager.db._poll_timer.stop()  # nothing arrives by itself now: only F5 brings the change in
    # A poll the timer queued just before it stopped would still see the change: let the DB thread run it first
    # (its one thread runs jobs in order, so this job's answer comes after any poll queued before it).
    drained: list[None] = []
    manager.db.run(lambda _store: None, on_done=drained.append)
    qtbot.waitUntil(lambda: drained == [None], timeout=20_000)
    store = create_store_free_connection(library.path)
    outbox.submit(store, library.set_id, "alex")
    store.close()
    qtbot.wait(600)
    assert approvals.sets_model.rowCount() == 0
    qtbot.keyClick(manager, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: approvals.sets_model.rowCount() == 1, timeout=20_000)


def test_a_change_elsewhere_keeps_the_managers_chosen_message_and_unsaved_text(qtbot, open_window,
                                                                              library: Library) -> None:
    store = create_store_free_connection(library.path)
    outbox.submit(store, library.set_id, "alex")
    manager = open_window(library.path, MARIA)
    manager.go_to_page("Approvals")
    approvals = _page(manager, ApprovalsPage)
    assert isinstance(approvals, ApprovalsPage)
    qtbot.waitUntil(lambda: approvals.messages_model.rowCount() == 3, timeout=20_000)
    approvals.messages_view.selectRow(2)
    chosen = approvals.current_message()
    assert chosen is not None
    approvals.body.setPlainText("Hi there, a better opening")
    # Alex edits another message of the set in another window: the page reloads the set.
    other = next(m.id for m in approvals._review.messages if m.id != chosen.id)
    outbox.edit_message(store, other, "alex", "Hi, edited by alex")
    store.close()
    qtbot.waitUntil(lambda: f"alex: edit message {other}" in approvals.audit.toPlainText(), timeout=ARRIVES_MS)
    assert approvals.current_message() is not None and approvals.current_message().id == chosen.id
    assert approvals.body.toPlainText() == "Hi there, a better opening"


def test_changes_are_looked_for_well_within_the_promise(qtbot, open_window, library: Library) -> None:
    """The promise rests on the runner polling for other connections' commits several times within it."""
    window = open_window(library.path, MARIA)
    timer = window.db._poll_timer
    assert timer.isActive()
    assert timer.interval() * 4 <= PROMISED_MS
