"""Big synthetic libraries and bare-SQLite floors for the benchmarks in ``bench/``.

A benchmark measures the app's own functions against a floor measured in the same run; both need data at a
scale (a million customers) that the one-at-a-time core writes would take longer to make than everything they
time. The set-based SQL that makes that data, and the floors that are plain SQLite on purpose, live here, in the
core beside the tables they fill, so that ``bench/`` reaches the database only through core functions
(``tests/test_no_sql_outside_core.py``). Nothing in the app calls this module.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lookbook.lookbooks.sets import list_sets
from lookbook.store import integrity
from lookbook.store.database import Store, create_store, inserted_id, utcnow

T = TypeVar("T")

# -- counting and bare connections --------------------------------------------------------------------------


def _known_tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def _count(conn: sqlite3.Connection, tables: Iterable[str]) -> dict[str, int]:
    known = _known_tables(conn)
    counts = {}
    for table in tables:
        if table not in known:  # a table name cannot be a parameter; only names the schema holds are formatted in
            raise ValueError(f"no table named {table!r}")
        counts[table] = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    return counts


def table_counts(store: Store, tables: Iterable[str]) -> dict[str, int]:
    """Return ``{table: rows}`` for each of ``tables``.

    :raises ValueError: for a name that is not a table of the library.
    """
    return _count(store.db.conn, tables)


def on_bare_connection(db_path: Path, fn: Callable[[sqlite3.Connection], T], *, audit_functions: bool = False) -> T:
    """Open ``db_path`` with plain :func:`sqlite3.connect` (none of the store's checks), call ``fn`` on it, close.

    :param audit_functions: register the audit hash functions first (a backup or a check of the chain needs them).
    """
    conn = sqlite3.connect(db_path)
    try:
        if audit_functions:
            integrity.install_functions(conn)
        return fn(conn)
    finally:
        conn.close()


def bare_table_counts(db_path: Path, tables: Iterable[str]) -> dict[str, int]:
    """Return ``{table: rows}`` read over a bare connection (without opening the store)."""
    return on_bare_connection(db_path, lambda conn: _count(conn, tables))


def bare_open(db_path: Path) -> None:
    """The floor of opening a library: connect, read the schema version, count the customers, close."""
    def touch(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA schema_version").fetchone()
        conn.execute("SELECT count(*) FROM customers").fetchone()
    on_bare_connection(db_path, touch)


# -- a book of a million for the dashboard ------------------------------------------------------------------


def fill_dashboard_book(store: Store, customers: int) -> None:
    """Add ``customers`` customers with brand likes and dislikes, sizes and purchases, spread like the demo's.

    The catalog (the demo's 8 brands and 60 products) must be imported first. The search index's triggers are
    dropped in this throwaway library: filling a full-text index for a million names would take longer than
    everything measured.
    """
    db = store.db
    for name in [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                          " AND name LIKE 'customers_fts%'")]:
        db.execute(f"DROP TRIGGER {name}")
    # As a bulk customer import does: the dashboard's per-row marks off for the load, every customer marked once.
    marks = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'dashboard_dirty_*'"
                       " AND name != 'dashboard_dirty_products_au'").fetchall()
    for name, _ in marks:
        db.execute(f"DROP TRIGGER {name}")
    with store.atomic():
        db.execute(f"""
            INSERT INTO customers (id, first_name, created_at, updated_at)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {int(customers)})
            SELECT i, 'C' || i, '2026-01-01', '2026-01-01' FROM n""")
        db.execute("""
            INSERT OR IGNORE INTO customer_brands (customer_id, brand_id, stance)
            SELECT c.id, 1 + abs(random()) % 8, 'like' FROM customers c, (VALUES (1), (2)) k
            WHERE k.column1 = 1 OR c.id % 2 = 0""")
        db.execute("""
            INSERT OR IGNORE INTO customer_brands (customer_id, brand_id, stance)
            SELECT id, 1 + abs(random()) % 8, 'dislike' FROM customers WHERE id % 10 = 0""")
        # Sizes follow from the id (a customer has one top size and one waist), spread like the demo's.
        top = "CASE (c.id * 7) % 6 WHEN 0 THEN 'S' WHEN 1 THEN 'M' WHEN 2 THEN 'M' WHEN 3 THEN 'L'" \
              " WHEN 4 THEN 'L' ELSE 'XL' END"
        waist = "CASE (c.id * 13) % 5 WHEN 0 THEN '30' WHEN 1 THEN '32' WHEN 2 THEN '32' WHEN 3 THEN '34'" \
                " ELSE '36' END"
        db.execute(f"""
            INSERT INTO customer_sizes (customer_id, category, size)
            SELECT c.id, cat.column1, CASE WHEN cat.column1 IN ('trousers', 'shorts') THEN {waist} ELSE {top} END
            FROM customers c
            JOIN (VALUES ('shirt'), ('longsleeve'), ('t-shirt'), ('outerwear'), ('trousers'), ('shorts'),
                         ('dress'), ('skirt')) cat
            WHERE cat.column1 NOT IN ('dress', 'skirt') OR c.id % 3 = 0""")
        db.execute("""
            INSERT INTO purchases (customer_id, product_id, purchased_at)
            SELECT id, 1 + abs(random()) % 60, '2025-06-01' FROM customers WHERE id % 2 = 1""")
        db.execute("INSERT INTO dashboard_dirty (customer_id) SELECT id FROM customers")
        for _, sql in marks:
            db.execute(sql)
    db.execute("ANALYZE")


def change_shirt_sizes(store: Store, rng: random.Random, count: int) -> None:
    """Give ``count`` random customers another shirt size (S, M or L), in one transaction."""
    last = int(store.db.execute("SELECT max(id) FROM customers").fetchone()[0])
    with store.atomic():
        for cid in rng.sample(range(1, last + 1), count):
            store.db.execute("UPDATE customer_sizes SET size = ? WHERE customer_id = ? AND category = 'shirt'",
                             [rng.choice("SML"), cid])


def demand_from_rows(store: Store) -> dict[int, tuple[int, ...]]:
    """Return {brand id: (fans, fit, fit or sold out)} counted from every fan's rows in one pass (the dashboard's
    answer before issue 18, and what a read-only library still runs)."""
    from lookbook.catalog.dashboard import DEMAND_SQL

    return {r[0]: tuple(r[1:]) for r in store.db.execute(DEMAND_SQL)}


def scan_sizes(store: Store) -> tuple[int, int]:
    """The dashboard's floor: one pass over every customer size (rows, total length of the sizes)."""
    rows, length = store.db.execute("SELECT count(*), sum(length(size)) FROM customer_sizes").fetchone()
    return int(rows), int(length or 0)


