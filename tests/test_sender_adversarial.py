"""The sender under attack: two senders on one library, things changing between approval and send, a full disk.

The tests of the first two parts failed on the code before their fixes (see the commits that added them);
the full-disk ones pin down behaviour that was already right.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from fakes.fake_x import FakeX
from fakes.smtp import smtp_server
from lookbook.customers import book as customers
from lookbook.errors import LookbookError
from lookbook.outbox import messages as outbox
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import RateLimit, accounts
from lookbook.outbox.channels.x import OAuth2Token, XChannel, XEndpoints
from lookbook.outbox.sender import Progress, Sender, SenderOptions, direct, save_rates, send
from lookbook.progress import run_to_end
from lookbook.store.database import Store, create_store, open_store
from lookbook.store.library import Library
from outbox_support import World, add_message, add_staff, add_world

FAST = SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)


def _x(fake: FakeX):
    def make(store: Store) -> XChannel:
        return XChannel(token=OAuth2Token(fake.issue_token()),
                        endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url}), timeout=(1.0, 1.0))
    return make


def _drain(gen: Generator[Progress, None, object]) -> tuple[object, list[Progress]]:
    events: list[Progress] = []
    return run_to_end(gen, events.append), events


def _row(store: Store, mid: int) -> dict:
    cur = store.db.execute("SELECT * FROM messages WHERE id = ?", [mid])
    return dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))


# -- two senders on one library (two app windows, or the CLI beside the app) ---------------------------------
@pytest.fixture
def disk(tmp_path: Path) -> Iterator[tuple[Store, Store, World]]:
    """One library on disk, opened twice: as two processes would."""
    first = create_store(tmp_path / "Library")
    add_staff(first)
    quiet_hours.set_window(first, "00:00", "00:00")
    world = add_world(first, customers=3)
    second = open_store(Library(first.library.root))
    try:
        yield first, second, world
    finally:
        second.close()
        first.close()


@pytest.mark.parametrize("channel_attachment", [True, False])
def test_a_second_sender_never_resends_what_the_first_has_in_hand(
        disk: tuple[Store, Store, World], fake_x: FakeX, channel_attachment: bool) -> None:
    one, two, world = disk
    ids = []
    for i in range(2):
        mid = add_message(one, world.customers[i], set_id=world.set_id, state="approved", body=f"Hello {i}")
        if channel_attachment:
            one.db.execute("UPDATE messages SET attachment = 'originals/p0.jpg' WHERE id = ?", [mid])
        ids.append(mid)
    first = send(direct(one), options=FAST, x=_x(fake_x))
    # The first sender has claimed message 1 and is about to upload and post it ...
    while (event := next(first)).kind != "sending":
        pass
    assert event.message_id == ids[0]
    # ... when a second sender starts on the same library.
    refused = ""
    try:
        _drain(send(direct(two), options=FAST, x=_x(fake_x)))
    except LookbookError as exc:
        refused = str(exc)
    try:
        _drain(first)
    except LookbookError as exc:  # the old code: the first run finds its message moved under it
        print("first run:", exc)
    _drain(send(direct(two), options=FAST, x=_x(fake_x)))  # once the first is done, a second run is fine
    for i, mid in enumerate(ids):
        assert len(fake_x.delivered(str(1000 + i), f"Hello {i}")) == 1, mid
        assert _row(one, mid)["state"] == "sent"
    assert "another send run" in refused


def test_the_send_lock_is_released_when_a_run_ends_or_is_abandoned(
        disk: tuple[Store, Store, World], fake_x: FakeX) -> None:
    one, two, world = disk
    add_message(one, world.customers[0], set_id=world.set_id, state="approved", body="Hello")
    first = send(direct(one), options=FAST, x=_x(fake_x))
    next(first)
    with pytest.raises(LookbookError, match="another send run"):
        next(send(direct(two), options=FAST, x=_x(fake_x)))
    first.close()  # cancelled from outside (the app closing the run)
    report, _ = _drain(send(direct(two), options=FAST, x=_x(fake_x)))
    assert report.ok


# -- things that change between approval and send ---------------------------------------------------------------
@pytest.fixture
def world(store: Store) -> World:
    add_staff(store)
    quiet_hours.set_window(store, "21:00", "09:00")
    return add_world(store, customers=3)


class _Clock:
    """A clock that moves only when the sender sleeps."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def test_quiet_hours_that_begin_during_a_rate_limit_wait_hold_the_message(
        store: Store, world: World, fake_x: FakeX) -> None:
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="Evening news")
    clock = _Clock(dt.datetime(2026, 11, 23, 20, 50, tzinfo=dt.UTC))  # the customer lives in UTC
    # X's window is used up until 21:10, ten minutes into the customer's quiet hours.
    save_rates(store, "x", {"dm_post": RateLimit(15, 0, dt.datetime(2026, 11, 23, 21, 10, tzinfo=dt.UTC))})
    _drain(Sender(direct(store), options=FAST, x=_x(fake_x), clock=clock, sleep=clock.sleep).run())
    assert not fake_x.delivered("1000"), "sent at 21:10, in the customer's quiet hours"
    row = _row(store, mid)
    assert (row["state"], row["next_attempt_at"]) == ("queued", "2026-11-24T09:00:00+00:00")


