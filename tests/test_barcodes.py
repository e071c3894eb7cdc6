"""Reading codes pasted into real photos, and checking EAN/UPC numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from catalog_support import code_image, full_code, load_rgb, paste_code, real_photos
from lookbook.catalog.gtin import gtin_key, normalize_gtin
from lookbook.errors import InputError
from lookbook.photos.barcodes import read_codes, read_codes_in_file

PAYLOADS = {"EAN-13": "400638133393", "UPC-A": "03600029145", "Code 128": "HP-SH01", "QR": "SKU:HP-SH01"}


@pytest.fixture(scope="module")
def photos() -> list[np.ndarray]:
    """Three real garment photos (a jumper, trousers, a shirt) at a phone-like 1600 px long side."""
    paths = real_photos()
    return [load_rgb(paths[i], 1600) for i in (3, 17, 30)]


@pytest.mark.parametrize("kind", list(PAYLOADS))
@pytest.mark.parametrize(("photo", "width", "angle", "blur"), [
    (0, 0.35, 0, 0.0),     # a tag held square to the camera
    (1, 0.25, 25, 0.8),    # smaller, tilted, slightly soft
    (2, 0.45, 100, 1.2),   # turned past upright, out of focus
])
def test_reads_codes_pasted_into_real_photos(photos: list[np.ndarray], kind: str, photo: int, width: float,
                                             angle: float, blur: float) -> None:
    frame = paste_code(photos[photo], code_image(kind, PAYLOADS[kind]), width_fraction=width, angle=angle,
                       blur=blur, at=(0.45, 0.55))
    codes = read_codes(frame)
    assert [(c.text, c.kind) for c in codes] == [(full_code(kind, PAYLOADS[kind]), kind)]


def test_a_photo_without_codes_reads_nothing(photos: list[np.ndarray]) -> None:
    assert all(read_codes(p) == [] for p in photos)


def test_reads_from_a_file_turned_by_exif(tmp_path: Path, photos: list[np.ndarray]) -> None:
    frame = paste_code(photos[0], code_image("EAN-13", PAYLOADS["EAN-13"]), width_fraction=0.4)
    # Store the frame on its side with an EXIF orientation saying "turn me back" (as phones do).
    sideways = Image.fromarray(np.rot90(frame, 1).copy())
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "tag.jpg"
    sideways.save(path, exif=exif, quality=90)
    assert [c.text for c in read_codes_in_file(path)] == ["4006381333931"]


def test_unreadable_files_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_codes_in_file(tmp_path / "gone.jpg")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a jpeg")
    with pytest.raises(InputError, match="cannot be read as a photo"):
        read_codes_in_file(junk)


def test_normalize_gtin() -> None:
    assert normalize_gtin(" 4006381-333931 ") == "4006381333931"
    assert normalize_gtin("0 36000 29145 2") == "036000291452"
    assert normalize_gtin("96385074") == "96385074"  # EAN-8
    with pytest.raises(InputError, match="check digit is wrong"):
        normalize_gtin("4006381333932")
    with pytest.raises(InputError, match="8, 12, 13 or 14 digits"):
        normalize_gtin("12345")
    with pytest.raises(InputError, match="8, 12, 13 or 14 digits"):
        normalize_gtin("ABC-123")
    with pytest.raises(InputError, match="scientific notation"):
        normalize_gtin("3.60003E+11")


def test_upc_a_and_its_ean_13_form_are_the_same_product() -> None:
    assert gtin_key("036000291452") == gtin_key("0036000291452")
    assert gtin_key("HP-SH01") == "HP-SH01"