# -- a book for the integrity checks ------------------------------------------------------------------------


def _has_series(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT * FROM generate_series(1, 1)")
    except sqlite3.Error:
        return False
    return True


def build_integrity_book(root: Path, customers: int, audit_rows: int) -> None:
    """Create a library at ``root`` with 100 brands, ``customers`` customers and ``audit_rows`` audit entries."""
    store = create_store(root)
    db = store.db
    with store.atomic():
        db.execute("INSERT INTO brands (name) SELECT 'Brand ' || value FROM generate_series(1, 100)"
                   if _has_series(db.conn) else
                   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                   "INSERT INTO brands (name) SELECT 'Brand ' || i FROM n")
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO customers (first_name, last_name, email, x_handle, timezone, created_at, updated_at) "
            "SELECT 'First' || i, 'Last' || (i % 977), 'c' || i || '@example.org', '@c' || i, 'UTC', "
            "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM n", [customers])
        db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance) "
                   "SELECT id, 1 + id % 100, 'like' FROM customers UNION ALL "
                   "SELECT id, 1 + (id * 7 + 3) % 100, 'dislike' FROM customers WHERE (id * 7 + 3) % 100 <> id % 100")
        db.execute("INSERT INTO customer_sizes (customer_id, category, size) SELECT id, 'shirt', 'M' FROM customers "
                   "UNION ALL SELECT id, 'trousers', '32' FROM customers")
        db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source) "
                   "SELECT id, 'email', 'one_to_one', 1, '2026-01-01T00:00:00+00:00', 'maria', 'import' "
                   "FROM customers")
    with store.atomic():
        for i in range(audit_rows):
            store.audit("maria", "customer.update", "customer", 1 + i % customers, field="notes", n=i)
    store.close()


# -- sets of shirts for matching ----------------------------------------------------------------------------


