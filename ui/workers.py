"""Running core work off the UI thread.

Two single-thread runners, as Anki's task manager does: one owns the SQLite
store (created on that thread, used only there), another does network calls.
Work is a plain callable; if it returns a generator, the runner iterates it on
the worker thread and each yielded value becomes a progress callback on the UI
thread, and the generator's return value goes to ``on_done``. Results reach the
UI thread only through a queued signal; worker code never touches a widget.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from lookbook.errors import LibraryDamagedError, LookbookError
from lookbook.hooks import Changes, Hooks
from lookbook.progress import Cancelled, run_to_end
from lookbook.store import backups
from lookbook.store.database import Store, open_store
from lookbook.store.library import Library
from lookbook.store.live import ChangeWatcher

log = logging.getLogger(__name__)

Callback = Callable[[Any], object]


class TaskRunner(QObject):
    """Runs callables one at a time on its own thread and reports back on the UI thread."""

    #: (callback, payload): delivered to the UI thread by a queued connection.
    _deliver = Signal(object, object)
    #: An exception no ``on_failure`` handled; the main window shows it in a dialog.
    failed = Signal(object)
    #: True while work is running or queued.
    busy_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self._deliver.connect(self._on_deliver)

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
               on_failure: Callback | None = None, on_progress: Callback | None = None,
               cancel: threading.Event | None = None, on_cancelled: Callback | None = None) -> Future:
        """Run ``fn(*args)`` on the worker thread; callbacks run on the UI thread.

        :param on_progress: called with each value a generator job yields.
        :param cancel: set it to stop a generator job at its next yield (or before it starts).
        :param on_cancelled: called (with ``None``) instead of ``on_done`` when ``cancel`` stopped the job.
        """
        if self._closed:
            # A late callback of a closing window asked for more work: there is nobody left to show it to.
            log.debug("runner shut down; dropped %r", fn)
            dropped: Future = Future()
            dropped.cancel()
            return dropped
        self._change_pending(+1)
        return self._executor.submit(self._call, fn, args, on_done, on_failure, on_progress, cancel, on_cancelled)

    def _call(self, fn: Callable[..., Any], args: tuple, on_done: Callback | None,
              on_failure: Callback | None, on_progress: Callback | None,
              cancel: threading.Event | None = None, on_cancelled: Callback | None = None) -> Any:
        stopped = False
        try:
            if cancel is not None and cancel.is_set():
                stopped = True
                result = None
            else:
                result = fn(*args)
                if inspect.isgenerator(result):
                    result, stopped = self._drain(result, on_progress, cancel)
        except BaseException as exc:  # reported on the UI thread; the runner keeps going
            log.debug("task %r failed", fn, exc_info=True)
            self._deliver.emit(on_failure or self.failed.emit, exc)
            return None
        finally:
            self._change_pending(-1)
        if stopped:
            if on_cancelled is not None:
                self._deliver.emit(on_cancelled, None)
        elif on_done is not None:
            self._deliver.emit(on_done, result)
        return result

    def _drain(self, gen: Any, on_progress: Callback | None,
               cancel: threading.Event | None) -> tuple[Any, bool]:
        """Run ``gen`` to its end, each step to ``on_progress`` on the UI thread; return (its return value,
        whether ``cancel`` stopped it: then the generator was closed, its finally blocks run)."""
        deliver = None if on_progress is None else functools.partial(self._deliver.emit, on_progress)
        try:
            return run_to_end(gen, deliver, cancel=cancel), False
        except Cancelled:
            return None, True

    def _change_pending(self, delta: int) -> None:
        with self._lock:
            before = self._pending
            self._pending += delta
            after = self._pending
        if (before == 0) != (after == 0):
            self.busy_changed.emit(after > 0)

    @Slot(object, object)
    def _on_deliver(self, callback: Callback, payload: Any) -> None:
        if self._closed:
            # Shut down: whoever asked (a page being closed, a window at exit) may be gone, and an answer still in
            # the UI thread's queue would call into a deleted widget.
            return
        callback(payload)

    def shutdown(self) -> None:
        """Wait for running work to finish and stop the thread; later submissions are dropped."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


