"""Follow-ups: tasks the app makes for each associate, with due dates, done, snoozed or dismissed in one click.

:func:`refresh` makes the tasks that are due to exist (it is idempotent: each task has a unique key,
so one done or dismissed never comes back):

answer_reply
    a customer replied and nobody has written to them since: due one working day after the reply
    (Saturday and Sunday are not working days). Done by itself once a message goes to them after it.
hold_expiring
    a hold ends tomorrow (within a day): due when it ends, so the associate calls before it lapses.
follow_up
    a message was delivered three days ago or more and the customer has not answered nor been written to
    since: one follow-up is suggested, at the earliest moment that respects consent (none is suggested
    without it), the frequency cap (``outbox.quiet_days`` after the last message) and the customer's
    quiet hours.
lapsed
    a client who has bought before has bought nothing for 90 days: due at once.

One more kind is made by the reply poll, not here: **confirm_opt_out**, a reply that may ask to stop
(:mod:`lookbook.outbox.opt_out`); its channel is paused until the associate answers
:func:`confirm_opt_out` (yes: consent withdrawn; no: the channel is used again).

A task belongs to the customer's associate (the one at the time it was made); managers see the
overdue tasks per associate (:func:`overdue_by_associate`). Every change of state is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox import quiet_hours
from lookbook.store.database import Store

KINDS = ("answer_reply", "hold_expiring", "follow_up", "lapsed", "confirm_opt_out")
KIND_LABELS = {"answer_reply": "Answer the reply", "hold_expiring": "Hold ends", "follow_up": "Follow up",
               "lapsed": "Lapsed client", "confirm_opt_out": "Asked to stop?"}
FOLLOW_UP_DAYS = 3
#: Messages older than this are not followed up any more (a follow-up weeks later is a new message).
FOLLOW_UP_HORIZON_DAYS = 14
LAPSED_DAYS = 90
SNOOZE_DAYS = 1
ACTIONS = {"done": "done", "snooze": "snoozed", "dismiss": "dismissed"}
SYSTEM = "system"
# The frequency cap's setting, as lookbook.customers.matching keeps it (read here without importing matching).
_FREQUENCY_SETTING, _FREQUENCY_DEFAULT = "outbox.quiet_days", 7


@dataclass(frozen=True)
class Task:
    """One task as lists show it."""

    id: int
    kind: str
    customer_id: int
    customer: str
    associate: str | None
    title: str
    detail: str
    due_at: str
    status: str
    snoozed_until: str | None

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Return whether the task is open and past its due time."""
        return self.status in ("open", "snoozed") and self.due_at < _iso(_now(now))

    def as_dict(self) -> dict[str, Any]:
        """Return the task as JSON-ready data."""
        return {**self.__dict__, "overdue": self.overdue()}


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _parse(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def next_working_day(moment: dt.datetime) -> dt.datetime:
    """Return the same time one working day later (Friday → Monday, Saturday or Sunday → Monday/Tuesday)."""
    later = moment + dt.timedelta(days=1)
    while later.weekday() >= 5:
        later += dt.timedelta(days=1)
    return later


def _associates(store: Store) -> dict[int, str]:
    return dict(store.db.execute("SELECT id, username FROM users"))


def _add(store: Store, key: str, kind: str, customer_id: int, associate: str | None, title: str, detail: str,
         due: dt.datetime, moment: dt.datetime) -> bool:
    cur = store.db.execute(
        "INSERT OR IGNORE INTO tasks (key, kind, customer_id, associate, title, detail, due_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [key, kind, customer_id, associate, title, detail, _iso(due),
                                             _iso(moment)])
    return cur.rowcount == 1


def refresh(store: Store, *, now: dt.datetime | None = None) -> int:
    """Make the tasks now due to exist and close answered replies' tasks; return how many were made.

    Does nothing on a library that cannot be written (a damaged or read-only one).
    """
    if not store.writable:
        return 0
    moment = _now(now)
    made = 0
    names = _associates(store)
    with store.atomic():
        made += _answer_replies(store, moment, names)
        made += _holds_ending(store, moment, names)
        made += _follow_ups(store, moment, names)
        made += _lapsed(store, moment, names)
    if made:
        store.notify(Changes(customers=True))
    return made


