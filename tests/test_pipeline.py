"""The batch pipeline: results and per-file errors, every core, cancellation."""

from __future__ import annotations

import threading
from pathlib import Path

from lookbook.photos.pipeline import process
from photo_support import demo_photos


def _batch(tmp_path: Path, n: int) -> list[Path]:
    good = demo_photos("t-shirt")[:n]
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    return [*good[: n // 2], bad, tmp_path / "missing.jpg", *good[n // 2:]]


def test_batch_reports_bad_files_and_goes_on(tmp_path: Path) -> None:
    paths = _batch(tmp_path, 4)
    events = list(process(paths, tmp_path / "out", workers=1))
    assert [e.done for e in events] == list(range(1, 7)) and all(e.total == 6 for e in events)
    errors = {e.current.name: e.error for e in events if e.error}
    assert set(errors) == {"notes.jpg", "missing.jpg"}
    assert "notes.jpg" in errors["notes.jpg"] and "not an image" in errors["notes.jpg"]
    results = [e.result for e in events if e.result]
    assert len(results) == 4
    for r in results:
        assert r.outputs["hero"].is_file() and r.outputs["thumb"].is_file()
        x0, y0, x1, y1 = r.garment_box
        assert 0 <= x0 < x1 <= r.original_size[0] and 0 <= y0 < y1 <= r.original_size[1]
        assert len(r.phash) == 16


def test_pool_gives_same_results_as_one_process(tmp_path: Path) -> None:
    paths = demo_photos("shirt")[:6]
    one = {e.current: e.result.garment_box for e in process(paths, None, workers=1)}
    pool = {e.current: e.result.garment_box for e in process(paths, None, workers=2)}
    assert one == pool and len(one) == 6


def test_cancel_stops_the_batch(tmp_path: Path) -> None:
    paths = demo_photos()  # all 40 kinds, so the batch is long enough to cancel
    cancel = threading.Event()
    seen = 0
    for event in process(paths, tmp_path / "out", workers=2, cancel=cancel):
        seen += 1
        if event.done == 3:
            cancel.set()
    assert 3 <= seen < 40
    cancel1 = threading.Event()
    gen = process(paths, None, workers=1, cancel=cancel1)
    next(gen)
    cancel1.set()
    assert list(gen) == []
