"""Read-only listings that the app's pages and the command line show."""

from __future__ import annotations

from dataclasses import dataclass

from lookbook.store import Store


@dataclass(frozen=True)
class PhotoRow:
    id: int
    name: str
    sha256: str
    stored_path: str
    sku: str | None
    brand: str | None
    needs_review: bool


def list_photos(store: Store) -> list[PhotoRow]:
    """Return every photo with the product it is tied to, newest import last."""
    return [PhotoRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in store.db.execute(
        "SELECT ph.id, ph.original_name, ph.sha256, ph.stored_path, p.sku, b.name, ph.needs_review"
        " FROM photos ph LEFT JOIN products p ON p.id = ph.product_id LEFT JOIN brands b ON b.id = p.brand_id"
        " ORDER BY ph.id")]


@dataclass(frozen=True)
class ProductRow:
    id: int
    sku: str
    brand: str
    name: str
    category: str
    colour: str
    price_minor: int | None
    currency: str
    stock: dict[str, int]
    photos: int

    @property
    def units(self) -> int:
        return sum(self.stock.values())

    def stock_text(self) -> str:
        """Return stock as ``S 2 · M 0 · L 5``, or ``out of stock``."""
        if not self.units:
            return "out of stock"
        return " · ".join(f"{size} {qty}" for size, qty in self.stock.items())


def list_products(store: Store) -> list[ProductRow]:
    """Return every product with its stock by size, ordered by brand and SKU."""
    stock: dict[int, dict[str, int]] = {}
    for product_id, size, qty in store.db.execute("SELECT product_id, size, quantity FROM stock ORDER BY rowid"):
        stock.setdefault(product_id, {})[size] = qty
    photos = dict(store.db.execute("SELECT product_id, count(*) FROM photos WHERE product_id IS NOT NULL"
                                   " GROUP BY product_id").fetchall())
    return [ProductRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], stock.get(r[0], {}), photos.get(r[0], 0))
            for r in store.db.execute(
                "SELECT p.id, p.sku, b.name, p.name, p.category, p.colour, p.price_minor, p.currency"
                " FROM products p JOIN brands b ON b.id = p.brand_id ORDER BY b.name, p.sku")]


def format_price(price_minor: int | None, currency: str) -> str:
    """Return a price for people: ``USD 98.00``."""
    return "" if price_minor is None else f"{currency} {price_minor / 100:,.2f}"


@dataclass(frozen=True)
class CustomerRow:
    id: int
    name: str
    email: str | None
    x_handle: str | None
    preferred_channel: str | None
    likes: str


def count_customers(store: Store, search: str = "") -> int:
    """Return how many customers match ``search`` (name, e-mail or handle)."""
    where, params = _customer_filter(search)
    return store.db.execute(f"SELECT count(*) FROM customers c {where}", params).fetchone()[0]


def list_customers(store: Store, offset: int = 0, limit: int = 200, search: str = "") -> list[CustomerRow]:
    """Return one page of customers ordered by last then first name."""
    where, params = _customer_filter(search)
    rows = store.db.execute(
        "SELECT c.id, c.first_name || ' ' || c.last_name, c.email, c.x_handle, c.preferred_channel,"
        " (SELECT group_concat(b.name, ', ') FROM customer_brands cb JOIN brands b ON b.id = cb.brand_id"
        "  WHERE cb.customer_id = c.id AND cb.stance = 'like')"
        f" FROM customers c {where} ORDER BY c.last_name, c.first_name, c.id LIMIT ? OFFSET ?",
        [*params, limit, offset])
    return [CustomerRow(r[0], r[1], r[2], r[3], r[4], r[5] or "") for r in rows]


def _customer_filter(search: str) -> tuple[str, list[str]]:
    term = search.strip()
    if not term:
        return "", []
    like = f"%{term}%"
    return ("WHERE c.first_name || ' ' || c.last_name LIKE ? OR c.email LIKE ? OR c.x_handle LIKE ?",
            [like, like, like])


def list_sets(store: Store) -> list[tuple]:
    """Return (id, name, brand, shots, status, created by) for every set."""
    return store.db.execute(
        "SELECT s.id, s.name, b.name, (SELECT count(*) FROM set_items i WHERE i.set_id = s.id), s.status,"
        " s.created_by FROM sets s JOIN brands b ON b.id = s.brand_id ORDER BY s.id DESC").fetchall()


def list_messages(store: Store, states: tuple[str, ...] = ()) -> list[tuple]:
    """Return (id, customer, channel, state, set, updated) for messages, newest first."""
    where = f"WHERE m.state IN ({', '.join('?' * len(states))})" if states else ""
    return store.db.execute(
        "SELECT m.id, c.first_name || ' ' || c.last_name, m.channel, m.state, s.name, m.updated_at"
        f" FROM messages m JOIN customers c ON c.id = m.customer_id LEFT JOIN sets s ON s.id = m.set_id {where}"
        " ORDER BY m.id DESC", list(states)).fetchall()
