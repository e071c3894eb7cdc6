"""Card layouts as data: where a card's shots, brand header and captions go, read from JSON files.

A layout is a JSON object (see ``resources/layouts/*.json``, the built-ins)::

    {"name": "two-heroes", "title": "Two heroes side by side",
     "header": [x, y, w, h],                       # the brand's name (optional)
     "slots": [{"id": "left", "accepts": "hero", "box": [x, y, w, h]}, ...],
     "captions": [x, y, w, h],                     # product lines and the line of text (optional)
     "one_product": false}                         # every slot shows one product (its hero and details)

Boxes are fractions of the card's width and height, so one layout serves every output size
(:data:`OUTPUT_SIZES`: the X card, the e-mail body, a PDF page, square and portrait images);
a slot ``accepts`` a ``hero`` shot, a ``detail`` crop, or ``any``. Slots, header and captions
may not overlap or leave the card. Built-in layouts live with the program; a merchandiser saves
their own (from an existing one) into the library's ``layouts/`` folder, where the app and the
CLI find it by name. This module reads and checks data only: it never touches pixels.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lookbook.errors import InputError
from lookbook.store.library import Library

#: Where the built-in layouts are.
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "resources" / "layouts"
#: The library folder of layouts merchandisers saved.
LIBRARY_FOLDER = "layouts"
#: Every output a card is rendered for, with its size in pixels (width, height). The X card is
#: portrait (X shows a 4:5 image whole in a DM); the e-mail body 600 CSS pixels wide at 2x; a PDF
#: page A4 at 150 dpi; square and portrait for channels that want one.
OUTPUT_SIZES: dict[str, tuple[int, int]] = {
    "x": (1200, 1500),
    "email": (1200, 1600),
    "pdf": (1240, 1754),
    "square": (1080, 1080),
    "portrait": (1080, 1350),
}
#: The most bytes an output's image may have. X refuses DM images over 5 MB; e-mail keeps its body
#: light for phones (providers clip big messages); the others follow X.
# A small table of our own until the delivery Channel interface carries each channel's limits.
SIZE_LIMITS: dict[str, int] = {
    "x": 5 * 1024 * 1024,
    "email": 1024 * 1024,
    "pdf": 5 * 1024 * 1024,
    "square": 5 * 1024 * 1024,
    "portrait": 5 * 1024 * 1024,
}
ACCEPTS = ("hero", "detail", "any")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Slot:
    """A place for one picture on the card."""

    id: str
    accepts: str  # hero, detail or any
    box: Box  # x, y, w, h as fractions of the card

    def takes(self, kind: str) -> bool:
        """Return whether a picture of ``kind`` (``hero`` or a detail kind) may go here."""
        return self.accepts == "any" or (self.accepts == "hero") == (kind == "hero")

    def pixels(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """Return the slot as ``(left, top, width, height)`` pixels of a card of ``size``."""
        return _pixels(self.box, size)


@dataclass(frozen=True)
class Layout:
    """A card layout: its slots, brand header and caption area."""

    name: str
    title: str
    slots: tuple[Slot, ...]
    header: Box | None
    captions: Box | None
    one_product: bool = False
    builtin: bool = True

    def slot(self, slot_id: str) -> Slot:
        """Return the slot named ``slot_id``.

        :raises InputError: if the layout has no such slot.
        """
        for slot in self.slots:
            if slot.id == slot_id:
                return slot
        raise InputError(f"layout {self.name}: it has no slot '{slot_id}'; its slots are "
                         f"{', '.join(s.id for s in self.slots)}.")

    def as_json(self) -> dict[str, Any]:
        """Return the layout as its JSON file holds it."""
        data: dict[str, Any] = {"name": self.name, "title": self.title}
        if self.one_product:
            data["one_product"] = True
        if self.header is not None:
            data["header"] = list(self.header)
        data["slots"] = [{"id": s.id, "accepts": s.accepts, "box": list(s.box)} for s in self.slots]
        if self.captions is not None:
            data["captions"] = list(self.captions)
        return data


def _pixels(box: Box, size: tuple[int, int]) -> tuple[int, int, int, int]:
    w, h = size
    left, top = round(box[0] * w), round(box[1] * h)
    return left, top, round((box[0] + box[2]) * w) - left, round((box[1] + box[3]) * h) - top


def _box(value: object, where: str) -> Box:
    if (not isinstance(value, list) or len(value) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise InputError(f"{where}: write four numbers [x, y, width, height] as fractions of the card, "
                         "e.g. [0.04, 0.1, 0.45, 0.68].")
    x, y, w, h = (float(v) for v in value)
    if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h <= 1) or x + w > 1.0001 or y + h > 1.0001:
        raise InputError(f"{where} {value}: the box leaves the card; keep x, y >= 0, width and height > 0, "
                         "x + width <= 1 and y + height <= 1.")
    return x, y, w, h


def _overlap(a: Box, b: Box) -> bool:
    # A shared edge is not an overlap; a thousandth of the card is rounding in a hand-written file.
    eps = 1e-3
    return (a[0] + eps < b[0] + b[2] and b[0] + eps < a[0] + a[2]
            and a[1] + eps < b[1] + b[3] and b[1] + eps < a[1] + a[3])


def _name_and_title(data: dict[str, Any], source: str) -> tuple[str, str]:
    """Return the layout's name and title (the name when no title is given).

    :raises InputError: on a field a layout has not, or a bad name or title.
    """
    unknown = sorted(set(data) - {"name", "title", "header", "slots", "captions", "one_product"})
    if unknown:
        raise InputError(f"{source}: field '{unknown[0]}' is not a layout field; use name, title, header, slots, "
                         "captions or one_product.")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(f"{source}: name: write lower-case letters, digits and dashes (up to 48), "
                         "e.g. \"spring-two-up\".")
    title = data.get("title", name)
    if not isinstance(title, str) or not title.strip() or len(title) > 80:
        raise InputError(f"{source}: title: write a short title (up to 80 characters).")
    return name, title


def _slots(raw_slots: object, source: str) -> list[Slot]:
    """Return the layout's slots, each checked (its id unique among them).

    :raises InputError: naming the slot (``slots[n]``) and its field.
    """
    if not isinstance(raw_slots, list) or not 1 <= len(raw_slots) <= 12:
        raise InputError(f"{source}: slots: give a list of 1 to 12 slots, each {{\"id\", \"accepts\", \"box\"}}.")
    slots: list[Slot] = []
    for n, raw in enumerate(raw_slots):
        where = f"{source}: slots[{n}]"
        if not isinstance(raw, dict):
            raise InputError(f"{where}: a slot is an object {{\"id\", \"accepts\", \"box\"}}.")
        slot_id = raw.get("id")
        if not isinstance(slot_id, str) or not _NAME.match(slot_id):
            raise InputError(f"{where}.id: write lower-case letters, digits and dashes, e.g. \"hero\".")
        if any(s.id == slot_id for s in slots):
            raise InputError(f"{where}.id '{slot_id}': another slot has this id; give each slot its own.")
        accepts = raw.get("accepts", "any")
        if accepts not in ACCEPTS:
            raise InputError(f"{where}.accepts '{accepts}': choose one of {', '.join(ACCEPTS)}.")
        slots.append(Slot(slot_id, accepts, _box(raw.get("box"), f"{where}.box")))
    return slots


def _check_no_overlap(source: str, slots: list[Slot], header: Box | None, captions: Box | None) -> None:
    """Check that no two areas of the card (slots, header, captions) overlap.

    :raises InputError: naming the first two that do.
    """
    areas = [(f"slot '{s.id}'", s.box) for s in slots]
    areas += [(label, box) for label, box in (("header", header), ("captions", captions)) if box is not None]
    for i, (label_a, box_a) in enumerate(areas):
        for label_b, box_b in areas[i + 1:]:
            if _overlap(box_a, box_b):
                raise InputError(f"{source}: {label_a} overlaps {label_b}; move or shrink one of them.")


def parse_layout(data: object, source: str, *, builtin: bool = False) -> Layout:
    """Check a layout's JSON data and return it.

    :param source: what the data came from (a file name), named in every error.
    :raises InputError: naming the file, the field and what to write instead.
    """
    if not isinstance(data, dict):
        raise InputError(f"{source}: a layout is a JSON object with name, title and slots.")
    # The checks run in the order the fields are read in a file, so the first error named is the first to fix.
    name, title = _name_and_title(data, source)
    slots = _slots(data.get("slots"), source)
    header = _box(data["header"], f"{source}: header") if data.get("header") is not None else None
    captions = _box(data["captions"], f"{source}: captions") if data.get("captions") is not None else None
    _check_no_overlap(source, slots, header, captions)
    one_product = data.get("one_product", False)
    if not isinstance(one_product, bool):
        raise InputError(f"{source}: one_product: write true or false.")
    return Layout(name, title.strip(), tuple(slots), header, captions, one_product, builtin)


def load_layout_file(path: Path, *, builtin: bool = False) -> Layout:
    """Read and check one layout file.

    :raises InputError: naming the file (and line and column for bad JSON) and what to fix.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the layout ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: the layout is not UTF-8 text; save it as UTF-8 JSON.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}; fix the JSON.") from None
    return parse_layout(data, str(path), builtin=builtin)


