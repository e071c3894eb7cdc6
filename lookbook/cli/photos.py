"""Photo verbs: the ``photos`` group (``import``, ``render``, and the tying verbs) and ``render``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from lookbook.cli.context import CliContext
from lookbook.errors import InputError
from lookbook.listings import list_photos
from lookbook.photos.importer import PhotoProgress, import_photos
from lookbook.photos.presets import Preset
from lookbook.photos.recipes import (
    PhotoDetail,
    RenderStep,
    mark_reviewed,
    pending_renders,
    photo_detail,
    preset_named,
    presets,
    render_batch,
    set_box,
    set_neutral,
    set_preset,
)
from lookbook.photos.review import short
from lookbook.photos.ties import resolve_photos
from lookbook.progress import run_to_end
from lookbook.store.database import Store
from lookbook.words import plural

if TYPE_CHECKING:
    from lookbook.photos.pipeline import PhotoResult


def cmd_import(args: argparse.Namespace, ctx: CliContext) -> int:
    """Import photos with progress on stderr; exit 1 if any file could not be imported."""
    actor = ctx.user.username

    def show(step: PhotoProgress) -> None:
        outcome = step.outcome
        if outcome is None:
            print(f"{step.message}" + (f" [{step.done}/{step.total}]" if step.total else ""), file=sys.stderr)
            return
        if args.json:
            print(json.dumps(outcome.as_dict()), flush=True)
        if outcome.status == "failed":
            print(f"lookbook: {outcome.path}: {outcome.reason}", file=sys.stderr)
        else:
            # The first reason it is flagged for, in the words a person checks it by (the rest: `photos list`).
            flag = (f" (check: {short(outcome.review_reasons)})" if outcome.review_reasons
                    else " (check its box and hero)" if outcome.needs_review else "")
            print(f"[{step.done}/{step.total}] {step.message}{flag}", file=sys.stderr)

    report = run_to_end(import_photos(ctx.store, args.paths, actor=actor, workers=args.workers, preset=args.preset,
                                      max_pixels=args.max_pixels), show)
    if report.ties is not None:
        for problem in report.ties.problems:
            print(f"lookbook: tying: {problem}", file=sys.stderr)
    print(report.summary(), file=sys.stderr if args.json else sys.stdout)
    return 1 if report.failed else 0


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    """List the library's shots (``--flagged``: those flagged for review, every reason on a line of its own)."""
    rows = list_photos(ctx.store, flagged=args.flagged)
    for row in rows:
        if args.json:
            print(json.dumps(row.as_dict()))
            continue
        tied = row.sku or "not tied"
        if args.flagged:
            print(f"{row.id:>6}  {row.name:<32} {tied}")
            for reason in row.review_reasons:
                print(f"        - {reason.text}")
        else:
            flag = f"  flagged: {short(row.review_reasons)}" if row.needs_review else ""
            print(f"{row.id:>6}  {row.name:<32} {tied:<12}{flag}".rstrip())
    if not args.json:
        flagged = sum(r.needs_review for r in rows)
        print(f"{plural(len(rows), 'shot')}" + (" flagged for review" if args.flagged
                                                else f", {flagged} flagged for review") + ".", file=sys.stderr)
    return 0


def cmd_render(args: argparse.Namespace, ctx: CliContext) -> int:
    """Render the chosen photos on every core, recording each; exit 1 if any could not be rendered."""
    store = ctx.store
    actor = ctx.user.username
    if args.force and not args.all:
        raise InputError("--force goes with --all (photos named one by one are always rendered).")
    pending = _renders_to_do(store, args, actor)
    failed = 0
    for step in render_batch(store, pending, actor=actor, workers=args.workers):
        failed += _show_render(step, args.json)
    done = len(pending) - failed
    print(f"Rendered {done} photo{'' if done == 1 else 's'}" + (f"; {failed} could not be rendered" if failed else "")
          + ("" if pending or not args.all else " (all renders were up to date)") + ".",
          file=sys.stderr if args.json else sys.stdout)
    return 1 if failed else 0


def _renders_to_do(store: Store, args: argparse.Namespace, actor: str) -> list[tuple[PhotoDetail, Preset]]:
    """Return the photos ``photos render`` renders, each with its preset, after giving them ``--preset``."""
    ids = [p.id for p in list_photos(store)] if args.all else resolve_photos(store, args.photos)
    if args.preset is not None:
        name = preset_named(store, args.preset).name  # an unknown name fails here, before anything changes
        with store.atomic():
            for photo_id in ids:
                set_preset(store, photo_id, name, actor)
    if args.all and not args.force:
        return pending_renders(store)
    by_name = {p.name.casefold(): p for p in presets(store)}
    default = presets(store)[0]
    details = [photo_detail(store, photo_id) for photo_id in ids]
    return [(d, by_name.get((d.preset or "").casefold(), default)) for d in details]


def _show_render(step: RenderStep, as_json: bool) -> int:
    """Print one render step (a JSON line too with ``--json``); return 1 if the photo could not be rendered."""
    if step.result is None:
        if as_json:
            print(json.dumps({"photo_id": step.photo_id, "name": step.name, "error": step.error}), flush=True)
        print(f"lookbook: {step.error}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps({"photo_id": step.photo_id, "name": step.name,
                          "outputs": {k: str(v) for k, v in step.result.outputs.items()},
                          "colour_shift": step.result.colour_shift,
                          "needs_review": step.result.needs_review}), flush=True)
    flag = (f" (check its colour: the hero moved it by {step.result.colour_shift:.0f})"
            if step.result.colour_needs_review else "")
    print(f"[{step.done}/{step.total}] rendered {step.name}{flag}", file=sys.stderr)
    return 0