def add_shirt_sets(store: Store) -> tuple[int, int]:
    """Add two sets of six shirts (a photo row per product): of the most liked brand and of the median one.

    The most liked brand is the worst case for matching (the most customers to consider), the median a typical
    send. Returns the two set ids in that order.
    """
    db = store.db
    ranked = [r[0] for r in db.execute("SELECT brand_id FROM customer_brands WHERE stance = 'like'"
                                       " GROUP BY brand_id ORDER BY count(*) DESC")]
    now = utcnow()
    set_ids = []
    for label, brand_id in (("most liked", ranked[0]), ("median", ranked[len(ranked) // 2])):
        set_id = inserted_id(db.execute("INSERT INTO sets (name, brand_id, created_by, created_at, updated_at)"
                                        " VALUES (?, ?, 'bench', ?, ?)",
                                        [f"Bench shirts, {label} brand", brand_id, now, now]))
        set_ids.append(set_id)
        pids = [r[0] for r in db.execute("SELECT id FROM products WHERE brand_id = ? AND category = 'shirt'"
                                         " ORDER BY id LIMIT 6", [brand_id])]
        for position, pid in enumerate(pids):
            photo = db.execute("INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at,"
                               " product_id) VALUES (?, ?, ?, 1, 1, ?, ?)",
                               [f"bench-{pid}", f"{pid}.jpg", f"originals/{pid}.jpg", now, pid]).lastrowid
            db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)",
                       [set_id, photo, position])
    return set_ids[0], set_ids[1]


@dataclass(frozen=True)
class _NaiveSet:
    """What :func:`naive_match` needs to know about the set, read once."""

    brand_id: int
    scope: str
    products: list[tuple[int, str]]  # (product id, category)
    stock: set[tuple[int, str]]  # (product id, SIZE) in stock
    now: dt.datetime


def naive_match(store: Store, set_id: int, now: dt.datetime) -> dict[int, str]:
    """The same rules as :func:`lookbook.customers.matching.match_set`, as a plain loop: a query per customer and rule.

    The matching benchmark's floor and cross-check. Returns ``{customer_id: channel}`` for the matches before
    the daily cap (ranking is not compared).
    """
    db = store.db
    brand_id, scope = db.execute("SELECT brand_id, scope FROM sets WHERE id = ?", [set_id]).fetchone()
    products = db.execute("SELECT DISTINCT p.id, p.category FROM set_items si JOIN photos ph ON ph.id = si.photo_id"
                          " JOIN products p ON p.id = ph.product_id WHERE si.set_id = ?", [set_id]).fetchall()
    stock = {(pid, size.upper()) for pid, size in db.execute(
        "SELECT product_id, size FROM stock WHERE quantity > 0").fetchall() if pid in {p for p, _ in products}}
    the_set = _NaiveSet(brand_id, scope, products, stock, now)
    out: dict[int, str] = {}
    for cid, preferred, email, x_handle, x_user_id, paused_until, last_contacted in db.execute(
            "SELECT id, preferred_channel, email, x_handle, x_user_id, paused_until, last_contacted_at"
            " FROM customers").fetchall():
        if not (_naive_wants(store, cid, the_set) and _naive_fits(store, cid, the_set)):
            continue
        if (paused_until and paused_until > now.isoformat()) or _naive_recent(store, cid, last_contacted, now):
            continue
        channel = _naive_channel(store, cid, the_set, preferred, {"x": x_user_id or x_handle, "email": email})
        if channel is not None:
            out[cid] = channel
    return out


def _naive_wants(store: Store, cid: int, the_set: _NaiveSet) -> bool:
    """Whether the customer likes the set's brand or bought it, and does not dislike it."""
    stance = store.db.execute("SELECT stance FROM customer_brands WHERE customer_id = ? AND brand_id = ?",
                              [cid, the_set.brand_id]).fetchone()
    bought = store.db.execute("SELECT count(*) FROM purchases WHERE customer_id = ? AND brand_id = ?",
                              [cid, the_set.brand_id]).fetchone()[0]
    return not ((stance is None and not bought) or (stance and stance[0] == "dislike"))


def _naive_fits(store: Store, cid: int, the_set: _NaiveSet) -> bool:
    """Whether a product of the set is in stock in the customer's size for its category."""
    sizes = dict(store.db.execute("SELECT category, size FROM customer_sizes WHERE customer_id = ?",
                                  [cid]).fetchall())
    return any((pid, sizes.get(cat, "").upper()) in the_set.stock for pid, cat in the_set.products)


def _naive_recent(store: Store, cid: int, last_contacted: str | None, now: dt.datetime) -> bool:
    """Whether the customer was contacted (or messaged) within the quiet period."""
    from lookbook.customers.matching import CONTACT_STATES, FREQUENCY_DEFAULT

    since = now - dt.timedelta(days=FREQUENCY_DEFAULT)
    marks = ", ".join("?" * len(CONTACT_STATES))
    last = store.db.execute(f"SELECT max(coalesce(sent_at, created_at)) FROM messages WHERE customer_id = ?"
                            f" AND state IN ({marks})", [cid, *CONTACT_STATES]).fetchone()[0]
    return any(t and dt.datetime.fromisoformat(t) > since for t in (last, last_contacted))


def _naive_channel(store: Store, cid: int, the_set: _NaiveSet, preferred: str | None,
                   addresses: dict[str, str | None]) -> str | None:
    """Return the first channel (the preferred one first) with an address, consent and no bounce, or None."""
    from lookbook.customers.consent import consent_state
    from lookbook.customers.matching import sendable_channels

    channels = sendable_channels()
    order = ([preferred] if preferred in channels else []) + [c for c in channels if c != preferred]
    for channel in order:
        unreachable = store.db.execute("SELECT 1 FROM channel_status WHERE customer_id = ? AND channel = ?"
                                       " AND unreachable_at IS NOT NULL", [cid, channel]).fetchone()
        if addresses.get(channel) and consent_state(store, cid, channel, the_set.scope).granted and not unreachable:
            return channel
    return None


# -- photos for the shoot grid ------------------------------------------------------------------------------


def add_photo_rows(store: Store, count: int, stored_paths: Sequence[str]) -> None:
    """Add ``count`` photo rows (400×500, every 17th to review), pointing in turn at ``stored_paths``."""
    now = utcnow()
    with store.atomic():
        store.db.conn.executemany(
            "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, needs_review)"
            " VALUES (?, ?, ?, 400, 500, ?, ?)",
            [(f"{i:064x}", f"IMG_{i:05d}.jpg", stored_paths[i % len(stored_paths)], now, int(i % 17 == 0))
             for i in range(count)])


# -- messages for the sender and the outbox -----------------------------------------------------------------


def add_approved_messages(store: Store, n: int, channel: str = "x", zone: str | None = None) -> None:
    """Add ``n`` customers with an X account (user ids from 5000), an e-mail address and a phone number, consent on
    ``channel``, and
    one approved message each on it; on WhatsApp each also wrote an hour ago (free text may go).

    :param zone: the customers' time zone (one where it is daytime keeps quiet hours out of a benchmark).
    """
    now = utcnow()
    with store.atomic():
        for i in range(n):
            cid = store.db.execute(
                "INSERT INTO customers (first_name, email, x_user_id, phone, timezone, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [f"C{i}", f"c{i}@example.com", str(5000 + i), f"+1555{i:07d}", zone or "UTC", now, now]).lastrowid
            store.db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source)"
                             " VALUES (?, ?, 'one_to_one', 1, ?, 'bench', 'bench')", [cid, channel, now])
            store.db.execute("INSERT INTO messages (customer_id, channel, state, body, subject, drafted_by,"
                             " created_at, updated_at) VALUES (?, ?, 'approved', ?, ?, 'bench', ?, ?)",
                             [cid, channel, f"Hello C{i}, new shirts in your size",
                              "New shirts" if channel == "email" else "", now, now])
            if channel == "whatsapp":
                store.db.execute("INSERT INTO replies (customer_id, channel, external_id, body, received_at)"
                                 " VALUES (?, 'whatsapp', ?, 'Hi', ?)", [cid, f"in{i}", now])


