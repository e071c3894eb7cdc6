"""Exactly once, over every registered channel: the same tests, the same unchanged sender, one fake per channel.

Each channel has a harness below that speaks to its fake on 127.0.0.1 (the fake X API, a real local SMTP
server, the pigeon loft of ``fakes/pigeon_channel.py``) and can make it misbehave in the same few ways:
an answer lost after the message was taken, a certain refusal for now, a recipient refused for good, a
slow answer for a kill -9 to land in. The third channel, pigeon post, is registered here from its one file
with one line; a channel registered without a harness fails :func:`test_every_registered_channel_has_a_harness`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from fakes.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, FakeTwilio
from fakes.fake_whatsapp import PHONE_NUMBER_ID, TEMPLATE, TOKEN, WABA_ID, FakeWhatsApp
from fakes.fake_x import FakeX, Fault
from fakes.pigeon_channel import PIGEON, Loft
from fakes.smtp import Inbox, smtp_server
from lookbook.customers import consent
from lookbook.outbox import messages as outbox
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import accounts, reachability, registry, sms, whatsapp
from lookbook.outbox.channels.x import OAuth2Token, XChannel, XEndpoints
from lookbook.outbox.messages import transition
from lookbook.outbox.sender import Progress, SenderOptions, SendReport, direct, send
from lookbook.progress import run_to_end
from lookbook.store.database import Store, utcnow
from outbox_support import World, add_message, add_staff, add_world

FAST = SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)
DM_PATH = r"/2/dm_conversations/with/\d+/messages"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def pigeon() -> Iterator[None]:
    registry.register(PIGEON)  # the one registration line a new channel needs
    try:
        yield
    finally:
        registry.unregister(PIGEON.name)


# -- one harness per channel -----------------------------------------------------------------------------------
class XHarness:
    name = "x"

    def __init__(self, stack: ExitStack, tmp_path: Path) -> None:
        self.fake = stack.enter_context(FakeX().running())
        self.clients = {"x": self._client}

    def _client(self, store: Store) -> XChannel:
        return XChannel(token=OAuth2Token(self.fake.issue_token()),
                        endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": self.fake.base_url}), timeout=(1.0, 1.0))

    def prepare(self, store: Store, world: World) -> None:
        pass  # the world's customers have X handles, user ids and X consent

    def address(self, store: Store, customer_id: int) -> str:
        return str(store.db.execute("SELECT x_user_id FROM customers WHERE id = ?", [customer_id]).fetchone()[0])

    def delivered(self, address: str, body: str) -> int:
        return len(self.fake.delivered(address, body))

    def deliver_directly(self, address: str, body: str) -> None:
        self.fake._record(self.fake.me_id, address, body, None)

    def lose_next_answer(self) -> None:
        self.fake.faults.append(Fault("POST", DM_PATH, "drop_after"))

    def refuse_next_for_now(self) -> None:
        self.fake.faults.append(Fault("POST", DM_PATH, "429", reset_in_s=1))

    def refuse_for_good(self, address: str) -> None:
        self.fake.not_following[address] = "150"

    def delay_after_recording(self, seconds: float) -> None:
        self.fake.post_delay_after_s = seconds

    def recorded(self) -> int:
        return len(self.fake.events)

    def set_up_library(self, store: Store) -> dict[str, str]:
        accounts.save_x_client(store, self.fake.client_id, "admin")
        accounts.save_x_oauth2(store, OAuth2Token(self.fake.issue_token(), None, None, "dm.write"),
                               user_id=self.fake.me_id, username=self.fake.me_username, actor="admin")
        store.set_setting("delivery.x", {**accounts.x_settings(store), "timeout_s": 1.0})
        return {"LOOKBOOK_X_API_URL": self.fake.base_url}


class EmailHarness:
    name = "email"

    def __init__(self, stack: ExitStack, tmp_path: Path) -> None:
        self.inbox: Inbox
        self.inbox, self.port = stack.enter_context(smtp_server())
        self.clients: dict[str, Any] = {}

    def set_up_library(self, store: Store) -> dict[str, str]:
        accounts.save_email_settings(store, {"host": "127.0.0.1", "port": self.port, "security": "plain",
                                             "from_address": "maria@store.example.com", "timeout_s": 10.0}, "admin")
        return {}

    def prepare(self, store: Store, world: World) -> None:
        self.set_up_library(store)

    def address(self, store: Store, customer_id: int) -> str:
        return str(store.db.execute("SELECT email FROM customers WHERE id = ?", [customer_id]).fetchone()[0])

    def delivered(self, address: str, body: str) -> int:
        return sum(1 for _, rcpts, raw in self.inbox.received if address in rcpts and body.encode() in raw)

    def deliver_directly(self, address: str, body: str) -> None:
        self.inbox.received.append(("maria@store.example.com", [address], body.encode()))

    def lose_next_answer(self) -> None:
        self.inbox.drops += 1

    def refuse_next_for_now(self) -> None:
        self.inbox.rcpt_replies.append("451 4.3.0 try again later")

    def refuse_for_good(self, address: str) -> None:
        self.inbox.refused.add(address)

    def delay_after_recording(self, seconds: float) -> None:
        self.inbox.delay_after_data_s = seconds

    def recorded(self) -> int:
        return len(self.inbox.received)


class PigeonHarness:
    name = "pigeon"

    def __init__(self, stack: ExitStack, tmp_path: Path) -> None:
        self.loft = stack.enter_context(Loft().running())
        self.clients: dict[str, Any] = {}

    def set_up_library(self, store: Store) -> dict[str, str]:
        store.set_setting("delivery.pigeon", {"url": self.loft.url})
        return {}

    def prepare(self, store: Store, world: World) -> None:
        self.set_up_library(store)
        for n, cid in enumerate(world.customers):
            store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [f"+44700900{n:03d}", cid])
            consent.record(store, cid, "pigeon", "one_to_one", True, by_user="test", source="test")

    def address(self, store: Store, customer_id: int) -> str:
        return str(store.db.execute("SELECT phone FROM customers WHERE id = ?", [customer_id]).fetchone()[0])

    def delivered(self, address: str, body: str) -> int:
        return len(self.loft.delivered(address, body))

    def deliver_directly(self, address: str, body: str) -> None:
        self.loft._record(address, body)

    def lose_next_answer(self) -> None:
        self.loft.faults.append(("drop_after", 0.0))

    def refuse_next_for_now(self) -> None:
        self.loft.faults.append(("429", 0.0))

    def refuse_for_good(self, address: str) -> None:
        self.loft.no_loft.add(address)

    def delay_after_recording(self, seconds: float) -> None:
        self.loft.delay_after_s = seconds

    def recorded(self) -> int:
        return len(self.loft.messages)


def daytime_zone(now: dt.datetime | None = None) -> str:
    """Return a fixed-offset time zone where it is about noon now: SMS's legal 8:00-21:00 (which cannot be
    turned off) then never holds a test's message, whatever the hour the tests run at."""
    hour = (now or dt.datetime.now(dt.UTC)).hour
    offset = (12 - hour + 12) % 24 - 12  # -12 .. +11 hours from UTC
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX zones name the offset with the sign flipped


