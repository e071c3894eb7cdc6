"""Conversations: replies threaded with the messages they answer, unread counts, search, answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lookbook.cli import main
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.outbox import conversations
from lookbook.store.database import Store, create_store
from lookbook.store.users import PermissionDenied
from outbox_support import World, add_message, add_staff, add_world


def _build(store: Store) -> World:
    add_staff(store)
    w = add_world(store, customers=3)
    alex, maria = (store.db.execute("SELECT id FROM users WHERE username = ?", [u]).fetchone()[0]
                   for u in ("alex", "maria"))
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id IN (?, ?)", [alex, *w.customers[:2]])
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id = ?", [maria, w.customers[2]])
    for n, (customer, body, at) in enumerate([(w.customers[0], "Do you have it in M?", "2026-12-01T10:00:00+00:00"),
                                              (w.customers[0], "M please", "2026-12-01T10:05:00+00:00"),
                                              (w.customers[1], "What colours?", "2026-12-02T09:00:00+00:00"),
                                              (w.customers[2], "Lovely, thanks", "2026-12-03T09:00:00+00:00")]):
        message = add_message(store, customer, set_id=w.set_id, state="sent")
        store.db.execute("UPDATE messages SET sent_at = '2026-11-30T10:00:00+00:00' WHERE id = ?", [message])
        store.db.execute("INSERT INTO replies (customer_id, message_id, channel, external_id, body, received_at)"
                         " VALUES (?, ?, 'x', ?, ?, ?)", [customer, message, f"e{n}", body, at])
    return w


@pytest.fixture
def world(store: Store) -> World:
    return _build(store)


def test_conversations_are_listed_per_associate_with_unread_counts_and_search(store: Store, world: World) -> None:
    ann, bob, cat = world.customers
    mine = conversations.list_conversations(store, associate="alex")
    assert [(c.customer_id, c.unread, c.replies, c.last_text) for c in mine] == [
        (bob, 1, 1, "What colours?"), (ann, 2, 2, "M please")]
    assert conversations.unread_count(store, associate="alex") == 3
    assert [c.customer_id for c in conversations.list_conversations(store, search="colours")] == [bob]
    assert [c.customer_id for c in conversations.list_conversations(store, search="Cust2")] == [cat]
    conversations.mark_read(store, ann, actor="alex")
    assert [c.customer_id for c in conversations.list_conversations(store, unread_only=True)] == [cat, bob]


def test_a_thread_puts_each_reply_after_the_message_it_answers(store: Store, world: World) -> None:
    ann = world.customers[0]
    entries = conversations.thread(store, ann)
    assert [(e.kind, e.text) for e in entries] == [("message", "Hello"), ("message", "Hello"),
                                                   ("reply", "Do you have it in M?"), ("reply", "M please")]
    assert entries[2].answers == entries[0].id and entries[2].unread


def test_an_answer_goes_out_without_approval_on_the_replys_channel(store: Store, world: World) -> None:
    ann = world.customers[0]
    result = conversations.answer(store, ann, "Put aside in M. Pay with 4111 1111 1111 1111?", actor="alex")
    row = store.db.execute("SELECT channel, state, body, drafted_by, answers_reply_id FROM messages WHERE id = ?",
                           [result.message_id]).fetchone()
    assert row[:2] == ("x", "approved") and "4111 1111 1111 1111" not in row[2] and row[3] == "alex"
    assert row[4] is not None and result.warnings  # the safe-payment advice
    assert conversations.unread_count(store, associate="alex") == 1  # answering read Ann's replies
    audit = store.db.execute("SELECT detail FROM audit_log WHERE action = 'message.answer'").fetchone()[0]
    assert json.loads(audit)["card_masked"] is True
    store.set_setting(conversations.APPROVAL_SETTING, True)
    assert conversations.answer(store, ann, "And the chinos?", actor="alex").state == "pending"


def test_no_answer_without_consent_or_from_a_merchandiser(store: Store, world: World) -> None:
    ann, bob, _ = world.customers
    consent.record(store, bob, "x", "one_to_one", False, by_user="replies", source="reply")
    with pytest.raises(InputError, match="no one-to-one consent on X"):
        conversations.answer(store, bob, "Sorry to hear", actor="alex")
    with pytest.raises(PermissionDenied):
        conversations.answer(store, ann, "Hi", actor="sam")
    with pytest.raises(InputError, match="empty"):
        conversations.answer(store, ann, "  ", actor="alex")


def test_conversations_verbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    store = create_store(tmp_path / "lib")
    w = _build(store)
    store.close()
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(tmp_path / "lib"))
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    assert main(["conversations", "list", "--associate", "alex", "--json"]) == 0
    assert [json.loads(line)["unread"] for line in capsys.readouterr().out.splitlines()] == [1, 2]
    assert main(["--as", "alex", "conversations", "answer", str(w.customers[0]), "Yes, in M"]) == 0
    assert "goes out with `lookbook outbox send`" in capsys.readouterr().out
    assert main(["conversations", "show", str(w.customers[0])]) == 0
    assert "alex (approved): Yes, in M" in capsys.readouterr().out


def test_conversations_answer_offers_every_channel_an_answer_can_go_on() -> None:
    """The verb lists the channels by hand (verbs stay light); they are the ones the core answers on."""
    from lookbook.cli import build_parser, verb_parsers

    answer = verb_parsers(build_parser())["conversations answer"]
    [channel] = [a for a in answer._actions if a.dest == "channel"]
    assert tuple(channel.choices) == tuple(conversations.ANSWER_LIMITS)
