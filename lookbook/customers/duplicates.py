"""Duplicate customers: found by a shared e-mail, X handle, X user id or Instagram handle, merged with a preview.

:func:`find_duplicates` returns each group with the record a merge would leave
(the oldest customer keeps their id; an empty field is filled from the others;
a value that differs is kept in the notes, never silently lost) so a person can
read it before :func:`merge` writes it. A merge moves purchases, consent entries,
messages and replies to the kept customer; where the two disagree on a brand,
"dislike" wins, and the kept customer's sizes win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lookbook.customers.book import FIELDS, Customer, get_customer
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store, utcnow

#: Columns that identify a person, and how they are named to people.
KEYS = {"email": "e-mail", "x_handle": "X handle", "x_user_id": "X user id", "instagram": "Instagram handle"}
_CASELESS = {"email", "x_handle", "instagram"}


@dataclass
class DuplicateGroup:
    """Customers that look like one person, and what merging them would give."""

    keep: Customer
    others: list[Customer]
    shared: list[str] = field(default_factory=list)  # "e-mail ana@example.com"
    merged: dict[str, Any] = field(default_factory=dict)  # field -> value after the merge
    kept_in_notes: list[str] = field(default_factory=list)  # differing values moved to the notes

    @property
    def ids(self) -> list[int]:
        """Return every customer id of the group, the kept one first."""
        return [self.keep.id, *(c.id for c in self.others)]

    def preview(self) -> str:
        """Return a few lines saying what a merge would do."""
        others = ", ".join(f"{c.id} ({c.name})" for c in self.others)
        lines = [f"keep customer {self.keep.id} ({self.keep.name}); merge {others}"
                 f" - same {', '.join(self.shared)}"]
        lines += [f"  {k}: {v}" for k, v in self.merged.items() if v not in (None, "") and k != "notes"]
        lines += [f"  kept in notes: {note}" for note in self.kept_in_notes]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Return the group as JSON-ready data."""
        return {"keep": self.keep.id, "merge": [c.id for c in self.others], "shared": self.shared,
                "merged": self.merged, "kept_in_notes": self.kept_in_notes}


def find_duplicates(store: Store) -> list[DuplicateGroup]:
    """Return every group of customers sharing an identity key, oldest customer first."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    shared: dict[frozenset[int], list[str]] = {}
    pairs: list[tuple[list[int], str]] = []
    for key, word in KEYS.items():
        collate = " COLLATE NOCASE" if key in _CASELESS else ""
        for value, ids in store.db.execute(
                f"SELECT min({key}), group_concat(id) FROM customers WHERE {key} IS NOT NULL"
                f" GROUP BY {key}{collate} HAVING count(*) > 1"):
            members = sorted(int(i) for i in ids.split(","))
            pairs.append((members, f"{word} {value}"))
            for other in members[1:]:
                a, b = root(members[0]), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, set[int]] = {}
    for members, _ in pairs:
        groups.setdefault(root(members[0]), set()).update(members)
    for members, label in pairs:
        shared.setdefault(frozenset(groups[root(members[0])]), []).append(label)
    return [_plan(store, sorted(ids), shared[frozenset(ids)]) for _, ids in sorted(groups.items())]


def _plan(store: Store, ids: list[int], shared: list[str]) -> DuplicateGroup:
    people = [get_customer(store, i) for i in ids]
    keep, others = people[0], people[1:]
    merged: dict[str, Any] = {}
    noted: list[str] = []
    for name in FIELDS:
        if name == "notes":
            continue
        value = getattr(keep, name)
        for other in others:
            theirs = getattr(other, name)
            if theirs in (None, ""):
                continue
            if value in (None, "") or (name == "timezone" and value == "UTC"):
                value = theirs
            elif name == "last_contacted_at":
                value = max(value, theirs)
            elif str(theirs).lower() != str(value).lower() and name not in ("associate_id",):
                noted.append(f"{name} {theirs} (from customer {other.id})")
        merged[name] = value
    notes = [keep.notes] + [o.notes for o in others if o.notes and o.notes != keep.notes]
    notes += [f"Merged: {n}" for n in noted]
    merged["notes"] = "\n".join(n for n in notes if n)
    merged["paused_until"] = max((p.paused_until for p in people if p.paused_until), default=None)
    return DuplicateGroup(keep, others, shared, merged, noted)


def merge(store: Store, ids: list[int], *, actor: str) -> Changes:
    """Merge customers into the oldest of them, as :func:`find_duplicates` previews it.

    :raises InputError: if fewer than two customers are given or one does not exist.
    """
    ids = sorted(set(ids))
    if len(ids) < 2:
        raise InputError("merging needs two or more customer ids.")
    group = _plan(store, ids, [])
    keep, others = group.keep.id, [c.id for c in group.others]
    marks = ", ".join("?" * len(others))
    db = store.db
    with store.atomic():
        values = {k: group.merged[k] for k in (*FIELDS, "paused_until")}
        db.execute(f"UPDATE customers SET {', '.join(f'{k} = ?' for k in values)}, updated_at = ? WHERE id = ?",
                   [*values.values(), utcnow(), keep])
        db.execute(
            f"INSERT INTO customer_brands (customer_id, brand_id, stance, source) SELECT ?, brand_id, stance, source"
            f" FROM customer_brands WHERE customer_id IN ({marks}) ORDER BY customer_id"
            " ON CONFLICT (customer_id, brand_id) DO UPDATE SET stance = CASE WHEN excluded.stance = 'dislike'"
            " THEN 'dislike' ELSE customer_brands.stance END", [keep, *others])
        db.execute(f"INSERT OR IGNORE INTO customer_sizes (customer_id, category, size) SELECT ?, category, size"
                   f" FROM customer_sizes WHERE customer_id IN ({marks}) ORDER BY customer_id", [keep, *others])
        db.execute(f"INSERT OR IGNORE INTO channel_status (customer_id, channel, unreachable_reason, unreachable_at)"
                   f" SELECT ?, channel, unreachable_reason, unreachable_at FROM channel_status"
                   f" WHERE customer_id IN ({marks})", [keep, *others])
        for table in ("purchases", "consents", "messages", "replies"):
            db.execute(f"UPDATE {table} SET customer_id = ? WHERE customer_id IN ({marks})", [keep, *others])
        # The ledger rows moved; the current state is again the latest entry per channel and scope.
        db.execute("DELETE FROM consent_current WHERE customer_id = ?", [keep])
        db.execute("INSERT INTO consent_current (customer_id, channel, scope, granted, at, consent_id)"
                   " SELECT customer_id, channel, scope, granted, at, id FROM consents AS c WHERE customer_id = ?"
                   " AND id = (SELECT max(id) FROM consents AS l WHERE l.customer_id = c.customer_id"
                   " AND l.channel = c.channel AND l.scope = c.scope)", [keep])
        db.execute(f"DELETE FROM customers WHERE id IN ({marks})", others)
        store.audit(actor, "customer.merge", "customer", keep, merged=others, kept_in_notes=group.kept_in_notes,
                    removed=[{"id": c.id, "name": c.name, "email": c.email, "x_handle": c.x_handle}
                             for c in group.others])
    return store.notify(Changes(customers=True, outbox=True, audit=True))


def merge_all(store: Store, *, actor: str) -> tuple[list[DuplicateGroup], Changes]:
    """Merge every duplicate group in one transaction; return the groups merged."""
    groups = find_duplicates(store)
    with store.atomic():
        for group in groups:
            merge(store, group.ids, actor=actor)
    return groups, (Changes(customers=True, outbox=True, audit=True) if groups else Changes())