class StoreRunner(TaskRunner):
    """The one thread that opens and uses the library's SQLite store.

    It also watches the library for commits made by other connections (another window, the command line, a
    send run): a few times a second, between jobs, a :class:`~lookbook.store.live.ChangeWatcher` on this thread's
    connection turns them into :attr:`library_changed`, as if they had been made here.
    """

    #: How often to look for other connections' commits (ms): a change shows within about this long.
    POLL_MS = 250

    #: Emitted on the UI thread with the :class:`Changes` of every committed mutation.
    library_changed = Signal(object)
    #: Emitted on the UI thread when a library was opened (with its :class:`Library`).
    library_opened = Signal(object)

    def __init__(self, hooks: Hooks, parent: QObject | None = None) -> None:
        super().__init__("lookbook-db", parent)
        self.hooks = hooks
        self.library: Library | None = None
        self._store: Store | None = None
        self._watcher: ChangeWatcher | None = None
        #: True from a poll's submission until it ran: a long job on the thread never piles polls up behind it.
        self._poll_queued = False
        # Hooks fire on the DB thread; a signal carries them to the UI thread.
        hooks.library_did_change.append(self._relay_change)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(self.POLL_MS)
        self._poll_timer.timeout.connect(self.poll_now)
        self._poll_timer.start()

    def _relay_change(self, changes: Changes) -> None:
        self.library_changed.emit(changes)

    def open(self, root: Path, on_done: Callback | None = None, on_failure: Callback | None = None) -> Future:
        """Open the library at ``root`` on the DB thread, closing the one open before."""
        def work() -> Library:
            library = Library.locate(root)
            try:
                store = open_store(library, self.hooks)
            except LibraryDamagedError:
                # Too damaged to open: keep it as the library File ▸ Restore… works on.
                if self._store is not None:
                    self._store.close()
                self._store, self.library = None, library
                self._watcher = None
                raise
            if self._store is not None:
                self._store.close()
            self._store, self.library = store, library
            self._watch(store)
            return library

        def opened(library: Library) -> None:
            self.library_opened.emit(library)
            if on_done is not None:
                on_done(library)

        return self.submit(work, on_done=opened, on_failure=on_failure)

    def restore(self, name: str | None, on_done: Callback | None = None,
                on_failure: Callback | None = None) -> Future:
        """Close the library, put the backup called ``name`` back (see :func:`lookbook.store.backups.restore`) and
        reopen it, all on the DB thread; ``on_done`` gets the :class:`~lookbook.store.backups.RestoreReport`."""
        def work() -> backups.RestoreReport:
            library = self.library
            if library is None:
                raise LookbookError("No library is open. Open one with File ▸ Open Library… first.")
            if self._store is not None:
                self._store.close()
                self._store = None
                self._watcher = None
            try:
                report = backups.restore(library, name)
            finally:
                # Reopen whatever is there now: the restored file, or the old one if the restore refused.
                self._store = open_store(library, self.hooks)
                self._watch(self._store)
            return report

        def done(report: backups.RestoreReport) -> None:
            if self.library is not None:
                self.library_opened.emit(self.library)
            if on_done is not None:
                on_done(report)

        return self.submit(work, on_done=done, on_failure=on_failure)

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
            on_failure: Callback | None = None, on_progress: Callback | None = None,
            cancel: threading.Event | None = None, on_cancelled: Callback | None = None) -> Future:
        """Run ``fn(store, *args)`` on the DB thread (see :meth:`TaskRunner.submit` for the callbacks)."""
        def with_store(*a: Any) -> Any:
            if self._store is None:
                raise LookbookError("No library is open. Open one with File ▸ Open Library… first.")
            return fn(self._store, *a)

        return self.submit(with_store, *args, on_done=on_done, on_failure=on_failure, on_progress=on_progress,
                           cancel=cancel, on_cancelled=on_cancelled)

    # -- other connections' commits -----------------------------------------------------------------
    def _watch(self, store: Store) -> None:
        """Watch ``store`` (on the DB thread, where it was opened) for other connections' commits."""
        self._watcher = ChangeWatcher.start(store)

    @Slot()
    def poll_now(self) -> None:
        """Look for other connections' commits on the DB thread, between jobs (a change fires library_changed)."""
        if self._closed or self._watcher is None or self._poll_queued:
            return
        self._poll_queued = True
        # Straight to the executor: a poll is not work the busy indicator should show.
        self._executor.submit(self._poll)

    def _poll(self) -> None:
        self._poll_queued = False
        watcher = self._watcher
        if watcher is None or watcher.store is not self._store:
            return
        watcher.poll()

    def shutdown(self) -> None:
        """Close the store on its own thread, then stop the thread."""
        def close() -> None:
            self._watcher = None
            if self._store is not None:
                self._store.close()
                self._store = None

        self._poll_timer.stop()
        self.hooks.library_did_change.remove(self._relay_change)
        self._executor.submit(close)
        super().shutdown()