def _answer_replies(store: Store, moment: dt.datetime, names: dict[int, str]) -> int:
    from lookbook.outbox.opt_out import NO, classify

    made = 0
    # A reply is answered once a message went to the customer after it (at the same second as the reply, only
    # a message newer than the one it answers: timestamps are whole seconds).
    for reply_id, customer_id, body, received_at, associate_id, name in store.db.execute(
            "SELECT r.id, r.customer_id, r.body, r.received_at, c.associate_id, trim(c.first_name || ' ' ||"
            " c.last_name) FROM replies r JOIN customers c ON c.id = r.customer_id WHERE NOT EXISTS"
            " (SELECT 1 FROM messages m WHERE m.customer_id = r.customer_id AND m.state = 'sent'"
            " AND m.sent_at >= r.received_at AND m.id > coalesce(r.message_id, 0))"
            " AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.key = 'reply:' || r.id)"
            ).fetchall():
        if classify(body).kind != NO:
            continue  # an opt-out is honoured by the poll, a maybe has its own task: no message to answer with
        snippet = " ".join(body.split())[:80]
        made += _add(store, f"reply:{reply_id}", "answer_reply", customer_id, names.get(associate_id),
                     f"Answer {name}", f"They wrote: “{snippet}”", next_working_day(_parse(received_at)), moment)
    # Replies answered since: their tasks are done by themselves.
    for task_id, in store.db.execute(
            "SELECT t.id FROM tasks t JOIN replies r ON t.key = 'reply:' || r.id WHERE t.status IN ('open', 'snoozed')"
            " AND EXISTS (SELECT 1 FROM messages m WHERE m.customer_id = r.customer_id AND m.state = 'sent'"
            " AND m.sent_at >= r.received_at AND m.id > coalesce(r.message_id, 0))").fetchall():
        _set(store, task_id, "done", SYSTEM, moment, why="answered")
    return made


def _holds_ending(store: Store, moment: dt.datetime, names: dict[int, str]) -> int:
    made = 0
    for hold_id, customer_id, associate_id, name, sku, product, size, until in store.db.execute(
            "SELECT h.id, h.customer_id, c.associate_id, trim(c.first_name || ' ' || c.last_name), p.sku, p.name,"
            " h.size, h.until FROM holds h JOIN customers c ON c.id = h.customer_id JOIN products p"
            " ON p.id = h.product_id WHERE h.status = 'active' AND h.until > ? AND h.until <= ?",
            [_iso(moment), _iso(moment + dt.timedelta(days=1))]).fetchall():
        made += _add(store, f"hold:{hold_id}", "hold_expiring", customer_id, names.get(associate_id),
                     f"{name}'s hold ends", f"{product} ({sku}) in {size} is put aside until "
                     f"{until[:16].replace('T', ' ')} UTC: call them, or release it for others.",
                     _parse(until), moment)
    return made


def _follow_ups(store: Store, moment: dt.datetime, names: dict[int, str]) -> int:
    made = 0
    cap = int(store.get_setting(_FREQUENCY_SETTING, _FREQUENCY_DEFAULT))
    quiet_before = _iso(moment - dt.timedelta(days=FOLLOW_UP_DAYS))
    horizon = _iso(moment - dt.timedelta(days=FOLLOW_UP_HORIZON_DAYS))
    # The last delivered message of each customer, three days old or more, with no reply and no later message.
    for message_id, customer_id, channel, sent_at, set_name, associate_id, name in store.db.execute(
            "SELECT m.id, m.customer_id, m.channel, m.sent_at, coalesce(s.name, 'their message'), c.associate_id,"
            " trim(c.first_name || ' ' || c.last_name) FROM messages m JOIN customers c ON c.id = m.customer_id"
            " LEFT JOIN sets s ON s.id = m.set_id WHERE m.state = 'sent' AND m.sent_at <= ? AND m.sent_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM messages l WHERE l.customer_id = m.customer_id AND l.state = 'sent'"
            " AND (l.sent_at > m.sent_at OR (l.sent_at = m.sent_at AND l.id > m.id)))"
            " AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.customer_id = m.customer_id"
            " AND r.received_at >= m.sent_at)"
            " AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.key = 'follow_up:' || m.id)",
            [quiet_before, horizon]).fetchall():
        if not consent.has_consent(store, customer_id, channel):
            continue  # they withdrew since: no follow-up on that channel, not even suggested
        earliest = max(moment, _parse(sent_at) + dt.timedelta(days=cap))
        earliest = quiet_hours.next_send_time(store, customer_id, earliest)
        label = consent.CHANNEL_LABELS.get(channel, channel)
        made += _add(store, f"follow_up:{message_id}", "follow_up", customer_id, names.get(associate_id),
                     f"Follow up with {name}",
                     f"No reply to “{set_name}” ({label}, sent {sent_at[:10]}). Suggest one follow-up on {label} "
                     f"from {_iso(earliest)[:16].replace('T', ' ')} UTC (the {cap}-day frequency cap and their "
                     "quiet hours allow it then); it goes through approval like any message.",
                     earliest, moment)
    return made


