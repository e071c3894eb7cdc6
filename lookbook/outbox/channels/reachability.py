"""Customers who cannot be reached on a channel, and offering them another one.

X delivers a DM only when the recipient follows the sender or accepts DMs from
anyone, and the API cannot say so in advance: the refusal comes back when we send.
Such a refusal is permanent for that customer on that channel, so the channel is
marked unreachable (``channel_status``: reason and date) and is not tried again
until a person clears it. The app then *offers* the customer's next consented
channel (e-mail): a new message that goes through approval again. Nothing ever
falls back on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from lookbook.customers.consent import has_consent
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import registry
from lookbook.outbox.channels.interface import DEFAULT_SUBJECT
from lookbook.outbox.messages import IllegalTransition, message_scope, transition
from lookbook.store.database import Store, inserted_id, utcnow


@dataclass(frozen=True)
class Unreachable:
    """Why and since when a customer cannot be reached on a channel."""

    channel: str
    reason: str
    since: str


def unreachable(store: Store, customer_id: int, channel: str) -> Unreachable | None:
    """Return why the customer cannot be reached on ``channel``, or None if nothing is known against it."""
    row = store.db.execute(
        "SELECT unreachable_reason, unreachable_at FROM channel_status WHERE customer_id = ? AND channel = ?"
        " AND unreachable_at IS NOT NULL", [customer_id, channel]).fetchone()
    return Unreachable(channel, row[0] or "", row[1]) if row else None


def mark_unreachable(store: Store, customer_id: int, channel: str, reason: str, actor: str,
                     message_id: int | None = None) -> Changes:
    """Record that the customer cannot be reached on ``channel`` (the reason and today's date)."""
    now = utcnow()
    with store.atomic():
        store.db.execute(
            "INSERT INTO channel_status (customer_id, channel, unreachable_reason, unreachable_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (customer_id, channel) DO UPDATE SET unreachable_reason = excluded.unreachable_reason,"
            " unreachable_at = excluded.unreachable_at", [customer_id, channel, reason, now])
        store.audit(actor, "customer.channel_unreachable", "customer", customer_id, channel=channel, reason=reason,
                    message_id=message_id)
    return store.notify(Changes(customers=True, audit=True))


def clear_unreachable(store: Store, customer_id: int, channel: str, actor: str, note: str) -> Changes:
    """Try the channel again (say, the customer now follows the store on X); the note says why.

    :raises InputError: if the note is empty.
    """
    if not note.strip():
        raise InputError("note: say why the channel can be tried again (e.g. 'customer follows us now').")
    with store.atomic():
        store.db.execute("UPDATE channel_status SET unreachable_reason = NULL, unreachable_at = NULL"
                         " WHERE customer_id = ? AND channel = ?", [customer_id, channel])
        store.audit(actor, "customer.channel_reachable", "customer", customer_id, channel=channel, note=note)
    return store.notify(Changes(customers=True, audit=True))


def next_channel(store: Store, message_id: int) -> str | None:
    """Return the channel to offer instead of a failed message's own, or None if there is none.

    It must be another channel, one the customer has an address on, consents to for the
    message's scope, and is not marked unreachable on.
    """
    row = store.db.execute("SELECT customer_id, channel, set_id FROM messages WHERE id = ?", [message_id]).fetchone()
    if row is None:
        return None
    customer_id, failed_channel, set_id = row
    scope = message_scope(store, set_id)
    cur = store.db.execute("SELECT * FROM customers WHERE id = ?", [customer_id])
    customer = dict(zip([c[0] for c in cur.description], cur.fetchone() or (), strict=False))
    for kind in registry.fallback_order():
        if kind.name == failed_channel or not kind.address(customer):
            continue
        if has_consent(store, customer_id, kind.name, scope) and unreachable(store, customer_id, kind.name) is None:
            return kind.name
    return None


def offer_next_channel(store: Store, message_id: int, actor: str) -> int:
    """Draft the failed message again on the customer's next channel and submit it for approval.

    The failed message is cancelled (it points at the new one); the new message is
    drafted by ``actor`` and goes to ``pending``, so a manager other than ``actor``
    approves it before anything is sent.

    :raises IllegalTransition: if the message has not failed for good, or no other channel is possible.
    :raises PermissionDenied: if ``actor``'s role may not draft (see :mod:`lookbook.store.roles`).
    """
    # Imported here: roles sits beside the outbox, which imports this module's neighbours.
    from lookbook.store import roles

    roles.require(store, actor, "outbox.offer")
    row = store.db.execute(
        "SELECT state, retryable, set_id, customer_id, channel, subject, body, attachment, match_reason, offer,"
        " template_id, error FROM messages WHERE id = ?", [message_id]).fetchone()
    if row is None:
        raise IllegalTransition(f"message {message_id}: no such message; check the id with `outbox list`.")
    state, retryable, set_id, customer_id, channel, subject, body, attachment, reason, offer, template_id, error = row
    if state != "failed" or retryable:
        raise IllegalTransition(f"message {message_id}: only a message that failed for good can be offered on "
                                f"another channel; it is {state}{' (retryable)' if retryable else ''}.")
    other = next_channel(store, message_id)
    if other is None:
        raise IllegalTransition(f"message {message_id}: the customer has no other channel they consent to and "
                                "can be reached on; record their consent or an address first.")
    if registry.get(other).limits.subject is not None and not (subject or "").strip():
        brand = store.db.execute("SELECT b.name FROM sets s JOIN brands b ON b.id = s.brand_id WHERE s.id = ?",
                                 [set_id]).fetchone() if set_id is not None else None
        subject = f"{brand[0]}: {DEFAULT_SUBJECT.lower()}" if brand else DEFAULT_SUBJECT
    now = utcnow()
    with store.atomic():
        new_id = inserted_id(store.db.execute(
            "INSERT INTO messages (set_id, customer_id, channel, state, subject, body, attachment, match_reason,"
            " drafted_by, created_at, updated_at, offer, template_id)"
            " VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [set_id, customer_id, other, subject or "", body, attachment,
             f"{reason}; offered on {other} because {channel} failed: {error}", actor, now, now, offer,
             template_id]))
        store.audit(actor, "message.offer_channel", "message", new_id, replaces=message_id, channel=other,
                    failed_channel=channel, failure=error)
        transition(store, new_id, "pending", actor, comment=f"offered on {other} instead of message {message_id}")
        transition(store, message_id, "cancelled", actor, comment=f"offered on {other} as message {new_id}",
                   state_reason=f"offered on {other} as message {new_id}")
    return new_id
