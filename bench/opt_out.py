"""How well replies asking to stop are recognised: precision and recall on the labelled replies.

    python -m bench.opt_out

Reads ``tests/data/opt_out_replies.csv`` (tune and held-out parts) and prints, per part, the precision
and recall of clear opt-outs, the share of opt-outs and maybes flagged (never ignored), and ordinary
replies taken for an opt-out. The held-out part is the one to quote.
"""

from __future__ import annotations

import csv
from pathlib import Path

from lookbook.outbox.opt_out import evaluate

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "opt_out_replies.csv"


def main() -> None:
    """Print the table."""
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    print(f"{'part':<10} {'replies':>7} {'precision':>9} {'recall':>7} {'flagged':>8} {'false stops':>11}")
    for part in ("tune", "held_out"):
        r = evaluate([(row["label"], row["text"]) for row in rows if row["split"] == part])
        print(f"{part:<10} {r['replies']:>7} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['flagged']:>8.3f} "
              f"{r['false_stops']:>11}")


if __name__ == "__main__":
    main()
