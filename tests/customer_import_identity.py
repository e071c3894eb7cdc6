"""Compare the customer import of two versions of the code, table by table (issue 18: faster, same answers).

Run from the repository root::

    python tests/customer_import_identity.py [--before REV] [--rows 20000]

Writes a messy customer file (BOM, blank lines, quoted newlines, bad e-mails, handles and phone numbers,
local phone forms, unparseable time zones, unknown and misspelt brands, liked-and-disliked brands, card
numbers in names and notes, duplicate rows, a Latin-1 line, rows too long and too short) and a second file
that updates the first (ids, e-mails and handles of existing customers, re-subscriptions with and without a
confirmation). Then, for the code at ``--before`` (default ``main``, taken with ``git archive``) and for the
working tree, each in its own process, it runs the same scenarios:

* ``bulk``: the messy file into a library holding the demo catalog (store country US), as a bulk load
  (the bulk threshold lowered to 1,000 rows), then the update file, then a dry run of the messy file
  again (which must change nothing), then the dashboard's refresh;
* ``small``: the messy file into a library with no store country, below the bulk threshold;

and dumps, after each step, every table (customers, brands, sizes, consent ledger and current consent,
audit log...), the search index's every entry (``fts5vocab``), the schema, and the import's report (every
problem's line, column and reason). The dashboard's tables are compared after its refresh: a bulk load now
counts its new customers itself where it used to mark them for the next refresh. Timestamps written "now" and the audit
chain's hashes are masked. Prints the first differences and exits 1 if there are any.

Since migration m018 stores sizes, brand stances, the consent ledger and the search index in another form, the
tables it changed (:data:`STORAGE_CHANGED`) are compared as the code reads them (``consents`` is a view of
``consent_entries`` and ``consent_batches``: every ledger row, same ids and values) but not by their schema, and
after each import the answers a person is shown are compared as well (:func:`_answers`): the exported book,
searches and listings, every customer's consent and consent history, the brand dashboard and a set's matches
(``IDENTITY_ANSWERS=0`` leaves them out). Run it on one side of midnight: a match's reasons name days.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney"]
BAD_ZONES = ["Eastern Time", "Mars/Olympus", "EST5EDT ", "europe/london", "GMT+1"]
PHONES = ["+1 555 {n:07d}", "(212) 555-{m:04d}", "0161 496 {m:04d}", "+44 161 496 {m:04d}", "555-{m:04d}",
          "+1 155 555 {m:04d}", "12345", "phone?", "+1 212 555 {m:04d} ext 12", "+1-212-555-{m:04d}",
          "+1212555{m:04d}", "+1 (415) 555.{m:04d}", "+33 1 23 45 {m2:02d} {m3:02d}", "1-800-FLOWERS"]
EMAILS = ["{h}@example.com", "{h}@example", "{h}", "{h}..x@example.com", "Name <{h}@example.com>",
          "{H}@EXAMPLE.COM", "josé{n}@example.com", " {h}@example.org ", "{h}@-bad.com", "{h}@example.123"]
CONSENTS = ["1 to 1 only", "subscribed to marketing", "unsubscribed", "Yes", "maybe", "", "", "opted out",
            "marketing only"]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "4111111111111111"]


def write_messy(path: Path, rows: int, brands: list[str]) -> None:
    """Write the messy customer file (see the module's docstring)."""
    rng = random.Random(1818)
    header = ["First name", "Last name", "E-mail", "X handle", "X user id", "Instagram", "Phone",
              "Preferred channel", "Time zone", "Brand likes", "Brand dislikes", "Sizes", "Notes", "Last contacted",
              "Consent X", "Consent e-mail", "Consent SMS", "Consent source", "Associate", "Loyalty tier"]
    written: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(rows):
            if i % 97 == 13:
                fh.write("\r\n" if i % 2 else ",,,,\r\n")  # a blank line, or one of empty cells
            if i % 51 == 50 and written:
                w.writerow(rng.choice(written))  # a duplicate of an earlier row
                continue
            if i % 4999 == 77:
                fh.flush()
                fh.buffer.write("Ren\xe9,Latin,rene@example.com\r\n".encode("latin-1"))  # another encoding
                continue
            h = f"user{i}"
            first = rng.choice(["Ana", "Bo", " Chloé ", "Dev", "Eve", "Zoë"]) if i % 7 else f"Name{i}"
            if i % 149 == 3:
                first = ""
            last = rng.choice(["Smith", "", "O'Neil", "Ng", "=HYPERLINK(1)"])
            if i % 331 == 5:
                first = f"Card {rng.choice(CARDS)}"
            notes = rng.choice(["", "", "VIP", "prefers\nslim fits", "sizes 30, 32, 34, 36", "'=SUM(1)"])
            if i % 257 == 9:
                notes = f"paid with {rng.choice(CARDS)}"
            m = rng.randrange(10_000)
            email = (rng.choice(EMAILS) if rng.random() < 0.04 else EMAILS[0]).format(
                h=h, H=f"user{i - 3}".upper(), n=i)
            if rng.random() < 0.05:
                email = ""
            handle = rng.choice([h[:15], f"@{h}", f"https://x.com/{h}", "", ""] * 20 + ["has space", "x" * 16])
            xid = rng.choice(["", "", str(10**9 + i)] * 20 + ["0123", "abc", "１２３"])
            ig = rng.choice(["", "", f"{h}.ig", f"@{h}_ig"] * 20 + [".bad", "a..b"])
            phone = rng.choice(["", "", "", *PHONES[:4], *PHONES[9:12]] * 5 + PHONES).format(
                n=i % 10**7, m=m, m2=m % 100, m3=(m // 100) % 100)
            channel = rng.choice(["x", "email", "Twitter", "E-mail", "email", "", "text"] * 10
                                 + ["pigeon", "instagram", "sms"])
            zone = rng.choice(ZONES) if rng.random() < 0.97 else rng.choice(BAD_ZONES)
            likes = ";".join(rng.sample(brands, rng.choice((0, 1, 1, 2, 3))))
            if i % 113 == 7:
                likes += ";Harbor and Pines"
            if i % 211 == 3:
                likes += f";{brands[0][:-1]}x"  # misspelt
            if i % 5 == 0 and i % 113 != 7:
                likes = likes.upper() + ";;"
            dislikes = rng.choice(["", "", "", brands[-1]] * 5 + [likes.split(";")[0] if likes else ""])
            sizes = rng.choice(["shirt=M;trousers=32", "shirt=m", "t-shirt=xl;", "", "Shirt = L ; trousers=34;dress=8",
                                "dress=½;trousers=32\"", "shirt=Größe M"]
                               * 10 + ["trouser=32", "hat=7", "shirt"])
            contacted = rng.choice(["", "", "2026-03-01", "2026-03-01T10:00:00+02:00", " 2025-12-31 "] * 10
                                   + ["yesterday"])
            consents = [rng.choice(CONSENTS) if rng.random() < 0.05 else rng.choice(CONSENTS[:3] + ["", ""])
                        for _ in range(3)]
            source = rng.choice(["in store", "", "web form"])
            associate = rng.choice(["", "", "alex", "ALEX"] * 10 + ["nobody"])
            row = [first, last, email, handle, xid, ig, phone, channel, zone, likes, dislikes, sizes, notes,
                   contacted, *consents, source, associate, rng.choice(["gold", ""])]
            if i % 401 == 11:
                row += ["extra", "cells"]  # more cells than the header
            elif i % 409 == 17:
                row = row[:5]  # a short row
            written.append(row)
            w.writerow(row)


def write_updates(path: Path, rows: int) -> None:
    """Write a file that updates customers of the messy file (by id, e-mail and handle) and adds a few."""
    rng = random.Random(99)
    header = ["id", "Name", "E-mail", "X handle", "Brand likes", "Sizes", "Consent X", "Consent e-mail",
              "consent confirmed by", "consent confirmed at", "consent confirmed how", "Time zone"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(rows):
            ident = rng.choice(["id", "email", "handle", "new", "badid", "both"])
            cid = str(rng.randrange(1, rows * 8)) if ident in ("id", "both") else ""
            if ident == "badid":
                cid = rng.choice(["abc", "999999999", "-1"])
            email = f"user{rng.randrange(rows * 10)}@example.com" if ident in ("email", "both") else ""
            handle = f"user{rng.randrange(rows * 10)}" if ident == "handle" else ""
            if ident == "new":
                email = f"new{i}@example.net"
            name = rng.choice(["", "Fresh Name", "Solo", "Card 4111 1111 1111 1111"])
            confirmed = rng.random() < 0.4
            w.writerow([cid, name, email, handle, rng.choice(["", "", "Harbor and Pines"]),
                        rng.choice(["", "shirt=S", "trousers=30;dress=10"]),
                        rng.choice(CONSENTS), rng.choice(CONSENTS),
                        "maria" if confirmed else "", "2026-11-30" if confirmed else "",
                        "signed the form" if confirmed else "", rng.choice(["", "Asia/Tokyo", "Eastern Time"])])


# -- the worker: runs in a process whose sys.path starts at the code under test -----------------------


#: What migration m018 (issue 18: write less) changed the form of: its schema is not compared, its tables are
#: compared as the code reads them (``consents``, now a view of ``consent_entries`` and ``consent_batches``) and
#: through the answers (:func:`_answers`).
STORAGE_CHANGED = ("customer_sizes", "customer_brands", "consents", "consent_entries", "consent_batches",
                   "customers_fts")


def _dump(store: Any, since: str, dashboard: bool = False) -> dict[str, Any]:
    db = store.db
    out: dict[str, Any] = {}
    changed = ", ".join(f"'{n}'" for n in STORAGE_CHANGED)
    out["schema"] = sorted(r for r in db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        f" AND tbl_name NOT IN ({changed}) AND tbl_name NOT LIKE 'customers_fts%'"
        " AND name NOT IN ('customers_fts_ai', 'customers_fts_ad', 'customers_fts_au')").fetchall())
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                                      " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'customers_fts%'"
                                      " AND name NOT IN ('_sqlite_migrations', 'users', 'consent_entries',"
                                      " 'consent_batches')"
                                      f" AND (name NOT GLOB 'dashboard_*' OR {int(dashboard)})"
                                      " ORDER BY name")]
    masked = {"at", "created_at", "updated_at", "imported_at", "hash", "detail_hash", "changed_at"}
    for name in names:
        cur = db.execute(f"SELECT * FROM [{name}]")
        cols = [d[0] for d in cur.description]
        rows = []
        for row in cur:
            cells = []
            for col, value in zip(cols, row, strict=True):
                if col in masked and isinstance(value, str) and (col.endswith("hash") or value >= since):
                    value = "<now>"
                cells.append(value)
            rows.append(cells)
        out[name] = {"columns": cols, "rows": sorted(rows, key=repr)}
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, customers_fts, instance)")
    out["search index"] = [list(r) for r in db.execute("SELECT * FROM temp.fts_terms ORDER BY 1, 2, 3, 4")]
    db.execute("DROP TABLE temp.fts_terms")
    db.execute("INSERT INTO customers_fts (customers_fts, rank) VALUES ('integrity-check', 1)")
    return out


