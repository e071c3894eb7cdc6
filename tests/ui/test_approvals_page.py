"""The Approvals page and the sign-in dialog, offscreen, on a small library on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap

from lookbook.outbox import messages as outbox
from lookbook.outbox.templates import Template
from lookbook.store.database import create_store, open_store
from lookbook.store.library import Library
from lookbook.store.users import User
from outbox_support import add_staff, add_world
from ui.pages.approvals import ApprovalsPage
from ui.signin import Session, SignInDialog

MARIA = User(2, "maria", "Maria Lopez", "manager", True)
ALEX = User(1, "alex", "Alex Kim", "associate", True)


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe", "shirt M in stock"])


def _library(path: Path, drafter: str = "alex", second_size: str | None = None) -> Path:
    store = create_store(path)
    add_staff(store)
    world = add_world(store)
    if second_size is not None:
        store.db.execute("UPDATE customer_sizes SET size = ? WHERE customer_id = ? AND category = 'shirt'",
                         [second_size, world.customers[1]])
    outbox.draft_set(store, world.set_id, drafter, Template("t", "Hi {first_name}: {sizes_in_stock}"),
                     matches=[FakeMatch(c) for c in world.customers])
    outbox.submit(store, world.set_id, drafter)
    store.close()
    return path


@pytest.fixture
def page_on(qtbot, runners):
    def build(path: Path) -> tuple[ApprovalsPage, Session]:
        db, _ = runners
        with qtbot.waitSignal(db.library_opened, timeout=10_000):
            db.open(path)
        session = Session()
        page = ApprovalsPage(db, session)
        qtbot.addWidget(page)
        db.library_changed.connect(page.on_library_changed)
        page.reload()
        qtbot.waitUntil(lambda: page.messages_model.rowCount() == 3, timeout=20_000)
        return page, session

    return build


def test_shows_the_set_as_customers_will_see_it(qtbot, page_on, tmp_path: Path) -> None:
    page, _ = page_on(_library(tmp_path / "lib"))
    assert page.sets_model.rowCount() == 1
    assert page.sets_model.row_values(0)[1] == "Marlowe"
    assert not page.card.pixmap().isNull()
    assert page.body.toPlainText() == "Hi Cust0: Navy Oxford Shirt in M"
    assert "likes Marlowe" in page.recipient.text() and "X direct message" in page.recipient.text()
    assert "32 / 10,000 characters" in page.counter.text()
    assert page.messages_model.row_values(0)[1] == "X"  # the channel as people name it, not "x"
    assert "alex: draft message" in page.audit.toPlainText()
    # Nobody signed in: the decision buttons say why they are off.
    assert not page.approve_set.isEnabled()
    assert "Sign in" in page.approve_set.toolTip()


def test_each_x_message_shows_the_card_its_customer_receives(qtbot, page_on, tmp_path: Path) -> None:
    page, _ = page_on(_library(tmp_path / "lib", second_size="L"))
    assert page._review is not None
    first, second = page._review.messages[0], page._review.messages[1]
    assert first.attachment != second.attachment  # M and L: two cards, each with the customer's size
    for row, message in ((0, first), (1, second)):
        page.messages_view.selectRow(row)
        own = tmp_path / "lib" / message.attachment
        assert own.name in page.card.toolTip()
        assert page._card_pixmap.toImage() == QPixmap(str(own)).toImage()


def test_manager_approves_the_set_with_a_comment_in_one_step(qtbot, page_on, tmp_path: Path) -> None:
    path = _library(tmp_path / "lib")
    page, session = page_on(path)
    assert "Sign in" in page.result.text()  # nobody signed in: the page says what to do
    session.sign_in(ALEX)
    assert not page.approve_set.isEnabled() and "only a manager approves" in page.approve_set.toolTip()
    assert "only a manager approves" in page.result.text()
    session.sign_in(MARIA)
    assert page.approve_set.isEnabled()
    assert page.result.text() == ""  # the old refusal does not linger once a manager is signed in
    qtbot.keyClicks(page.comment, "Lovely, send")
    qtbot.mouseClick(page.approve_set, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "3 messages approved" in page.result.text(), timeout=20_000)
    qtbot.waitUntil(lambda: page.sets_model.rowCount() == 0, timeout=20_000)
    assert page.hint.text() == "Nothing waits for approval."
    store = open_store(Library(path))
    try:
        rows = outbox.list_messages(store, state="approved")
        assert {(r.decided_by, r.decision_comment) for r in rows} == {("maria", "Lovely, send")}
    finally:
        store.close()


def test_the_drafter_cannot_approve_their_own_set(qtbot, page_on, tmp_path: Path) -> None:
    page, session = page_on(_library(tmp_path / "lib", drafter="maria"))
    session.sign_in(MARIA)
    assert not page.approve_set.isEnabled()
    assert "drafted messages in this set" in page.approve_set.toolTip()


def test_reject_selected_needs_a_comment(qtbot, page_on, tmp_path: Path) -> None:
    page, session = page_on(_library(tmp_path / "lib"))
    session.sign_in(MARIA)
    page.messages_view.selectRow(1)
    qtbot.mouseClick(page.reject_selected, Qt.MouseButton.LeftButton)
    assert "Say why" in page.result.text()
    qtbot.keyClicks(page.comment, "wrong size for her")
    qtbot.mouseClick(page.reject_selected, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "1 message rejected" in page.result.text(), timeout=20_000)
    qtbot.waitUntil(lambda: page.messages_model.rowCount() == 2, timeout=20_000)


def test_approver_edit_is_kept_beside_the_original(qtbot, page_on, tmp_path: Path) -> None:
    page, session = page_on(_library(tmp_path / "lib"))
    session.sign_in(MARIA)
    page.body.setPlainText("Hi Cust0, the navy Oxford is back in M. Shall I keep one for you?")
    qtbot.mouseClick(page.save_edit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "saved; it is pending" in page.result.text(), timeout=20_000)
    qtbot.waitUntil(lambda: "was: “Hi Cust0: Navy Oxford Shirt in M”" in page.audit.toPlainText(), timeout=20_000)


def test_sign_in_dialog(qtbot, runners, tmp_path: Path) -> None:
    db, _ = runners
    path = _library(tmp_path / "lib")
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(path)
    session = Session()
    dialog = SignInDialog(db, session)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.user_box.count() == 5, timeout=20_000)
    dialog.user_box.setCurrentIndex(dialog.user_box.findData("maria"))
    qtbot.keyClicks(dialog.password, "wrong")
    dialog.try_sign_in()
    qtbot.waitUntil(lambda: "wrong user name or password" in dialog.message.text(), timeout=20_000)
    assert session.user is None and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, "secret-pass")
    with qtbot.waitSignal(session.changed, timeout=20_000):
        dialog.try_sign_in()
    assert session.username == "maria" and dialog.result() == SignInDialog.DialogCode.Accepted


def test_stale_approvals_expire_when_the_library_opens(qtbot, runners, tmp_path: Path) -> None:
    path = _library(tmp_path / "lib")
    store = open_store(Library(path))
    store.db.execute("UPDATE messages SET submitted_at = '2020-01-01T00:00:00+00:00'")
    store.close()
    db, _ = runners
    page = ApprovalsPage(db, Session())
    qtbot.addWidget(page)
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(path)
    qtbot.waitUntil(lambda: "3 messages expired" in page.result.text(), timeout=20_000)


def test_main_window_asks_who_is_working_when_a_library_opens(qtbot, runners, tmp_path: Path) -> None:
    from ui.main_window import MainWindow

    db, thumbs = runners
    window = MainWindow(db, thumbs)
    qtbot.addWidget(window)
    window.open_library(_library(tmp_path / "lib"))
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(SignInDialog)), timeout=10_000)
    dialog = next(d for d in window.findChildren(SignInDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.user_box.count() == 5, timeout=20_000)
    dialog.user_box.setCurrentIndex(dialog.user_box.findData("maria"))
    qtbot.keyClicks(dialog.password, "secret-pass")
    with qtbot.waitSignal(window.session.changed, timeout=20_000):
        dialog.try_sign_in()
    assert window.user_label.text() == "Signed in: Maria Lopez (manager)"
    approvals = window.page(ApprovalsPage)
    qtbot.waitUntil(lambda: approvals.approve_set.isEnabled(), timeout=20_000)
    window.close()


def test_a_manager_cannot_approve_her_own_edit_and_the_page_says_why(qtbot, page_on, tmp_path: Path) -> None:
    """Issue 13's two-person rule in the app: maria's edit waits for another manager."""
    page, session = page_on(_library(tmp_path / "lib"))
    session.sign_in(MARIA)
    assert page.approve_set.isEnabled()
    page.body.setPlainText("Hi Cust0, something else entirely.")
    qtbot.mouseClick(page.save_edit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.approve_set.isEnabled(), timeout=20_000)
    assert page.approve_set.toolTip() == (
        "Maria Lopez made the last change to 1 of these messages (text, subject, picture or the set's shots); "
        "another manager must approve it. You may still reject.")
    assert page.reject_set.isEnabled()
    page.messages_view.selectRow(0)
    assert not page.approve_selected.isEnabled() and "made the last change" in page.approve_selected.toolTip()
    page.messages_view.selectRow(1)
    assert page.approve_selected.isEnabled()  # a message she did not change
    # Had the button been pressed anyway (a stale page), the core refuses and the page shows its reason.
    page.messages_view.selectRow(0)
    page.decide("approve", whole_set=False)
    qtbot.waitUntil(lambda: "Not approved" in page.result.text(), timeout=20_000)
    assert "'maria' made the last change to it" in page.result.text()
    session.sign_in(User(3, "lee", "Lee Park", "manager", True))
    assert page.approve_set.isEnabled()


def test_an_email_is_shown_as_the_customer_will_get_it(qtbot, runners, tmp_path: Path) -> None:
    # Issue 12: the manager sees the same e-mail the sender transmits: names, footer and (issue 19) the
    # customer's composed card, the very file drafted at the e-mail body's size.
    store = create_store(tmp_path / "lib")
    add_staff(store)
    world = add_world(store)
    outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}: {sizes_in_stock}", "New"),
                     matches=[FakeMatch(c, "email") for c in world.customers])
    outbox.submit(store, world.set_id, "alex")
    from lookbook.outbox.compose import render_email

    expected = render_email(store, 1)
    store.close()
    db, _ = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "lib")
    page = ApprovalsPage(db, Session())
    qtbot.addWidget(page)
    page.reload()
    qtbot.waitUntil(lambda: page.messages_model.rowCount() == 3, timeout=20_000)
    row = [m.id for m in page._review.messages].index(1)
    page.messages_view.selectRow(row)
    qtbot.waitUntil(lambda: page.email_shown() is not None and page.current_message().id == 1, timeout=20_000)
    shown = page.email_shown()
    assert (shown.text, shown.html, shown.subject) == (expected.text, expected.html, expected.subject)
    assert not page.email_view.isHidden()
    plain = page.email_view.toPlainText()
    assert "Marlowe & Co, 12 Harbour Street, Portsmouth PO1 2AB" in plain
    assert "Navy Oxford Shirt · in your size: M" in plain and "Sand Chino · in stock: 30" in plain
    # Its three customers share a size list, so one card at the e-mail size was drafted: that one is shown.
    [image] = shown.images.values()
    [card] = (tmp_path / "lib" / "exports").glob("card_set*_email_*.jpg")
    assert image == card.read_bytes()
    # The card beside the list is that file too (the one file each recipient receives).
    assert page.card.toolTip().endswith(card.name)
    if os.environ.get("LOOKBOOK_SCREENSHOTS"):
        page.resize(1100, 800)
        page.show()
        qtbot.wait(200)
        page.grab().save(os.environ["LOOKBOOK_SCREENSHOTS"] + "/approvals_email.png")
        page.email_view.verticalScrollBar().setValue(page.email_view.verticalScrollBar().maximum())
        page.grab().save(os.environ["LOOKBOOK_SCREENSHOTS"] + "/approvals_email_end.png")


def test_a_text_message_shows_its_sms_segments_before_approval(qtbot, page_on, tmp_path: Path) -> None:
    from lookbook.customers import consent

    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    world = add_world(store)
    for n, cid in enumerate(world.customers):
        store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [f"+1555010{n:04d}", cid])
        consent.record(store, cid, "sms", "one_to_one", True, by_user="test", source="test")
    outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name} 👋 {sizes_in_stock}"),
                     matches=[FakeMatch(c, channel="sms") for c in world.customers])
    outbox.submit(store, world.set_id, "alex")
    store.close()
    page, _ = page_on(path)
    # One emoji makes the whole text UCS-2: the approver sees what it is billed as before approving.
    assert "a text message" in page.recipient.text()
    assert "1 SMS segment (UCS-2" in page.recipient.text()
    if shot := __import__("os").environ.get("LOOKBOOK_SCREENSHOT"):
        page.resize(1100, 700)
        page.grab().save(shot)


def test_a_whatsapp_message_says_whether_it_goes_as_the_template_or_free_text(qtbot, page_on,
                                                                              tmp_path: Path) -> None:
    from lookbook.customers import consent

    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    world = add_world(store)
    store.set_setting("delivery.whatsapp", {"phone_number_id": "1", "waba_id": "2", "template": "new_arrivals"})
    for n, cid in enumerate(world.customers):
        store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [f"+44770090{n:04d}", cid])
        consent.record(store, cid, "whatsapp", "one_to_one", True, by_user="test", source="test")
    # The second customer wrote an hour ago: inside the 24-hour window, free text may go.
    store.db.execute("INSERT INTO replies (customer_id, channel, external_id, body, received_at) VALUES (?, 'whatsapp',"
                     " 'wamid.1', 'Hi', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-1 hour'))", [world.customers[1]])
    outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}: {sizes_in_stock}"),
                     matches=[FakeMatch(c, channel="whatsapp") for c in world.customers])
    outbox.submit(store, world.set_id, "alex")
    store.close()
    page, _ = page_on(path)
    page.messages_view.selectRow(0)
    assert "as approved template &#x27;new_arrivals&#x27; (en_US)" in page.recipient.text()  # HTML-escaped
    page.messages_view.selectRow(1)
    assert "as free text: inside the 24-hour window" in page.recipient.text()


def test_at_1366_by_768_a_long_reason_shows_whole_on_hover(qtbot, page_on, tmp_path: Path) -> None:
    from ui.models import elided_tip

    page, _ = page_on(_library(tmp_path / "lib"))
    page.resize(1366 - 230, 768 - 50)  # the page's share of a 1366×768 window (sidebar, menu and status bar)
    page.show()
    qtbot.waitExposed(page, timeout=20_000)
    view = page.messages_view
    view.horizontalHeader().setStretchLastSection(False)
    view.setColumnWidth(2, 60)  # narrower than any reason, as a long one is at 1366 px
    why = view.model().index(0, 2)
    assert view.fontMetrics().horizontalAdvance(why.data()) > view.visualRect(why).width()
    assert elided_tip(view, why) == why.data()  # the delegate shows this on hover
    assert type(view.itemDelegate()).__name__ == "ElidedTipDelegate"
