"""The library's style presets: list, create, edit, rename, delete and choose the default.

Presets live in the ``presets`` table (the settings as :meth:`Preset.to_json` text); exactly one
is the default, which photos without a preset of their own are rendered with. A photo names its
preset in its recipe (``photos.recipe``), so renaming a preset rewrites those recipes and deleting
one moves its photos to the default, each in the same transaction as the change itself.

Renders are not redone here: a render's key holds the full preset settings, so an edit makes
:func:`lookbook.photos.recipes.pending_renders` return every photo using the preset, and ``lookbook render
--all`` (or the app's "Check All Photos") renders them. :func:`photos_using` says how many that is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.photos.presets import DEFAULT_PRESET, Preset
from lookbook.photos.recipes import _box, _point, pending_render_ids, render_key
from lookbook.store import roles
from lookbook.store.database import Store, inserted_id, utcnow

#: Roles that may change presets (everyone may read them and choose one for a photo).
PRESET_EDITOR_ROLES = roles.roles_for("presets.edit")  # from the role matrix
#: The settings a preset has besides its name, in the order forms and tables show them.
SETTINGS = tuple(f.name for f in fields(Preset) if f.name != "name")
#: The longest preset name: it has to fit a combo box and a table column.
NAME_MAX = 60


@dataclass(frozen=True)
class StoredPreset:
    """A preset as the library keeps it."""

    id: int
    preset: Preset
    is_default: bool
    updated_at: str

    @property
    def name(self) -> str:
        """Return the preset's name."""
        return self.preset.name

    def as_dict(self) -> dict[str, Any]:
        """Return JSON-ready data: the settings plus id, default flag and time of the last change."""
        return {"id": self.id, **self.preset.to_dict(), "is_default": self.is_default, "updated_at": self.updated_at}


@dataclass(frozen=True)
class PresetChange:
    """What a preset mutation did.

    :param preset: the preset after the change (``None`` after a delete).
    :param rerender: photos whose renders the change made stale (render them with ``lookbook render --all``).
    :param moved: photos whose recipe was rewritten (renamed to the new name, or moved to the default).
    """

    preset: StoredPreset | None
    changes: Changes
    rerender: int = 0
    moved: int = 0


def _stored(row: tuple) -> StoredPreset:
    preset_id, name, settings, is_default, updated_at = row
    # The name column is the truth (unique, case-insensitive); the JSON copy follows it.
    return StoredPreset(int(preset_id), Preset.from_json(settings).with_changes(name=name), bool(is_default),
                        updated_at)


_COLUMNS = "id, name, settings, is_default, updated_at"


def list_presets(store: Store) -> list[StoredPreset]:
    """Return the library's presets, the default first, then by name."""
    return [_stored(r) for r in store.db.execute(
        f"SELECT {_COLUMNS} FROM presets ORDER BY is_default DESC, name")]


def _names(store: Store) -> str:
    return ", ".join(p.name for p in list_presets(store)) or "none"


def get_preset(store: Store, which: str | int) -> StoredPreset:
    """Return the preset called ``which`` (any case), or with id ``which`` if it is an int.

    :raises InputError: if there is no such preset.
    """
    if isinstance(which, int):
        row = store.db.execute(f"SELECT {_COLUMNS} FROM presets WHERE id = ?", [which]).fetchone()
    else:
        row = store.db.execute(f"SELECT {_COLUMNS} FROM presets WHERE name = ? COLLATE NOCASE",
                               [str(which).strip()]).fetchone()
    if row is None:
        shown = f"preset {which}" if isinstance(which, int) else f"preset '{which}'"
        raise InputError(f"{shown} does not exist (it may have been deleted or renamed); choose one of "
                         f"{_names(store)}.")
    return _stored(row)


def default_preset(store: Store) -> StoredPreset | None:
    """Return the library's default preset (``None`` only in a library with no stored presets)."""
    row = store.db.execute(f"SELECT {_COLUMNS} FROM presets ORDER BY is_default DESC, name LIMIT 1").fetchone()
    return None if row is None else _stored(row)


