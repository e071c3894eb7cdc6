"""The lookbook card: a set's shots and details, brand, product names and sizes in stock, in one image.

An X direct message carries one attachment, so a set travels as one composed card
(or, if the user chooses "several messages", as one captioned image per product).
The card is laid out by the set's composition and drawn by :func:`lookbook.composer.render_card`
(the one function that draws cards); with a customer it carries their own sizes.
A customer is never offered what cannot be bought: products sold out in every size
are left off the card and the captioned shots, and a set whose every product is sold
out has no card at all (drafting it fails with a message saying to restock or change the set).
Cards are deterministic: the same set, shots and stock give the same bytes, and the
file name carries a digest of them, so a card is written once and reused.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from lookbook import composer
from lookbook.cardnumbers import mask_card_numbers
from lookbook.composer import FONT_REGULAR, gather_card, render_card
from lookbook.errors import InputError
from lookbook.library import make_private
from lookbook.recipes import render_paths
from lookbook.store import Store
from lookbook.templates import SetProduct, set_products, size_label

CARD_WIDTH = 1200
MAX_SHOTS = 6
MARGIN = 40
GAP = 16
BACKGROUND = (250, 248, 244)
INK = (28, 28, 30)
MUTED = (105, 105, 110)
# X accepts DM images up to 5 MB; quality 88 keeps a 1200-pixel card far below it.
JPEG_QUALITY = 88


@dataclass(frozen=True)
class Shot:
    """A hero shot: the first photo of each product in the set, by position."""

    photo_id: int
    product: SetProduct
    path: Path


def _font(size: int) -> ImageFont.FreeTypeFont:
    # The bundled open font (resources/fonts): the same on every machine, so images are the same everywhere.
    return ImageFont.truetype(str(FONT_REGULAR), size)


def hero_shots(store: Store, set_id: int) -> list[Shot]:
    """Return one shot per product of the set in stock in some size, in set order: its render, else the original.

    Products sold out in every size are left out: a customer must not be offered them.

    :raises InputError: if the set has no photos of products, every product of it is sold out, or a photo
        file is missing.
    """
    products = {p.id: p for p in set_products(store, set_id)}
    rows = store.db.execute(
        "SELECT ph.id, ph.product_id, ph.sha256, ph.stored_path FROM set_items si JOIN photos ph"
        " ON ph.id = si.photo_id WHERE si.set_id = ? AND ph.product_id IS NOT NULL ORDER BY si.position, ph.id",
        [set_id]).fetchall()
    shots: list[Shot] = []
    seen: set[int] = set()
    for photo_id, product_id, sha256, stored_path in rows:
        if product_id in seen:
            continue
        seen.add(product_id)
        if not products[product_id].sizes_in_stock:
            continue
        path = _render_path(store, sha256) or store.library.root / stored_path
        if not path.is_file():
            raise InputError(f"photo {photo_id}: its file is missing; re-import it or remove it from the set.",
                             path=path)
        shots.append(Shot(photo_id, products[product_id], path))
    if not seen:
        raise InputError(f"set {set_id}: it has no photos tied to products; add shots before drafting.")
    if not shots:
        name = store.db.execute("SELECT name FROM sets WHERE id = ?", [set_id]).fetchone()
        label = f"set '{name[0]}'" if name else f"set {set_id}"
        raise InputError(f"{label}: every product in it is sold out, so there is nothing to offer; "
                         "restock them or change the set.")
    return shots


def _render_path(store: Store, sha256: str) -> Path | None:
    """Return the photo's rendered hero shot, if it has been rendered."""
    return render_paths(store.library, sha256).get("hero")


def _open_fitted(path: Path, box: tuple[int, int]) -> Image.Image:
    im: Image.Image  # the opened file, then its upright RGB copy
    try:
        with Image.open(path) as im:
            im.draft("RGB", (box[0] * 2, box[1] * 2))  # JPEG: decode at a reduced scale, far less memory
            im = ImageOps.exif_transpose(im).convert("RGB")
            return ImageOps.fit(im, box, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    except OSError as exc:
        raise InputError(f"cannot read the photo ({exc}); re-import it.", path=path) from None


def _line(text: str) -> str:
    """Return a name as the card prints it: on one line, with any card number in it masked."""
    return mask_card_numbers(" ".join(text.split()))[0]


def _sizes_line(product: SetProduct) -> str:
    return "in stock: " + ", ".join(size_label(s) for s in product.sizes_in_stock)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
         room: float) -> str:
    """Return ``text``, cut with an ellipsis if it is wider than ``room`` pixels."""
    if draw.textlength(text, font=font) <= room:
        return text
    while text and draw.textlength(text + "…", font=font) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def compose_card(store: Store, set_id: int, customer_id: int | None = None) -> Image.Image:
    """Return the set's lookbook card as an image, as composed (:mod:`lookbook.composer`) for the X card.

    :raises InputError: as :func:`lookbook.composer.gather_card`.
    """
    return render_card(gather_card(store, set_id, customer_id=customer_id), "x").image


def compose_shot(store: Store, shot: Shot) -> Image.Image:
    """Return one hero shot with its product name and sizes in stock beneath (for "several messages")."""
    width = CARD_WIDTH // 2 + 2 * MARGIN
    box = (width - 2 * MARGIN, (width - 2 * MARGIN) * 4 // 3)
    image = Image.new("RGB", (width, MARGIN + box[1] + 130), BACKGROUND)
    image.paste(_open_fitted(shot.path, box), (MARGIN, MARGIN))
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN + box[1] + 24), _line(shot.product.name), font=_font(30), fill=INK)
    draw.text((MARGIN, MARGIN + box[1] + 70), _sizes_line(shot.product), font=_font(24), fill=MUTED)
    return image


def _write(store: Store, image: Image.Image, stem: str) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    data = buffer.getvalue()
    name = f"{stem}_{hashlib.sha256(data).hexdigest()[:12]}.jpg"
    target = store.library.exports_dir / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".partial-{os.getpid()}")
        partial.write_bytes(data)
        make_private(partial)
        os.replace(partial, target)  # a reader never sees half a card
    return target.relative_to(store.library.root).as_posix()


#: The size of a hero shot in an e-mail: the card's cell for one shot, at phone-screen width.
EMAIL_SHOT_SIZE = (600, 800)


def email_shot(store: Store, shot: Shot) -> Path:
    """Write a hero shot as the card shows it (the same crop, no text) for an e-mail; return its path.

    Written once per content under the exports folder, so the e-mail shows what was approved even if
    the photo is rendered again before it is sent.
    """
    image = _open_fitted(shot.path, EMAIL_SHOT_SIZE)
    return store.library.root / _write(store, image, f"email_{shot.photo_id}")


def write_card(store: Store, set_id: int, customer_id: int | None = None) -> str:
    """Write the set's card (with a customer: with their sizes) to the exports folder, once per content, and
    return its library-relative path."""
    return composer.write_card(store, set_id, customer_id)


def write_shots(store: Store, set_id: int) -> list[tuple[SetProduct, str]]:
    """Write one captioned image per hero shot and return each product with its library-relative path."""
    return [(shot.product, _write(store, compose_shot(store, shot), f"shot_set{set_id}_{shot.photo_id}"))
            for shot in hero_shots(store, set_id)]
