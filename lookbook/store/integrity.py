"""Checking that the library's data is whole: SQLite's own checks and the audit log's hash chain.

The audit chain
    Each ``audit_log`` row stores ``detail_hash`` = SHA-256 of its ``detail`` text, and
    ``hash`` = SHA-256 of the canonical JSON ``[previous hash, id, at, actor, action, entity,
    entity_id, detail_hash]`` (the first row's previous hash is 64 zeros). Deleting, inserting
    or changing a row (even with the append-only triggers dropped) breaks the link of the
    first row after it. The chain covers ``detail_hash``, not ``detail``: erasing a customer
    may replace a row's details by their ids alone (marked ``"_erased_by": <id of the
    customer.erase row>``) and the chain still verifies; any other change to ``detail`` is
    caught because it no longer matches ``detail_hash``.

    Verifying every row at each open would grow with the log, so the store verifies from a
    checkpoint (the last verified row's id and hash, kept in the settings) and
    :func:`verify_chain` walks everything for ``lookbook audit verify`` and ``lookbook check``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from lookbook.errors import LibraryError

GENESIS = "0" * 64
#: The setting that holds the last verified audit row: ``{"id": N, "hash": "..."}``.
CHECKPOINT_SETTING = "integrity.audit_checkpoint"
#: The action of the audit row an erasure writes; redacted rows point at one.
ERASE_ACTION = "customer.erase"

#: The append-only triggers, re-created at every open (so ``DROP TRIGGER`` lasts one session at most).
#: An update may only redact a row's details on erasure: nothing the chain covers may change.
AUDIT_TRIGGERS = """
DROP TRIGGER IF EXISTS audit_log_no_update;
DROP TRIGGER IF EXISTS audit_log_no_delete;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (new.id IS old.id AND new.at IS old.at AND new.actor IS old.actor AND new.action IS old.action
          AND new.entity IS old.entity AND new.entity_id IS old.entity_id AND new.detail_hash IS old.detail_hash
          AND new.hash IS old.hash AND json_valid(new.detail)
          AND json_extract(new.detail, '$._erased_by') IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
"""


def detail_digest(detail: str) -> str:
    """Return the hex SHA-256 of an audit row's detail text."""
    return hashlib.sha256(detail.encode("utf-8")).hexdigest()


def row_hash(prev: str | None, row_id: int, at: str, actor: str, action: str, entity: str,
             entity_id: str | None, detail_hash: str) -> str:
    """Return an audit row's chained hash (see the module docstring for what it covers)."""
    canonical = json.dumps([prev or GENESIS, int(row_id), at, actor, action, entity, entity_id, detail_hash],
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def install_functions(conn: sqlite3.Connection) -> None:
    """Register ``lookbook_audit_hash(...)`` so an audit row's hash is computed inside its INSERT."""
    conn.create_function("lookbook_audit_hash", 8, row_hash, deterministic=True)
    conn.create_function("lookbook_sha256", 1, detail_digest, deterministic=True)


def ensure_audit_triggers(conn: sqlite3.Connection) -> None:
    """Drop and re-create the audit log's append-only triggers."""
    for statement in AUDIT_TRIGGERS.split(";\n"):
        if statement.strip():
            conn.execute(statement)


@dataclass(frozen=True)
class ChainReport:
    """What walking the audit chain found."""

    rows: int  #: rows checked
    last_id: int | None  #: the last row checked (whole)
    last_hash: str | None
    problem: str | None = None  #: the first broken link, in words; None when whole

    @property
    def ok(self) -> bool:
        return self.problem is None


def _erased_ok(conn: sqlite3.Connection, detail: str) -> bool:
    """Return whether ``detail`` is a redaction pointing at a real erasure row."""
    try:
        erased_by = json.loads(detail).get("_erased_by")
    except (ValueError, AttributeError):
        return False
    if not isinstance(erased_by, int):
        return False
    row = conn.execute("SELECT action FROM audit_log WHERE id = ?", [erased_by]).fetchone()
    return row is not None and row[0] == ERASE_ACTION


def verify_chain(conn: sqlite3.Connection, start: tuple[int, str] | None = None,
                 expect_at_least: int | None = None) -> ChainReport:
    """Walk the audit chain in id order and return the first broken link.

    :param start: ``(id, hash)`` of a row verified before: check that it is unchanged and walk on from it.
    :param expect_at_least: the log is known to have reached this id (a checkpoint): fewer rows means
        rows at its end were removed.
    """
    prev_id, prev_hash, after = 0, GENESIS, 0
    if start is not None:
        start_id, start_hash = start
        row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [start_id]).fetchone()
        if row is None:
            return ChainReport(0, None, None, f"audit row {start_id}, verified before, is missing: it was deleted.")
        if row[0] != start_hash:
            return ChainReport(0, None, None, f"audit row {start_id}: its hash is not the one verified before: "
                                              "it or a row before it was rewritten.")
        prev_id, prev_hash, after = start_id, start_hash, start_id
    rows = 0
    cursor = conn.execute(
        "SELECT id, at, actor, action, entity, entity_id, detail, detail_hash, hash FROM audit_log "
        "WHERE id > ? ORDER BY id", [after])
    for row_id, at, actor, action, entity, entity_id, detail, detail_hash, stored in cursor:
        problem = None
        if stored is None or detail_hash is None:
            problem = f"audit row {row_id}: has no hash (it was written around the chain, e.g. by hand)."
        elif detail_digest(detail) != detail_hash and not _erased_ok(conn, detail):
            problem = f"audit row {row_id}: its details were changed after it was written."
        elif row_id != prev_id + 1:
            # Ids are max + 1 and rows are never deleted: a gap is a deletion, even one whose forger
            # recomputed every later hash.
            gap = f"row {prev_id + 1}" if row_id == prev_id + 2 else f"rows {prev_id + 1}–{row_id - 1}"
            problem = f"audit row {row_id}: does not follow row {prev_id}; {gap} were deleted."
        elif row_hash(prev_hash, row_id, at, actor, action, entity, entity_id, detail_hash) != stored:
            problem = (f"audit row {row_id}: does not follow row {prev_id}: its time, actor, action or "
                       "entity was changed, or it was forged.")
        if problem:
            return ChainReport(rows, prev_id or None, prev_hash, problem)
        prev_id, prev_hash = row_id, stored
        rows += 1
    if expect_at_least is not None and prev_id < expect_at_least:
        return ChainReport(rows, prev_id or None, prev_hash,
                           f"audit rows after {prev_id} were deleted (the log reached row {expect_at_least}).")
    return ChainReport(rows, prev_id or None, prev_hash if prev_id else None)


def quick_check(conn: sqlite3.Connection) -> str | None:
    """Return SQLite's first complaint from ``PRAGMA quick_check``, or None when the file is sound."""
    return _first_problem(conn, "PRAGMA quick_check(5)")


def integrity_check(conn: sqlite3.Connection) -> str | None:
    """Return SQLite's complaints from the full ``PRAGMA integrity_check``, or None when sound."""
    return _first_problem(conn, "PRAGMA integrity_check(20)")


def _first_problem(conn: sqlite3.Connection, pragma: str) -> str | None:
    try:
        lines = [r[0] for r in conn.execute(pragma).fetchall()]
    except (sqlite3.DatabaseError, LibraryError) as exc:
        return str(exc)
    except UnicodeDecodeError:
        # The report quotes damaged bytes (a mangled name or value) that are not text: the file is damaged
        # all the same, and saying so beats a traceback.
        return "the check's report quotes damaged bytes that are not text"
    if lines == ["ok"]:
        return None
    # SQLite's lines may hold several problems each and a "*** in database main ***" heading: one line out.
    parts = [part.strip() for line in lines for part in str(line).splitlines()
             if part.strip() and not part.startswith("***")]
    return "; ".join(parts[:3]) + ("; …" if len(parts) > 3 else "")


@dataclass(frozen=True)
class CheckReport:
    """What ``lookbook check`` found."""

    database: str | None  #: SQLite's integrity_check complaints, or None
    foreign_keys: int  #: rows pointing at rows that do not exist
    chain: ChainReport | None  #: None if the audit log could not be read

    @property
    def ok(self) -> bool:
        return self.database is None and self.foreign_keys == 0 and self.chain is not None and self.chain.ok

    def lines(self) -> list[str]:
        """Return the report as lines for a person."""
        out = [f"database: {'ok' if self.database is None else 'DAMAGED: ' + self.database}"]
        out.append(f"references: {'ok' if not self.foreign_keys else f'{self.foreign_keys} broken'}")
        if self.chain is None:
            out.append("audit chain: could not be read")
        elif self.chain.ok:
            out.append(f"audit chain: ok ({self.chain.rows} rows)")
        else:
            out.append(f"audit chain: BROKEN: {self.chain.problem}")
        return out


def full_check(conn: sqlite3.Connection) -> CheckReport:
    """Run the full check: ``integrity_check``, ``foreign_key_check`` and the whole audit chain."""
    database = integrity_check(conn)
    try:
        fks = len(conn.execute("PRAGMA foreign_key_check").fetchall())
    except (sqlite3.DatabaseError, LibraryError):
        fks = 0
    try:
        chain: ChainReport | None = verify_chain(conn)
    except (sqlite3.DatabaseError, LibraryError):
        chain = None
    return CheckReport(database, fks, chain)
