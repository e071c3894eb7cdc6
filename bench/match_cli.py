"""``lookbook sets match SET --json`` on a 200,000-customer book, against plain SQL over the same rows in the same run.

Run from the repository root::

    python -m bench.match_cli [--customers 200000] [--rounds 3] [--keep DIR] [--check FILE]

Builds (or reuses, with ``--keep DIR``) a library: the catalog and customer files of :mod:`bench.matching_scale`
(20,000 products, 100 brands, skewed popularity, sizes and X/e-mail consent), imported through the core, a set of
six shirts of the most liked brand, and a contact history for half the book (``last_contacted_at`` spread over the
last 400 days; every tenth of those paused until a day in the next 60), which is what made the old verdict cache,
keyed on the exact days since the last contact, miss.

Then, in interleaved rounds (medians shown; ratios are what to trust on a shared machine), each as a fresh process:

* the floor: ``python -c`` with the ``sqlite3`` module that reads the same rows the match judges (every customer
  with a stance on the brand: name, addresses, preferred channel, sizes in the set's category, consent per
  channel, pause and last contact) in one plain query, and prints them as JSON;
* ``python -m lookbook.cli --library DIR sets match SET --json``.

The goal (issue 18) is at most 2× the floor. ``--check FILE`` writes the match's JSON to ``FILE`` (or, if it
exists, compares this run's JSON with it), to show that a change kept every answer the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import compile_sources
from bench.matching_scale import generate, import_catalog_step, import_customers_step
from lookbook import scale

REPO = Path(__file__).resolve().parent.parent
GOAL = 2.0

FLOOR = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
set_id = int(sys.argv[2])
brand, = conn.execute("SELECT brand_id FROM sets WHERE id = ?", [set_id]).fetchone()
rows = conn.execute(
    "SELECT c.id, c.first_name, c.last_name, c.email, c.x_handle, c.x_user_id, c.preferred_channel,"
    " p.stance, p.source, s.size, kx.granted, kx.at, ke.granted, ke.at, c.paused_until, c.last_contacted_at"
    " FROM customer_brands AS p JOIN customers AS c ON c.id = p.customer_id"
    " LEFT JOIN customer_sizes AS s ON s.customer_id = c.id AND s.category = 'shirt'"
    " LEFT JOIN consent_current AS kx ON kx.customer_id = c.id AND kx.channel = 'x' AND kx.scope = 'marketing'"
    " LEFT JOIN consent_current AS ke ON ke.customer_id = c.id AND ke.channel = 'email' AND ke.scope = 'marketing'"
    " WHERE p.brand_id = ? ORDER BY c.id", [brand]).fetchall()
print(json.dumps(rows))
"""


def build(root: Path, customers: int) -> int:
    """Write the files, import them into ``root/library``, add a contact history; return the set's id."""
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    generate(root, customers, 20_000, 100)
    import_catalog_step(root)
    made = import_customers_step(root)
    set_id = int(made["set_id"])
    # Contact history for half the book: a few hundred distinct "days ago", some pauses.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    contacted = scale.spread_contact_history(root / "library" / "library.db", now)
    (root / "set_id").write_text(str(set_id))
    print(f"built {customers:,} customers in {time.perf_counter() - start:.0f} s "
          f"({contacted:,} with a past contact)")
    return set_id


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("LOOKBOOK_LIBRARY", "LOOKBOOK_PASSWORD"):
        env.pop(name, None)
    return env


def _run(argv: list[str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=_env(), cwd=REPO, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are shown (default 3)")
    parser.add_argument("--keep", metavar="DIR", help="build the library here once and reuse it on later runs")
    parser.add_argument("--check", metavar="FILE", help="write the match's JSON here, or compare with it if it exists")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lookbook-match-cli-"))
    try:
        set_id = int((work / "set_id").read_text()) if (work / "set_id").exists() else build(work, args.customers)
        library = work / "library"
        compile_sources()  # an installed copy has its bytecode; a shared machine may not write it
        py = sys.executable
        commands = {
            "floor: python -c, sqlite3, the same rows as JSON": [py, "-c", FLOOR, str(library / "library.db"),
                                                                  str(set_id)],
            f"lookbook sets match {set_id} --json": [py, "-m", "lookbook.cli", "--library", str(library), "sets",
                                                     "match", str(set_id), "--json"],
        }
        for argv in commands.values():  # warm-up: the OS file cache, .pyc files
            _run(argv)
        times: dict[str, list[float]] = {name: [] for name in commands}
        output = b""
        for _ in range(args.rounds):
            for name, argv in commands.items():
                elapsed, out = _run(argv)
                times[name].append(elapsed)
                if name.startswith("lookbook"):
                    output = out
        floor = statistics.median(times[next(iter(commands))])
        result = json.loads(output)
        print(f"\n{result['considered']:,} considered, {len(result['matches']):,} matches, "
              f"{len(result['exclusions']):,} left out; {args.rounds} interleaved rounds, medians")
        print(f"{'what':<52} {'median s':>9} {'× floor':>8}  goal ≤ {GOAL:.1f}×")
        for name, values in times.items():
            median = statistics.median(values)
            goal = "" if name.startswith("floor") else ("met" if median / floor <= GOAL else "missed")
            print(f"{name:<52} {median:9.3f} {median / floor:8.2f}  {goal}")
        if args.check:
            check = Path(args.check)
            if check.exists():
                # The daily cap's "already today" and the contact days move with the clock: compare on one day.
                same = json.loads(check.read_bytes()) == result
                print(f"JSON {'identical to' if same else 'DIFFERS from'} {check}")
            else:
                check.write_bytes(output)
                print(f"JSON written to {check}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
