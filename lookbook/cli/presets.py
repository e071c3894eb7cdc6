"""Preset verbs: ``presets list|show|add|edit|delete|default``.

Reading presets needs nobody signed in; changing them acts as a merchandiser, manager or
admin (``--as USER``). After a change that makes renders stale the command says how many
photos that is and how to render them (``lookbook render --all``).
"""

from __future__ import annotations

import argparse
import json

from lookbook.cli.context import CliContext
from lookbook.errors import InputError
from lookbook.photos.preset_library import (
    PRESET_EDITOR_ROLES,
    PresetChange,
    StoredPreset,
    create_preset,
    delete_preset,
    describe,
    effective_presets,
    get_preset,
    list_presets,
    photos_using,
    set_default_preset,
    update_preset,
)
from lookbook.store.users import require_role

#: Background words accepted besides the stored ones.
_BACKGROUND_ALIASES = {"gray": "grey", "clean white": "white", "neutral grey": "grey", "neutral gray": "grey"}


def _whole(value: str | None, option: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip().removesuffix("px"))
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a whole number; use {low} to {high}.") from None


def _margin(value: str | None) -> float | None:
    if value is None:
        return None
    text = value.strip()
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise InputError(f"--margin: {value!r} is not a number; use 0 to 0.4 (a fraction of the hero's height) "
                         "or a percentage such as 6%.") from None


def _settings(args: argparse.Namespace) -> dict[str, object]:
    background = args.background
    if background is not None:
        background = _BACKGROUND_ALIASES.get(background.strip().casefold(), background.strip().casefold())
    return {
        "aspect": None if args.aspect is None else args.aspect.strip(),
        "margin": _margin(args.margin),
        "background": background,
        "normalise_exposure": args.normalise_exposure,
        "normalise_white_balance": args.normalise_white_balance,
        "hero_size": _whole(args.hero_size, "--hero-size", 32, 8000),
        "detail_size": _whole(args.detail_size, "--detail-size", 32, 8000),
        "details": None if args.details is None else args.details.strip(),
        "thumb_size": _whole(args.thumb_size, "--thumb-size", 32, 8000),
        "caption": args.caption,
        "jpeg_quality": _whole(args.jpeg_quality, "--jpeg-quality", 1, 100),
    }


def _editor(ctx: CliContext) -> str:
    return require_role(ctx.store, ctx.user.username, *PRESET_EDITOR_ROLES, doing="change style presets").username


def _photos(n: int) -> str:
    return f"{n} photo{'' if n == 1 else 's'}"


def _rerender_note(change: PresetChange) -> str:
    if not change.rerender:
        return "No renders need redoing."
    return f"{_photos(change.rerender)} will be re-rendered: run `lookbook render --all`."


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print every preset, the default first."""
    stored = list_presets(ctx.store)
    counts: dict[int, int] = {}
    for preset_id in effective_presets(ctx.store).values():
        counts[preset_id] = counts.get(preset_id, 0) + 1
    for p in stored:
        if args.json:
            print(json.dumps({**p.as_dict(), "photos": counts.get(p.id, 0)}), flush=True)
        else:
            mark = " (default)" if p.is_default else ""
            print(f"{p.name}{mark} — {_photos(counts.get(p.id, 0))}: {describe(p.preset)}")
    return 0


def _show(p: StoredPreset, photos: int, as_json: bool) -> None:
    if as_json:
        print(json.dumps({**p.as_dict(), "photos": photos}))
        return
    s = p.preset
    rows = [("name", p.name + (" (default)" if p.is_default else "")), ("aspect", s.aspect),
            ("margin", f"{s.margin:g} ({s.margin:.0%} of the hero's height)"), ("background", s.background),
            ("exposure", "evened out" if s.normalise_exposure else "as shot"),
            ("white balance", "corrected" if s.normalise_white_balance else "as shot"),
            ("hero size", f"{s.hero_size} px"), ("details", "by category" if s.details == "auto" else s.details),
            ("detail size", f"{s.detail_size} px"),
            ("thumb size", f"{s.thumb_size} px"), ("caption", s.caption or "(none)"),
            ("JPEG quality", str(s.jpeg_quality)), ("photos", str(photos)), ("updated", p.updated_at)]
    for label, value in rows:
        print(f"{label + ':':15}{value}")


def cmd_show(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print one preset's settings."""
    stored = get_preset(ctx.store, args.name)
    _show(stored, len(photos_using(ctx.store, stored.id)), args.json)
    return 0


def cmd_add(args: argparse.Namespace, ctx: CliContext) -> int:
    """Create a preset."""
    settings = _settings(args)
    change = create_preset(ctx.store, args.name, _editor(ctx), copy_from=args.copy_from, **settings)
    assert change.preset is not None
    source = f" (a copy of '{get_preset(ctx.store, args.copy_from).name}')" if args.copy_from else ""
    print(f"Added preset '{change.preset.name}'{source}: {describe(change.preset.preset)}.")
    return 0


def cmd_edit(args: argparse.Namespace, ctx: CliContext) -> int:
    """Change a preset's settings or name; say how many photos need rendering again."""
    settings = _settings(args)
    if args.rename is None and all(v is None for v in settings.values()):
        raise InputError("presets edit: nothing to change; give --rename NEW or a setting such as --aspect 1:1 "
                         "(see `lookbook presets edit --help`).")
    old = get_preset(ctx.store, args.name)
    change = update_preset(ctx.store, old.id, _editor(ctx), rename=args.rename, **settings)
    assert change.preset is not None
    if not change.changes:
        print(f"Preset '{old.name}' already has those settings; nothing changed.")
        return 0
    renamed = f" (renamed from '{old.name}'; {_photos(change.moved)} follow)" if change.preset.name != old.name else ""
    print(f"Saved preset '{change.preset.name}'{renamed}: {describe(change.preset.preset)}.")
    print(_rerender_note(change))
    return 0


def cmd_delete(args: argparse.Namespace, ctx: CliContext) -> int:
    """Delete a preset; say where its photos went."""
    old = get_preset(ctx.store, args.name)
    change = delete_preset(ctx.store, old.id, _editor(ctx))
    default = list_presets(ctx.store)[0].name
    print(f"Deleted preset '{old.name}'; {_photos(change.moved)} moved to the default preset '{default}'.")
    print(_rerender_note(change))
    return 0


def cmd_default(args: argparse.Namespace, ctx: CliContext) -> int:
    """Make a preset the library's default."""
    new = get_preset(ctx.store, args.name)
    change = set_default_preset(ctx.store, new.id, _editor(ctx))
    if not change.changes:
        print(f"Preset '{new.name}' is already the default.")
        return 0
    print(f"'{new.name}' is now the default preset (photos without a preset of their own use it).")
    print(_rerender_note(change))
    return 0
