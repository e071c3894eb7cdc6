"""WhatsApp's webhook received on 127.0.0.1 (lookbook.outbox.channels.whatsapp_webhook): Meta's verification
handshake, the X-Hub-Signature-256 check, customers' messages as replies (STOP withdraws the opt-in at once, a
message opens the 24-hour window), statuses (131050 withdraws, 131026 marks unreachable), Meta's retries stored
once; and the error codes of Meta's reference as the sender acts on them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.fake_whatsapp import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TEMPLATE,
    TOKEN,
    VERIFY_TOKEN,
    WABA_ID,
    FakeWhatsApp,
    inbound,
    notification,
    status,
    webhook_post,
)
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.outbox import conversations, quiet_hours
from lookbook.outbox.channels import (
    AuthFailed,
    NotSent,
    OptedOut,
    RateLimited,
    Rejected,
    Unreachable,
    reachability,
    registry,
    whatsapp,
)
from lookbook.outbox.channels.whatsapp_webhook import WebhookNotSetUp, WebhookReceiver, signature
from lookbook.outbox.sender import Sender, SenderOptions, direct
from lookbook.progress import run_to_end
from lookbook.store import secrets
from lookbook.store.database import Store
from outbox_support import World, add_message, add_staff, add_world

FAST = SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)
PHONES = ["+447700900000", "+447700900001", "+447700900002"]


@pytest.fixture
def world(store: Store, memory_keyring: object) -> World:
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=3)
    whatsapp.save_settings(store, {"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID, "template": TEMPLATE,
                                   "timeout_s": 2.0}, "admin", token=TOKEN)
    vault = secrets.Vault.for_store(store)
    vault.set(secrets.WHATSAPP_APP_SECRET, APP_SECRET)
    vault.set(secrets.WHATSAPP_VERIFY_TOKEN, VERIFY_TOKEN)
    for phone, cid in zip(PHONES, world.customers, strict=False):
        store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [phone, cid])
        consent.record(store, cid, "whatsapp", "one_to_one", True, by_user="test", source="test")
    return world


@pytest.fixture
def receiver(store: Store, world: World) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(store) as running:
        yield running


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), ""


def _approved(store: Store, customer_id: int, body: str = "Hello") -> int:
    mid = add_message(store, customer_id, state="approved", channel="whatsapp", body=body)
    store.db.execute("UPDATE messages SET attachment = 'originals/p0.jpg' WHERE id = ?", [mid])
    return mid


def _sent(store: Store, customer_id: int, wamid: str) -> int:
    mid = add_message(store, customer_id, state="sent", channel="whatsapp", body="New Marlowe shirts")
    store.db.execute("UPDATE messages SET external_id = ?, sent_at = ? WHERE id = ?",
                     [wamid, "2026-12-01T10:00:00+00:00", mid])
    return mid


# -- the handshake and the signature --------------------------------------------------------------------------------
def test_verification_handshake_echoes_the_challenge_only_for_the_verify_token(receiver: WebhookReceiver) -> None:
    good = f"{receiver.url}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"
    assert _get(good) == (200, "1158201444")
    assert _get(good.replace(VERIFY_TOKEN, "guessed"))[0] == 403
    assert _get(good.replace("subscribe", "unsubscribe"))[0] == 403
    assert _get(good.replace("/whatsapp?", "/other?"))[0] == 404


def test_a_bad_or_missing_signature_is_refused_with_403_and_logged_without_the_body(
        store: Store, world: World, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture) -> None:
    payload = notification(messages=[inbound(PHONES[0], "STOP secret-words", "wamid.in1")])
    with caplog.at_level(logging.WARNING, logger="lookbook.outbox.channels.whatsapp_webhook"):
        assert webhook_post(receiver.url, payload, secret="not-the-app-secret") == 403
        assert webhook_post(receiver.url, payload, secret=None) == 403
        assert webhook_post(receiver.url, payload, signature="sha256=" + "0" * 64) == 403
    assert receiver.refused == 3 and receiver.process().new == []
    assert consent.has_consent(store, world.customers[0], "whatsapp", "one_to_one")  # nothing was acted on
    logged = caplog.text
    assert "refused a POST" in logged and "secret-words" not in logged and PHONES[0].lstrip("+") not in logged
    # The same body, signed with the app secret, goes in.
    assert webhook_post(receiver.url, payload) == 200
    assert len(receiver.process().new) == 1


def test_signature_is_the_hmac_sha256_of_the_raw_body_with_the_app_secret() -> None:
    # Meta's own example shape: "sha256=" and 64 hex digits; one changed byte changes it.
    raw = b'{"object":"whatsapp_business_account","entry":[]}'
    assert signature("s3cret", raw).startswith("sha256=") and len(signature("s3cret", raw)) == 71
    assert signature("s3cret", raw) != signature("s3cret", raw.replace(b"[]", b"[ ]"))


def test_the_receiver_refuses_to_start_without_the_app_secret_in_the_keyring(store: Store,
                                                                             memory_keyring: object) -> None:
    with pytest.raises(WebhookNotSetUp, match="lookbook delivery credentials whatsapp"):
        WebhookReceiver(store)


# -- customers' messages -----------------------------------------------------------------------------------------
def test_an_inbound_stop_withdraws_the_opt_in_at_once_and_cancels_what_waits(
        store: Store, world: World, receiver: WebhookReceiver) -> None:
    cid = world.customers[0]
    waiting = add_message(store, cid, state="approved", channel="whatsapp", body="Another one")
    assert webhook_post(receiver.url, notification(messages=[inbound(PHONES[0], "Stop", "wamid.stop1")])) == 200
    report = receiver.process()
    assert report.withdrawn == [cid]
    assert not consent.has_consent(store, cid, "whatsapp", "one_to_one")
    assert store.db.execute("SELECT state FROM messages WHERE id = ?", [waiting]).fetchone()[0] == "cancelled"
    [(channel, body)] = store.db.execute("SELECT channel, body FROM replies").fetchall()
    assert (channel, body) == ("whatsapp", "Stop")


def test_a_message_opens_the_24_hour_window_and_threads_on_the_last_message(store: Store, world: World,
                                                                           receiver: WebhookReceiver) -> None:
    cid = world.customers[1]
    mid = _sent(store, cid, "wamid.out1")
    kind = registry.get("whatsapp")
    assert kind.drafting_rule(store, cid).startswith("approved template")
    assert webhook_post(receiver.url, notification(messages=[inbound(PHONES[1], "Is the blue one in M?",
                                                                     "wamid.q1")])) == 200
    receiver.process()
    assert kind.drafting_rule(store, cid).startswith("free text: inside the 24-hour window")
    assert whatsapp.window_open(store, cid)
    assert store.db.execute("SELECT message_id FROM replies WHERE external_id = 'wamid.q1'").fetchone()[0] == mid
    # The conversation can be answered in free text now.
    answer = conversations.answer(store, cid, "Yes, one left in M.", actor="maria")
    assert store.db.execute("SELECT channel FROM messages WHERE id = ?", [answer.message_id]).fetchone()[0] == \
        "whatsapp"


def test_free_text_outside_the_window_is_refused_at_draft_with_the_reason(store: Store, world: World) -> None:
    cid = world.customers[2]
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)).isoformat(timespec="seconds")
    store.db.execute("INSERT INTO replies (customer_id, channel, external_id, body, received_at)"
                     " VALUES (?, 'whatsapp', 'wamid.old', 'Thanks', ?)", [cid, old])
    with pytest.raises(InputError, match="24-hour window") as refused:
        conversations.answer(store, cid, "Here you go", actor="maria")
    assert "last wrote" in str(refused.value) and "template" in str(refused.value)
    assert store.db.execute("SELECT count(*) FROM messages WHERE customer_id = ?", [cid]).fetchone()[0] == 0


def test_meta_retrying_the_same_delivery_stores_it_once(store: Store, world: World,
                                                       receiver: WebhookReceiver) -> None:
    cid = world.customers[0]
    mid = _sent(store, cid, "wamid.out2")
    payload = notification(messages=[inbound(PHONES[0], "stop", "wamid.dup")],
                           statuses=[status("wamid.out2", "delivered", PHONES[0])])
    for _ in range(3):
        assert webhook_post(receiver.url, payload) == 200
    first = receiver.process()
    assert webhook_post(receiver.url, payload) == 200  # a retry after it was stored
    again = receiver.process()
    assert (len(first.new), first.statuses, first.withdrawn) == (1, 1, [cid])
    assert (again.new, again.statuses, again.withdrawn) == ([], 0, [])
    assert store.db.execute("SELECT count(*) FROM replies").fetchone()[0] == 1
    withdrawals = store.db.execute("SELECT count(*) FROM consents WHERE customer_id = ? AND channel = 'whatsapp'"
                                   " AND granted = 0", [cid]).fetchone()[0]
    assert withdrawals == 1
    assert store.db.execute("SELECT delivery_status FROM messages WHERE id = ?", [mid]).fetchone()[0] == "delivered"
    assert list(receiver.spool.glob("*.json")) == []


def test_a_delivery_spooled_before_a_stop_is_stored_by_the_next_receiver(store: Store, world: World) -> None:
    with WebhookReceiver(store) as first:
        assert webhook_post(first.url, notification(messages=[inbound(PHONES[2], "stop", "wamid.late")])) == 200
    # The program stopped after answering 200 and before storing: the next start stores it.
    with WebhookReceiver(store) as second:
        assert second.process().withdrawn == [world.customers[2]]


# -- statuses ---------------------------------------------------------------------------------------------------
def test_statuses_move_a_message_forward_only(store: Store, world: World, receiver: WebhookReceiver) -> None:
    mid = _sent(store, world.customers[0], "wamid.out3")
    now = int(time.time())
    late = notification(statuses=[status("wamid.out3", "read", PHONES[0], at=now),
                                  status("wamid.out3", "delivered", PHONES[0], at=now - 5),
                                  status("wamid.out3", "sent", PHONES[0], at=now - 9)])
    assert webhook_post(receiver.url, late) == 200
    receiver.process()
    assert webhook_post(receiver.url, notification(statuses=[status("wamid.out3", "delivered", PHONES[0])])) == 200
    receiver.process()
    assert store.db.execute("SELECT delivery_status FROM messages WHERE id = ?", [mid]).fetchone()[0] == "read"


def test_a_failed_status_131050_withdraws_the_opt_in_before_the_next_send(store: Store, world: World,
                                                                         receiver: WebhookReceiver) -> None:
    cid = world.customers[0]
    mid = _sent(store, cid, "wamid.out4")
    nxt = add_message(store, cid, state="approved", channel="whatsapp", body="Next week's drop")
    payload = notification(statuses=[status("wamid.out4", "failed", PHONES[0], code=131050)])
    assert webhook_post(receiver.url, payload) == 200
    assert receiver.process().withdrawn == [cid]
    assert not consent.has_consent(store, cid, "whatsapp", "one_to_one")
    state, error = store.db.execute("SELECT delivery_status, error FROM messages WHERE id = ?", [mid]).fetchone()
    assert state == "failed" and "131050" in error
    assert store.db.execute("SELECT state FROM messages WHERE id = ?", [nxt]).fetchone()[0] == "cancelled"


def test_a_failed_status_131026_marks_whatsapp_unreachable_until_the_customer_writes(
        store: Store, world: World, receiver: WebhookReceiver) -> None:
    cid = world.customers[1]
    _sent(store, cid, "wamid.out5")
    payload = notification(statuses=[status("wamid.out5", "failed", PHONES[1], code=131026)])
    assert webhook_post(receiver.url, payload) == 200
    assert receiver.process().unreachable == [cid]
    known = reachability.unreachable(store, cid, "whatsapp")
    assert known is not None and "131026" in known.reason
    # The opt-in stays (a block cannot be told apart from an old app); the customer writing clears the mark.
    assert consent.has_consent(store, cid, "whatsapp", "one_to_one")
    assert webhook_post(receiver.url, notification(messages=[inbound(PHONES[1], "Hi again", "wamid.back")])) == 200
    receiver.process()
    assert reachability.unreachable(store, cid, "whatsapp") is None


# -- Meta's error codes -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "kind"), [
    (131050, OptedOut), (131026, Unreachable), (130429, RateLimited), (131048, RateLimited), (131056, NotSent),
    (131049, NotSent), (131047, Rejected), (132000, AuthFailed), (132001, AuthFailed), (132015, AuthFailed),
    (132016, AuthFailed), (190, AuthFailed)])
def test_each_meta_error_code_maps_to_what_the_sender_does(code: int, kind: type[Exception]) -> None:
    verdict = whatsapp.classify_code(code, "details")
    assert type(verdict) is kind
    if code == 131049:  # per-user marketing limit: not before a day has passed
        assert isinstance(verdict, NotSent) and verdict.retry_at is not None
        assert verdict.retry_at - dt.datetime.now(dt.UTC) > dt.timedelta(hours=23)
    if code == 131048:  # spam limit: longer than a send run waits
        assert isinstance(verdict, RateLimited)
        assert verdict.reset_at - dt.datetime.now(dt.UTC) > dt.timedelta(minutes=30)


def test_a_paused_template_at_send_stops_whatsapp_and_keeps_every_message(store: Store, world: World) -> None:
    with FakeWhatsApp().running() as fake:
        fake.faults.append("132015")
        mids = [_approved(store, cid) for cid in world.customers]
        report = run_to_end(Sender(direct(store), options=FAST, clients={"whatsapp": lambda s: fake.url}).run())
    assert "paused" in report.stopped["whatsapp"].lower() and fake.messages == []
    states = {r[0] for r in store.db.execute(f"SELECT state FROM messages WHERE id IN ({','.join('?' * len(mids))})",
                                              mids)}
    assert states == {"queued"}


def test_the_per_user_marketing_limit_retries_that_customer_a_day_later(store: Store, world: World) -> None:
    with FakeWhatsApp().running() as fake:
        fake.faults.append("131049")
        mid = _approved(store, world.customers[0])
        report = run_to_end(Sender(direct(store), options=FAST, clients={"whatsapp": lambda s: fake.url}).run())
    assert report.requeued == [mid] and fake.messages == []
    state, later = store.db.execute("SELECT state, next_attempt_at FROM messages WHERE id = ?", [mid]).fetchone()
    assert state == "queued" and dt.datetime.fromisoformat(later) - dt.datetime.now(dt.UTC) > dt.timedelta(hours=23)


# -- the customer file ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("header", ["WhatsApp opt-in", "whatsapp_consent", "consent_whatsapp"])
def test_the_whatsapp_opt_in_column_is_read_and_written_back(store: Store, tmp_path: Path, header: str) -> None:
    from lookbook.customers.csv_files import export_customers, import_customers

    add_staff(store)
    source = tmp_path / "book.csv"
    source.write_text(f"first name,email,phone,{header}\nAnn,ann@example.com,+447700900100,yes\n"
                      "Bob,bob@example.com,+447700900101,no\n", encoding="utf-8")
    report = import_customers(store, source, actor="maria")
    assert report.added == 2 and report.rejected == 0, report.problems
    ann, bob = (store.db.execute("SELECT id FROM customers WHERE email = ?", [e]).fetchone()[0]
                for e in ("ann@example.com", "bob@example.com"))
    assert consent.has_consent(store, ann, "whatsapp", "one_to_one")
    assert not consent.has_consent(store, bob, "whatsapp", "one_to_one")
    out = tmp_path / "out.csv"
    export_customers(store, out, actor="maria")
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {r["email"]: r["consent_whatsapp"] for r in rows} == {"ann@example.com": "subscribed to marketing",
                                                                 "bob@example.com": "unsubscribed"}


# -- entering credentials, for any channel ---------------------------------------------------------------------------
def test_credentials_are_listed_from_what_each_channel_declares_and_secrets_go_to_the_keyring_only(
        store: Store, memory_keyring: object) -> None:
    from lookbook.outbox.channels import credentials

    add_staff(store)
    assert {c.name for c in credentials.configurable()} >= {"x", "email", "sms", "whatsapp"}
    with pytest.raises(InputError, match="phone number id"):  # the channel's own check runs
        credentials.save(store, "whatsapp", {"phone_number_id": "abc", "waba_id": WABA_ID, "template": TEMPLATE,
                                             "token": "EAAG-1"}, "maria")
    assert secrets.Vault.for_store(store).get(secrets.WHATSAPP_TOKEN) is None  # nothing kept from a refused form
    credentials.save(store, "whatsapp", {"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID,
                                         "template": TEMPLATE, "token": "EAAG-1", "app_secret": "app-s3cret"}, "maria")
    # A later form with only one secret keeps everything else.
    credentials.save(store, "whatsapp", {"verify_token": "v-token", "template": ""}, "maria")
    shown = {f.credential.name: (f.value, f.entered) for f in credentials.fields(store, "whatsapp")}
    assert shown["template"] == (TEMPLATE, True) and shown["token"] == ("", True)
    assert shown["verify_token"] == ("", True) and shown["app_secret"] == ("", True)
    vault = secrets.Vault.for_store(store)
    assert (vault.get(secrets.WHATSAPP_APP_SECRET), vault.get(secrets.WHATSAPP_VERIFY_TOKEN)) == ("app-s3cret",
                                                                                                  "v-token")
    kept = str(store.db.execute("SELECT * FROM settings").fetchall()) + str(
        store.db.execute("SELECT * FROM audit_log").fetchall())
    assert "EAAG-1" not in kept and "app-s3cret" not in kept and "v-token" not in kept
    with pytest.raises(InputError, match="not one of"):
        credentials.save(store, "whatsapp", {"password": "x"}, "maria")
    # X declares its app too (its browser sign-in stays beside the fields): every channel is entered the same way.
    assert [f.credential.name for f in credentials.fields(store, "x")] == ["client_id", "port", "client_secret"]


def test_delivery_credentials_verb_asks_for_each_declared_secret(tmp_path: Path, memory_keyring: object,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    store = create_store(tmp_path / "lib")
    add_staff(store)
    root = str(store.library.root)
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    monkeypatch.setenv("LOOKBOOK_WHATSAPP_TOKEN", "EAAG-2")
    monkeypatch.setenv("LOOKBOOK_WHATSAPP_APP_SECRET", "app-2")
    monkeypatch.setenv("LOOKBOOK_WHATSAPP_VERIFY_TOKEN", "verify-2")
    base = ["--library", root, "--as", "maria", "delivery", "credentials", "whatsapp"]
    assert main([*base, "--set", f"phone_number_id={PHONE_NUMBER_ID}", "--set", f"waba_id={WABA_ID}",
                 "--set", f"template={TEMPLATE}"]) == 0
    assert main([*base, "--show"]) == 0
    out = capsys.readouterr().out
    assert "(in the keyring)" in out and "EAAG-2" not in out and TEMPLATE in out
    store = open_store(Library.locate(Path(root)))
    try:
        vault = secrets.Vault.for_store(store)
        assert vault.get(secrets.WHATSAPP_TOKEN) == "EAAG-2"
        assert vault.get(secrets.WHATSAPP_APP_SECRET) == "app-2"
        assert vault.get(secrets.WHATSAPP_VERIFY_TOKEN) == "verify-2"
        with WebhookReceiver(store) as running:  # the webhook is set up by the generic verb alone
            assert _get(f"{running.url}?hub.mode=subscribe&hub.verify_token=verify-2&hub.challenge=7") == (200, "7")
    finally:
        store.close()
    assert main([*base, "--set", "phone_number_id"]) != 0
    assert "FIELD=VALUE" in capsys.readouterr().err


def test_the_webhook_verb_receives_until_stopped_and_stores_on_its_own_thread(tmp_path: Path,
                                                                               file_keyring: Path) -> None:
    """``lookbook outbox whatsapp-webhook --port N``: Meta's handshake, a signed STOP stored at once, Ctrl+C."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    store = create_store(tmp_path / "lib")
    add_staff(store)
    world = add_world(store, customers=1)
    cid = world.customers[0]
    store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [PHONES[0], cid])
    consent.record(store, cid, "whatsapp", "one_to_one", True, by_user="test", source="test")
    vault = secrets.Vault.for_store(store)
    vault.set(secrets.WHATSAPP_APP_SECRET, APP_SECRET)
    vault.set(secrets.WHATSAPP_VERIFY_TOKEN, VERIFY_TOKEN)
    root = str(store.library.root)
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "fakes.keyrings.FileKeyring",
           "LOOKBOOK_TEST_KEYRING_FILE": str(file_keyring),
           "PYTHONPATH": os.pathsep.join([str(repo / "tests"), str(repo)])}
    env.pop("LOOKBOOK_PASSWORD", None)  # it runs unattended: no sign-in, like `outbox replies`
    proc = subprocess.Popen([sys.executable, "-m", "lookbook.cli", "--library", root, "outbox", "whatsapp-webhook",
                             "--port", str(port), "--json"], env=env, cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/whatsapp"
        deadline = time.time() + 30
        while True:
            try:
                status_, body = _get(f"{url}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=42")
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, proc.communicate(timeout=5)
                time.sleep(0.1)
        assert (status_, body) == (200, "42")
        assert webhook_post(url, notification(messages=[inbound(PHONES[0], "STOP", "wamid.cli")])) == 200
        line = proc.stdout.readline() if proc.stdout else b""
        assert json.loads(line)["withdrawn"] == [cid]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    store = open_store(Library.locate(Path(root)))
    try:
        assert not consent.has_consent(store, cid, "whatsapp", "one_to_one")
    finally:
        store.close()


def test_outbox_replies_reads_sms_when_x_is_not_signed_in(tmp_path: Path, memory_keyring: object,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """`outbox replies` on a library with SMS and no X: it used to stop with a traceback after storing the texts."""
    from fakes.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, FakeTwilio
    from lookbook.cli import main
    from lookbook.outbox.channels import sms
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    store = create_store(tmp_path / "lib")
    add_staff(store)
    world = add_world(store, customers=1)
    cid = world.customers[0]
    store.db.execute("UPDATE customers SET phone = '+15550100000' WHERE id = ?", [cid])
    consent.record(store, cid, "sms", "one_to_one", True, by_user="test", source="test")
    sms.save_settings(store, {"account_sid": ACCOUNT_SID, "messaging_service_sid": SERVICE_SID}, "admin",
                      auth_token=AUTH_TOKEN)
    root = str(store.library.root)
    store.close()
    with FakeTwilio().running() as fake:
        monkeypatch.setenv(sms.API_URL_ENV, fake.url)
        fake.inbound("+15550100000", "STOP")
        assert main(["--library", root, "outbox", "replies"]) == 0
    captured = capsys.readouterr()
    assert f"customer {cid} (sms): STOP  [consent withdrawn]" in captured.out
    assert "1 new reply; 1 withdrew consent." in captured.err
    store = open_store(Library.locate(Path(root)))
    try:
        assert not consent.has_consent(store, cid, "sms", "one_to_one")
    finally:
        store.close()
    empty = create_store(tmp_path / "empty")
    empty_root = str(empty.library.root)
    empty.close()
    assert main(["--library", empty_root, "outbox", "replies"]) == 1
    assert "outbox whatsapp-webhook" in capsys.readouterr().err
