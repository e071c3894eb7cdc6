"""Heroes beside their originals, for recording hero verdicts by eye (issue 12 §2: hangers and props).

    python -m bench.hero_sheet SPLIT OUT_DIR [--which props|rest] [--photos DIR]

For every photo of SPLIT in ``tests/data/truth_details.json`` labelled with a hanger or prop (``props``, the
default) or with neither (``rest``), the app's own steps run: decode, :func:`~lookbook.photos.detect.detect_garment`,
:func:`~lookbook.photos.cleanup.clean_detection` with the labelled category, :func:`~lookbook.photos.render.render`
with the default preset. Written: ``OUT_DIR/WHICH_N.png`` (four tiles each: the original and the hero, 420 px high,
"FLAGGED" and why when the app would flag the shot for its box, its cleanup or its colour),
``OUT_DIR/WHICH_full/NN_NAME.png`` (each hero at full size, for zooming where unsure) and ``OUT_DIR/WHICH_flags.json``.
Used for the verdicts of ``heldout12`` (session 9); count the unflagged heroes that still show a hanger or prop.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from lookbook.photos.cleanup import clean_detection
from lookbook.photos.detect import detect_garment
from lookbook.photos.imaging import load_photo
from lookbook.photos.presets import DEFAULT_PRESET
from lookbook.photos.render import render

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PHOTOS = REPO.parent / "shared" / "photos" / "clothing-small"
TRUTH = REPO / "tests" / "data" / "truth_details.json"
TILE_H = 420


def _tile(original: Image.Image, hero: Image.Image, title: str, line: str, flagged: bool) -> Image.Image:
    for im in (original, hero):
        im.thumbnail((TILE_H, TILE_H))
    tile = Image.new("RGB", (2 * TILE_H + 20, TILE_H + 40), "white")
    tile.paste(original, (0, 36))
    tile.paste(hero, (TILE_H + 10, 36))
    draw = ImageDraw.Draw(tile)
    draw.text((2, 2), title, fill="black")
    draw.text((2, 16), line, fill="red" if flagged else "darkgreen")
    return tile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("split", help="a split of the detail truth file (heldout12, ...)")
    parser.add_argument("out", type=Path, help="folder for the sheets, full-size heroes and flags")
    parser.add_argument("--which", choices=("props", "rest"), default="props",
                        help="photos labelled with a hanger or prop (default), or with neither")
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS, help="folder the truth keys are relative to")
    args = parser.parse_args(argv)
    truth = json.loads(TRUTH.read_text())["photos"]
    keys = [k for k, v in truth.items()
            if v["split"] == args.split and bool(v.get("hanger") or v.get("prop")) == (args.which == "props")]
    if not keys:
        print(f"no {args.which} photos in split '{args.split}' of {TRUTH}", file=sys.stderr)
        return 2
    full = args.out / f"{args.which}_full"
    full.mkdir(parents=True, exist_ok=True)
    tiles: list[Image.Image] = []
    flags: dict[str, dict[str, object]] = {}
    for i, key in enumerate(keys):
        label = truth[key]
        category = label["category"]
        decoded = load_photo(args.photos / key)
        cleaned = clean_detection(decoded.rgb, detect_garment(decoded.rgb, scale=decoded.scale, category=category),
                                  scale=decoded.scale, category=category)
        rendered = render(decoded, cleaned.detection, DEFAULT_PRESET, category=category)
        why = {"box": cleaned.detection.needs_review, "cleanup": cleaned.needs_review,
               "colour": rendered.needs_colour_review}
        flagged = any(why.values())
        flags[key] = {"flagged": flagged, **why, "reasons": list(cleaned.reasons),
                      "hanger": label.get("hanger"), "prop": label.get("prop")}
        hero = Image.fromarray(rendered.hero)
        hero.save(full / f"{i:02d}_{Path(key).stem[:8]}.png")
        line = (f"hanger={label.get('hanger')} prop={label.get('prop')}  "
                + ("FLAGGED " + ", ".join(k for k, v in why.items() if v) if flagged else "not flagged"))
        tiles.append(_tile(Image.fromarray(decoded.rgb), hero, f"{i:02d} {key}", line, flagged))
        print(f"{i:02d} {key} {'FLAGGED' if flagged else 'not flagged'}", flush=True)
    w, h = tiles[0].size
    for n in range(0, len(tiles), 4):
        sheet = Image.new("RGB", (2 * w, 2 * h), "grey")
        for j, tile in enumerate(tiles[n:n + 4]):
            sheet.paste(tile, ((j % 2) * w, (j // 2) * h))
        sheet.save(args.out / f"{args.which}_{n // 4}.png")
    (args.out / f"{args.which}_flags.json").write_text(json.dumps(flags, indent=1))
    print(f"{len(keys)} photos, {sum(bool(f['flagged']) for f in flags.values())} flagged; sheets in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