class SmsHarness:
    name = "sms"

    def __init__(self, stack: ExitStack, tmp_path: Path) -> None:
        self.fake = stack.enter_context(FakeTwilio().running())
        self.clients = {"sms": lambda store: sms.client_for(ACCOUNT_SID, AUTH_TOKEN, timeout_s=2.0,
                                                           api_url=self.fake.url)}

    def set_up_library(self, store: Store) -> dict[str, str]:
        sms.save_settings(store, {"account_sid": ACCOUNT_SID, "messaging_service_sid": SERVICE_SID,
                                  "timeout_s": 2.0}, "admin", auth_token=AUTH_TOKEN, country="US")
        return {sms.API_URL_ENV: self.fake.url}

    def prepare(self, store: Store, world: World) -> None:
        self.set_up_library(store)
        for n, cid in enumerate(world.customers):
            store.db.execute("UPDATE customers SET phone = ?, timezone = ? WHERE id = ?",
                             [f"+1555010{n:04d}", daytime_zone(), cid])
            consent.record(store, cid, "sms", "one_to_one", True, by_user="test", source="test")

    def address(self, store: Store, customer_id: int) -> str:
        return str(store.db.execute("SELECT phone FROM customers WHERE id = ?", [customer_id]).fetchone()[0])

    def delivered(self, address: str, body: str) -> int:
        return len(self.fake.delivered(address, body))

    def deliver_directly(self, address: str, body: str) -> None:
        self.fake.record(address, body)

    def lose_next_answer(self) -> None:
        self.fake.faults.append(("drop_after", 0.0))

    def refuse_next_for_now(self) -> None:
        self.fake.faults.append(("429", 0.0))

    def refuse_for_good(self, address: str) -> None:
        self.fake.not_mobile.add(address)

    def delay_after_recording(self, seconds: float) -> None:
        self.fake.delay_after_s = seconds

    def recorded(self) -> int:
        return len(self.fake.outbound())


