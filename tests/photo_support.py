"""Real garment photos for tests, all inside the repository so that a bare clone passes.

Two sources, neither beside the clone:

* ``resources/demo/photos``: the demo library's 40 real photos (byte-for-byte copies of photos of
  clothing-small's ``test/`` split; ``SOURCES.csv`` names each one), for tests that need "some real
  garment photos".
* ``tests/data/photos``: the few labelled photos that tests check against hand-made truth
  (``tests/data/*.json``) and that the demo set lacks, copied with clothing-small's layout
  (``test/<category>/<name>.jpg``, ``train/...``). The set is CC0; see ``tests/data/photos/README.md``.

The full set (``../shared/photos/clothing-small`` beside the clone) is for the benches only.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_PHOTOS = REPO / "resources" / "demo" / "photos"
LABELLED_PHOTOS = Path(__file__).resolve().parent / "data" / "photos"


@cache
def _demo_sources() -> dict[str, Path]:
    """Map a key relative to clothing-small (``test/shirt/x.jpg``) to its copy among the demo photos."""
    with (DEMO_PHOTOS / "SOURCES.csv").open(newline="", encoding="utf-8") as f:
        return {row["source"].removeprefix("clothing-small/"): DEMO_PHOTOS / row["file"] for row in csv.DictReader(f)}


def demo_photos(category: str | None = None) -> list[Path]:
    """Return the demo's real garment photos, in the dataset's order (by category folder, then name).

    :param category: a clothing-small category (``shirt``, ``t-shirt``, ``longsleeve``, ``outwear``,
        ``pants`` ...) to return only the photos of that kind; all 40 when None.
    """
    return [path for key, path in sorted(_demo_sources().items())
            if category is None or key.split("/")[1] == category]


def labelled_photo(key: str) -> Path:
    """Return the repository's copy of the clothing-small photo ``key`` (``test/shirt/x.jpg``).

    :raises FileNotFoundError: naming the key and where to copy it from, when the repository has no copy.
    """
    for path in (LABELLED_PHOTOS / key, _demo_sources().get(key)):
        if path is not None and path.is_file():
            return path
    raise FileNotFoundError(f"{key}: no copy in tests/data/photos or resources/demo/photos; copy it there "
                            f"from ../shared/photos/clothing-small/{key} (small JPEGs only, see its README.md)")


def dataset_name(photo: Path) -> str:
    """Return the file name a demo photo has in clothing-small (``01b3083f-....jpg``).

    Tests that copy photos into a shoot folder use it: a demo photo is named after a demo SKU
    (``HP-SH01.jpg``), which tying by file name would act on, whereas a shoot's files carry no SKU.
    """
    return next(key.rsplit("/", 1)[1] for key, path in _demo_sources().items() if path == photo)
