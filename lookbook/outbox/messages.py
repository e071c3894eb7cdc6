"""The outbox: messages to customers and the one place their state changes are checked.

A message moves through these states::

    draft -> pending -> approved -> queued -> sending -> sent
                     \\-> rejected        \\-> cancelled   \\-> failed -> queued (retryable)
                     \\-> expired                          \\-> queued (not delivered, retry later)

Every change of state goes through :func:`transition`, which checks the table below,
re-checks the customer's consent where a message gets closer to the customer (drafting,
approval, the start of a send), refuses an approval by a non-manager, by the person who
drafted the message or by whoever last changed it (``changed_by``: its text, subject,
picture or its set's shots; the two-person rule), writes the audit log, and does all of it
in one transaction.
Approval is data on a row: nothing here ever asks a person anything.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from lookbook.catalog import holds
from lookbook.customers.consent import has_consent, one_to_one_owner_problem
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.lookbooks.sets import set_products, stale_shots_problem
from lookbook.outbox.channels import registry
from lookbook.outbox.compose import card_picture, personalise, pictures_json, store_footer
from lookbook.outbox.quiet_hours import local_time
from lookbook.outbox.templates import Preview, Template, channel_problems, get_template
from lookbook.payment_cards import SAFE_PAYMENT_ADVICE, mask_card_numbers
from lookbook.store import roles, settings
from lookbook.store.database import Store, inserted_id, utcnow
from lookbook.store.users import require_role
from lookbook.words import size_label

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
    "attachment", "decided_by", "decision_comment", "submitted_at", "state_reason", "channel", "changed_by",
    "shots",
})

#: Transitions that bring a message closer to a customer: consent is checked again at each.
_CONSENT_CHECKED = {("pending", "approved"), ("queued", "sending")}
#: Roles that may approve or reject (from the role matrix, :mod:`lookbook.store.roles`).
APPROVER_ROLES = roles.roles_for("outbox.approve")


class IllegalTransition(InputError):
    """A message cannot move from its state to the one asked for; the message says why."""


class ConsentMissing(IllegalTransition):
    """The customer does not (or no longer) consent to this message on its channel."""


class RendersStale(IllegalTransition):
    """A shot of the message's set has a render older than its recipe: its card carries a hero the recipe no
    longer asks for (:func:`~lookbook.lookbooks.sets.stale_shots_problem`)."""


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


def _check_decider(store: Store, message_id: int, to: str, actor: str, drafted_by: str,
                   changed_by: str | None) -> None:
    verb = "approve" if to == "approved" else "reject"
    if _user_role(store, actor) not in APPROVER_ROLES:
        raise IllegalTransition(f"message {message_id}: only a manager may {verb} messages; '{actor}' is not one.")
    if actor.casefold() == drafted_by.casefold():
        raise IllegalTransition(
            f"message {message_id}: '{actor}' drafted it and no one may {verb} what they drafted; "
            "ask another manager."
        )
    # The two-person rule: whoever last changed the words, the picture or the set's shots did not have
    # this version checked by anyone else; a manager's own edit needs another manager.
    if to == "approved" and changed_by and actor.casefold() == changed_by.casefold():
        raise IllegalTransition(
            f"message {message_id}: '{actor}' made the last change to it (its text, subject, picture or its "
            "set's shots) and no one may approve their own change; ask another manager."
        )


def _check_not_messaged_elsewhere(store: Store, message_id: int, customer_id: int, set_id: int | None) -> None:
    """Refuse approval if another set's message to this customer is on its way or was sent within the quiet period.

    Drafting already skips such customers, but two associates can draft the same
    customer before either set is approved; this check at approval is what keeps
    the customer from getting both.
    """
    days = int(settings.value(store, "frequency_days"))
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat(timespec="seconds")
    other = store.db.execute(
        "SELECT m.id, m.state, m.drafted_by, coalesce(s.name, 'no set') FROM messages m"
        " LEFT JOIN sets s ON s.id = m.set_id WHERE m.customer_id = ? AND m.id != ?"
        " AND (m.set_id IS NULL OR ? IS NULL OR m.set_id != ?)"
        " AND (m.state IN ('approved', 'queued', 'sending') OR (m.state = 'sent' AND m.sent_at >= ?))"
        " ORDER BY m.id LIMIT 1", [customer_id, message_id, set_id, set_id, since]).fetchone()
    if other is not None:
        other_id, other_state, other_by, other_set = other
        raise IllegalTransition(
            f"message {message_id}: customer {customer_id} already has message {other_id} ({other_state}, drafted "
            f"by {other_by} for '{other_set}') within the {days}-day quiet period; reject this one.")


def _needs_footer(channel: str) -> bool:
    """Whether messages on ``channel`` carry the store's footer (so cannot be approved without it)."""
    kind = registry.find(channel)
    return kind is not None and kind.footer


def _shows_gallery(channel: str) -> bool:
    """Whether messages on ``channel`` show the card in their text with its alt text and caption (frozen on the
    message) instead of attaching it."""
    kind = registry.find(channel)
    return kind is not None and kind.limits.gallery


def _one_picture(channel: str) -> bool:
    """Whether messages on ``channel`` carry one picture each (so ``several`` mode sends one per shot)."""
    kind = registry.find(channel)
    return kind is not None and kind.limits.attachments == 1


@dataclass(frozen=True)
class _Before:
    """What a move reads of the message before moving it (and checks against)."""

    state: str
    customer_id: int
    channel: str
    set_id: int | None
    drafted_by: str
    retryable: Any
    body: str | None
    changed_by: str | None


def _read_before(store: Store, message_id: int) -> _Before:
    """Return the message as it is before the move.

    :raises IllegalTransition: if there is no such message.
    """
    row = store.db.execute(
        "SELECT state, customer_id, channel, set_id, drafted_by, retryable, body,"
        " coalesce(changed_by, drafted_by) FROM messages WHERE id = ?",
        [message_id],
    ).fetchone()
    if row is None:
        raise IllegalTransition(f"message {message_id}: no such message; check the id with `outbox list`.")
    return _Before(*row)