class WhatsAppHarness:
    name = "whatsapp"

    def __init__(self, stack: ExitStack, tmp_path: Path) -> None:
        self.fake = stack.enter_context(FakeWhatsApp().running())
        self.clients = {"whatsapp": lambda store: self.fake.url}

    def set_up_library(self, store: Store) -> dict[str, str]:
        whatsapp.save_settings(store, {"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID, "template": TEMPLATE,
                                       "timeout_s": 10.0}, "admin", token=TOKEN)  # longer than the kill's delay
        return {whatsapp.API_URL_ENV: self.fake.url}

    def prepare(self, store: Store, world: World) -> None:
        self.set_up_library(store)
        for n, cid in enumerate(world.customers):
            store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [f"+44770090{n:04d}", cid])
            consent.record(store, cid, "whatsapp", "one_to_one", True, by_user="test", source="test")

    def address(self, store: Store, customer_id: int) -> str:
        return str(store.db.execute("SELECT phone FROM customers WHERE id = ?", [customer_id]).fetchone()[0])

    def delivered(self, address: str, body: str) -> int:
        return len(self.fake.delivered(address, body))

    def deliver_directly(self, address: str, body: str) -> None:
        self.fake.record({"to": address.lstrip("+"), "type": "text", "text": {"body": body}})

    def lose_next_answer(self) -> None:
        self.fake.faults.append("drop_after")

    def refuse_next_for_now(self) -> None:
        self.fake.faults.append("130429")

    def refuse_for_good(self, address: str) -> None:
        self.fake.undeliverable.add(address.lstrip("+"))

    def delay_after_recording(self, seconds: float) -> None:
        self.fake.delay_after_s = seconds

    def recorded(self) -> int:
        return len(self.fake.messages)


HARNESSES = {h.name: h for h in (XHarness, EmailHarness, PigeonHarness, SmsHarness, WhatsAppHarness)}
CHANNELS = [*registry.names(), PIGEON.name]


def test_every_registered_channel_has_a_harness() -> None:
    assert set(registry.names()) == set(CHANNELS) <= set(HARNESSES)


@pytest.fixture(params=CHANNELS)
def harness(request: pytest.FixtureRequest, tmp_path: Path, memory_keyring: object) -> Iterator[Any]:
    with ExitStack() as stack:
        yield HARNESSES[request.param](stack, tmp_path)


@pytest.fixture
def world(store: Store, harness: Any) -> World:
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")  # off, so tests do not depend on the time of day
    world = add_world(store, customers=3)
    harness.prepare(store, world)
    return world


def _run(store: Store, harness: Any, **kw: Any) -> tuple[SendReport, list[Progress]]:
    events: list[Progress] = []
    report = run_to_end(send(direct(store), options=FAST, clients=harness.clients, **kw), events.append)
    return report, events


def _approved(store: Store, world: World, harness: Any, n: int) -> list[int]:
    ids = []
    for i in range(n):
        mid = add_message(store, world.customers[i % len(world.customers)], set_id=world.set_id, state="approved",
                          channel=harness.name, body=f"Hello {i}: new Marlowe shirts")
        store.db.execute("UPDATE messages SET subject = 'New from Marlowe', attachment = 'originals/p0.jpg'"
                         " WHERE id = ?", [mid])
        ids.append(mid)
    return ids


def _row(store: Store, mid: int) -> dict[str, Any]:
    cur = store.db.execute("SELECT * FROM messages WHERE id = ?", [mid])
    return dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))


def _deliveries(store: Store, harness: Any, mid: int) -> int:
    row = _row(store, mid)
    return int(harness.delivered(harness.address(store, row["customer_id"]), row["body"]))


def _may_have_arrived(store: Store, mid: int) -> bool:
    """A channel that cannot look (SMTP) fails an uncertain message as retryable, for a person to decide."""
    row = _row(store, mid)
    return (row["state"], row["retryable"]) == ("failed", 1) and "may have arrived" in row["error"]


