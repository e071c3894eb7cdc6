"""SMS through Twilio, against the fake Twilio REST API on 127.0.0.1 (the exactly-once and fault suite runs on it
in test_sender_channels.py): segments, the carriers' quiet hours, STOP as Twilio's 21610, replies by polling
(STOP/START/HELP, paging), phone numbers in the customer CSV, the ``delivery sms`` verb."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, FakeTwilio
from lookbook.customers import consent
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import DeliveryError, sms
from lookbook.outbox.channels.sms import count_segments
from lookbook.outbox.replies import list_replies
from lookbook.outbox.sender import Sender, SenderOptions, SendReport, direct
from lookbook.progress import run_to_end
from lookbook.store.database import Store
from outbox_support import World, add_message, add_staff, add_world

FAST = SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)


@pytest.fixture
def fake(memory_keyring: object) -> Iterator[FakeTwilio]:
    with FakeTwilio().running() as twilio:
        yield twilio


def _client(fake: FakeTwilio) -> Any:
    return sms.client_for(ACCOUNT_SID, AUTH_TOKEN, timeout_s=2.0, api_url=fake.url)


@pytest.fixture
def world(store: Store, fake: FakeTwilio) -> World:
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=3)
    sms.save_settings(store, {"account_sid": ACCOUNT_SID, "messaging_service_sid": SERVICE_SID, "timeout_s": 2.0},
                      "admin", auth_token=AUTH_TOKEN, country="US")
    for n, cid in enumerate(world.customers):
        store.db.execute("UPDATE customers SET phone = ?, timezone = 'America/New_York' WHERE id = ?",
                         [f"+1555010{n:04d}", cid])
        consent.record(store, cid, "sms", "one_to_one", True, by_user="test", source="test")
    return world


def _daytime_in_new_york() -> dt.datetime:
    """Now, moved back to the last noon in New York when now falls outside 9:00-20:00 there.

    The law holds texts outside 8:00-21:00 in the customer's zone (the world's customers live in New York), so a
    test that sends on the real clock failed whenever the suite ran in the New York night. This clock still
    advances (reconciling and back-off measure elapsed time) and stays in the past, so replies the fake stamps
    with the real time come after the texts they answer.
    """
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(dt.UTC)
    local = now.astimezone(ZoneInfo("America/New_York"))
    if 9 <= local.hour < 20:
        return now
    noon = local.replace(hour=12, minute=0, second=0, microsecond=0)
    if noon > local:
        noon -= dt.timedelta(days=1)
    return now - (local - noon)


def _run(store: Store, fake: FakeTwilio, clock: Any = None) -> SendReport:
    gen = Sender(direct(store), options=FAST, clients={"sms": lambda s: _client(fake)},
                 clock=clock or _daytime_in_new_york).run()
    return run_to_end(gen)


def _state(store: Store, mid: int) -> tuple[str, int | None, str | None]:
    return store.db.execute("SELECT state, retryable, error FROM messages WHERE id = ?", [mid]).fetchone()


def _kept_alive(client: Any, fake: FakeTwilio) -> int:
    """Return how many connection pools (each holding its socket to the fake) the client still keeps open."""
    return len(client.http_client.session.get_adapter(fake.url).poolmanager.pools)


def _recording(fake: FakeTwilio, made: list[Any], token: str = AUTH_TOKEN) -> Any:
    def make(_store: Store) -> Any:
        made.append(sms.client_for(ACCOUNT_SID, token, timeout_s=2.0, api_url=fake.url))
        return made[-1]
    return make


def test_a_send_run_that_fails_midway_still_closes_its_socket_to_twilio(store: Store, world: World, fake: FakeTwilio,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a run that reached its end closed its channels: an error mid-run left the socket open, one more for
    every failed run of the app, until the garbage collector found it (the ResourceWarning where it did)."""
    import sqlite3

    import lookbook.outbox.sender as sender_module

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    add_message(store, world.customers[0], state="approved", channel="sms", body="Hello")
    made: list[Any] = []
    monkeypatch.setattr(sender_module, "_record_sent", full_disk)
    with pytest.raises(sqlite3.OperationalError):
        run_to_end(Sender(direct(store), options=FAST, clients={"sms": _recording(fake, made)},
                          clock=_daytime_in_new_york).run())
    [client] = made
    assert len(fake.outbound()) == 1  # the text went out on a kept-alive connection
    assert _kept_alive(client, fake) == 0


