"""Consent per customer, channel and scope, kept as an append-only ledger.

Each grant or withdrawal is one row of ``consents`` (when, by whom, from what
source): a view of ``consent_entries``, where an import's entries share one ``consent_batches``
record for their time, user and note, and keep their own line. The current state of a
(customer, channel, scope) is its latest row, so a withdrawal takes effect the moment it is
written, and history is never lost.
Scopes: ``one_to_one`` (messages from the customer's associate) and ``marketing``
(store-wide sends).

Stores speak of a customer's consent on a channel in three words, which
:data:`LEVELS` maps onto the two scopes: "1 to 1 only" (one-to-one granted, marketing not), "subscribed to
marketing" (both granted: a customer who takes the store's campaigns also takes
their associate's messages) and "unsubscribed" (both withdrawn); "marketing only"
names the rare record with marketing granted and one-to-one not. "Unsubscribed from all" is every channel unsubscribed.

Granting consent to a customer whose latest entry for that channel and scope is
a withdrawal (they opted out) needs a :class:`Confirmation`: who took it, when
and how the customer agreed. Without one, :func:`record` refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import registry
from lookbook.store.database import Store, utcnow

CHANNELS = ("x", "email", "instagram", "sms", "whatsapp")
SCOPES = ("one_to_one", "marketing")
#: How each channel is named to people.
CHANNEL_LABELS = {"x": "X", "email": "e-mail", "instagram": "Instagram", "sms": "SMS", "whatsapp": "WhatsApp"}
#: Per-channel consent levels, the words shown for them, and the (one_to_one, marketing) grants each means.
LEVELS: dict[str, tuple[str, tuple[bool, bool]]] = {
    "one_to_one": ("1 to 1 only", (True, False)),
    "marketing": ("subscribed to marketing", (True, True)),
    "marketing_only": ("marketing only", (False, True)),  # rare: campaigns yes, the associate's messages no
    "unsubscribed": ("unsubscribed", (False, False)),
}
#: Words accepted for each level (CSV cells, the command line), compared lower-cased.
LEVEL_ALIASES: dict[str, tuple[str, ...]] = {
    "one_to_one": ("one_to_one", "one-to-one", "one to one", "1 to 1", "1 to 1 only", "1:1", "1-1", "1to1",
                   "personal", "associate only"),
    "marketing": ("marketing", "subscribed to marketing", "subscribed", "all", "yes", "opt in", "opted in"),
    "marketing_only": ("marketing only", "marketing_only", "campaigns only"),
    "unsubscribed": ("unsubscribed", "unsubscribed from all", "unsubscribe", "opted out", "opt out", "no",
                     "none", "withdrawn", "stop"),
}
ALL_UNSUBSCRIBED_LABEL = "unsubscribed from all"


@dataclass(frozen=True)
class ConsentState:
    """The latest ledger entry for one customer, channel and scope."""

    granted: bool
    at: str | None
    by_user: str | None
    source: str | None
    note: str = ""

    @property
    def withdrawn(self) -> bool:
        """Return whether the customer explicitly opted out (as opposed to never being asked)."""
        return not self.granted and self.at is not None


@dataclass(frozen=True)
class Confirmation:
    """How a customer who opted out agreed to be subscribed again.

    :param by: the staff member who took the confirmation.
    :param at: when the customer agreed (ISO-8601 date or time).
    :param how: how they agreed, in words ("signed the form in store", "replied YES to our e-mail").
    """

    by: str
    at: str
    how: str

    def checked(self) -> Confirmation:
        """Return the confirmation with its fields trimmed.

        :raises InputError: if a field is empty or the time is not an ISO-8601 date.
        """
        by, at, how = self.by.strip(), self.at.strip(), self.how.strip()
        for name, value in (("confirmed by", by), ("confirmed at", at), ("how the customer agreed", how)):
            if not value:
                raise InputError(f"re-subscribe confirmation: '{name}' is empty; say who took the customer's "
                                 "agreement, when, and how they agreed.")
        try:
            dt.datetime.fromisoformat(at)
        except ValueError:
            raise InputError(f"re-subscribe confirmation: '{at}' is not a date; write it as YYYY-MM-DD "
                             "or YYYY-MM-DDTHH:MM.") from None
        return Confirmation(by, at, how)


@dataclass(frozen=True)
class ChannelConsent:
    """A customer's consent on one channel, in the store's words."""

    channel: str
    one_to_one: ConsentState
    marketing: ConsentState

    @property
    def level(self) -> str | None:
        """Return the level key (see :data:`LEVELS`), or None if the customer was never asked."""
        if self.marketing.granted:
            return "marketing" if self.one_to_one.granted else "marketing_only"
        if self.one_to_one.granted:
            return "one_to_one"
        if self.one_to_one.withdrawn or self.marketing.withdrawn:
            return "unsubscribed"
        return None

    @property
    def label(self) -> str:
        """Return the level in the store's words ("1 to 1 only"...), or "not asked"."""
        level = self.level
        return LEVELS[level][0] if level else "not asked"


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the consent ledger, for the customer profile."""

    id: int
    channel: str
    scope: str
    granted: bool
    at: str
    by_user: str
    source: str
    note: str
    confirmed_by: str | None
    confirmed_at: str | None
    confirmation: str | None


def ledger_channel(channel: str) -> str:
    """Return the ledger's channel that governs messages on delivery channel ``channel``.

    A registered channel says which (:attr:`lookbook.outbox.channels.interface.Channel.consent`); the ledger's own
    channels (:data:`CHANNELS`) stand for themselves, and are looked at first so that reading their consent
    imports no channel module.
    """
    if channel in CHANNELS:
        return channel
    kind = registry.find(channel)
    return kind.consent if kind is not None else channel


def ledger_channels() -> tuple[str, ...]:
    """Return every channel the ledger records: :data:`CHANNELS` and those registered channels add."""
    extra = [ch for name in registry.names() if name not in CHANNELS
             if (ch := ledger_channel(name)) not in CHANNELS]
    return CHANNELS + tuple(dict.fromkeys(extra))


def _check(channel: str, scope: str) -> None:
    if channel not in CHANNELS and channel not in ledger_channels():
        raise InputError(f"channel '{channel}': choose one of {', '.join(ledger_channels())}.")
    if scope not in SCOPES:
        raise InputError(f"consent scope '{scope}': choose one of {', '.join(SCOPES)}.")


def parse_level(text: str) -> str:
    """Return the level key for a word such as "1 to 1 only" or "subscribed to marketing".

    :raises InputError: if the word names no level.
    """
    word = " ".join(text.strip().lower().replace("_", " ").split())
    for level, aliases in LEVEL_ALIASES.items():
        if word in {" ".join(a.replace("_", " ").split()) for a in aliases}:
            return level
    raise InputError(f"consent '{text}': write '1 to 1 only', 'subscribed to marketing' or 'unsubscribed'.")


def consent_state(store: Store, customer_id: int, channel: str, scope: str = "one_to_one") -> ConsentState:
    """Return the current consent of a customer on a channel (a delivery channel reads the ledger's channel
    that governs it: :func:`ledger_channel`); no entry means not granted."""
    channel = ledger_channel(channel)
    _check(channel, scope)
    row = store.db.execute(
        "SELECT granted, at, by_user, source, note FROM consents WHERE customer_id = ? AND channel = ? AND scope = ?"
        " ORDER BY id DESC LIMIT 1",
        [customer_id, channel, scope],
    ).fetchone()
    if row is None:
        return ConsentState(False, None, None, None)
    return ConsentState(bool(row[0]), row[1], row[2], row[3], row[4])


def has_consent(store: Store, customer_id: int, channel: str, scope: str = "one_to_one") -> bool:
    """Return whether the customer currently consents to ``scope`` messages on ``channel``."""
    return consent_state(store, customer_id, channel, scope).granted


def one_to_one_owner_problem(store: Store, customer_id: int, channel: str, sender: str) -> str | None:
    """Return why ``sender`` may not send a one-to-one message to the customer on ``channel``, or None.

    A customer whose consent on the channel is "1 to 1 only" agreed to hear from their own associate, so a
    one-to-one message goes to them only from that associate; a manager can hand them over
    (:func:`lookbook.customers.book.transfer`). A customer with no associate, or who also subscribed to
    marketing on the channel, may hear from anyone.
    """
    row = store.db.execute("SELECT u.username FROM customers c JOIN users u ON u.id = c.associate_id"
                           " WHERE c.id = ?", [customer_id]).fetchone()
    if row is None or row[0].casefold() == sender.casefold() or ledger_channel(channel) not in ledger_channels():
        return None
    if not has_consent(store, customer_id, channel, "one_to_one") or has_consent(store, customer_id, channel,
                                                                                  "marketing"):
        return None
    return (f"consent on {channel} is 1 to 1 only with their associate {row[0]}; a manager may transfer "
            "the customer (`lookbook customers transfer`)")


def _customer_exists(store: Store, customer_id: int) -> None:
    if store.db.execute("SELECT 1 FROM customers WHERE id = ?", [customer_id]).fetchone() is None:
        raise InputError(f"customer {customer_id} does not exist; find the id with `lookbook customers search`.")


def record(store: Store, customer_id: int, channel: str, scope: str, granted: bool, *, by_user: str,
           source: str, note: str = "", at: str | None = None, confirmation: Confirmation | None = None) -> Changes:
    """Append a grant or withdrawal to the ledger (and the audit log) and return what changed.

    :param source: where the consent came from: "in store", "reply", "import", "web form"...
    :param confirmation: required to grant consent to a customer who withdrew it on this channel and scope.
    :raises ConfirmationRequired: if re-subscribing an opted-out customer without a confirmation.
    :raises InputError: for an unknown channel, scope or customer, or an incomplete confirmation.
    """
    channel = ledger_channel(channel)
    _check(channel, scope)
    if not source.strip():
        raise InputError("consent source: say where the consent came from (in store, reply, import...).")
    with store.atomic():
        _write(store, customer_id, channel, scope, granted, by_user=by_user, source=source, note=note, at=at,
               confirmation=confirmation)
    return store.notify(Changes(customers=True, audit=True))


class ConfirmationRequired(InputError):
    """Consent is being granted to a customer who opted out, with no recorded confirmation."""


def _write(store: Store, customer_id: int, channel: str, scope: str, granted: bool, *, by_user: str, source: str,
           note: str = "", at: str | None = None, confirmation: Confirmation | None = None) -> bool:
    """Append one ledger row inside the caller's transaction; return False if the state was already so."""
    _customer_exists(store, customer_id)
    current = consent_state(store, customer_id, channel, scope)
    if granted and current.withdrawn:
        if confirmation is None:
            raise ConfirmationRequired(
                f"customer {customer_id} withdrew {CHANNEL_LABELS.get(channel, channel)} {_scope_words(scope)} "
                "consent on "
                f"{(current.at or '?')[:10]}; re-subscribing needs a recorded confirmation: who took it, when and how "
                "the customer agreed (--confirmed-by, --confirmed-at, --confirmed-how)."
            )
        confirmation = confirmation.checked()
    if not granted:
        confirmation = None  # a withdrawal never needs one; don't store a stray one
    # Into the ledger's table itself (``consents`` is a view of it, see migration m018): an INSERT through the
    # view's trigger would not give the new entry's id back.
    cur = store.db.execute(
        "INSERT INTO consent_entries (customer_id, channel, scope, granted, at, by_user, source, note, confirmed_by,"
        " confirmed_at, confirmation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [customer_id, channel, scope, int(granted), at or utcnow(), by_user, source, note,
         confirmation and confirmation.by, confirmation and confirmation.at, confirmation and confirmation.how],
    )
    detail: dict[str, object] = {"channel": channel, "scope": scope, "source": source, "note": note,
                                 "ledger_id": cur.lastrowid}
    if confirmation:
        detail.update(confirmed_by=confirmation.by, confirmed_at=confirmation.at, confirmation=confirmation.how)
    store.audit(by_user, "consent.grant" if granted else "consent.withdraw", "customer", customer_id, **detail)
    return current.granted != granted or current.at is None


