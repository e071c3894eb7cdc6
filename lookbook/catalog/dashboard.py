"""The brand dashboard: demand for each brand against its stock, and whether a send is worth it.

For each brand:

fans
    customers who like it (``customer_brands`` stance ``like``) or bought it
    (``purchases``), unless they said they dislike it;
fit
    fans whose recorded size in one of the brand's categories is in stock in at least
    one of its products (``customer_sizes`` by category);
sold out for
    fans whose recorded sizes in the brand's categories are all out of stock;
size unknown
    fans with no size recorded for any of the brand's categories;
beyond stock
    fitting fans beyond the brand's units in stock (``fit - units`` when positive):
    even if each bought only one piece, these would find the shelf empty. It is a
    brand-level floor: it does not see that 40 fans of size M may share 3 units of M
    while 30 units of XL wait;
stock depth
    units, product sizes in stock, products, and products out of stock.

A send would frustrate ``sold out for + beyond stock`` fans. The verdict is
"worth a send" when some fans fit and the frustrated are at most a share (setting
``dashboard.max_frustrated_share``, default 0.25) of the fans whose sizes we know;
otherwise "thin stock: would frustrate N customers"; "nothing in stock" when the brand
has no unit left; "no demand" when no customer likes or bought the brand.

The fans are counted ahead, by brand and sizes (``dashboard_profiles``, kept by triggers
from ``dashboard_fans``, one row per fan: their sizes and brands). A change to a customer's
likes, sizes or purchases marks them in ``dashboard_dirty``, and :func:`refresh` brings
those customers up to date before the dashboard reads: a million customers make a few
hundred (brand, sizes) rows, judged against today's stock here. A library opened
read-only, which cannot bring the counts up to date, counts from the rows in one pass
(:data:`DEMAND_SQL`). ``python -m bench.dashboard`` measures both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lookbook.errors import InputError
from lookbook.store.database import Store
from lookbook.words import plural

WORTH = "worth a send"
NO_DEMAND = "no demand"
NOTHING_IN_STOCK = "nothing in stock"
#: Library setting: the largest share of fans (with known sizes) a send may frustrate and still be worth it.
MAX_FRUSTRATED_SHARE_SETTING = "dashboard.max_frustrated_share"
DEFAULT_MAX_FRUSTRATED_SHARE = 0.25


@dataclass(frozen=True)
class BrandDemand:
    """Demand against stock for one brand."""

    brand_id: int
    brand: str
    fans: int
    fit: int
    sold_out_for: int
    size_unknown: int
    beyond_stock: int
    units: int
    sizes_in_stock: int
    products: int
    out_of_stock: int
    max_frustrated_share: float = DEFAULT_MAX_FRUSTRATED_SHARE

    @property
    def would_frustrate(self) -> int:
        """Return how many fans a send would disappoint: nothing in their size, or more of them than units."""
        return self.sold_out_for + self.beyond_stock

    @property
    def verdict(self) -> str:
        """Return "worth a send", "thin stock: would frustrate N customers", "nothing in stock" or "no demand"."""
        if self.fans == 0:
            return NO_DEMAND
        if self.units == 0:
            return NOTHING_IN_STOCK
        reachable = self.fit + self.sold_out_for
        if self.fit > 0 and self.would_frustrate <= self.max_frustrated_share * reachable:
            return WORTH
        return f"thin stock: would frustrate {plural(self.would_frustrate, 'customer')}"  # never "1 customers"

    def as_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready data, verdict included."""
        data = {k: v for k, v in vars(self).items() if k != "max_frustrated_share"}
        return {**data, "would_frustrate": self.would_frustrate, "verdict": self.verdict}


# The fans of each brand: stated likes, then buyers with no stated stance on the brand (a
# buyer who said "like" is already counted; one who said "dislike" is not a fan). UNION ALL
# of two disjoint parts avoids de-duplicating every like through a temporary B-tree.
# Per fan, two EXISTS look at that customer's few sizes by primary key; CROSS JOIN makes
# SQLite start from those sizes and probe the small in-stock table by its automatic index,
# instead of scanning the in-stock table for every fan.
DEMAND_SQL = """
WITH
instock(brand_id, category, size) AS MATERIALIZED (
    SELECT DISTINCT p.brand_id, p.category, s.size
    FROM stock s JOIN products p ON p.id = s.product_id WHERE s.quantity > 0
),
brand_categories(brand_id, category) AS MATERIALIZED (SELECT DISTINCT brand_id, category FROM products),
fans(brand_id, customer_id) AS (
    SELECT brand_id, customer_id FROM customer_brands WHERE stance = 'like'
    UNION ALL
    SELECT DISTINCT COALESCE(pu.brand_id, pr.brand_id), pu.customer_id
    FROM purchases pu LEFT JOIN products pr ON pr.id = pu.product_id
    WHERE COALESCE(pu.brand_id, pr.brand_id) IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM customer_brands cb WHERE cb.customer_id = pu.customer_id
                      AND cb.brand_id = COALESCE(pu.brand_id, pr.brand_id))
)
SELECT f.brand_id, count(*),
       sum(EXISTS (SELECT 1 FROM customer_sizes cs CROSS JOIN instock i
                   ON i.brand_id = f.brand_id AND i.category = cs.category AND i.size = cs.size
                   WHERE cs.customer_id = f.customer_id)),
       sum(EXISTS (SELECT 1 FROM customer_sizes cs CROSS JOIN brand_categories bc
                   ON bc.brand_id = f.brand_id AND bc.category = cs.category
                   WHERE cs.customer_id = f.customer_id))
FROM fans f GROUP BY f.brand_id
"""

