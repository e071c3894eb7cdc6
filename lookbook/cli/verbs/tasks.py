"""The ``tasks`` verbs' arguments; their handlers are in :mod:`lookbook.cli.tasks`, imported when one runs."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``tasks`` verb group."""
    group = subparsers.add_parser("tasks", help="follow-ups for each associate: replies to answer, holds ending, "
                                                "follow-ups, lapsed clients")
    verbs = group.add_subparsers(dest="tasks_command", metavar="VERB")
    verbs.required = True

    p = verbs.add_parser("list", help="list open tasks, soonest due first (tasks now due are made first)")
    p.add_argument("--associate", metavar="USER", help="only this associate's tasks")
    p.add_argument("--customer", type=int, metavar="ID", help="only this customer's tasks")
    p.add_argument("--overdue", action="store_true", help="only tasks past their due time")
    p.add_argument("--all", action="store_true", help="also done, dismissed and snoozed tasks")
    p.add_argument("--per-associate", action="store_true", help="count overdue tasks per associate instead")
    p.add_argument("--json", action="store_true", help="print one JSON object per task")
    p.set_defaults(handler="lookbook.cli.tasks:cmd_list")

    p = verbs.add_parser("refresh", help="make the tasks now due (the app and `tasks list` do it too)")
    p.set_defaults(handler="lookbook.cli.tasks:cmd_refresh")

    for verb, helptext in (("done", "mark tasks done"), ("snooze", "put tasks off (default one day)"),
                           ("dismiss", "dismiss tasks: they do not come back")):
        p = verbs.add_parser(verb, help=helptext)
        p.add_argument("ids", type=int, nargs="+", metavar="TASK_ID")
        if verb == "snooze":
            p.add_argument("--days", type=int, default=1)
        p.set_defaults(handler="lookbook.cli.tasks:cmd_act", action=verb)

    p = verbs.add_parser("confirm-stop", help="answer a reply that may ask to stop: yes withdraws consent on the "
                                              "channel, no uses the paused channel again")
    p.add_argument("id", type=int, metavar="TASK_ID")
    p.add_argument("answer", choices=("yes", "no"))
    p.set_defaults(handler="lookbook.cli.tasks:cmd_confirm_stop")
