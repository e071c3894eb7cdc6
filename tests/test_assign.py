"""Tying shots to products: barcode slates, file names, bursts, by hand, and their precedence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from catalog_support import add_photo, add_product, code_image, load_rgb, paste_code, real_photos
from lookbook.errors import InputError
from lookbook.photos.ties import (
    BURST_SECONDS_SETTING,
    FILENAME_PATTERN_SETTING,
    assign_photos,
    resolve_photos,
    tie_photos,
    unassign_photos,
    unassigned_photos,
)
from lookbook.store.database import Store


@pytest.fixture(scope="module")
def garments() -> list[np.ndarray]:
    """Eight different real garment photos at 900 px."""
    paths = real_photos()
    return [load_rgb(paths[i], 900) for i in range(0, 40, 5)]


def slate(photo: np.ndarray, kind: str, text: str) -> np.ndarray:
    return paste_code(photo, code_image(kind, text), width_fraction=0.5, angle=8, blur=0.6)


def at(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"2026-03-02T{9 + hours:02d}:{minutes:02d}:{secs:06.3f}+00:00"


def ties(store: Store) -> dict[str, tuple[str | None, str | None]]:
    return {r[0]: (r[1], r[2]) for r in store.db.execute(
        "SELECT ph.original_name, pr.sku, ph.assigned_by FROM photos ph"
        " LEFT JOIN products pr ON pr.id = ph.product_id")}


def test_slates_tie_the_following_shots_until_the_next_slate_or_a_pause(store: Store,
                                                                       garments: list[np.ndarray]) -> None:
    add_product(store, "HP-SH01", sizes={"M": 2})
    store.db.execute("UPDATE stock SET barcode = '4006381333931' WHERE size = 'M'")  # a size's own code
    add_product(store, "NV-KN02")
    add_product(store, "CW-TS01", barcode_="036000291452")
    g = garments
    add_photo(store, slate(g[0], "EAN-13", "400638133393"), "IMG_0001.jpg", taken_at=at(0))
    add_photo(store, g[1], "IMG_0002.jpg", taken_at=at(6))
    add_photo(store, g[2], "IMG_0003.jpg", taken_at=at(12))
    add_photo(store, slate(g[3], "QR", "https://shop.example.com/p/NV-KN02?ref=tag"), "IMG_0004.jpg",
              taken_at=at(30))
    add_photo(store, g[4], "IMG_0005.jpg", taken_at=at(36))
    add_photo(store, slate(g[5], "EAN-13", "590123412345"), "IMG_0006.jpg", taken_at=at(50))  # unknown code
    add_photo(store, g[6], "IMG_0007.jpg", taken_at=at(55))
    add_photo(store, slate(g[7], "UPC-A", "03600029145"), "IMG_0008.jpg", taken_at=at(70))
    add_photo(store, g[1], "IMG_0009.jpg", taken_at=at(70 + 3600))  # an hour later: a new session

    report = tie_photos(store, actor="alex")

    assert report.scanned == 9
    assert ties(store) == {
        "IMG_0001.jpg": ("HP-SH01", "slate"), "IMG_0002.jpg": ("HP-SH01", "slate"),
        "IMG_0003.jpg": ("HP-SH01", "slate"), "IMG_0004.jpg": ("NV-KN02", "slate"),
        "IMG_0005.jpg": ("NV-KN02", "slate"), "IMG_0006.jpg": (None, None), "IMG_0007.jpg": (None, None),
        "IMG_0008.jpg": ("CW-TS01", "slate"), "IMG_0009.jpg": (None, None)}
    detail = dict(store.db.execute("SELECT original_name, assigned_detail FROM photos"))
    assert detail["IMG_0001.jpg"] == "slate: EAN-13 4006381333931 (size M)"
    assert detail["IMG_0002.jpg"] == "after slate IMG_0001.jpg (EAN-13 4006381333931 (size M))"
    slates = dict(store.db.execute("SELECT original_name, slate_code FROM photos WHERE slate_code IS NOT NULL"))
    assert slates == {"IMG_0001.jpg": "4006381333931", "IMG_0004.jpg": "https://shop.example.com/p/NV-KN02?ref=tag",
                      "IMG_0008.jpg": "036000291452"}
    assert any("IMG_0006.jpg" in p and "matches no product" in p for p in report.problems)
    left = {u.original_name: u.hint for u in unassigned_photos(store)}
    assert list(left) == ["IMG_0006.jpg", "IMG_0007.jpg", "IMG_0009.jpg"]
    assert "EAN-13 5901234123457 matches no product" in left["IMG_0006.jpg"]
    entry = store.db.execute("SELECT detail FROM audit_log WHERE action = 'photo.tie'").fetchone()
    assert json.loads(entry[0])["counts"]["slate"] == 6

    again = tie_photos(store, actor="alex")  # nothing new: nothing re-read, nothing changed
    assert (again.scanned, again.ties, again.unchanged) == (0, [], 6)


def test_file_names_tie_by_sku_with_a_configurable_pattern(store: Store, garments: list[np.ndarray]) -> None:
    add_product(store, "HP-SH01")
    add_product(store, "OS-TR02")
    add_product(store, "12345")
    add_photo(store, garments[0], "HP-SH01_front.jpg")
    add_photo(store, garments[1], "hp-sh01-2.jpg")  # any case, a shot number after the SKU
    add_photo(store, garments[2], "shoot 3 OS-TR02.JPG")
    add_photo(store, garments[3], "style 12345 back.jpg")
    add_photo(store, garments[4], "IMG_4411.jpg")

    tie_photos(store, actor="sam")

    assert ties(store) == {"HP-SH01_front.jpg": ("HP-SH01", "filename"), "hp-sh01-2.jpg": ("HP-SH01", "filename"),
                           "shoot 3 OS-TR02.JPG": ("OS-TR02", "filename"),
                           "style 12345 back.jpg": ("12345", "filename"), "IMG_4411.jpg": (None, None)}

    store.set_setting(FILENAME_PATTERN_SETTING, r"IMG_(?P<sku>\d+)")
    add_product(store, "4411")
    tie_photos(store, actor="sam")
    assert ties(store)["IMG_4411.jpg"] == ("4411", "filename")

    store.set_setting(FILENAME_PATTERN_SETTING, "(unclosed")
    with pytest.raises(InputError, match=r"setting assign.filename_pattern: '\(unclosed' is not a valid regular"):
        tie_photos(store, actor="sam")


def test_bursts_share_the_product_of_a_tied_shot(store: Store, garments: list[np.ndarray]) -> None:
    add_product(store, "HP-SH01")
    shirt = garments[2]
    nudged = np.clip(shirt.astype(np.int16) + 6, 0, 255).astype(np.uint8)  # the same frame, a touch brighter
    add_photo(store, shirt, "HP-SH01.jpg", taken_at=at(0))
    add_photo(store, nudged, "IMG_0101.jpg", taken_at=at(0.8))
    add_photo(store, np.roll(shirt, 4, axis=1), "IMG_0102.jpg", taken_at=at(1.5))
    add_photo(store, garments[5], "IMG_0103.jpg", taken_at=at(2.0))  # another garment, same second
    add_photo(store, nudged, "IMG_0104.jpg", taken_at=at(60))  # the same garment a minute later

    report = tie_photos(store, actor="sam")

    assert ties(store) == {"HP-SH01.jpg": ("HP-SH01", "filename"), "IMG_0101.jpg": ("HP-SH01", "burst"),
                           "IMG_0102.jpg": ("HP-SH01", "burst"), "IMG_0103.jpg": (None, None),
                           "IMG_0104.jpg": (None, None)}
    assert report.counts() == {"burst": 2, "filename": 1, "slate": 0, "hand": 0}

    store.set_setting(BURST_SECONDS_SETTING, 120)
    tie_photos(store, actor="sam")
    assert ties(store)["IMG_0104.jpg"] == (None, None)  # its neighbour in time (IMG_0103) is another garment


def test_bursts_follow_real_time_when_stored_offsets_differ(store: Store, garments: list[np.ndarray]) -> None:
    # An older library stored camera times with their own offsets: as text, 11:00+02:00 sorts after
    # 10:30+00:00 although it is an hour and a half earlier, which put another garment between
    # two shots of one burst.
    add_product(store, "HP-SH01")
    shirt = garments[2]
    add_photo(store, shirt, "HP-SH01.jpg", taken_at="2026-03-02T11:00:00+02:00")  # 09:00:00 UTC
    add_photo(store, np.roll(shirt, 3, axis=1), "IMG_0201.jpg", taken_at="2026-03-02T09:00:01+00:00")
    add_photo(store, garments[5], "IMG_0202.jpg", taken_at="2026-03-02T10:30:00+00:00")
    tie_photos(store, actor="sam")
    assert ties(store)["IMG_0201.jpg"] == ("HP-SH01", "burst")
    assert ties(store)["IMG_0202.jpg"] == (None, None)


def test_a_burst_of_two_products_is_reported_not_guessed(store: Store, garments: list[np.ndarray]) -> None:
    add_product(store, "AA-1")
    add_product(store, "BB-2")
    add_photo(store, garments[1], "AA-1.jpg", taken_at=at(0))
    add_photo(store, garments[1], "IMG_1.jpg", taken_at=at(0.5))
    add_photo(store, garments[1], "BB-2.jpg", taken_at=at(1.0))
    report = tie_photos(store, actor="sam")
    assert ties(store)["IMG_1.jpg"] == (None, None)
    assert any("several products (AA-1, BB-2)" in p for p in report.problems)


def test_precedence_hand_over_slate_over_filename_over_burst(store: Store, garments: list[np.ndarray]) -> None:
    add_product(store, "HP-SH01", barcode_="4006381333931")
    add_product(store, "OS-TR02")
    add_product(store, "NV-KN02")
    add_photo(store, slate(garments[0], "EAN-13", "400638133393"), "tag.jpg", taken_at=at(0))
    named = add_photo(store, garments[1], "OS-TR02.jpg", taken_at=at(10))   # after the slate: slate wins
    by_hand = add_photo(store, garments[2], "IMG_7.jpg", taken_at=at(20))
    assign_photos(store, [by_hand], "NV-KN02", actor="maria")

    tie_photos(store, actor="sam")

    t = ties(store)
    assert t["OS-TR02.jpg"] == ("HP-SH01", "slate")
    assert t["IMG_7.jpg"] == ("NV-KN02", "hand")  # automatic runs never undo a person's choice
    assert store.db.execute("SELECT assigned_detail FROM photos WHERE id = ?", [by_hand]).fetchone()[0] == "by maria"

    assign_photos(store, [named], "OS-TR02", actor="maria")
    tie_photos(store, actor="sam")
    assert ties(store)["OS-TR02.jpg"] == ("OS-TR02", "hand")


def test_assign_by_hand_resolves_photos_and_refuses_unknown_ones(store: Store, garments: list[np.ndarray]) -> None:
    add_product(store, "HP-SH01")
    first = add_photo(store, garments[0], "a.jpg")
    second = add_photo(store, garments[1], "b.jpg")
    sha = store.db.execute("SELECT sha256 FROM photos WHERE id = ?", [second]).fetchone()[0]
    assert resolve_photos(store, [str(first), sha[:10], "a.jpg"]) == [first, second]

    changes = assign_photos(store, [first, second], "hp-sh01", actor="alex")

    assert changes.photos and changes.products
    assert ties(store) == {"a.jpg": ("HP-SH01", "hand"), "b.jpg": ("HP-SH01", "hand")}
    entry = store.db.execute("SELECT actor, entity_id, detail FROM audit_log WHERE action = 'photo.assign'").fetchone()
    assert entry[0] == "alex" and json.loads(entry[2])["photo_ids"] == [first, second]

    with pytest.raises(InputError, match="SKU 'XX-9' is not in the catalog"):
        assign_photos(store, [first], "XX-9", actor="alex")
    with pytest.raises(InputError, match="'999' is no photo; 'nope.jpg' is no photo"):
        assign_photos(store, [999, "nope.jpg"], "HP-SH01", actor="alex")

    unassign_photos(store, [first], actor="alex")
    assert [u.id for u in unassigned_photos(store)] == [first]