def _library_dir(library: Library) -> Path:
    return library.root / LIBRARY_FOLDER


def list_layouts(library: Library | None = None) -> list[Layout]:
    """Return the built-in layouts, then those saved in ``library``, each by name.

    A saved layout file that is not valid is left out here (:func:`check_saved` names its problem).
    """
    found = {p.stem: load_layout_file(p, builtin=True) for p in sorted(BUILTIN_DIR.glob("*.json"))}
    layouts = [found[name] for name in BUILTIN_ORDER if name in found]
    layouts += [lay for name, lay in found.items() if name not in BUILTIN_ORDER]
    if library is not None:
        for path in sorted(_library_dir(library).glob("*.json")):
            try:
                layouts.append(load_layout_file(path))
            except InputError:
                continue
    return layouts


def check_saved(library: Library) -> list[str]:
    """Return one line per saved layout file that is not valid, naming what to fix."""
    problems = []
    for path in sorted(_library_dir(library).glob("*.json")):
        try:
            load_layout_file(path)
        except InputError as exc:
            problems.append(str(exc))
    return problems


#: The built-ins in the order they are offered.
BUILTIN_ORDER = ("hero-two-details", "two-heroes", "grid-2x2", "three-across", "six-up", "product-details",
                 "product-one-detail", "product-hero")