def _lapsed(store: Store, moment: dt.datetime, names: dict[int, str]) -> int:
    made = 0
    cutoff = _iso(moment - dt.timedelta(days=LAPSED_DAYS))
    for customer_id, last, associate_id, name in store.db.execute(
            "SELECT pu.customer_id, max(pu.purchased_at), c.associate_id, trim(c.first_name || ' ' || c.last_name)"
            " FROM purchases pu JOIN customers c ON c.id = pu.customer_id GROUP BY pu.customer_id"
            " HAVING max(pu.purchased_at) < ?", [cutoff]).fetchall():
        made += _add(store, f"lapsed:{customer_id}:{last[:10]}", "lapsed", customer_id, names.get(associate_id),
                     f"{name} has not bought for {LAPSED_DAYS} days",
                     f"Last purchase {last[:10]}: check in with something in their size.", moment, moment)
    return made


_SELECT = """
SELECT t.id, t.kind, t.customer_id, trim(c.first_name || ' ' || c.last_name), t.associate, t.title, t.detail,
       t.due_at, t.status, t.snoozed_until
FROM tasks t JOIN customers c ON c.id = t.customer_id
"""


def list_tasks(store: Store, *, associate: str | None = None, customer_id: int | None = None,
               include_closed: bool = False, overdue_only: bool = False,
               now: dt.datetime | None = None) -> list[Task]:
    """Return the open tasks (and snoozed ones whose snooze is over), soonest due first.

    :param associate: only this associate's tasks (username).
    :param include_closed: also done, dismissed and still-snoozed ones.
    """
    moment = _iso(_now(now))
    sql = _SELECT + " WHERE (? IS NULL OR t.associate = ?) AND (? IS NULL OR t.customer_id = ?)"
    params: list[Any] = [associate, associate, customer_id, customer_id]
    if not include_closed:
        sql += " AND (t.status = 'open' OR (t.status = 'snoozed' AND t.snoozed_until <= ?))"
        params.append(moment)
    if overdue_only:
        sql += " AND t.due_at < ?"
        params.append(moment)
    return [Task(*r) for r in store.db.execute(sql + " ORDER BY t.due_at, t.id", params)]


