"""A set of four real shirts with rendered details, for the composer's tests (goldens, the Compose page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from lookbook.photos.recipes import render_dir
from lookbook.store.database import Store, utcnow
from outbox_support import add_staff, add_world
from photo_support import DEMO_PHOTOS

#: (sku, name, stock by size, price in cents, demo photo)
SHIRTS = [
    ("HP-SH01", "Tropical Camp Shirt", {"S": 2, "M": 1, "L": 0}, 7900, "HP-SH01.jpg"),
    ("HP-SH02", "Short-Sleeve Check", {"M": 3, "XL": 1}, 9800, "HP-SH02.jpg"),
    ("HP-SH03", "Check Button-Down", {"S": 1, "L": 2}, 5900, "HP-SH03.jpg"),
    ("HP-SH04", "Micro-Print Cutaway", {"M": 1}, 8500, "HP-SH04.jpg"),
]


@dataclass
class ComposeWorld:
    """The set, its photos (one per shirt, in set order) and two customers (sizes M and S)."""

    set_id: int
    photos: list[int]
    customer_m: int
    customer_s: int
    brand_id: int


def _detail(source: Path, box: tuple[float, float, float, float], target: Path) -> None:
    """Write a detail crop as the renderer would: a region of the photo, at its own pixels."""
    with Image.open(source) as im:
        w, h = im.size
        crop = im.convert("RGB").crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    target.parent.mkdir(parents=True, exist_ok=True)
    crop.save(target, quality=95)


def compose_world(store: Store) -> ComposeWorld:
    """Add staff, a brand with four shirts in stock, real photos with collar and cuff crops, and a set of them."""
    add_staff(store)
    base = add_world(store, customers=2, with_photos=False)
    now = utcnow()
    db = store.db
    db.execute("UPDATE brands SET name = 'Harbour & Pine' WHERE id = ?", [base.brand_id])
    store.library.originals_dir.mkdir(parents=True, exist_ok=True)
    photos = []
    for n, (sku, name, stock, price, photo) in enumerate(SHIRTS):
        pid = db.execute("INSERT INTO products (sku, brand_id, name, category, price_minor, currency, created_at,"
                         " updated_at) VALUES (?, ?, ?, 'shirt', ?, 'USD', ?, ?)",
                         [sku, base.brand_id, name, price, now, now]).lastrowid
        for size, qty in stock.items():
            db.execute("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, ?, ?, ?)",
                       [pid, size, qty, now])
        rel = f"originals/{photo}"
        source = DEMO_PHOTOS / photo
        (store.library.root / rel).write_bytes(source.read_bytes())
        sha = f"composer{n:02d}"
        with Image.open(source) as im:
            size = im.size
        photo_id = db.execute(
            "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, product_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", [sha, photo, rel, size[0], size[1], now, pid]).lastrowid
        folder = render_dir(store.library, sha)
        _detail(source, (0.3, 0.0, 0.7, 0.35), folder / f"{sha}-collar.jpg")
        _detail(source, (0.0, 0.45, 0.35, 0.8), folder / f"{sha}-cuff.jpg")
        db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)", [base.set_id, photo_id, n])
        photos.append(photo_id)
    # The world's own shirt and chino have no photos, so the set holds the four shirts only.
    cm, cs = base.customers
    db.execute("UPDATE customer_sizes SET size = 'S' WHERE customer_id = ? AND category = 'shirt'", [cs])
    return ComposeWorld(base.set_id, photos, cm, cs, base.brand_id)
