"""Small cached previews of originals for grids and lists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lookbook.store.database import Store
from lookbook.store.library import Library

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

    from lookbook.photos.imaging import PHOTO_FORMATS, shrink_loaded, upright_copy

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


def preview_source(library: Library, sha256: str, stored_path: str) -> tuple[str, str]:
    """Return what a list of shots shows for a photo: its render's small file if rendered, else the original.

    :returns: a cache key for :func:`ensure_thumbnail` (the render's key changes when it is rendered again,
        so a list never shows an old render) and the file's path relative to the library.
    """
    from lookbook.photos.recipes import render_paths  # OpenCV and NumPy come with it: only when previews are asked for

    found = render_paths(library, sha256)
    path = found.get("thumb") or found.get("hero")
    if path is None:
        return sha256, stored_path
    return f"{sha256}-r{path.stat().st_mtime_ns}", path.relative_to(library.root).as_posix()


def shot_previews(store: Store, photo_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return :func:`preview_source` for each of the photos (by id) that exist."""
    if not photo_ids:
        return {}
    marks = ",".join("?" * len(photo_ids))
    rows = store.db.execute(f"SELECT id, sha256, stored_path FROM photos WHERE id IN ({marks})", photo_ids)
    return {int(pid): preview_source(store.library, sha, path) for pid, sha, path in rows.fetchall()}
