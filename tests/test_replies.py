"""Replies: fetched from the fake X, threaded, opt-outs withdraw consent at once, card numbers masked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fakes.fake_x import FakeX
from lookbook.customers import consent
from lookbook.outbox.channels.x import OAuth2Token, XChannel, XEndpoints
from lookbook.outbox.messages import transition
from lookbook.outbox.replies import is_opt_out, list_replies, poll
from lookbook.outbox.sender import direct
from lookbook.store.database import Store
from outbox_support import World, add_message, add_staff, add_world


@pytest.fixture
def world(store: Store) -> World:
    add_staff(store)
    return add_world(store, customers=2, with_photos=False)


def _x(fake: FakeX):
    return lambda store: XChannel(token=OAuth2Token(fake.issue_token()),
                                  endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url}))


def _sent(store: Store, customer_id: int, fake: FakeX, body: str) -> int:
    mid = add_message(store, customer_id, state="approved", body=body)
    transition(store, mid, "queued", "sender")
    transition(store, mid, "sending", "sender", attempts=1)
    participant = store.db.execute("SELECT x_user_id FROM customers WHERE id = ?", [customer_id]).fetchone()[0]
    event = fake._record(fake.me_id, participant, body, None)
    transition(store, mid, "sent", "sender", external_id=event["id"], sent_at="2020-01-01T00:00:00+00:00")
    return mid


@pytest.mark.parametrize("text", ["STOP", "Stop.", "stop please", "Unsubscribe", "please stop messaging me",
                                  "Don't message me again", "baja", "Darme de baja por favor", "Désabonner",
                                  "ARRÊT", "Abmelden bitte", "keine Nachrichten mehr", "basta", "opt out",
                                  "Remove me from your list", "stopp"])
def test_opt_out_in_several_languages(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["I can't stop looking at that shirt!", "Do you have it in M?", "Thanks, love it",
                                  "Where is the store? Bus stop near it?", "Is it non-stop delivery"])
def test_ordinary_replies_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)


def test_replies_are_threaded_on_customer_and_message_and_polling_is_idempotent(
        store: Store, world: World, fake_x: FakeX) -> None:
    ann, bob = world.customers
    to_ann = _sent(store, ann, fake_x, "New shirts for you")
    fake_x.receive_dm("1000", "Do you have the navy one in M?")
    fake_x.receive_dm("999999", "who is this?")  # not a customer
    report = poll(direct(store), x=_x(fake_x))
    assert [(r.customer_id, r.message_id, r.body) for r in report.new] == [
        (ann, to_ann, "Do you have the navy one in M?"), (None, None, "who is this?")]
    assert report.unknown_senders == 1 and not report.withdrawn
    assert [r.body for r in list_replies(store, message_id=to_ann)] == ["Do you have the navy one in M?"]
    # Polling again finds nothing new (cursor), and even a forced re-read stores nothing twice.
    assert poll(direct(store), x=_x(fake_x)).new == []
    store.set_setting("replies.x_cursor", None)
    assert poll(direct(store), x=_x(fake_x)).new == []
    assert store.db.execute("SELECT count(*) FROM replies").fetchone()[0] == 2
    assert list_replies(store, customer_id=bob) == []


def test_a_poll_closes_the_x_channel_it_made_also_when_x_refuses(store: Store, world: World,
                                                                  fake_x: FakeX) -> None:
    """Each poll made an X channel and left its kept-alive socket open until the garbage collector came by."""
    from lookbook.outbox.channels import DeliveryError

    made: list[XChannel] = []

    def recording(token: str) -> Callable[[Store], XChannel]:
        def make(store: Store) -> XChannel:
            made.append(XChannel(token=OAuth2Token(token),
                                 endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake_x.base_url})))
            return made[-1]
        return make

    def kept_alive(channel: XChannel) -> int:
        return len(channel.session.get_adapter(fake_x.base_url).poolmanager.pools)

    fake_x.receive_dm("1000", "Do you have the navy one in M?")
    assert len(poll(direct(store), x=recording(fake_x.issue_token())).new) == 1
    with pytest.raises(DeliveryError):
        poll(direct(store), x=recording("not-a-token"))
    assert [kept_alive(channel) for channel in made] == [0, 0]
    # A channel made for one question closes on leaving its block.
    with XChannel(token=OAuth2Token(fake_x.issue_token()),
                  endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake_x.base_url})) as x:
        x.me()
        assert kept_alive(x) == 1
    assert kept_alive(x) == 0


def test_stop_withdraws_consent_at_once_and_cancels_unsent_messages(store: Store, world: World,
                                                                     fake_x: FakeX) -> None:
    ann = world.customers[0]
    _sent(store, ann, fake_x, "New shirts for you")
    waiting = add_message(store, ann, state="approved", body="Another one")
    by_email = add_message(store, ann, state="approved", channel="email", body="By e-mail")
    fake_x.receive_dm("1000", "STOP")
    report = poll(direct(store), x=_x(fake_x))
    assert report.withdrawn == [ann] and report.new[0].stop
    state = consent.consent_state(store, ann, "x", "one_to_one")
    assert (state.granted, state.source, state.by_user) == (False, "reply", "replies")
    assert consent.has_consent(store, ann, "email")  # only the channel the customer wrote on
    rows = dict(store.db.execute("SELECT id, state FROM messages WHERE id IN (?, ?)", [waiting, by_email]).fetchall())
    assert rows == {waiting: "cancelled", by_email: "approved"}


def test_card_numbers_in_replies_are_masked_before_storage(store: Store, world: World, fake_x: FakeX) -> None:
    fake_x.receive_dm("1001", "Here is my card 4111 1111 1111 1111, send it!")
    report = poll(direct(store), x=_x(fake_x))
    [reply] = report.new
    assert "4111 1111 1111 1111" not in reply.body and reply.body.endswith("1111, send it!") and reply.card_masked
    assert "payment" in report.warnings[0]
    dump = "\n".join(store.db.conn.iterdump())
    assert "4111 1111 1111 1111" not in dump


def test_a_stop_among_hundreds_of_messages_since_the_last_check_is_still_read(
        store: Store, world: World, fake_x: FakeX, monkeypatch) -> None:
    # The poll used to read five pages (500 events) and then move its cursor to the newest: a
    # STOP sent early in a busy day was never seen. With a cursor, every page back to it is read.
    ann = world.customers[0]
    _sent(store, ann, fake_x, "New shirts for you")
    poll(direct(store), x=_x(fake_x))  # the cursor is set here
    fake_x.receive_dm("1000", "STOP")
    for i in range(650):
        fake_x.receive_dm("999999", f"spam {i}")  # not a customer: a flood after the STOP
    report = poll(direct(store), x=_x(fake_x))
    assert report.withdrawn == [ann] and not report.warnings
    assert not consent.has_consent(store, ann, "x")
    assert store.db.execute("SELECT count(*) FROM replies").fetchone()[0] == 651

    # Past the catch-up limit the poll says so instead of passing over it in silence.
    import lookbook.outbox.channels.x as x_module

    monkeypatch.setattr(x_module, "CATCH_UP_PAGES", 2)  # fewer than the five a first check reads
    for i in range(650):
        fake_x.receive_dm("999999", f"more {i}")
    report = poll(direct(store), x=_x(fake_x))
    assert len(report.new) == 500 and "a request to stop among them may be missed" in report.warnings[0]
