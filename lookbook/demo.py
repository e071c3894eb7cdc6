"""The demo library: real photos, an invented catalog and an invented customer book.

Built deterministically (a fixed seed, a fixed list of photos shipped in
``resources/demo/``), so two demo libraries are the same but for timestamps and
password salts. The photographed products take their names and colours from
``resources/demo/products.csv``, written by looking at each photo, so a product's
name always matches its picture; the others get a generated name and colour. Names,
handles and e-mail addresses are invented; e-mail uses the reserved ``example.com``
family of domains so nothing can ever reach a real person.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from lookbook.errors import LibraryError
from lookbook.hooks import Changes
from lookbook.lookbooks.sets import create_set
from lookbook.outbox.templates import save_template
from lookbook.photos.importer import import_photos
from lookbook.progress import Progress, run_to_end
from lookbook.store.database import Store, create_store, inserted_id, utcnow
from lookbook.store.library import Library
from lookbook.store.sqlitedb import Database
from lookbook.store.users import create_user

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEMO_PHOTOS = RESOURCES / "demo" / "photos"
DEMO_PRODUCTS = RESOURCES / "demo" / "products.csv"
PRODUCT_COLUMNS = ["sku", "name", "colour", "category"]
SEED = 20261123
DEMO_PASSWORD = "demo-pass"

BRANDS = [
    ("Harbour & Pine", "HP"), ("Marlowe", "MW"), ("Oak Street Tailoring", "OS"), ("Nordvik", "NV"),
    ("Calder & Wren", "CW"), ("Bellamy", "BL"), ("Linea Verde", "LV"), ("Ashby Row", "AR"),
]
# Product categories with their size runs and the word used in product names.
CATEGORIES: dict[str, tuple[list[str], list[str]]] = {
    "shirt": (["XS", "S", "M", "L", "XL", "XXL"], ["Oxford Shirt", "Linen Shirt", "Poplin Shirt", "Check Shirt",
                                                   "Camp-Collar Shirt", "Print Shirt"]),
    "longsleeve": (["XS", "S", "M", "L", "XL"], ["Merino Crew", "Roll-Neck Knit", "Striped Jumper", "V-Neck Knit"]),
    "t-shirt": (["XS", "S", "M", "L", "XL", "XXL"], ["Cotton Tee", "Pocket Tee", "Graphic Tee"]),
    "outerwear": (["S", "M", "L", "XL"], ["Field Jacket", "Quilted Jacket", "Wool Overcoat", "Rain Parka"]),
    "trousers": (["28", "30", "32", "34", "36", "38"], ["Chino", "Wool Trouser", "Selvedge Jean"]),
    "dress": (["XS", "S", "M", "L"], ["Wrap Dress", "Shirt Dress"]),
    "shorts": (["28", "30", "32", "34", "36"], ["Chino Short"]),
    "skirt": (["XS", "S", "M", "L"], ["Pleated Skirt"]),
}
CATEGORY_CODES = {"shirt": "SH", "longsleeve": "KN", "t-shirt": "TS", "outerwear": "OW", "trousers": "TR",
                  "dress": "DR", "shorts": "SR", "skirt": "SK"}
# How many products of each category each brand carries (8 brands, 60 products).
BRAND_MIX = [
    {"shirt": 4, "longsleeve": 1, "t-shirt": 1, "outerwear": 1, "trousers": 1},
    {"shirt": 3, "longsleeve": 2, "outerwear": 1, "trousers": 1},
    {"shirt": 4, "outerwear": 2, "trousers": 2},
    {"longsleeve": 3, "outerwear": 2, "t-shirt": 2},
    {"shirt": 2, "t-shirt": 2, "shorts": 2, "trousers": 1},
    {"dress": 2, "skirt": 2, "longsleeve": 1, "shirt": 2, "t-shirt": 1},
    {"shirt": 3, "t-shirt": 2, "longsleeve": 1, "dress": 1},
    {"shirt": 2, "outerwear": 2, "trousers": 2, "t-shirt": 1, "shorts": 1},
]
COLOURS = ["navy", "white", "sky blue", "olive", "charcoal", "sand", "burgundy", "forest green", "ecru", "black"]
FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Robin", "Avery", "Chris",
         "Daniel", "Maria", "Sofia", "Lucas", "Emma", "Noah", "Olivia", "Liam", "Mia", "Ethan", "Zoe", "Omar",
         "Aisha", "Kenji", "Yuki", "Ravi", "Priya", "Mateo", "Lucia", "Hugo", "Ines", "Felix", "Clara", "Tomas"]
LAST = ["Smith", "Garcia", "Chen", "Okafor", "Novak", "Rossi", "Dubois", "Kowalski", "Haddad", "Silva",
        "Andersen", "Murphy", "Nakamura", "Patel", "Schmidt", "Moreau", "Ivanova", "Costa", "Walsh", "Lindqvist"]
TIMEZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin"]
STAFF = [
    ("admin", "Store Admin", "admin"),
    ("maria", "Maria Lopez", "manager"),
    ("alex", "Alex Kim", "associate"),
    ("jordan", "Jordan Reyes", "associate"),
    ("sam", "Sam Patel", "merchandiser"),
]


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    brand: str
    name: str
    category: str
    colour: str
    price_minor: int
    sizes: dict[str, int]


def photographed_products(path: Path = DEMO_PRODUCTS) -> dict[str, tuple[str, str, str]]:
    """Return ``{sku: (name, colour, category)}`` of the photographed demo products, read from ``path``.

    :raises LibraryError: if the file is missing or a row is malformed (naming the file, line and field).
    """
    fix = "reinstall Lookbook Studio from its source."
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read the demo product names ({exc.strerror}); {fix}") from None
    if not rows or [h.strip().lower() for h in rows[0]] != PRODUCT_COLUMNS:
        raise LibraryError(f"{path}: line 1: the header must be {','.join(PRODUCT_COLUMNS)}; {fix}")
    found: dict[str, tuple[str, str, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(PRODUCT_COLUMNS):
            raise LibraryError(f"{path}: line {line}: expected {len(PRODUCT_COLUMNS)} fields"
                               f" ({','.join(PRODUCT_COLUMNS)}), found {len(row)}; {fix}")
        sku, name, colour, category = (cell.strip() for cell in row)
        for field, value in zip(PRODUCT_COLUMNS, (sku, name, colour, category), strict=True):
            if not value:
                raise LibraryError(f"{path}: line {line}, field {field}: it is empty; {fix}")
        if category not in CATEGORIES:
            raise LibraryError(f"{path}: line {line}, field category: '{category}' is not one of"
                               f" {', '.join(CATEGORIES)}; {fix}")
        if sku in found:
            raise LibraryError(f"{path}: line {line}, field sku: '{sku}' is listed twice; {fix}")
        found[sku] = (name, colour, category)
    return found


def demo_products(named: dict[str, tuple[str, str, str]] | None = None) -> list[DemoProduct]:
    """Return the demo catalog, the same every time.

    :param named: names, colours and categories by SKU; default :func:`photographed_products`.
    :raises LibraryError: if ``named`` lists a SKU the demo does not have, or gives it another category.
    """
    named = photographed_products() if named is None else named
    rng = random.Random(SEED)
    products: list[DemoProduct] = []
    for (brand, code), mix in zip(BRANDS, BRAND_MIX, strict=True):
        for category, count in mix.items():
            sizes, names = CATEGORIES[category]
            for n in range(1, count + 1):
                sku = f"{code}-{CATEGORY_CODES[category]}{n:02d}"
                # Drawn for every product, so stock and prices stay the same whatever the file names.
                drawn = rng.choice(COLOURS)
                name, colour = f"{drawn.title()} {names[(n - 1) % len(names)]}", drawn.capitalize()
                if sku in named:
                    name, colour, listed = named[sku]
                    if listed != category:
                        raise LibraryError(f"{DEMO_PRODUCTS}: {sku}, field category: '{listed}' but the demo has it as"
                                           f" '{category}'; reinstall Lookbook Studio from its source.")
                # Stock is deliberately uneven: some sizes sold out, a few products gone entirely.
                stock = {s: (0 if rng.random() < 0.25 else rng.randint(1, 6)) for s in sizes}
                if rng.random() < 0.08:
                    stock = dict.fromkeys(sizes, 0)
                price = rng.choice([59, 79, 89, 98, 125, 145, 195, 245]) * 100
                products.append(DemoProduct(sku, brand, name, category, colour, price, stock))
    unknown = sorted(set(named) - {p.sku for p in products})
    if unknown:
        raise LibraryError(f"{DEMO_PRODUCTS}: {', '.join(unknown)}: no such demo product; "
                           "reinstall Lookbook Studio from its source.")
    return products


def _demo_photo_files() -> list[Path]:
    if not DEMO_PHOTOS.is_dir():
        raise LibraryError(f"{DEMO_PHOTOS}: the demo photos are missing; reinstall Lookbook Studio from its source.")
    return sorted(DEMO_PHOTOS.glob("*.jpg"))


def build_demo(path: Path | str) -> Generator[Progress, None, None]:
    """Create the demo library at ``path``, yielding :class:`~lookbook.progress.Progress`.

    :raises LibraryError: if a library already exists there or the folder is not writable.
    """
    target = Path(path).expanduser().absolute()
    Library.check_new(target)  # refuses an existing library or an unwritable place, before any work
    if target.is_dir() and any(target.iterdir()):
        raise LibraryError(f"{target}: the folder is not empty. Choose a new or empty folder for the demo library.")
    # Build beside the target and move it in at the end, so a failure half-way
    # never leaves a half-made library under the name the user gave.
    staging = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    store = create_store(staging)
    try:
        yield from _fill(store)
    except BaseException:
        store.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    store.close()
    if target.exists():
        target.rmdir()  # an empty folder, checked above
    os.replace(staging, target)


def _fill(store: Store) -> Generator[Progress, None, None]:
    photos = _demo_photo_files()
    total = 5
    yield Progress(0, total, "Creating staff accounts")
    for username, display, role in STAFF:
        create_user(store, username, DEMO_PASSWORD, role, display)
    yield Progress(1, total, "Adding the catalog")
    _add_catalog(store)
    yield Progress(2, total, f"Importing {len(photos)} photos")
    _add_photos(store, photos)
    yield Progress(3, total, "Adding customers")
    _add_customers(store)
    yield Progress(4, total, "Preparing a set and a message template")
    _add_set_and_template(store)
    store.set_setting("demo", True)  # the app shows its first-run guide on the demo library
    # What every e-mail's footer shows (marketing mail must name the sender's postal address and a way to stop).
    store.set_setting("store.name", "Lookbook Demo Store")
    store.set_setting("store.postal_address", "1 Example Street\nSpringfield 12345")
    store.set_setting("store.unsubscribe", "mailto:unsubscribe@store.example.com")
    store.notify(Changes(photos=True, products=True, customers=True, sets=True, users=True, audit=True))
    yield Progress(5, total, "Done")


def _add_catalog(store: Store) -> None:
    now = utcnow()
    db = store.db
    with store.atomic():
        for brand, _code in BRANDS:
            db.execute("INSERT INTO brands (name) VALUES (?)", [brand])
        brand_ids = {r[1]: r[0] for r in db.execute("SELECT id, name FROM brands")}
        products = demo_products()
        for p in products:
            cur = db.execute(
                "INSERT INTO products (sku, brand_id, name, category, colour, price_minor, currency, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, 'USD', ?, ?)",
                [p.sku, brand_ids[p.brand], p.name, p.category, p.colour, p.price_minor, now, now])
            db.conn.executemany("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, ?, ?, ?)",
                           [(cur.lastrowid, s, q, now) for s, q in p.sizes.items()])
        store.audit("system", "demo.catalog", "library", None, products=len(products))


def _add_photos(store: Store, photos: list[Path]) -> None:
    """Import the demo photos the way a person would: garment boxes, review flags, renders, ties by file name."""
    report = run_to_end(import_photos(store, photos, actor="system"))
    if report.failed:
        raise LibraryError(f"the demo photos could not be imported ({'; '.join(report.problems)}); "
                           "reinstall Lookbook Studio from its source.")


def _add_customers(store: Store, count: int = 500) -> None:
    rng = random.Random(SEED + 1)
    now = utcnow()
    db = store.db
    brand_ids = [r[0] for r in db.execute("SELECT id FROM brands ORDER BY id")]
    associates = [r[0] for r in db.execute("SELECT id FROM users WHERE role = 'associate' ORDER BY id")]
    # Each step draws from the one seeded generator in turn, so the demo is the same book every time.
    with store.atomic():
        for i in range(count):
            cid, channels = _add_customer(db, rng, i, associates, now)
            _add_tastes(db, rng, cid, brand_ids)
            _add_consents(db, rng, cid, channels, now)
        store.audit("system", "demo.customers", "library", None, customers=count)


def _add_customer(db: Database, rng: random.Random, i: int, associates: list[int], now: str) -> tuple[int, list[str]]:
    """Add demo customer ``i`` with a name, addresses and an associate; return its id and its channels."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    handle = f"{first.lower()}{last.lower()[:4]}{i:03d}"
    has_x = rng.random() < 0.6
    has_email = rng.random() < 0.85 or not has_x
    preferred = "x" if has_x and (not has_email or rng.random() < 0.5) else "email"
    cur = db.execute(
        "INSERT INTO customers (first_name, last_name, email, x_handle, x_user_id, phone,"
        " preferred_channel, timezone, associate_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [first, last, f"{handle}@example.com" if has_email else None,
         handle if has_x else None, str(1_500_000_000 + i * 7919) if has_x else None,
         f"+1555010{i % 100:04d}" if rng.random() < 0.5 else None, preferred,
         rng.choice(TIMEZONES), rng.choice(associates), now, now])
    return inserted_id(cur), (["x"] if has_x else []) + (["email"] if has_email else [])


