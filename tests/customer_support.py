"""Building blocks for the customer, consent and matching tests: a small catalog, a set, customers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lookbook.customers import book as customers
from lookbook.customers import consent
from lookbook.store.database import Store, utcnow


def add_brand(store: Store, name: str) -> int:
    """Add a brand and return its id."""
    return int(store.db.execute("INSERT INTO brands (name) VALUES (?)", [name]).lastrowid)


def add_product(store: Store, brand_id: int, sku: str, category: str, stock: dict[str, int]) -> int:
    """Add a product with stock by size and one photo of it; return the product id."""
    now = utcnow()
    pid = int(store.db.execute(
        "INSERT INTO products (sku, brand_id, name, category, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [sku, brand_id, f"{sku} name", category, now, now]).lastrowid)
    store.db.conn.executemany("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, ?, ?, ?)",
                              [(pid, size, qty, now) for size, qty in stock.items()])
    store.db.execute("INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, product_id)"
                     " VALUES (?, ?, ?, 10, 10, ?, ?)", [f"sha-{sku}", f"{sku}.jpg", f"originals/{sku}.jpg", now, pid])
    return pid


def add_set(store: Store, brand_id: int, skus: list[str], *, scope: str = "one_to_one", name: str = "New in") -> int:
    """Add a set holding the photos of ``skus``; return its id."""
    now = utcnow()
    sid = int(store.db.execute("INSERT INTO sets (name, brand_id, scope, created_by, created_at, updated_at)"
                               " VALUES (?, ?, ?, 'sam', ?, ?)", [name, brand_id, scope, now, now]).lastrowid)
    for position, sku in enumerate(skus):
        store.db.execute("INSERT INTO set_items (set_id, photo_id, position) SELECT ?, ph.id, ? FROM photos AS ph"
                         " JOIN products AS p ON p.id = ph.product_id WHERE p.sku = ?", [sid, position, sku])
    return sid


def add_customer(store: Store, first: str, *, likes: list[str] = (), dislikes: list[str] = (),
                 sizes: dict[str, str] | None = None, consents: dict[str, str] | None = None,
                 **fields: Any) -> int:
    """Add a customer with brand stances, sizes and consent levels per channel; return the id."""
    values = {"first_name": first, "last_name": "Test", **fields}
    values.setdefault("email", f"{first.lower()}@example.com")  # email=None gives a customer without one
    cid = customers.add_customer(store, values, actor="test").id
    for brand in likes:
        customers.set_brand_stance(store, cid, brand, "like", actor="test")
    for brand in dislikes:
        customers.set_brand_stance(store, cid, brand, "dislike", actor="test")
    if sizes:
        customers.set_sizes(store, cid, sizes, actor="test")
    for channel, level in (consents or {}).items():
        consent.set_level(store, cid, channel, level, by_user="test", source="in store")
    return cid


def add_message(store: Store, customer_id: int, *, state: str = "sent", channel: str = "x", set_id: int | None = None,
                at: str | None = None, drafted_by: str = "alex") -> int:
    """Add a message in ``state``, created (and, if sent, sent) at ``at``."""
    at = at or utcnow()
    return int(store.db.execute(
        "INSERT INTO messages (set_id, customer_id, channel, state, body, drafted_by, created_at, updated_at, sent_at)"
        " VALUES (?, ?, ?, ?, 'hi', ?, ?, ?, ?)",
        [set_id, customer_id, channel, state, drafted_by, at, at, at if state == "sent" else None]).lastrowid)


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a CSV file from a literal (dedented by the caller) and return its path."""
    path.write_bytes(text.encode(encoding))
    return path
