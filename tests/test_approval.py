"""Drafting a set, submitting it, a manager's decision, edits, caps and expiry."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pytest

from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.lookbooks.composer import write_card
from lookbook.outbox.messages import (
    IllegalTransition,
    approve,
    cancel,
    draft_set,
    edit_message,
    expire_stale,
    list_messages,
    message_state,
    override_cap,
    pending_sets,
    preview_set,
    reject,
    set_audit,
    submit,
    transition,
)
from lookbook.outbox.templates import Template, save_template
from lookbook.store.database import Store
from lookbook.store.users import PermissionDenied, create_user
from outbox_support import add_message, add_staff, add_world

TEMPLATE = Template("spring", "Hi {first_name}, new {brand}: {sizes_in_stock}. {associate}", "New {brand}")


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe", "shirt M in stock"])
    products_in_size: list[str] = field(default_factory=list)


@pytest.fixture
def world(store: Store):
    add_staff(store)
    return add_world(store, customers=4)


def _matches(world, channel: str = "x") -> list[FakeMatch]:
    return [FakeMatch(cid, channel, score=float(n)) for n, cid in enumerate(world.customers)]


def _audit(store: Store, action: str) -> list[dict]:
    return [json.loads(r[0]) for r in store.db.execute(
        "SELECT detail FROM audit_log WHERE action = ? ORDER BY id", [action])]


def test_draft_one_message_per_match_with_card_reason_and_offer(store: Store, world) -> None:
    report = draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    assert len(report.drafted) == 4 and report.skipped == []
    rows = list_messages(store, set_id=world.set_id)
    assert {r.state for r in rows} == {"draft"}
    best = rows[-1]  # ids follow the score order: the highest score first
    assert best.customer_id == world.customers[-1]
    assert best.body == "Hi Cust3, new Marlowe: Navy Oxford Shirt in M. Alex Kim"
    assert best.match_reason == "likes Marlowe; shirt M in stock"
    # The card carries the customer's own sizes: theirs, not the set's card without a customer.
    assert best.attachment == write_card(store, world.set_id, best.customer_id) != report.attachment
    assert (store.library.root / best.attachment).is_file()
    offer = store.db.execute("SELECT offer FROM messages WHERE id = ?", [best.id]).fetchone()[0]
    assert json.loads(offer) == [{"size": "M", "sku": "MW-SH01"}]
    assert len(_audit(store, "message.draft")) == 4


def test_draft_email_has_subject_and_uses_a_stored_template(store: Store, world) -> None:
    save_template(store, "spring", TEMPLATE.body, "alex", subject=TEMPLATE.subject)
    draft_set(store, world.set_id, "alex", "spring", matches=_matches(world, "email")[:1])
    row = list_messages(store)[0]
    assert (row.channel, row.subject) == ("email", "New Marlowe")


def test_draft_skips_without_consent_out_of_size_and_already_drafted(store: Store, world) -> None:
    c0, c1, c2, _ = world.customers
    consent.record(store, c0, "x", "one_to_one", False, by_user="alex", source="asked in store")
    store.db.execute("UPDATE customer_sizes SET size = 'S' WHERE customer_id = ? AND category = 'shirt'", [c1])
    first = draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    reasons = {s.customer_id: s.reason for s in first.skipped}
    assert reasons[c0] == "no one-to-one consent on x"
    assert "{sizes_in_stock} is empty" in reasons[c1]
    assert len(first.drafted) == 2
    again = draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    assert again.drafted == []
    assert {s.reason for s in again.skipped if s.customer_id == c2} == {"already has a message from this set"}


def test_customer_messaged_this_week_is_skipped(store: Store, world) -> None:
    other = store.db.execute("INSERT INTO sets (name, brand_id, created_by, created_at, updated_at)"
                             " VALUES ('other', ?, 'sam', 'now', 'now')", [world.brand_id]).lastrowid
    mid = add_message(store, world.customers[0], set_id=other, state="queued", drafted_by="jo")
    transition(store, mid, "sending", "sender")
    transition(store, mid, "sent", "sender", sent_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    report = draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    assert [s.customer_id for s in report.skipped] == [world.customers[0]]
    assert "quiet period" in report.skipped[0].reason


def test_admin_cannot_draft(store: Store, world) -> None:
    with pytest.raises(PermissionDenied, match="only an associate or merchandiser or manager may draft"):
        draft_set(store, world.set_id, "admin", TEMPLATE, matches=_matches(world))


def test_several_messages_mode_sends_one_shot_per_message_on_x(store: Store, world) -> None:
    report = draft_set(store, world.set_id, "alex", TEMPLATE, mode="several", matches=_matches(world)[:1])
    rows = sorted(list_messages(store), key=lambda r: r.id)
    assert len(report.drafted) == 2
    assert rows[0].body.startswith("Hi Cust0") and rows[1].body == "Sand Chino: in stock in 30"
    assert rows[0].attachment != rows[1].attachment and "shot_set" in rows[1].attachment


def test_full_flow_submit_approve_with_comment(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    submitted = submit(store, world.set_id, "alex")
    assert len(submitted.done) == 4
    result = approve(store, "maria", "looks good", set_id=world.set_id)
    assert len(result.done) == 4 and result.refused == []
    rows = list_messages(store, state="approved")
    assert {(r.decided_by, r.decision_comment) for r in rows} == {("maria", "looks good")}


def test_two_associates_drafting_the_same_customer_cannot_both_be_approved(store: Store, world) -> None:
    create_user(store, "jordan", "secret-pass", "associate")
    other_set = store.db.execute(
        "INSERT INTO sets (name, brand_id, created_by, created_at, updated_at) VALUES ('Marlowe again', ?, 'sam',"
        " '2026-01-01', '2026-01-01')", [world.brand_id]).lastrowid
    for photo_id in world.photos:
        store.db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, 0)", [other_set, photo_id])
    # Both associates draft before either set is approved, so drafting cannot see the other.
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    draft_set(store, other_set, "jordan", TEMPLATE, matches=_matches(world)[:1])
    submit(store, world.set_id, "alex")
    submit(store, other_set, "jordan")
    assert len(approve(store, "maria", "first", set_id=world.set_id).done) == 4
    second = approve(store, "maria", "second", set_id=other_set)
    assert second.done == []
    assert "already has message" in second.refused[0][1] and "quiet period" in second.refused[0][1]
    assert list_messages(store, set_id=other_set)[0].state == "pending"


def test_no_one_approves_a_set_they_drafted(store: Store, world) -> None:
    draft_set(store, world.set_id, "maria", TEMPLATE, matches=_matches(world))
    submit(store, world.set_id, "maria")
    with pytest.raises(IllegalTransition, match="'maria' drafted messages in it and no one may approve a set"):
        approve(store, "maria", set_id=world.set_id)
    with pytest.raises(PermissionDenied, match="only a manager may approve"):
        approve(store, "alex", set_id=world.set_id)
    ids = [r.id for r in list_messages(store, set_id=world.set_id)]
    refused = approve(store, "maria", message_ids=ids[:1])
    assert refused.done == [] and "no one may approve what they drafted" in refused.refused[0][1]
    assert approve(store, "lee", set_id=world.set_id).done


def test_approving_a_set_keeps_good_messages_and_reports_withdrawn_consent(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    submit(store, world.set_id, "alex")
    consent.record(store, world.customers[1], "x", "one_to_one", False, by_user="alex", source="reply STOP")
    result = approve(store, "maria", "ok", set_id=world.set_id)
    assert len(result.done) == 3
    [(refused_id, why)] = result.refused
    assert "no one-to-one consent on x" in why
    assert message_state(store, refused_id) == "pending"


def test_reject_needs_a_comment_and_drafter_can_rework(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:1])
    submit(store, world.set_id, "alex")
    with pytest.raises(InputError, match="say why"):
        reject(store, "maria", " ", set_id=world.set_id)
    reject(store, "maria", "too pushy", set_id=world.set_id)
    [row] = list_messages(store)
    assert (row.state, row.decision_comment) == ("rejected", "too pushy")
    edited = edit_message(store, row.id, "alex", "Hi Cust0, a few new Marlowe shirts came in.")
    assert edited.state == "draft"
    submit(store, world.set_id, "alex")
    assert message_state(store, row.id) == "pending"


def test_editing_an_approved_message_needs_approval_again_and_keeps_the_original(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:1])
    submit(store, world.set_id, "alex")
    approve(store, "maria", "ok", set_id=world.set_id)
    [row] = list_messages(store)
    report = edit_message(store, row.id, "alex", "New text, card 4111 1111 1111 1111?")
    assert report.state == "pending" and report.card_masked
    assert "take payment in store" in report.warnings[0]
    after = list_messages(store)[0]
    assert after.state == "pending" and after.decided_by is None
    assert after.body == "New text, card •••• •••• •••• 1111?"
    [edit] = _audit(store, "message.edit")
    assert edit["original_body"] == row.body and edit["body"] == after.body
    assert edit["from"] == "approved" and edit["to"] == "pending"


def test_approver_edits_then_another_manager_approves(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:1])
    submit(store, world.set_id, "alex")
    [row] = list_messages(store)
    edit_message(store, row.id, "maria", row.body + " See you soon.")
    # The two-person rule: maria's words were checked by no one else.
    report = approve(store, "maria", "tweaked the ending", message_ids=[row.id])
    assert report.done == [] and "'maria' made the last change to it" in report.refused[0][1]
    assert message_state(store, row.id) == "pending"
    approve(store, "lee", "fine", message_ids=[row.id])
    assert message_state(store, row.id) == "approved"
    assert _audit(store, "message.edit")[0]["original_body"] == row.body


def test_manager_cannot_approve_her_own_edit_of_an_approved_message(store: Store, world) -> None:
    """Issue 13: maria approves, rewrites the whole text (back to pending), then approves it herself."""
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:1])
    submit(store, world.set_id, "alex")
    [row] = list_messages(store)
    approve(store, "maria", "ok", message_ids=[row.id])
    assert message_state(store, row.id) == "approved"
    edit_message(store, row.id, "maria", "Something else entirely.")
    assert message_state(store, row.id) == "pending"
    assert list_messages(store)[0].changed_by == "maria"
    report = approve(store, "maria", "", message_ids=[row.id])
    [(mid, why)] = report.refused
    assert mid == row.id and why == (f"message {row.id}: 'maria' made the last change to it (its text, subject, "
                                     "picture or its set's shots) and no one may approve their own change; "
                                     "ask another manager.")
    with pytest.raises(IllegalTransition, match="'maria' made the last change to messages in it"):
        approve(store, "maria", "", set_id=world.set_id)
    assert message_state(store, row.id) == "pending"
    # She may still reject it; another manager may approve it.
    approve(store, "lee", "read it", set_id=world.set_id)
    assert message_state(store, row.id) == "approved"


def test_a_changed_set_sends_its_messages_back_and_its_changer_cannot_approve(store: Store, world) -> None:
    from lookbook.lookbooks.sets import add_to_set, remove_from_set

    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:2])
    submit(store, world.set_id, "alex")
    first, second = sorted(m.id for m in list_messages(store))
    approve(store, "lee", "ok", message_ids=[first])
    before = list_messages(store)[0].attachment
    remove_from_set(store, world.set_id, [world.photos[1]], actor="maria")
    rows = {m.id: m for m in list_messages(store)}
    assert {rows[first].state, rows[second].state} == {"pending"}  # the approved one needs approval again
    assert {rows[first].changed_by, rows[second].changed_by} == {"maria"}
    assert rows[first].attachment != before and (store.library.root / rows[first].attachment).is_file()
    assert store.db.execute("SELECT contents_changed_by FROM sets WHERE id = ?", [world.set_id]).fetchone()[0] \
        == "maria"
    with pytest.raises(IllegalTransition, match="'maria' made the last change"):
        approve(store, "maria", "", set_id=world.set_id)
    report = approve(store, "maria", "", message_ids=[first, second])
    assert report.done == [] and len(report.refused) == 2
    # lee approves what maria changed; a later change by sam sends them back once more.
    assert approve(store, "lee", "", set_id=world.set_id).done == [first, second]
    add_to_set(store, world.set_id, [world.photos[1]], actor="sam")
    assert {m.state for m in list_messages(store)} == {"pending"}


def test_edit_is_checked(store: Store, world) -> None:
    mid = add_message(store, world.customers[0], state="pending")
    with pytest.raises(PermissionDenied, match="only a manager may edit message"):
        edit_message(store, mid, "sam", "hello")
    with pytest.raises(InputError, match="x takes at most 10,000"):
        edit_message(store, mid, "alex", "a" * 10_001)
    sent = add_message(store, world.customers[1], state="sent")
    with pytest.raises(IllegalTransition, match="it is sent and can no longer be edited"):
        edit_message(store, sent, "alex", "too late")


def test_associate_cap_and_manager_override(store: Store, world) -> None:
    store.set_setting("outbox.associate_cap", 2)
    report = draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    assert len(report.drafted) == 2
    assert sum("associate cap of 2" in s.reason for s in report.skipped) == 2
    with pytest.raises(PermissionDenied):
        override_cap(store, world.set_id, "alex", "please")
    override_cap(store, world.set_id, "maria", "VIP event, all four")
    more = draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    assert len(more.drafted) == 2
    assert len(submit(store, world.set_id, "alex").done) == 4
    assert _audit(store, "set.cap_override")[0]["comment"] == "VIP event, all four"


def test_submit_refuses_an_associate_set_over_the_cap(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    store.set_setting("outbox.associate_cap", 3)
    with pytest.raises(IllegalTransition, match="goes to 4 customers, more than the associate cap of 3"):
        submit(store, world.set_id, "alex")


def test_expire_after_the_approval_window(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:2])
    submit(store, world.set_id, "alex")
    now = dt.datetime.now(dt.UTC)
    assert expire_stale(store, now + dt.timedelta(hours=71)).done == []
    report = expire_stale(store, now + dt.timedelta(hours=73))
    assert len(report.done) == 2
    rows = list_messages(store)
    assert {r.state for r in rows} == {"expired"}
    assert rows[0].state_reason == "not approved within 72 h of being submitted"


def test_approval_window_is_a_setting(store: Store, world) -> None:
    store.set_setting("outbox.approval_hours", 1)
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:1])
    submit(store, world.set_id, "alex")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert len(expire_stale(store, later).done) == 1
    late = approve(store, "maria", message_ids=[list_messages(store)[0].id])
    assert late.done == [] and "cannot go from expired to approved" in late.refused[0][1]


def test_expire_when_offered_size_sold_out(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world)[:1])
    submit(store, world.set_id, "alex")
    store.db.execute("UPDATE stock SET quantity = 0 WHERE size = 'M'")
    report = expire_stale(store)
    assert len(report.done) == 1
    assert list_messages(store)[0].state_reason == "out of stock since drafting: Navy Oxford Shirt in M"


def test_cancel_reports_what_cannot_be_cancelled(store: Store, world) -> None:
    a = add_message(store, world.customers[0], state="approved")
    b = add_message(store, world.customers[1], state="sent")
    report = cancel(store, "maria", [a, b], "campaign pulled")
    assert report.done == [a] and report.refused[0][0] == b
    assert list_messages(store, state="cancelled")[0].state_reason == "campaign pulled"


def test_preview_as_several_customers_flags_problems_and_writes_nothing(store: Store, world) -> None:
    c0, c1, *_ = world.customers
    store.db.execute("UPDATE customer_sizes SET size = 'XS' WHERE customer_id = ? AND category = 'shirt'", [c0])
    consent.record(store, c1, "x", "one_to_one", False, by_user="alex", source="asked in store")
    before = store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    shown = preview_set(store, world.set_id, "alex", TEMPLATE, customers=3,
                        matches=[FakeMatch(c0, score=9), FakeMatch(c1, score=8), FakeMatch(world.customers[2], score=7),
                                 FakeMatch(world.customers[3], score=1)])
    assert [p.customer_id for p in shown] == [c0, c1, world.customers[2]]
    assert shown[0].customer_name == "Cust0 Tester"
    assert any("{sizes_in_stock} is empty" in p for p in shown[0].problems)
    assert shown[1].problems == ["no one-to-one consent on x"]
    assert shown[2].ok and shown[2].body.startswith("Hi Cust2")
    assert store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before
    assert list_messages(store) == []


def test_pending_sets_and_set_audit(store: Store, world) -> None:
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=_matches(world))
    assert pending_sets(store) == []
    submit(store, world.set_id, "alex")
    [queued] = pending_sets(store)
    assert (queued.set_id, queued.brand, queued.drafted_by, queued.pending) == (world.set_id, "Marlowe", ["alex"], 4)
    submitted = dt.datetime.fromisoformat(queued.submitted_at)
    assert dt.datetime.fromisoformat(queued.expires_at) - submitted == dt.timedelta(hours=72)
    approve(store, "maria", "ok", set_id=world.set_id)
    assert pending_sets(store) == []
    actions = [e.action for e in set_audit(store, world.set_id)]
    assert actions.count("message.approve") == 4 and actions[-1] == "message.draft"


def test_draft_offers_only_what_matching_says_fits_and_was_not_sent(store: Store, world) -> None:
    store.db.execute("UPDATE customer_sizes SET size = '30' WHERE category = 'trousers'")
    both = FakeMatch(world.customers[0], products_in_size=["MW-SH01", "MW-TR01"])
    only_chino = FakeMatch(world.customers[1], products_in_size=["MW-TR01"])
    draft_set(store, world.set_id, "alex", TEMPLATE, matches=[both, only_chino])
    bodies = {r.customer_id: r.body for r in list_messages(store)}
    assert bodies[world.customers[0]].endswith("Navy Oxford Shirt in M and Sand Chino in 30. Alex Kim")
    assert bodies[world.customers[1]] == "Hi Cust1, new Marlowe: Sand Chino in 30. Alex Kim"


def test_card_number_in_an_unsaved_template_is_masked_at_draft_with_advice(store: Store, world) -> None:
    risky = Template("inline", "Hi {first_name}, just reply with your card 4111 1111 1111 1111")
    report = draft_set(store, world.set_id, "alex", risky, matches=_matches(world)[:1])
    assert "take payment in store" in report.warnings[0]
    assert list_messages(store)[0].body.endswith("•••• •••• •••• 1111")
