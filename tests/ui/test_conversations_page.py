"""The Conversations page: threads with unread counts, opening marks read, answers go to the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from lookbook.outbox import conversations
from lookbook.store.database import create_store
from lookbook.store.users import User
from test_conversations import _build
from ui.pages.conversations import ConversationsPage
from ui.signin import Session

from .test_customers_page import on_db

ALEX = User(1, "alex", "Alex Kim", "associate", True)


@pytest.fixture
def page(qtbot, runners, tmp_path: Path) -> ConversationsPage:
    db, _ = runners
    store = create_store(tmp_path / "lib")
    _build(store)
    store.close()
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "lib")
    session = Session()
    session.sign_in(ALEX)
    page = ConversationsPage(db, session)
    qtbot.addWidget(page)
    db.library_changed.connect(page.on_library_changed)
    page.resize(1100, 650)
    page.show()
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20_000)
    return page


def test_opening_a_thread_marks_it_read_and_an_answer_goes_out(qtbot, page: ConversationsPage) -> None:
    badges: list[str] = []
    page.badge_changed.connect(badges.append)
    assert [page.model.row_values(r)[:2] for r in range(2)] == [("Cust1 Tester", 1), ("Cust0 Tester", 2)]
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.view.selectRow(1)
    html = page.thread_view.toHtml()
    assert "Do you have it in M?" in html and "M please" in html
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.model.row_values(1)[1] == "", timeout=20_000)
    assert badges[-1] == "1 unread"
    page.answer_box.setPlainText("Yes! Put aside in M for you.")
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.send_button.click()
    assert "Answer written; it goes out with the next send." in page.status.text()
    assert "Put aside in M" in page.thread_view.toHtml()
    customer = page.customer_id
    entries = on_db(qtbot, page.db, lambda store: conversations.thread(store, customer))
    assert (entries[-1].kind, entries[-1].state, entries[-1].by) == ("message", "approved", "alex")


def test_search_finds_words_of_replies(qtbot, page: ConversationsPage) -> None:
    page.whose.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=20_000)
    page.search.setText("colours")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20_000)
    assert page.model.row_values(0)[0] == "Cust1 Tester"


def test_put_one_aside_from_the_conversation(qtbot, page: ConversationsPage) -> None:
    from lookbook.catalog import holds

    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.view.selectRow(1)  # Cust0, who was sent the Marlowe set and wears M
    assert page.hold_product.currentData()[0] == "MW-SH01" and page.hold_size.currentText() == "M"
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.hold_button.click()
    assert "put aside for Cust0 Tester" in page.status.text()
    customer = page.customer_id
    (hold,) = on_db(qtbot, page.db, lambda store: holds.list_holds(store, customer_id=customer))
    assert (hold.sku, hold.size, hold.created_by) == ("MW-SH01", "M", "alex") and hold.message_id is not None


def test_an_empty_list_says_why_and_where_replies_come_from(qtbot, page: ConversationsPage) -> None:
    from .test_tasks_page import _shown_hint
    assert _shown_hint(page.view) == ""
    page.search.setText("no reply says this")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=20_000)
    assert "No conversation matches this search" in _shown_hint(page.view)
    page.search.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20_000)
    on_db(qtbot, page.db, lambda store: store.db.execute("DELETE FROM replies"))
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=20_000)
    assert "No replies from your customers yet" in _shown_hint(page.view)


def test_a_text_message_reply_is_answered_by_sms_from_the_page(qtbot, page: ConversationsPage) -> None:
    """A customer who texted the store is answered by SMS in place, with what the text is billed as; once they text
    STOP, the page says why nothing more can go instead of answering."""
    from lookbook.customers import consent

    def text_in(store):  # Cust1 texts back to the store's SMS number, with SMS consent on record
        customer = store.db.execute("SELECT id FROM customers WHERE first_name = 'Cust1'").fetchone()[0]
        store.db.execute("UPDATE customers SET phone = '+15550100001' WHERE id = ?", [customer])
        consent.record(store, customer, "sms", "one_to_one", True, by_user="test", source="test")
        store.db.execute("INSERT INTO replies (customer_id, channel, external_id, body, received_at)"
                         " VALUES (?, 'sms', 'SMtest1', 'Is the blue one in L?', '2026-12-03T12:00:00+00:00')",
                         [customer])
        return customer

    customer = on_db(qtbot, page.db, text_in)
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.model.row_values(0)[0] == "Cust1 Tester",
                    timeout=20_000)
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.view.selectRow(0)
    assert "Is the blue one in L?" in page.thread_view.toHtml() and "SMS" in page.thread_view.toHtml()
    page.answer_box.setPlainText("Yes, one in L 👗 " * 6)
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.send_button.click()
    assert page.status.text() == ("Answer written; it goes out with the next send. It goes as 2 SMS segments "
                                  "(UCS-2, 101 characters; 70 fit one).")
    entries = on_db(qtbot, page.db, lambda store: conversations.thread(store, customer))
    assert (entries[-1].kind, entries[-1].channel, entries[-1].state) == ("message", "sms", "approved")

    on_db(qtbot, page.db, lambda store: consent.record(store, customer, "sms", "one_to_one", False,
                                                       by_user="replies", source="reply"))
    page.answer_box.setPlainText("Sorry to see you go")
    page.send_button.click()
    qtbot.waitUntil(lambda: "no one-to-one consent on SMS" in page.status.text(), timeout=20_000)


def test_before_a_conversation_is_chosen_the_pane_says_what_to_do(qtbot, page: ConversationsPage) -> None:
    assert page.customer_id is None and page.thread_view.toPlainText() == ""
    assert "Choose a conversation" in page.thread_view.placeholderText()  # not a blank white pane
    assert not page.answer_box.isEnabled() and not page.send_button.isEnabled()
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.view.selectRow(0)
    assert page.answer_box.isEnabled()
