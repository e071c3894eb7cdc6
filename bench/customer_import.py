"""``lookbook customers import FILE`` of a million rows, against the csv module + sqlite3 executemany in the same run.

Run from the repository root::

    python -m bench.customer_import [--rows 1000000] [--rounds 3] [--keep DIR]

Writes (or reuses, with ``--keep DIR``) a customer file of ``--rows`` rows and 19 columns under ordinary header
names ("First name", "E-mail", "Time zone", "Brand likes", "Consent X", ...; one, "Loyalty tier", is not the
book's and is ignored), with the mistakes a real file has: 2,000 rows whose time zone is "Eastern Time", one row in
500 with a broken e-mail address, one in 1,000 liking a brand missing from the catalog. The library it is imported
into holds the demo's catalog (8 brands) and nothing else; each round imports into a fresh copy.

Then, in interleaved rounds (medians shown), each as a fresh process:

* the floor: ``python -c`` that reads the file with the ``csv`` module and writes every row, all 19 cells as
  text, into a new SQLite table with ``executemany`` in one transaction (no checks, no indexes);
* ``python -m lookbook.cli --library DIR --as maria customers import FILE`` (every row checked, consent ledger, sizes,
  brand stances, search index, audit).

Also prints each process's peak memory (GNU time's ``%M``) and its CPU time (user + system, ``%U`` + ``%S``):
on a machine shared with busy processes the wall time of both sides moves by half from one run to the next,
their CPU time much less. The goal (issue 18) is at most 3× the floor.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import REPO, compile_sources
from bench.matching_scale import FIRST, LAST, LEVELS, TOPS, WAISTS, ZONES

GOAL = 3.0
PASSWORD = "bench-pass"
HEADER = ["First name", "Last name", "E-mail", "X handle", "X user id", "Instagram", "Phone", "Preferred channel",
          "Time zone", "Brand likes", "Brand dislikes", "Sizes", "Notes", "Last contacted", "Consent X",
          "Consent e-mail", "Consent source", "Associate", "Loyalty tier"]

FLOOR = """
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[2])
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    rows = csv.reader(fh)
    header = next(rows)
    conn.execute(f"CREATE TABLE rows ({', '.join(f'c{i} TEXT' for i in range(len(header)))})")
    with conn:
        conn.executemany(f"INSERT INTO rows VALUES ({', '.join('?' * len(header))})", rows)
