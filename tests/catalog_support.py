"""Helpers for catalog, tying and set tests: generated codes pasted into real photos, photos added to a store.

Codes are made with python-barcode (EAN-13, UPC-A, Code 128) and OpenCV's QR encoder,
independent of the readers under test. bench/barcode_read_rate.py uses the same helpers.
"""

from __future__ import annotations

import io
from pathlib import Path

import barcode
import cv2
import numpy as np
from barcode.writer import ImageWriter
from PIL import Image

from lookbook.photos.imaging import dhash
from lookbook.store.database import Store, utcnow
from photo_support import demo_photos

#: The full test split beside the clone, for bench/barcode_read_rate.py (tests use the demo photos).
SHARED_TEST_PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos" / "clothing-small" / "test"
_PYBARCODE_KINDS = {"EAN-13": "ean13", "UPC-A": "upca", "Code 128": "code128"}


def real_photos(limit: int | None = None) -> list[Path]:
    """Return the repository's 40 real garment photos (resources/demo/photos), in a stable order."""
    return demo_photos()[:limit]


def shared_photos() -> list[Path]:
    """Return every photo of the full test split beside the clone (none when it is absent), in a stable order."""
    return sorted(SHARED_TEST_PHOTOS.glob("*/*.jpg"))


def code_image(kind: str, text: str, module_px: int = 3) -> np.ndarray:
    """Return a grey code as printed on a hang tag: black on white with its quiet zone.

    :param kind: ``EAN-13``, ``UPC-A``, ``Code 128`` or ``QR``.
    :param text: the payload (EAN/UPC without or with the check digit).
    :param module_px: the width of the narrowest bar (or a QR module) in pixels.
    """
    if kind == "QR":
        modules = cv2.QRCodeEncoder.create().encode(text)  # includes a 4-module quiet zone
        return cv2.resize(modules, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    dpi = 300
    code = barcode.get(_PYBARCODE_KINDS[kind], text, writer=ImageWriter())
    buffer = io.BytesIO()
    code.write(buffer, options={"write_text": False, "dpi": dpi, "module_width": module_px * 25.4 / dpi,
                                "module_height": module_px * 25.4 / dpi * 30, "quiet_zone": module_px * 25.4 / dpi
                                * 11})
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("L"))


def full_code(kind: str, text: str) -> str:
    """Return the text a reader reports for a payload (EAN/UPC with its check digit)."""
    if kind in ("EAN-13", "UPC-A"):
        return barcode.get(_PYBARCODE_KINDS[kind], text).get_fullcode()
    return text


def paste_code(photo: np.ndarray, code: np.ndarray, *, width_fraction: float, angle: float = 0.0,
               blur: float = 0.0, at: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """Return an RGB photo with a code pasted on it, as if a tag were held in the frame.

    :param width_fraction: the code's width as a fraction of the photo's width.
    :param angle: rotation in degrees.
    :param blur: Gaussian blur sigma in pixels applied to the whole frame (camera shake/focus).
    :param at: where the code's centre goes, as fractions of width and height.
    """
    out = photo.copy()
    h, w = out.shape[:2]
    scale = width_fraction * w / code.shape[1]
    tag = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    tag = cv2.cvtColor(tag, cv2.COLOR_GRAY2RGB)
    # Rotate on a white card with a transparent surround so only the card covers the photo.
    th, tw = tag.shape[:2]
    side = int(np.hypot(th, tw)) + 4
    card: np.ndarray = np.full((side, side, 3), 255, np.uint8)
    mask: np.ndarray = np.zeros((side, side), np.uint8)
    y0, x0 = (side - th) // 2, (side - tw) // 2
    card[y0:y0 + th, x0:x0 + tw] = tag
    mask[y0:y0 + th, x0:x0 + tw] = 255
    rot = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
    card = cv2.warpAffine(card, rot, (side, side), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    mask = cv2.warpAffine(mask, rot, (side, side), flags=cv2.INTER_NEAREST)
    cx, cy = int(at[0] * w) - side // 2, int(at[1] * h) - side // 2
    sx0, sy0 = max(0, -cx), max(0, -cy)
    dx0, dy0 = max(0, cx), max(0, cy)
    dx1, dy1 = min(w, cx + side), min(h, cy + side)
    region = out[dy0:dy1, dx0:dx1]
    piece = card[sy0:sy0 + dy1 - dy0, sx0:sx0 + dx1 - dx0]
    keep = mask[sy0:sy0 + dy1 - dy0, sx0:sx0 + dx1 - dx0] > 0
    region[keep] = piece[keep]
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    return out


def load_rgb(path: Path, long_side: int | None = None) -> np.ndarray:
    """Return a photo as RGB pixels, optionally resized so its long side is ``long_side``."""
    with Image.open(path) as im:
        rgb = im.convert("RGB")
        if long_side:
            factor = long_side / max(rgb.size)
            rgb = rgb.resize((round(rgb.width * factor), round(rgb.height * factor)), Image.Resampling.LANCZOS)
        return np.asarray(rgb)


def add_photo(store: Store, rgb: np.ndarray, name: str, *, taken_at: str | None = None,
              tmp: Path | None = None) -> int:
    """Store an image in the library as an imported shot (hash, phash, size) and return its id."""
    folder = tmp or store.library.root / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / name
    # The name goes in a JPEG comment so two shots of the same pixels are still two files.
    Image.fromarray(rgb).save(source, quality=92, comment=name.encode())
    digest, stored = store.library.store_original(source)
    cur = store.db.execute(
        "INSERT INTO photos (sha256, original_name, source_path, stored_path, width, height, taken_at, imported_at,"
        " phash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [digest, name, str(source), str(stored.relative_to(store.library.root)), rgb.shape[1], rgb.shape[0],
         taken_at, utcnow(), f"{dhash(rgb):016x}"])
    assert cur.lastrowid is not None  # the INSERT above made the row
    return cur.lastrowid


def add_product(store: Store, sku: str, brand: str = "Acme", category: str = "shirt",
                sizes: dict[str, int] | None = None, barcode_: str | None = None) -> int:
    """Insert a product (and its brand if new) with stock by size; return its id."""
    now = utcnow()
    store.db.execute("INSERT OR IGNORE INTO brands (name) VALUES (?)", [brand])
    brand_id = store.db.execute("SELECT id FROM brands WHERE name = ?", [brand]).fetchone()[0]
    cur = store.db.execute(
        "INSERT INTO products (sku, brand_id, name, category, barcode, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", [sku, brand_id, f"{brand} {sku}", category, barcode_, now, now])
    for size, quantity in (sizes or {"M": 1}).items():
        store.db.execute("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, ?, ?, ?)",
                         [cur.lastrowid, size, quantity, now])
    assert cur.lastrowid is not None  # the INSERT into products made the row
    return cur.lastrowid