def _add_tastes(db: Database, rng: random.Random, cid: int, brand_ids: list[int]) -> None:
    """Give a demo customer brands they like (and maybe one they dislike) and their sizes."""
    likes = rng.sample(brand_ids, rng.choice([1, 1, 2, 2, 3]))
    dislikes = [b for b in rng.sample(brand_ids, 1) if b not in likes and rng.random() < 0.3]
    db.conn.executemany("INSERT INTO customer_brands (customer_id, brand_id, stance, source) VALUES (?, ?, ?, ?)",
                        [(cid, b, "like", "stated") for b in likes] + [(cid, b, "dislike", "stated") for b in dislikes])
    top = rng.choice(["S", "M", "M", "L", "L", "XL"])
    waist = rng.choice(["30", "32", "32", "34", "36"])
    sizes = {"shirt": top, "longsleeve": top, "t-shirt": top, "outerwear": top, "trousers": waist,
             "shorts": waist}
    if rng.random() < 0.3:
        sizes.update(dress=rng.choice(["XS", "S", "M"]), skirt=rng.choice(["XS", "S", "M"]))
    db.conn.executemany("INSERT INTO customer_sizes (customer_id, category, size) VALUES (?, ?, ?)",
                        [(cid, c, s) for c, s in sizes.items()])