conn.close()
"""


def write_file(path: Path, rows: int, brands: list[str]) -> None:
    """Write the customer file (see the module's docstring)."""
    rng = random.Random(18)
    bad_zone = set(rng.sample(range(rows), min(2_000, rows // 10)))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
            handle = f"{first.lower()[:4]}{last.lower()[:3]}{i}"
            has_x = rng.random() < 0.6
            likes = sorted(set(rng.choices(brands, k=rng.choice((1, 1, 2, 3)))))
            if i % 1000 == 999:
                likes.append("Harbor and Pines")  # not in the catalog
            dislikes = [b for b in brands if b not in likes and rng.random() < 0.05][:1]
            sizes = f"shirt={rng.choice(TOPS)};trousers={rng.choice(WAISTS)}"
            if rng.random() < 0.5:
                sizes += f";t-shirt={rng.choice(TOPS)}"
            email = f"{handle}@example.com" if i % 500 != 499 else f"{handle}@example"
            contacted = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}" if rng.random() < 0.4 else ""
            w.writerow([first, last, email, handle if has_x else "", str(10**9 + i) if has_x and i % 3 == 0 else "",
                        f"{handle}.ig" if rng.random() < 0.2 else "", f"+1 555 {i % 10_000_000:07d}"
                        if rng.random() < 0.3 else "", "x" if has_x and rng.random() < 0.5 else "email",
                        "Eastern Time" if i in bad_zone else rng.choice(ZONES), ";".join(likes), ";".join(dislikes),
                        sizes, "VIP, prefers slim fits" if i % 50 == 0 else "", contacted,
                        rng.choice(LEVELS) if has_x else "", rng.choice(LEVELS), "in store", "",
                        rng.choice(("gold", "silver", ""))])


def build(work: Path, rows: int) -> None:
    """Write the file and an empty library holding the demo catalog, once."""
    from lookbook.catalog.products import brand_names, import_catalog
    from lookbook.demo import demo_products
    from lookbook.store.database import create_store
    from lookbook.store.users import create_user

    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    store = create_store(work / "empty")
    catalog = work / "catalog.csv"
    with catalog.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["SKU", "Brand", "Name", "Category", "Colour", "Price", "Size", "Qty"])
        for p in demo_products():
            for size, qty in p.sizes.items():
                writer.writerow([p.sku, p.brand, p.name, p.category, p.colour, p.price_minor / 100, size, qty])
    import_catalog(store, catalog, actor="bench")
    create_user(store, "maria", PASSWORD, "manager", "Maria Lopez")
    brands = sorted(brand_names(store))
    store.close()
    write_file(work / "customers.csv", rows, brands)
    (work / "rows").write_text(str(rows))
    print(f"wrote {rows:,} rows ({(work / 'customers.csv').stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - start:.0f} s")


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOOKBOOK_PASSWORD": PASSWORD}
    env.pop("LOOKBOOK_LIBRARY", None)
    return env


def _run(argv: list[str]) -> tuple[float, float, float, str]:
    """Run ``argv``; return its wall time, its own peak memory in MB, its CPU seconds and its output.

    The peak comes from GNU time (``%M``): a child forked from this process would report this process's
    memory at the fork as its own peak.
    """
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(peak_file), *argv], env=_env(), cwd=REPO,
                              capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
        peak, user, system = peak_file.read_text().split()[-3:]
        return elapsed, int(peak) / 1024, float(user) + float(system), done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are shown (default 3)")
    parser.add_argument("--keep", metavar="DIR", help="write the file and library here once and reuse them")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lookbook-customer-import-"))
    try:
        if not (work / "rows").exists() or int((work / "rows").read_text()) != args.rows:
            build(work, args.rows)
        compile_sources()
        py, file = sys.executable, str(work / "customers.csv")
        times: dict[str, list[float]] = {"floor": [], "import": []}
        cpu: dict[str, list[float]] = {"floor": [], "import": []}
        peaks: dict[str, float] = {}
        summary = ""
        for _ in range(args.rounds):
            out = work / "floor.db"
            out.unlink(missing_ok=True)
            elapsed, peak, seconds, _ = _run([py, "-c", FLOOR, file, str(out)])
            times["floor"].append(elapsed)
            cpu["floor"].append(seconds)
            peaks["floor"] = peak
            library = work / "round"
            shutil.rmtree(library, ignore_errors=True)
            shutil.copytree(work / "empty", library)
            elapsed, peak, seconds, summary = _run([py, "-m", "lookbook.cli", "--library", str(library), "--as",
                                                    "maria", "customers", "import", file])
            times["import"].append(elapsed)
            cpu["import"].append(seconds)
            peaks["import"] = peak
        floor = statistics.median(times["floor"])
        floor_cpu = statistics.median(cpu["floor"])
        print(f"\n{args.rows:,} rows, 19 columns; {args.rounds} interleaved rounds, medians")
        print(summary.strip().splitlines()[-1])
        print(f"{'what':<58} {'median s':>9} {'× floor':>8} {'peak MB':>8} {'CPU s':>6} {'× floor':>8}"
              f"  goal ≤ {GOAL:.0f}×")
        names = {"floor": "floor: csv module + sqlite3 executemany, same rows",
                 "import": "lookbook customers import FILE"}
        for key, values in times.items():
            median = statistics.median(values)
            goal = "" if key == "floor" else ("met" if median / floor <= GOAL else "missed")
            seconds = statistics.median(cpu[key])
            print(f"{names[key]:<58} {median:9.1f} {median / floor:8.2f} {peaks[key]:8.0f} {seconds:6.1f}"
                  f" {seconds / floor_cpu:8.2f}  {goal}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