def cmd_neutral(args: argparse.Namespace, ctx: CliContext) -> int:
    """Store (or forget) a photo's neutral point in its recipe, render it again and say how far its colour moved."""
    store = ctx.store
    actor = ctx.user.username
    if args.clear == (args.x is not None):
        raise InputError("give the point as X Y (pixels of the upright original), or --clear to forget it; "
                         "e.g. `lookbook photos neutral 12 340 55`.")
    if args.x is not None and args.y is None:
        raise InputError("the neutral point needs both X and Y (pixels of the upright original).")
    photo_id = resolve_photos(store, [args.photo])[0]
    set_neutral(store, photo_id, None if args.clear else (args.x, args.y), actor)
    detail = photo_detail(store, photo_id)
    done: dict[str, object] = {"photo_id": photo_id, "name": detail.name, "neutral": detail.neutral}
    if not args.no_render:
        result = _render_one(store, detail, actor)
        done.update(colour_shift=result.colour_shift, white_balance=result.colour_source,
                    needs_review=result.colour_needs_review)
    if args.json:
        print(json.dumps(done))
        return 0
    where = "its own colour (no neutral point)" if args.clear else f"the point ({args.x:.0f}, {args.y:.0f})"
    print(f"Photo {photo_id} ({detail.name}): white balance from {where}.")
    if "colour_shift" in done:
        shift = float(done["colour_shift"])  # type: ignore[arg-type]
        flag = (" It is flagged for review: compare the hero with the garment, then mark it right "
                f"(`lookbook photos review {photo_id}`)."
                if done["needs_review"] else "")
        print(f"Rendered: the garment's colour moved by {shift:.1f} (a*b*) from the photo's.{flag}")
    return 0


def _render_one(store: Store, detail: PhotoDetail, actor: str) -> PhotoResult:
    """Render one photo with its own preset (the library's default if it has none) and return the result.

    :raises InputError: if it could not be rendered (the error names the photo and what to do).
    """
    by_name = {p.name.casefold(): p for p in presets(store)}
    preset = by_name.get((detail.preset or "").casefold(), presets(store)[0])
    for step in render_batch(store, [(detail, preset)], actor=actor, workers=1):
        if step.result is None:
            raise InputError(step.error or f"photo {detail.id} could not be rendered")
        return step.result
    raise InputError(f"photo {detail.id} could not be rendered")


def cmd_box(args: argparse.Namespace, ctx: CliContext) -> int:
    """Set a photo's garment box by hand (or go back to the detected one with ``--clear``), then render it again.

    A box drawn by a person answers the review flag, so it clears it; the detected box does not.
    """
    store = ctx.store
    actor = ctx.user.username
    if args.clear == bool(args.box) or (args.box and len(args.box) != 4):
        raise InputError("give the box as X0 Y0 X1 Y1 (left, top, right, bottom in pixels of the upright original), "
                         "or --clear to go back to the detected box; e.g. `lookbook photos box 12 40 30 380 520`.")
    photo_id = resolve_photos(store, [args.photo])[0]
    box = None if args.clear else (args.box[0], args.box[1], args.box[2], args.box[3])
    set_box(store, photo_id, box, actor)  # checked against the photo's stored size
    detail = photo_detail(store, photo_id)
    done: dict[str, object] = {"photo_id": photo_id, "name": detail.name,
                               "box": list(detail.box) if detail.box else None,
                               "detected_box": list(detail.detected_box) if detail.detected_box else None}
    if not args.no_render:
        _render_one(store, detail, actor)
    detail = photo_detail(store, photo_id)
    done.update(needs_review=detail.needs_review, review_reasons=[r.text for r in detail.review_reasons])
    if args.json:
        print(json.dumps(done))
        return 0
    if detail.box is None:
        print(f"Photo {photo_id} ({detail.name}): back to the detected box"
              + (f" {list(detail.detected_box)}." if detail.detected_box else "."))
    else:
        print(f"Photo {photo_id} ({detail.name}): garment box {list(detail.box)} set by hand.")
    if not args.no_render:
        print("Rendered again.")
    if detail.needs_review:
        print(f"Still flagged for review: {short(detail.review_reasons) or 'check its box and hero'} "
              f"(`lookbook photos review {photo_id}` once it looks right).")
    return 0


def cmd_review(args: argparse.Namespace, ctx: CliContext) -> int:
    """Clear the review flag of shots a person looked at and found right (box, cut-out, colour)."""
    store = ctx.store
    ids = resolve_photos(store, args.photos)
    before = {photo_id: photo_detail(store, photo_id) for photo_id in ids}
    mark_reviewed(store, ids, ctx.user.username)
    for photo_id, detail in before.items():
        if args.json:
            print(json.dumps({"photo_id": photo_id, "name": detail.name, "was_flagged": detail.needs_review,
                              "reasons_cleared": [r.text for r in detail.review_reasons]}))
        elif detail.needs_review:
            print(f"Photo {photo_id} ({detail.name}): marked right"
                  + (f"; cleared: {short(detail.review_reasons)}." if detail.review_reasons else "."))
        else:
            print(f"Photo {photo_id} ({detail.name}): was not flagged; nothing to clear.")
    return 0
