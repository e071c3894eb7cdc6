"""The sender: exactly once through lost answers, crashes, rate limits and refusals (fake X on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fakes.fake_x import FakeX, Fault
from fakes.smtp import smtp_server
from lookbook.customers import consent
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import accounts, reachability
from lookbook.outbox.channels.x import DMEvent, OAuth2Token, XChannel, XEndpoints, find_delivered
from lookbook.outbox.messages import transition
from lookbook.outbox.sender import Progress, SenderOptions, SendReport, blocked_until, direct, send
from lookbook.progress import run_to_end
from lookbook.store.database import Store, utcnow
from outbox_support import World, add_message, add_staff, add_world

DM_PATH = r"/2/dm_conversations/with/\d+/messages"
FAST = SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)


@pytest.fixture
def world(store: Store) -> World:
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")  # off, so tests do not depend on the time of day
    return add_world(store, customers=3)


def _x(fake: FakeX):
    def make(store: Store) -> XChannel:
        return XChannel(token=OAuth2Token(fake.issue_token()),
                        endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url}), timeout=(1.0, 1.0))
    return make


def _run(store: Store, fake: FakeX, options: SenderOptions = FAST, **kw) -> tuple[SendReport, list[Progress]]:
    events: list[Progress] = []
    return run_to_end(send(direct(store), options=options, x=_x(fake), **kw), events.append), events


def _approved(store: Store, world: World, n: int, *, channel: str = "x", attachment: bool = False) -> list[int]:
    ids = []
    for i in range(n):
        mid = add_message(store, world.customers[i % len(world.customers)], set_id=world.set_id, state="approved",
                          channel=channel, body=f"Hello {i}: new Marlowe shirts https://store.example/m{i}")
        if attachment:
            store.db.execute("UPDATE messages SET attachment = 'originals/p0.jpg' WHERE id = ?", [mid])
        ids.append(mid)
    return ids


def _row(store: Store, mid: int) -> dict:
    cur = store.db.execute("SELECT * FROM messages WHERE id = ?", [mid])
    return dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))


def _participant(world: World, mid_index: int) -> str:
    return str(1000 + mid_index % len(world.customers))


def _deliveries(fake: FakeX, store: Store, mid: int) -> int:
    row = _row(store, mid)
    participant = store.db.execute("SELECT x_user_id FROM customers WHERE id = ?", [row["customer_id"]]).fetchone()[0]
    return len(fake.delivered(participant, row["body"]))


def test_sends_every_approved_message_once_with_its_photo(store: Store, world: World, fake_x: FakeX) -> None:
    ids = _approved(store, world, 3, attachment=True)
    report, events = _run(store, fake_x)
    assert sorted(report.sent) == ids and report.ok
    for mid in ids:
        row = _row(store, mid)
        assert (row["state"], row["attempts"]) == ("sent", 1)
        assert _deliveries(fake_x, store, mid) == 1
        [event] = [e for e in fake_x.events if e["id"] == row["external_id"]]
        assert event["attachments"]["media_keys"][0].startswith("3_")
        attempt = store.db.execute("SELECT outcome, detail FROM send_attempts WHERE message_id = ?", [mid]).fetchall()
        assert [a[0] for a in attempt] == ["sent"] and json.loads(attempt[0][1])["phase"] == "post"
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'message'"
                                              " AND entity_id = ? ORDER BY id", [str(ids[0])])]
    assert actions == ["message.queue", "message.send_start", "message.sent"]
    assert {e.kind for e in events} >= {"sending", "sent"}
    assert store.db.execute("SELECT remaining FROM rate_limits WHERE endpoint = 'dm_post'").fetchone()[0] == 12


@pytest.mark.parametrize("fault", ["503_after", "slow_after", "drop_after"])
def test_lost_answer_after_delivery_is_checked_and_never_resent(store: Store, world: World, fake_x: FakeX,
                                                                fault: str) -> None:
    ids = _approved(store, world, 2)
    fake_x.faults.append(Fault("POST", DM_PATH, fault, delay_s=1.5))
    report, events = _run(store, fake_x)
    assert sorted(report.sent) == ids
    assert report.reconciled == [(ids[0], "delivered")]
    assert [_deliveries(fake_x, store, m) for m in ids] == [1, 1]
    assert fake_x.count("POST", "/2/dm_conversations") == 2
    assert _row(store, ids[0])["external_id"] == fake_x.delivered(_participant(world, 0))[0]["id"]
    assert "ambiguous" in [e.kind for e in events]


def test_ambiguous_failure_that_did_not_deliver_is_sent_again_after_the_grace_period(
        store: Store, world: World, fake_x: FakeX) -> None:
    [mid] = _approved(store, world, 1)
    fake_x.faults.append(Fault("POST", DM_PATH, "503"))  # a 5xx with nothing recorded
    report, events = _run(store, fake_x)
    assert report.sent == [mid] and report.reconciled == [(mid, "not delivered")]
    assert _deliveries(fake_x, store, mid) == 1 and _row(store, mid)["attempts"] == 2
    # It was looked for at once, then again only after the grace period, before being sent again.
    assert fake_x.count("GET", "/2/dm_conversations/with") == 2
    assert any(e.kind == "waiting" for e in events)


def test_429_waits_for_the_reset_and_stores_it_for_the_countdown(store: Store, world: World, fake_x: FakeX) -> None:
    [mid] = _approved(store, world, 1)
    fake_x.faults.append(Fault("POST", DM_PATH, "429", reset_in_s=2))
    report, events = _run(store, fake_x)
    waits = [e for e in events if e.kind == "waiting"]
    assert waits and waits[0].until and waits[0].channel == "x"
    assert report.sent == [mid] and _deliveries(fake_x, store, mid) == 1
    assert store.db.execute("SELECT count(*) FROM audit_log WHERE action = 'delivery.rate_limited'").fetchone()[0] == 1


def test_used_up_window_stops_the_channel_when_not_waiting(store: Store, world: World, fake_x: FakeX) -> None:
    fake_x.dm_limit = 2
    ids = _approved(store, world, 3)
    report, _ = _run(store, fake_x, SenderOptions(wait=False, reconcile_after_s=1.5))
    assert report.sent == ids[:2] and _row(store, ids[2])["state"] == "queued"
    assert "rate limit used up" in report.stopped["x"]
    assert fake_x.count("POST", "/2/dm_conversations") == 2  # paced to the headers: no request into a 429
    until = blocked_until(store)["x"]
    assert dt.timedelta(minutes=14) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=15)


def test_refused_sign_in_stops_the_batch_and_keeps_messages_queued(store: Store, world: World,
                                                                    fake_x: FakeX) -> None:
    ids = _approved(store, world, 2)
    fake_x.faults.append(Fault("POST", DM_PATH, "401", times=10))
    report, events = _run(store, fake_x)
    assert report.sent == [] and "Sign in to X again" in report.stopped["x"]
    assert [_row(store, m)["state"] for m in ids] == ["queued", "queued"]
    assert fake_x.count("POST", "/2/dm_conversations") == 1
    assert [e for e in events if e.kind == "stopped"][0].channel == "x"


def test_not_following_marks_x_unreachable_and_offers_email_for_approval(store: Store, world: World,
                                                                         fake_x: FakeX) -> None:
    [mid] = _approved(store, world, 1)
    fake_x.not_following[_participant(world, 0)] = "150"
    report, _ = _run(store, fake_x)
    row = _row(store, mid)
    assert (row["state"], row["retryable"]) == ("failed", 0) and "not following you" in row["error"]
    assert report.unreachable == [(mid, row["error"])]
    status = reachability.unreachable(store, world.customers[0], "x")
    assert status is not None and "not following you" in status.reason and status.since[:10] == utcnow()[:10]
    # Nothing falls back on its own: the e-mail is offered as a new message that needs approval.
    assert store.db.execute("SELECT count(*) FROM messages WHERE channel = 'email'").fetchone()[0] == 0
    assert reachability.next_channel(store, mid) == "email"
    new = reachability.offer_next_channel(store, mid, "alex")
    offered = _row(store, new)
    assert (offered["channel"], offered["state"], offered["drafted_by"]) == ("email", "pending", "alex")
    assert offered["body"] == row["body"] and offered["subject"]
    assert _row(store, mid)["state"] == "cancelled"
    # A later X message to the same customer fails without asking X again.
    [again] = _approved(store, world, 1)
    posts = fake_x.count("POST", "/2/dm_conversations")
    _run(store, fake_x)
    assert _row(store, again)["state"] == "failed" and fake_x.count("POST", "/2/dm_conversations") == posts


def test_crash_leftovers_are_settled_before_anything_else(store: Store, world: World, fake_x: FakeX) -> None:
    delivered, never_posted, fresh = _approved(store, world, 3)
    for mid in (delivered, never_posted):
        transition(store, mid, "queued", "sender")
        transition(store, mid, "sending", "sender", attempts=1)
    started = utcnow()
    store.db.execute("INSERT INTO send_attempts (message_id, started_at, detail) VALUES (?, ?, ?)",
                     [delivered, started, json.dumps({"phase": "post", "participant_id": "1000"})])
    store.db.execute("INSERT INTO send_attempts (message_id, started_at, detail) VALUES (?, ?, ?)",
                     [never_posted, started, json.dumps({"phase": "prepare"})])
    # The crashed run's DM did reach X before the process died.
    event_id = fake_x._record(fake_x.me_id, "1000", _row(store, delivered)["body"], None)["id"]
    report, events = _run(store, fake_x)
    assert _row(store, delivered)["external_id"] == event_id
    assert [_deliveries(fake_x, store, m) for m in (delivered, never_posted, fresh)] == [1, 1, 1]
    assert [e.kind for e in events][:2] == ["reconciling", "reconciling"]
    assert sorted(report.sent) == sorted([delivered, never_posted, fresh])


def test_consent_withdrawn_after_approval_cancels_the_message(store: Store, world: World, fake_x: FakeX) -> None:
    [mid] = _approved(store, world, 1)
    consent.record(store, world.customers[0], "x", "one_to_one", False, by_user="test", source="reply")
    report, _ = _run(store, fake_x)
    assert _row(store, mid)["state"] == "cancelled" and not fake_x.delivered(_participant(world, 0))
    assert "consent" in report.failed[0][1]


def test_quiet_hours_hold_messages_until_morning(store: Store, world: World, fake_x: FakeX) -> None:
    quiet_hours.set_window(store, "21:00", "09:00")
    [mid] = _approved(store, world, 1)
    night = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    from lookbook.outbox.sender import Sender

    gen = Sender(direct(store), options=FAST, x=_x(fake_x), clock=lambda: night).run()
    events = list(gen)
    assert [e.kind for e in events if e.message_id == mid] == ["deferred"]
    assert _row(store, mid)["next_attempt_at"] == "2026-11-24T09:00:00+00:00"
    assert not fake_x.delivered(_participant(world, 0))


def test_a_held_message_says_why_in_the_customers_time(store: Store, world: World, fake_x: FakeX) -> None:
    from lookbook.outbox.sender import Sender, list_outbox

    quiet_hours.set_window(store, "21:00", "09:00")
    [mid] = _approved(store, world, 1)
    store.db.execute("UPDATE customers SET timezone = 'Asia/Tokyo' WHERE id = ?", [world.customers[0]])
    early = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # 08:30 on the 24th in Tokyo
    events = list(Sender(direct(store), options=FAST, x=_x(fake_x), clock=lambda: early).run())
    assert [e.text for e in events if e.message_id == mid] == [
        f"Message {mid} held for quiet hours until 09:00 Tokyo time"]
    [row] = list_outbox(store, ("queued",))
    assert row.reason == "held for quiet hours until 09:00 Tokyo time" and row.customer_tz == "Asia/Tokyo"
    assert row.next_attempt_at == "2026-11-24T00:00:00+00:00"
    later = dt.datetime(2026, 11, 24, 0, 1, tzinfo=dt.UTC)
    list(Sender(direct(store), options=FAST, x=_x(fake_x), clock=lambda: later).run())
    assert _row(store, mid)["state"] == "sent" and _row(store, mid)["state_reason"] is None


def test_cancel_stops_between_messages_and_pause_waits(store: Store, world: World, fake_x: FakeX) -> None:
    ids = _approved(store, world, 3)
    cancel, pause = threading.Event(), threading.Event()
    pause.set()
    gen = send(direct(store), options=FAST, x=_x(fake_x), cancel=cancel, pause=pause)
    kinds = []
    for event in gen:
        kinds.append(event.kind)
        if event.kind == "paused":
            pause.clear()
        if event.kind == "sent":
            cancel.set()
    assert "paused" in kinds and kinds[-1] == "cancelled"
    assert [_row(store, m)["state"] for m in ids] == ["sent", "queued", "queued"]


def test_handles_are_resolved_once_and_stored(store: Store, world: World, fake_x: FakeX) -> None:
    store.db.execute("UPDATE customers SET x_user_id = NULL, x_handle = 'AnnTester' WHERE id = ?",
                     [world.customers[0]])
    fake_x.add_user("anntester", "777")
    first = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="one")
    second = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="two")
    _run(store, fake_x)
    assert store.db.execute("SELECT x_user_id FROM customers WHERE id = ?", [world.customers[0]]).fetchone()[0] == "777"
    assert fake_x.count("GET", "/2/users/by/username") == 1
    assert [_row(store, m)["state"] for m in (first, second)] == ["sent", "sent"]


def test_email_messages_carry_the_sets_card_and_record_the_message_id(
        store: Store, world: World, fake_x: FakeX, memory_keyring: object) -> None:
    [mid] = _approved(store, world, 1, channel="email")
    store.db.execute("UPDATE messages SET subject = 'New from Marlowe' WHERE id = ?", [mid])
    with smtp_server() as (inbox, port):
        accounts.save_email_settings(store, {"host": "127.0.0.1", "port": port, "security": "plain",
                                             "from_address": "maria@store.example.com"}, "admin")
        report, _ = _run(store, fake_x)
    assert report.sent == [mid]
    [(_, rcpts, raw)] = inbox.received
    assert rcpts == ["c0@example.com"]
    assert _row(store, mid)["external_id"] in raw.decode()
    # Drafted without frozen pictures (as before e-mails kept them): the customer's card as composed now.
    assert raw.count(b"Content-Disposition: inline") == 1 and b"card_set" in raw


def test_email_lost_after_data_fails_as_retryable_and_is_not_resent(
        store: Store, world: World, fake_x: FakeX, memory_keyring: object) -> None:
    [mid] = _approved(store, world, 1, channel="email")
    store.db.execute("UPDATE messages SET subject = 'New from Marlowe' WHERE id = ?", [mid])
    with smtp_server() as (inbox, port):
        inbox.drop_after_data = True
        accounts.save_email_settings(store, {"host": "127.0.0.1", "port": port, "security": "plain",
                                             "from_address": "maria@store.example.com"}, "admin")
        report, _ = _run(store, fake_x)
    row = _row(store, mid)
    assert (row["state"], row["retryable"]) == ("failed", 1) and "may have arrived" in row["error"]
    assert len(inbox.received) == 1 and report.failed


def _event(eid: str, text: str, *, sender: str = "1", minutes: float = 0, media: tuple[str, ...] = ()) -> DMEvent:
    at = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return DMEvent(eid, "MessageCreate", text, sender, at, "c", media)


def test_find_delivered_matches_only_this_attempts_dm() -> None:
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    body = "New shirts for you: https://store.example/x"
    kw = {"me": "1", "body": body, "started_at": start, "claimed": set(), "skew_s": 60}
    assert find_delivered([_event("9", "New shirts for you: https://t.co/abc")], media_key=None, **kw).id == "9"
    assert find_delivered([_event("9", body, sender="2")], media_key=None, **kw) is None  # the customer's
    assert find_delivered([_event("9", body, minutes=-5)], media_key=None, **kw) is None  # older than the attempt
    assert find_delivered([_event("9", body)], media_key=None, **{**kw, "claimed": {"9"}}) is None
    events = [_event("8", body, media=("3_old",)), _event("7", body, media=("3_new",))]
    assert find_delivered(events, media_key="3_new", **kw).id == "7"


# -- the sender as a process, killed with SIGKILL mid-batch ---------------------------------------------------
REPO = Path(__file__).resolve().parent.parent


def _library(tmp_path: Path, fake: FakeX, messages: int) -> tuple[Path, list[tuple[str, str]]]:
    from lookbook.store.database import create_store

    store = create_store(tmp_path / "Library")
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=3)
    expected = []
    for i in range(messages):
        cid = world.customers[i % 3]
        body = f"Message {i}: the new Marlowe shirts are in"
        mid = add_message(store, cid, set_id=world.set_id, state="approved", body=body)
        store.db.execute("UPDATE messages SET attachment = 'originals/p1.jpg' WHERE id = ?", [mid])
        expected.append((str(1000 + i % 3), body))
    accounts.save_x_client(store, fake.client_id, "admin")
    accounts.save_x_oauth2(store, OAuth2Token(fake.issue_token(), None, None, "dm.write"), user_id=fake.me_id,
                           username=fake.me_username, actor="admin")
    store.set_setting("delivery.x", {**accounts.x_settings(store), "timeout_s": 1.0})
    store.set_setting("delivery.sender", {"reconcile_after_s": 2.0})
    root = store.library.root
    store.close()
    return root, expected


def _start(root: Path, fake: FakeX, keyring_file: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LOOKBOOK_X_API_URL": fake.base_url, "LOOKBOOK_PASSWORD": "secret-pass",
           "PYTHON_KEYRING_BACKEND": "fakes.keyrings.FileKeyring", "LOOKBOOK_TEST_KEYRING_FILE": str(keyring_file),
           "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO)])}
    return subprocess.Popen([sys.executable, "-m", "lookbook.cli", "--library", str(root), "--as", "maria",
                             "outbox", "send"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_kill_9_mid_batch_then_restart_delivers_every_message_exactly_once(
        tmp_path: Path, fake_x: FakeX, file_keyring: Path) -> None:
    root, expected = _library(tmp_path, fake_x, messages=6)
    # First kill: the 2nd DM is recorded by X, and the process dies before it hears the answer.
    fake_x.post_delay_after_s = 3.0
    first = _start(root, fake_x, file_keyring)
    assert fake_x.wait_recorded(2, timeout=20), first.communicate(timeout=5)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=10)  # reaps it and closes its pipes (wait() left them to the garbage collector)
    # Second kill: the 4th DM's request reaches X, which records it only after the process died.
    fake_x.post_delay_after_s = 0.0
    fake_x.post_delay_before_s = 0.8
    second = _start(root, fake_x, file_keyring)
    deadline = time.time() + 20
    while fake_x.count("POST", "/2/dm_conversations") < 4 and time.time() < deadline:
        time.sleep(0.01)
    os.kill(second.pid, signal.SIGKILL)
    second.communicate(timeout=10)  # reaps it and closes its pipes (wait() left them to the garbage collector)
    fake_x.post_delay_before_s = 0.0
    third = _start(root, fake_x, file_keyring)
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err.decode()

    for participant, body in expected:
        assert len(fake_x.delivered(participant, body)) == 1, (participant, body)
    from lookbook.store.database import open_store
    from lookbook.store.library import Library

    store = open_store(Library.locate(root))
    try:
        rows = store.db.execute("SELECT state, external_id FROM messages ORDER BY id").fetchall()
        assert [r[0] for r in rows] == ["sent"] * 6
        assert sorted(r[1] for r in rows) == sorted(e["id"] for e in fake_x.events)
        outcomes = [r[0] for r in store.db.execute("SELECT outcome FROM send_attempts")]
    finally:
        store.close()
    assert b"had arrived on X" in err  # the restarts found the DMs the killed runs had sent
    assert outcomes.count("sent") == 6 and len(fake_x.events) == 6