def _scope_words(scope: str) -> str:
    return "one-to-one" if scope == "one_to_one" else "marketing"


def set_level(store: Store, customer_id: int, channel: str, level: str, *, by_user: str, source: str,
              note: str = "", confirmation: Confirmation | None = None) -> Changes:
    """Put a customer's consent on ``channel`` at ``level`` ("one_to_one", "marketing", "unsubscribed").

    Writes only the ledger rows whose state changes, so setting the level a customer
    already has records nothing. "unsubscribed" writes explicit withdrawals even for a
    scope never granted, so that a later grant needs a confirmation.

    :raises ConfirmationRequired: if this re-subscribes an opted-out customer without a confirmation.
    """
    _check(channel, "one_to_one")
    if level not in LEVELS:
        raise InputError(f"consent level '{level}': choose one of {', '.join(LEVELS)}.")
    wanted = dict(zip(SCOPES, LEVELS[level][1], strict=True))
    changed = False
    if channel_consents(store, customer_id)[channel].level == level:
        return Changes()
    with store.atomic():
        for scope, granted in wanted.items():
            current = consent_state(store, customer_id, channel, scope)
            if current.granted == granted and (granted or current.at is not None):
                continue
            if not granted and current.at is None and level != "unsubscribed":
                continue  # "1 to 1 only" says nothing about a marketing consent never given
            changed |= _write(store, customer_id, channel, scope, granted, by_user=by_user, source=source,
                              note=note, confirmation=confirmation)
    return store.notify(Changes(customers=True, audit=True)) if changed else Changes()


