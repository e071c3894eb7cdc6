"""The message state table: every move is checked in one place, and every move is audited."""

from __future__ import annotations

import json

import pytest

from lookbook.customers import consent
from lookbook.outbox.messages import (
    STATES,
    TRANSITIONS,
    ConsentMissing,
    IllegalTransition,
    message_state,
    transition,
)
from lookbook.store.database import Store
from outbox_support import add_message, add_staff, add_world


@pytest.fixture
def world(store: Store):
    add_staff(store)
    return add_world(store, with_photos=False)


def _audit(store: Store, message_id: int) -> list[tuple[str, str, dict]]:
    return [(r[0], r[1], json.loads(r[2])) for r in store.db.execute(
        "SELECT actor, action, detail FROM audit_log WHERE entity = 'message' AND entity_id = ? ORDER BY id",
        [str(message_id)])]


def test_every_state_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(STATES)
    for targets in TRANSITIONS.values():
        assert targets <= set(STATES)


def test_sender_path_to_sent_sets_fields_and_audits(store: Store, world) -> None:
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="approved")
    transition(store, mid, "queued", "sender")
    transition(store, mid, "sending", "sender", attempts=1)
    transition(store, mid, "sent", "sender", external_id="dm-42", sent_at="2026-11-23T10:00:00+00:00")
    row = store.db.execute("SELECT state, external_id, sent_at, attempts FROM messages WHERE id = ?", [mid]).fetchone()
    assert row == ("sent", "dm-42", "2026-11-23T10:00:00+00:00", 1)
    actions = [a for _, a, _ in _audit(store, mid)]
    assert actions == ["message.queue", "message.send_start", "message.sent"]
    assert _audit(store, mid)[-1][2]["external_id"] == "dm-42"


@pytest.mark.parametrize(("start", "to"), [("draft", "approved"), ("draft", "sent"), ("pending", "queued"),
                                           ("sent", "queued"), ("cancelled", "queued"), ("rejected", "approved"),
                                           ("queued", "sent"), ("approved", "sending")])
def test_illegal_moves_are_refused_with_the_reason(store: Store, world, start: str, to: str) -> None:
    mid = add_message(store, world.customers[0], state=start)
    with pytest.raises(IllegalTransition, match=f"cannot go from {start} to {to}"):
        transition(store, mid, to, "maria")
    assert message_state(store, mid) == start
    assert _audit(store, mid) == []


def test_unknown_state_and_missing_message(store: Store, world) -> None:
    mid = add_message(store, world.customers[0])
    with pytest.raises(IllegalTransition, match="'shipped' is not a state"):
        transition(store, mid, "shipped", "alex")
    with pytest.raises(IllegalTransition, match="message 999: no such message"):
        transition(store, 999, "pending", "alex")


def test_unknown_field_is_a_programming_error(store: Store, world) -> None:
    mid = add_message(store, world.customers[0], state="approved")
    with pytest.raises(TypeError, match="drafted_by"):
        transition(store, mid, "queued", "sender", drafted_by="x")


def test_failed_retry_only_when_retryable(store: Store, world) -> None:
    mid = add_message(store, world.customers[0], state="queued")
    transition(store, mid, "sending", "sender")
    transition(store, mid, "failed", "sender", error="403 not following", retryable=0)
    with pytest.raises(IllegalTransition, match="not retryable"):
        transition(store, mid, "queued", "sender")
    mid2 = add_message(store, world.customers[1], state="queued")
    transition(store, mid2, "sending", "sender")
    transition(store, mid2, "failed", "sender", error="503", retryable=1)
    transition(store, mid2, "queued", "sender", next_attempt_at="2026-11-23T11:00:00+00:00")
    assert message_state(store, mid2) == "queued"


def test_sending_can_go_back_to_queued_after_reconciliation(store: Store, world) -> None:
    mid = add_message(store, world.customers[0], state="queued")
    transition(store, mid, "sending", "sender")
    transition(store, mid, "queued", "sender", comment="not found in conversation; will retry")
    assert message_state(store, mid) == "queued"


def test_only_a_manager_who_did_not_draft_approves(store: Store, world) -> None:
    mid = add_message(store, world.customers[0], state="pending", drafted_by="maria")
    with pytest.raises(IllegalTransition, match="only a manager"):
        transition(store, mid, "approved", "alex")
    with pytest.raises(IllegalTransition, match="only a manager"):
        transition(store, mid, "approved", "admin")
    with pytest.raises(IllegalTransition, match="no one may approve what they drafted"):
        transition(store, mid, "approved", "Maria")
    transition(store, mid, "approved", "lee", comment="fine")
    row = store.db.execute("SELECT decided_by, decision_comment FROM messages WHERE id = ?", [mid]).fetchone()
    assert row == ("lee", "fine")


def test_consent_rechecked_on_approve_and_on_send(store: Store, world) -> None:
    cid = world.customers[0]
    pending = add_message(store, cid, set_id=world.set_id, state="pending")
    queued = add_message(store, cid, set_id=world.set_id, state="queued")
    consent.record(store, cid, "x", "one_to_one", False, by_user="alex", source="reply STOP")
    with pytest.raises(ConsentMissing, match="no one-to-one consent on x"):
        transition(store, pending, "approved", "maria")
    with pytest.raises(ConsentMissing):
        transition(store, queued, "sending", "sender")
    assert message_state(store, pending) == "pending"
    assert message_state(store, queued) == "queued"
    # Cancelling is always possible.
    transition(store, queued, "cancelled", "sender", state_reason="consent withdrawn")


def test_marketing_set_needs_marketing_consent(store: Store, world) -> None:
    store.db.execute("UPDATE sets SET scope = 'marketing' WHERE id = ?", [world.set_id])
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="pending")
    with pytest.raises(ConsentMissing, match="marketing consent"):
        transition(store, mid, "approved", "maria")


def test_failed_transition_writes_nothing(store: Store, world) -> None:
    mid = add_message(store, world.customers[0], state="pending", drafted_by="alex")
    before = store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(IllegalTransition):
        transition(store, mid, "approved", "alex")
    assert store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_transition_notifies_hooks(store: Store, world) -> None:
    seen: list[list[int]] = []
    changes = []
    store.hooks.outbox_did_change.append(seen.append)
    store.hooks.library_did_change.append(changes.append)
    mid = add_message(store, world.customers[0], state="approved")
    result = transition(store, mid, "queued", "sender")
    assert seen == [[mid]]
    assert result.outbox and changes[-1].outbox
