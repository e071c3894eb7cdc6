"""What the outbox's checks cost: drafting, submitting and approving a set, against raw writes.

Run from the repository root::

    python -m bench.outbox [--sizes 100 500 2000] [--repeat 5]

For each set size N (customers who match), on an in-memory library with two real
demo photos, prints the median of ``--repeat`` runs of

* ``draft``: :func:`lookbook.outbox.messages.draft_set` (consent, quiet period, sizes in stock,
  template render, card-number mask, one row and one audit entry per message; the card
  is composed once per run, so it is part of the figure);
* ``submit+approve``: :func:`~lookbook.outbox.messages.submit` then :func:`~lookbook.outbox.messages.approve`
  of the whole set (each message through the checked state table, consent re-checked);

and, measured in the same run, the baselines: ``raw insert`` (N message rows and N audit
rows in one transaction, no checks) and ``raw update`` (two ``UPDATE ... WHERE set_id``
statements and N audit rows). The ratio says what the checks cost over the bare writes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lookbook import scale
from lookbook.outbox import messages as outbox
from lookbook.outbox.templates import Template
from lookbook.store.database import Store, memory_store
from lookbook.store.users import create_user

REPO = Path(__file__).resolve().parents[1]
PHOTOS = sorted((REPO / "resources" / "demo" / "photos").glob("*.jpg"))[:2]
TEMPLATE = Template("bench", "Hi {first_name}, new {brand} for you: {sizes_in_stock}. {associate}", "New {brand}")


@dataclass
class Match:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes the brand"])


def build(root: Path, n: int) -> tuple[Store, int, list[Match]]:
    """Return a store with staff, a two-product set with real photos and ``n`` consenting customers."""
    store = memory_store(root)
    create_user(store, "alex", "secret-pass", "associate", "Alex Kim")
    create_user(store, "maria", "secret-pass", "manager", "Maria Lopez")
    store.set_setting(outbox.ASSOCIATE_CAP_SETTING, n)
    set_id, customer_ids = scale.add_shirt_set_and_customers(store, PHOTOS, n)
    matches = [Match(cid) for cid in customer_ids]
    return store, set_id, matches


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_once(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store, set_id, matches = build(Path(tmp), n)
        try:
            times = {"draft": timed(lambda: outbox.draft_set(store, set_id, "alex", TEMPLATE, matches=matches))}
            times["submit+approve"] = timed(lambda: (outbox.submit(store, set_id, "alex"),
                                                     outbox.approve(store, "maria", "ok", set_id=set_id)))

            ids = [m.customer_id for m in matches]
            times["raw insert"] = timed(lambda: scale.raw_draft(store, ids))
            times["raw update"] = timed(lambda: scale.raw_approve(store, ids))
            assert len(outbox.list_messages(store, state="approved", set_id=set_id)) == n
        finally:
            store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the medians as JSON too")
    args = parser.parse_args()
    print(f"{'N':>6}  {'draft ms':>9}  {'raw insert ms':>13}  {'ratio':>6}  {'submit+approve ms':>17}  "
          f"{'raw update ms':>13}  {'ratio':>6}  {'per message ms':>14}")
    results = {}
    for n in args.sizes:
        runs = [run_once(n) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) * 1000 for k in runs[0]}
        results[n] = med
        per = (med["draft"] + med["submit+approve"]) / n
        print(f"{n:>6}  {med['draft']:>9.1f}  {med['raw insert']:>13.1f}  {med['draft'] / med['raw insert']:>6.1f}"
              f"  {med['submit+approve']:>17.1f}  {med['raw update']:>13.1f}"
              f"  {med['submit+approve'] / med['raw update']:>6.1f}  {per:>14.3f}")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