# -- the tests, once per channel ---------------------------------------------------------------------------------
def test_every_approved_message_goes_once_and_is_audited(store: Store, world: World, harness: Any) -> None:
    ids = _approved(store, world, harness, 3)
    report, events = _run(store, harness)
    assert sorted(report.sent) == ids and report.ok
    for mid in ids:
        row = _row(store, mid)
        assert (row["state"], row["attempts"], row["channel"]) == ("sent", 1, harness.name)
        assert row["external_id"] and _deliveries(store, harness, mid) == 1
        [(outcome, detail)] = store.db.execute("SELECT outcome, detail FROM send_attempts WHERE message_id = ?",
                                               [mid]).fetchall()
        assert outcome == "sent" and json.loads(detail)["phase"] == registry.get(harness.name).uncertain_phase
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'message'"
                                              " AND entity_id = ? ORDER BY id", [str(ids[0])])]
    assert actions == ["message.queue", "message.send_start", "message.sent"]
    assert {e.channel for e in events if e.kind == "sent"} == {harness.name}


def test_an_answer_lost_after_the_message_was_taken_is_never_sent_again(store: Store, world: World,
                                                                         harness: Any) -> None:
    first, second = _approved(store, world, harness, 2)
    harness.lose_next_answer()
    report, events = _run(store, harness)
    assert [_deliveries(store, harness, m) for m in (first, second)] == [1, 1]
    assert "ambiguous" in [e.kind for e in events] and _row(store, second)["state"] == "sent"
    if registry.get(harness.name).reconciles:
        assert report.reconciled == [(first, "delivered")] and _row(store, first)["state"] == "sent"
    else:
        assert _may_have_arrived(store, first) and [m for m, _ in report.failed] == [first]


def test_a_refusal_for_now_is_sent_again_once(store: Store, world: World, harness: Any) -> None:
    [mid] = _approved(store, world, harness, 1)
    harness.refuse_next_for_now()
    report, _ = _run(store, harness)
    assert report.sent == [mid] and _deliveries(store, harness, mid) == 1
    assert _row(store, mid)["state"] == "sent"


def test_crash_leftovers_are_settled_before_anything_new_goes(store: Store, world: World, harness: Any) -> None:
    arrived, never_went, fresh = _approved(store, world, harness, 3)
    uncertain = registry.get(harness.name).uncertain_phase
    for mid, phase in ((arrived, uncertain), (never_went, "prepare")):
        transition(store, mid, "queued", "sender")
        transition(store, mid, "sending", "sender", attempts=1)
        store.db.execute("INSERT INTO send_attempts (message_id, started_at, detail) VALUES (?, ?, ?)",
                         [mid, utcnow(), json.dumps({"phase": phase, "channel": harness.name})])
    # The crashed run's message reached the service before the process died.
    row = _row(store, arrived)
    harness.deliver_directly(harness.address(store, row["customer_id"]), row["body"])
    report, _ = _run(store, harness)
    assert [_deliveries(store, harness, m) for m in (arrived, never_went, fresh)] == [1, 1, 1]
    assert sorted(report.sent) == sorted([never_went, fresh] + ([arrived] if arrived in report.sent else []))
    if registry.get(harness.name).reconciles:
        assert report.reconciled[0] == (arrived, "delivered") and _row(store, arrived)["state"] == "sent"
    else:
        assert _may_have_arrived(store, arrived)


def test_consent_withdrawn_after_approval_cancels_the_message(store: Store, world: World, harness: Any) -> None:
    [mid] = _approved(store, world, harness, 1)
    consent.record(store, world.customers[0], harness.name, "one_to_one", False, by_user="test", source="reply")
    report, _ = _run(store, harness)
    assert _row(store, mid)["state"] == "cancelled" and _deliveries(store, harness, mid) == 0
    assert "consent" in report.failed[0][1]


def test_quiet_hours_hold_the_message_until_morning(store: Store, world: World, harness: Any) -> None:
    from lookbook.outbox.sender import Sender

    quiet_hours.set_window(store, "21:00", "09:00")
    store.db.execute("UPDATE customers SET timezone = 'UTC'")  # the window is read in the customer's zone
    [mid] = _approved(store, world, harness, 1)
    night = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    events = list(Sender(direct(store), options=FAST, clients=harness.clients, clock=lambda: night).run())
    assert [e.kind for e in events if e.message_id == mid] == ["deferred"]
    assert _row(store, mid)["next_attempt_at"] == "2026-11-24T09:00:00+00:00"
    assert _deliveries(store, harness, mid) == 0


def test_a_refusal_for_good_marks_the_channel_and_offers_another(store: Store, world: World, harness: Any) -> None:
    [mid] = _approved(store, world, harness, 1)
    harness.refuse_for_good(harness.address(store, world.customers[0]))
    report, _ = _run(store, harness)
    row = _row(store, mid)
    assert (row["state"], row["retryable"]) == ("failed", 0) and report.unreachable == [(mid, row["error"])]
    assert reachability.unreachable(store, world.customers[0], harness.name) is not None
    other = reachability.next_channel(store, mid)
    assert other is not None and other != harness.name
    offered = _row(store, reachability.offer_next_channel(store, mid, "alex"))
    assert (offered["channel"], offered["state"]) == (other, "pending")