def add_shirt_set_and_customers(store: Store, photos: Sequence[Path], n: int) -> tuple[int, list[int]]:
    """Add brand Marlowe, a shirt per photo (S, M, L in stock) in one set, and ``n`` size-M customers consenting
    to X; return the set id and the customer ids. The photos are copied into the library's originals."""
    now = utcnow()
    db = store.db
    root = store.library.root
    with store.atomic():
        brand = db.execute("INSERT INTO brands (name) VALUES ('Marlowe')").lastrowid
        set_id = inserted_id(db.execute("INSERT INTO sets (name, brand_id, created_by, created_at, updated_at)"
                                        " VALUES ('bench', ?, 'sam', ?, ?)", [brand, now, now]))
        for k, photo in enumerate(photos):
            pid = db.execute("INSERT INTO products (sku, brand_id, name, category, created_at, updated_at)"
                             " VALUES (?, ?, ?, 'shirt', ?, ?)", [f"MW-{k}", brand, f"Shirt {k}", now, now]).lastrowid
            for size in ("S", "M", "L"):
                db.execute("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, ?, 3, ?)",
                           [pid, size, now])
            rel = f"originals/{photo.name}"
            shutil.copy(photo, root / rel)
            ph = db.execute("INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at,"
                            " product_id) VALUES (?, ?, ?, 1, 1, ?, ?)", [f"h{k}", photo.name, rel, now, pid]).lastrowid
            db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)", [set_id, ph, k])
        customer_ids = []
        for i in range(n):
            cid = inserted_id(db.execute("INSERT INTO customers (first_name, created_at, updated_at) VALUES (?, ?, ?)",
                                         [f"C{i}", now, now]))
            db.execute("INSERT INTO customer_sizes VALUES (?, 'shirt', 'M')", [cid])
            db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source)"
                       " VALUES (?, 'x', 'one_to_one', 1, ?, 'bench', 'bench')", [cid, now])
            customer_ids.append(cid)
    return set_id, customer_ids


