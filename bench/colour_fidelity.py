"""Colour fidelity: how far the hero shot moves a garment's colour from the photo's.

Run from the repository root::

    python -m bench.colour_fidelity                       # the 66 labelled photos of test/ (held out)
    python -m bench.colour_fidelity --old 1de5b1e --sheet sheet.png
    python -m bench.colour_fidelity --photos train --limit 200     # tuning set (detector's boxes)
    python -m bench.colour_fidelity --photos validation --limit 60 # independent check (detector's boxes)

What is measured is what a person gets: each photo goes through the real pipeline
(:func:`lookbook.photos.pipeline.process_one`, the function behind ``lookbook photos import`` and
``lookbook render``) with the library's default preset, and the hero JPEG it writes is read
back from disk.

Garment colour = median CIELAB of the middle of the garment: the central 30 % (of width and
of height) of the garment's box — the hand-labelled box for ``labelled`` photos
(``tests/data/truth_boxes.json``), the detector's box for the others (no labels). The hero
is a crop of the original, resized: the crop is :func:`lookbook.photos.crop.hero_frame` of the box
the pipeline used (``PhotoResult.garment_box``, in original pixels), so the middle maps into
the hero by that same affine map. The original's middle is resampled onto the hero's pixel
grid there, which pairs every hero pixel with the original pixels under it. Only pixels the
hero shows as fabric count, in *both* lists: the middle of a box can be background (the
floor between a pair of shoes, the gap between trouser legs), which the hero replaces with
white, and that is no colour change. Which pixels are fabric is read off the pipeline's own
output: every photo is rendered twice, on the white and on the grey background (nothing else
differs, so hero_white - hero_grey = (1 - alpha) * (white - grey)), and pixels with alpha of
at least 0.9 are fabric (if fewer than 20 are, all pixels count). Only the a*b* distance of
the two medians counts: lightness may change (exposure).

``--old REF`` renders the same photos with the pipeline as it was at git commit ``REF`` (in
a subprocess, from ``git archive``), so before and after come from one run. ``--sheet OUT.png``
writes contact sheets: original | old hero | new hero, with each one's shift.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lookbook.photos.colour import REVIEW_SHIFT, garment_middle, median_ab
from lookbook.photos.crop import hero_frame
from lookbook.photos.imaging import load_photo
from lookbook.photos.pipeline import process_one
from lookbook.photos.presets import BACKGROUNDS, DEFAULT_PRESET, Preset

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO.parent / "shared" / "photos" / "clothing-small"  # the full set beside the clone
TRUTH = REPO / "tests" / "data" / "truth_boxes.json"
PATCHES = REPO / "tests" / "data" / "truth_colour.json"
Box = tuple[float, float, float, float]


@dataclass
class Shot:
    """One photo's measurement."""

    name: str
    shift: float
    flagged: bool
    source: str
    hero: Path
    frame: Box
    middle: Box


def photo_set(which: str, limit: int | None, seed: int) -> list[tuple[str, Path, Box | None]]:
    """Return ``(name, path, labelled box or None)`` for the chosen set."""
    if which in ("labelled", "patches"):
        boxes = json.loads((TRUTH if which == "labelled" else PATCHES).read_text())["boxes" if which == "labelled"
                                                                                    else "patches"]
        items: list[tuple[str, Path, Box | None]] = [(name, PHOTOS / "test" / name, _box(box))
                                                     for name, box in sorted(boxes.items())]
    else:
        files = sorted((PHOTOS / which).glob("*/*.jpg"))
        random.Random(seed).shuffle(files)
        items = [(f"{f.parent.name}/{f.name}", f, None) for f in files]
    return items[:limit] if limit else items


def _box(value: list[float]) -> Box:
    """Return a box of the truth files ([x0, y0, x1, y1]) as a tuple."""
    x0, y0, x1, y1 = value
    return float(x0), float(y0), float(x1), float(y1)


