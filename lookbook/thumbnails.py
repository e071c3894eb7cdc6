"""Small cached previews of originals for grids and lists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lookbook.library import Library

if TYPE_CHECKING:
    from PIL import Image

THUMB_SIZE = 256


def thumbnail_path(library: Library, sha256: str, size: int = THUMB_SIZE) -> Path:
    """Return where the cached thumbnail of a photo lives."""
    return library.renders_dir / "thumbs" / sha256[:2] / f"{sha256}_{size}.jpg"


def ensure_thumbnail(library: Library, sha256: str, stored_path: str, size: int = THUMB_SIZE) -> Path:
    """Return the path of the photo's thumbnail, making it first if it is not cached.

    Reads with JPEG draft mode so a 12-megapixel original decodes at a fraction of
    its size; writes through a temporary name so a half-written file is never used.
    """
    target = thumbnail_path(library, sha256, size)
    if target.exists():
        return target
    # The image libraries load when a thumbnail is made, not when the app starts with its thumbnails cached.
    from PIL import Image, ImageOps

    from lookbook.imaging import PHOTO_FORMATS, shrink_loaded, upright_copy

    target.parent.mkdir(parents=True, exist_ok=True)
    im: Image.Image  # the opened file, then its upright RGB copy
    with Image.open(library.root / stored_path, formats=PHOTO_FORMATS) as im:
        im.draft("RGB", (size, size))
        if im.format not in ("JPEG", "MPO"):
            # PNG, TIFF, WebP, HEIF decode whole: shrink first, so turning and converting copy little.
            im.load()
            orientation = im.getexif().get(0x0112, 1)
            im = upright_copy(shrink_loaded(im, max(1, min(im.size) // size)), orientation).convert("RGB")
        else:
            im = ImageOps.exif_transpose(im).convert("RGB")
        im.thumbnail((size, size), Image.Resampling.LANCZOS)
        partial = target.with_suffix(".partial")
        im.save(partial, "JPEG", quality=85)
    partial.replace(target)
    return target