def check_name(store: Store, name: str, *, exclude_id: int | None = None) -> str:
    """Return ``name`` trimmed, if a preset may have it.

    :param exclude_id: the preset being renamed (it may keep its own name in another case).
    :raises InputError: if the name is empty, too long, or another preset has it (in any case).
    """
    clean = " ".join(str(name).split())
    if not clean:
        raise InputError("preset name: must not be empty; use 1 to 60 characters, e.g. 'Square grey'.")
    if len(clean) > NAME_MAX:
        raise InputError(f"preset name: '{clean[:20]}…' is {len(clean)} characters long; use 1 to {NAME_MAX}.")
    row = store.db.execute("SELECT id, name FROM presets WHERE name = ? COLLATE NOCASE", [clean]).fetchone()
    if row is not None and row[0] != exclude_id:
        raise InputError(f"preset name: '{row[1]}' already exists (names are compared ignoring case); "
                         "choose another name.")
    return clean


def build_preset(base: Preset, name: str | None = None, **settings: Any) -> Preset:
    """Return ``base`` with ``settings`` changed (``None`` values leave a setting as it is).

    :raises InputError: naming the setting and the values it allows, for an unknown setting or a bad value.
    """
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise InputError(f"preset setting '{unknown[0]}' does not exist; the settings are {', '.join(SETTINGS)}.")
    changes: dict[str, Any] = {k: v for k, v in settings.items() if v is not None}
    if name is not None:
        changes["name"] = name
    for key in ("hero_size", "detail_size", "thumb_size", "jpeg_quality"):
        value = changes.get(key)
        if isinstance(value, float) and value.is_integer():
            changes[key] = int(value)
    if "margin" in changes:
        try:
            changes["margin"] = float(changes["margin"])
        except (TypeError, ValueError):
            raise InputError(f"preset margin: {changes['margin']!r} is not a number; use 0 to 0.4 "
                             "(a fraction of the hero's height: 0.06 is 6%).") from None
    for key in ("normalise_exposure", "normalise_white_balance"):
        if key in changes and not isinstance(changes[key], bool):
            raise InputError(f"preset {key}: {changes[key]!r} is not a yes/no value; use true or false.")
    if "caption" in changes:
        changes["caption"] = str(changes["caption"]).strip()
    return base.with_changes(**changes)


def effective_presets(store: Store) -> dict[int, int]:
    """Return each photo's effective preset id: the one its recipe names, else the default.

    A recipe naming a preset that no longer exists falls back to the default, as rendering does.
    """
    by_name = {p.name.casefold(): p.id for p in list_presets(store)}
    default = default_preset(store)
    default_id = default.id if default is not None else 0
    found = {}
    for photo_id, recipe in store.db.execute("SELECT id, recipe FROM photos ORDER BY id"):
        name = json.loads(recipe or "{}").get("preset")
        found[int(photo_id)] = by_name.get(str(name or "").casefold(), default_id)
    return found


def photos_using(store: Store, which: str | int) -> list[int]:
    """Return the photos rendered with the preset ``which`` (name or id): an edit of it re-renders them.

    :raises InputError: if there is no such preset.
    """
    preset_id = get_preset(store, which).id
    return [photo for photo, used in effective_presets(store).items() if used == preset_id]


def _audit(store: Store, actor: str, action: str, stored: StoredPreset, **detail: Any) -> None:
    store.audit(actor, action, "preset", stored.id, **detail)


def stale_renders(store: Store, photo_ids: list[int] | None = None) -> list[int]:
    """Return the photos (of ``photo_ids``, default all) whose renders differ from their recipe now.

    :func:`lookbook.photos.recipes.pending_render_ids`, narrowed: after a preset change, these are what
    ``lookbook render --all`` will redo.
    """
    stale = pending_render_ids(store)
    if photo_ids is None:
        return stale
    wanted = set(photo_ids)
    return [photo_id for photo_id in stale if photo_id in wanted]


def _changed(before: dict[int, int], after: dict[int, int]) -> list[int]:
    return [photo for photo, preset_id in after.items() if before.get(photo) != preset_id]


