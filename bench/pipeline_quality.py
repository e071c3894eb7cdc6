"""Garment-box quality against the hand-labelled truth boxes.

Run from the repository root::

    python -m bench.pipeline_quality [--photos DIR] [--truth FILE] [--sheet OUT.png]

Prints mean IoU, the share of photos at IoU >= 0.85 and >= 0.8, per category, for
:func:`lookbook.detect.detect_garment` and, computed in the same run on the same
photos, for the reference baseline: a seeded OpenCV GrabCut on a 200 px working image
(2 iterations, rectangle inset 3 %). ``--truth`` may be omitted for a folder with no
labels (e.g. an independent set): then only the baseline agreement is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from lookbook.detect import REVIEW_BELOW, detect_garment
from lookbook.imaging import load_photo

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PHOTOS = Path("/work/shared/photos/clothing-small/test")
DEFAULT_TRUTH = REPO / "tests" / "data" / "truth_boxes.json"

Box = tuple[int, int, int, int]


def iou(a: Box, b: Box) -> float:
    """Return the intersection over union of two boxes with exclusive x1/y1."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def baseline_grabcut(rgb: np.ndarray) -> Box:
    """The reference: seeded GrabCut on a 200 px working image, 2 iterations, rectangle inset 3 %."""
    h, w = rgb.shape[:2]
    f = 200 / max(h, w)
    small = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    rect = (round(sw * 0.03), round(sh * 0.03), sw - 2 * round(sw * 0.03), sh - 2 * round(sh * 0.03))
    mask = np.zeros((sh, sw), np.uint8)
    cv2.setRNGSeed(0)
    cv2.grabCut(small, mask, rect, np.zeros((1, 65)), np.zeros((1, 65)), 2, cv2.GC_INIT_WITH_RECT)
    fg = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    ys, xs = np.nonzero(fg)
    if len(xs) == 0:
        return (0, 0, w, h)
    fx, fy = sw / w, sh / h
    return (int(xs.min() / fx), int(ys.min() / fy), min(w, int(np.ceil((xs.max() + 1) / fx))),
            min(h, int(np.ceil((ys.max() + 1) / fy))))


def summarise(name: str, scores: dict[str, float]) -> None:
    """Print mean IoU and shares overall and per category."""
    vals = list(scores.values())
    print(f"{name}: n={len(vals)} mean IoU {statistics.fmean(vals):.4f}  "
          f">=0.85: {sum(v >= 0.85 for v in vals) / len(vals):.1%}  "
          f">=0.8: {sum(v >= 0.8 for v in vals) / len(vals):.1%}")
    by_cat: dict[str, list[float]] = defaultdict(list)
    for key, v in scores.items():
        by_cat[key.split("/")[0]].append(v)
    for cat in sorted(by_cat):
        v = by_cat[cat]
        print(f"    {cat:<11} n={len(v):>2} mean {statistics.fmean(v):.3f}  >=0.85 {sum(x >= 0.85 for x in v)}/{len(v)}")


def review_report(review: dict[str, list[tuple[float, bool]]]) -> None:
    """Print precision and recall of "needs review" against "IoU < 0.85", per detector mode and pooled."""
    print(f"needs review (confidence < {REVIEW_BELOW}) vs IoU < 0.85:")
    pooled = [item for items in review.values() for item in items]
    for name, items in [*review.items(), ("pooled", pooled)]:
        flagged = sum(f for _, f in items)
        wrong = sum(v < 0.85 for v, _ in items)
        hits = sum(f and v < 0.85 for v, f in items)
        precision = f"{hits / flagged:.0%}" if flagged else "n/a"
        recall = f"{hits / wrong:.0%}" if wrong else "n/a"
        print(f"    {name:<8} n={len(items):>3} flagged {flagged:>2}, wrong {wrong:>2}, both {hits:>2}: "
              f"precision {precision}, recall {recall}")


def contact_sheet(rows: list[tuple[str, np.ndarray, Box, Box | None, float]], out: Path) -> None:
    """Write a PNG of photos with the detected (green) and truth (red) boxes, worst first."""
    tiles = []
    for key, rgb, det, truth, score in rows:
        img = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if truth is not None:
            cv2.rectangle(img, truth[:2], (truth[2] - 1, truth[3] - 1), (0, 0, 255), 3)
        cv2.rectangle(img, det[:2], (det[2] - 1, det[3] - 1), (0, 255, 0), 2)
        f = 240 / img.shape[0]
        img = cv2.resize(img, (round(img.shape[1] * f), 240), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((260, 240, 3), np.uint8)
        canvas[:240, : min(240, img.shape[1])] = img[:, :240]
        cv2.putText(canvas, f"{score:.3f} {key[:22]}", (2, 255), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1)
        tiles.append(canvas)
    cols = 8
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    sheet = np.vstack([np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)])
    cv2.imwrite(str(out), sheet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--truth", type=Path, default=DEFAULT_TRUTH,
                        help="truth boxes JSON; 'none' to compare with the baseline only")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet (worst first) to this PNG")
    args = parser.parse_args(argv)

    if str(args.truth).lower() == "none":
        truth = {str(p.relative_to(args.photos)): None for p in sorted(args.photos.glob("*/*.jpg"))}
    else:
        truth = json.loads(args.truth.read_text())["boxes"]
    ours: dict[str, float] = {}
    base: dict[str, float] = {}
    agree: dict[str, float] = {}
    rows = []
    t_ours = t_base = 0.0
    methods: dict[str, int] = defaultdict(int)
    review: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for key, tbox in truth.items():
        dec = load_photo(args.photos / key)
        t0 = time.perf_counter()
        det = detect_garment(dec.rgb, scale=dec.scale)
        t1 = time.perf_counter()
        bbox = baseline_grabcut(dec.rgb)
        t2 = time.perf_counter()
        t_ours += t1 - t0
        t_base += t2 - t1
        methods[det.method] += 1
        agree[key] = iou(det.box, bbox)
        if tbox is not None:
            ours[key] = iou(det.box, tuple(tbox))
            base[key] = iou(bbox, tuple(tbox))
        rows.append((key, dec.rgb, det.box, tuple(tbox) if tbox else None,
                     ours.get(key, agree[key]), det.confidence))
        if tbox is not None:
            # The review flag is judged on the detector's answers and, to have wrong boxes to
            # catch, on each single pass's answers too (the cheap pass alone fails on a few).
            review["auto"].append((ours[key], det.needs_review))
            for mode in ("cheap", "grabcut"):
                alone = detect_garment(dec.rgb, scale=dec.scale, mode=mode)
                review[mode].append((iou(alone.box, tuple(tbox)), alone.needs_review))
    n = len(truth)
    if ours:
        summarise("detect_garment", ours)
        summarise("baseline GrabCut 200px/2it/3%", base)
        low = [(k, round(v, 3)) for k, v in sorted(ours.items(), key=lambda kv: kv[1]) if v < 0.9]
        print("below 0.9:", low)
        review_report(review)
    summarise("agreement with baseline", agree)
    print(f"methods: {dict(methods)}; detect {1000 * t_ours / n:.1f} ms/photo, baseline {1000 * t_base / n:.1f} ms/photo")
    if args.sheet:
        rows.sort(key=lambda r: r[4])
        contact_sheet([r[:5] for r in rows], args.sheet)
        print(f"contact sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
