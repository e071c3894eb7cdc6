"""Decoding every supported input into upright sRGB, and refusing bad input by name."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image, ImageCms

from lookbook.errors import LookbookError
from lookbook.photos.imaging import PhotoError, content_hash, dhash, hamming, load_photo, probe_size
from photo_support import demo_photos


def _pattern(w: int = 60, h: int = 40) -> np.ndarray:
    """An asymmetric picture: red top-left corner block, blue elsewhere, so rotations are visible."""
    a = np.zeros((h, w, 3), np.uint8)
    a[:] = (20, 40, 200)
    a[: h // 3, : w // 3] = (230, 20, 20)
    return a


@pytest.mark.parametrize("fmt,suffix", [("PNG", ".png"), ("TIFF", ".tiff"), ("WEBP", ".webp"), ("JPEG", ".jpg")])
def test_common_formats_decode_to_rgb(tmp_path: Path, fmt: str, suffix: str) -> None:
    path = tmp_path / f"p{suffix}"
    Image.fromarray(_pattern()).save(path, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    dec = load_photo(path)
    assert dec.rgb.shape == (40, 60, 3) and dec.rgb.dtype == np.uint8
    assert dec.alpha is None and dec.scale == 1.0 and dec.original_size == (60, 40)
    assert dec.rgb[2, 2, 0] > 180 and dec.rgb[-2, -2, 2] > 160


def test_heic(tmp_path: Path) -> None:
    path = tmp_path / "p.heic"
    heif = pillow_heif.from_pillow(Image.fromarray(_pattern()))
    heif.save(path, quality=95)
    dec = load_photo(path)
    assert dec.rgb.shape == (40, 60, 3)
    assert dec.rgb[2, 2, 0] > 150 and dec.rgb[-2, -2, 2] > 130


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "rot.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned; display rotated 90 degrees clockwise
    Image.fromarray(_pattern()).save(path, exif=exif, quality=95)
    dec = load_photo(path)
    assert dec.rgb.shape == (60, 40, 3)
    assert dec.original_size == (40, 60) == probe_size(path)
    # The red corner block (top-left when stored) is top-right once upright.
    assert dec.rgb[2, -3, 0] > 180 and dec.rgb[2, 2, 2] > 150


def test_cmyk_is_converted(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(_pattern()).convert("CMYK").save(path, quality=95)
    dec = load_photo(path)
    assert dec.rgb.shape == (40, 60, 3)
    assert dec.rgb[2, 2, 0] > 150 and dec.rgb[2, 2, 2] < 100


def test_sixteen_bit_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = tmp_path / "g16.png"
    grey = np.full((20, 30), 32768, np.uint16)  # half range: must become ~128, not 255
    Image.fromarray(grey).save(path)
    dec = load_photo(path)
    assert dec.rgb.shape == (20, 30, 3)
    assert 120 <= int(dec.rgb[0, 0, 0]) <= 136


def test_palette_with_transparency_and_alpha(tmp_path: Path) -> None:
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., :3] = (10, 200, 10)
    rgba[5:15, 5:15, 3] = 255  # opaque square on a transparent ground
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    dec = load_photo(tmp_path / "a.png")
    assert dec.alpha is not None and dec.alpha[10, 10] == 255 and dec.alpha[0, 0] == 0
    assert tuple(dec.rgb[0, 0]) == (255, 255, 255)  # transparent composited on white
    assert dec.rgb[10, 10, 1] > 150

    pal = Image.fromarray(rgba, "RGBA").convert("P", palette=Image.Palette.ADAPTIVE)
    pal.info["transparency"] = 0
    pal.save(tmp_path / "p.png", transparency=0)
    assert load_photo(tmp_path / "p.png").rgb.shape == (20, 20, 3)


def test_embedded_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    # A LAB-based profile would be exotic; a greyish sRGB variant is enough to prove the
    # transform runs: an sRGB profile must leave pixels as they are.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(_pattern()).save(tmp_path / "icc.png", icc_profile=srgb)
    dec = load_photo(tmp_path / "icc.png")
    assert np.abs(dec.rgb.astype(int) - _pattern().astype(int)).max() <= 2


def test_reduced_decode_reports_scale() -> None:
    path = demo_photos("shirt")[0]
    full = load_photo(path)
    half = load_photo(path, min_side=150)
    assert half.scale < 1.0 and half.rgb.shape[1] == round(full.rgb.shape[1] * half.scale)
    assert min(half.rgb.shape[:2]) >= 150
    assert half.original_size == full.original_size


@pytest.mark.parametrize("make,reason", [
    (lambda p: p.write_bytes(b"this is not an image at all"), "not an image"),
    (lambda p: p.write_bytes(b""), "not an image"),
    (lambda p: p.write_bytes(demo_photos("shirt")[0].read_bytes()[:3000]), "truncated"),
])
def test_bad_files_raise_photo_error_naming_the_file(tmp_path: Path, make, reason: str) -> None:
    path = tmp_path / "bad.jpg"
    make(path)
    with pytest.raises(PhotoError) as info:
        load_photo(path)
    assert str(path) in str(info.value) and reason in str(info.value)
    assert isinstance(info.value, LookbookError)


def test_corrupt_middle_of_png(tmp_path: Path) -> None:
    buf = io.BytesIO()
    noise = np.random.default_rng(1).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buf, "PNG")  # noise: a long IDAT stream to damage
    data = bytearray(buf.getvalue())
    middle = len(data) // 2
    data[middle:middle + 400] = b"\x00" * 400
    (tmp_path / "c.png").write_bytes(bytes(data))
    with pytest.raises(PhotoError, match="c.png"):
        load_photo(tmp_path / "c.png")


def test_missing_folder_and_bomb(tmp_path: Path) -> None:
    with pytest.raises(PhotoError, match="no such file"):
        load_photo(tmp_path / "nope.jpg")
    with pytest.raises(PhotoError, match="folder"):
        load_photo(tmp_path)
    Image.new("L", (2000, 2000)).save(tmp_path / "big.png")
    with pytest.raises(PhotoError, match="decompression bomb"):
        load_photo(tmp_path / "big.png", max_pixels=1_000_000)
    assert load_photo(tmp_path / "big.png", max_pixels=5_000_000).rgb.shape == (2000, 2000, 3)


def test_hashes(tmp_path: Path) -> None:
    photos = demo_photos("t-shirt")[:2]
    a = load_photo(photos[0]).rgb
    shifted = np.clip(a.astype(int) + 12, 0, 255).astype(np.uint8)  # a burst shot: a touch brighter
    assert hamming(dhash(a), dhash(shifted)) <= 6
    assert hamming(dhash(a), dhash(load_photo(photos[1]).rgb)) > 10
    (tmp_path / "copy.jpg").write_bytes(photos[0].read_bytes())
    assert content_hash(tmp_path / "copy.jpg") == content_hash(photos[0])


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_jpeg_fast_path_matches_pillow_upright_and_reduced(tmp_path: Path, orientation: int) -> None:
    # The OpenCV decode (plain sRGB JPEGs) and the Pillow decode (everything else) must agree
    # on turning, scale and pixels; a trailing block after the JPEG's end sends the file the
    # Pillow way, so comparing the two files compares the two paths.
    big = np.kron(_pattern(), np.ones((10, 10, 1), np.uint8))  # 600 x 400
    exif = Image.Exif()
    exif[0x0112] = orientation
    fast, slow = tmp_path / "fast.jpg", tmp_path / "slow.jpg"
    Image.fromarray(big).save(fast, exif=exif, quality=95)
    slow.write_bytes(fast.read_bytes() + b"MOTION-PHOTO-VIDEO" * 10)
    a, b = load_photo(fast, min_side=100), load_photo(slow, min_side=100)
    assert a.rgb.shape == b.rgb.shape and a.scale == b.scale == 0.25
    assert a.original_size == b.original_size == ((400, 600) if orientation in (6, 8) else (600, 400))
    assert np.abs(a.rgb.astype(int) - b.rgb.astype(int)).mean() < 2.0
    red_corner = {3: (-3, -3), 6: (2, -3), 8: (-3, 2)}[orientation]
    assert a.rgb[red_corner][0] > 180


def test_jpeg_with_foreign_colour_profile_goes_through_the_profile(tmp_path: Path, monkeypatch) -> None:
    # Not sRGB: the fast path must step aside so that the profile is converted.
    import lookbook.photos.imaging as imaging

    asked: list[str] = []
    monkeypatch.setattr(imaging, "_icc_transform", lambda icc, mode: asked.append(mode))
    path = tmp_path / "lab.jpg"
    Image.fromarray(_pattern()).save(path, quality=95,
                                     icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes())
    srgb = tmp_path / "srgb.jpg"
    Image.fromarray(_pattern()).save(srgb, quality=95,
                                     icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    assert load_photo(srgb).rgb.shape == (40, 60, 3) and asked == []
    assert load_photo(path).rgb.shape == (40, 60, 3) and asked == ["RGB"]
