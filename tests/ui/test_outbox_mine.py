"""Associates see their own work on the Outbox: "mine only", their drafts to read and edit, why one is held."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from lookbook.outbox import quiet_hours
from lookbook.outbox.sender import _defer
from lookbook.store.database import create_store
from lookbook.store.users import User
from outbox_support import add_message, add_staff, add_world
from ui.pages.outbox import FILTERS, HEADERS, OutboxPage
from ui.signin import Session

ALEX = User(1, "alex", "Alex Kim", "associate", True)


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    store = create_store(tmp_path / "Library")
    add_staff(store)
    world = add_world(store, customers=3)
    store.db.execute("UPDATE customers SET timezone = 'Asia/Tokyo' WHERE id = ?", [world.customers[2]])
    ids = {
        "alex_draft": add_message(store, world.customers[0], set_id=world.set_id, body="Hi Ann, new shirts"),
        "sam_draft": add_message(store, world.customers[1], set_id=world.set_id, drafted_by="sam", body="Hello"),
        "alex_held": add_message(store, world.customers[2], set_id=world.set_id, state="queued", body="Hi Kenji"),
    }
    until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    # What the sender does at night in Tokyo (tests/test_sender.py drives the sender itself).
    _defer(store, ids["alex_held"], until, quiet_hours.held_reason(until, "Asia/Tokyo"))
    root = store.library.root
    store.close()
    return root, ids


@pytest.fixture
def page(qtbot, runners, library) -> Iterator[OutboxPage]:
    db, _thumbs = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(library[0])
    session = Session()
    session.sign_in(ALEX)
    widget = OutboxPage(db, session)
    qtbot.addWidget(widget)
    db.library_changed.connect(widget.on_library_changed)
    widget.reload()
    yield widget
    db.library_changed.disconnect(widget.on_library_changed)
    widget.cleanup()


def _ids(page: OutboxPage) -> set[int]:
    return {page.model.row_values(r)[0] for r in range(page.model.rowCount())}


def test_held_message_shows_its_reason_in_the_customers_time(qtbot, page: OutboxPage, library) -> None:
    _root, ids = library
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20_000)
    values = dict(zip(HEADERS, page.model.row_values(0), strict=True))
    assert values["Message"] == ids["alex_held"]
    assert values["Reason"].startswith("held for quiet hours until ") and values["Reason"].endswith(" Tokyo time")
    assert values["Next try"].endswith("Tokyo time")  # the next try, as the customer reads it
    assert values["Updated"].endswith(" UTC")


def test_mine_only_and_editing_ones_own_draft(qtbot, page: OutboxPage, library) -> None:
    root, ids = library
    page.filter.setCurrentIndex([label for label, _ in FILTERS].index("Drafts, not yet submitted"))
    qtbot.waitUntil(lambda: _ids(page) == {ids["alex_draft"], ids["sam_draft"]}, timeout=20_000)
    page.mine.setChecked(True)
    qtbot.waitUntil(lambda: _ids(page) == {ids["alex_draft"]}, timeout=20_000)
    page.filter.setCurrentIndex([label for label, _ in FILTERS].index("All"))
    qtbot.waitUntil(lambda: _ids(page) == {ids["alex_draft"], ids["alex_held"]}, timeout=20_000)
    page.filter.setCurrentIndex([label for label, _ in FILTERS].index("Drafts, not yet submitted"))
    qtbot.waitUntil(lambda: _ids(page) == {ids["alex_draft"]}, timeout=20_000)
    page.view.selectRow(0)
    qtbot.waitUntil(lambda: page.editor.toPlainText() == "Hi Ann, new shirts", timeout=20_000)
    assert page.draft_box.isVisibleTo(page)
    page.editor.setPlainText("Hi Ann, the navy one you asked about is in.")
    page.save_draft_button.click()
    qtbot.waitUntil(lambda: "Saved the text of message" in page.status.text(), timeout=20_000)
    with sqlite3.connect(root / "library.db") as con:
        body, state = con.execute("SELECT body, state FROM messages WHERE id = ?", [ids["alex_draft"]]).fetchone()
        audit = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'message.edit'").fetchone()
    assert (body, state) == ("Hi Ann, the navy one you asked about is in.", "draft")
    assert audit[0] == "alex" and json.loads(audit[1])["original_body"] == "Hi Ann, new shirts"


def test_someone_elses_draft_is_read_only(qtbot, page: OutboxPage, library) -> None:
    _root, ids = library
    page.filter.setCurrentIndex([label for label, _ in FILTERS].index("Drafts, not yet submitted"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20_000)
    row = next(r for r in range(2) if page.model.row_values(r)[0] == ids["sam_draft"])
    page.view.selectRow(row)
    qtbot.waitUntil(lambda: "Hello" in page.detail.toPlainText(), timeout=20_000)
    assert not page.draft_box.isVisibleTo(page)