def test_a_message_whose_sent_could_not_be_recorded_is_not_sent_again(store: Store, world: World, harness: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    import lookbook.outbox.sender as sender_module

    [mid] = _approved(store, world, harness, 1)
    real, calls = sender_module._record_sent, []

    def full_disk_once(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        real(*args, **kwargs)

    monkeypatch.setattr(sender_module, "_record_sent", full_disk_once)
    with pytest.raises(sqlite3.OperationalError):
        _run(store, harness)
    assert _row(store, mid)["state"] == "sending"
    report, _ = _run(store, harness)
    assert _deliveries(store, harness, mid) == 1
    if registry.get(harness.name).reconciles:
        assert report.reconciled == [(mid, "delivered")] and _row(store, mid)["state"] == "sent"
    else:
        assert _may_have_arrived(store, mid)


def test_a_second_sender_on_the_library_is_refused_while_the_first_has_a_message_in_hand(
        tmp_path: Path, harness: Any) -> None:
    from lookbook.errors import LookbookError
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    one = create_store(tmp_path / "Library")
    two = open_store(Library(one.library.root))
    try:
        add_staff(one)
        quiet_hours.set_window(one, "00:00", "00:00")
        world = add_world(one, customers=3)
        harness.prepare(one, world)
        ids = _approved(one, world, harness, 2)
        first = send(direct(one), options=FAST, clients=harness.clients)
        while (event := next(first)).kind != "sending":
            pass
        with pytest.raises(LookbookError, match="another send run"):
            next(send(direct(two), options=FAST, clients=harness.clients))
        for _ in first:
            pass
        assert [_deliveries(one, harness, m) for m in ids] == [1, 1]
        assert [_row(one, m)["state"] for m in ids] == ["sent", "sent"] and event.channel == harness.name
    finally:
        two.close()
        one.close()


# -- kill -9 mid-batch, then a restart: every message exactly once ---------------------------------------------
_CLI = ("import sys; from lookbook.outbox.channels import registry; from fakes.pigeon_channel import PIGEON; "
        "registry.register(PIGEON); from lookbook.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("name", CHANNELS)
def test_kill_9_mid_batch_then_a_restart_delivers_every_message_exactly_once(
        tmp_path: Path, file_keyring: Path, name: str) -> None:
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    with ExitStack() as stack:
        harness = HARNESSES[name](stack, tmp_path)
        store = create_store(tmp_path / "Library")
        add_staff(store)
        quiet_hours.set_window(store, "00:00", "00:00")
        world = add_world(store, customers=3)
        harness.prepare(store, world)
        env_extra = harness.set_up_library(store)
        store.set_setting("delivery.sender", {"reconcile_after_s": 2.0})
        ids = _approved(store, world, harness, 5)
        expected = [(harness.address(store, _row(store, m)["customer_id"]), _row(store, m)["body"]) for m in ids]
        root = store.library.root
        store.close()
        env = {**os.environ, **env_extra, "LOOKBOOK_PASSWORD": "secret-pass",
               "PYTHON_KEYRING_BACKEND": "fakes.keyrings.FileKeyring", "LOOKBOOK_TEST_KEYRING_FILE": str(file_keyring),
               "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO)])}

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen([sys.executable, "-c", _CLI, "--library", str(root), "--as", "maria", "outbox",
                                     "send"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        # The 2nd message is taken by the service, and the process dies before it hears the answer.
        harness.delay_after_recording(4.0)
        first = start()
        assert _wait(harness, 2, first), first.communicate(timeout=5)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=10)  # reaps it and closes its pipes (wait() left both to the garbage collector)
        harness.delay_after_recording(0.0)
        second = start()
        _, err = second.communicate(timeout=90)
        assert second.returncode in (0, 1), err.decode()

        for address, body in expected:
            assert harness.delivered(address, body) == 1, (address, body, err.decode())
        store = open_store(Library.locate(root))
        try:
            states = [_row(store, m)["state"] for m in ids]
            uncertain = [m for m in ids if _may_have_arrived(store, m)]
        finally:
            store.close()
        if registry.get(name).reconciles:
            assert states == ["sent"] * 5
        else:  # the one killed in DATA waits for a person; every other one was sent
            assert len(uncertain) == 1 and states.count("sent") == 4


def _wait(harness: Any, n: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        if harness.recorded() >= n:
            return True
        time.sleep(0.01)
    return harness.recorded() >= n


# -- the third channel through the whole flow: draft, approve, send ------------------------------------------------
def test_a_channel_from_one_file_goes_through_approval_consent_quiet_hours_and_audit(store: Store,
                                                                                     tmp_path: Path) -> None:
    add_staff(store)
    world = add_world(store, customers=3)
    with Loft().running() as loft:
        harness = PigeonHarness.__new__(PigeonHarness)
        harness.loft, harness.clients = loft, {}
        harness.prepare(store, world)
        # They like the brand and prefer pigeon post; one withdrew pigeon consent, so matching takes X for them.
        for cid in world.customers:
            store.db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance) VALUES (?, ?, 'like')",
                             [cid, world.brand_id])
            store.db.execute("UPDATE customers SET preferred_channel = 'pigeon' WHERE id = ?", [cid])
        consent.record(store, world.customers[2], "pigeon", "one_to_one", False, by_user="test", source="reply")
        from lookbook.customers.matching import match_set
        from lookbook.outbox.templates import save_template
        from lookbook.store.users import PermissionDenied

        matches = {m.customer_id: m for m in match_set(store, world.set_id).matches}
        assert [matches[c].channel for c in world.customers] == ["pigeon", "pigeon", "x"]
        assert "via pigeon post, their preferred channel" in matches[world.customers[0]].reasons
        assert any("withdrew pigeon post consent" in r for r in matches[world.customers[2]].reasons)
        save_template(store, "pigeon", "Hi {first_name}, new {brand} in your size: {sizes_in_stock}", "alex")
        report = outbox.draft_set(store, world.set_id, "alex", "pigeon")
        # Drafting checks the channel's limits: a text over 280 characters would be skipped, naming them.
        assert len(report.drafted) == 3 and report.skipped == []
        outbox.submit(store, world.set_id, "alex")
        with pytest.raises(PermissionDenied):
            outbox.approve(store, "alex", set_id=world.set_id)  # an associate may not approve
        outbox.approve(store, "maria", set_id=world.set_id)
        quiet_hours.set_window(store, "21:00", "09:00")
        night = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
        from lookbook.outbox.sender import Sender

        list(Sender(direct(store), options=FAST, clock=lambda: night).run())
        assert loft.messages == []  # quiet hours: nothing flies at night
        morning = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
        store.db.execute("UPDATE messages SET next_attempt_at = NULL")
        list(Sender(direct(store), options=FAST, clock=lambda: morning).run())
        list(Sender(direct(store), options=FAST, clock=lambda: morning).run())  # a second run sends nothing more
        assert sorted(m["to"] for m in loft.messages) == ["+44700900000", "+44700900001"]
        assert all(m["text"].startswith("Hi Cust") for m in loft.messages)
        pigeon_ids = [r[0] for r in store.db.execute("SELECT id FROM messages WHERE channel = 'pigeon' ORDER BY id")]
        assert len(pigeon_ids) == 2
        for mid in pigeon_ids:
            actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'message'"
                                                      " AND entity_id = ? ORDER BY id", [str(mid)])]
            assert actions[0] == "message.draft" and actions[-2:] == ["message.send_start", "message.sent"]
            assert {"message.submit", "message.approve", "message.queue", "message.defer"} <= set(actions)
            assert _row(store, mid)["state"] == "sent" and _row(store, mid)["decided_by"] == "maria"


def test_a_customer_who_sent_stop_to_the_service_is_never_retried_and_their_consent_is_withdrawn(
        store: Store, tmp_path: Path) -> None:
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=3)
    with Loft().running() as loft:
        harness = PigeonHarness.__new__(PigeonHarness)
        harness.loft, harness.clients = loft, {}
        harness.prepare(store, world)
        first, second = (add_message(store, world.customers[0], set_id=None, state="approved", channel="pigeon",
                                     body=text) for text in ("One", "Two"))
        loft.stopped.add(harness.address(store, world.customers[0]))
        report, _ = _run(store, harness)
        assert loft.messages == [] and loft.posts == 1  # asked once, never again
        row = _row(store, first)
        assert (row["state"], row["retryable"]) == ("failed", 0) and "STOP" in row["error"]
        assert report.unreachable == [(first, row["error"])]
        # The ledger says so: the next message to them on this channel is cancelled, not sent.
        assert not consent.has_consent(store, world.customers[0], "pigeon", "one_to_one")
        assert _row(store, second)["state"] == "cancelled"
        assert consent.has_consent(store, world.customers[0], "x", "one_to_one")  # other channels untouched



# -- issue 17's "done": one set on four channels, faults on every one, STOP on SMS and a WhatsApp block ----------
def test_a_set_on_four_channels_goes_once_each_through_lost_answers_then_stop_and_a_block_hold(
        store: Store, tmp_path: Path, memory_keyring: object) -> None:
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=4)
    with ExitStack() as stack:
        hs = {n: HARNESSES[n](stack, tmp_path) for n in ("x", "email", "sms", "whatsapp")}
        for h in hs.values():
            h.prepare(store, world)
        clients = {k: v for h in hs.values() for k, v in h.clients.items()}
        who = dict(zip(hs, world.customers, strict=True))

        def approve(name: str, body: str) -> int:
            mid = add_message(store, who[name], set_id=world.set_id, state="approved", channel=name, body=body)
            store.db.execute("UPDATE messages SET subject = 'New from Marlowe', attachment = 'originals/p0.jpg'"
                             " WHERE id = ?", [mid])
            return mid

        def run() -> SendReport:
            gen = send(direct(store), options=FAST, clients=clients)
            return run_to_end(gen)

        first = {name: approve(name, f"New Marlowe shirts, by {name}") for name in hs}
        for h in hs.values():
            h.lose_next_answer()  # every service takes its message and the answer is lost
        run()
        run()  # a second run sends nothing again
        assert {n: _deliveries(store, hs[n], first[n]) for n in hs} == dict.fromkeys(hs, 1)
        assert {n: _row(store, first[n])["state"] for n in ("x", "sms")} == {"x": "sent", "sms": "sent"}
        assert all(_may_have_arrived(store, first[n]) for n in ("email", "whatsapp"))  # they cannot be asked
        # The SMS customer texts STOP; the WhatsApp customer blocks the store.
        sms_fake, wa_fake = hs["sms"].fake, hs["whatsapp"].fake
        sms_fake.inbound(hs["sms"].address(store, who["sms"]), "STOP")
        sms.poll_replies(direct(store), client=clients["sms"](store))
        wa_fake.undeliverable.add(hs["whatsapp"].address(store, who["whatsapp"]).lstrip("+"))
        texts, wa_posts = len(sms_fake.outbound()), wa_fake.posts
        stopped, blocked = approve("sms", "Second text"), approve("whatsapp", "Second WhatsApp")
        run()
        assert _row(store, stopped)["state"] == "cancelled" and len(sms_fake.outbound()) == texts
        assert _row(store, blocked)["state"] == "failed" and wa_fake.posts == wa_posts + 1
        after_block = approve("whatsapp", "Third WhatsApp")
        run()
        assert wa_fake.posts == wa_posts + 1 and _row(store, after_block)["state"] == "failed"  # not asked again
        assert reachability.next_channel(store, blocked) not in (None, "whatsapp")


