"""Changes made by another connection (window, command line, send run) reach this store's hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lookbook.cli import main
from lookbook.hooks import Changes, Hooks
from lookbook.outbox import messages as outbox
from lookbook.outbox.templates import Template
from lookbook.store.database import Store, create_store, open_store
from lookbook.store.library import Library
from lookbook.store.live import EVERYTHING, ChangeWatcher, changes_of
from outbox_support import add_staff, add_world


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe"])


@dataclass
class Two:
    """Two connections to one library file, as two windows (or a window and the CLI) have."""

    path: Path
    here: Store
    there: Store
    set_id: int
    seen: list[Changes]


@pytest.fixture
def two(tmp_path: Path) -> Two:
    path = tmp_path / "lib"
    there = create_store(path)
    add_staff(there)
    world = add_world(there)
    outbox.draft_set(there, world.set_id, "alex", Template("t", "Hi {first_name}: {sizes_in_stock}"),
                     matches=[FakeMatch(c) for c in world.customers])
    seen: list[Changes] = []
    hooks = Hooks()
    hooks.library_did_change.append(seen.append)
    here = open_store(Library(path), hooks)
    seen.clear()  # what opening itself recorded
    yield Two(path, here, there, world.set_id, seen)
    here.close()
    there.close()


def test_submit_tells_the_library_hook(store: Store) -> None:
    """The Approvals page listens to library_did_change; submit fired only outbox_did_change before."""
    add_staff(store)
    world = add_world(store)
    outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}"),
                     matches=[FakeMatch(c) for c in world.customers])
    seen: list[Changes] = []
    store.hooks.library_did_change.append(seen.append)
    outbox.submit(store, world.set_id, "alex")
    assert seen and seen[-1].outbox and seen[-1].audit


def test_a_commit_by_another_connection_fires_this_stores_hook(two: Two) -> None:
    watcher = ChangeWatcher(two.here)
    assert not watcher.poll() and two.seen == []  # nothing happened: no event
    outbox.submit(two.there, two.set_id, "alex")
    changes = watcher.poll()
    assert changes.outbox and changes.audit and not changes.photos and not changes.products
    assert two.seen == [changes]
    assert not watcher.poll()  # reported once
    outbox.approve(two.there, "maria", "fine", set_id=two.set_id)
    assert watcher.poll().outbox
    assert [s.set_id for s in outbox.pending_sets(two.here)] == []  # and this connection reads the new state


def test_own_commits_are_not_reported_again(two: Two) -> None:
    watcher = ChangeWatcher(two.here)
    outbox.submit(two.here, two.set_id, "alex")
    fired = len(two.seen)  # the mutation's own event
    assert fired == 1
    assert not watcher.poll() and len(two.seen) == fired


def test_a_commit_without_an_audit_row_reports_every_part(two: Two) -> None:
    watcher = ChangeWatcher(two.here)
    two.there.set_setting("store.name", "Another name")
    assert watcher.poll() == EVERYTHING


def test_a_command_line_change_is_seen(two: Two, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    watcher = ChangeWatcher(two.here)
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    assert main(["--library", str(two.path), "--as", "alex", "outbox", "submit", str(two.set_id)]) == 0
    capsys.readouterr()
    assert watcher.poll().outbox
    assert [s.set_id for s in outbox.pending_sets(two.here)] == [two.set_id]


@pytest.mark.parametrize(("actions", "expected"), [
    (["message.approve"], Changes(outbox=True, audit=True)),
    (["photo.import", "catalog.import"], Changes(photos=True, products=True, audit=True)),
    (["customer.update", "user.create"], Changes(customers=True, users=True, audit=True)),
    (["set.add"], Changes(sets=True, outbox=True, audit=True)),
    (["something.new"], EVERYTHING),
    ([], EVERYTHING),
])
def test_audit_actions_name_the_parts_that_changed(actions: list[str], expected: Changes) -> None:
    assert changes_of(actions) == expected


# -- notices: who is told what ------------------------------------------------------------------------------
def test_a_manager_hears_of_submissions_and_the_drafter_of_decisions(two: Two) -> None:
    from lookbook.outbox import notices

    start = notices.latest_id(two.here)
    outbox.submit(two.there, two.set_id, "alex")
    waiting = notices.notices_for(two.here, "maria", "manager", start)
    assert [n.kind for n in waiting] == ["waiting"] * 3 and waiting[0].actor == "alex"
    assert notices.summary(waiting) == ["alex submitted 3 messages in “Marlowe spring” for approval."]
    assert notices.notices_for(two.here, "alex", "associate", start) == []  # nobody hears of their own doing
    assert notices.notices_for(two.here, "sam", "merchandiser", start) == []  # nor of others' work to approve

    after_submit = notices.latest_id(two.here)
    pending = sorted(outbox.list_messages(two.there, state="pending", set_id=two.set_id), key=lambda m: m.id)
    ids, first = [m.id for m in pending], pending[0].customer_name
    outbox.reject(two.there, "maria", "Too pushy", message_ids=ids[:1])
    outbox.approve(two.there, "lee", "", message_ids=ids[1:])
    told = notices.notices_for(two.here, "alex", "associate", after_submit)
    assert [n.kind for n in told] == ["rejected", "approved", "approved"]
    assert told[0].comment == "Too pushy" and told[0].customer == first
    assert notices.summary(told) == [f"maria rejected your message to {first} in “Marlowe spring”: “Too pushy”.",
                                     "lee approved 2 of your messages in “Marlowe spring”."]
    assert notices.badge(told) == "3 new"
    assert notices.badge(told[:1]) == "1 rejected"
    failed = notices.Notice(99, "failed", 9, "sender", "A B", "S", "mailbox full")
    assert notices.badge([*told, failed]) == "4 new, 1 failed"
    assert notices.summary([failed]) == ["Sending your message to A B in “S” failed: “mailbox full”."]
    assert notices.notices_for(two.here, "alex", "associate", notices.latest_id(two.here)) == []


def test_desktop_notifications_can_be_turned_off_per_person(two: Two) -> None:
    from lookbook.outbox import notices

    assert notices.desktop_notifications(two.here, "alex")
    notices.set_desktop_notifications(two.there, "alex", False)
    assert not notices.desktop_notifications(two.here, "Alex")
    assert notices.desktop_notifications(two.here, "maria")
    row = two.here.db.execute("SELECT actor, detail FROM audit_log WHERE action = 'settings.notifications'").fetchone()
    assert row == ("alex", '{"desktop": false}')


def test_the_drafter_hears_of_a_failed_send_and_an_answer(two: Two) -> None:
    from lookbook.outbox import notices

    outbox.submit(two.there, two.set_id, "alex")
    outbox.approve(two.there, "maria", "", set_id=two.set_id)
    start = notices.latest_id(two.here)
    first, second = sorted(m.id for m in outbox.list_messages(two.there, state="approved", set_id=two.set_id))[:2]
    for message_id in (first, second):
        outbox.transition(two.there, message_id, "queued", "sender")
        outbox.transition(two.there, message_id, "sending", "sender")
    outbox.transition(two.there, first, "failed", "sender", error="X refused: the account is suspended")
    outbox.transition(two.there, second, "sent", "sender")
    two.there.audit("replies", "reply.receive", "reply", 1, message_id=second, channel="x")
    told = notices.notices_for(two.here, "alex", "associate", start)
    assert [(n.kind, n.message_id) for n in told] == [("failed", first), ("answered", second)]
    assert told[0].comment == "X refused: the account is suspended"
    assert notices.summary(told)[1].endswith("answered your message in “Marlowe spring”.")
    assert notices.notices_for(two.here, "maria", "manager", start) == []  # not hers
