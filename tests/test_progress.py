"""One progress type and one way to run a pipeline to its end (issue 14, part 4)."""

from __future__ import annotations

import ast
import threading
from collections.abc import Generator
from pathlib import Path

import pytest

from lookbook.progress import Cancelled, Progress, relabel, run_to_end

REPO = Path(__file__).resolve().parent.parent


def _counting(n: int, closed: list[bool]) -> Generator[Progress, None, str]:
    try:
        for i in range(n):
            yield Progress(i, n, f"step {i}")
    finally:
        closed.append(True)
    return f"did {n}"


def test_run_to_end_returns_what_the_pipeline_returns_and_hands_over_each_step() -> None:
    seen: list[Progress] = []
    assert run_to_end(_counting(3, []), seen.append) == "did 3"
    assert [(p.done, p.total, p.message) for p in seen] == [(0, 3, "step 0"), (1, 3, "step 1"), (2, 3, "step 2")]
    assert run_to_end(_counting(2, [])) == "did 2"


def test_a_set_cancel_event_closes_the_pipeline_and_raises_cancelled() -> None:
    cancel, closed, seen = threading.Event(), [], []

    def stop_after_two(step: Progress) -> None:
        seen.append(step)
        if len(seen) == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        run_to_end(_counting(10, closed), stop_after_two, cancel=cancel)
    assert len(seen) == 2 and closed == [True]  # its finally block ran: pools and files are let go


def test_an_error_inside_the_pipeline_reaches_the_caller() -> None:
    def broken() -> Generator[Progress, None, None]:
        yield Progress(0, 1, "starting")
        raise ValueError("row 3: bad")

    with pytest.raises(ValueError, match="row 3"):
        run_to_end(broken())


def test_relabel_turns_each_step_and_keeps_the_return_value_and_the_close() -> None:
    closed: list[bool] = []
    outer = relabel(_counting(3, closed), lambda p: Progress(p.done, p.total, f"tying: {p.message}"))
    assert next(outer).message == "tying: step 0"
    outer.close()
    assert closed == [True]
    seen: list[Progress] = []
    assert run_to_end(relabel(_counting(2, []), lambda p: p), seen.append) == "did 2" and len(seen) == 2


def test_fraction_and_line() -> None:
    assert Progress(1, 4, "x").fraction == 0.25
    assert Progress(0, 0, "Looking for photos").fraction is None
    assert Progress(3, 10, "Importing IMG_1.jpg").line() == "[3/10] Importing IMG_1.jpg"


def test_every_core_pipeline_step_is_a_progress() -> None:
    from lookbook.outbox.sender import Progress as SendStep
    from lookbook.photos.importer import PhotoProgress
    from lookbook.photos.pipeline import Processed
    from lookbook.photos.recipes import RenderStep

    assert all(issubclass(kind, Progress) for kind in (PhotoProgress, Processed, RenderStep, SendStep))
    sent = SendStep(1, 2, "sent", "Message 7 sent by x", 7, "x")
    assert (sent.message, sent.text, sent.kind, sent.line()) == ("Message 7 sent by x",) * 2 + (
        "sent", "[1/2] Message 7 sent by x")
    assert sent.as_dict() == {"done": 1, "total": 2, "kind": "sent", "text": "Message 7 sent by x",
                              "message_id": 7, "channel": "x", "until": None}


def _hand_written_drain_loops(folder: str) -> list[str]:
    """Return ``file:line`` of each ``except StopIteration`` outside lookbook/progress.py."""
    found = []
    for path in sorted((REPO / folder).rglob("*.py")):
        if path.name == "progress.py" and path.parent.name == "lookbook":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name) \
                    and node.type.id == "StopIteration":
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_no_hand_written_drain_loops_are_left() -> None:
    assert [*_hand_written_drain_loops("lookbook"), *_hand_written_drain_loops("ui"),
            *_hand_written_drain_loops("bench"), *_hand_written_drain_loops("tests")] == []


def test_no_core_module_defines_its_own_progress_shape() -> None:
    """A class named like a progress report in the core subclasses :class:`Progress`."""
    offenders = []
    for path in sorted((REPO / "lookbook").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Progress", "Step")) \
                    and path.name != "progress.py" and not node.bases:
                offenders.append(f"{path.relative_to(REPO)}:{node.name}")
    assert offenders == []