def _check_decision(store: Store, message_id: int, before: _Before, to: str, actor: str,
                    fields: dict[str, Any]) -> None:
    """On approve or reject: the actor may decide; an approval also needs the customer not messaged by another
    set lately, and the store's footer where the channel carries one.

    :raises IllegalTransition: naming what stops the decision.
    """
    if to in ("approved", "rejected"):
        _check_decider(store, message_id, to, actor, before.drafted_by, fields.get("changed_by", before.changed_by))
    if to == "approved":
        _check_not_messaged_elsewhere(store, message_id, before.customer_id, before.set_id)
        if _needs_footer(fields.get("channel", before.channel)):
            try:
                store_footer(store)
            except InputError as exc:
                raise IllegalTransition(f"message {message_id}: {exc}") from None


def _check_still_consents(store: Store, message_id: int, before: _Before, to: str, fields: dict[str, Any]) -> None:
    """On approve and on starting to send: the customer still consents on the (new) channel, and a one-to-one
    message is still drafted by the customer's own associate.

    :raises ConsentMissing: if not.
    """
    if (before.state, to) not in _CONSENT_CHECKED:
        return
    channel = fields.get("channel", before.channel)
    scope = message_scope(store, before.set_id)
    check_consent(store, message_id, before.customer_id, channel, scope)
    if scope == "one_to_one" and (why := one_to_one_owner_problem(store, before.customer_id, channel,
                                                                   before.drafted_by)):
        raise ConsentMissing(f"message {message_id}: {why}.")


def _check_move(store: Store, message_id: int, before: _Before, to: str, actor: str, fields: dict[str, Any]) -> None:
    """Check that the message may go from its state to ``to`` now (the table, who decides, consent).

    :raises IllegalTransition: if the move is not allowed.
    :raises ConsentMissing: if the customer no longer consents.
    """
    state = before.state
    if to not in TRANSITIONS[state]:
        allowed = ", ".join(sorted(TRANSITIONS[state])) or "nothing (it is final)"
        raise IllegalTransition(f"message {message_id}: cannot go from {state} to {to}; from {state} it may "
                                f"go to {allowed}.")
    _check_decision(store, message_id, before, to, actor, fields)
    if state == "failed" and to == "queued" and not fields.get("retryable", before.retryable):
        raise IllegalTransition(f"message {message_id}: its failure is not retryable; cancel it or draft a "
                                "new message.")
    _check_still_consents(store, message_id, before, to, fields)
    if ((to == "approved" or (state, to) == ("approved", "queued")) and before.set_id is not None
            and (stale := stale_shots_problem(store, before.set_id))):
        # Its card carries a hero the recipe no longer asks for; the new render makes the card again (and sends an
        # approved message back for approval).
        raise RendersStale(f"message {message_id}: {stale}")


