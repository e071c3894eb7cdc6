"""Task verbs: ``lookbook tasks list|refresh|done|snooze|dismiss``."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line
from lookbook.clienteling import tasks


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    """Make the tasks now due, then list them (or count the overdue ones per associate)."""
    tasks.refresh(ctx.store)
    if args.per_associate:
        counts = tasks.overdue_by_associate(ctx.store)
        if args.json:
            print(json.dumps(counts))
        else:
            for associate, n in counts.items():
                print(f"{one_line(associate or '(no associate)'):<20} {n:>5} overdue")
            if not counts:
                print("No overdue tasks.")
        return 0
    found = tasks.list_tasks(ctx.store, associate=args.associate, customer_id=args.customer,
                             include_closed=args.all, overdue_only=args.overdue)
    now = dt.datetime.now(dt.UTC)
    for task in found:
        if args.json:
            print(json.dumps(task.as_dict()))
            continue
        flag = "OVERDUE " if task.overdue(now) else ""
        print(f"{task.id:>5}  {flag}due {task.due_at[:16].replace('T', ' ')}  {tasks.KIND_LABELS[task.kind]}: "
              f"{one_line(task.title)} [{one_line(task.associate or '-')}, {task.status}]\n"
              f"       {one_line(task.detail)}")
    if not args.json and not found:
        print("No tasks.")
    return 0


def cmd_refresh(args: argparse.Namespace, ctx: CliContext) -> int:
    """Make the tasks now due."""
    made = tasks.refresh(ctx.store)
    print(f"{made} new task{'' if made == 1 else 's'}.")
    return 0


def cmd_act(args: argparse.Namespace, ctx: CliContext) -> int:
    """Mark tasks done, snooze or dismiss them."""
    tasks.act(ctx.store, args.ids, args.action, actor=ctx.user.username, days=getattr(args, "days", 1))
    print(f"{len(args.ids)} task{'' if len(args.ids) == 1 else 's'} {tasks.ACTIONS[args.action]}.")
    return 0


def cmd_confirm_stop(args: argparse.Namespace, ctx: CliContext) -> int:
    """Answer a confirm_opt_out task."""
    tasks.confirm_opt_out(ctx.store, args.id, args.answer == "yes", actor=ctx.user.username)
    print("Consent withdrawn on that channel." if args.answer == "yes" else "The channel is used again.")
    return 0
