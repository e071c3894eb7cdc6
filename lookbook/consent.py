"""Consent per customer, channel and scope, kept as an append-only ledger.

Each grant or withdrawal is one row of ``consents`` (when, by whom, from what
source). The current state of a (customer, channel, scope) is its latest row, so
a withdrawal takes effect the moment it is written, and history is never lost.
Scopes: ``one_to_one`` (messages from the customer's associate) and ``marketing``
(store-wide sends).
"""

from __future__ import annotations

from dataclasses import dataclass

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store import Store, utcnow

CHANNELS = ("x", "email", "instagram", "sms")
SCOPES = ("one_to_one", "marketing")


@dataclass(frozen=True)
class ConsentState:
    """The latest ledger entry for one customer, channel and scope."""

    granted: bool
    at: str | None
    by_user: str | None
    source: str | None
    note: str = ""


def _check(channel: str, scope: str) -> None:
    if channel not in CHANNELS:
        raise InputError(f"channel '{channel}': choose one of {', '.join(CHANNELS)}.")
    if scope not in SCOPES:
        raise InputError(f"consent scope '{scope}': choose one of {', '.join(SCOPES)}.")


def consent_state(store: Store, customer_id: int, channel: str, scope: str = "one_to_one") -> ConsentState:
    """Return the current consent of a customer on a channel; no entry means not granted."""
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


def record(store: Store, customer_id: int, channel: str, scope: str, granted: bool, *, by_user: str,
           source: str, note: str = "", at: str | None = None) -> Changes:
    """Append a grant or withdrawal to the ledger (and the audit log) and return what changed."""
    _check(channel, scope)
    with store.atomic():
        store.db.execute(
            "INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [customer_id, channel, scope, int(granted), at or utcnow(), by_user, source, note],
        )
        store.audit(by_user, "consent.grant" if granted else "consent.withdraw", "customer", customer_id,
                    channel=channel, scope=scope, source=source, note=note)
    return store.notify(Changes(customers=True, audit=True))
