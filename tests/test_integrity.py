"""Data that cannot be quietly damaged: damaged libraries, backups and restore, the audit chain,
erasure, and busy, full or read-only libraries (issue 13)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lookbook.cli import main
from lookbook.customers.book import add_customer, update_customer
from lookbook.errors import DiskFullError
from lookbook.store import backups
from lookbook.store.database import Store, create_store, open_store
from lookbook.store.library import Library
from lookbook.store.users import PermissionDenied

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


def run(*argv: str) -> int:
    return main(list(argv))


def cli(lib: Path, *argv: str, user: str | None = None) -> list[str]:
    """Return the argv for ``lookbook -L lib [--as user] argv...``."""
    return ["--library", str(lib), *(["--as", user] if user else []), *argv]


def corrupt_root_pages(db: Path, tables: tuple[str, ...]) -> None:
    """Write random bytes over the start of each table's root page (its b-tree header)."""
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    roots = [conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [t]).fetchone()[0] for t in tables]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with db.open("r+b") as fh:
        for root in roots:
            fh.seek((root - 1) * page_size + (100 if root == 1 else 0))
            fh.write(os.urandom(24))


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def demo(demo_library: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "demo-pass")
    return demo_library


# -- a damaged library ----------------------------------------------------------------------------


def test_a_damaged_library_is_readable_but_refuses_writes_with_the_way_back(
        demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audit_rows = count(demo / "library.db", "audit_log")
    corrupt_root_pages(demo / "library.db", ("customers", "products", "photos"))
    capsys.readouterr()

    assert run(*cli(demo, "info")) == 0  # reading what can be read is allowed, with a warning
    err = capsys.readouterr().err
    assert "warning: library.db is damaged" in err and "lookbook restore" in err

    assert run(*cli(demo, "customers", "consent", "3", "withdraw", "--channel", "email", "--source", "phone",
                    user="maria")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("lookbook: error: library.db is damaged (")
    assert "changes are refused; run `lookbook restore` to put back the backup of" in err[-1]
    assert "Traceback" not in "".join(err)
    assert count(demo / "library.db", "audit_log") == audit_rows  # nothing was written

    assert run(*cli(demo, "check")) == 1
    assert "database: DAMAGED" in capsys.readouterr().out


def test_a_big_file_left_as_lookbook_left_it_skips_the_quick_check_until_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lookbook.store import database as store_module
    from lookbook.store import integrity

    monkeypatch.setattr(store_module, "CHECK_ALWAYS_BELOW", 0)  # treat the small test file as big
    calls: list[int] = []
    real = integrity.quick_check
    monkeypatch.setattr(integrity, "quick_check", lambda conn: calls.append(1) or real(conn))
    create_store(tmp_path / "lib").close()
    open_store(Library(tmp_path / "lib")).close()
    assert calls == []  # unchanged since it was made and checked
    time.sleep(0.05)
    corrupt_root_pages(tmp_path / "lib" / "library.db", ("customers",))
    s = open_store(Library(tmp_path / "lib"))
    assert calls == [1] and s.damaged is not None
    s.close()


def test_restore_puts_back_a_verified_backup_and_says_exactly_what_it_lacks(
        demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*cli(demo, "backup")) == 0
    # Two consent changes and their audit rows after the backup...
    for customer in ("4", "5"):
        assert run(*cli(demo, "customers", "consent", customer, "withdraw", "--channel", "email",
                        "--source", "phone", user="maria")) == 0
    # ...then the customers table is damaged (the consent ledger and the audit log can still be read).
    corrupt_root_pages(demo / "library.db", ("customers",))
    capsys.readouterr()

    assert run(*cli(demo, "restore")) == 0
    out = capsys.readouterr().out
    assert "Restored the backup of" in out
    assert "lacks: 0 messages, 2 consent changes, 2 audit rows newer than the backup." in out
    kept = [p for p in demo.iterdir()
            if p.name.startswith("library.db.damaged-") and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and f"kept as {kept[0]}" in out
    assert run(*cli(demo, "check")) == 0
    assert run(*cli(demo, "customers", "add", "--first-name", "Ola", user="maria")) == 0  # writable again


def test_restore_says_unknown_when_the_damaged_file_cannot_be_read(
        demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*cli(demo, "backup")) == 0
    corrupt_root_pages(demo / "library.db", ("audit_log",))
    capsys.readouterr()
    assert run(*cli(demo, "restore")) == 0
    out = capsys.readouterr().out
    assert "unknown audit rows" in out and "could not be read" in out


def test_restore_refuses_a_backup_that_fails_its_check_and_changes_nothing(
        demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*cli(demo, "backup")) == 0
    bad = backups.newest_backup(Library(demo))
    assert bad is not None
    corrupt_root_pages(bad.path, ("customers",))
    before = (demo / "library.db").read_bytes()
    capsys.readouterr()
    assert run(*cli(demo, "restore", bad.name)) == 1
    assert "fails its check" in capsys.readouterr().err
    assert (demo / "library.db").read_bytes() == before


def test_a_deleted_library_db_is_restored_from_its_backups(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*cli(demo, "backup")) == 0
    for suffix in ("", "-wal", "-shm"):
        Path(str(demo / "library.db") + suffix).unlink(missing_ok=True)
    capsys.readouterr()
    assert run(*cli(demo, "restore")) == 0
    assert "Restored the backup of" in capsys.readouterr().out
    assert count(demo / "library.db", "customers") == 500


def test_backups_list_and_rotation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    store = create_store(tmp_path / "lib")
    store.close()
    folder = tmp_path / "lib" / "backups"
    now = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
    # 30 backups, 6 hours apart: 7.5 days.
    for i in range(30):
        when = now - dt.timedelta(hours=6 * i)
        shutil.copyfile(tmp_path / "lib" / "library.db", folder / f"lookbook_{when:%Y%m%d-%H%M%S}Z_close.db")
    removed = backups.rotate(Library(tmp_path / "lib"), now=now)
    kept = sorted(p.name for p in folder.iterdir())
    # The newest 10 (2.5 days) plus the newest of each older day within 7 days.
    assert len(kept) == 10 + 5 and len(removed) == 15
    assert run(*cli(tmp_path / "lib", "backups", "list")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 15 and lines[0].startswith("2026-12-04 12:00:00 UTC")


def test_a_backup_is_verified_and_a_bad_copy_is_never_kept(tmp_path: Path) -> None:
    store = create_store(tmp_path / "lib")
    add_customer(store, {"first_name": "Ada"}, actor="maria")
    b = store.backup("manual")
    assert backups.verify_backup(b.path) is None
    assert sqlite3.connect(b.path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not Path(str(b.path) + "-wal").exists()  # reading a backup leaves nothing beside it
    store.close()
    corrupt_root_pages(tmp_path / "lib" / "library.db", ("customers",))
    damaged = open_store(Library(tmp_path / "lib"))
    assert damaged.damaged is not None
    with pytest.raises(Exception, match="damaged"):
        damaged.backup("manual")
    damaged.close()
    assert [x.name for x in backups.list_backups(Library(tmp_path / "lib"))] == [b.name]
    assert not list((tmp_path / "lib" / "backups").glob(".*partial"))


def test_a_backup_is_taken_before_an_import(demo: Path, tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("first_name,last_name,email\nNia,Long,nia@example.com\n", encoding="utf-8")
    before = {b.name for b in backups.list_backups(Library(demo))}
    assert run(*cli(demo, "customers", "import", str(csv), user="maria")) == 0
    after = backups.list_backups(Library(demo))
    assert [b.reason for b in after if b.name not in before] == ["import"]


# -- the audit chain ---------------------------------------------------------------------------------


def _library_with_audit(tmp_path: Path, n: int = 5) -> Path:
    store = create_store(tmp_path / "lib")
    for i in range(n):
        store.audit("maria", "message.approve", "message", i + 1, comment=f"ok {i}")
    store.close()
    return tmp_path / "lib"


def _raw(lib: Path) -> sqlite3.Connection:
    return sqlite3.connect(lib / "library.db", isolation_level=None)


def test_audit_verify_passes_on_an_untouched_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = _library_with_audit(tmp_path)
    assert run(*cli(lib, "audit", "verify")) == 0
    assert "ok (5 rows, chain intact)" in capsys.readouterr().out


def test_drop_trigger_then_delete_is_named_and_warned_at_open(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = _library_with_audit(tmp_path)
    conn = _raw(lib)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 3")
    conn.close()
    assert run(*cli(lib, "audit", "verify")) == 1
    captured = capsys.readouterr()
    assert "audit row 4: does not follow row 2; row 3 were deleted." in captured.out
    assert "warning: the audit log has been tampered with" in captured.err


def test_a_forged_row_and_changed_details_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = _library_with_audit(tmp_path)
    conn = _raw(lib)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'alex' WHERE id = 2")
    conn.close()
    assert run(*cli(lib, "audit", "verify")) == 1
    assert "audit row 2: does not follow row 1: its time, actor, action or entity was changed" \
        in capsys.readouterr().out

    (tmp_path / "b").mkdir()
    lib2 = _library_with_audit(tmp_path / "b")
    conn = _raw(lib2)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("""UPDATE audit_log SET detail = '{"comment": "forged"}' WHERE id = 4""")
    conn.close()
    assert run(*cli(lib2, "audit", "verify")) == 1
    assert "audit row 4: its details were changed after it was written." in capsys.readouterr().out


def test_deleting_the_last_rows_is_caught_by_the_checkpoint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = _library_with_audit(tmp_path)
    open_store(Library(lib)).close()  # the open verifies and records the checkpoint at row 5
    conn = _raw(lib)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id >= 4")
    conn.close()
    assert run(*cli(lib, "audit", "verify")) == 1
    out = capsys.readouterr()
    assert "audit row 5, verified before, is missing" in out.err
    assert "audit rows after 3 were deleted (the log reached row 5)." in out.out


def test_a_chain_rewritten_with_fresh_hashes_is_caught_by_the_backups(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.store.integrity import row_hash

    lib = _library_with_audit(tmp_path)
    assert run(*cli(lib, "backup")) == 0
    # A forger who knows the formula rewrites row 2's actor, recomputes every later hash, and drops the
    # checkpoint.
    conn = _raw(lib)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'alex' WHERE id = 2")
    prev = None
    rows = conn.execute("SELECT id, at, actor, action, entity, entity_id, detail_hash FROM audit_log ORDER BY id")
    for row_id, at, actor, action, entity, entity_id, detail_hash in rows.fetchall():
        prev = row_hash(prev, row_id, at, actor, action, entity, entity_id, detail_hash)
        conn.execute("UPDATE audit_log SET hash = ? WHERE id = ?", [prev, row_id])
    conn.execute("DELETE FROM settings WHERE key = 'integrity.audit_checkpoint'")
    conn.close()
    capsys.readouterr()
    assert run(*cli(lib, "audit", "verify")) == 1
    assert "audit row 5 is not the one the backup of" in capsys.readouterr().out


def test_append_only_triggers_are_recreated_at_every_open(tmp_path: Path) -> None:
    lib = _library_with_audit(tmp_path)
    conn = _raw(lib)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.close()
    store = open_store(Library(lib))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM audit_log WHERE id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE audit_log SET detail = '{}' WHERE id = 1")
    store.close()


def test_the_migration_back_fills_the_chain_of_an_old_library(tmp_path: Path) -> None:
    lib = tmp_path / "old"
    lib.mkdir()
    shutil.copyfile(DATA / "library_m001.db", lib / "library.db")
    store = open_store(Library.locate(lib))
    assert store.db.execute("SELECT count(*) FROM audit_log WHERE hash IS NULL").fetchone()[0] == 0
    store.audit("maria", "test.after_upgrade", "thing", 1)
    report = store.verify_audit()
    assert report.ok and report.rows == 2
    store.close()


# -- erasure -----------------------------------------------------------------------------------------


def test_erase_leaves_no_trace_of_the_customer_and_the_chain_still_verifies(
        demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.customers import consent
    from lookbook.store.database import utcnow

    store = open_store(Library(demo))
    c = add_customer(store, {"first_name": "Zebulon", "last_name": "Quixwright", "email": "zq@quixmail.example",
                             "x_handle": "@zquixhandle", "phone": "+44 20 7946 0999",
                             "notes": "Zebulon likes linen"}, actor="maria")
    update_customer(store, c.id, {"last_name": "Quixwrighton"}, actor="alex")
    consent.record(store, c.id, "email", "one_to_one", True, by_user="alex", source="in store",
                   note="Zebulon Quixwright said yes at the till")
    with store.atomic():
        cur = store.db.execute(
            "INSERT INTO messages (customer_id, channel, state, body, drafted_by, created_at, updated_at, subject) "
            "VALUES (?, 'email', 'sent', 'Hi Zebulon, new linen in your size', 'alex', ?, ?, 'For Zebulon')",
            [c.id, utcnow(), utcnow()])
        store.audit("alex", "message.draft", "message", cur.lastrowid, body="Hi Zebulon, new linen")
        store.db.execute("INSERT INTO replies (customer_id, message_id, channel, external_id, body, received_at) "
                         "VALUES (?, ?, 'email', 'r1', 'Thanks! Zebulon Quixwright', ?)",
                         [c.id, cur.lastrowid, utcnow()])
    store.close()
    needles = [b"zebulon", b"quixwright", b"zq@quixmail", b"zquixhandle", b"7946 0999"]
    assert any(n in (demo / "library.db").read_bytes().lower() for n in needles)
    capsys.readouterr()

    assert run(*cli(demo, "customers", "erase", str(c.id), user="maria")) == 0
    assert f"Erased customer {c.id}" in capsys.readouterr().out
    assert run(*cli(demo, "audit", "verify")) == 0
    conn = sqlite3.connect(demo / "library.db")
    conn.execute("VACUUM")
    conn.close()
    data = (demo / "library.db").read_bytes().lower()
    for suffix in ("-wal", "-shm"):
        side = Path(str(demo / "library.db") + suffix)
        if side.exists():
            data += side.read_bytes().lower()
    assert [n for n in needles if n in data] == []
    assert run(*cli(demo, "audit", "verify")) == 0
    capsys.readouterr()
    assert run(*cli(demo, "audit", "--entity", "customer", "--id", str(c.id), "--json")) == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entries[0]["action"] == "customer.erase" and entries[0]["actor"] == "maria"
    # Ids only: the erasure's own counts, and ids (``*_id``) in the rows it redacted.
    assert [{k for k in e["detail"] if not k.endswith("_id")} - {"_erased_by", "messages", "replies", "consents"}
            for e in entries] == [set()] * len(entries)
    assert all(e["detail"]["_erased_by"] == entries[0]["id"] for e in entries[1:])


def test_a_customer_deleted_before_can_be_erased_from_the_audit_log(store: Store) -> None:
    from lookbook.customers.book import delete_customer
    from lookbook.customers.erasure import erase_customer
    from lookbook.store.users import create_user

    create_user(store, "maria", "secret-1", "manager")
    c = add_customer(store, {"first_name": "Philippa", "last_name": "Vexmoor", "email": "pv@vexmoor.example"},
                     actor="maria")
    delete_customer(store, c.id, actor="maria")
    assert store.db.execute("SELECT count(*) FROM audit_log WHERE detail LIKE '%Vexmoor%'").fetchone()[0] == 2
    report = erase_customer(store, c.id, actor="maria")
    assert report.audit_rows == 2
    assert store.db.execute("SELECT count(*) FROM audit_log WHERE lower(detail) LIKE '%vexmoor%' "
                            "OR detail LIKE '%Philippa%'").fetchone()[0] == 0
    assert store.verify_audit().ok


def test_only_a_manager_may_erase(store: Store) -> None:
    from lookbook.customers.erasure import erase_customer
    from lookbook.store.users import create_user

    create_user(store, "alex", "secret-1", "associate")
    c = add_customer(store, {"first_name": "Ada"}, actor="alex")
    with pytest.raises(PermissionDenied, match="manager"):
        erase_customer(store, c.id, actor="alex")


# -- busy, full, read-only ---------------------------------------------------------------------------


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from lookbook.store.library import Library
    from lookbook.store.database import open_store
    from pathlib import Path
    store = open_store(Library(Path(sys.argv[1])))
    with store.atomic():
        store.db.execute("INSERT INTO brands (name) VALUES ('Held')")
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    store.close()
""")


def _hold(lib: Path, seconds: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lib), str(seconds)], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def _lookbook(lib: Path, *argv: str, user: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lookbook.cli", *cli(lib, *argv, user=user)], capture_output=True,
                          text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO), "LOOKBOOK_PASSWORD": "demo-pass", **env},
                          timeout=120)


def test_a_writer_that_gives_up_waiting_says_who_holds_the_lock(demo: Path) -> None:
    holder = _hold(demo, 4)
    try:
        result = _lookbook(demo, "customers", "add", "--first-name", "Ola", user="maria",
                           LOOKBOOK_BUSY_TIMEOUT_MS="300")
    finally:
        holder.wait(30)
    assert result.returncode == 1, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("lookbook: error: ") and "busy" in line
    assert f"process {holder.pid}" in line and "nothing was saved" in line


def test_two_writers_at_once_wait_for_each_other(demo: Path) -> None:
    holder = _hold(demo, 6)  # longer than the old 5 s busy timeout
    try:
        result = _lookbook(demo, "customers", "add", "--first-name", "Ola", user="maria")
    finally:
        holder.wait(30)
    assert result.returncode == 0, result.stderr
    assert count(demo / "library.db", "brands") == 9  # the held write committed too


def test_a_full_disk_is_named_and_nothing_is_saved(tmp_path: Path) -> None:
    store = create_store(tmp_path / "lib")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills after two more pages
    with pytest.raises(DiskFullError) as caught:
        with store.atomic():
            for i in range(2000):
                store.db.execute("INSERT INTO brands (name) VALUES (?)", [f"brand {i} " + "x" * 200])
    assert str(caught.value) == (f"the disk holding {tmp_path / 'lib'} is full; free space and retry; "
                                 "nothing was saved.")
    assert store.db.execute("SELECT count(*) FROM brands").fetchone()[0] == 0
    store.close()


# Root ignores file permissions: the command drops to nobody once Python and the CLI are loaded (the
# interpreter itself may live where nobody cannot read). The CLI imports each verb's modules only when the verb
# runs, so they are all loaded first (as importing lookbook.cli did before).
AS_NOBODY = textwrap.dedent("""
    import os, sys
    import lookbook.cli
    for leaf in lookbook.cli.verb_parsers(lookbook.cli.build_parser()).values():
        lookbook.cli.resolve_handler(leaf.get_default("handler"))
    if os.geteuid() == 0:
        os.setgroups([]); os.setgid(65534); os.setuid(65534)
    sys.exit(lookbook.cli.main(sys.argv[1:]))
""")


def test_a_read_only_library_can_be_read_and_names_itself_on_writes(demo: Path, tmp_path: Path) -> None:
    # A folder every user can reach, so the subprocess can run as nobody when the tests run as root.
    shared = Path(os.environ.get("TMPDIR", "/tmp")) / f"lb-ro-{os.getpid()}-{time.monotonic_ns()}"
    shutil.copytree(demo, shared / "Lib")
    try:
        for path in [shared, *shared.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        os.chmod(shared, 0o755)
        env = {**os.environ, "PYTHONPATH": str(REPO), "LOOKBOOK_PASSWORD": "demo-pass", "HOME": str(shared)}

        def lookbook(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-c", AS_NOBODY, "--library", str(shared / "Lib"), *argv],
                                  capture_output=True, text=True, env=env, timeout=120, cwd="/")

        info = lookbook("info", "--json")
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["customers"] == 500
        listing = lookbook("customers", "list", "--limit", "3")
        assert listing.returncode == 0 and len(listing.stdout.splitlines()) == 3
        export = lookbook("--as", "maria", "customers", "export", str(Path("/tmp") / f"ro-export-{os.getpid()}.csv"))
        assert export.returncode == 0, export.stderr
        add = lookbook("--as", "maria", "customers", "add", "--first-name", "Ola")
        assert add.returncode == 1
        line = add.stderr.strip().splitlines()[-1]
        assert "the library folder is read-only" in line and "copy the library somewhere you can write" in line
    finally:
        for path in [shared, *shared.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(shared)
        Path(f"/tmp/ro-export-{os.getpid()}.csv").unlink(missing_ok=True)
