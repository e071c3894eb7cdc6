"""The ``lookbook audit`` verb: read the append-only audit log."""

from __future__ import annotations

import argparse
import json

from lookbook.cli.context import CliContext


def cmd_audit(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.what == "verify":
        return cmd_audit_verify(args, ctx)
    sql = "SELECT id, at, actor, action, entity, entity_id, detail FROM audit_log WHERE 1 = 1"
    params: list[object] = []
    for column, value in (("entity", args.entity), ("entity_id", args.entity_id), ("actor", args.actor)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(max(args.limit, 0))
    for entry_id, at, actor, action, entity, entity_id, detail in ctx.store.db.execute(sql, params).fetchall():
        if args.json:
            print(json.dumps({"id": entry_id, "at": at, "actor": actor, "action": action, "entity": entity,
                              "entity_id": entity_id, "detail": json.loads(detail)}))
        else:
            what = f"{entity} {entity_id}" if entity_id is not None else entity
            print(f"{at}  {actor:<10}  {action:<24}  {what:<14}  {detail}")
    return 0


def cmd_audit_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    report = ctx.store.verify_audit()
    if report.ok:
        print(f"audit log: ok ({report.rows} rows, chain intact)")
        return 0
    print(f"audit log: BROKEN: {report.problem}")
    return 1
