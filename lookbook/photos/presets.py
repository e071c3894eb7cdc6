"""Style presets: how a product shot looks.

A preset is plain data (a frozen dataclass) so that it can be stored as JSON in the
``presets`` table, compared for render-cache invalidation, and sent to worker
processes. :data:`DEFAULT_PRESET` ships with the app.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from lookbook.errors import InputError
from lookbook.photos.details import DETAIL_KINDS

#: The aspect ratios a hero shot can have, as width:height.
ASPECTS = {"4:5": (4, 5), "1:1": (1, 1), "9:16": (9, 16)}
#: Background choices: a clean white sweep, a neutral grey, or the photo's own.
BACKGROUNDS = {"white": (255, 255, 255), "grey": (226, 226, 224), "keep": None}


@dataclass(frozen=True)
class Preset:
    """A style preset.

    :param name: shown in the app; unique in a library (case-insensitive).
    :param aspect: hero aspect, one of :data:`ASPECTS`.
    :param margin: space around the garment as a fraction of the hero's height (0..0.4).
    :param background: one of :data:`BACKGROUNDS`.
    :param normalise_exposure: brighten or darken so the background sits at a standard level (CIELAB lightness
        only; a* and b* are kept).
    :param normalise_white_balance: remove a colour cast, only from neutral evidence in the photo (a barcode
        slate's paper, a near-neutral background; see :mod:`lookbook.photos.colour`). A white point a person picked
        (the recipe's ``neutral``) is used whatever this says.
    :param hero_size: the hero's long side in pixels at most; never upscaled past the photo's own detail.
    :param detail_size: detail crops' side in pixels at most.
    :param details: which detail crops to make: ``"auto"`` follows the product's category (collar
        and cuff for shirts, long sleeves and outerwear; waistband and hem for trousers, shorts
        and skirts; neckline and hem for dresses and T-shirts; none for shoes and hats),
        ``"none"`` makes none, and up to two kinds of :data:`~lookbook.photos.details.DETAIL_KINDS`
        separated by a comma (``"collar,cuff"``) are made for every photo, shoes and hats included.
    :param thumb_size: the thumbnail's long side in pixels.
    :param caption: optional brand caption printed in the bottom margin of the hero.
    :param jpeg_quality: JPEG quality of the written files (1..100).
    """

    name: str = "Default"
    aspect: str = "4:5"
    margin: float = 0.06
    background: str = "white"
    normalise_exposure: bool = True
    normalise_white_balance: bool = True
    hero_size: int = 1350
    detail_size: int = 600
    details: str = "auto"
    thumb_size: int = 256
    caption: str = ""
    jpeg_quality: int = 90

    def __post_init__(self) -> None:
        if isinstance(self.details, str):
            # One spelling per choice, so that equal settings give equal presets (and render keys).
            object.__setattr__(self, "details", ",".join(k.strip() for k in self.details.casefold().split(",")))
        problems = []
        if self.aspect not in ASPECTS:
            problems.append(f"aspect must be one of {', '.join(ASPECTS)}, not {self.aspect!r}")
        if self.background not in BACKGROUNDS:
            problems.append(f"background must be one of {', '.join(BACKGROUNDS)}, not {self.background!r}")
        if not 0.0 <= float(self.margin) <= 0.4:
            problems.append(f"margin must be between 0 and 0.4, not {self.margin!r}")
        for name in ("hero_size", "detail_size", "thumb_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 32 <= value <= 8000:
                problems.append(f"{name} must be a whole number of pixels from 32 to 8000, not {value!r}")
        if not isinstance(self.jpeg_quality, int) or not 1 <= self.jpeg_quality <= 100:
            problems.append(f"jpeg_quality must be 1..100, not {self.jpeg_quality!r}")
        problems.extend(_detail_problems(self.details))
        if not str(self.name).strip():
            problems.append("name must not be empty")
        if problems:
            raise InputError(f"preset {self.name!r}: " + "; ".join(problems))

    @property
    def aspect_ratio(self) -> float:
        """Return width / height of the hero."""
        w, h = ASPECTS[self.aspect]
        return w / h

    @property
    def background_rgb(self) -> tuple[int, int, int] | None:
        """Return the background colour, or ``None`` to keep the photo's."""
        return BACKGROUNDS[self.background]

    def to_dict(self) -> dict[str, Any]:
        """Return the preset as plain JSON-able data."""
        return asdict(self)

    def to_json(self) -> str:
        """Return the preset as canonical JSON (sorted keys: equal presets give equal text)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preset:
        """Build a preset from stored data; unknown keys (from a newer version) are ignored.

        :raises InputError: if a value is out of range.
        """
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> Preset:
        """Build a preset from :meth:`to_json` text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"preset settings are not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InputError("preset settings must be a JSON object")
        return cls.from_dict(data)

    def with_changes(self, **changes: Any) -> Preset:
        """Return a copy with some settings changed (validated)."""
        return replace(self, **changes)


def _detail_problems(value: object) -> list[str]:
    if not isinstance(value, str):
        return [f"details must be text ('auto', 'none' or kinds such as 'collar,cuff'), not {value!r}"]
    if value in ("auto", "none"):
        return []
    kinds = [k.strip() for k in value.split(",")]
    unknown = [k for k in kinds if k not in DETAIL_KINDS]
    if unknown or not 1 <= len(kinds) <= 2 or len(set(kinds)) != len(kinds):
        return [f"details must be 'auto', 'none' or one or two different kinds of {', '.join(DETAIL_KINDS)} "
                f"separated by a comma, not {value!r}"]
    return []


#: The preset a new library starts with.
DEFAULT_PRESET = Preset()
