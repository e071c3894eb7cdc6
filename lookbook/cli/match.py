"""``lookbook sets match SET``: the customers a set is right for, and who is left out, with reasons.

Apart from the customer verbs (:mod:`lookbook.cli.customers`), whose module imports the customer book that
matching does not need (7 ms of a popular brand's ``sets match --json``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lookbook.cli.context import CliContext
from lookbook.cli.output import one_line, print_json

if TYPE_CHECKING:
    from lookbook.customers.matching import MatchResult


def cmd_match(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.customers.matching import collector_paused, match_set

    # One pause of the garbage collector for matching and printing, the result freed before it ends: else the
    # collector walks every object the match made (tens of milliseconds for a popular brand) to free none.
    with collector_paused():
        result = match_set(ctx.store, args.set_id, limit=args.limit, for_user=args.as_user)
        _print_match(args, result)
        del result
    return 0


def _print_match(args: argparse.Namespace, result: MatchResult) -> None:
    if args.json:
        print_json(result.to_json())  # json.dumps(result.as_dict()), written out faster
        return
    print(f"Set {result.set_id} '{result.set_name}' ({result.brand}, {result.scope.replace('_', '-')}): "
          f"{len(result.matches)} matches, {len(result.exclusions)} left out of {result.considered} considered")
    for m in result.matches:
        print(f"  {m.score:5.2f}  {m.customer_id:>7} {one_line(m.name):<24} {m.channel:<6} {'; '.join(m.reasons)}")
    for e in result.exclusions:
        print(f"  {'no':>5}  {e.customer_id:>7} {one_line(e.name):<24} {'; '.join(e.reasons)}")
