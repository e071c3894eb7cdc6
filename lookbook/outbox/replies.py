"""Customers' replies to DMs: fetched from X, threaded on the customer and the message, opt-outs honoured.

:func:`poll` reads the account's DM events newer than the last one seen (a cursor
kept in the library settings) and stores each customer's message in ``replies``,
linked to the customer (by X user id) and to the last message sent to them before
it. Reading again is harmless: ``replies`` is unique on (channel, event id).

A reply that clearly asks to stop ("STOP STOP", "Can you stop?", "unsubscribe", "baja",
"Arrêtez", "abmelden" ..., :mod:`lookbook.outbox.opt_out`) withdraws the customer's consent on that
channel at once, with a ledger entry whose source is ``reply``, and cancels the messages on that
channel that have not gone out yet. A reply that *may* ask to stop ("not interested", "who is
this?") pauses that channel for the customer (marked unreachable, so neither matching nor the
sender uses it) and gives their associate a task to confirm (:func:`lookbook.clienteling.tasks.confirm_opt_out`).
A card number in a reply is masked before it is stored, and the reply is flagged so the associate
is told to take payment safely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lookbook.customers import consent
from lookbook.hooks import Changes
from lookbook.outbox import opt_out
from lookbook.outbox.messages import IllegalTransition, transition
from lookbook.payment_cards import SAFE_PAYMENT_ADVICE, mask_card_numbers
from lookbook.store.database import Store, inserted_id, utcnow

if TYPE_CHECKING:
    # The X client (tweepy, requests, OAuth) loads when replies are polled, not with the customer profile and
    # the outbox page that list stored replies (issue 18: it cost the app's launch a third of a second).
    from lookbook.outbox.channels.x import DMEvent, XChannel

CURSOR_SETTING = "replies.x_cursor"
ACTOR = "replies"
#: Messages that may still be stopped when a customer opts out on their channel.
_UNSENT = ("draft", "pending", "approved", "queued", "failed")

def is_opt_out(text: str) -> bool:
    """Return whether a reply clearly asks to stop receiving messages (:func:`lookbook.outbox.opt_out.classify`)."""
    return opt_out.classify(text).kind == opt_out.STOP


@dataclass(frozen=True)
class Reply:
    """A stored reply."""

    id: int
    customer_id: int | None
    message_id: int | None
    channel: str
    external_id: str
    body: str
    received_at: str
    stop: bool = False
    card_masked: bool = False


@dataclass
class PollReport:
    """What one poll found."""

    new: list[Reply] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)  # customer ids
    unknown_senders: int = 0
    paused: list[int] = field(default_factory=list)  # customer ids whose channel waits for a confirmation
    warnings: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)


def _iso(event: DMEvent) -> str:
    return event.created_at.isoformat(timespec="seconds") if event.created_at else utcnow()


def _withdraw(store: Store, customer_id: int, channel: str, external_id: str) -> None:
    """Withdraw consent on ``channel`` in every scope and stop the messages not sent yet."""
    withdraw_channel(store, customer_id, channel, by_user=ACTOR,
                     note=f"the customer replied asking to stop (X event {external_id})")


def withdraw_channel(store: Store, customer_id: int, channel: str, *, by_user: str, note: str) -> None:
    """Withdraw consent on ``channel`` in every scope (source ``reply``) and cancel the messages not sent yet."""
    for scope in consent.SCOPES:
        if consent.has_consent(store, customer_id, channel, scope):
            consent.record(store, customer_id, channel, scope, False, by_user=by_user, source="reply", note=note)
    marks = ", ".join("?" * len(_UNSENT))
    for (message_id,) in store.db.execute(
            f"SELECT id FROM messages WHERE customer_id = ? AND channel = ? AND state IN ({marks})",
            [customer_id, channel, *_UNSENT]).fetchall():
        try:
            transition(store, message_id, "cancelled", ACTOR, comment="the customer asked to stop",
                       state_reason="the customer replied asking to stop")
        except IllegalTransition:
            pass  # a failed message that is not retryable stays failed: it will not go either way


def pause_to_confirm(store: Store, customer_id: int, channel: str, reply_id: int, body: str, why: str) -> None:
    """Pause the channel for the customer and ask their associate whether the reply was a request to stop."""
    from lookbook.clienteling import tasks
    from lookbook.outbox.channels import reachability

    reachability.mark_unreachable(store, customer_id, channel, "paused: a reply may ask to stop; the associate "
                                  "confirms (Tasks)", ACTOR)
    tasks.ask_to_confirm_opt_out(store, customer_id, channel, reply_id, body, why)


def store_replies(store: Store, events: Iterable[DMEvent], *, me: str, newest_id: str | None) -> PollReport:
    """Store incoming DM events as replies (oldest first) and move the cursor, in one transaction."""
    report = PollReport()
    with store.atomic():
        for event in sorted(events, key=lambda e: int(e.id)):
            if event.sender_id is None or event.sender_id == me or event.event_type != "MessageCreate":
                continue
            row = store.db.execute("SELECT id FROM customers WHERE x_user_id = ?", [event.sender_id]).fetchone()
            customer_id = row[0] if row else None
            received_at = _iso(event)
            message = store.db.execute(
                "SELECT id FROM messages WHERE customer_id = ? AND channel = 'x' AND state = 'sent' AND sent_at <= ?"
                " ORDER BY sent_at DESC, id DESC LIMIT 1", [customer_id, received_at]).fetchone() \
                if customer_id is not None else None
            body, card = mask_card_numbers(event.text)
            cur = store.db.execute(
                "INSERT OR IGNORE INTO replies (customer_id, message_id, channel, external_id, body, received_at)"
                " VALUES (?, ?, 'x', ?, ?, ?)", [customer_id, message[0] if message else None, event.id, body,
                                                  received_at])
            if cur.rowcount != 1:
                continue  # seen before
            verdict = opt_out.classify(event.text)
            stop = verdict.kind == opt_out.STOP
            reply = Reply(inserted_id(cur), customer_id, message[0] if message else None, "x", event.id, body,
                          received_at, stop, card)
            store.audit(ACTOR, "reply.receive", "reply", reply.id, customer_id=customer_id, message_id=reply.message_id,
                        channel="x", opt_out=stop, opt_out_maybe=verdict.kind == opt_out.MAYBE, card_masked=card)
            if customer_id is None:
                report.unknown_senders += 1
            elif stop:
                _withdraw(store, customer_id, "x", event.id)
                report.withdrawn.append(customer_id)
            elif verdict.kind == opt_out.MAYBE:
                pause_to_confirm(store, customer_id, "x", reply.id, body, verdict.why)
                report.paused.append(customer_id)
                report.warnings.append(
                    f"reply {reply.id} from customer {customer_id} may ask to stop ({verdict.why}): X is paused for "
                    "them until their associate confirms (`lookbook tasks list`)")
            if card:
                report.warnings.append(f"reply {reply.id}: {SAFE_PAYMENT_ADVICE}")
            report.new.append(reply)
        if newest_id is not None:
            store.set_setting(CURSOR_SETTING, newest_id)
    report.changes = store.notify(Changes(customers=bool(report.withdrawn or report.paused), outbox=bool(report.new),
                                          audit=bool(report.new)))
    return report


def poll(db: Callable[[Callable[[Store], Any]], Any], *, x: Callable[[Store], XChannel] | None = None) -> PollReport:
    """Fetch DM events newer than the last poll and store the customers' replies.

    :param db: runs a function with the store (see :data:`lookbook.outbox.sender.DbCall`).
    :param x: makes the X channel (default: the library's sign-in).
    :raises DeliveryError: if X cannot be asked (not signed in, rate-limited, unreachable).
    """
    from lookbook.outbox.channels import accounts
    from lookbook.outbox.sender import save_rates  # the sender owns the rate-limit table's helpers

    channel: XChannel = db(x or accounts.x_channel)
    try:
        cursor = db(lambda s: s.get_setting(CURSOR_SETTING))
        me = db(lambda s: accounts.x_settings(s).get("user_id")) or channel.me()[0]
        try:
            events = list(channel.recent_events(newer_than=cursor))
        finally:
            rates = dict(channel.rates)
            db(lambda s: save_rates(s, "x", rates))
    finally:
        # The poll made the channel, so it closes it: each poll left its kept-alive socket to X open until the
        # garbage collector came by.
        channel.close()
    newest = max((e.id for e in events), key=int, default=None)
    report = db(lambda s: store_replies(s, events, me=str(me), newest_id=newest))
    if not channel.events_complete:
        report.warnings.append(
            f"more than {len(events):,} direct messages came in since the last check; the oldest of them were not "
            "read, so a request to stop among them may be missed: look through the X inbox for that period")
    return report


def list_replies(store: Store, *, customer_id: int | None = None, message_id: int | None = None) -> list[Reply]:
    """Return stored replies, oldest first, of one customer or one message (or all)."""
    sql = "SELECT id, customer_id, message_id, channel, external_id, body, received_at FROM replies WHERE 1 = 1"
    params: list[Any] = []
    if customer_id is not None:
        sql += " AND customer_id = ?"
        params.append(customer_id)
    if message_id is not None:
        sql += " AND message_id = ?"
        params.append(message_id)
    rows = store.db.execute(sql + " ORDER BY received_at, id", params).fetchall()
    # "•" is the mask lookbook.payment_cards writes over a card number's digits.
    return [Reply(id_, customer_id_, message_id_, channel, external_id, body, received_at,
                  stop=is_opt_out(body), card_masked="•" in body)
            for id_, customer_id_, message_id_, channel, external_id, body, received_at in rows]
