"""Follow-up tasks: made by the app per associate with due dates; done, snoozed or dismissed in one click."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lookbook.catalog import holds
from lookbook.cli import main
from lookbook.clienteling import tasks
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.store.database import Store, create_store
from lookbook.store.users import PermissionDenied
from outbox_support import World, add_message, add_staff, add_world

FRIDAY = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


@pytest.fixture
def world(store: Store) -> World:
    add_staff(store)
    w = add_world(store)
    alex = store.db.execute("SELECT id FROM users WHERE username = 'alex'").fetchone()[0]
    maria = store.db.execute("SELECT id FROM users WHERE username = 'maria'").fetchone()[0]
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id IN (?, ?)", [alex, *w.customers[:2]])
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id = ?", [maria, w.customers[2]])
    return w


def _sent(store: Store, customer_id: int, at: dt.datetime, *, channel: str = "x", set_id: int | None = None) -> int:
    message = add_message(store, customer_id, set_id=set_id, state="sent", channel=channel)
    store.db.execute("UPDATE messages SET sent_at = ? WHERE id = ?", [_iso(at), message])
    return message


def _reply(store: Store, customer_id: int, at: dt.datetime, body: str = "M please", n: int = 1) -> None:
    store.db.execute("INSERT INTO replies (customer_id, channel, external_id, body, received_at) VALUES"
                     " (?, 'x', ?, ?, ?)", [customer_id, f"ev{n}", body, _iso(at)])


def _kinds(store: Store, now: dt.datetime, **kw) -> list[tuple[str, int, str | None, str]]:
    return [(t.kind, t.customer_id, t.associate, t.due_at) for t in tasks.list_tasks(store, now=now, **kw)]


def test_a_reply_not_answered_is_due_the_next_working_day_and_done_once_answered(store: Store, world) -> None:
    c0 = world.customers[0]
    _reply(store, c0, FRIDAY)
    _reply(store, world.customers[1], FRIDAY, body="STOP", n=2)  # an opt-out is honoured, not answered
    assert tasks.refresh(store, now=FRIDAY) == 1
    monday = FRIDAY + dt.timedelta(days=3)
    assert _kinds(store, FRIDAY) == [("answer_reply", c0, "alex", _iso(monday))]
    assert tasks.refresh(store, now=FRIDAY) == 0  # made once
    assert not tasks.list_tasks(store, now=FRIDAY)[0].overdue(FRIDAY)
    assert tasks.list_tasks(store, now=FRIDAY, overdue_only=True) == []
    assert tasks.overdue_by_associate(store, now=monday + dt.timedelta(hours=1)) == {"alex": 1}
    _sent(store, c0, FRIDAY + dt.timedelta(hours=2))  # the associate answered
    tasks.refresh(store, now=FRIDAY + dt.timedelta(hours=3))
    assert tasks.list_tasks(store, now=FRIDAY) == []


def test_a_hold_that_ends_tomorrow_makes_a_task(store: Store, world) -> None:
    c0, c1, _ = world.customers
    holds.add_hold(store, c0, "MW-SH01", "M", actor="alex", days=1, now=FRIDAY - dt.timedelta(hours=4))
    holds.add_hold(store, c1, "MW-SH01", "M", actor="alex", days=3, now=FRIDAY)
    tasks.refresh(store, now=FRIDAY)
    assert _kinds(store, FRIDAY) == [("hold_expiring", c0, "alex", _iso(FRIDAY + dt.timedelta(hours=20)))]


def test_no_reply_in_three_days_suggests_one_follow_up_within_cap_and_quiet_hours(store: Store, world) -> None:
    c0, c1, c2 = world.customers
    sent = FRIDAY - dt.timedelta(days=4) + dt.timedelta(hours=12)  # Monday 22:00 UTC, in quiet hours
    _sent(store, c0, sent, set_id=world.set_id)
    _sent(store, c1, sent, set_id=world.set_id)
    _reply(store, c1, sent + dt.timedelta(hours=1))  # c1 answered: no follow-up, a reply to answer instead
    _sent(store, c2, sent, channel="email", set_id=world.set_id)
    consent.record(store, c2, "email", "one_to_one", False, by_user="test", source="reply")  # no consent: none
    _sent(store, c2, FRIDAY - dt.timedelta(days=1), channel="x")  # too recent to follow up anyway
    tasks.refresh(store, now=FRIDAY)
    follow = [t for t in tasks.list_tasks(store, now=FRIDAY) if t.kind == "follow_up"]
    assert [t.customer_id for t in follow] == [c0]
    # The 7-day frequency cap ends next Monday 22:00, in quiet hours (21:00-09:00): Tuesday 09:00.
    assert follow[0].due_at == "2026-12-08T09:00:00+00:00"
    assert "Marlowe spring" in follow[0].detail and "7-day frequency cap" in follow[0].detail
    assert tasks.refresh(store, now=FRIDAY + dt.timedelta(days=1)) == 0  # one follow-up, never two


def test_a_client_who_bought_nothing_for_90_days(store: Store, world) -> None:
    c0, c1, _ = world.customers
    for customer, days in ((c0, 100), (c0, 120), (c1, 30)):
        store.db.execute("INSERT INTO purchases (customer_id, brand_id, purchased_at) VALUES (?, ?, ?)",
                         [customer, world.brand_id, _iso(FRIDAY - dt.timedelta(days=days))])
    tasks.refresh(store, now=FRIDAY)
    (task,) = tasks.list_tasks(store, now=FRIDAY)
    assert (task.kind, task.customer_id) == ("lapsed", c0) and "2026-08-26" in task.detail


def test_done_snooze_dismiss_in_one_click_each(store: Store, world) -> None:
    c0, c1, c2 = world.customers
    for n, customer in enumerate((c0, c1, c2)):
        _reply(store, customer, FRIDAY, n=n)
    tasks.refresh(store, now=FRIDAY)
    first, second, third = (t.id for t in tasks.list_tasks(store, now=FRIDAY))
    tasks.act(store, first, "done", actor="alex", now=FRIDAY)
    tasks.act(store, second, "snooze", actor="alex", days=2, now=FRIDAY)
    tasks.act(store, third, "dismiss", actor="maria", now=FRIDAY)
    assert tasks.list_tasks(store, now=FRIDAY) == []
    # The snoozed one comes back when its snooze ends; done and dismissed never do.
    tasks.refresh(store, now=FRIDAY + dt.timedelta(days=2))
    assert [t.id for t in tasks.list_tasks(store, now=FRIDAY + dt.timedelta(days=2))] == [second]
    with pytest.raises(InputError, match="dismissed already"):
        tasks.act(store, third, "done", actor="alex")
    with pytest.raises(PermissionDenied):
        tasks.act(store, second, "done", actor="sam")
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'task' ORDER BY id")]
    assert actions == ["task.done", "task.snooze", "task.dismiss"]


def test_tasks_verbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    w = add_world(store)
    _reply(store, w.customers[0], dt.datetime.now(dt.UTC) - dt.timedelta(days=5))
    store.close()
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(path))
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    assert main(["tasks", "list", "--json"]) == 0
    (task,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert task["kind"] == "answer_reply" and task["overdue"] is True
    assert main(["tasks", "list", "--per-associate"]) == 0
    assert "1 overdue" in capsys.readouterr().out
    assert main(["--as", "alex", "tasks", "done", str(task["id"])]) == 0
    assert "1 task done" in capsys.readouterr().out
    assert main(["tasks", "list"]) == 0
    assert capsys.readouterr().out.strip() == "No tasks."
