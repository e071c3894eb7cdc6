"""E-mail replies read from a real IMAP server on 127.0.0.1 (pymap), threaded; answers continue the thread."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from fakes.imap import PASSWORD, USER, deliver, imap_server
from fakes.smtp import smtp_server
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.outbox import conversations, email_replies, sender
from lookbook.outbox.channels import accounts, reachability
from lookbook.outbox.email_replies import MailboxError
from lookbook.outbox.messages import transition
from lookbook.progress import run_to_end
from lookbook.store.database import Store
from outbox_support import World, add_message, add_staff, add_world


@pytest.fixture
def world(store: Store) -> World:
    add_staff(store)
    return add_world(store, customers=2, with_photos=False)


def _sent_email(store: Store, customer_id: int, external_id: str) -> int:
    mid = add_message(store, customer_id, state="approved", channel="email", body="New Marlowe shirts")
    store.db.execute("UPDATE messages SET subject = 'New from Marlowe' WHERE id = ?", [mid])
    transition(store, mid, "queued", "sender")
    transition(store, mid, "sending", "sender", attempts=1)
    transition(store, mid, "sent", "sender", external_id=external_id, sent_at="2026-12-01T10:00:00+00:00")
    return mid


def _mail(sender_address: str, body: str, *, message_id: str, in_reply_to: str | None = None) -> bytes:
    headers = [f"From: Customer <{sender_address}>", f"To: {USER}", "Subject: Re: New from Marlowe",
               "Date: Wed, 02 Dec 2026 09:30:00 +0000", f"Message-ID: {message_id}"]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    quoted = "\r\n\r\nOn Tue, 1 Dec 2026 at 10:00, Marlowe <maria@store.example.com> wrote:\r\n> New Marlowe shirts\r\n"
    return ("\r\n".join(headers) + "\r\n\r\n" + body + quoted).encode()


def _set_up(store: Store, port: int) -> None:
    email_replies.save_imap_settings(store, {"host": "127.0.0.1", "port": port, "security": "plain",
                                             "username": USER}, "admin", password=PASSWORD)


def test_replies_are_read_threaded_and_opt_outs_honoured(store: Store, world: World, memory_keyring) -> None:
    ann, bob = world.customers
    ours = _sent_email(store, ann, "<m1@store.example.com>")
    with imap_server() as port:
        _set_up(store, port)
        deliver(port, _mail("c0@example.com", "M please", message_id="<r1@example.com>",
                            in_reply_to="<m1@store.example.com>"))
        deliver(port, _mail("stranger@example.org", "hello?", message_id="<s1@example.org>"))
        deliver(port, _mail("C1@Example.com", "Stop please, thank you", message_id="<r2@example.com>"))
        report = email_replies.poll(sender.direct(store))
        assert [(r.customer_id, r.message_id, r.body, r.stop) for r in report.new] == [
            (ann, ours, "M please", False), (bob, None, "Stop please, thank you", True)]
        assert report.unknown_senders == 1 and report.withdrawn == [bob]
        assert not consent.has_consent(store, bob, "email") and consent.has_consent(store, bob, "x")
        # The cursor: the next poll reads only what came since.
        assert email_replies.poll(sender.direct(store)).new == []
        deliver(port, _mail("c0@example.com", "Not interested", message_id="<r3@example.com>"))
        later = email_replies.poll(sender.direct(store))
        assert later.paused == [ann] and reachability.unreachable(store, ann, "email") is not None


def test_a_wrong_password_or_no_settings_is_one_line(store: Store, world: World, memory_keyring) -> None:
    with pytest.raises(InputError, match="mailbox is not set up"):
        email_replies.poll(sender.direct(store))
    with imap_server() as port:
        email_replies.save_imap_settings(store, {"host": "127.0.0.1", "port": port, "security": "plain",
                                                 "username": USER}, "admin", password="wrong")
        with pytest.raises(MailboxError, match="could not be read"):
            email_replies.poll(sender.direct(store))


def test_an_answer_continues_the_customers_email_thread(store: Store, world: World, memory_keyring) -> None:
    ann = world.customers[0]
    _sent_email(store, ann, "<m1@store.example.com>")
    with imap_server() as port:
        _set_up(store, port)
        deliver(port, _mail("c0@example.com", "M please", message_id="<r1@example.com>",
                            in_reply_to="<m1@store.example.com>"))
        email_replies.poll(sender.direct(store))
    answer = conversations.answer(store, ann, "Put aside in M for you.", actor="alex")
    with smtp_server() as (inbox, smtp_port):
        accounts.save_email_settings(store, {"host": "127.0.0.1", "port": smtp_port, "security": "plain",
                                             "from_address": "maria@store.example.com"}, "admin")
        # Noon where the customer lives (UTC): the answer is not held by quiet hours whatever the hour the
        # suite runs (it failed every evening).
        noon = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
        run_to_end(sender.Sender(sender.direct(store), clock=lambda: noon).run(message_ids=[answer.message_id]))
    [(_, rcpts, raw)] = inbox.received
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpts == ["c0@example.com"] and sent["Subject"] == "Re: New from Marlowe"
    assert sent["In-Reply-To"] == "<r1@example.com>"
    assert sent["References"] == "<m1@store.example.com> <r1@example.com>"


def test_mailbox_and_fetch_verbs(tmp_path, monkeypatch: pytest.MonkeyPatch, memory_keyring,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.store.database import create_store

    store = create_store(tmp_path / "lib")
    add_staff(store)
    add_world(store, customers=2, with_photos=False)
    store.close()
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(tmp_path / "lib"))
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    monkeypatch.setenv("LOOKBOOK_IMAP_PASSWORD", PASSWORD)
    assert main(["conversations", "fetch"]) == 1
    assert "Neither X nor the mailbox is set up" in capsys.readouterr().err
    with imap_server() as port:
        assert main(["--as", "maria", "conversations", "mailbox", "--host", "127.0.0.1", "--port", str(port),
                     "--security", "plain", "--username", USER]) == 0
        deliver(port, _mail("c0@example.com", "Here is my card 4111 1111 1111 1111", message_id="<r1@example.com>"))
        deliver(port, _mail("who@example.org", "hi", message_id="<r2@example.org>"))
        capsys.readouterr()
        assert main(["conversations", "fetch"]) == 0
    out, err = capsys.readouterr()
    assert "e-mail: 1 new reply; 0 withdrew consent; 0 may have asked to stop; 1 from people not in" in out
    assert "warning: reply 1:" in err and "payment" in err
