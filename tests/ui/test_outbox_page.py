"""The Outbox page and the delivery settings, driving the real sender against the fake X (offscreen)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt

from fakes.fake_x import FakeX, Fault
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import accounts
from lookbook.outbox.channels.x import OAuth2Token
from lookbook.store.database import create_store, open_store
from lookbook.store.library import Library
from lookbook.store.users import User
from outbox_support import add_message, add_staff, add_world
from ui.pages.delivery_settings import DeliverySettings
from ui.pages.outbox import FILTERS, HEADERS, OutboxPage
from ui.signin import Session

DM_PATH = r"/2/dm_conversations/with/\d+/messages"
MARIA = User(2, "maria", "Maria Lopez", "manager", True)


@pytest.fixture
def library(tmp_path: Path, fake_x: FakeX, memory_keyring: object, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library with three approved X messages and the store's X account signed in (to the fake)."""
    monkeypatch.setenv("LOOKBOOK_X_API_URL", fake_x.base_url)
    store = create_store(tmp_path / "Library")
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=3)
    for n, cid in enumerate(world.customers):
        add_message(store, cid, set_id=world.set_id, state="approved", body=f"New Marlowe shirts, note {n}")
    accounts.save_x_client(store, fake_x.client_id, "admin")
    accounts.save_x_oauth2(store, OAuth2Token(fake_x.issue_token()), user_id=fake_x.me_id,
                           username=fake_x.me_username, actor="admin")
    store.set_setting("delivery.sender", {"reconcile_after_s": 1.5})
    root = store.library.root
    store.close()
    return root


@pytest.fixture
def page(qtbot, runners, library: Path) -> Iterator[OutboxPage]:
    db, _thumbs = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(library)
    session = Session()
    session.sign_in(MARIA)
    widget = OutboxPage(db, session)
    qtbot.addWidget(widget)
    widget.reload()
    yield widget
    widget.cleanup()


def _states(library: Path) -> list[str]:
    store = open_store(Library.locate(library))
    try:
        return [r[0] for r in store.db.execute("SELECT state FROM messages ORDER BY id")]
    finally:
        store.close()


def _send_and_wait(qtbot, page: OutboxPage, timeout: int = 30_000) -> None:
    page.send_button.click()
    qtbot.waitUntil(lambda: not page.is_sending(), timeout=timeout)


def test_send_runs_in_the_background_and_the_list_follows(qtbot, page: OutboxPage, fake_x: FakeX,
                                                          library: Path) -> None:
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=20_000)
    assert not page.cancel_button.isEnabled()
    _send_and_wait(qtbot, page)
    assert page.status.text().startswith("Sent 3")
    assert _states(library) == ["sent"] * 3 and len(fake_x.events) == 3
    page.filter.setCurrentIndex([label for label, _ in FILTERS].index("Sent"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=20_000)
    assert {page.model.row_values(r)[3] for r in range(3)} == {"sent"}
    assert {page.model.row_values(r)[2] for r in range(3)} == {"X"}  # the channel as people name it, not "x"


def test_rate_limit_shows_a_countdown_then_sends(qtbot, page: OutboxPage, fake_x: FakeX, library: Path) -> None:
    fake_x.faults.append(Fault("POST", DM_PATH, "429", reset_in_s=3))
    page.send_button.click()
    qtbot.waitUntil(lambda: "resumes in 0:0" in page.countdown.text(), timeout=10_000)
    qtbot.waitUntil(lambda: not page.is_sending(), timeout=30_000)
    assert _states(library) == ["sent"] * 3
    qtbot.waitUntil(lambda: page.countdown.text() == "", timeout=20_000)


def test_stop_leaves_the_rest_queued(qtbot, page: OutboxPage, fake_x: FakeX, library: Path) -> None:
    # X answers the first DM only after Stop was clicked: the stop lands mid-batch on any machine (a delay of 0.4 s
    # per answer let a busy machine send all three before the click).
    fake_x.answer_gate = threading.Event()
    page.send_button.click()
    qtbot.waitUntil(lambda: fake_x.wait_recorded(1, timeout=0.01), timeout=20_000)
    page.cancel_button.click()
    fake_x.answer_gate.set()
    qtbot.waitUntil(lambda: not page.is_sending(), timeout=20_000)
    assert "Stopped on request" in page.status.text()
    states = _states(library)
    assert states[0] == "sent" and "queued" in states and len(fake_x.events) == states.count("sent")


def test_refused_dm_is_shown_failed_and_offered_by_email(qtbot, page: OutboxPage, fake_x: FakeX,
                                                         library: Path) -> None:
    fake_x.not_following["1000"] = "349"
    _send_and_wait(qtbot, page)
    assert "cannot be reached" in page.status.text()
    page.filter.setCurrentIndex([label for label, _ in FILTERS].index("Failed"))
    # The list may first show a reload made while the refusal was being written; it must come to say why.
    reason = HEADERS.index("Reason")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1
                    and "cannot send messages to this user" in page.model.row_values(0)[reason], timeout=20_000)
    page.view.selectRow(0)
    qtbot.waitUntil(lambda: "can be offered it by email" in page.detail.toPlainText(), timeout=20_000)
    qtbot.waitUntil(page.offer_button.isEnabled, timeout=20_000)
    assert not page.retry_button.isEnabled()
    page.offer_button.click()
    qtbot.waitUntil(lambda: "waits for a manager's approval" in page.status.text(), timeout=20_000)
    assert _states(library) == ["cancelled", "sent", "sent", "pending"]


