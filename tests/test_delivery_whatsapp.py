"""WhatsApp through the Cloud API, against the fake Graph API on 127.0.0.1 (the exactly-once and fault suite runs
on it in test_sender_channels.py): template for first contact with the card as its image header, free text only
inside the 24-hour window, template status, opt-in, 131050 and 131026, the ``delivery whatsapp`` verb."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.fake_whatsapp import PHONE_NUMBER_ID, TEMPLATE, TOKEN, WABA_ID, FakeWhatsApp
from lookbook.customers import consent
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import reachability, registry, whatsapp
from lookbook.outbox.sender import Sender, SenderOptions, SendReport, direct
from lookbook.progress import run_to_end
from lookbook.store.database import Store
from outbox_support import World, add_message, add_staff, add_world

FAST = SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)


@pytest.fixture
def fake(memory_keyring: object) -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp().running() as graph:
        yield graph


@pytest.fixture
def world(store: Store, fake: FakeWhatsApp) -> World:
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=3)
    whatsapp.save_settings(store, {"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID, "template": TEMPLATE,
                                   "timeout_s": 2.0}, "admin", token=TOKEN)
    for n, cid in enumerate(world.customers):
        store.db.execute("UPDATE customers SET phone = ? WHERE id = ?", [f"+44770090{n:04d}", cid])
        consent.record(store, cid, "whatsapp", "one_to_one", True, by_user="test", source="test")
    return world


def _approved(store: Store, customer_id: int, body: str) -> int:
    mid = add_message(store, customer_id, state="approved", channel="whatsapp", body=body)
    store.db.execute("UPDATE messages SET attachment = 'originals/p0.jpg' WHERE id = ?", [mid])
    return mid


def _run(store: Store, fake: FakeWhatsApp) -> SendReport:
    gen = Sender(direct(store), options=FAST, clients={"whatsapp": lambda s: fake.url}).run()
    return run_to_end(gen)


def _wrote(store: Store, customer_id: int, hours_ago: float) -> None:
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)).isoformat(timespec="seconds")
    store.db.execute("INSERT INTO replies (customer_id, channel, external_id, body, received_at)"
                     " VALUES (?, 'whatsapp', ?, 'Hi!', ?)", [customer_id, f"wamid.in{customer_id}{hours_ago}", at])


def test_first_contact_is_the_approved_template_with_the_card_as_its_image_header(store: Store, world: World,
                                                                                  fake: FakeWhatsApp) -> None:
    mid = _approved(store, world.customers[0], "New Marlowe shirts in your size: M")
    assert "approved template 'new_arrivals'" in registry.get("whatsapp").drafting_rule(store, world.customers[0])
    assert _run(store, fake).sent == [mid]
    [sent] = fake.messages
    assert sent["type"] == "template" and sent["to"] == "447700900000"
    assert sent["template"]["name"] == TEMPLATE and sent["template"]["language"] == {"code": "en_US"}
    header, body = sent["template"]["components"]
    assert header == {"type": "header", "parameters": [{"type": "image", "image": {"id": "9001"}}]}
    assert [p["text"] for p in body["parameters"]] == ["Cust0", "New Marlowe shirts in your size: M"]
    assert len(fake.media) == 1 and b"\xff\xd8\xff" in fake.media[0]  # the card went up as a JPEG


def test_free_text_only_inside_the_24_hour_window(store: Store, world: World, fake: FakeWhatsApp) -> None:
    inside, outside = world.customers[0], world.customers[1]
    _wrote(store, inside, hours_ago=3)
    _wrote(store, outside, hours_ago=25)
    kind = registry.get("whatsapp")
    assert kind.drafting_rule(store, inside).startswith("free text: inside the 24-hour window")
    assert "no message from them in the last 24 hours" in kind.drafting_rule(store, outside)
    a, b = _approved(store, inside, "The blue one is back"), _approved(store, outside, "The blue one is back")
    assert sorted(_run(store, fake).sent) == [a, b]
    kinds = {m["to"]: m["type"] for m in fake.messages}
    assert kinds == {"447700900000": "image", "447700900001": "template"}
    assert fake.messages[0]["image"]["caption"] == "The blue one is back"


def test_a_template_not_approved_stops_whatsapp_and_keeps_the_messages(store: Store, world: World,
                                                                       fake: FakeWhatsApp) -> None:
    fake.template_status = "PAUSED"
    mid = _approved(store, world.customers[0], "Hello")
    report = _run(store, fake)
    assert "PAUSED, not APPROVED" in report.stopped["whatsapp"] and fake.messages == []
    assert store.db.execute("SELECT state FROM messages WHERE id = ?", [mid]).fetchone()[0] == "queued"


def test_stopped_marketing_withdraws_the_opt_in_and_a_block_marks_whatsapp_unreachable(
        store: Store, world: World, fake: FakeWhatsApp) -> None:
    stopped, blocked = world.customers[0], world.customers[1]
    fake.stopped_marketing.add("447700900000")
    fake.undeliverable.add("447700900001")
    first, later = _approved(store, stopped, "One"), _approved(store, stopped, "Two")
    refused = _approved(store, blocked, "Three")
    report = _run(store, fake)
    assert fake.messages == [] and fake.posts == 2  # each asked once; the second message never went
    assert not consent.has_consent(store, stopped, "whatsapp", "one_to_one")
    assert "131050" in dict(report.unreachable)[first]
    assert store.db.execute("SELECT state FROM messages WHERE id = ?", [later]).fetchone()[0] == "cancelled"
    assert reachability.unreachable(store, blocked, "whatsapp") is not None and "131026" in dict(
        report.unreachable)[refused]
    assert reachability.next_channel(store, refused) not in (None, "whatsapp")  # another channel is offered


def test_delivery_whatsapp_keeps_the_token_in_the_keyring(tmp_path: Path, memory_keyring: object,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.store import secrets
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library

    store = create_store(tmp_path / "lib")
    add_staff(store)
    root = str(store.library.root)
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    monkeypatch.setenv("LOOKBOOK_WHATSAPP_TOKEN", "EAAG-secret")
    args: list[Any] = ["--library", root, "--as", "maria", "delivery", "whatsapp", "--phone-number-id",
                       PHONE_NUMBER_ID, "--waba-id", WABA_ID, "--template", TEMPLATE]
    assert main(args) == 0
    assert main([*args[:-6], "--phone-number-id", "abc", "--waba-id", WABA_ID, "--template", TEMPLATE]) != 0
    assert "phone number id 'abc'" in capsys.readouterr().err
    store = open_store(Library.locate(Path(root)))
    try:
        assert secrets.Vault.for_store(store).get(secrets.WHATSAPP_TOKEN) == "EAAG-secret"
        assert store.get_setting(whatsapp.SETTING)["template"] == TEMPLATE
        assert "EAAG-secret" not in str(store.db.execute("SELECT * FROM settings").fetchall())
    finally:
        store.close()
