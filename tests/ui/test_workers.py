"""The worker runners: answers come back on the UI thread, and none after a runner was shut down."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ui.workers import TaskRunner


def test_a_runner_shut_down_delivers_no_answer_left_in_the_queue(qtbot) -> None:
    """A page closed mid-batch shuts its runner down; an answer already queued for the UI thread must not call into
    the deleted page (a Shoot page's render batch did, into the next tests, when one timed out on a busy machine)."""
    runner = TaskRunner("lookbook-test")
    got: list[int] = []
    runner.submit(lambda: 1, on_done=got.append)
    runner.submit(lambda: 2, on_done=got.append)
    runner.shutdown()  # waits for both jobs: their answers are queued for the UI thread by now
    QCoreApplication.processEvents()
    assert got == []


def test_answers_arrive_in_order_on_the_ui_thread(qtbot) -> None:
    runner = TaskRunner("lookbook-test")
    got: list[int] = []
    try:
        for n in range(5):
            runner.submit(lambda n=n: n, on_done=got.append)
        qtbot.waitUntil(lambda: len(got) == 5, timeout=20_000)
        assert got == [0, 1, 2, 3, 4]
    finally:
        runner.shutdown()