def test_delivery_settings_save_mail_server_and_sign_in_to_x(qtbot, runners, library: Path, fake_x: FakeX,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    db, net = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(library)
    session = Session()
    session.sign_in(MARIA)
    section = DeliverySettings(db, net, session)
    qtbot.addWidget(section)
    section.reload()
    qtbot.waitUntil(lambda: section.x_account.text().startswith("@lookbookstore"), timeout=20_000)
    # Every channel's box is built the same way, from what it declares; X's sign-in sits in X's box.
    assert list(section.channel_boxes) == ["x", "email", "sms", "whatsapp"]
    mail, x_box = section.channel_boxes["email"], section.channel_boxes["x"]
    assert section.sign_in_button.parentWidget().parentWidget() is x_box
    assert x_box.text("client_id") == fake_x.client_id

    mail.edits["host"].setText("smtp.example.com")
    mail.edits["security"].setCurrentText("plain")
    mail.edits["from_address"].setText("maria@store.example.com")
    mail.save_button.click()
    qtbot.waitUntil(lambda: "security 'plain'" in section.message.text(),
                    timeout=20_000)  # refused, with the field named
    mail.edits["security"].setCurrentText("starttls")
    mail.edits["username"].setText("maria")
    mail.edits["password"].setText("mail-secret")
    mail.save_button.click()
    qtbot.waitUntil(lambda: section.message.text() == "E-mail saved; its secrets are in the system keyring.",
                    timeout=20_000)
    assert mail.edits["password"].text() == ""
    qtbot.waitUntil(lambda: mail.text("port") == "587", timeout=20_000)  # the security's usual port, shown once saved

    # The "browser": open X's page, which redirects to the app's loopback address.
    monkeypatch.setattr(section, "_open_url",
                        lambda url: threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 30},
                                                     daemon=True).start())
    section.sign_in_button.click()
    # Four hops (save the client, the browser's redirect, the token exchange, save the token): a generous bound.
    qtbot.waitUntil(lambda: "Signed in to X as @lookbookstore" in section.message.text(), timeout=30_000)
    store = open_store(Library.locate(library))
    try:
        dump = "\n".join(store.db.conn.iterdump())
        assert "mail-secret" not in dump  # secrets only in the keyring
        assert not [token for token in fake_x.access_tokens if token in dump]
        assert accounts.email_channel(store)._password == "mail-secret"
    finally:
        store.close()