def create_preset(store: Store, name: str, actor: str, *, copy_from: str | int | None = None,
                  **settings: Any) -> PresetChange:
    """Create a preset: the built-in default's settings, or a copy of ``copy_from``, with ``settings`` changed.

    :raises InputError: for a bad or taken name, an unknown ``copy_from`` or a bad setting.
    """
    clean = check_name(store, name)
    base = get_preset(store, copy_from).preset if copy_from is not None else DEFAULT_PRESET
    preset = build_preset(base, clean, **settings)
    now = utcnow()
    with store.atomic():
        preset_id = inserted_id(store.db.execute(
            "INSERT INTO presets (name, settings, is_default, updated_at) VALUES (?, ?, 0, ?)",
            [preset.name, preset.to_json(), now]))
        stored = get_preset(store, preset_id)
        _audit(store, actor, "preset.create", stored, after=preset.to_dict(),
               copied_from=None if copy_from is None else base.name)
    return PresetChange(stored, store.notify(Changes(photos=True, settings=True)))


def save_preset(store: Store, which: str | int, preset: Preset, actor: str, *,
                expected: Preset | None = None) -> PresetChange:
    """Store ``preset`` (every setting, and its name: a different name renames) as the preset ``which``.

    A rename rewrites every photo recipe that names the old name, in the same transaction; photos
    whose renders were up to date stay up to date if only the name changed.

    :param expected: what the caller believes is stored (an undo passes the settings it undoes);
        if the preset holds something else, nothing is saved.
    :raises InputError: if there is no such preset, it no longer holds ``expected``, or the new name
        is empty or taken.
    """
    old = get_preset(store, which)
    if expected is not None and old.preset != expected:
        raise InputError(f"preset '{old.name}' was changed since (by another edit or person); nothing was saved. "
                         "Look at its settings again and edit it there.")
    clean = check_name(store, preset.name, exclude_id=old.id)
    new = preset.with_changes(name=clean)
    if new == old.preset:
        return PresetChange(old, Changes())
    before = effective_presets(store)
    using = [photo for photo, used in before.items() if used == old.id]
    moved = 0
    with store.atomic():
        store.db.execute("UPDATE presets SET name = ?, settings = ?, updated_at = ? WHERE id = ?",
                         [new.name, new.to_json(), utcnow(), old.id])
        if new.name != old.name:
            moved = _rename_in_recipes(store, old.preset, new)
        stored = get_preset(store, old.id)
        _audit(store, actor, "preset.update", stored, before=old.preset.to_dict(), after=new.to_dict(),
               **({"renamed_in_photos": moved} if new.name != old.name else {}))
    return PresetChange(stored, store.notify(Changes(photos=True, settings=True)),
                        rerender=len(stale_renders(store, using)), moved=moved)


def _rename_in_recipes(store: Store, old: Preset, new: Preset) -> int:
    """Point recipes that name ``old`` at ``new``; keep up-to-date renders up to date (the name draws nothing)."""
    moved = 0
    same_pixels = old.with_changes(name=new.name) == new
    # The render key names the cleanup class of the tied product's category (recipes.render_key).
    rows = store.db.execute("SELECT ph.id, ph.recipe, ph.rendered_recipe, p.category FROM photos ph"
                            " LEFT JOIN products p ON p.id = ph.product_id").fetchall()
    for photo_id, recipe_text, rendered, category in rows:
        recipe = json.loads(recipe_text or "{}")
        if str(recipe.get("preset") or "").casefold() != old.name.casefold():
            continue
        recipe["preset"] = new.name
        box, neutral = _box(recipe.get("box")), _point(recipe.get("neutral"))
        if same_pixels and rendered is not None and rendered == render_key(box, old, neutral, category):
            rendered = render_key(box, new, neutral, category)
        store.db.execute("UPDATE photos SET recipe = ?, rendered_recipe = ? WHERE id = ?",
                         [json.dumps(recipe, sort_keys=True), rendered, photo_id])
        moved += 1
    if same_pixels:
        # Photos without a preset of their own that follow this one as the default: the same.
        for photo_id, recipe_text, rendered, category in store.db.execute(
                "SELECT ph.id, ph.recipe, ph.rendered_recipe, p.category FROM photos ph"
                " LEFT JOIN products p ON p.id = ph.product_id WHERE ph.rendered_recipe IS NOT NULL").fetchall():
            recipe = json.loads(recipe_text or "{}")
            box, neutral = _box(recipe.get("box")), _point(recipe.get("neutral"))
            if rendered == render_key(box, old, neutral, category):
                store.db.execute("UPDATE photos SET rendered_recipe = ? WHERE id = ?",
                                 [render_key(box, new, neutral, category), photo_id])
    return moved