def test_a_send_run_dropped_unfinished_closes_its_socket_to_twilio(store: Store, world: World,
                                                                   fake: FakeTwilio) -> None:
    for n in range(2):
        add_message(store, world.customers[n], state="approved", channel="sms", body=f"Hello {n}")
    made: list[Any] = []
    gen = Sender(direct(store), options=FAST, clients={"sms": _recording(fake, made)},
                 clock=_daytime_in_new_york).run()
    while next(gen).kind != "sent":
        pass
    gen.close()  # a caller that stops listening (a closed window) ends the run at the message in hand
    [client] = made
    assert _kept_alive(client, fake) == 0


def test_a_reply_poll_closes_the_client_it_made_also_when_twilio_refuses_the_token(
        store: Store, world: World, fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each poll made a client and left its socket open until the garbage collector came by."""
    made: list[Any] = []
    monkeypatch.setattr(sms, "make_client", _recording(fake, made))
    fake.inbound("+15550100000", "Love the blue one")
    assert len(sms.poll_replies(direct(store)).new) == 1
    monkeypatch.setattr(sms, "make_client", _recording(fake, made, token="wrong"))
    with pytest.raises(DeliveryError, match="20003"):
        sms.poll_replies(direct(store))
    assert len(made) == 2 and fake.lists == 1  # the refused one was not listed
    assert [_kept_alive(client, fake) for client in made] == [0, 0]
    # A client the caller passes is the caller's to close (a send run's, reused).
    mine = _client(fake)
    sms.poll_replies(direct(store), client=mine)
    assert _kept_alive(mine, fake) == 1
    sms.close_client(mine)



def test_a_refused_token_on_a_reply_poll_is_a_sign_in_error_that_says_what_to_fix(
        store: Store, world: World, fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing messages raises twilio's bare TwilioException("Unable to fetch page", response), not the
    TwilioRestException a send raises: a refused token there read as "sending the SMS failed"."""
    from lookbook.outbox.channels import AuthFailed

    made: list[Any] = []
    monkeypatch.setattr(sms, "make_client", _recording(fake, made, token="wrong"))
    with pytest.raises(AuthFailed, match=r"refused the account's sign-in.*20003.*lookbook delivery sms"):
        sms.poll_replies(direct(store))


def test_a_list_request_twilio_could_not_answer_is_read_from_its_status() -> None:
    """A 503 page with no JSON body is Twilio's fault (try later), a 429 page its rate limit, and a bare
    TwilioException with no response stays a plain failure."""
    from twilio.base.exceptions import TwilioException
    from twilio.http.response import Response

    from lookbook.outbox.channels import NotSent, RateLimited

    assert isinstance(sms.classify(TwilioException("Unable to fetch page", Response(503, "<html>busy</html>")),
                                   delivers=False), NotSent)
    assert isinstance(sms.classify(TwilioException("Unable to fetch page", Response(429, '{"code": 20429}')),
                                   delivers=False), RateLimited)
    plain = sms.classify(TwilioException("Page Records can not be deserialized"), delivers=False)
    assert isinstance(plain, NotSent) and "deserialized" in str(plain)

# -- segments -------------------------------------------------------------------------------------------------
def test_a_send_runs_connection_closes_its_kept_alive_socket_to_twilio(fake: FakeTwilio) -> None:
    client = _client(fake)
    connection = sms.SmsConnection(client, sms.SmsSettings(account_sid=ACCOUNT_SID, from_number="+15005550006"))
    assert list(connection._messages().stream(to="+15551230000", page_size=50)) == []
    pools = client.http_client.session.get_adapter(fake.url).poolmanager.pools
    assert len(pools) == 1  # the listing's connection is kept alive for the run's next request
    connection.close()
    assert len(pools) == 0
    assert list(connection._messages().stream(to="+15551230000", page_size=50)) == []  # a new one is opened


def test_segments_count_gsm7_and_ucs2_as_carriers_bill_them() -> None:
    assert (count_segments("a" * 160).encoding, count_segments("a" * 160).count) == ("GSM-7", 1)
    assert count_segments("a" * 161).count == 2 and count_segments("a" * 306).count == 2
    assert count_segments("a" * 307).count == 3
    assert count_segments("€" * 80).units == 160 and count_segments("€" * 81).count == 2  # € takes two septets
    # One emoji makes the whole text UCS-2: 70 characters a segment, 67 when split.
    assert (count_segments("a" * 69 + "👗").encoding, count_segments("a" * 69 + "👗").count) == ("UCS-2", 2)
    assert count_segments("a" * 70).count == 1 and count_segments("é" * 70).encoding == "GSM-7"
    assert count_segments("ć" * 70).count == 1 and count_segments("ć" * 71).count == 2
    assert str(count_segments("Hi 👋")).startswith("1 SMS segment (UCS-2")


# -- quiet hours: 8:00-21:00 where the customer is, or the store's window if stricter -------------------------
def test_texts_wait_for_8am_in_the_customers_zone_even_with_the_store_window_off(store: Store, world: World,
                                                                                   fake: FakeTwilio) -> None:
    mid = add_message(store, world.customers[0], state="approved", channel="sms", body="New shirts")
    late = dt.datetime(2026, 12, 4, 3, 30, tzinfo=dt.UTC)  # 22:30 in New York
    report = _run(store, fake, clock=lambda: late)
    assert fake.outbound() == [] and report.deferred == [(mid, "2026-12-04T13:00:00+00:00")]  # 8:00 EST
    # A store window stricter than the law (until 9:00) wins.
    quiet_hours.set_window(store, "20:00", "09:00")
    store.db.execute("UPDATE messages SET next_attempt_at = NULL")
    report = _run(store, fake, clock=lambda: late)
    assert report.deferred == [(mid, "2026-12-04T14:00:00+00:00")]
    # At 12:00 in New York it goes; an e-mail would not have waited for the law's window at 22:30.
    noon = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)
    store.db.execute("UPDATE messages SET next_attempt_at = NULL")
    assert _run(store, fake, clock=lambda: noon).sent == [mid] and len(fake.delivered("+15550100000")) == 1
    quiet_hours.set_window(store, "00:00", "00:00")
    assert quiet_hours.next_send_time(store, world.customers[0], late) == late  # the store's own window is off


