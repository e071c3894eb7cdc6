"""Erasing a customer on request: their personal data leaves every table, the audit chain still verifies.

What erasure does, in one transaction (after a backup):

* the customer's row stays as a tombstone (messages point at it) with every personal field emptied,
  the first name ``(erased)`` and a pause that never ends, so nothing is ever sent to it;
* their brand likes, sizes, purchases and channel status are deleted;
* consent ledger entries keep what was granted, when and by whom, but lose their notes and
  confirmations (free text that may name the person);
* their messages and replies keep their states and times but lose bodies, subjects, match reasons,
  comments and delivery errors (which may hold an address); send attempts lose their details;
* audit rows about them, their messages and replies, or that mention their name, e-mail or handles
  keep only ids in their details, plus ``"_erased_by": <id of the customer.erase row>``. The chain
  covers each row's ``detail_hash``, not the text, so ``lookbook audit verify`` still passes
  (see :mod:`lookbook.store.integrity`);
* the search index is merged and freed pages are zeroed (``secure_delete``) and the WAL
  checkpointed, so the old text does not linger in the file.

Backups taken before the erasure still hold the data until rotation removes them
(:data:`lookbook.store.backups.KEEP_DAYS` days at most).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lookbook.customers.book import get_customer
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store, utcnow
from lookbook.store.integrity import ERASE_ACTION
from lookbook.store.roles import require
from lookbook.words import plural

ERASED_NAME = "(erased)"
ERASED_TEXT = "[erased]"
NEVER = "9999-12-31T00:00:00+00:00"


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure changed, by count (it names nobody)."""

    customer_id: int
    messages: int
    replies: int
    consents: int
    audit_rows: int
    changes: Changes

    def lines(self) -> list[str]:
        """Return the report for a person."""
        # Counts in words ("1 reply", "2 consent entries"), never "reply(ies)".
        return [f"Erased customer {self.customer_id}: personal data removed from {plural(self.messages, 'message')}, "
                f"{plural(self.replies, 'reply', 'replies')}, "
                f"{plural(self.consents, 'consent entry', 'consent entries')} and "
                f"{plural(self.audit_rows, 'audit row')}.",
                "Backups taken before now still hold it until rotation removes them (7 days at most)."]


def _ids_only(detail: str) -> dict[str, Any]:
    """Return the id-valued entries of an audit row's details (``id``, ``*_id``, ``*_ids``)."""
    try:
        data = json.loads(detail)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}

    def is_id(value: Any) -> bool:
        return isinstance(value, int) or (isinstance(value, list) and all(isinstance(v, int) for v in value))

    return {k: v for k, v in data.items()
            if (k == "id" or k.endswith("_id") or k.endswith("_ids")) and is_id(v)}


#: Audit detail keys that hold personal data (values, or ``{"old": ..., "new": ...}`` on updates).
PERSONAL_KEYS = ("first_name", "last_name", "name", "email", "x_handle", "x_user_id", "instagram", "phone")


def _personal_values(details: list[str]) -> list[str]:
    """Return the personal values named in audit details (for a customer whose row is gone)."""
    found: list[str] = []
    for text in details:
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        for key in PERSONAL_KEYS:
            value = data.get(key)
            if isinstance(value, dict):
                found += [v for v in (value.get("old"), value.get("new")) if isinstance(v, str)]
            elif isinstance(value, str):
                found.append(value)
    return found


