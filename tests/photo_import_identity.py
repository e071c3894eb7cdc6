"""Compare the photo import of two versions of the code, photo by photo (issue 18: faster, same answers).

Run from the repository root::

    python tests/photo_import_identity.py [--before REV] [--small 50] [--phone 4]

Takes ``--small`` photos of about 400 px from clothing-small's ``train/`` beside the clone and writes ``--phone``
12 MP upscales of others (as ``bench/photo_import.py`` makes them) and ``--codes`` slates (garment photos with an
EAN-13, a UPC-A, a Code 128 or a QR code pasted on them, as ``bench/barcode_read_rate.py`` makes them; every other one
a 12 MP frame), then, for the code at ``--before`` (default: where
this branch left ``main``, taken with ``git archive``) and for the working tree, each in its own process, imports that
folder into a fresh library (``lookbook.photos.importer.import_photos``, one worker, as ``lookbook photos import``
runs it) and dumps:

* every ``photos`` row (box, confidence, review flag, codes, colour shift, recipe, perceptual hash, size, burst,
  tie...), the moment of import masked;
* the audit log's actions and details (times and the chain's hashes masked);
* every render file: the SHA-256 of its decoded pixels (and of its bytes).

Prints the first differences and exits 1 if there are any; prints one line per compared thing and exits 0 if not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MASKED_PHOTO_COLUMNS = {"imported_at", "updated_at", "rendered_at"}


def dump(library: Path, folder: Path, out: Path) -> None:
    """Import ``folder`` into a new library at ``library`` with the ``lookbook`` on ``sys.path``; write the dump."""
    import cv2

    from lookbook.photos.importer import import_photos
    from lookbook.progress import run_to_end
    from lookbook.store.database import create_store

    cv2.setNumThreads(1)
    store = create_store(library)
    try:
        report = run_to_end(import_photos(store, [folder], actor="identity", workers=1))
        db = store.db
        photos = []
        for row in db.execute("SELECT * FROM photos ORDER BY id").fetchall():
            cols = [d[0] for d in db.execute("SELECT * FROM photos LIMIT 0").description]
            photos.append({c: ("<masked>" if c in MASKED_PHOTO_COLUMNS else v) for c, v in zip(cols, row, strict=True)})
        audit = [{"actor": a, "action": b, "entity": c, "entity_id": d, "detail": json.loads(e) if e else None}
                 for a, b, c, d, e in db.execute(
                     "SELECT actor, action, entity, entity_id, detail FROM audit_log ORDER BY id")]
        renders: dict[str, dict[str, str]] = {}
        root = store.library.root
        for path in sorted((root / "renders").rglob("*.jpg")):
            pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            renders[str(path.relative_to(root))] = {
                "pixels": hashlib.sha256(pixels.tobytes()).hexdigest() + f" {pixels.shape}",
                "bytes": hashlib.sha256(path.read_bytes()).hexdigest()}
        data = {"summary": report.summary(), "outcomes": [o.as_dict() for o in report.outcomes],
                "photos": photos, "audit": audit, "renders": renders}
    finally:
        store.close()
    out.write_text(json.dumps(data, indent=1, sort_keys=True, default=str))


def write_slates(folder: Path, sources: list[Path], count: int) -> None:
    """Write ``count`` garment photos with a code pasted on them; every other one at 12 MP."""
    import random

    import cv2

    sys.path.insert(0, str(REPO / "tests"))
    from catalog_support import code_image, load_rgb, paste_code

    folder.mkdir()
    rng = random.Random(18)
    kinds = ["EAN-13", "UPC-A", "Code 128", "QR"]
    payloads = {"EAN-13": "400638133393", "UPC-A": "03600029145", "Code 128": "SKU-18-A", "QR": "SKU-18-QR"}
    for i in range(count):
        kind = kinds[i % len(kinds)]
        phone = i % 2 == 1
        frame = paste_code(load_rgb(sources[(i * 5) % len(sources)], 4000 if phone else None),
                           code_image(kind, payloads[kind], module_px=4 if phone else 3),
                           width_fraction=0.1 if phone else 0.5, angle=rng.uniform(-10, 10), blur=0.5 if phone else 0.0,
                           at=(rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)))
        cv2.imwrite(str(folder / f"slate-{i}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])


def run_version(root: Path, folder: Path, work: Path, name: str) -> dict[str, Any]:
    """Run :func:`dump` in a fresh process with ``root``'s ``lookbook``; return the dump."""
    out = work / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": str(root), "LOOKBOOK_CORE_ONLY": "1"}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--dump", str(work / f"lib-{name}"),
                           str(folder), str(out)], env=env, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{name}: the import failed ({done.returncode}):\n{done.stderr[-3000:]}")
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Return a line per value that differs between two dumps (paths like ``photos[3].garment_box``)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in before or key not in after:
                out.append(f"{where}.{key}: only in {'after' if key not in before else 'before'}")
            else:
                out += differences(before[key], after[key], f"{where}.{key}")
        return out
    if isinstance(before, list) and isinstance(after, list):
        out = [] if len(before) == len(after) else [f"{where}: {len(before)} items before, {len(after)} after"]
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            out += differences(b, a, f"{where}[{i}]")
        return out
    return [] if before == after else [f"{where}: {before!r} -> {after!r}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="the revision to compare with (default: merge-base of HEAD and main)")
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--phone", type=int, default=4)
    parser.add_argument("--codes", type=int, default=6, help="slates with a code (default 6)")
    parser.add_argument("--dump", nargs=3, metavar=("LIBRARY", "FOLDER", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dump:
        dump(Path(args.dump[0]), Path(args.dump[1]), Path(args.dump[2]))
        return 0
    before = args.before or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=REPO, capture_output=True,
                                           text=True, check=True).stdout.strip()
    sys.path.insert(0, str(REPO))
    from bench.photo_import import make_sets

    with tempfile.TemporaryDirectory(prefix="lookbook-photo-identity-") as tmp_s:
        work = Path(tmp_s)
        photos = work / "photos"
        photos.mkdir()
        sets = make_sets(photos, args.small, args.phone)
        write_slates(photos / "slates", sets["small"], args.codes)
        old = work / "old"
        old.mkdir()
        archive = subprocess.run(["git", "archive", before], cwd=REPO, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        # The weights are in the tree; the archive has them too unless they are an LFS pointer.
        a = run_version(old, photos, work, "before")
        b = run_version(REPO, photos, work, "after")
    diffs = differences(a, b)
    print(f"before {before[:12]} vs working tree: {len(a['photos'])} photos, {len(a['renders'])} renders, "
          f"{len(a['audit'])} audit rows; {sum(1 for p in a['photos'] if p.get('codes') not in (None, '[]'))} "
          "with codes")
    if diffs:
        print(f"{len(diffs)} differences; the first 40:")
        print("\n".join(diffs[:40]))
        return 1
    print("identical: every photo row (boxes, confidence, flags, codes, colour shift), audit detail and render "
          "pixel (and byte)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