def _move_detail(before: _Before, to: str, comment: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    """Return what the audit log keeps of a move: from and to, the comment, the fields set, and the body before
    an edit changed it."""
    detail: dict[str, Any] = {"from": before.state, "to": to}
    if comment:
        detail["comment"] = comment
    if "body" in fields and fields["body"] != before.body:
        detail["original_body"] = before.body
    detail.update({k: v for k, v in fields.items()
                   if k not in ("body", "decided_by", "decision_comment", "changed_by")})
    if "body" in fields:
        detail["body"] = fields["body"]
    return detail


def _move(store: Store, message_id: int, to: str, actor: str, *, comment: str | None = None,
          **fields: Any) -> None:
    """Move a message to state ``to`` (see :func:`transition`), inside the caller's transaction if any."""
    if to not in STATES:
        raise IllegalTransition(f"message {message_id}: '{to}' is not a state; use one of {', '.join(STATES)}.")
    unknown = set(fields) - TRANSITION_FIELDS
    if unknown:
        raise TypeError(f"transition() cannot set {', '.join(sorted(unknown))}")
    with store.atomic():
        before = _read_before(store, message_id)
        _check_move(store, message_id, before, to, actor, fields)
        if to in ("approved", "rejected"):
            fields.setdefault("decided_by", actor)
            fields.setdefault("decision_comment", comment)
        now = utcnow()
        if to == "pending" and before.state != "pending":
            fields.setdefault("submitted_at", now)
        assignments = {"state": to, "updated_at": now, **fields}
        sql_set = ", ".join(f"{column} = ?" for column in assignments)
        # Compare-and-set on the state read above, so a concurrent writer cannot slip a move in between.
        cur = store.db.execute(f"UPDATE messages SET {sql_set} WHERE id = ? AND state = ?",
                               [*assignments.values(), message_id, before.state])
        if cur.rowcount != 1:
            raise IllegalTransition(f"message {message_id}: changed while moving it to {to}; try again.")
        store.audit(actor, f"message.{_ACTION.get((before.state, to), to)}", "message", message_id,
                    **_move_detail(before, to, comment, fields))


def transition(store: Store, message_id: int, to: str, actor: str, *, comment: str | None = None,
               **fields: Any) -> Changes:
    """Move a message to state ``to``, checking that the move is allowed, in one transaction, then tell the hooks.

    The entry point for everyone outside this module (the sender included).

    :param message_id: the message to move.
    :param to: one of :data:`STATES`.
    :param actor: who does it (a user name, or ``sender`` for the delivery loop); written to the audit log.
    :param comment: a note kept in the audit log (and as the decision comment on approve/reject).
    :param fields: other columns to set at the same time, from :data:`TRANSITION_FIELDS`
        (``external_id``, ``sent_at``, ``error``, ``retryable``, ``attempts``, ``next_attempt_at`` ...).
    :raises IllegalTransition: if the move is not in the table, the message is missing, a non-manager or the
        drafter approves/rejects, or a retry is asked of a failure that is not retryable.
    :returns: what changed (``Changes(outbox=True, audit=True)``).
    :raises ConsentMissing: on approve or queued -> sending when the customer no longer consents.
    """
    _move(store, message_id, to, actor, comment=comment, **fields)
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


# -- settings ----------------------------------------------------------------------------------------------
#: Hours a submitted message may wait for approval before it expires.
APPROVAL_HOURS_SETTING, APPROVAL_HOURS_DEFAULT = "outbox.approval_hours", 72
#: Recipients a set drafted by an associate may hold without a manager's override.
ASSOCIATE_CAP_SETTING, ASSOCIATE_CAP_DEFAULT = "outbox.associate_cap", 100
#: Days in which a customer gets at most one message, whoever drafts it.
QUIET_DAYS_SETTING, QUIET_DAYS_DEFAULT = "outbox.quiet_days", 7

DRAFTER_ROLES = roles.roles_for("outbox.draft")
#: States in which a message still counts as going (or gone) to its customer.
LIVE_STATES = ("draft", "pending", "approved", "queued", "sending", "sent", "failed")
MODES = ("card", "several")


class MatchLike(Protocol):
    """What drafting needs of one match (``lookbook.customers.matching``'s result rows have it)."""

    customer_id: int
    channel: str
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class Skipped:
    """A recipient not drafted, and why."""

    customer_id: int
    reason: str


@dataclass
class DraftReport:
    """What drafting a set did."""

    set_id: int
    drafted: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    attachment: str | None = None
    changes: Changes = field(default_factory=Changes)
    #: Advice for the associate (a card number was masked in the text).
    warnings: list[str] = field(default_factory=list)


@dataclass
class BatchReport:
    """What a batch action (submit, approve, reject, expire) did: messages moved and messages refused."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)


@dataclass(frozen=True)
class EditReport:
    """The state an edited message is in now, and whether a card number was masked in it."""

    message_id: int
    state: str
    card_masked: bool
    warnings: list[str]
    changes: Changes


# -- helpers -----------------------------------------------------------------------------------------------
def _set_row(store: Store, set_id: int) -> tuple[int, str, str | None]:
    row = store.db.execute("SELECT id, scope, cap_override_by FROM sets WHERE id = ?", [set_id]).fetchone()
    if row is None:
        raise InputError(f"set {set_id}: no such set; check the id in Match & Compose or `outbox list`.")
    return row[0], row[1], row[2]


def _role(store: Store, username: str) -> str | None:
    row = store.db.execute("SELECT role FROM users WHERE username = ?", [username]).fetchone()
    return row[0] if row else None


def associate_cap(store: Store) -> int:
    """Return how many recipients an associate's set may hold without a manager's override."""
    return int(settings.value(store, "associate_cap"))


def _live_count(store: Store, set_id: int) -> int:
    marks = ", ".join("?" * len(LIVE_STATES))
    return int(store.db.execute(f"SELECT count(DISTINCT customer_id) FROM messages WHERE set_id = ? AND state IN"
                                f" ({marks})", [set_id, *LIVE_STATES]).fetchone()[0])


def _matches(store: Store, set_id: int, actor: str | None = None) -> list[MatchLike]:
    # Imported here: matching is a sibling module that drafting uses, not one the state table needs.
    try:
        from lookbook.customers.matching import match_set
    except ImportError as exc:
        raise InputError(f"set {set_id}: matching customers to sets is not available in this build ({exc}).") \
            from None

    return list(match_set(store, set_id, for_user=actor).matches)


def _recently_contacted(store: Store, set_id: int, now: dt.datetime) -> set[int]:
    days = int(settings.value(store, "frequency_days"))
    since = (now - dt.timedelta(days=days)).isoformat(timespec="seconds")
    return {r[0] for r in store.db.execute(
        "SELECT DISTINCT customer_id FROM messages WHERE (set_id IS NULL OR set_id != ?) AND ("
        " (state IN ('pending', 'approved', 'queued', 'sending')) OR (state = 'sent' AND sent_at >= ?))",
        [set_id, since])}


# -- drafting ----------------------------------------------------------------------------------------------
def draft_set(store: Store, set_id: int, actor: str, template: Template | str, *,
              channel_override: str | None = None, mode: str = "card",
              matches: Iterable[MatchLike] | None = None, now: dt.datetime | None = None) -> DraftReport:
    """Draft one message per match of a set, from ``template``, in one transaction.

    Recipients are taken best score first. A customer is skipped, with the reason in the report, when they
    already have a live message from this set, were messaged in the last quiet days (setting
    ``outbox.quiet_days``, default 7) or have one in flight from another set, do not consent on the
    channel for the set's scope, have nothing of the set in stock in their sizes, or would take an
    associate's set past the cap (setting ``outbox.associate_cap``, default 100) without a manager's
    override (:func:`override_cap`). Drafting again later adds only those not drafted yet.

    :param template: a :class:`~lookbook.outbox.templates.Template` or the name of a stored one.
    :param channel_override: send on this channel instead of each match's own.
    :param mode: ``card`` (one message with the lookbook card) or ``several`` (on a one-picture channel such
        as X, one message per product in stock, each with the product's own card, the first with the text).
    :param matches: the recipients; default :func:`lookbook.customers.matching.match_set`.
    :raises PermissionDenied: if ``actor`` may not draft.
    :raises InputError: if the set, template or mode is unknown, the set has no photos, or shots of it have renders
        older than their recipe (:func:`~lookbook.lookbooks.sets.stale_shots_problem`).
    """
    require_role(store, actor, *DRAFTER_ROLES, doing="draft messages")
    if mode not in MODES:
        raise InputError(f"mode '{mode}': choose one of {', '.join(MODES)}.")
    _, scope, override_by = _set_row(store, set_id)
    if stale := stale_shots_problem(store, set_id):
        raise InputError(stale)  # the card would carry a hero rendered without its recipe (a hanger, a hand)
    if isinstance(template, str):
        template = get_template(store, template)
    moment = now or dt.datetime.now(dt.UTC)
    ranked = sorted(_matches(store, set_id, actor) if matches is None else matches,
                    key=lambda m: (-m.score, m.customer_id))
    # Imported here: the composer pulls in Pillow, which only drafting needs.
    from lookbook.lookbooks.composer import CardWriter

    card_for = CardWriter(store, set_id)  # one card per distinct size list on it
    card = card_for()
    drafting = _Drafting(
        store, set_id, actor, template, scope, {card_for.output: card_for}, several=mode == "several",
        products=set_products(store, set_id),
        cap=None if override_by or _role(store, actor) != "associate" else associate_cap(store),
        already=_live_recipients(store, set_id), busy=_recently_contacted(store, set_id, moment),
        report=DraftReport(set_id, attachment=card))
    drafting.count = len(drafting.already)
    with store.atomic():
        for match in ranked:
            drafting.draft_for(match, channel_override or match.channel)
    report = drafting.report
    if report.drafted:
        store.hooks.outbox_did_change(report.drafted)
        report.changes = store.notify(Changes(outbox=True, audit=True))
    return report


def _live_recipients(store: Store, set_id: int) -> set[int]:
    """Return the customers who already have a live message from the set."""
    return {r[0] for r in store.db.execute(
        "SELECT DISTINCT customer_id FROM messages WHERE set_id = ?"
        f" AND state IN ({', '.join('?' * len(LIVE_STATES))})", [set_id, *LIVE_STATES])}


@dataclass
class _Drafting:
    """One drafting of a set, recipient by recipient (:func:`draft_set`): each step a method."""

    store: Store
    set_id: int
    actor: str
    template: Template
    scope: str
    writers: dict[str, Any]  # output -> the composer's CardWriter for it (one card per distinct size list)
    several: bool  # ``several`` mode: one message per product on one-picture channels
    products: list[Any]
    cap: int | None  # the associate cap, None when it does not apply
    already: set[int]  # customers with a live message from this set
    busy: set[int]  # customers in the quiet period or with a message in flight
    report: DraftReport
    count: int = 0
    now_text: str = field(default_factory=utcnow)

    def skip_reason(self, customer_id: int, channel: str) -> str | None:
        """Return why the customer gets no message on ``channel``, or None."""
        if customer_id in self.already:
            return "already has a message from this set"
        if customer_id in self.busy:
            return "messaged in the quiet period or has a message in flight; wait before another"
        if not has_consent(self.store, customer_id, channel, self.scope):
            return f"no {self.scope.replace('_', '-')} consent on {channel}"
        if self.scope == "one_to_one" and (owner := one_to_one_owner_problem(self.store, customer_id, channel,
                                                                              self.actor)):
            return owner
        if self.cap is not None and self.count >= self.cap:
            return f"the set reached the associate cap of {self.cap} recipients; a manager may allow more"
        return None

    def writer(self, channel: str) -> Any:
        """Return the card writer at the output ``channel`` asks for (:attr:`Limits.card_output`)."""
        output = registry.get(channel).limits.card_output
        if output not in self.writers:
            from lookbook.lookbooks.composer import CardWriter

            self.writers[output] = CardWriter(self.store, self.set_id, output)
        return self.writers[output]

    def parts(self, body: str, channel: str, customer_id: int) -> list[tuple[str, str, str | None]]:
        """Return the (text, card file, pictures shown in the text) of each message: one with the customer's
        card, or in ``several`` mode on a one-picture channel one per product in stock, each with the
        product's own card (the composer's one-product layout), the first with the text."""
        writer = self.writer(channel)
        if not (self.several and _one_picture(channel)):
            path, card = writer.card(customer_id)
            pictures = pictures_json(self.store, [card_picture(self.store, path, card)]) \
                if _shows_gallery(channel) else None
            return [(body, path, pictures)]
        from lookbook.lookbooks.composer import card_products

        named = {p.id: p for p in self.products}
        parts: list[tuple[str, str, str | None]] = []
        for n, product_id in enumerate(card_products(self.store, self.set_id)):
            product = named[product_id]
            text = body if n == 0 else mask_card_numbers(
                f"{product.name}: in stock in {', '.join(map(size_label, product.sizes_in_stock))}")[0]
            parts.append((text, writer.product(product_id, customer_id)[0], None))
        return parts

    def draft_for(self, match: MatchLike, channel: str) -> None:
        """Draft the message(s) for one match, or record why not."""
        cid, report = match.customer_id, self.report
        reason = self.skip_reason(cid, channel)
        if reason:
            report.skipped.append(Skipped(cid, reason))
            return
        # Matching says which SKUs fit them and were not sent before; offer only those when it says.
        shown, offers, masked = personalise(self.store, self.set_id, cid, self.actor, self.template, channel,
                                            self.products, getattr(match, "products_in_size", None))
        if not shown.ok:
            report.skipped.append(Skipped(cid, "; ".join(shown.problems)))
            return
        if masked and SAFE_PAYMENT_ADVICE not in report.warnings:
            report.warnings.append(SAFE_PAYMENT_ADVICE)
        why = "; ".join(match.reasons) if match.reasons else f"score {match.score:g}"
        for text, attachment, pictures in self.parts(shown.body, channel, cid):
            message_id = inserted_id(self.store.db.execute(
                "INSERT INTO messages (set_id, customer_id, channel, state, subject, body, attachment,"
                " match_reason, drafted_by, changed_by, created_at, updated_at, offer, template_id, shots)"
                " VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [self.set_id, cid, channel, shown.subject, text, attachment, why, self.actor, self.actor,
                 self.now_text, self.now_text, json.dumps([o.as_json() for o in offers]), self.template.id,
                 pictures]))
            self.store.audit(self.actor, "message.draft", "message", message_id, set_id=self.set_id,
                             customer_id=cid, channel=channel, template=self.template.name, reason=why)
            report.drafted.append(message_id)
        self.already.add(cid)
        self.count += 1


def override_cap(store: Store, set_id: int, actor: str, comment: str) -> Changes:
    """Let an associate's set hold more recipients than the cap; a manager's decision, recorded.

    :raises PermissionDenied: if ``actor`` is not a manager.
    :raises InputError: if the set is unknown or the comment empty.
    """
    require_role(store, actor, *APPROVER_ROLES, doing="allow a set past the associate cap")
    _set_row(store, set_id)
    if not comment.strip():
        raise InputError("comment: say why this set may go to more customers than the cap.")
    with store.atomic():
        store.db.execute("UPDATE sets SET cap_override_by = ?, cap_override_at = ? WHERE id = ?",
                         [actor, utcnow(), set_id])
        store.audit(actor, "set.cap_override", "set", set_id, comment=comment, cap=associate_cap(store))
    return store.notify(Changes(sets=True, audit=True))


# -- submitting and deciding -------------------------------------------------------------------------------
def _ids(store: Store, set_id: int | None, message_ids: Sequence[int] | None, state: str) -> list[int]:
    if (set_id is None) == (message_ids is None):
        raise InputError("give either a set or message ids, not both and not neither.")
    if set_id is not None:
        _set_row(store, set_id)
        return [r[0] for r in store.db.execute(
            "SELECT id FROM messages WHERE set_id = ? AND state = ? ORDER BY id", [set_id, state])]
    return list(message_ids or [])


def _batch(store: Store, action: str, ids: list[int], move: Any) -> BatchReport:
    """Run ``move(id)`` for each message in one transaction; a refused one is reported, the others kept."""
    report = BatchReport(action)
    with store.atomic():
        for message_id in ids:
            try:
                move(message_id)  # _move() opens a savepoint, so a refusal undoes only its own message
            except IllegalTransition as exc:
                report.refused.append((message_id, str(exc)))
            else:
                report.done.append(message_id)
    if report.done:
        report.changes = Changes(outbox=True, audit=True)
        store.hooks.outbox_did_change(report.done)
    return report


def submit(store: Store, set_id: int, actor: str) -> BatchReport:
    """Send a set's drafts for approval (draft -> pending).

    :raises PermissionDenied: if ``actor`` may not draft.
    :raises IllegalTransition: if the set has no drafts, or an associate's set is over the cap without an
        override.
    """
    require_role(store, actor, *DRAFTER_ROLES, doing="submit messages")
    _, _, override_by = _set_row(store, set_id)
    ids = _ids(store, set_id, None, "draft")
    if not ids:
        raise IllegalTransition(f"set {set_id}: it has no drafts to submit; draft it first.")
    drafters = {r[0] for r in store.db.execute(
        "SELECT DISTINCT drafted_by FROM messages WHERE set_id = ? AND state = 'draft'", [set_id])}
    if not override_by and any(_role(store, d) == "associate" for d in drafters):
        cap = associate_cap(store)
        if _live_count(store, set_id) > cap:
            raise IllegalTransition(f"set {set_id}: it goes to {_live_count(store, set_id)} customers, more than "
                                    f"the associate cap of {cap}; ask a manager to allow it, or cancel some.")
    # Like approve and reject: the Approvals page and the sidebar's badge listen for the outbox change.
    return _finish(store, _batch(store, "submit", ids, lambda mid: _move(store, mid, "pending", actor)))


def _decide(store: Store, to: str, actor: str, comment: str, set_id: int | None,
            message_ids: Sequence[int] | None) -> BatchReport:
    verb = "approve" if to == "approved" else "reject"
    require_role(store, actor, *APPROVER_ROLES, doing=f"{verb} messages")
    ids = _ids(store, set_id, message_ids, "pending")
    if set_id is not None:
        if not ids:
            raise IllegalTransition(f"set {set_id}: nothing in it is waiting for approval.")
        drafters = {r[0].casefold() for r in store.db.execute(
            "SELECT DISTINCT drafted_by FROM messages WHERE set_id = ?", [set_id])}
        if actor.casefold() in drafters:
            raise IllegalTransition(f"set {set_id}: '{actor}' drafted messages in it and no one may {verb} a "
                                    "set they drafted; ask another manager.")
        changers = {r[0].casefold() for r in store.db.execute(
            "SELECT DISTINCT coalesce(changed_by, drafted_by) FROM messages WHERE set_id = ? AND state = 'pending'",
            [set_id])}
        if to == "approved" and actor.casefold() in changers:
            raise IllegalTransition(f"set {set_id}: '{actor}' made the last change to messages in it (their text, "
                                    "subject, picture or the set's shots) and no one may approve their own "
                                    "change; ask another manager.")
    return _batch(store, verb, ids, lambda mid: _move(store, mid, to, actor, comment=comment or None))


def approve(store: Store, actor: str, comment: str = "", *, set_id: int | None = None,
            message_ids: Sequence[int] | None = None) -> BatchReport:
    """Approve a whole set's pending messages or the messages given, as a manager who drafted none of them.

    A message whose customer withdrew consent meanwhile is refused and reported; the rest are approved.

    :raises PermissionDenied: if ``actor`` is not a manager.
    :raises IllegalTransition: if ``actor`` drafted messages in the set, or it has nothing pending.
    """
    report = _decide(store, "approved", actor, comment, set_id, message_ids)
    return _finish(store, report)


def reject(store: Store, actor: str, comment: str, *, set_id: int | None = None,
           message_ids: Sequence[int] | None = None) -> BatchReport:
    """Reject a whole set's pending messages or the messages given, saying why.

    :raises InputError: if the comment is empty.
    :raises PermissionDenied: if ``actor`` is not a manager.
    """
    if not comment.strip():
        raise InputError("comment: say why the messages are rejected, so the associate can fix them.")
    return _finish(store, _decide(store, "rejected", actor, comment, set_id, message_ids))


def _finish(store: Store, report: BatchReport) -> BatchReport:
    if report.done:
        store.notify(report.changes)
    return report


def cancel(store: Store, actor: str, message_ids: Sequence[int], reason: str) -> BatchReport:
    """Cancel messages that have not gone out (drafts, pending, approved, queued or failed).

    A manager may cancel any; an associate or merchandiser only their own drafts and pending messages
    (see the role matrix in :mod:`lookbook.store.roles`).

    :raises PermissionDenied: if ``actor`` may not cancel messages at all.
    """
    user = roles.require(store, actor, "outbox.cancel")

    def one(message_id: int) -> None:
        if user.role not in APPROVER_ROLES:
            row = store.db.execute("SELECT state, drafted_by FROM messages WHERE id = ?", [message_id]).fetchone()
            if row is not None and row[1].casefold() != actor.casefold():
                raise IllegalTransition(f"message {message_id}: drafted by '{row[1]}'; only they or a manager "
                                        "may cancel it.")
            if row is not None and row[0] not in ("draft", "pending"):
                raise IllegalTransition(f"message {message_id}: it is {row[0]}; only a manager may cancel it now.")
        _move(store, message_id, "cancelled", actor, comment=reason, state_reason=reason)

    return _finish(store, _batch(store, "cancel", list(message_ids), one))


def set_contents_changed(store: Store, set_id: int, actor: str) -> list[int]:
    """After ``actor`` changed a set's shots: its unsent messages get the new card, and those submitted go back to
    pending; ``actor`` is recorded as their last changer, so someone else must approve them.

    Called by :mod:`lookbook.lookbooks.sets` inside its transaction; queued or sending messages lock the set there.

    :returns: the messages sent back to pending.
    """
    rows = store.db.execute("SELECT id, state, attachment, channel, customer_id FROM messages WHERE set_id = ?"
                            " AND state IN ('draft', 'pending', 'approved') ORDER BY id", [set_id]).fetchall()
    writers: dict[str, Any] = {}
    back: list[int] = []
    for message_id, state, attachment, channel, customer_id in rows:
        fields: dict[str, Any] = {"changed_by": actor}
        kind = registry.find(channel)
        if kind is not None and attachment and attachment.rsplit("/", 1)[-1].startswith(f"card_set{set_id}_"):
            output = kind.limits.card_output
            if output not in writers:
                from lookbook.lookbooks.composer import CardWriter  # Pillow, only when there is a card to redo

                writers[output] = CardWriter(store, set_id, output)
            path, card = writers[output].card(customer_id)  # the customer's own sizes on it
            fields["attachment"] = path
            if kind.limits.gallery:
                # The e-mail shows the card frozen at drafting with its words: both follow the new card, so
                # what the next approver sees is what goes out.
                fields["shots"] = pictures_json(store, [card_picture(store, path, card)])
        if state == "draft":
            sql_set = ", ".join(f"{column} = ?" for column in fields)
            store.db.execute(f"UPDATE messages SET {sql_set}, updated_at = ? WHERE id = ?",
                             [*fields.values(), utcnow(), message_id])
            continue
        _move(store, message_id, "pending", actor, comment=f"its set's shots were changed by {actor}",
              decided_by=None, decision_comment=None, **fields)
        back.append(message_id)
    if back:
        store.hooks.outbox_did_change(back)
    return back


def edit_message(store: Store, message_id: int, actor: str, body: str, *, subject: str | None = None) -> EditReport:
    """Change a message's text; an approved or pending one goes (back) to pending for approval.

    The drafter or a manager may edit. The original text is kept in the audit log beside the new one;
    a card number in the new text is masked. A rejected message edited by its drafter goes back to draft.

    :raises PermissionDenied: if ``actor`` neither drafted it nor is a manager.
    :raises IllegalTransition: if the message has gone out or is final.
    :raises InputError: if the new text breaks the channel's limits.
    """
    row = store.db.execute("SELECT state, channel, subject, body, drafted_by FROM messages WHERE id = ?",
                           [message_id]).fetchone()
    if row is None:
        raise IllegalTransition(f"message {message_id}: no such message; check the id with `outbox list`.")
    state, channel, old_subject, old_body, drafted_by = row
    roles.require(store, actor, "outbox.edit")
    if actor.casefold() != drafted_by.casefold():
        require_role(store, actor, *APPROVER_ROLES, doing=f"edit message {message_id}, drafted by '{drafted_by}'")
    body, in_body = mask_card_numbers(body)
    new_subject, in_subject = mask_card_numbers(old_subject if subject is None else subject)
    problems = channel_problems(channel, new_subject, body)
    if problems:
        raise InputError(f"message {message_id}: {'; '.join(problems)}.")
    fields = {"body": body, "subject": new_subject, "decided_by": None, "decision_comment": None,
              "changed_by": actor}
    if state == "draft":
        with store.atomic():
            store.db.execute("UPDATE messages SET body = ?, subject = ?, changed_by = ?, updated_at = ?"
                             " WHERE id = ? AND state = ?", [body, new_subject, actor, utcnow(), message_id, state])
            store.audit(actor, "message.edit", "message", message_id, **{"from": state, "to": state},
                        original_body=old_body, body=body, original_subject=old_subject, subject=new_subject)
        store.hooks.outbox_did_change([message_id])
        changes = store.notify(Changes(outbox=True, audit=True))
        new_state = "draft"
    else:
        new_state = {"pending": "pending", "approved": "pending", "rejected": "draft"}.get(state, "")
        if not new_state:
            raise IllegalTransition(f"message {message_id}: it is {state} and can no longer be edited; cancel it "
                                    "and draft a new one.")
        changes = transition(store, message_id, new_state, actor, comment="edited", **fields)
    masked = in_body or in_subject
    return EditReport(message_id, new_state, masked, [SAFE_PAYMENT_ADVICE] if masked else [], changes)


# -- expiry ------------------------------------------------------------------------------------------------
def out_of_stock(store: Store, offer_json: str | None, customer_id: int | None = None) -> list[str]:
    """Return what a message offers that is no longer in stock (in the offered size), e.g. "Navy Oxford Shirt in M".

    Units another customer holds are not in stock for this one (:mod:`lookbook.catalog.holds`); ``customer_id``'s own
    holds still count as theirs.
    """
    return _out_of_stock(store, offer_json or "[]", customer_id)


def _out_of_stock(store: Store, offer_json: str, customer_id: int | None = None) -> list[str]:
    gone = []
    for item in json.loads(offer_json or "[]"):
        row = store.db.execute("SELECT id, name FROM products WHERE sku = ?", [item["sku"]]).fetchone()
        sizes = {s.strip().upper() for s in holds.available_sizes(
            store, [row[0]], except_customer=customer_id).get(row[0], [])} if row else set()
        if not (item["size"].strip().upper() in sizes if item["size"] else sizes):
            name = row[1] if row else item["sku"]
            gone.append(f"{name} in {item['size']}" if item["size"] else name)
    return gone


def expire_stale(store: Store, now: dt.datetime | None = None, actor: str = "system") -> BatchReport:
    """Expire pending messages not approved in time (setting ``outbox.approval_hours``, default 72) or
    offering products that went out of stock in the customer's size since drafting.

    Called by the sender loop and when the app starts; the reason is kept on each message.
    """
    moment = now or dt.datetime.now(dt.UTC)
    hours = float(settings.value(store, "approval_hours"))
    deadline = (moment - dt.timedelta(hours=hours)).isoformat(timespec="seconds")
    reasons: dict[int, str] = {}
    for message_id, submitted_at, offer, customer_id in store.db.execute(
            "SELECT id, submitted_at, offer, customer_id FROM messages WHERE state = 'pending' ORDER BY id").fetchall():
        if submitted_at is not None and submitted_at < deadline:
            reasons[message_id] = f"not approved within {hours:g} h of being submitted"
        elif gone := _out_of_stock(store, offer, customer_id):
            reasons[message_id] = f"out of stock since drafting: {', '.join(gone)}"
    report = _batch(store, "expire", list(reasons), lambda mid: _move(
        store, mid, "expired", actor, comment=reasons[mid], state_reason=reasons[mid]))
    holds.expire_due(store, now=moment, actor=actor)  # holds past their date, swept on the same beat
    return _finish(store, report)


# -- reading -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MessageRow:
    """A message as lists show it."""

    id: int
    set_id: int | None
    customer_id: int
    customer_name: str
    channel: str
    state: str
    subject: str
    body: str
    attachment: str | None
    match_reason: str
    drafted_by: str
    decided_by: str | None
    decision_comment: str | None
    state_reason: str | None
    error: str | None
    external_id: str | None
    sent_at: str | None
    updated_at: str
    #: Who last changed its text, subject or picture (the drafter until someone edits it).
    changed_by: str | None = None
    #: What the channel reported after the send (WhatsApp's webhook: sent, delivered, read, failed) and when.
    delivery_status: str | None = None
    delivery_status_at: str | None = None
    #: The same in words, in the store's time ("delivered 14:02 UTC"); "" when the channel said nothing.
    delivery: str = ""

    def as_json(self) -> dict[str, Any]:
        """Return the row as a JSON-ready dict."""
        return dict(self.__dict__)


#: What each delivery status means, for a tooltip or a detail line. WhatsApp's "sent" is one grey tick: the message
#: reached WhatsApp, not yet the customer's phone.
DELIVERY_MEANING = {"sent": "it reached the service but not yet the customer's phone",
                    "delivered": "it is on the customer's phone, not yet read",
                    "read": "the customer opened it",
                    "failed": "it did not reach the customer"}


def delivery_words(status: str | None, at: str | None, error: str | None = None, zone: str = "UTC", *,
                   now: dt.datetime | None = None) -> str:
    """Return what the channel said became of a sent message, as a person says it: "delivered 14:02 UTC", "read
    Mon 03 Dec 09:10 London time", "failed: <why>"; "" when the channel has said nothing (X, e-mail, SMS).

    :param status: ``messages.delivery_status`` (sent, delivered, read or failed).
    :param at: when the channel said so (ISO-8601 UTC).
    :param error: why it failed (``messages.error``), shown after "failed:".
    :param zone: the IANA time zone the time is said in (the store's).
    :param now: the moment "today" is judged from (default: the clock).
    """
    if not status:
        return ""
    if status == "failed":
        return f"failed: {error}" if error else "failed"
    if not at:
        return status
    return f"{status} {local_time(dt.datetime.fromisoformat(at.replace('Z', '+00:00')), zone, now=now)}"


def list_messages(store: Store, *, state: str | None = None, set_id: int | None = None,
                  limit: int | None = None) -> list[MessageRow]:
    """Return messages, newest first, optionally of one state or set.

    :raises InputError: if ``state`` is not a state.
    """
    if state is not None and state not in STATES:
        raise InputError(f"state '{state}': choose one of {', '.join(STATES)}.")
    sql = ("SELECT m.id, m.set_id, m.customer_id, trim(c.first_name || ' ' || c.last_name), m.channel, m.state,"
           " m.subject, m.body, m.attachment, m.match_reason, m.drafted_by, m.decided_by, m.decision_comment,"
           " m.state_reason, m.error, m.external_id, m.sent_at, m.updated_at, coalesce(m.changed_by, m.drafted_by),"
           " m.delivery_status, m.delivery_status_at"
           " FROM messages m JOIN customers c ON c.id = m.customer_id WHERE 1 = 1")
    params: list[Any] = []
    if state is not None:
        sql += " AND m.state = ?"
        params.append(state)
    if set_id is not None:
        sql += " AND m.set_id = ?"
        params.append(set_id)
    sql += " ORDER BY m.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    zone = settings.value(store, "store_timezone")
    rows = [MessageRow(*r) for r in store.db.execute(sql, params)]
    return [replace(r, delivery=delivery_words(r.delivery_status, r.delivery_status_at, r.error, zone)) for r in rows]


# -- preview -----------------------------------------------------------------------------------------------
def preview_set(store: Store, set_id: int, actor: str, template: Template | str, *, customers: int = 5,
                channel_override: str | None = None,
                matches: Iterable[MatchLike] | None = None) -> list[Preview]:
    """Render ``template`` for the set's best few real recipients, flagging what would go wrong.

    Shown before submitting, so a broken placeholder, an empty size list or a message over the channel's
    limit is seen before a manager is asked. Nothing is written.

    :param customers: how many recipients to render for (best score first).
    :raises InputError: if the set or template is unknown or the template has an unknown placeholder.
    """
    _, scope, _ = _set_row(store, set_id)
    if isinstance(template, str):
        template = get_template(store, template)
    # For a real user, the customers drafting would give them (others' "1 to 1 only" customers left out).
    for_user = actor if _role(store, actor) else None
    ranked = sorted(_matches(store, set_id, for_user) if matches is None else matches,
                    key=lambda m: (-m.score, m.customer_id))[:max(customers, 0)]
    products = set_products(store, set_id)
    shown: list[Preview] = []
    for match in ranked:
        channel = channel_override or match.channel
        name = store.db.execute("SELECT trim(first_name || ' ' || last_name) FROM customers WHERE id = ?",
                                [match.customer_id]).fetchone()[0]
        # The same text drafting will store: the same products (matching's in-size choice) and masking.
        one, _, _ = personalise(store, set_id, match.customer_id, actor, template, channel, products,
                                getattr(match, "products_in_size", None), customer_name=name)
        if not has_consent(store, match.customer_id, channel, scope):
            one.problems.append(f"no {scope.replace('_', '-')} consent on {channel}")
        shown.append(one)
    return shown


# -- the approval queue ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PendingSet:
    """A set with messages waiting for approval, as the approver's list shows it."""

    set_id: int
    name: str
    brand: str
    drafted_by: list[str]
    pending: int
    submitted_at: str
    expires_at: str
    #: Who made the last change to its pending messages (no one of them may approve the set).
    changed_by: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AuditEntry:
    """One audit log entry."""

    at: str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    detail: dict[str, Any]


def pending_sets(store: Store) -> list[PendingSet]:
    """Return the sets with pending messages, the longest waiting first."""
    hours = float(settings.value(store, "approval_hours"))
    rows = store.db.execute(
        "SELECT s.id, s.name, b.name, group_concat(DISTINCT m.drafted_by), count(*), min(m.submitted_at),"
        " group_concat(DISTINCT coalesce(m.changed_by, m.drafted_by))"
        " FROM messages m JOIN sets s ON s.id = m.set_id JOIN brands b ON b.id = s.brand_id"
        " WHERE m.state = 'pending' GROUP BY s.id ORDER BY min(m.submitted_at), s.id").fetchall()
    result = []
    for set_id, name, brand, drafters, count, submitted, changers in rows:
        expires = (dt.datetime.fromisoformat(submitted) + dt.timedelta(hours=hours)).isoformat(timespec="seconds") \
            if submitted else ""
        result.append(PendingSet(set_id, name, brand, sorted((drafters or "").split(",")), count, submitted or "",
                                 expires, sorted((changers or "").split(","))))
    return result


def set_audit(store: Store, set_id: int, limit: int = 200) -> list[AuditEntry]:
    """Return the audit entries about a set and its messages, newest first."""
    rows = store.db.execute(
        "SELECT at, actor, action, entity, entity_id, detail FROM audit_log"
        " WHERE (entity = 'set' AND entity_id = ?) OR (entity = 'message' AND entity_id IN"
        " (SELECT CAST(id AS TEXT) FROM messages WHERE set_id = ?)) ORDER BY id DESC LIMIT ?",
        [str(set_id), set_id, limit]).fetchall()
    return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]


@dataclass(frozen=True)
class CustomerMessage:
    """One message in a customer's own list (their profile), newest first."""

    id: int
    set_name: str
    channel: str
    state: str
    body: str
    when: str


def count_in_state(store: Store, state: str) -> int:
    """Return how many messages are in ``state`` (the outbox's badge counts the failed ones)."""
    return int(store.db.execute("SELECT count(*) FROM messages WHERE state = ?", [state]).fetchone()[0])


def message_body(store: Store, message_id: int) -> str | None:
    """Return a message's text, or None if there is no such message."""
    row = store.db.execute("SELECT body FROM messages WHERE id = ?", [message_id]).fetchone()
    return None if row is None else str(row[0])


def send_attempts(store: Store, message_id: int) -> list[tuple[str, str | None, str | None]]:
    """Return each attempt to send a message as ``(started_at, outcome, finished_at)``, oldest first."""
    return [(r[0], r[1], r[2]) for r in store.db.execute(
        "SELECT started_at, outcome, finished_at FROM send_attempts WHERE message_id = ? ORDER BY id", [message_id])]


def customer_messages(store: Store, customer_id: int, limit: int) -> list[CustomerMessage]:
    """Return a customer's latest ``limit`` messages, newest first, with the name of the set each offered."""
    # The outbox lists messages by state or set; a customer's own list is this one indexed query.
    return [CustomerMessage(*row) for row in store.db.execute(
        "SELECT m.id, coalesce(s.name, ''), m.channel, m.state, m.body, coalesce(m.sent_at, m.updated_at)"
        " FROM messages AS m LEFT JOIN sets AS s ON s.id = m.set_id WHERE m.customer_id = ?"
        " ORDER BY m.id DESC LIMIT ?", [customer_id, limit])]