SEARCHES = ("ana", "smith", "user1", "o neil", "chloe", "zoë", "example", "user12 ana", "name1", "ng", "eve user",
            "user100_ig", "@user7", "example.org", "hyperlink")


def _answers(store: Any, work: Path, set_id: int) -> dict[str, Any]:
    """Return what a person is shown: the exported book, searches and listings, every customer's consent and
    consent history, the brand dashboard and a set's matches."""
    import dataclasses
    import datetime as dt

    from lookbook.catalog import dashboard
    from lookbook.customers import book, consent, csv_files, matching

    export = work / "export.csv"
    csv_files.export_customers(store, export, actor="maria")
    out: dict[str, Any] = {"export": export.read_text(encoding="utf-8").splitlines()}
    out["searches"] = {q: [book.count_customers(store, q), [c.id for c in book.search_customers(store, q, limit=60)]]
                       for q in SEARCHES}
    out["listings"] = {f"{key} {d}": [dataclasses.astuple(c) for c in book.search_customers(
        store, "", sort=key, descending=d, limit=80)] for key in book.SORTS for d in (False, True)}
    ids = [r[0] for r in store.db.execute("SELECT id FROM customers ORDER BY id")]
    out["consent"] = {cid: [[c.label, dataclasses.astuple(c.one_to_one), dataclasses.astuple(c.marketing)]
                            for c in consent.channel_consents(store, cid).values()] for cid in ids}
    out["consent history"] = {cid: [dataclasses.astuple(e) for e in consent.ledger(store, cid)] for cid in ids}
    out["dashboard"] = [dataclasses.astuple(b) for b in dashboard.brand_dashboard(store)]
    at = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)
    out["match"] = matching.match_set(store, set_id, now=at).as_dict()
    return out