def unsubscribe_all(store: Store, customer_id: int, *, by_user: str, source: str, note: str = "") -> Changes:
    """Withdraw every scope on every channel at once ("unsubscribed from all")."""
    _customer_exists(store, customer_id)
    with store.atomic():
        for channel in CHANNELS:
            for scope in SCOPES:
                if not consent_state(store, customer_id, channel, scope).withdrawn:
                    _write(store, customer_id, channel, scope, False, by_user=by_user, source=source, note=note)
        store.audit(by_user, "consent.unsubscribe_all", "customer", customer_id, source=source, note=note)
    return store.notify(Changes(customers=True, audit=True))


def channel_consents(store: Store, customer_id: int) -> dict[str, ChannelConsent]:
    """Return the customer's consent on every channel, in the store's words."""
    return {channel: ChannelConsent(channel, consent_state(store, customer_id, channel, "one_to_one"),
                                    consent_state(store, customer_id, channel, "marketing"))
            for channel in CHANNELS}


def overall_label(consents: Iterable[ChannelConsent]) -> str:
    """Return one phrase for a customer: "subscribed to marketing", "1 to 1 only", "unsubscribed from all"..."""
    levels = {c.level for c in consents}
    if levels & {"marketing", "marketing_only"}:
        return LEVELS["marketing"][0]
    if "one_to_one" in levels:
        return LEVELS["one_to_one"][0]
    if "unsubscribed" in levels:
        return ALL_UNSUBSCRIBED_LABEL
    return "not asked"