def test_a_saved_secret_leaves_its_field_with_the_saved_message(qtbot, runners, library: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The secret is cleared when "saved" shows, not when the section's reload comes back from the DB thread later
    (the app test above once read the field between the two on a busy machine)."""
    db, net = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(library)
    session = Session()
    session.sign_in(MARIA)
    section = DeliverySettings(db, net, session)
    qtbot.addWidget(section)
    section.reload()
    qtbot.waitUntil(lambda: "email" in section.channel_boxes, timeout=20_000)
    mail = section.channel_boxes["email"]
    reloads: list[bool] = []
    monkeypatch.setattr(section, "reload", lambda: reloads.append(True))  # the reload "has not come back yet"
    for name, value in (("host", "smtp.example.com"), ("from_address", "maria@store.example.com"),
                        ("username", "maria"), ("password", "mail-secret")):
        mail.edits[name].setText(value)
    mail.edits["security"].setCurrentText("starttls")
    mail.save_button.click()
    qtbot.waitUntil(lambda: section.message.text() == "E-mail saved; its secrets are in the system keyring.",
                    timeout=20_000)
    assert reloads == [True]
    assert mail.edits["password"].text() == ""
    assert mail.text("host") == "smtp.example.com"  # only the secrets are cleared

def test_send_follows_the_role_matrix(qtbot, page: OutboxPage, library: Path) -> None:
    """Issue 13: a merchandiser may not send; the button says why, and the core refuses a click anyway."""
    sam = User(4, "sam", "Sam Patel", "merchandiser", True)
    assert page.send_button.isEnabled()
    page.session.sign_in(sam)
    assert not page.send_button.isEnabled()
    assert page.send_button.toolTip() == ("Sam Patel is merchandiser; only an associate, a manager or an admin may "
                                          "send approved messages, retry failed ones.")
    page.start_sending()  # as if the button had been pressed before the role was known
    qtbot.waitUntil(lambda: not page.is_sending(), timeout=10_000)
    assert "'sam' is a merchandiser; only an associate, a manager or an admin may send" in page.status.text()
    assert _states(library) == ["approved"] * 3
    page.session.sign_in(MARIA)
    assert page.send_button.isEnabled()


def test_delivery_settings_has_a_form_per_channel_from_its_declared_credentials(qtbot, runners, library: Path) -> None:
    """Issue 17: SMS and WhatsApp get their forms from the fields they declare; secrets go only to the keyring."""
    from lookbook.outbox.channels import whatsapp
    from lookbook.store import secrets

    db, net = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(library)
    session = Session()
    session.sign_in(MARIA)
    section = DeliverySettings(db, net, session)
    qtbot.addWidget(section)
    section.reload()
    qtbot.waitUntil(lambda: {"sms", "whatsapp"} <= set(section.channel_boxes), timeout=20_000)
    box = section.channel_boxes["whatsapp"]
    assert list(box.edits) == [c.name for c in whatsapp.WHATSAPP.credentials]
    assert box.edits["token"].echoMode() == box.edits["token"].EchoMode.Password
    box.edits["phone_number_id"].setText("not digits")
    box.save_button.click()
    qtbot.waitUntil(lambda: "phone number id 'not digits'" in section.message.text(),
                    timeout=20_000)  # refused, field named
    for name, value in (("phone_number_id", "106540352242922"), ("waba_id", "102290129340398"),
                        ("template", "new_arrivals"), ("token", "EAAG-ui"), ("app_secret", "app-ui"),
                        ("verify_token", "verify-ui")):
        box.edits[name].setText(value)
    box.save_button.click()
    qtbot.waitUntil(lambda: section.message.text() == "WhatsApp saved; its secrets are in the system keyring.",
                    timeout=20_000)
    qtbot.waitUntil(lambda: box.edits["token"].text() == "" and box.edits["template"].text() == "new_arrivals",
                    timeout=20_000)
    assert box.edits["token"].placeholderText().startswith("kept in the system keyring")
    store = open_store(Library.locate(library))
    try:
        assert secrets.Vault.for_store(store).get(secrets.WHATSAPP_APP_SECRET) == "app-ui"
        dump = "\n".join(store.db.conn.iterdump())
        assert "EAAG-ui" not in dump and "app-ui" not in dump and "verify-ui" not in dump
    finally:
        store.close()


def test_sent_list_shows_what_whatsapp_reported_after_the_send(qtbot, runners, tmp_path: Path) -> None:
    """A WhatsApp message's delivery status (the webhook's delivered, read, failed) shows in its row, on hover over
    the cell and in the detail pane, in the store's time; a channel that reports nothing (X) leaves it empty."""
    import datetime as dt

    from fakes.fake_whatsapp import notification, status
    from lookbook.outbox.channels.whatsapp_webhook import store_payload
    from lookbook.store import settings
    from outbox_support import add_sent

    def at(text: str) -> int:
        return int(dt.datetime.fromisoformat(text).timestamp())

    store = create_store(tmp_path / "Library")
    add_staff(store)
    settings.set_value(store, "store_timezone", "Asia/Tokyo", "admin")
    world = add_world(store, customers=3)
    delivered, read, failed = (add_sent(store, c, f"wamid.{n}") for n, c in enumerate(world.customers))
    quiet = add_sent(store, world.customers[0], "9000", channel="x")
    store_payload(store, notification(statuses=[
        status("wamid.0", "delivered", "447700900000", at=at("2026-12-01T05:02:00+00:00")),
        status("wamid.1", "read", "447700900001", at=at("2026-12-01T05:05:00+00:00")),
        status("wamid.2", "failed", "447700900002", code=131026, at=at("2026-12-01T05:06:00+00:00"))]))
    root = store.library.root
    store.close()

    db, _net = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(root)
    session = Session()
    session.sign_in(MARIA)
    page = OutboxPage(db, session)
    qtbot.addWidget(page)
    try:
        page.filter.setCurrentIndex([label for label, _ in FILTERS].index("Sent"))
        qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=20_000)
        rows = {page.model.row_values(r)[0]: r for r in range(4)}
        headers = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
        assert "Delivery" in headers
        cell = {mid: page.model.index(rows[mid], headers.index("Delivery")) for mid in (delivered, read, failed, quiet)}
        assert cell[delivered].data() == "delivered Tue 01 Dec 14:02 Tokyo time"  # 05:02 UTC, said in Tokyo
        assert cell[read].data() == "read Tue 01 Dec 14:05 Tokyo time"
        assert cell[failed].data().startswith("failed: WhatsApp cannot deliver to this number")
        assert cell[quiet].data() == "" and cell[quiet].data(Qt.ItemDataRole.ToolTipRole) is None
        assert cell[read].data(Qt.ItemDataRole.ToolTipRole) == (
            "WhatsApp reported after the send: read Tue 01 Dec 14:05 Tokyo time (the customer opened it).")
        page.view.selectRow(rows[delivered])
        qtbot.waitUntil(lambda: "WhatsApp reported after the send: delivered Tue 01 Dec 14:02 Tokyo time"
                        in page.detail.toPlainText(), timeout=20_000)
    finally:
        page.cleanup()
