"""The outbox: messages to customers and the one place their state changes are checked.

A message moves through these states::

    draft -> pending -> approved -> queued -> sending -> sent
                     \\-> rejected        \\-> cancelled   \\-> failed -> queued (retryable)
                     \\-> expired                          \\-> queued (not delivered, retry later)

Every change of state goes through :func:`transition`, which checks the table below,
re-checks the customer's consent where a message gets closer to the customer (drafting,
approval, the start of a send), refuses an approval by a non-manager or by the person who
drafted the message, writes the audit log, and does all of it in one transaction.
Approval is data on a row: nothing here ever asks a person anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lookbook.consent import has_consent
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store import Store, utcnow

STATES = ("draft", "pending", "approved", "rejected", "queued", "sending", "sent", "failed", "cancelled",
          "expired")

#: Allowed moves, from state to the states it may go to.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"pending", "cancelled"}),
    # pending -> pending is an edit during review; pending -> draft is the drafter taking it back.
    "pending": frozenset({"pending", "approved", "rejected", "expired", "draft", "cancelled"}),
    # approved -> pending: the body was edited after approval, so it needs approval again.
    "approved": frozenset({"queued", "cancelled", "pending"}),
    # A rejected message may be reworked by its drafter and submitted again.
    "rejected": frozenset({"draft"}),
    "queued": frozenset({"sending", "cancelled"}),
    # sending -> queued: the sender reconciled an ambiguous attempt and found it not delivered.
    "sending": frozenset({"sent", "failed", "queued"}),
    "failed": frozenset({"queued", "cancelled"}),
    "sent": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset({"draft"}),
}

#: Columns a transition may set besides ``state`` and ``updated_at``.
TRANSITION_FIELDS = frozenset({
    "external_id", "sent_at", "error", "retryable", "attempts", "next_attempt_at", "body", "subject",
    "attachment", "decided_by", "decision_comment", "submitted_at", "state_reason", "channel",
})

#: Transitions that bring a message closer to a customer: consent is checked again at each.
_CONSENT_CHECKED = {("pending", "approved"), ("queued", "sending")}
#: Roles that may approve or reject.
APPROVER_ROLES = ("manager",)


class IllegalTransition(InputError):
    """A message cannot move from its state to the one asked for; the message says why."""


class ConsentMissing(IllegalTransition):
    """The customer does not (or no longer) consent to this message on its channel."""


def message_scope(store: Store, set_id: int | None) -> str:
    """Return the consent scope a message of ``set_id`` needs (one-to-one when it has no set)."""
    if set_id is None:
        return "one_to_one"
    row = store.db.execute("SELECT scope FROM sets WHERE id = ?", [set_id]).fetchone()
    return row[0] if row else "one_to_one"


def check_consent(store: Store, message_id: int | None, customer_id: int, channel: str, scope: str) -> None:
    """Refuse with :class:`ConsentMissing` unless the customer consents to ``scope`` on ``channel``."""
    if not has_consent(store, customer_id, channel, scope):
        what = f"message {message_id}" if message_id is not None else "a message"
        raise ConsentMissing(
            f"{what}: customer {customer_id} has no {scope.replace('_', '-')} consent on {channel}; "
            "record their consent first or choose another channel."
        )


def _user_role(store: Store, username: str) -> str | None:
    row = store.db.execute("SELECT role FROM users WHERE username = ? AND active = 1", [username]).fetchone()
    return row[0] if row else None


def _check_decider(store: Store, message_id: int, to: str, actor: str, drafted_by: str) -> None:
    verb = "approve" if to == "approved" else "reject"
    if _user_role(store, actor) not in APPROVER_ROLES:
        raise IllegalTransition(f"message {message_id}: only a manager may {verb} messages; '{actor}' is not one.")
    if actor.casefold() == drafted_by.casefold():
        raise IllegalTransition(
            f"message {message_id}: '{actor}' drafted it and no one may {verb} what they drafted; "
            "ask another manager."
        )


def transition(store: Store, message_id: int, to: str, actor: str, *, comment: str | None = None,
               **fields: Any) -> Changes:
    """Move a message to state ``to``, checking that the move is allowed, in one transaction.

    :param message_id: the message to move.
    :param to: one of :data:`STATES`.
    :param actor: who does it (a user name, or ``sender`` for the delivery loop); written to the audit log.
    :param comment: a note kept in the audit log (and as the decision comment on approve/reject).
    :param fields: other columns to set at the same time, from :data:`TRANSITION_FIELDS`
        (``external_id``, ``sent_at``, ``error``, ``retryable``, ``attempts``, ``next_attempt_at`` ...).
    :raises IllegalTransition: if the move is not in the table, the message is missing, a non-manager or the
        drafter approves/rejects, or a retry is asked of a failure that is not retryable.
    :raises ConsentMissing: on approve or queued -> sending when the customer no longer consents.
    """
    if to not in STATES:
        raise IllegalTransition(f"message {message_id}: '{to}' is not a state; use one of {', '.join(STATES)}.")
    unknown = set(fields) - TRANSITION_FIELDS
    if unknown:
        raise TypeError(f"transition() cannot set {', '.join(sorted(unknown))}")
    with store.atomic():
        row = store.db.execute(
            "SELECT state, customer_id, channel, set_id, drafted_by, retryable, body FROM messages WHERE id = ?",
            [message_id],
        ).fetchone()
        if row is None:
            raise IllegalTransition(f"message {message_id}: no such message; check the id with `outbox list`.")
        state, customer_id, channel, set_id, drafted_by, retryable, body = row
        if to not in TRANSITIONS[state]:
            allowed = ", ".join(sorted(TRANSITIONS[state])) or "nothing (it is final)"
            raise IllegalTransition(f"message {message_id}: cannot go from {state} to {to}; from {state} it may "
                                    f"go to {allowed}.")
        if to in ("approved", "rejected"):
            _check_decider(store, message_id, to, actor, drafted_by)
            fields.setdefault("decided_by", actor)
            fields.setdefault("decision_comment", comment)
        if state == "failed" and to == "queued" and not fields.get("retryable", retryable):
            raise IllegalTransition(f"message {message_id}: its failure is not retryable; cancel it or draft a "
                                    "new message.")
        if (state, to) in _CONSENT_CHECKED:
            check_consent(store, message_id, customer_id, fields.get("channel", channel),
                          message_scope(store, set_id))
        now = utcnow()
        if to == "pending" and state != "pending":
            fields.setdefault("submitted_at", now)
        assignments = {"state": to, "updated_at": now, **fields}
        sql_set = ", ".join(f"{column} = ?" for column in assignments)
        # Compare-and-set on the state read above, so a concurrent writer cannot slip a move in between.
        cur = store.db.execute(f"UPDATE messages SET {sql_set} WHERE id = ? AND state = ?",
                               [*assignments.values(), message_id, state])
        if cur.rowcount != 1:
            raise IllegalTransition(f"message {message_id}: changed while moving it to {to}; try again.")
        detail: dict[str, Any] = {"from": state, "to": to}
        if comment:
            detail["comment"] = comment
        if "body" in fields and fields["body"] != body:
            detail["original_body"] = body
        detail.update({k: v for k, v in fields.items() if k not in ("body", "decided_by", "decision_comment")})
        if "body" in fields:
            detail["body"] = fields["body"]
        store.audit(actor, f"message.{_ACTION.get((state, to), to)}", "message", message_id, **detail)
    store.hooks.outbox_did_change([message_id])
    return store.notify(Changes(outbox=True, audit=True))


_ACTION = {("draft", "pending"): "submit", ("pending", "approved"): "approve", ("pending", "rejected"): "reject",
           ("pending", "pending"): "edit", ("approved", "pending"): "edit", ("pending", "expired"): "expire",
           ("queued", "sending"): "send_start", ("sending", "sent"): "sent", ("sending", "failed"): "fail",
           ("sending", "queued"): "requeue", ("failed", "queued"): "retry", ("approved", "queued"): "queue"}


def message_state(store: Store, message_id: int) -> str:
    """Return a message's state.

    :raises InputError: if there is no such message.
    """
    row = store.db.execute("SELECT state FROM messages WHERE id = ?", [message_id]).fetchone()
    if row is None:
        raise InputError(f"message {message_id}: no such message; check the id with `outbox list`.")
    return str(row[0])


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True)