def ledger(store: Store, customer_id: int) -> list[LedgerEntry]:
    """Return every consent entry of a customer, newest first."""
    rows = store.db.execute(
        "SELECT id, channel, scope, granted, at, by_user, source, note, confirmed_by, confirmed_at, confirmation"
        " FROM consents WHERE customer_id = ? ORDER BY id DESC", [customer_id])
    return [LedgerEntry(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in rows]


def current_for(store: Store, customer_ids_table: str, scope: str) -> dict[int, dict[str, tuple[bool, str]]]:
    """Return ``{customer_id: {channel: (granted, at)}}`` for the customers listed in a temp table.

    The fast path for matching: reads ``consent_current`` (one row per customer,
    channel and scope, kept by a trigger) joined to ``customer_ids_table``, a table
    with a ``customer_id`` column, instead of searching the ledger.
    """
    _check("x", scope)
    out: dict[int, dict[str, tuple[bool, str]]] = {}
    for cid, channel, granted, at in store.db.execute(
            f"SELECT cc.customer_id, cc.channel, cc.granted, cc.at FROM {customer_ids_table} AS t"
            " JOIN consent_current AS cc ON cc.customer_id = t.customer_id AND cc.scope = ?", [scope]):
        out.setdefault(cid, {})[channel] = (bool(granted), at)
    return out