DEPTH_SQL = """
SELECT b.id, b.name,
       COALESCE(sum(ps.units), 0), COALESCE(sum(ps.sizes), 0), count(ps.product_id),
       COALESCE(sum(ps.units = 0), 0)
FROM brands b
LEFT JOIN (
    SELECT p.id AS product_id, p.brand_id,
           COALESCE(sum(s.quantity), 0) AS units, count(CASE WHEN s.quantity > 0 THEN 1 END) AS sizes
    FROM products p LEFT JOIN stock s ON s.product_id = p.id GROUP BY p.id
) ps ON ps.brand_id = b.id
GROUP BY b.id ORDER BY b.name COLLATE NOCASE
"""


def brand_dashboard(store: Store) -> list[BrandDemand]:
    """Return demand against stock for every brand, by brand name.

    :raises InputError: if the frustrated-share setting is not a number between 0 and 1.
    """
    share = store.get_setting(MAX_FRUSTRATED_SHARE_SETTING, DEFAULT_MAX_FRUSTRATED_SHARE)
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 <= share <= 1:
        raise InputError(f"setting {MAX_FRUSTRATED_SHARE_SETTING}: '{share}' is not a share between 0 and 1 "
                         "(e.g. 0.25). Fix it in Settings.")
    if store.writable:
        refresh(store)
        demand = _demand_from_profiles(store)
    else:
        demand = {r[0]: r[1:] for r in store.db.execute(DEMAND_SQL)}
    out = []
    for brand_id, name, units, sizes, products, out_of_stock in store.db.execute(DEPTH_SQL):
        fans, fit, known = demand.get(brand_id, (0, 0, 0))
        sold_out_for, unknown = known - fit, fans - known
        out.append(BrandDemand(brand_id, name, fans, fit, sold_out_for, unknown, max(fit - units, 0), units,
                               sizes, products, out_of_stock, float(share)))
    return out


# A fan's brands: stated likes, and brands bought without a stated stance (a buyer who said "dislike" is not
# a fan), as in DEMAND_SQL. Their sizes as a JSON object, in category order so equal sizes give equal text.
REFRESH_SQL = """
INSERT INTO dashboard_fans (customer_id, profile, brands)
SELECT customer_id, profile, brands FROM (
    SELECT d.customer_id,
           (SELECT json_group_object(category, size) FROM (
                SELECT cs.category, cs.size FROM customer_sizes AS cs
                WHERE cs.customer_id = d.customer_id ORDER BY cs.category)) AS profile,
           (SELECT json_group_array(brand_id) FROM (
                SELECT cb.brand_id FROM customer_brands AS cb
                WHERE cb.customer_id = d.customer_id AND cb.stance = 'like'
                UNION
                SELECT COALESCE(pu.brand_id, pr.brand_id)
                FROM purchases AS pu LEFT JOIN products AS pr ON pr.id = pu.product_id
                WHERE pu.customer_id = d.customer_id AND COALESCE(pu.brand_id, pr.brand_id) IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM customer_brands AS cb WHERE cb.customer_id = d.customer_id
                                  AND cb.brand_id = COALESCE(pu.brand_id, pr.brand_id)))) AS brands
    FROM dashboard_dirty AS d
) WHERE brands != '[]'
"""


def refresh(store: Store) -> int:
    """Bring the fan counts of the customers changed since the last refresh up to date; return how many.

    Runs in one transaction: the customers' old rows go (their counts with them, by trigger), their new
    rows come in. After a bulk load this is every customer, once.
    """
    dirty = store.db.execute("SELECT count(*) FROM dashboard_dirty").fetchone()[0]
    if dirty:
        with store.atomic():
            store.db.execute("DELETE FROM dashboard_fans WHERE customer_id IN"
                             " (SELECT customer_id FROM dashboard_dirty)")
            store.db.execute(REFRESH_SQL)
            store.db.execute("DELETE FROM dashboard_profiles WHERE fans = 0")
            store.db.execute("DELETE FROM dashboard_dirty")
    return int(dirty)


def _demand_from_profiles(store: Store) -> dict[int, tuple[int, int, int]]:
    """Return ``{brand_id: (fans, fit, sizes known)}`` from the fan counts by sizes, against today's stock."""
    in_stock = set(store.db.execute("SELECT DISTINCT p.brand_id, p.category, s.size FROM stock AS s"
                                    " JOIN products AS p ON p.id = s.product_id WHERE s.quantity > 0"))
    categories = set(store.db.execute("SELECT DISTINCT brand_id, category FROM products"))
    parsed: dict[str, list[tuple[str, str]]] = {}
    demand: dict[int, tuple[int, int, int]] = {}
    for brand_id, profile, fans in store.db.execute("SELECT brand_id, profile, fans FROM dashboard_profiles"):
        if (sizes := parsed.get(profile)) is None:
            sizes = parsed[profile] = list(json.loads(profile).items())
        # A size in stock is in one of the brand's categories, so a fit fan's sizes are known.
        fit = any((brand_id, category, size) in in_stock for category, size in sizes)
        known = fit or any((brand_id, category) in categories for category, _ in sizes)
        total, fitting, knowing = demand.get(brand_id, (0, 0, 0))
        demand[brand_id] = (total + fans, fitting + fans * fit, knowing + fans * known)
    return demand


def explain(store: Store) -> list[str]:
    """Return SQLite's query plans for the dashboard's queries (to check that indexes are used)."""
    lines = []
    for label, sql in (("demand", DEMAND_SQL), ("depth", DEPTH_SQL)):
        lines.append(f"-- {label}")
        lines += [row[3] for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}")]
    return lines