def test_a_customer_paused_after_approval_is_not_sent_to_until_the_pause_ends(
        store: Store, world: World, fake_x: FakeX) -> None:
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="Spring is here")
    noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    customers.pause(store, world.customers[0], actor="maria", days=14, now=noon, reason="asked for a break")
    report, _ = _drain(Sender(direct(store), options=FAST, x=_x(fake_x), clock=lambda: noon).run())
    assert not fake_x.delivered("1000"), "sent to a paused customer"
    row = _row(store, mid)
    assert (row["state"], row["next_attempt_at"]) == ("queued", "2026-12-07T12:00:00+00:00")
    assert report.deferred == [(mid, "2026-12-07T12:00:00+00:00")]


def test_not_this_brand_said_after_approval_cancels_the_message(store: Store, world: World, fake_x: FakeX) -> None:
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="New Marlowe in")
    other = add_message(store, world.customers[1], set_id=world.set_id, state="approved", body="New Marlowe in")
    customers.not_this_brand(store, world.customers[0], "Marlowe", actor="alex")
    noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    report, _ = _drain(Sender(direct(store), options=FAST, x=_x(fake_x), clock=lambda: noon).run())
    assert not fake_x.delivered("1000"), "sent a Marlowe set to a customer who said 'not this brand'"
    row = _row(store, mid)
    assert row["state"] == "cancelled" and "Marlowe" in row["state_reason"]
    assert [m for m, _ in report.failed] == [mid] and _row(store, other)["state"] == "sent"


def test_a_queued_message_cancelled_while_the_sender_waits_is_skipped_and_the_run_goes_on(
        store: Store, world: World, fake_x: FakeX) -> None:
    first = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="First")
    second = add_message(store, world.customers[1], set_id=world.set_id, state="approved", body="Second")
    clock = _Clock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))
    save_rates(store, "x", {"dm_post": RateLimit(15, 0, dt.datetime(2026, 11, 23, 12, 5, tzinfo=dt.UTC))})
    run = Sender(direct(store), options=FAST, x=_x(fake_x), clock=clock, sleep=clock.sleep).run()
    while next(run).kind != "waiting":
        pass
    # While the sender waits for X's window, a manager cancels the message it picked.
    outbox.cancel(store, "maria", [first], "customer phoned: not now")
    report, _ = _drain(run)
    assert _row(store, first)["state"] == "cancelled" and not fake_x.delivered("1000")
    assert _row(store, second)["state"] == "sent" and report.sent == [second]


# -- a full disk at the worst moment: the message was handed over, "sent" could not be written ---------------
def _full_disk_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import lookbook.outbox.sender as sender_module

    real = sender_module._record_sent
    calls = {"n": 0}

    def record(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("database or disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(sender_module, "_record_sent", record)


def test_x_dm_whose_sent_could_not_be_recorded_is_found_next_run_not_sent_again(
        store: Store, world: World, fake_x: FakeX, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet_hours.set_window(store, "00:00", "00:00")
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="Disk full")
    _full_disk_once(monkeypatch)
    with pytest.raises(sqlite3.OperationalError):
        _drain(send(direct(store), options=FAST, x=_x(fake_x)))
    assert _row(store, mid)["state"] == "sending"
    report, _ = _drain(send(direct(store), options=FAST, x=_x(fake_x)))
    assert report.reconciled == [(mid, "delivered")] and _row(store, mid)["state"] == "sent"
    assert len(fake_x.delivered("1000", "Disk full")) == 1


def test_email_whose_sent_could_not_be_recorded_waits_for_a_person_and_is_not_resent(
        store: Store, world: World, fake_x: FakeX, memory_keyring: object, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet_hours.set_window(store, "00:00", "00:00")
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="approved", channel="email",
                      body="Disk full")
    store.db.execute("UPDATE messages SET subject = 'New from Marlowe' WHERE id = ?", [mid])
    _full_disk_once(monkeypatch)
    with smtp_server() as (inbox, port):
        accounts.save_email_settings(store, {"host": "127.0.0.1", "port": port, "security": "plain",
                                             "from_address": "maria@store.example.com"}, "admin")
        with pytest.raises(sqlite3.OperationalError):
            _drain(send(direct(store), options=FAST, x=_x(fake_x)))
        report, _ = _drain(send(direct(store), options=FAST, x=_x(fake_x)))
        assert len(inbox.received) == 1
    row = _row(store, mid)
    assert (row["state"], row["retryable"]) == ("failed", 1) and "may have arrived" in row["error"]
    assert [m for m, _ in report.failed] == [mid]


def test_a_size_that_sold_out_after_approval_is_not_offered(store: Store, world: World, fake_x: FakeX) -> None:
    # Approved on Monday offering the Navy Oxford in M; the last M sold on Tuesday before the send.
    import json

    offer = json.dumps([{"sku": "MW-SH01", "size": "M"}])
    gone = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="Navy Oxford in M")
    kept = add_message(store, world.customers[1], set_id=world.set_id, state="approved", body="Navy Oxford in L")
    store.db.execute("UPDATE messages SET offer = ? WHERE id = ?", [offer, gone])
    store.db.execute("UPDATE messages SET offer = ? WHERE id = ?", [offer.replace('"M"', '"L"'), kept])
    store.db.execute("UPDATE stock SET quantity = 0 WHERE size = 'M' AND product_id ="
                     " (SELECT id FROM products WHERE sku = 'MW-SH01')")
    noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    report, _ = _drain(Sender(direct(store), options=FAST, x=_x(fake_x), clock=lambda: noon).run())
    assert not fake_x.delivered("1000"), "offered a size that sold out after approval"
    row = _row(store, gone)
    assert row["state"] == "cancelled" and "Navy Oxford Shirt in M" in row["state_reason"]
    assert _row(store, kept)["state"] == "sent" and report.sent == [kept]