def erase_customer(store: Store, customer_id: int, *, actor: str) -> ErasureReport:
    """Erase a customer's personal data everywhere in the library, keeping ids, states and the audit chain.

    :raises PermissionDenied: unless the role matrix lets ``actor`` (managers and admins).
    A customer deleted before can be erased too: their audit rows are found by id and redacted.

    :raises InputError: if there is no such customer and the audit log names none.
    """
    require(store, actor, "customers.erase")
    if store.db.execute("SELECT 1 FROM customers WHERE id = ?", [customer_id]).fetchone():
        customer = get_customer(store, customer_id)
        values: Sequence[str | None] = [customer.first_name, customer.last_name, customer.name, customer.email,
                                        customer.x_handle, customer.x_user_id, customer.instagram, customer.phone]
    else:
        # Deleted before: their name, e-mail and handle may still be in the audit rows about them.
        details = [r[0] for r in store.db.execute(
            "SELECT detail FROM audit_log WHERE entity = 'customer' AND entity_id = ?", [str(customer_id)])]
        if not details:
            raise InputError(f"customer {customer_id}: no such customer, and the audit log names none; see "
                             "`lookbook customers list`.")
        values = _personal_values(details)
    # What identifies the person, to find it in free text (audit details of imports, merges...).
    needles = {v.strip().lower() for v in values if v and len(v.strip()) >= 3 and v != ERASED_NAME}
    store.backup_before("erase")
    db = store.db
    db.execute("PRAGMA secure_delete = ON")  # freed pages and cells are zeroed, not left readable
    try:
        with store.atomic():
            message_ids = [r[0] for r in db.execute("SELECT id FROM messages WHERE customer_id = ?", [customer_id])]
            reply_ids = [r[0] for r in db.execute(
                "SELECT id FROM replies WHERE customer_id = ? OR message_id IN "
                "(SELECT id FROM messages WHERE customer_id = ?)", [customer_id, customer_id])]
            consents = db.execute("SELECT count(*) FROM consents WHERE customer_id = ?", [customer_id]).fetchone()[0]
            # The erasure is recorded first, so the redacted rows can point at it.
            store.audit(actor, ERASE_ACTION, "customer", customer_id, customer_id=customer_id,
                        messages=len(message_ids), replies=len(reply_ids), consents=consents)
            erase_id = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
            now = utcnow()
            db.execute(
                "UPDATE customers SET first_name = ?, last_name = '', email = NULL, x_handle = NULL, "
                "x_user_id = NULL, instagram = NULL, phone = NULL, preferred_channel = NULL, notes = '', "
                "paused_until = ?, updated_at = ? WHERE id = ?", [ERASED_NAME, NEVER, now, customer_id])
            # dashboard_fans: the sizes the brand dashboard counts the customer by (its counts follow by trigger).
            for table in ("customer_brands", "customer_sizes", "purchases", "channel_status", "dashboard_fans"):
                db.execute(f"DELETE FROM {table} WHERE customer_id = ?", [customer_id])
            db.execute("UPDATE consents SET note = '', confirmation = NULL WHERE customer_id = ?", [customer_id])
            db.execute(
                "UPDATE messages SET body = ?, subject = '', match_reason = '', "
                "decision_comment = CASE WHEN decision_comment IS NULL THEN NULL ELSE ? END, "
                "error = CASE WHEN error IS NULL THEN NULL ELSE ? END, "
                "state_reason = CASE WHEN state_reason IS NULL THEN NULL ELSE ? END WHERE customer_id = ?",
                [ERASED_TEXT, ERASED_TEXT, ERASED_TEXT, ERASED_TEXT, customer_id])
            db.execute("UPDATE send_attempts SET detail = NULL WHERE message_id IN "
                       "(SELECT id FROM messages WHERE customer_id = ?)", [customer_id])
            if reply_ids:
                db.execute(f"UPDATE replies SET body = ? WHERE id IN ({', '.join('?' * len(reply_ids))})",
                           [ERASED_TEXT, *reply_ids])
            redacted = _redact_audit(store, customer_id, message_ids, reply_ids, needles, erase_id)
            # The search index keeps deleted terms in old segments until they are merged.
            db.execute("INSERT INTO customers_fts (customers_fts) VALUES ('optimize')")
    finally:
        db.execute("PRAGMA secure_delete = OFF")
    # Old page images stay in the WAL until it is checkpointed into the file and truncated.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    changes = store.notify(Changes(customers=True, outbox=True, audit=True))
    return ErasureReport(customer_id, len(message_ids), len(reply_ids), consents, redacted, changes)


def _redact_audit(store: Store, customer_id: int, message_ids: list[int], reply_ids: list[int],
                  needles: set[str], erase_id: int) -> int:
    """Replace the details of every audit row about or naming the customer by their ids; return how many."""
    db = store.db
    ids: set[int] = {r[0] for r in db.execute(
        "SELECT id FROM audit_log WHERE entity = 'customer' AND entity_id = ? AND id <> ?",
        [str(customer_id), erase_id])}
    for entity, wanted in (("message", message_ids), ("reply", reply_ids)):
        for chunk in range(0, len(wanted), 500):
            part = [str(i) for i in wanted[chunk:chunk + 500]]
            ids |= {r[0] for r in db.execute(
                f"SELECT id FROM audit_log WHERE entity = ? AND entity_id IN ({', '.join('?' * len(part))})",
                [entity, *part])}
    # Details are JSON with non-ASCII letters escaped (\u00e9): look for both spellings.
    for needle in needles | {json.dumps(n)[1:-1].lower() for n in needles}:
        ids |= {r[0] for r in db.execute("SELECT id FROM audit_log WHERE instr(lower(detail), ?) > 0 AND id <> ?",
                                         [needle, erase_id])}
    for row_id in sorted(ids):
        detail = db.execute("SELECT detail FROM audit_log WHERE id = ?", [row_id]).fetchone()[0]
        kept = {**_ids_only(detail), "_erased_by": erase_id}
        db.execute("UPDATE audit_log SET detail = ? WHERE id = ?", [json.dumps(kept, sort_keys=True), row_id])
    return len(ids)
