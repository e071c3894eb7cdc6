"""Photos that are not what they claim, or too big to decode: refused by name, within a memory bound (issue 13)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Generator
from pathlib import Path

import numpy as np
import pytest
from PIL import EpsImagePlugin, Image

import lookbook.photos.imaging
from lookbook.photos.imaging import PhotoError, load_photo, probe_size
from lookbook.photos.importer import ImportReport, PhotoProgress, import_photos
from lookbook.progress import run_to_end
from lookbook.store.database import Store

#: A minimal EPS document: what Pillow hands to Ghostscript when it is allowed to.
EPS = b"""%!PS-Adobe-3.0 EPSF-3.0
%%BoundingBox: 0 0 100 100
%%EndComments
newpath 10 10 moveto 90 90 lineto stroke
showpage
%%EOF
"""


@pytest.fixture
def ghostscript(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Stand in for an installed Ghostscript that renders any PostScript; return the list of its calls."""
    calls: list[object] = []

    def fake_ghostscript(tile: object, size: object, fp: object, *args: object, **kwargs: object) -> Image.core:
        calls.append(fp)
        return Image.new("RGB", (100, 100), (255, 255, 255)).im

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", fake_ghostscript)
    monkeypatch.setattr(EpsImagePlugin, "has_ghostscript", lambda: True)
    return calls


def _other_formats(folder: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    files = {"PostScript": folder / "invoice.jpg", "GIF": folder / "anim.jpg", "BMP": folder / "scan.jpg"}
    files["PostScript"].write_bytes(EPS)
    Image.new("RGB", (50, 40), (200, 30, 30)).save(files["GIF"], "GIF")
    Image.new("RGB", (50, 40), (200, 30, 30)).save(files["BMP"], "BMP")
    return files


def test_only_the_listed_formats_are_decoded(tmp_path: Path, ghostscript: list[object]) -> None:
    for kind, path in _other_formats(tmp_path).items():
        with pytest.raises(PhotoError) as info:
            load_photo(path)
        message = str(info.value)
        assert str(path) in message and f"a {kind} file" in message and "skipped" in message
        with pytest.raises(PhotoError, match=kind):
            probe_size(path)
    assert ghostscript == []


def _run(steps: Generator[PhotoProgress, None, ImportReport]) -> ImportReport:
    return run_to_end(steps)


def test_import_names_and_skips_files_in_other_formats(store: Store, tmp_path: Path,
                                                       ghostscript: list[object]) -> None:
    files = _other_formats(tmp_path / "shoot")
    report = _run(import_photos(store, [tmp_path / "shoot"], actor="alex", workers=1))
    reasons = {o.path.name: o.reason for o in report.failed}
    assert set(reasons) == {p.name for p in files.values()}
    for kind, path in files.items():
        assert f"a {kind} file" in str(reasons[path.name])
    assert store.db.execute("SELECT count(*) FROM photos").fetchone()[0] == 0
    assert ghostscript == []


def test_a_photo_over_pillows_own_limit_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pillow raises on its own above twice MAX_IMAGE_PIXELS; that used to end in a NameError.
    path = tmp_path / "bomb.png"
    Image.new("L", (300, 300)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    for call in (load_photo, probe_size):
        with pytest.raises(PhotoError) as info:
            call(path, max_pixels=1_000_000)
        assert str(path) in str(info.value) and "too many pixels" in str(info.value)


def test_formats_that_decode_whole_are_held_to_the_memory_budget(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    rgb = np.random.default_rng(3).integers(0, 255, (400, 600, 3), np.uint8)
    Image.fromarray(rgb).save(tmp_path / "big.png")
    Image.fromarray(rgb).save(tmp_path / "big.tif")
    Image.fromarray(rgb).save(tmp_path / "big.jpg")
    Image.fromarray(rgb).convert("L").save(tmp_path / "grey.png")
    # 600 x 400 colour is 960,000 bytes in Pillow: over a budget of 500,000; grey (240,000) is not.
    monkeypatch.setattr(lookbook.photos.imaging, "FULL_DECODE_BUDGET", 500_000)
    for name in ("big.png", "big.tif"):
        with pytest.raises(PhotoError) as info:
            load_photo(tmp_path / name, min_long=100)
        assert name in str(info.value) and "too large to decode in memory" in str(info.value)
        assert "600 x 400" in str(info.value) and "Save it as JPEG" in str(info.value)
    assert load_photo(tmp_path / "big.jpg", min_long=100).rgb.shape[1] >= 100  # JPEG decodes reduced
    assert load_photo(tmp_path / "grey.png").rgb.shape == (400, 600, 3)


def test_png_is_reduced_as_soon_as_it_is_decoded(tmp_path: Path) -> None:
    rgb = np.kron(np.random.default_rng(4).integers(0, 255, (40, 60, 3), np.uint8), np.ones((10, 10, 1), np.uint8))
    Image.fromarray(rgb).save(tmp_path / "p.png")
    full, reduced = load_photo(tmp_path / "p.png"), load_photo(tmp_path / "p.png", min_long=150)
    assert full.scale == 1.0 and reduced.scale == 0.25 and reduced.rgb.shape == (100, 150, 3)
    assert reduced.original_size == full.original_size == (600, 400)
    assert np.abs(reduced.rgb.astype(int) - full.rgb[::4, ::4].astype(int)).mean() < 20


# VmHWM, not ru_maxrss: a child's ru_maxrss starts from its parent's resident set at fork, and pytest's is
# large; VmHWM belongs to the memory the child's own program maps.
_PEAK = textwrap.dedent("""
    import re, sys
    from pathlib import Path
    from lookbook.photos.imaging import load_photo
    def hwm():
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024
    before = hwm()
    load_photo(sys.argv[1], min_long=2400)
    print(hwm() - before)
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from Linux's /proc")
def test_peak_memory_of_a_large_png_is_its_pixels_once(tmp_path: Path) -> None:
    # 24 MP of colour: Pillow holds 96 MB. Decoding used to take several copies of it (conversion,
    # numpy, compositing); now the peak above the interpreter's is the decoded image once, plus a little.
    path = tmp_path / "large.png"
    w, h = 6000, 4000
    im = Image.new("RGB", (w, h), (230, 230, 225))
    im.paste((40, 50, 90), (1500, 1000, 4500, 3000))
    im.save(path, compress_level=1)
    del im
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, check=True,
                         cwd=Path(lookbook.photos.imaging.__file__).parents[1])
    growth = int(out.stdout.strip())
    stored = w * h * 4
    assert growth < stored * 1.3, f"peak grew by {growth / 2**20:.0f} MB for a {stored / 2**20:.0f} MB image"