def raw_draft(store: Store, customer_ids: Sequence[int]) -> None:
    """The outbox's floor for drafting: a bare message row and its audit entry per customer, no checks."""
    now = utcnow()
    with store.atomic():
        for cid in customer_ids:
            mid = store.db.execute(
                "INSERT INTO messages (set_id, customer_id, channel, body, drafted_by, created_at,"
                " updated_at) VALUES (NULL, ?, 'x', 'hello', 'alex', ?, ?)", [cid, now, now]).lastrowid
            store.audit("alex", "message.draft", "message", mid, customer_id=cid)


def raw_approve(store: Store, customer_ids: Sequence[int]) -> None:
    """The outbox's floor for submit and approve: two UPDATEs of the bare rows and an audit entry per customer."""
    with store.atomic():
        store.db.execute("UPDATE messages SET state = 'pending' WHERE set_id IS NULL")
        store.db.execute("UPDATE messages SET state = 'approved' WHERE set_id IS NULL")
        for cid in customer_ids:
            store.audit("maria", "message.approve", "message", cid, comment="ok")


def first_set_id(store: Store) -> int:
    """Return the oldest set's id (the demo's first set), for benchmarks that act on "the" set."""
    return min(summary.id for summary in list_sets(store))


class DataVersionProbe:
    """A bare connection of its own reading ``PRAGMA data_version``: the floor a live-update watcher is held to."""

    def __init__(self, db_path: Path) -> None:
        self._conn = sqlite3.connect(db_path, check_same_thread=False)

    def version(self) -> int:
        """Return the file's data version as this connection sees it (it moves when another connection commits)."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self._conn.close()


def spread_contact_history(db_path: Path, now: dt.datetime, seed: int = 18) -> int:
    """Give half the book a last contact a whole number of days ago (0-400, an hour before the day turns, so the
    same "days ago" holds for 23 hours) and a tenth of those a pause, on a bare connection; return how many."""
    rng = random.Random(seed)

    def spread(conn: sqlite3.Connection) -> int:
        updates = []
        for (cid,) in conn.execute("SELECT id FROM customers").fetchall():
            if rng.random() < 0.5:
                when = (now - dt.timedelta(days=rng.randint(0, 400), hours=1)).isoformat()
                paused = (now + dt.timedelta(days=rng.randint(1, 60))).isoformat() if rng.random() < 0.1 else None
                updates.append((when, paused, cid))
        with conn:
            conn.executemany("UPDATE customers SET last_contacted_at = ?, paused_until = ? WHERE id = ?", updates)
        return len(updates)

    return on_bare_connection(db_path, spread)
