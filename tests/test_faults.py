"""Fault injection: damaged pages, a backup killed half-way, a full disk (issue 13).

Each test prints its figures (run with ``-s`` to see them): what was detected, and what was lost.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lookbook.customers import consent
from lookbook.errors import DiskFullError, LibraryDamagedError, LibraryError
from lookbook.store import backups
from lookbook.store.database import Store, create_store, open_store, utcnow
from lookbook.store.library import Library

REPO = Path(__file__).resolve().parent.parent
KEY_TABLES = ("messages", "consents", "audit_log")
TRIALS = 40


def _rows(db: Path, table: str) -> list[tuple] | None:
    """Return every row of ``table`` in id order, or None if it cannot be read."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _write_after_backup(store: Store) -> None:
    """Commit what a backup taken before it lacks: 1 message, 3 consent changes, 4 audit rows."""
    for customer in (7, 8, 9):
        consent.record(store, customer, "email", "one_to_one", False, by_user="maria", source="phone")
    with store.atomic():
        cur = store.db.execute(
            "INSERT INTO messages (customer_id, channel, state, body, drafted_by, created_at, updated_at) "
            "VALUES (10, 'email', 'draft', 'Hello', 'alex', ?, ?)", [utcnow(), utcnow()])
        store.audit("alex", "message.draft", "message", cur.lastrowid)


def test_random_bytes_at_three_offsets_are_caught_and_restore_loses_only_what_it_reports(
        demo_library: Path, tmp_path: Path) -> None:
    store = open_store(Library(demo_library))
    backup = store.backup("manual")
    _write_after_backup(store)
    store.close()
    truth = {t: _rows(demo_library / "library.db", t) for t in KEY_TABLES}
    in_backup = {t: _rows(backup.path, t) for t in KEY_TABLES}
    newer = {t: len(truth[t]) - len(in_backup[t]) for t in KEY_TABLES}  # type: ignore[arg-type]
    assert newer == {"messages": 1, "consents": 3, "audit_log": 4}
    labels = dict(backups.LACK_TABLES)

    rng = random.Random(13)
    figures = {"at open": 0, "by lookbook check only": 0, "by the audit chain only": 0,
               "undetected, key rows unchanged": 0, "undetected, key rows changed": 0}
    restored, exact, unknown = 0, 0, 0
    for trial in range(TRIALS):
        lib = tmp_path / f"t{trial}"
        shutil.copytree(demo_library, lib)
        db = lib / "library.db"
        size = db.stat().st_size
        with db.open("r+b") as fh:
            for _ in range(3):
                fh.seek(rng.randrange(0, size - 64))
                fh.write(rng.randbytes(64))
        try:
            s = open_store(Library(lib))
        except LibraryDamagedError:
            s, detected = None, "at open"
        else:
            detected = "at open" if s.damaged else None
        if s is not None:
            if detected is None:
                report = s.check()
                if report.database is not None:
                    detected = "by lookbook check only"
                elif report.chain is None or not report.chain.ok:
                    detected = "by the audit chain only"
                elif s.writable:
                    # Nothing noticed it: the store must still refuse nothing and read the same key rows.
                    pass
            s.close()
        if detected is None:
            same = all(_rows(db, t) == truth[t] for t in KEY_TABLES)
            figures["undetected, key rows unchanged" if same else "undetected, key rows changed"] += 1
            continue
        figures[detected] += 1
        result = backups.restore(Library(lib))
        restored += 1
        assert result.backup.name == backup.name
        # Nothing the backup held is lost...
        for t in KEY_TABLES:
            assert _rows(db, t) == in_backup[t]
        # ...and what it lacks is said exactly, or said to be unknown.
        for t in KEY_TABLES:
            said = result.lacks[labels[t]]
            if said is None:
                unknown += 1
            else:
                assert said == newer[t], (trial, t, said)
                exact += 1
        again = open_store(Library(lib))
        assert again.writable and again.check().ok
        again.close()

    print(f"\nfault injection: {TRIALS} trials of 64 random bytes at 3 random offsets in a "
          f"{size:,}-byte library.db")
    for what, n in figures.items():
        print(f"  detected {what:<34} {n:>3}" if not what.startswith("undetected") else f"  {what:<43} {n:>3}")
    print(f"  restored: {restored}; backup lacked {newer} (1 message, 3 consent changes, 4 audit rows), "
          f"reported exactly in {exact} counts, 'unknown' in {unknown}; rows of the backup lost: 0")
    assert figures["at open"] + figures["by lookbook check only"] > 0
    # The key tables are never changed silently: a change to them is found, or the bytes fell elsewhere.
    assert figures["undetected, key rows changed"] == 0