def overdue_by_associate(store: Store, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Return how many open tasks are past due, per associate ('' for customers with none)."""
    moment = _iso(_now(now))
    return {a or "": n for a, n in store.db.execute(
        "SELECT associate, count(*) FROM tasks WHERE (status = 'open' OR (status = 'snoozed' AND snoozed_until <= ?))"
        " AND due_at < ? GROUP BY associate ORDER BY associate", [moment, moment])}


def _set(store: Store, task_id: int, action: str, actor: str, moment: dt.datetime, *, days: int = SNOOZE_DAYS,
         why: str = "") -> None:
    row = store.db.execute("SELECT status, customer_id, kind FROM tasks WHERE id = ?", [task_id]).fetchone()
    if row is None:
        raise InputError(f"task {task_id} does not exist; list the tasks with `lookbook tasks list`.")
    if row[0] in ("done", "dismissed"):
        raise InputError(f"task {task_id} is {row[0]} already.")
    status = ACTIONS[action]
    until = _iso(moment + dt.timedelta(days=days)) if status == "snoozed" else None
    store.db.execute("UPDATE tasks SET status = ?, snoozed_until = ?, closed_by = ?, closed_at = ? WHERE id = ?",
                     [status, until, None if until else actor, None if until else _iso(moment), task_id])
    store.audit(actor, f"task.{action}", "task", task_id, customer_id=row[1], kind=row[2], snoozed_until=until,
                **({"why": why} if why else {}))


def act(store: Store, task_ids: int | Iterable[int], action: str, *, actor: str, days: int = SNOOZE_DAYS,
        now: dt.datetime | None = None) -> Changes:
    """Mark tasks done, snooze them ``days`` days, or dismiss them — one click each, audited.

    :raises InputError: for an unknown action or task, or a task already done or dismissed.
    """
    from lookbook.store import roles

    if action not in ACTIONS:
        raise InputError(f"'{action}' is not one of {', '.join(ACTIONS)}.")
    if not 1 <= days <= 30:
        raise InputError(f"snooze for {days} days: choose 1 to 30 days.")
    roles.require(store, actor, "tasks.work")
    ids = [task_ids] if isinstance(task_ids, int) else list(task_ids)
    moment = _now(now)
    with store.atomic():
        for task_id in ids:
            _set(store, task_id, action, actor, moment, days=days)
    return store.notify(Changes(customers=True, audit=True))


def ask_to_confirm_opt_out(store: Store, customer_id: int, channel: str, reply_id: int, body: str, why: str,
                           *, now: dt.datetime | None = None) -> bool:
    """Give the customer's associate a task: did this reply ask to stop? (The poll has paused the channel.)"""
    moment = _now(now)
    row = store.db.execute("SELECT u.username, trim(c.first_name || ' ' || c.last_name) FROM customers c"
                           " LEFT JOIN users u ON u.id = c.associate_id WHERE c.id = ?", [customer_id]).fetchone()
    label = consent.CHANNEL_LABELS.get(channel, channel)
    snippet = " ".join(body.split())[:80]
    return _add(store, f"confirm:{reply_id}:{channel}", "confirm_opt_out", customer_id, row[0] if row else None,
                f"Did {row[1] if row else 'the customer'} ask to stop?",
                f"They wrote “{snippet}” ({why}). {label} is paused for them until you answer: "
                "Opt-Out if they asked to stop, Not an Opt-Out to use it again.", moment, moment)


def confirm_opt_out(store: Store, task_id: int, opted_out: bool, *, actor: str,
                    now: dt.datetime | None = None) -> Changes:
    """Answer a confirm_opt_out task: withdraw consent on the channel, or use it again; the task is done.

    :raises InputError: for an unknown task, one of another kind, or one already closed.
    """
    from lookbook.outbox.channels import reachability
    from lookbook.outbox.replies import withdraw_channel
    from lookbook.store import roles

    roles.require(store, actor, "tasks.work")
    row = store.db.execute("SELECT kind, key, customer_id, status FROM tasks WHERE id = ?", [task_id]).fetchone()
    if row is None or row[0] != "confirm_opt_out":
        raise InputError(f"task {task_id} is not a question about a request to stop; list them with "
                         "`lookbook tasks list`.")
    if row[3] in ("done", "dismissed"):
        raise InputError(f"task {task_id} is {row[3]} already.")
    _, reply_id, channel = row[1].split(":")
    customer_id = int(row[2])
    with store.atomic():
        if opted_out:
            withdraw_channel(store, customer_id, channel, by_user=actor,
                             note=f"{actor} confirmed that reply {reply_id} asked to stop")
        reachability.clear_unreachable(store, customer_id, channel, actor,
                                       f"{actor} confirmed reply {reply_id} " +
                                       ("asked to stop (consent withdrawn)" if opted_out else "was not a request "
                                        "to stop"))
        _set(store, task_id, "done", actor, _now(now), why="opt-out" if opted_out else "not an opt-out")
    return store.notify(Changes(customers=True, outbox=True, audit=True))
