"""Read-only listings that the app's pages and the command line show."""

from __future__ import annotations

from dataclasses import dataclass

from lookbook.photos.review import ReviewReason, loads
from lookbook.store.database import Store


@dataclass(frozen=True)
class PhotoRow:
    id: int
    name: str
    sha256: str
    stored_path: str
    sku: str | None
    brand: str | None
    needs_review: bool
    #: Why it is flagged (empty when it is not), in words a person can check on the photo.
    review_reasons: tuple[ReviewReason, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Return the row as JSON-ready data (``lookbook photos list --json``)."""
        return {"id": self.id, "name": self.name, "sha256": self.sha256, "sku": self.sku, "brand": self.brand,
                "needs_review": self.needs_review, "review_reasons": [r.as_dict() for r in self.review_reasons]}


def list_photos(store: Store, *, flagged: bool = False) -> list[PhotoRow]:
    """Return every photo (``flagged``: only those flagged for review) with the product it is tied to and why it
    is flagged, newest import last."""
    return [PhotoRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), loads(r[7], bool(r[6]))) for r in store.db.execute(
        "SELECT ph.id, ph.original_name, ph.sha256, ph.stored_path, p.sku, b.name, ph.needs_review, ph.review_reasons"
        " FROM photos ph LEFT JOIN products p ON p.id = ph.product_id LEFT JOIN brands b ON b.id = p.brand_id"
        + (" WHERE ph.needs_review = 1" if flagged else "") + " ORDER BY ph.id")]


def format_price(price_minor: int | None, currency: str) -> str:
    """Return a price for people: ``USD 98.00``."""
    return "" if price_minor is None else f"{currency} {price_minor / 100:,.2f}"


def first_photo_id(store: Store) -> int | None:
    """Return the id of the first photo imported, or None in an empty library."""
    row = store.db.execute("SELECT id FROM photos ORDER BY id LIMIT 1").fetchone()
    return None if row is None else int(row[0])