def _mask(value: Any, since: str) -> Any:
    """Return ``value`` with the times written "now" masked (as :func:`_dump` does)."""
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value >= since:
        return "<now>"
    if isinstance(value, (list, tuple)):
        return [_mask(v, since) for v in value]
    if isinstance(value, dict):
        return {k: _mask(v, since) for k, v in value.items()}
    return value


def worker(work: Path, out: Path) -> None:
    """Run the scenarios with the code on ``sys.path`` and write every dump to ``out`` as JSON."""
    import datetime as dt

    from lookbook.catalog import dashboard
    from lookbook.catalog.products import import_catalog
    from lookbook.customers import csv_files
    from lookbook.customers.book import PHONE_COUNTRY_SETTING
    from lookbook.progress import run_to_end
    from lookbook.store.database import create_store
    from lookbook.store.users import create_user

    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results: dict[str, Any] = {}
    answers = os.environ.get("IDENTITY_ANSWERS", "1") == "1"

    set_ids: dict[int, int] = {}

    def library(name: str, country: str | None) -> Any:
        store = create_store(work / f"lib-{name}")
        import_catalog(store, work / "catalog.csv", actor="bench")
        create_user(store, "maria", "identity-pass", "manager", "Maria Lopez")
        create_user(store, "alex", "identity-pass", "associate", "Alex Kim")
        if country:
            store.set_setting(PHONE_COUNTRY_SETTING, country)
        # A set of the first brand's first shirts and trousers, each with a photo, for the match.
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        brand_id, = store.db.execute("SELECT min(brand_id) FROM products").fetchone()
        sid = store.db.execute("INSERT INTO sets (name, brand_id, scope, created_by, created_at, updated_at)"
                               " VALUES ('Identity', ?, 'one_to_one', 'sam', ?, ?)", [brand_id, now, now]).lastrowid
        products = store.db.execute("SELECT id, sku FROM products WHERE brand_id = ? ORDER BY sku LIMIT 4",
                                    [brand_id]).fetchall()
        for position, (pid, sku) in enumerate(products):
            photo = store.db.execute(
                "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, product_id)"
                " VALUES (?, ?, ?, 10, 10, ?, ?)", [f"sha-{sku}", f"{sku}.jpg", f"originals/{sku}.jpg", now,
                                                   pid]).lastrowid
            store.db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)",
                             [sid, photo, position])
        store.db.conn.commit()
        set_ids[id(store)] = sid
        return store

    def run(store: Any, key: str, file: str, **kw: Any) -> None:
        messages: list[str] = []
        report = run_to_end(csv_files.import_customers_steps(store, work / file, actor="maria", **kw),
                            lambda p: messages.append(p.message))
        results[key] = {"report": report.as_dict(), "summary": report.summary(),
                        "progress_messages": sorted({m for m in messages if not m.startswith("Checked ")}),
                        "progress_reported": len(messages) > 2, "tables": _dump(store, since)}
        if answers:
            results[key]["answers"] = _mask(_answers(store, work, set_ids[id(store)]), since)

    threshold = csv_files.BULK_THRESHOLD
    csv_files.BULK_THRESHOLD = 1000
    store = library("bulk", "US")
    run(store, "bulk 1 messy file", "messy.csv")
    dashboard.refresh(store)
    results["bulk 1b dashboard refreshed"] = {"tables": _dump(store, since, True)}
    csv_files.BULK_THRESHOLD = threshold
    run(store, "bulk 2 updates", "updates.csv")
    run(store, "bulk 3 dry run", "messy.csv", dry_run=True)
    dashboard.refresh(store)
    results["bulk 4 dashboard refreshed"] = {"tables": _dump(store, since, True)}
    store.close()
    store = library("small", None)
    run(store, "small 1 messy file", "messy.csv")
    dashboard.refresh(store)
    results["small 2 dashboard refreshed"] = {"tables": _dump(store, since, True)}
    store.close()
    out.write_text(json.dumps(results, default=str))