# -- STOP as Twilio answers it: 21610 --------------------------------------------------------------------------
def test_21610_withdraws_sms_consent_and_the_number_is_never_asked_again(store: Store, world: World,
                                                                         fake: FakeTwilio) -> None:
    first, second = (add_message(store, world.customers[0], state="approved", channel="sms", body=text)
                     for text in ("One", "Two"))
    fake.stopped.add("+15550100000")
    report = _run(store, fake)
    assert fake.outbound() == [] and fake.posts == 1
    state, retryable, error = _state(store, first)
    assert (state, retryable) == ("failed", 0) and "STOP" in error and "21610" in error
    assert report.unreachable == [(first, error)]
    assert not consent.has_consent(store, world.customers[0], "sms", "one_to_one")
    assert _state(store, second)[0] == "cancelled"
    _run(store, fake)
    assert fake.posts == 1  # a later run does not ask again either


def test_a_landline_is_marked_unreachable_by_twilio_code_and_a_5xx_after_acceptance_is_reconciled(
        store: Store, world: World, fake: FakeTwilio) -> None:
    from lookbook.outbox.channels import reachability

    landline = add_message(store, world.customers[1], state="approved", channel="sms", body="To a landline")
    fake.not_mobile.add("+15550100001")
    _run(store, fake)
    assert "21614" in _state(store, landline)[2]
    assert reachability.unreachable(store, world.customers[1], "sms") is not None
    accepted = add_message(store, world.customers[2], state="approved", channel="sms", body="Taken, then a 500")
    fake.faults.append(("500_after", 0.0))
    report = _run(store, fake)
    assert report.reconciled == [(accepted, "delivered")] and _state(store, accepted)[0] == "sent"
    assert len(fake.delivered("+15550100002", "Taken, then a 500")) == 1


def test_a_wrong_auth_token_stops_the_channel_and_keeps_the_messages_queued(store: Store, world: World,
                                                                             fake: FakeTwilio) -> None:
    mid = add_message(store, world.customers[0], state="approved", channel="sms", body="Hello")
    gen = Sender(direct(store), options=FAST, clock=_daytime_in_new_york,
                 clients={"sms": lambda s: sms.client_for(ACCOUNT_SID, "wrong", timeout_s=2.0,
                                                          api_url=fake.url)}).run()
    report = run_to_end(gen)
    assert "sms" in report.stopped and "20003" in report.stopped["sms"]
    assert _state(store, mid)[0] == "queued" and fake.outbound() == []


