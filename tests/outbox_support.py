"""Rows the outbox tests share: staff, a brand with stocked products, customers who consent, a set."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from lookbook.customers import consent
from lookbook.store.database import Store, utcnow
from lookbook.store.users import create_user


@dataclass(frozen=True)
class World:
    brand_id: int
    set_id: int
    customers: list[int]
    products: list[int]
    photos: list[int]


STAFF = [("alex", "associate", "Alex Kim"), ("maria", "manager", "Maria Lopez"),
         ("lee", "manager", "Lee Park"), ("sam", "merchandiser", "Sam Patel"), ("admin", "admin", "Admin")]


def add_staff(store: Store) -> None:
    """Create the staff accounts (password ``secret-pass``); cheap enough with the test hash cost."""
    for username, role, display in STAFF:
        create_user(store, username, "secret-pass", role, display)


STORE_SETTINGS = {"store.name": "Marlowe & Co", "store.postal_address": "12 Harbour Street\nPortsmouth PO1 2AB",
                  "store.unsubscribe": "mailto:unsubscribe@store.example.com"}


def set_store_details(store: Store) -> None:
    """Enter the store's name, postal address and unsubscribe address (e-mail needs them)."""
    for key, value in STORE_SETTINGS.items():
        store.set_setting(key, value)


def add_world(store: Store, *, customers: int = 3, with_photos: bool = True, store_details: bool = True) -> World:
    """Create a brand, two products in stock, a set of their photos and consenting customers."""
    if store_details:
        set_store_details(store)
    now = utcnow()
    db = store.db
    brand_id = db.execute("INSERT INTO brands (name) VALUES ('Marlowe')").lastrowid
    products = []
    for sku, name, category, stock in [("MW-SH01", "Navy Oxford Shirt", "shirt", {"S": 0, "M": 3, "L": 1}),
                                       ("MW-TR01", "Sand Chino", "trousers", {"30": 2, "32": 0})]:
        pid = db.execute("INSERT INTO products (sku, brand_id, name, category, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)", [sku, brand_id, name, category, now, now]).lastrowid
        for size, qty in stock.items():
            db.execute("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, ?, ?, ?)",
                       [pid, size, qty, now])
        products.append(pid)
    set_id = db.execute("INSERT INTO sets (name, brand_id, created_by, created_at, updated_at)"
                        " VALUES ('Marlowe spring', ?, 'sam', ?, ?)", [brand_id, now, now]).lastrowid
    photos = []
    if with_photos:
        store.library.originals_dir.mkdir(parents=True, exist_ok=True)
        for n, (pid, colour) in enumerate(zip(products, [(30, 40, 90), (200, 180, 140)], strict=True)):
            rel = f"originals/p{n}.jpg"
            Image.new("RGB", (300, 400), colour).save(store.library.root / rel)
            photo_id = db.execute(
                "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, product_id)"
                " VALUES (?, ?, ?, 300, 400, ?, ?)", [f"sha{n}", f"p{n}.jpg", rel, now, pid]).lastrowid
            db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)", [set_id, photo_id, n])
            photos.append(photo_id)
    ids = []
    for n in range(customers):
        cid = db.execute(
            "INSERT INTO customers (first_name, last_name, email, x_handle, x_user_id, created_at, updated_at)"
            " VALUES (?, 'Tester', ?, ?, ?, ?, ?)",
            [f"Cust{n}", f"c{n}@example.com", f"cust{n}", str(1000 + n), now, now]).lastrowid
        db.execute("INSERT INTO customer_sizes (customer_id, category, size) VALUES (?, 'shirt', 'M')", [cid])
        db.execute("INSERT INTO customer_sizes (customer_id, category, size) VALUES (?, 'trousers', '32')", [cid])
        for channel in ("x", "email"):
            consent.record(store, cid, channel, "one_to_one", True, by_user="test", source="test")
        ids.append(cid)
    return World(brand_id, set_id, ids, products, photos)


def add_message(store: Store, customer_id: int, *, set_id: int | None = None, state: str = "draft",
                channel: str = "x", drafted_by: str = "alex", body: str = "Hello") -> int:
    """Insert a message row directly in ``state`` (for tests of the state table)."""
    now = utcnow()
    return int(store.db.execute(
        "INSERT INTO messages (set_id, customer_id, channel, state, body, drafted_by, created_at, updated_at,"
        " submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [set_id, customer_id, channel, state, body, drafted_by, now, now, now if state == "pending" else None],
    ).lastrowid)


def add_sent(store: Store, customer_id: int, external_id: str, *, channel: str = "whatsapp",
             sent_at: str = "2026-12-01T10:00:00+00:00", body: str = "New Marlowe shirts") -> int:
    """Insert a message already sent on ``channel`` as ``external_id`` (a status from the channel finds it by that)."""
    mid = add_message(store, customer_id, state="sent", channel=channel, body=body)
    store.db.execute("UPDATE messages SET external_id = ?, sent_at = ? WHERE id = ?", [external_id, sent_at, mid])
    return mid
