"""True colour: white balance only from neutral evidence, exposure on lightness only, big shifts flagged.

Each scene is a synthetic photo written as a JPEG and put through the real pipeline
(:func:`lookbook.photos.pipeline.process_one`, as an import or ``lookbook render`` does); the hero it
writes is read back and the garment's colour measured in the middle of the hero (the hero
frame is centred on the garment).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from catalog_support import code_image
from lookbook.photos import colour
from lookbook.photos.pipeline import process_one
from lookbook.photos.presets import DEFAULT_PRESET

GREY = (128, 128, 128)


def _scene(background: tuple[int, int, int], garment: tuple[int, int, int] = GREY, seed: int = 3) -> np.ndarray:
    """Return a 480 x 600 photo: a T-shirt laid on a textured background (bed, floor, wall)."""
    rng = np.random.default_rng(seed)
    h, w = 600, 480
    img = np.empty((h, w, 3), np.float32)
    img[:] = background
    img += rng.normal(0, 5, (h, w, 1))  # fabric or grain texture, the same in every channel
    shirt = np.zeros((h, w), np.uint8)
    cv2.rectangle(shirt, (140, 150), (340, 480), 255, -1)  # body
    cv2.fillConvexPoly(shirt, np.array([[140, 150], [70, 230], [110, 270], [140, 240]]), 255)  # sleeves
    cv2.fillConvexPoly(shirt, np.array([[340, 150], [410, 230], [370, 270], [340, 240]]), 255)
    cv2.ellipse(shirt, (240, 150), (40, 18), 0, 0, 180, 0, -1)  # neckline
    fabric = np.float32(garment) + rng.normal(0, 3, (h, w, 1)).astype(np.float32)
    img[shirt > 0] = fabric[shirt > 0]
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def _cast(img: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """Return ``img`` as if lit by coloured light: linear-light channel gains on the whole frame."""
    lin = (img.astype(np.float64) / 255.0) ** 2.2
    return np.clip(((lin * np.array(gains)) ** (1 / 2.2)) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _render(tmp_path: Path, img: np.ndarray, name: str = "shot", **kw: object) -> tuple[np.ndarray, object]:
    path = tmp_path / f"{name}.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    result = process_one(path, tmp_path / "out", DEFAULT_PRESET, **kw)
    hero = cv2.cvtColor(cv2.imread(str(result.outputs["hero"])), cv2.COLOR_BGR2RGB)
    return hero, result


def _middle_ab(img: np.ndarray, share: float = 0.2) -> np.ndarray:
    h, w = img.shape[:2]
    y0, y1, x0, x1 = int(h * (0.5 - share / 2)), int(h * (0.5 + share / 2)), int(w * (0.5 - share / 2)), \
        int(w * (0.5 + share / 2))
    ab = colour.median_ab(img[y0:y1, x0:x1].reshape(-1, 3))
    assert ab is not None
    return ab


def _garment_ab(img: np.ndarray) -> np.ndarray:
    """Return the median a*b* of the middle of the synthetic T-shirt in an original scene."""
    ab = colour.median_ab(img[280:360, 200:280].reshape(-1, 3))
    assert ab is not None
    return ab


BACKGROUNDS = {"purple bed": (120, 70, 140), "brown floor": (120, 85, 60), "green wall": (110, 150, 100),
               "orange sheet": (230, 150, 70)}


@pytest.mark.parametrize("name", list(BACKGROUNDS))
def test_grey_garment_stays_grey_on_a_coloured_background(tmp_path: Path, name: str) -> None:
    img = _scene(BACKGROUNDS[name])
    hero, result = _render(tmp_path, img)
    shift = float(np.hypot(*(_middle_ab(hero) - _garment_ab(img))))
    assert shift <= 2.0, f"grey on {name} moved by {shift:.1f} (a*b* now {_middle_ab(hero)})"
    assert result.colour_source == "none" and result.colour_shift <= 2.0 and not result.needs_review


def test_a_real_cast_on_a_neutral_wall_is_still_corrected(tmp_path: Path) -> None:
    # A grey wall and grey T-shirt under slightly warm light: the whole frame is tinted alike.
    img = _cast(_scene((200, 200, 200)), (1.08, 1.0, 0.91))
    before = _garment_ab(img)
    assert np.hypot(*before) > 3.0  # there is a visible cast to remove
    hero, result = _render(tmp_path, img)
    after = _middle_ab(hero)
    assert result.colour_source == "background"
    assert np.hypot(*after) < 1.5, f"grey came back as a*b* {after} (was {before})"


def test_a_beige_wall_is_not_taken_for_a_cast(tmp_path: Path) -> None:
    # A beige wall under neutral light is beige: nothing says it is a grey wall under warm light.
    img = _scene((225, 205, 175), garment=(60, 90, 160))
    hero, result = _render(tmp_path, img)
    assert result.colour_source == "none"
    assert np.hypot(*(_middle_ab(hero) - _garment_ab(img))) <= 2.0


def _with_slate(img: np.ndarray) -> np.ndarray:
    """Return the scene with a white barcode slate lying in a corner, beside the garment."""
    code = code_image("EAN-13", "400638133393", module_px=3)
    card = np.full((code.shape[0] + 20, code.shape[1] + 20), 255, np.uint8)
    card[10:-10, 10:-10] = code
    card = (card.astype(np.float32) * (215 / 255)).astype(np.uint8)  # paper exposed as paper is, not clipped
    card = cv2.resize(card, None, fx=240 / card.shape[1], fy=0.6 * 240 / card.shape[1], interpolation=cv2.INTER_AREA)
    out = img.copy()
    out[595 - card.shape[0]:595, 235:235 + card.shape[1]] = card[:, :, None]
    return out


def test_a_slate_in_the_frame_gives_white_balance_for_a_strong_cast(tmp_path: Path) -> None:
    # Strong tungsten light on a grey floor: too strong to tell from a beige floor by itself, but
    # the slate's paper is white, so the cast is known.
    img = _cast(_with_slate(_scene((150, 150, 150))), (1.35, 1.0, 0.65))
    assert colour.slate_paper(img) is not None
    before = _garment_ab(img)
    assert np.hypot(*before) > 8.0
    hero, result = _render(tmp_path, img)
    assert result.colour_source == "slate"
    assert np.hypot(*_middle_ab(hero)) < 2.5, f"grey came back as {_middle_ab(hero)} (was {before})"


def test_striped_fabric_is_not_a_slate() -> None:
    # Narrow black and cream stripes filling the garment can decode as a (valid!) EAN-8: they are not paper.
    img = _scene((150, 120, 100), garment=(235, 225, 200))
    for y in range(150, 480, 12):
        img[y:y + 6, 140:340] = (30, 30, 40)
    assert colour.slate_paper(img) is None


def test_a_picked_neutral_point_corrects_and_a_big_shift_is_flagged(tmp_path: Path) -> None:
    img = _cast(_scene((190, 190, 190)), (1.35, 1.0, 0.65))
    hero, result = _render(tmp_path, img, "kept")
    assert result.colour_source == "none"  # too strong a cast to tell from a beige wall: kept
    wall = (30.0, 40.0)
    hero, result = _render(tmp_path, img, "picked", neutral=wall)
    assert result.colour_source == "picked"
    assert np.hypot(*_middle_ab(hero)) < 2.5
    # The garment moved far from the photo's colour: a person must compare them, so it is flagged.
    assert result.colour_shift > colour.REVIEW_SHIFT and result.needs_review


def test_a_neutral_point_off_the_photo_is_a_clear_error(tmp_path: Path) -> None:
    from lookbook.errors import InputError

    with pytest.raises(InputError, match="neutral point .* lies off the photo"):
        _render(tmp_path, _scene((190, 190, 190)), neutral=(5000.0, 10.0))


def test_exposure_changes_lightness_not_colour(tmp_path: Path) -> None:
    # A dim grey room: exposure is evened out (the hero is lighter) but a*b* of a coloured garment stay.
    img = _scene((120, 120, 120), garment=(150, 60, 60))
    hero, result = _render(tmp_path, img)
    h, w = hero.shape[:2]
    lab_before = colour.to_lab(img[280:360, 200:280].reshape(-1, 3))
    lab_after = colour.to_lab(hero[int(h * 0.4):int(h * 0.6), int(w * 0.4):int(w * 0.6)].reshape(-1, 3))
    assert np.median(lab_after[:, 0]) > np.median(lab_before[:, 0]) + 5  # brighter
    assert np.hypot(*(_middle_ab(hero) - _garment_ab(img))) <= 2.0


def test_the_shift_is_measured_at_render_time(tmp_path: Path) -> None:
    # The renderer's own measure agrees with one taken on the files (within JPEG noise).
    img = _cast(_scene((200, 200, 200)), (1.08, 1.0, 0.91))
    hero, result = _render(tmp_path, img)
    measured = float(np.hypot(*(_middle_ab(hero) - _garment_ab(img))))
    assert result.colour_shift == pytest.approx(measured, abs=1.0)


# -- the neutral point in the recipe, the review flag in the library, the command line ---------------------------


def _import_cast_photo(tmp_path: Path, library: Path) -> Path:
    """Write a grey T-shirt on a grey wall under strong warm light (too strong to correct unaided)."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    img = _cast(_scene((190, 190, 190)), (1.35, 1.0, 0.65))
    cv2.imwrite(str(shoot / "warm.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    return shoot


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from lookbook.store.database import create_store
    from lookbook.store.users import create_user

    store = create_store(tmp_path / "lib")
    create_user(store, "sam", "secret-pass-1", "merchandiser")
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass-1")
    return tmp_path / "lib"


def _hero_ab(library: Path) -> np.ndarray:
    hero = next((library / "renders").rglob("*-hero.jpg"))
    return _middle_ab(cv2.cvtColor(cv2.imread(str(hero)), cv2.COLOR_BGR2RGB))


def test_neutral_point_from_the_command_line_is_kept_in_the_recipe_and_flags_a_big_shift(
        tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.photos.recipes import pending_renders, photo_detail, recipe_key
    from lookbook.store.database import open_store
    from lookbook.store.library import Library

    def lookbook(*argv: str) -> int:
        return main(["--library", str(library), "--as", "sam", *argv])

    assert lookbook("photos", "import", "--workers", "1", str(_import_cast_photo(tmp_path, library))) == 0
    warm = _hero_ab(library)
    assert np.hypot(*warm) > 8  # kept as shot: nothing said the wall is grey
    store = open_store(Library.locate(library))
    try:
        row = store.db.execute("SELECT needs_review, colour_shift FROM photos").fetchone()
        assert row == (0, pytest.approx(0, abs=2))
    finally:
        store.close()
    capsys.readouterr()

    assert lookbook("photos", "neutral", "warm.jpg", "20", "30") == 0
    out = capsys.readouterr().out
    assert "white balance from the point (20, 30)" in out and "flagged for review" in out
    assert np.hypot(*_hero_ab(library)) < 2.5  # the grey is grey again
    store = open_store(Library.locate(library))
    try:
        detail = photo_detail(store, 1)
        assert detail.neutral == (20.0, 30.0) and json.loads(detail.rendered_recipe or "{}")["neutral"] == [20, 30]
        assert detail.needs_review and detail.colour_needs_review and (detail.colour_shift or 0) > 10
        assert pending_renders(store) == []  # the render is up to date with its recipe
        assert "neutral" in recipe_key(detail, DEFAULT_PRESET)
        actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'photo'")]
        assert actions[-2:] == ["photo.neutral", "photo.render"]
    finally:
        store.close()

    capsys.readouterr()
    assert lookbook("render", "warm.jpg", "--json") == 0
    out, err = capsys.readouterr()
    assert "rendered warm.jpg (check its colour: the hero moved it by" in err
    assert json.loads(out)["needs_review"] is True and json.loads(out)["colour_shift"] > 10

    assert lookbook("photos", "neutral", "warm.jpg", "--clear") == 0
    assert np.hypot(*(_hero_ab(library) - warm)) < 1.5  # back to the photo's own colour
    store = open_store(Library.locate(library))
    try:
        assert photo_detail(store, 1).neutral is None
        assert json.loads(store.db.execute("SELECT recipe FROM photos").fetchone()[0]) == {}
    finally:
        store.close()

    capsys.readouterr()
    assert lookbook("photos", "neutral", "warm.jpg", "5000", "3") == 1
    assert "neutral point (5000, 3) lies off the photo (480 x 600 pixels)" in capsys.readouterr().err
    assert lookbook("photos", "neutral", "warm.jpg") == 1
    assert "give the point as X Y" in capsys.readouterr().err


def test_render_records_the_shift_and_flags_the_photo(store: object) -> None:
    from lookbook.photos.pipeline import PhotoResult
    from lookbook.photos.recipes import mark_reviewed, photo_detail, record_render
    from lookbook.store.database import utcnow

    pid = int(store.db.execute(  # type: ignore[attr-defined]
        "INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at, garment_box, confidence)"
        " VALUES ('ab', 'x.jpg', 'x.jpg', 400, 400, ?, '[1, 1, 300, 300]', 0.9)", [utcnow()]).lastrowid)
    ok = PhotoResult(Path("x.jpg"), (1, 1, 300, 300), 0.9, False, "0", (400, 400), {"hero": Path("h.jpg")},
                     colour_shift=3.2, colour_source="background")
    record_render(store, pid, ok, "k1", "sam")  # type: ignore[arg-type]
    detail = photo_detail(store, pid)  # type: ignore[arg-type]
    assert detail.colour_shift == pytest.approx(3.2) and not detail.needs_review
    far = PhotoResult(Path("x.jpg"), (1, 1, 300, 300), 0.9, True, "0", (400, 400), {"hero": Path("h.jpg")},
                      colour_shift=12.5, colour_source="picked")
    record_render(store, pid, far, "k2", "sam")  # type: ignore[arg-type]
    detail = photo_detail(store, pid)  # type: ignore[arg-type]
    assert detail.needs_review and detail.colour_needs_review
    mark_reviewed(store, [pid], "sam")  # type: ignore[arg-type]
    assert not photo_detail(store, pid).needs_review  # type: ignore[arg-type]