def test_mms_carries_the_card_to_us_numbers_only_and_other_countries_get_the_products_in_words(
        store: Store, world: World, fake: FakeTwilio) -> None:
    from lookbook.outbox.channels.interface import Job
    from lookbook.outbox.compose import Picture

    settings = sms.SmsSettings(ACCOUNT_SID, SERVICE_SID, media_base_url="https://cards.example.com/lookbook")
    conn = sms.SmsConnection(_client(fake), settings)

    class Steps:
        library_id = "lib"
        phases: list[str] = []

        def phase(self, name: str, **detail: Any) -> None:
            self.phases.append(name)

        def db(self, fn: Any) -> Any:
            return fn(store)

    shirt = Picture(Path("cards/c1.jpg"), "Oxford shirt", "Oxford shirt · $89 · sizes M, L")
    for n, to in enumerate(("+15550100000", "+441614960000")):
        job = Job(n + 1, n + 1, "sms", 1, "New in: card 4111 1111 1111 1111", "", Path("cards/set1-c1.jpg"),
                  (shirt,), to, "Cust")
        conn.send(job, Steps())  # type: ignore[arg-type]
    us, gb = fake.outbound()
    assert us["media"] == ["https://cards.example.com/lookbook/set1-c1.jpg"] and "Oxford" not in us["body"]
    assert gb["media"] == [] and gb["body"].endswith("- Oxford shirt · $89 · sizes M, L")
    assert "4111 1111 1111 1111" not in us["body"] + gb["body"]  # card numbers masked on the wire


# -- replies by polling ------------------------------------------------------------------------------------------
def test_replies_are_polled_across_pages_stop_withdraws_start_restores_help_is_kept(store: Store, world: World,
                                                                                    fake: FakeTwilio) -> None:
    sent = add_message(store, world.customers[0], state="approved", channel="sms", body="New shirts")
    _run(store, fake)
    base = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    for n in range(120):  # more than one page of 100
        fake.inbound("+15550199999", f"chatter {n}", at=base)
    fake.inbound("+15550100000", "Love the blue one", at=base + dt.timedelta(seconds=1))
    fake.inbound("+15550100001", "STOP", at=base + dt.timedelta(seconds=2))
    fake.inbound("+15550100002", "HELP", at=base + dt.timedelta(seconds=3))
    report = sms.poll_replies(direct(store), client=_client(fake))
    assert len(report.new) == 123 and report.unknown_senders == 120
    assert fake.lists == 2  # 124 messages listed: two pages of 100
    assert report.withdrawn == [world.customers[1]]
    assert not consent.has_consent(store, world.customers[1], "sms", "one_to_one")
    assert consent.has_consent(store, world.customers[2], "sms", "one_to_one")  # HELP is not a stop
    [reply] = list_replies(store, customer_id=world.customers[0])
    assert (reply.channel, reply.message_id, reply.body) == ("sms", sent, "Love the blue one")
    # Reading again stores nothing twice; START opts the customer back in, in the ledger.
    fake.inbound("+15550100001", "START", at=base + dt.timedelta(seconds=4))
    again = sms.poll_replies(direct(store), client=_client(fake))
    assert len(again.new) == 1 and again.restarted == [world.customers[1]]
    assert consent.has_consent(store, world.customers[1], "sms", "one_to_one")


# -- phone numbers in the customer CSV ----------------------------------------------------------------------------
def test_the_customer_csv_reads_local_numbers_in_the_stores_country_and_reports_the_rest_by_line(
        store: Store, tmp_path: Path) -> None:
    from lookbook.customers.book import PHONE_COUNTRY_SETTING
    from lookbook.customers.csv_files import import_customers

    add_staff(store)
    store.set_setting(PHONE_COUNTRY_SETTING, "US")
    path = tmp_path / "customers.csv"
    path.write_text("first_name,email,phone\nAnn,ann@example.com,(555) 010-0100\n"
                    "Bo,bo@example.com,+44 161 496 0000\nCy,cy@example.com,555-0100\n"
                    "Di,di@example.com,call me\n", encoding="utf-8")
    report = import_customers(store, path, actor="maria")
    phones = dict(store.db.execute("SELECT first_name, phone FROM customers").fetchall())
    assert phones == {"Ann": "+15550100100", "Bo": "+441614960000"}
    assert [(p.line, p.column) for p in report.problems] == [(4, "phone"), (5, "phone")]
    assert "wrong number of digits" in report.problems[0].reason