# -- the comparison ---------------------------------------------------------------------------------------


def _catalog(work: Path) -> list[str]:
    sys.path.insert(0, str(REPO))
    from lookbook.demo import demo_products

    brands = set()
    with (work / "catalog.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["SKU", "Brand", "Name", "Category", "Colour", "Price", "Size", "Qty"])
        for p in demo_products():
            brands.add(p.brand)
            for size, qty in p.sizes.items():
                writer.writerow([p.sku, p.brand, p.name, p.category, p.colour, p.price_minor / 100, size, qty])
    return sorted(brands)


def _differences(before: Any, after: Any, where: str, found: list[str], limit: int = 30) -> None:
    if len(found) >= limit or before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if key not in before or key not in after:
                found.append(f"{where}/{key}: only in {'after' if key in after else 'before'}")
            else:
                _differences(before[key], after[key], f"{where}/{key}", found, limit)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            _differences(b, a, f"{where}[{i}]", found, limit)
    elif isinstance(before, list) and isinstance(after, list):
        found.append(f"{where}: {len(before)} rows before, {len(after)} after; first differing: "
                     f"{next(((b, a) for b, a in zip(before, after, strict=False) if b != a), None)}")
    else:
        found.append(f"{where}: before {before!r}, after {after!r}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="the git revision to compare with (default main)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--keep", metavar="DIR", help="keep the files, libraries and dumps here")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lookbook-import-identity-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        brands = _catalog(work)
        write_messy(work / "messy.csv", args.rows, brands)
        write_updates(work / "updates.csv", max(args.rows // 10, 50))
        dumps = {}
        for side in ("before", "after"):
            tree = REPO
            if side == "before":
                tree = work / "before-tree"
                shutil.rmtree(tree, ignore_errors=True)
                tree.mkdir()
                archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before, "lookbook", "resources"],
                                         check=True, capture_output=True).stdout
                subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            side_work = work / side
            shutil.rmtree(side_work, ignore_errors=True)
            side_work.mkdir()
            for name in ("messy.csv", "updates.csv", "catalog.csv"):
                shutil.copy(work / name, side_work / name)
            out = work / f"{side}.json"
            env = {**os.environ, "PYTHONPATH": str(tree)}
            subprocess.run([sys.executable, __file__, "--worker", str(side_work), str(out)], check=True, cwd=work,
                           env=env)
            dumps[side] = json.loads(out.read_text())
        # The files' own folders differ: compare reports by file name.
        for side in dumps.values():
            for step in side.values():
                if "report" in step:
                    step["report"]["file"] = Path(step["report"]["file"]).name
                for row in step["tables"].get("audit_log", {}).get("rows", []):
                    for i, cell in enumerate(row):
                        if isinstance(cell, str):
                            row[i] = cell.replace(str(work / "before"), "W").replace(str(work / "after"), "W")
        found: list[str] = []
        _differences(dumps["before"], dumps["after"], "", found)
        for step, data in dumps["after"].items():
            tables = data["tables"]
            counts = ", ".join(f"{k} {len(v['rows'])}" for k, v in tables.items()
                               if isinstance(v, dict) and v.get("rows"))
            print(f"{step}: {data.get('summary', '')} [{counts}; search entries {len(tables['search index'])}]")
        if found:
            print("\nDIFFERENT:\n" + "\n".join(found))
            raise SystemExit(1)
        print(f"\nidentical: {args.before} and the working tree, every table, report, search entry and answer")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
