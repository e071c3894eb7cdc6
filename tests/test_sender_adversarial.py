"""The sender under attack: two senders on one library, things changing between approval and send.

Each test here was written to fail on the code before its fix (see the commit that added it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from outbox_support import World, add_message, add_staff, add_world

from fakes.fake_x import FakeX
from lookbook import customers, outbox, quiet_hours
from lookbook.delivery.x import OAuth2Token, XChannel, XEndpoints
from lookbook.errors import LookbookError
from lookbook.library import Library
from lookbook.sender import Progress, Sender, SenderOptions, direct, save_rates, send
from lookbook.delivery import RateLimit
from lookbook.store import Store, create_store, open_store

FAST = SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)


def _x(fake: FakeX):
    def make(store: Store) -> XChannel:
        return XChannel(token=OAuth2Token(fake.issue_token()),
                        endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url}), timeout=(1.0, 1.0))
    return make


def _drain(gen: Iterator[Progress]) -> tuple[object, list[Progress]]:
    events: list[Progress] = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return stop.value, events


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
    clock = _Clock(dt.datetime(2026, 11, 23, 20, 50, tzinfo=dt.timezone.utc))  # the customer lives in UTC
    # X's window is used up until 21:10, ten minutes into the customer's quiet hours.
    save_rates(store, "x", {"dm_post": RateLimit(15, 0, dt.datetime(2026, 11, 23, 21, 10, tzinfo=dt.timezone.utc))})
    _drain(Sender(direct(store), options=FAST, x=_x(fake_x), clock=clock, sleep=clock.sleep).run())
    assert not fake_x.delivered("1000"), "sent at 21:10, in the customer's quiet hours"
    row = _row(store, mid)
    assert (row["state"], row["next_attempt_at"]) == ("queued", "2026-11-24T09:00:00+00:00")


def test_a_customer_paused_after_approval_is_not_sent_to_until_the_pause_ends(
        store: Store, world: World, fake_x: FakeX) -> None:
    mid = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="Spring is here")
    noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)
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
    noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)
    report, _ = _drain(Sender(direct(store), options=FAST, x=_x(fake_x), clock=lambda: noon).run())
    assert not fake_x.delivered("1000"), "sent a Marlowe set to a customer who said 'not this brand'"
    row = _row(store, mid)
    assert row["state"] == "cancelled" and "Marlowe" in row["state_reason"]
    assert [m for m, _ in report.failed] == [mid] and _row(store, other)["state"] == "sent"


def test_a_queued_message_cancelled_while_the_sender_waits_is_skipped_and_the_run_goes_on(
        store: Store, world: World, fake_x: FakeX) -> None:
    first = add_message(store, world.customers[0], set_id=world.set_id, state="approved", body="First")
    second = add_message(store, world.customers[1], set_id=world.set_id, state="approved", body="Second")
    clock = _Clock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc))
    save_rates(store, "x", {"dm_post": RateLimit(15, 0, dt.datetime(2026, 11, 23, 12, 5, tzinfo=dt.timezone.utc))})
    run = Sender(direct(store), options=FAST, x=_x(fake_x), clock=clock, sleep=clock.sleep).run()
    while next(run).kind != "waiting":
        pass
    # While the sender waits for X's window, a manager cancels the message it picked.
    outbox.cancel(store, "maria", [first], "customer phoned: not now")
    report, _ = _drain(run)
    assert _row(store, first)["state"] == "cancelled" and not fake_x.delivered("1000")
    assert _row(store, second)["state"] == "sent" and report.sent == [second]
