"""Hooks and change records."""

from __future__ import annotations

import logging

import pytest

from lookbook.hooks import Changes, Hook


def test_changes_combine_and_name_what_changed() -> None:
    both = Changes(photos=True) | Changes(outbox=True)
    assert both == Changes(photos=True, outbox=True)
    assert both.names() == ["photos", "outbox"]
    assert not Changes()


def test_hook_runs_subscribers_in_order_and_survives_a_broken_one(caplog: pytest.LogCaptureFixture) -> None:
    hook: Hook[[int]] = Hook("test_hook")
    calls: list[str] = []

    def broken(n: int) -> None:
        raise ValueError("boom")

    hook.append(lambda n: calls.append(f"a{n}"))
    hook.append(broken)
    hook.append(lambda n: calls.append(f"b{n}"))
    with caplog.at_level(logging.ERROR):
        hook(1)
    assert calls == ["a1", "b1"]
    assert "test_hook" in caplog.text
    hook.remove(broken)
    assert hook.count() == 2