def test_issue_17_done_one_set_drafted_for_four_channels_survives_a_kill_and_faults_then_stop_and_a_block_hold(
        tmp_path: Path, file_keyring: Path) -> None:
    """Issue 17's "done": a set drafted for customers on X, e-mail, SMS and WhatsApp, approved, sent through the
    four fakes with a kill -9 mid-batch and lost answers on the restart, each message delivered exactly once; then
    an SMS STOP (polled) and a WhatsApp block (a failed status 131026 at the webhook) hold before the next send,
    WhatsApp not even asked."""
    from fakes.fake_whatsapp import APP_SECRET, VERIFY_TOKEN, notification, status, webhook_post
    from lookbook.customers.matching import match_set
    from lookbook.outbox.channels.whatsapp_webhook import WebhookReceiver
    from lookbook.outbox.templates import save_template
    from lookbook.store import secrets
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    names = ("x", "email", "sms", "whatsapp")
    with ExitStack() as stack:
        hs = {n: HARNESSES[n](stack, tmp_path) for n in names}
        store = create_store(tmp_path / "Library")
        add_staff(store)
        quiet_hours.set_window(store, "00:00", "00:00")
        world = add_world(store, customers=4)
        env_extra: dict[str, str] = {}
        for h in hs.values():
            h.prepare(store, world)
            env_extra |= h.set_up_library(store)
        who = dict(zip(names, world.customers, strict=True))
        store.db.execute("UPDATE customers SET phone = '+15550100002' WHERE id = ?", [who["sms"]])
        store.db.execute("UPDATE customers SET phone = '+447700900003' WHERE id = ?", [who["whatsapp"]])
        for name, cid in who.items():
            store.db.execute("UPDATE customers SET preferred_channel = ? WHERE id = ?", [name, cid])
            store.db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance) VALUES (?, ?, 'like')",
                             [cid, world.brand_id])
        assert {m.customer_id: m.channel for m in match_set(store, world.set_id).matches} == \
            {cid: name for name, cid in who.items()}
        save_template(store, "arrivals", "Hi {first_name}, new {brand} in your size: {sizes_in_stock}", "alex",
                      subject="New from {brand}")
        drafted = outbox.draft_set(store, world.set_id, "alex", "arrivals")
        assert len(drafted.drafted) == 4 and drafted.skipped == []
        outbox.submit(store, world.set_id, "alex")
        outbox.approve(store, "maria", set_id=world.set_id)
        ids = {name: store.db.execute("SELECT id FROM messages WHERE customer_id = ? AND channel = ?",
                                      [cid, name]).fetchone()[0] for name, cid in who.items()}
        expected = {n: (hs[n].address(store, who[n]), _row(store, ids[n])["body"]) for n in names}
        store.set_setting("delivery.sender", {"reconcile_after_s": 2.0})
        root = store.library.root
        store.close()
        env = {**os.environ, **env_extra, "LOOKBOOK_PASSWORD": "secret-pass",
               "PYTHON_KEYRING_BACKEND": "fakes.keyrings.FileKeyring", "LOOKBOOK_TEST_KEYRING_FILE": str(file_keyring),
               "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO)])}

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen([sys.executable, "-c", _CLI, "--library", str(root), "--as", "maria", "outbox",
                                     "send"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        # The text is taken by Twilio and the sender is killed before it hears the answer.
        hs["sms"].delay_after_recording(4.0)
        first = start()
        assert _wait(hs["sms"], 1, first), first.communicate(timeout=5)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=10)  # reaps it and closes its pipes (wait() left both to the garbage collector)
        hs["sms"].delay_after_recording(0.0)
        hs["x"].lose_next_answer()  # whatever of the rest goes on the restart loses an answer too
        hs["email"].lose_next_answer()
        second = start()
        _, err = second.communicate(timeout=120)
        assert second.returncode in (0, 1), err.decode()
        third = start()  # and a run after that sends nothing again
        third.communicate(timeout=60)
        assert {n: hs[n].delivered(*expected[n]) for n in names} == dict.fromkeys(names, 1), err.decode()

        store = open_store(Library.locate(root))
        try:
            assert _row(store, ids["sms"])["state"] == "sent"  # reconciled from Twilio's list, not sent again
            wamid = _row(store, ids["whatsapp"])["external_id"]
            assert wamid, _row(store, ids["whatsapp"])
            # The SMS customer texts STOP; the WhatsApp customer blocks the store, which Meta reports as 131026.
            sms_fake, wa_fake = hs["sms"].fake, hs["whatsapp"].fake
            sms_fake.inbound(expected["sms"][0], "STOP")
            sms.poll_replies(direct(store), client=hs["sms"].clients["sms"](store))
            vault = secrets.Vault.for_store(store)
            vault.set(secrets.WHATSAPP_APP_SECRET, APP_SECRET)
            vault.set(secrets.WHATSAPP_VERIFY_TOKEN, VERIFY_TOKEN)
            with WebhookReceiver(store) as receiver:
                assert webhook_post(receiver.url, notification(
                    statuses=[status(wamid, "failed", expected["whatsapp"][0], code=131026)])) == 200
                assert receiver.process().unreachable == [who["whatsapp"]]
            texts, wa_posts = len(sms_fake.outbound()), wa_fake.posts
            again = {n: add_message(store, who[n], set_id=world.set_id, state="approved", channel=n,
                                    body=f"Second {n}") for n in ("sms", "whatsapp")}
            run_to_end(send(direct(store), options=FAST, clients={**hs["sms"].clients, **hs["whatsapp"].clients}))
            assert _row(store, again["sms"])["state"] == "cancelled" and len(sms_fake.outbound()) == texts
            blocked = _row(store, again["whatsapp"])
            assert (blocked["state"], wa_fake.posts) == ("failed", wa_posts) and "131026" in blocked["error"]
            assert reachability.next_channel(store, again["whatsapp"]) not in (None, "whatsapp")
        finally:
            store.close()