def get_layout(name: str, library: Library | None = None) -> Layout:
    """Return the layout called ``name`` (built-in or saved in ``library``).

    :raises InputError: if there is none.
    """
    for layout in list_layouts(library):
        if layout.name == name.strip().lower():
            return layout
    names = ", ".join(lay.name for lay in list_layouts(library))
    raise InputError(f"layout '{name}' does not exist; choose one of {names} (`lookbook layouts list`).")


def save_layout(library: Library, layout: Layout) -> Path:
    """Save a layout of a merchandiser's into the library (written whole, then renamed into place).

    :raises InputError: if a built-in layout has that name.
    """
    if (BUILTIN_DIR / f"{layout.name}.json").exists():
        raise InputError(f"layout '{layout.name}' is a built-in layout; save yours under another name.")
    folder = _library_dir(library)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{layout.name}.json"
    partial = target.with_suffix(f".partial-{os.getpid()}")
    partial.write_text(json.dumps(layout.as_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, target)
    return target


def derive_layout(base: Layout, name: str, title: str | None = None) -> Layout:
    """Return a copy of ``base`` under a new name (and title): a merchandiser's own layout starts from one.

    :raises InputError: if the name is not a valid layout name.
    """
    data = base.as_json()
    data["name"] = name.strip().lower()
    data["title"] = (title or f"{base.title} ({name})").strip()
    return parse_layout(data, f"layout '{name}'")