def update_preset(store: Store, which: str | int, actor: str, *, rename: str | None = None,
                  **settings: Any) -> PresetChange:
    """Change some settings of the preset ``which`` and/or rename it (see :func:`save_preset`).

    :param settings: any of :data:`SETTINGS`; ``None`` leaves a setting as it is.
    :raises InputError: for an unknown preset, a bad or taken name, or a bad setting.
    """
    old = get_preset(store, which)
    name = None if rename is None else check_name(store, rename, exclude_id=old.id)
    return save_preset(store, old.id, build_preset(old.preset, name, **settings), actor)


def delete_preset(store: Store, which: str | int, actor: str) -> PresetChange:
    """Delete a preset; photos that named it go to the default preset (``moved`` says how many).

    :raises InputError: for an unknown preset, the default one, or the last one.
    """
    old = get_preset(store, which)
    if old.is_default:
        raise InputError(f"preset '{old.name}' is the default and cannot be deleted; make another preset the "
                         "default first.")
    if store.db.execute("SELECT count(*) FROM presets").fetchone()[0] <= 1:
        raise InputError(f"preset '{old.name}' is the library's only preset and cannot be deleted.")
    moved: list[int] = []
    with store.atomic():
        for photo_id, recipe_text in store.db.execute(
                "SELECT id, recipe FROM photos").fetchall():
            recipe = json.loads(recipe_text or "{}")
            if str(recipe.get("preset") or "").casefold() == old.name.casefold():
                recipe.pop("preset")
                store.db.execute("UPDATE photos SET recipe = ? WHERE id = ?",
                                 [json.dumps(recipe, sort_keys=True), photo_id])
                moved.append(int(photo_id))
        store.db.execute("DELETE FROM presets WHERE id = ?", [old.id])
        default = default_preset(store)
        _audit(store, actor, "preset.delete", old, before=old.preset.to_dict(), photos_moved=moved,
               moved_to=default.name if default else None)
    rerender = len(stale_renders(store, moved))
    return PresetChange(None, store.notify(Changes(photos=True, settings=True)), rerender=rerender,
                        moved=len(moved))


def set_default_preset(store: Store, which: str | int, actor: str) -> PresetChange:
    """Make ``which`` the library's default preset (photos without a preset of their own follow it).

    :raises InputError: for an unknown preset.
    """
    new = get_preset(store, which)
    old = default_preset(store)
    if new.is_default:
        return PresetChange(new, Changes())
    before = effective_presets(store)
    with store.atomic():
        store.db.execute("UPDATE presets SET is_default = (id = ?), updated_at = CASE WHEN id = ? OR is_default "
                         "THEN ? ELSE updated_at END", [new.id, new.id, utcnow()])
        stored = get_preset(store, new.id)
        _audit(store, actor, "preset.default", stored, before=old.name if old else None, after=new.name)
    rerender = len(stale_renders(store, _changed(before, effective_presets(store))))
    return PresetChange(stored, store.notify(Changes(photos=True, settings=True)), rerender=rerender)


def describe(preset: Preset) -> str:
    """Return a preset's settings in one line for a person (``4:5, 6% margin, white, ...``)."""
    parts = [preset.aspect, f"{preset.margin:.0%} margin", {"white": "clean white", "grey": "neutral grey",
                                                             "keep": "background kept"}[preset.background]]
    if preset.normalise_exposure:
        parts.append("exposure evened")
    if preset.normalise_white_balance:
        parts.append("white balance")
    parts.append(f"hero {preset.hero_size}px, details {preset.detail_size}px, thumb {preset.thumb_size}px")
    if preset.details != "auto":
        parts.append("no details" if preset.details == "none" else f"details: {preset.details.replace(',', ' and ')}")
    parts.append(f"JPEG {preset.jpeg_quality}")
    if preset.caption:
        parts.append(f"caption '{preset.caption}'")
    return ", ".join(parts)


__all__ = [
    "NAME_MAX", "PRESET_EDITOR_ROLES", "SETTINGS", "PresetChange", "StoredPreset",
    "build_preset", "check_name", "create_preset", "default_preset", "delete_preset", "describe",
    "effective_presets", "get_preset", "list_presets", "photos_using", "save_preset", "set_default_preset",
    "stale_renders", "update_preset",
]