# -- the command line ----------------------------------------------------------------------------------------------
def test_delivery_sms_keeps_the_token_in_the_keyring_and_preview_shows_segments(
        tmp_path: Path, memory_keyring: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.outbox.templates import save_template
    from lookbook.store import secrets
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    store = create_store(tmp_path / "lib")
    add_staff(store)
    world = add_world(store)
    for n, cid in enumerate(world.customers):
        store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [f"+1555010{n:04d}", cid])
        consent.record(store, cid, "sms", "one_to_one", True, by_user="test", source="test")
        store.db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance) VALUES (?, ?, 'like')",
                         [cid, world.brand_id])
    save_template(store, "sms", "Hi {first_name} 👋 new {brand} in your size", "alex")
    root = str(store.library.root)
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    monkeypatch.setenv("LOOKBOOK_TWILIO_AUTH_TOKEN", "tok-123")
    base = ["--library", root, "--as", "maria", "delivery", "sms"]
    assert main([*base, "--account-sid", ACCOUNT_SID, "--from", "+15550009999", "--country", "gb"]) == 0
    assert main(["--library", root, "--as", "alex", "delivery", "sms", "--account-sid", ACCOUNT_SID,
                 "--from", "+15550009999"]) != 0  # an associate may not
    assert main([*base, "--account-sid", "nope", "--from", "+15550009999"]) != 0
    assert "account SID 'nope'" in capsys.readouterr().err
    store = open_store(Library.locate(Path(root)))
    try:
        assert secrets.Vault.for_store(store).get(secrets.TWILIO_AUTH_TOKEN) == "tok-123"
        assert store.get_setting(sms.SETTING)["from_number"] == "+15550009999"
        assert store.get_setting("customers.phone_country") == "GB"
        assert "tok-123" not in str(store.db.execute("SELECT * FROM settings").fetchall())
    finally:
        store.close()
    assert main(["--library", root, "--as", "alex", "outbox", "preview", str(world.set_id), "--channel", "sms",
                 "--template", "sms"]) == 0
    assert "SMS segment (UCS-2" in capsys.readouterr().out


# -- answering a text from the Conversations page -----------------------------------------------------------------
def test_an_sms_reply_is_answered_by_sms_with_consent_masking_quiet_hours_and_stop_kept(store: Store, world: World,
                                                                                     fake: FakeTwilio) -> None:
    from lookbook.errors import InputError
    from lookbook.outbox import conversations

    ann, bob, _ = world.customers
    sent = add_message(store, ann, state="approved", channel="sms", body="New shirts")
    add_message(store, bob, state="approved", channel="sms", body="New shirts")
    _run(store, fake)
    base = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    fake.inbound("+15550100000", "Is the blue one in M?", at=base)
    fake.inbound("+15550100001", "STOP", at=base + dt.timedelta(seconds=1))
    sms.poll_replies(direct(store), client=_client(fake))

    # Answered on the channel the customer wrote on, through the outbox like any answer; the card number masked.
    answer = conversations.answer(store, ann, "Yes, one left in M. Pay in store, not 4111 1111 1111 1111.",
                                  actor="alex")
    channel, state, body, answers = store.db.execute(
        "SELECT m.channel, m.state, m.body, r.message_id FROM messages m JOIN replies r ON r.id = m.answers_reply_id"
        " WHERE m.id = ?", [answer.message_id]).fetchone()
    assert (channel, state, answers) == ("sms", "approved", sent) and "4111 1111 1111 1111" not in body
    # Held for the law's quiet hours in the customer's time like every text, then sent once.
    late = dt.datetime(2026, 12, 4, 3, 30, tzinfo=dt.UTC)  # 22:30 in New York
    assert _run(store, fake, clock=lambda: late).deferred == [(answer.message_id, "2026-12-04T13:00:00+00:00")]
    store.db.execute("UPDATE messages SET next_attempt_at = NULL WHERE id = ?", [answer.message_id])
    assert _run(store, fake).sent == [answer.message_id]
    [text] = fake.delivered("+15550100000", body)
    assert "Yes, one left in M." in text["body"]

    # A long answer says what it is billed as; one past Twilio's 1,600 characters is refused, naming the limit.
    long = conversations.answer(store, ann, "Thanks! 👗 " * 12, actor="alex")
    assert "It goes as 2 SMS segments (UCS-2, 131 characters; 70 fit one)." in long.warnings
    with pytest.raises(InputError, match="SMS takes at most 1,600"):
        conversations.answer(store, ann, "a" * 1601, actor="alex")
    # A customer who texted STOP is never answered.
    with pytest.raises(InputError, match="no one-to-one consent on SMS"):
        conversations.answer(store, bob, "Sorry to see you go", actor="alex")