def _read(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise RuntimeError(f"OpenCV cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _background(name: str) -> np.ndarray:
    """Return a preset background's RGB as float32 (only "keep" has none)."""
    colour = BACKGROUNDS[name]
    if colour is None:
        raise ValueError(f"the background {name!r} has no colour of its own")
    return np.array(colour, np.float32)


def _alpha(on_white: np.ndarray, on_grey: np.ndarray) -> np.ndarray:
    """Return the hero's alpha from its renders on the white and the grey background."""
    span = _background("white") - _background("grey")
    if on_white.shape != on_grey.shape:
        return np.ones(on_white.shape[:2], np.float32)
    return 1.0 - np.median((on_white.astype(np.float32) - on_grey.astype(np.float32)) / span, axis=2)


#: Set by ``--photos patches``: the labelled box is a fabric patch, measured as it is (not its middle).
_PATCHES = False


def measure(path: Path, hero_path: Path, grey_path: Path, used_box: Box, truth: Box | None, preset: Preset
            ) -> tuple[float, Box, Box]:
    """Return the a*b* shift of the garment's middle between the original file and its hero file, frame, middle."""
    original = load_photo(path).rgb
    hero = _read(hero_path)
    alpha = _alpha(hero, _read(grey_path))
    hh, hw = hero.shape[:2]
    frame = hero_frame(used_box, preset.aspect_ratio, preset.margin)
    mx0, my0, mx1, my1 = truth if (_PATCHES and truth) else garment_middle(truth or used_box)
    sx, sy = hw / (frame[2] - frame[0]), hh / (frame[3] - frame[1])
    hx0, hy0 = max(0, round((mx0 - frame[0]) * sx)), max(0, round((my0 - frame[1]) * sy))
    hx1, hy1 = min(hw, max(hx0 + 1, round((mx1 - frame[0]) * sx))), min(hh, max(hy0 + 1, round((my1 - frame[1]) * sy)))
    # The original under exactly those hero pixels: back through the map, then resampled to the hero's grid.
    ox0, oy0 = frame[0] + hx0 / sx, frame[1] + hy0 / sy
    ox1, oy1 = frame[0] + hx1 / sx, frame[1] + hy1 / sy
    h, w = original.shape[:2]
    ox0, oy0, ox1, oy1 = max(0, round(ox0)), max(0, round(oy0)), min(w, round(ox1)), min(h, round(oy1))
    orig = cv2.resize(original[oy0:oy1, ox0:ox1], (hx1 - hx0, hy1 - hy0), interpolation=cv2.INTER_AREA)
    made = hero[hy0:hy1, hx0:hx1]
    keep = alpha[hy0:hy1, hx0:hx1] >= 0.9  # fabric, not the background laid in
    if keep.sum() < 20:
        keep[:] = True
    a, b = median_ab(orig[keep]), median_ab(made[keep])
    shift = 0.0 if a is None or b is None else float(np.hypot(*(a - b)))
    return shift, frame, (mx0, my0, mx1, my1)


def run_new(items: list[tuple[str, Path, Box | None]], out: Path, preset: Preset) -> list[Shot]:
    shots = []
    for i, (name, path, truth) in enumerate(items):
        res = process_one(path, out, preset, stem=f"{i:04d}")
        grey = process_one(path, out, preset.with_changes(background="grey"), stem=f"{i:04d}-grey")
        shift, frame, middle = measure(path, res.outputs["hero"], grey.outputs["hero"], res.garment_box, truth, preset)
        shots.append(Shot(name, shift, res.needs_review, res.colour_source, res.outputs["hero"], frame, middle))
    return shots


_OLD_WORKER = r"""
import json, sys
from pathlib import Path
from lookbook.photos.pipeline import process_one
from lookbook.photos.presets import DEFAULT_PRESET
out = Path(sys.argv[1])
for i, line in enumerate(sys.stdin):
    res = process_one(Path(line.strip()), out, DEFAULT_PRESET, stem=f"{i:04d}")
    grey = process_one(Path(line.strip()), out, DEFAULT_PRESET.with_changes(background="grey"), stem=f"{i:04d}-grey")
    print(json.dumps({"hero": str(res.outputs["hero"]), "grey": str(grey.outputs["hero"]), "box": list(res.garment_box),
                      "review": bool(res.needs_review)}), flush=True)
"""


def run_old(ref: str, items: list[tuple[str, Path, Box | None]], out: Path, tmp: Path) -> list[Shot]:
    """Render with the pipeline of git commit ``ref`` (its default preset) and measure the same way."""
    try:
        data = subprocess.run(["git", "archive", ref, "lookbook"], cwd=REPO, check=True, capture_output=True).stdout
    except subprocess.CalledProcessError as exc:
        sys.exit(f"bench.colour_fidelity: cannot read commit {ref!r}: {exc.stderr.decode().strip()}")
    code = tmp / "old-code"
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(code, filter="data")
    proc = subprocess.run([sys.executable, "-c", _OLD_WORKER, str(out)], cwd=code, check=True, capture_output=True,
                          text=True, input="\n".join(str(p) for _n, p, _t in items) + "\n",
                          env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"})
    shots = []
    for (name, path, truth), line in zip(items, proc.stdout.splitlines(), strict=True):
        row = json.loads(line)
        shift, frame, middle = measure(path, Path(row["hero"]), Path(row["grey"]), tuple(row["box"]), truth,
                                       DEFAULT_PRESET)
        shots.append(Shot(name, shift, row["review"], "old", Path(row["hero"]), frame, middle))
    return shots


def report(title: str, shots: list[Shot]) -> None:
    shifts = [s.shift for s in shots]
    over = [s for s in shots if s.shift > REVIEW_SHIFT]
    flagged = sum(s.flagged for s in over)
    p95 = float(np.percentile(shifts, 95)) if shifts else 0.0
    print(f"{title}: count {len(shots)}  median shift {statistics.median(shifts):.2f}  95th percentile {p95:.2f}  "
          f"max {max(shifts):.2f}  > {REVIEW_SHIFT:g}: {len(over)} ({flagged} flagged, "
          f"{len(over) - flagged} unflagged)")
    sources: dict[str, int] = {}
    for s in shots:
        sources[s.source] = sources.get(s.source, 0) + 1
    if set(sources) != {"old"}:
        print("    white balance from: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())))


def sheet(path: Path, items: list[tuple[str, Path, Box | None]], new: list[Shot], old: list[Shot] | None,
          sample: int) -> None:
    """Write a contact sheet: original (the hero's frame) | old hero | new hero, one photo a row."""
    cell = 220
    cols = 3 if old else 2
    picks = list(range(len(new)))
    random.Random(7).shuffle(picks)
    picks = sorted(picks[:sample])
    font = ImageFont.load_default(size=13)
    rows = []
    for i in picks:
        name, src, _truth = items[i]
        original = load_photo(src).rgb
        fx0, fy0, fx1, fy1 = new[i].frame
        h, w = original.shape[:2]
        # The original over the new hero's frame (padded where the frame passes the photo's edge).
        pad = int(max(0, -fx0, -fy0, fx1 - w, fy1 - h)) + 1
        padded = cv2.copyMakeBorder(original, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(128, 128, 128))
        crop = padded[round(fy0) + pad:round(fy1) + pad, round(fx0) + pad:round(fx1) + pad]
        mx0, my0, mx1, my1 = new[i].middle
        # (image, label, the garment's middle to outline or None, the shot whose shift is printed or None)
        panels: list[tuple[np.ndarray, str, Box | None, Shot | None]] = [
            (crop, "original", (mx0 - fx0, my0 - fy0, mx1 - fx0, my1 - fy0), None)]
        if old:
            panels.append((np.asarray(Image.open(old[i].hero).convert("RGB")), "old", None, old[i]))
        panels.append((np.asarray(Image.open(new[i].hero).convert("RGB")), "new", None, new[i]))
        row = Image.new("RGB", (cols * (cell + 6) + 6, cell + 40), (40, 40, 40))
        draw = ImageDraw.Draw(row)
        for c, (img, label, mid, shot) in enumerate(panels):
            ph, pw = img.shape[:2]
            f = cell / max(ph, pw)
            im = Image.fromarray(np.ascontiguousarray(img)).resize((max(1, round(pw * f)), max(1, round(ph * f))))
            x = 6 + c * (cell + 6)
            row.paste(im, (x, 4))
            if mid is not None:
                draw.rectangle([x + mid[0] * f, 4 + mid[1] * f, x + mid[2] * f, 4 + mid[3] * f], outline=(255, 60, 60))
            text = label if shot is None else (f"{label}: shift {shot.shift:.1f}" + (" FLAG" if shot.flagged else "")
                                               + (f" [{shot.source}]" if shot.source != "old" else ""))
            draw.text((x, cell + 8), text, fill=(235, 235, 235), font=font)
        draw.text((6, cell + 23), name, fill=(170, 170, 170), font=font)
        rows.append(row)
    # Two photos side by side: a sheet of 16 stays about as wide as it is tall.
    per_line = 2
    width, height = rows[0].width, rows[0].height
    lines = -(-len(rows) // per_line)
    out = Image.new("RGB", (per_line * width + (per_line - 1) * 12, lines * height), (25, 25, 25))
    for n, r in enumerate(rows):
        out.paste(r, ((n % per_line) * (width + 12), (n // per_line) * height))
    out.save(path)
    print(f"contact sheet: {path} ({len(rows)} photos)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.colour_fidelity", description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", choices=("labelled", "patches", "train", "test", "validation"), default="labelled",
                    help="labelled: the 66 hand-labelled photos of test/ (held out; default); patches: 29 other photos "
                         "of test/ with a hand-labelled fabric patch (tests/data/truth_colour.json); "
                         "train/test/validation: a seeded random sample, the garment's middle from the detector's box")
    ap.add_argument("--limit", type=int, help="at most this many photos")
    ap.add_argument("--seed", type=int, default=12, help="sample seed for train/test/validation")
    ap.add_argument("--old", metavar="REF", help="also render with the pipeline of this git commit (before/after)")
    ap.add_argument("--sheet", type=Path, metavar="OUT.png", help="write a contact sheet of a sample")
    ap.add_argument("--sample", type=int, default=16, help="photos on the contact sheet")
    ap.add_argument("--list", action="store_true", help="print each photo's shift")
    args = ap.parse_args(argv)
    global _PATCHES
    _PATCHES = args.photos == "patches"
    items = photo_set(args.photos, args.limit, args.seed)
    with tempfile.TemporaryDirectory(prefix="colour-fidelity-") as tmp:
        new = run_new(items, Path(tmp) / "new", DEFAULT_PRESET)
        old = run_old(args.old, items, Path(tmp) / "old", Path(tmp)) if args.old else None
        print(f"photos: {args.photos}" + {
            "labelled": " (hand-labelled boxes, tests/data/truth_boxes.json)",
            "patches": " (hand-labelled fabric patches, tests/data/truth_colour.json)"}.get(
                args.photos, f" (sample of {len(items)}, seed {args.seed})"))
        report("new", new)
        if old:
            report(f"old ({args.old})", old)
        if args.list:
            for i, s in enumerate(new):
                extra = f"  old {old[i].shift:5.1f}" if old else ""
                print(f"    {s.shift:5.1f} {s.source:<10} {'FLAG' if s.flagged else '    '} {s.name}{extra}")
        if args.sheet:
            sheet(args.sheet, items, new, old, args.sample)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
