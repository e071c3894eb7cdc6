"""Peak memory of ``lookbook photos import`` on one very large photo, against a small photo in the same run.

Run from the repository root::

    python -m bench.photo_memory                 # 118 MP JPEG, PNG, TIFF; 104 MP TIFF, 52 MP RGBA PNG
    python -m bench.photo_memory --megapixels 60 --edge-megapixels 40 --edge-alpha-megapixels 20

Each photo is imported by a fresh ``python -m lookbook.cli photos import --workers 1``
process (one worker: the photo is decoded in that process), and its peak resident set
(``ru_maxrss`` from ``wait4``, which sees the decoders' C allocations that tracemalloc
misses) is printed beside the same figure for a 400 px JPEG: the floor, what the process
holds before any photo is decoded. The goal (issue 13) is at most 600 MB per worker for
any photo the pixel limit admits; photos whose full decode would not fit are refused before
decoding (``lookbook.photos.imaging.FULL_DECODE_BUDGET``), and the table says so.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from lookbook.store.database import create_store
from lookbook.store.users import create_user

#: The goal per worker, in MB.
GOAL_MB = 600


def make_photo(path: Path, megapixels: float, fmt: str, mode: str = "RGB") -> Path:
    """Write a photo of a dark garment on a light sweep, ``megapixels`` in size, as ``fmt``."""
    width = int((megapixels * 1e6 * 3 / 2) ** 0.5)
    height = int(megapixels * 1e6 / width)
    # Built a band of rows at a time so that making the photo does not itself need gigabytes.
    im = Image.new(mode, (width, height), (235, 235, 230) + ((255,) if mode == "RGBA" else ()))
    garment = Image.new(mode, (width // 2, height // 2), (40, 50, 90) + ((255,) if mode == "RGBA" else ()))
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 40, (height // 2, width // 2), np.uint8), "L")
    im.paste(garment, (width // 4, height // 4), None)
    im.paste(noise.convert(mode), (width // 4, height // 4), noise.point(lambda v: 60))
    del garment, noise
    options = {"compress_level": 1} if fmt == "PNG" else {"quality": 85} if fmt == "JPEG" else {}
    im.save(path, fmt, **options)
    return path


def peak_mb(library: Path, photo: Path) -> tuple[float, int, str]:
    """Return (peak RSS in MB, exit status, last line of stderr) of importing ``photo`` in a new process."""
    env = {**os.environ, "LOOKBOOK_PASSWORD": "bench-pass-1"}
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "lookbook.cli", "--library", str(library), "--as", "bench",
                                 "photos", "import", "--workers", "1", str(photo)],
                                stdout=subprocess.DEVNULL, stderr=err, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = [ln for ln in err.read().decode(errors="replace").splitlines() if ln.strip()]
    failed = next((ln for ln in lines if ln.startswith("lookbook:")), lines[-1] if lines else "")
    return usage.ru_maxrss / 1024, proc.returncode, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megapixels", type=float, default=118.0)
    parser.add_argument("--edge-megapixels", type=float, default=104.0,
                        help="size of the TIFF just under the memory budget (4 bytes a pixel)")
    parser.add_argument("--edge-alpha-megapixels", type=float, default=52.0,
                        help="size of the RGBA PNG just under the memory budget (8 bytes a pixel)")
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)  # the child that writes the photos
    args = parser.parse_args()
    if args.make:
        mp, edge = args.megapixels, args.edge_megapixels
        make_photo(args.make / "small.jpg", 0.16, "JPEG")
        make_photo(args.make / "big.jpg", mp, "JPEG")
        make_photo(args.make / "big.png", mp, "PNG")
        make_photo(args.make / "big-alpha.png", mp, "PNG", "RGBA")
        make_photo(args.make / "big.tif", mp, "TIFF")
        make_photo(args.make / "edge-alpha.png", args.edge_alpha_megapixels, "PNG", "RGBA")
        make_photo(args.make / "edge.tif", edge, "TIFF")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = create_store(root / "lib")
        create_user(store, "bench", "bench-pass-1", "associate")
        store.close()
        mp = args.megapixels
        print(f"making {mp:g} MP test photos...", file=sys.stderr)
        # In another process: a child's ru_maxrss starts from its parent's resident set at fork, so this
        # process must stay small for the figures to be the import's own.
        edge = args.edge_megapixels
        subprocess.run([sys.executable, "-m", "bench.photo_memory", "--make", str(root), "--megapixels", str(mp),
                        "--edge-megapixels", str(edge), "--edge-alpha-megapixels", str(args.edge_alpha_megapixels)],
                       check=True)
        photos = [("floor: 400 px JPEG", root / "small.jpg"), (f"{mp:g} MP JPEG", root / "big.jpg"),
                  (f"{mp:g} MP PNG (RGB)", root / "big.png"), (f"{mp:g} MP PNG (RGBA)", root / "big-alpha.png"),
                  (f"{mp:g} MP TIFF (RGB)", root / "big.tif"),
                  (f"{args.edge_alpha_megapixels:g} MP PNG (RGBA)", root / "edge-alpha.png"),
                  (f"{edge:g} MP TIFF (RGB)", root / "edge.tif")]
        floor = None
        print(f"{'photo':<22} {'peak MB':>8} {'x floor':>8}  {'goal':>6}  outcome")
        for label, path in photos:
            mb, rc, message = peak_mb(root / "lib", path)
            floor = floor or mb
            outcome = "imported" if rc == 0 else message[:90]
            print(f"{label:<22} {mb:8.0f} {mb / floor:8.2f}  {'ok' if mb <= GOAL_MB else 'OVER':>6}  {outcome}",
                  flush=True)


if __name__ == "__main__":
    main()
