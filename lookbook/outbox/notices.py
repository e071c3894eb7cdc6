"""What a person should be told about: messages waiting for a manager, an associate's messages decided on.

A manager hears when someone else submits messages for approval; whoever drafted messages hears when a
manager approved or rejected them (with the comment), when sending them failed, and when a customer
answered one. All of it is read from the audit log, which every such change writes in its own transaction,
so it works the same whether the change was made in this window, another one, the command line or a send
run. The app keeps, per person, the audit row up to which they have seen notices; this module only reads.

Whether someone wants desktop notifications is a library setting per person
(:func:`desktop_notifications` / :func:`set_desktop_notifications`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lookbook.hooks import Changes
from lookbook.store import roles
from lookbook.store.database import Store
from lookbook.words import plural

#: The audit actions a notice can come from, and the kind of notice each makes.
KINDS = {"message.submit": "waiting", "message.approve": "approved", "message.reject": "rejected",
         "message.fail": "failed", "reply.receive": "answered"}
#: Who hears of messages waiting for approval.
APPROVER_ROLES = roles.roles_for("outbox.approve")
#: The most notices read at once (a person back from a week off gets a summary, not thousands of rows).
LIMIT = 500


@dataclass(frozen=True)
class Notice:
    """One thing that happened to a message a person cares about."""

    #: The audit row it comes from (notices are ordered by it; a person has seen those up to some id).
    id: int
    #: ``waiting``, ``approved``, ``rejected``, ``failed`` or ``answered``.
    kind: str
    message_id: int | None
    #: Who did it (the manager who decided, the associate who submitted; ``replies`` for an answer).
    actor: str
    customer: str
    set_name: str
    #: The manager's comment of a rejection or approval, or why sending failed.
    comment: str


def latest_id(store: Store) -> int:
    """Return the newest audit row's id: notices after it are new."""
    return int(store.db.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0])


def notices_for(store: Store, username: str, role: str, after_id: int) -> list[Notice]:
    """Return what ``username`` (of ``role``) should hear about since audit row ``after_id``, oldest first.

    A manager (or admin) hears of messages others submitted; everyone hears what happened to the messages they
    drafted. Nobody hears of their own doing.
    """
    marks = ", ".join("?" * len(KINDS))
    rows = store.db.execute(
        "SELECT a.id, a.action, m.id, a.actor, m.drafted_by,"
        " trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), coalesce(s.name, ''),"
        " coalesce(json_extract(a.detail, '$.comment'), json_extract(a.detail, '$.error'), '')"
        " FROM audit_log a"
        " LEFT JOIN messages m ON m.id = CASE WHEN a.action = 'reply.receive'"
        "   THEN json_extract(a.detail, '$.message_id') ELSE CAST(a.entity_id AS INTEGER) END"
        " LEFT JOIN customers c ON c.id = m.customer_id"
        " LEFT JOIN sets s ON s.id = m.set_id"
        f" WHERE a.id > ? AND a.action IN ({marks}) ORDER BY a.id LIMIT ?",
        [after_id, *KINDS, LIMIT]).fetchall()
    me = username.casefold()
    approver = role in APPROVER_ROLES
    found = []
    for audit_id, action, message_id, actor, drafted_by, customer, set_name, comment in rows:
        kind = KINDS[action]
        if actor.casefold() == me or drafted_by is None:
            continue
        if kind == "waiting" and not approver:
            continue
        if kind != "waiting" and drafted_by.casefold() != me:
            continue
        found.append(Notice(audit_id, kind, message_id, actor, customer, set_name, str(comment)))
    return found


def summary(notices: list[Notice]) -> list[str]:
    """Return the notices as a few lines a person reads, one per kind, set, actor and comment."""
    groups: dict[tuple[str, str, str, str], list[Notice]] = defaultdict(list)
    for notice in notices:
        groups[(notice.kind, notice.set_name, notice.actor, notice.comment)].append(notice)
    lines = []
    for (kind, set_name, actor, comment), group in groups.items():
        where = f" in “{set_name}”" if set_name else ""
        who = group[0].customer if len(group) == 1 else ""
        yours = f"your message to {who}" if who else f"{len(group)} of your messages"
        said = f": “{comment}”" if comment else ""
        if kind == "waiting":
            line = f"{actor} submitted {plural(len(group), 'message')}{where} for approval."
        elif kind == "answered":
            line = f"{who or plural(len(group), 'customer')} answered {'your message' if who else 'your messages'}" \
                   f"{where}."
        elif kind == "failed":
            line = f"Sending {yours}{where} failed{said}."
        else:
            line = f"{actor} {kind} {yours}{where}{said}."
        lines.append(line)
    return lines


def badge(notices: list[Notice]) -> str:
    """Return a short count of unseen notices for the sidebar, empty for none.

    One kind says which ("1 rejected"); several say how many ("3 new"), and how many failed if any, since a
    narrow sidebar shows only the first number and a failure colours the badge red.
    """
    order = ("rejected", "failed", "answered", "approved")
    counts = {kind: sum(1 for n in notices if n.kind == kind) for kind in order}
    kinds = [kind for kind in order if counts[kind]]
    if len(kinds) <= 1:
        return f"{counts[kinds[0]]} {kinds[0]}" if kinds else ""
    failed = f", {counts['failed']} failed" if counts["failed"] else ""
    return f"{sum(counts.values())} new{failed}"


# -- the setting -------------------------------------------------------------------------------------------
def _setting_key(username: str) -> str:
    return f"notifications.desktop.{username.casefold()}"


def desktop_notifications(store: Store, username: str) -> bool:
    """Return whether ``username`` wants desktop notifications (on unless they turned them off)."""
    return bool(store.get_setting(_setting_key(username), True))


def set_desktop_notifications(store: Store, username: str, enabled: bool) -> Changes:
    """Turn ``username``'s desktop notifications on or off (audited as ``settings.notifications``)."""
    with store.atomic():
        store.set_setting(_setting_key(username), bool(enabled))
        store.audit(username, "settings.notifications", "user", username, desktop=bool(enabled))
    return store.notify(Changes(settings=True, audit=True))
