"""Draw photos at 1x with a 10 px tick / 50 px line grid labelled in original pixels, for labelling by eye.

Used to label splits ``heldout4`` and ``heldout5`` of tests/data/garment_boxes.json and truth_details.json. Only the
upright photo (as :func:`lookbook.photos.imaging.load_photo` decodes it) is drawn: no detector,
GrabCut or segmenter output, so the reader is not anchored on a proposal.

    python -m bench.label_sheets pick OUT_DIR [SALT N_CLOTHING N_OTHER]  # pick lists (random + hard candidates)
    python -m bench.label_sheets sheet OUT.png KEY [KEY]  # one or two photos at 1x with the grid
    python -m bench.label_sheets zoom OUT.png KEY X0 Y0 X1 Y1 [LABELS]  # a crop at 2x with the grid
    python -m bench.label_sheets thumbs OUT.png KEY...    # small numbered thumbnails (for picking hard ones)
    python -m bench.label_sheets check OUT.png LABELS KEY...  # the labeller's own box (red) over 1x photos, 2x2
    python -m bench.label_sheets edges OUT.png LABELS KEY  # 2x strips along the four sides of the labeller's box

LABELS is a JSON file of {key: [x0, y0, x1, y1]} written by the labeller (never a machine-made box).
``pick`` leaves out every photo already in a truth file (relabel_heldout3.json included), so it reproduces
the heldout4 picks only on the truth files as they were before heldout4 was added (commit 1ae66bd), and the
heldout5 picks (``pick OUT heldout5 4 2``) only on the truth files as they were before heldout5 was added.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from lookbook.photos.imaging import load_photo

ROOT = Path("/work/shared/photos/clothing-small")
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CLOTHING = ("dress", "longsleeve", "outwear", "pants", "shirt", "shorts", "skirt", "t-shirt")


def known_keys() -> set[str]:
    """Every photo in an existing truth file, as a key relative to ROOT, plus bare file names."""
    keys: set[str] = set()
    for name, field in (("garment_boxes", "boxes"), ("truth_details", "photos"),
                        ("truth_colour", "patches"), ("truth_boxes", "boxes"), ("relabel_heldout3", "boxes")):
        path = DATA / f"{name}.json"
        if not path.exists():
            continue
        for key in json.loads(path.read_text())[field]:
            keys.add(key if key.startswith(("train/", "test/")) else "test/" + key)
    return keys | {k.rsplit("/", 1)[-1] for k in keys}


def order(salt: str, keys: list[str]) -> list[str]:
    """The keys sorted by sha1(salt + ":" + key): a fixed order nobody chose by looking."""
    return sorted(keys, key=lambda k: hashlib.sha1(f"{salt}:{k}".encode()).hexdigest())


def candidates(category: str, salt: str = "heldout4") -> list[str]:
    """Unlabelled photos of a category from train/ and test/ (never validation/), in ``salt`` order."""
    known = known_keys()
    keys = [str(p.relative_to(ROOT)) for split in ("train", "test") for p in (ROOT / split / category).glob("*.jpg")]
    return order(salt, [k for k in keys if k not in known and k.rsplit("/", 1)[-1] not in known])


def grid(rgb: np.ndarray, scale: int = 1, origin: tuple[int, int] = (0, 0)) -> Image.Image:
    """The image enlarged ``scale`` times with a grid every 10 px (ticks) / 50 px (lines) of the original."""
    im = Image.fromarray(rgb)
    if scale != 1:
        im = im.resize((im.width * scale, im.height * scale), Image.Resampling.NEAREST)
    m = 30  # margin for labels
    out = Image.new("RGB", (im.width + 2 * m, im.height + 2 * m), "white")
    out.paste(im, (m, m))
    d = ImageDraw.Draw(out)
    ox, oy = origin
    w, h = rgb.shape[1], rgb.shape[0]
    for x in range(-(-ox // 10) * 10, ox + w + 1, 10):
        px = m + (x - ox) * scale
        major = x % 50 == 0
        if major:
            d.line([(px, m), (px, m + im.height)], fill=(255, 0, 255) if x % 100 == 0 else (0, 200, 255), width=1)
            d.text((px - 8, 2), str(x), fill="black")
            d.text((px - 8, m + im.height + 16), str(x), fill="black")
        d.line([(px, m - (8 if major else 4)), (px, m)], fill="black")
        d.line([(px, m + im.height), (px, m + im.height + (8 if major else 4))], fill="black")
    for y in range(-(-oy // 10) * 10, oy + h + 1, 10):
        py = m + (y - oy) * scale
        major = y % 50 == 0
        if major:
            d.line([(m, py), (m + im.width, py)], fill=(255, 0, 255) if y % 100 == 0 else (0, 200, 255), width=1)
            d.text((0, py - 5), str(y), fill="black")
            d.text((m + im.width + 2, py - 5), str(y), fill="black")
        d.line([(m - (8 if major else 4), py), (m, py)], fill="black")
        d.line([(m + im.width, py), (m + im.width + (8 if major else 4), py)], fill="black")
    return out


COMMANDS = ("pick", "sheet", "zoom", "thumbs", "check", "edges")


def main(argv: list[str]) -> int:
    """Run one command (see the module's docstring); print the usage and return 2 on a malformed command line."""
    if len(argv) < 2 or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    cmd, out = argv[0], Path(argv[1])
    if cmd == "pick":
        out.mkdir(parents=True, exist_ok=True)
        # heldout4: no extra arguments; heldout5: ``pick OUT heldout5 4 2``
        salt = argv[2] if len(argv) > 2 else "heldout4"
        n_clothing, n_other = (int(argv[3]), int(argv[4])) if len(argv) > 4 else (5, 3)
        picks = {}
        for cat in (*CLOTHING, "shoes", "hat"):
            c = candidates(cat, salt)
            n = n_clothing if cat in CLOTHING else n_other
            picks[cat] = {"random": c[:n], "hard_pool": c[n:n + 12] if cat in CLOTHING else []}
        (out / "picks.json").write_text(json.dumps(picks, indent=1))
    elif cmd == "sheet":
        tiles = [grid(load_photo(ROOT / k).rgb) for k in argv[2:]]
        sheet = Image.new("RGB", (sum(t.width for t in tiles) + 10 * (len(tiles) - 1), max(t.height for t in tiles)),
                          "white")
        x = 0
        for t in tiles:
            sheet.paste(t, (x, 0))
            x += t.width + 10
        sheet.save(out)
    elif cmd == "zoom":
        key, (x0, y0, x1, y1) = argv[2], map(int, argv[3:7])
        rgb = load_photo(ROOT / key).rgb
        if len(argv) > 7:  # the labeller's own box, drawn 1 px outside it in red
            im = Image.fromarray(rgb)
            bx0, by0, bx1, by1 = json.loads(Path(argv[7]).read_text())[key]
            ImageDraw.Draw(im).rectangle([bx0 - 1, by0 - 1, bx1, by1], outline=(255, 0, 0))
            rgb = np.asarray(im)
        x0, y0 = max(0, x0), max(0, y0)
        grid(rgb[y0:y1, x0:x1], scale=2, origin=(x0, y0)).save(out)
    elif cmd == "check":
        labels = json.loads(Path(argv[2]).read_text())
        tiles = []
        for k in argv[3:]:
            im = Image.fromarray(load_photo(ROOT / k).rgb)
            x0, y0, x1, y1 = labels[k]
            ImageDraw.Draw(im).rectangle([x0 - 1, y0 - 1, x1, y1], outline=(255, 0, 0))
            t = grid(np.asarray(im))
            ImageDraw.Draw(t).text((40, 0), k.split("/")[1] + " " + k.split("/")[2][:8], fill="red")
            tiles.append(t)
        w, h = max(t.width for t in tiles), max(t.height for t in tiles)
        sheet = Image.new("RGB", (2 * w + 10, -(-len(tiles) // 2) * (h + 10)), "white")
        for i, t in enumerate(tiles):
            sheet.paste(t, ((i % 2) * (w + 10), (i // 2) * (h + 10)))
        sheet.save(out)
    elif cmd == "edges":
        key = argv[3]
        bx0, by0, bx1, by1 = json.loads(Path(argv[2]).read_text())[key]
        im = Image.fromarray(load_photo(ROOT / key).rgb)
        ImageDraw.Draw(im).rectangle([bx0 - 1, by0 - 1, bx1, by1], outline=(255, 0, 0))
        rgb = np.asarray(im)
        h, w = rgb.shape[:2]
        m = 24  # strip half-width in original pixels

        def strip(x0: int, y0: int, x1: int, y1: int) -> Image.Image:
            x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
            return grid(rgb[y0:y1, x0:x1], scale=2, origin=(x0, y0))

        side = [strip(bx0 - m, by0 - m, bx0 + m, by1 + m), strip(bx1 - m, by0 - m, bx1 + m, by1 + m)]
        flat = [strip(bx0 - m, by0 - m, bx1 + m, by0 + m), strip(bx0 - m, by1 - m, bx1 + m, by1 + m)]
        width = max(side[0].width + side[1].width + 10, *(f.width for f in flat))
        height = max(s.height for s in side) + sum(f.height for f in flat) + 20
        sheet = Image.new("RGB", (width, height), "white")
        sheet.paste(side[0], (0, 0))
        sheet.paste(side[1], (side[0].width + 10, 0))
        y = max(s.height for s in side) + 10
        for f in flat:
            sheet.paste(f, (0, y))
            y += f.height + 10
        sheet.save(out)
    elif cmd == "thumbs":
        tiles = []
        for i, k in enumerate(argv[2:]):
            im = Image.fromarray(load_photo(ROOT / k).rgb)
            im.thumbnail((200, 200))
            t = Image.new("RGB", (210, 225), "white")
            t.paste(im, (0, 20))
            ImageDraw.Draw(t).text((2, 2), f"{i} {k.split('/')[1][:6]} {im.width}x{im.height}", fill="black")
            tiles.append(t)
        cols = 6
        sheet = Image.new("RGB", (cols * 210, -(-len(tiles) // cols) * 225), "white")
        for i, t in enumerate(tiles):
            sheet.paste(t, ((i % cols) * 210, (i // cols) * 225))
        sheet.save(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