def _add_consents(db: Database, rng: random.Random, cid: int, channels: list[str], now: str) -> None:
    """Record a demo customer's consent on their channels: most agreed in store, a few withdrew by reply."""
    for channel in channels:
        if rng.random() < 0.9:
            db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source)"
                       " VALUES (?, ?, 'one_to_one', 1, ?, 'system', 'in store')", [cid, channel, now])
            if rng.random() < 0.08:
                db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source)"
                           " VALUES (?, ?, 'one_to_one', 0, ?, 'system', 'reply')", [cid, channel, now])
        if rng.random() < 0.4:
            db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source)"
                       " VALUES (?, ?, 'marketing', 1, ?, 'system', 'in store')", [cid, channel, now])


DEMO_SET = "New shirts"
DEMO_TEMPLATE = "New arrivals"


def _add_set_and_template(store: Store) -> None:
    """Give the demo a set to match and a template to draft with, so the whole flow can be tried at once."""
    shirts = [r[0] for r in store.db.execute(
        "SELECT ph.id FROM photos ph JOIN products p ON p.id = ph.product_id"
        " WHERE p.sku LIKE 'HP-SH%' ORDER BY p.sku, ph.id")]
    create_set(store, brand="Harbour & Pine", name=DEMO_SET, actor="sam", photos=shirts)
    save_template(store, DEMO_TEMPLATE, actor="alex", subject="New {brand} in your size", body=(
        "Hi {first_name}, the new {brand} pieces have just come in: {products}. "
        "In your size we have {sizes_in_stock}. Shall I put one aside for you?\n\n{associate}"))
