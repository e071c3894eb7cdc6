"""Detail crops and hanger-free heroes against the hand-labelled detail truth.

Run from the repository root::

    python -m bench.detail_quality [--photos DIR] [--truth FILE] [--sheet OUT.png]
        [--sheet-split SPLIT|tuned|all] [--split SPLIT|tuned|all]

For every labelled photo (``tests/data/truth_details.json``, from ``train/`` and ``test/`` of
clothing-small; never ``validation/``) the pipeline's own steps run: detection, hanger cleanup
(:func:`lookbook.photos.cleanup.clean_detection`), the category's detail kinds and their crops
(:func:`lookbook.photos.crop.detail_boxes`). Printed, per category and overall, for each split of
the truth file separately (``tune`` and ``heldout`` were both tuned on by branch h-details2;
``heldout2`` was labelled before that; ``heldout3`` was labelled by branch h-seg before it
changed any detector code. The crop rules of 2026-12-04 evening (insets, a long leg's end, the
background bar) were picked on all four, each change kept only if it held on every split:
none of them is unseen any more; ``heldout4``, labelled afterwards, is):

- the share of detail crops that contain their labelled point (the collar / neckline /
  waistband point for the top crop; any labelled cuff or hem point for the other);
- crops the category calls for that were left out as mostly background (``dropped``; not
  counted in the share above, listed with the misses);
- shoes and hats given a detail crop (should be none);
- photos labelled with a hanger or prop, and how many of their heroes still show one, by the
  verdicts recorded by eye on the contact sheet (``hero_clean`` in the truth file), with the
  shots flagged for review instead.

``--sheet`` writes a contact sheet: each photo's hero as rendered with the default preset and
its detail crops, each crop framed green if it holds its labelled point and red if not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.crop import TOP_KINDS, Box, detail_boxes, detail_kinds, file_kind
from lookbook.photos.detect import detect_garment
from lookbook.photos.imaging import load_photo
from lookbook.photos.presets import DEFAULT_PRESET
from lookbook.photos.render import render

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PHOTOS = REPO.parent / "shared" / "photos" / "clothing-small"  # the full set beside the clone
DEFAULT_TRUTH = REPO / "tests" / "data" / "truth_details.json"
SPLITS = ("tune", "heldout", "heldout2", "heldout3", "heldout4")


@dataclass
class Tally:
    """Counts for one category and split."""

    crops: int = 0
    hits: int = 0
    extra: int = 0  # shoes/hats given a crop
    dropped: int = 0  # crops the category calls for, left out as mostly background
    props: int = 0  # photos labelled with a hanger or prop
    shown: int = 0  # of those, heroes that still show one
    flagged: int = 0  # of those, shots flagged for review instead
    unjudged: int = 0  # no verdict recorded yet
    clean_flagged: int = 0  # photos with no hanger/prop flagged anyway
    clean: int = 0  # photos with no hanger/prop
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("crops", "hits", "dropped", "extra", "props", "shown", "flagged", "unjudged", "clean_flagged",
                     "clean"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses


def _wanted(asked: str, split: str) -> bool:
    """Whether ``split`` is reported when ``--split asked`` was given."""
    return asked in ("all", split) or (asked == "tuned" and split in ("tune", "heldout"))


def _inside(point: list[int], box: Box) -> bool:
    return box[0] <= point[0] < box[2] and box[1] <= point[1] < box[3]


def analyse(path: Path, category: str) -> tuple[dict[str, Box], bool, object, object]:
    """Return (detail crops in original pixels, flagged for review, decoded photo, cleaned detection)."""
    decoded = load_photo(path)
    det = detect_garment(decoded.rgb, scale=decoded.scale, category=category)
    cleaned = clean_detection(decoded.rgb, det, scale=decoded.scale, category=category)
    det = cleaned.detection
    s = det.mask_scale * decoded.scale
    # Shown kinds (hem, not hem-leg) as the app shows them for this category.
    kinds = {file_kind(k, category): k for k in detail_kinds(category)}
    boxes = {kinds[made]: (b[0] / s, b[1] / s, b[2] / s, b[3] / s)
             for made, b in detail_boxes(det.mask, tuple(kinds),
                                         box=tuple(v * s for v in det.box)).items()}  # type: ignore[arg-type]
    return boxes, det.needs_review or cleaned.needs_review, decoded, det


def _tile(decoded: object, det: object, category: str, boxes: dict[str, Box], ok: dict[str, bool | None],
          name: str, flagged: bool) -> Image.Image:
    rendered = render(decoded, det, DEFAULT_PRESET, category=category)  # type: ignore[arg-type]
    hero = Image.fromarray(rendered.hero)
    hero.thumbnail((240, 300))
    tile = Image.new("RGB", (240 + 2 * 104, 314), "white")
    tile.paste(hero, (0, 12))
    draw = ImageDraw.Draw(tile)
    draw.text((2, 0), name, fill="black")
    if flagged:
        draw.text((244, 150), "FLAGGED FOR REVIEW", fill="red")
    for i, (made, crop) in enumerate(rendered.details.items()):
        kind = "hem" if made == "hem-leg" else made
        im = Image.fromarray(crop).resize((96, 96))
        x, y = 244 + (i % 2) * 104, 16
        tile.paste(im, (x, y))
        colour = {True: "green", False: "red", None: "grey"}[ok.get(kind)]
        draw.rectangle((x - 2, y - 2, x + 97, y + 97), outline=colour, width=3)
        draw.text((x, y + 100), kind, fill="black")
    return tile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--truth", type=Path, default=DEFAULT_TRUTH)
    parser.add_argument("--sheet", type=Path, help="write a contact sheet of heroes and detail crops here")
    # Any split the truth file has (a split labelled later, e.g. heldout4, needs no change here).
    parser.add_argument("--sheet-split", default="heldout", help="a split of the truth file, 'tuned' or 'all'")
    parser.add_argument("--split", default="all",
                        help="report only this split ('tuned': tune and heldout)")
    parser.add_argument("--sheet-only-props", action="store_true", help="sheet: only photos with a hanger/prop")
    args = parser.parse_args(argv)
    truth = json.loads(args.truth.read_text())["photos"]
    splits = list(SPLITS) + sorted({label["split"] for label in truth.values()} - set(SPLITS))
    for asked in (args.split, args.sheet_split):
        if asked not in splits + ["tuned", "all"]:
            parser.error(f"no split {asked!r} in {args.truth}; expected one of {', '.join(splits)}, tuned or all")
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    tiles = []
    for name, label in sorted(truth.items()):
        category, split = label["category"], label["split"]
        if not _wanted(args.split, split):
            continue
        boxes, flagged, decoded, det = analyse(args.photos / name, category)
        t = tallies[(split, category)]
        ok: dict[str, bool | None] = {}
        if not detail_kinds(category):
            t.extra += bool(boxes)
        for kind, box in boxes.items():
            points = ([label["top"]] if label["top"] else []) if kind in TOP_KINDS else label["ends"]
            if not points:
                ok[kind] = None
                continue
            hit = ok[kind] = any(_inside(p, box) for p in points)
            t.crops += 1
            t.hits += hit
            if not hit:
                t.misses.append(f"{name}:{kind}")
        for kind in detail_kinds(category):
            if kind not in boxes and (label["top"] if kind in TOP_KINDS else label["ends"]):
                t.dropped += 1
                t.misses.append(f"{name}:{kind}(dropped)")
        if label["hanger"] or label["prop"]:
            t.props += 1
            if flagged:
                t.flagged += 1
            elif label.get("hero_clean") is None:
                t.unjudged += 1
            elif not label["hero_clean"]:
                t.shown += 1
        else:
            t.clean += 1
            t.clean_flagged += flagged
        if args.sheet and _wanted(args.sheet_split, split) and (
                not args.sheet_only_props or label["hanger"] or label["prop"]):
            tiles.append(_tile(decoded, det, category, boxes, ok, f"{split[0]} {name.split('/', 1)[1][:30]}",
                               flagged))

    print("Detail crops holding their labelled point; heroes still showing a hanger/prop (by eye)")
    print(f"{'split':<8} {'category':<11} {'crops':>5} {'hit %':>6} {'dropped':>7} {'shoe/hat crops':>14} "
          f"{'hanger/prop':>11} {'shown':>5} {'flagged':>7} {'unjudged':>8} {'others flagged':>14}")
    for split in splits:
        if not _wanted(args.split, split):
            continue
        overall = Tally()
        for (sp, category), t in sorted(tallies.items()):
            if sp != split:
                continue
            overall.add(t)
            rate = f"{100 * t.hits / t.crops:.1f}" if t.crops else "-"
            print(f"{split:<8} {category:<11} {t.crops:>5} {rate:>6} {t.dropped:>7} {t.extra:>14} {t.props:>11} "
                  f"{t.shown:>5} {t.flagged:>7} {t.unjudged:>8} {t.clean_flagged:>7} of {t.clean:<3}")
        rate = f"{100 * overall.hits / overall.crops:.1f}" if overall.crops else "-"
        shown = f"{100 * overall.shown / overall.props:.1f} %" if overall.props else "-"
        print(f"{split:<8} {'ALL':<11} {overall.crops:>5} {rate:>6} {overall.dropped:>7} {overall.extra:>14} "
              f"{overall.props:>11} {overall.shown:>5} {overall.flagged:>7} {overall.unjudged:>8} "
              f"{overall.clean_flagged:>7} of {overall.clean:<3}  (heroes still showing one: {shown})")
        if overall.misses:
            print(f"  {split} misses: " + ", ".join(overall.misses))
    if args.sheet and tiles:
        cols = 4
        rows = (len(tiles) + cols - 1) // cols
        sheet = Image.new("RGB", (cols * tiles[0].width, rows * tiles[0].height), "white")
        for i, tile in enumerate(tiles):
            sheet.paste(tile, ((i % cols) * tile.width, (i // cols) * tile.height))
        args.sheet.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(args.sheet)
        print(f"contact sheet: {args.sheet} ({len(tiles)} photos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