SLOW_BACKUP = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from lookbook.store import backups
    from lookbook.store.library import Library
    from lookbook.store.database import open_store
    store = open_store(Library(Path(sys.argv[1])))
    def slow(status, remaining, total):
        print("step", remaining, total, flush=True)
        time.sleep(0.05)
    backups.take_backup(store.db.conn, store.library, "manual", progress=slow)
    print("done", flush=True)
""")


def test_a_backup_killed_half_way_leaves_no_backup_that_looks_good(demo_library: Path) -> None:
    library = Library(demo_library)
    before = [b.name for b in backups.list_backups(library)]
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BACKUP, str(demo_library)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout is not None
    steps = [proc.stdout.readline() for _ in range(3)]
    assert all(line.startswith("step") for line in steps)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    partials = list(library.backups_dir.glob(".*.partial"))
    assert len(partials) == 1
    assert [b.name for b in backups.list_backups(library)] == before  # the half copy is never listed
    assert all(backups.verify_backup(b.path) is None for b in backups.list_backups(library))
    # The next backup clears the half copy away.
    store = open_store(library)
    store.backup("manual")
    store.close()
    assert not list(library.backups_dir.glob(".*.partial"))
    print(f"\nkill -9 during backup: killed after {len(steps)} steps of 16 pages; half copy "
          f"{partials[0].stat().st_size if partials[0].exists() else 0:,} bytes left as {partials[0].name[:28]}…, "
          f"never listed; backups listed before/after the kill: {len(before)}/{len(before)}; removed by the next "
          "backup")


def test_a_full_disk_saves_nothing_and_says_so(tmp_path: Path) -> None:
    store = create_store(tmp_path / "lib")
    store.backup("manual")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 4}")
    with pytest.raises(DiskFullError, match="is full; free space and retry; nothing was saved"):
        with store.atomic():
            for i in range(5000):
                store.db.execute("INSERT INTO brands (name) VALUES (?)", [f"brand {i} " + "x" * 200])
                store.audit("sam", "brand.add", "brand", i)
    assert store.db.execute("SELECT count(*) FROM brands").fetchone()[0] == 0
    assert store.verify_audit().ok
    store.close()
    print("\nfull disk (max_page_count): 5000 brand rows refused at page", pages + 4, "— 0 rows kept, chain ok")


def test_a_file_size_limit_during_an_import_is_named_and_saves_nothing(demo_library: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write("first_name,last_name,email\n")
        for i in range(20000):
            fh.write(f"N{i},L{i},n{i}@example.org\n")
    db = demo_library / "library.db"
    limit = db.stat().st_size + 200_000  # room for the pre-import backup, not for the import

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([sys.executable, "-m", "lookbook.cli", "--library", str(demo_library), "--as", "maria",
                             "customers", "import", str(big)], capture_output=True, text=True, preexec_fn=limited,
                            env={**os.environ, "PYTHONPATH": str(REPO), "LOOKBOOK_PASSWORD": "demo-pass"}, timeout=300)
    assert result.returncode == 1, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "free space or check the disk and retry; nothing was saved." in line
    store = open_store(Library(demo_library))
    assert store.counts()["customers"] == 500 and store.check().ok
    store.close()
    print(f"\nfile size limit {limit:,} B during a 20,000-row import: '{line[:90]}…'; customers before/after "
          "500/500; check ok")


def test_an_unreadable_header_is_named_as_damage_when_there_is_a_backup(demo_library: Path) -> None:
    store = open_store(Library(demo_library))
    store.backup("manual")
    store.close()
    with (demo_library / "library.db").open("r+b") as fh:
        fh.write(b"\0" * 100)
    with pytest.raises(LibraryError, match="library.db is damaged .*run `lookbook restore`"):
        open_store(Library(demo_library))
