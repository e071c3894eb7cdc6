"""Thumbnails for big photo grids: made and decoded off the UI thread, kept in a bounded cache.

The grid asks for a thumbnail only when it paints a cell, so only visible rows ask.
Requests wait in a bounded LIFO queue: the newest (what is on screen now) is served first,
and when a fast scroll has queued more than fit, the oldest (scrolled past long ago) are
dropped rather than decoded for nobody. One job at a time drains the queue on the
thumbnail runner's thread, decoding each cached JPEG into a ``QImage`` there (QImage,
unlike QPixmap, may be built off the UI thread); the UI thread only converts it to a
pixmap and keeps the most recently used ones in an LRU cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterator

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from lookbook.photos.thumbnails import ensure_thumbnail, preview_source
from lookbook.store.library import Library
from ui.workers import TaskRunner

#: Requests kept waiting at most; a grid page of 160 px cells on a 4K screen shows about 120.
MAX_QUEUED = 256
#: Pixmaps kept; at 160 x 200 x 4 bytes that is about 77 MB at most.
MAX_CACHED = 600


class ThumbnailLoader(QObject):
    """Loads thumbnails of a library's photos on a worker and caches them as pixmaps."""

    #: (sha256) emitted on the UI thread when a thumbnail is ready in the cache.
    ready = Signal(str)

    def __init__(self, runner: TaskRunner, size: QSize, parent: QObject | None = None,
                 max_queued: int = MAX_QUEUED, max_cached: int = MAX_CACHED) -> None:
        super().__init__(parent)
        self._runner = runner
        self._size = size
        self._max_cached = max_cached
        self._library: Library | None = None
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        # Shared with the worker thread; guarded by the lock.
        self._lock = threading.Lock()
        self._queue: deque[tuple[str, str]] = deque(maxlen=max_queued)
        self._queued: set[str] = set()
        self._draining = False
        self._generation = 0
        #: Show each photo's render (its small file) where it has one, instead of the original.
        self._renders = False

    def set_library(self, library: Library | None) -> None:
        """Forget everything about the previous library."""
        if library == self._library:
            return
        self._library = library
        self._forget()

    def _forget(self) -> None:
        """Drop every thumbnail, failure and queued load; loads already running are ignored when they finish."""
        self._cache.clear()
        self._failed.clear()
        with self._lock:
            self._queue.clear()
            self._queued.clear()
            self._generation += 1

    @property
    def renders(self) -> bool:
        """Return whether the thumbnails show renders (where a photo has one) rather than originals."""
        return self._renders

    def set_renders(self, on: bool) -> None:
        """Show renders (``True``) or originals; forgets the thumbnails of the other kind."""
        if on == self._renders:
            return
        self._renders = on
        self._forget()

    def pixmap(self, sha256: str, stored_path: str) -> QPixmap | None:
        """Return the cached thumbnail, or ``None`` after asking for it to be loaded."""
        pixmap = self._cache.get(sha256)
        if pixmap is not None:
            self._cache.move_to_end(sha256)
            return pixmap
        if sha256 not in self._failed:
            self._request(sha256, stored_path)
        return None

    def failed(self, sha256: str) -> bool:
        """Return whether the photo's thumbnail could not be made (a broken original)."""
        return sha256 in self._failed

    def queued(self) -> int:
        """Return how many requests wait (for tests and benchmarks)."""
        with self._lock:
            return len(self._queue)

    def cached(self) -> int:
        """Return how many pixmaps the cache holds."""
        return len(self._cache)

    def _request(self, sha256: str, stored_path: str) -> None:
        if self._library is None:
            return
        with self._lock:
            if sha256 in self._queued:
                return
            if len(self._queue) == self._queue.maxlen:
                dropped, _ = self._queue.popleft()  # the oldest request: long scrolled past
                self._queued.discard(dropped)
            self._queue.append((sha256, stored_path))
            self._queued.add(sha256)
        self._kick()

    def _kick(self) -> None:
        """Start a drain job unless one is running (one job at a time keeps the runner free for others)."""
        with self._lock:
            if self._draining or not self._queue or self._library is None:
                return
            self._draining = True
            generation = self._generation
        self._runner.submit(self._drain, self._library, generation, self._renders, on_progress=self._on_loaded,
                            on_done=self._on_drained, on_failure=self._on_drained)

    def _drain(self, library: Library, generation: int,
               renders: bool = False) -> Iterator[tuple[int, str, QImage | None]]:
        """Serve queued requests newest first until none is left (runs on the worker thread)."""
        while True:
            with self._lock:
                if not self._queue or generation != self._generation:
                    self._draining = False
                    return
                sha256, stored_path = self._queue.pop()
            image: QImage | None
            try:
                # A render's thumbnail is keyed by the render file's time: a new render is never shown stale.
                source = preview_source(library, sha256, stored_path) if renders else (sha256, stored_path)
                path = ensure_thumbnail(library, *source)
                reader = QImageReader(str(path))
                reader.setScaledSize(reader.size().scaled(self._size, Qt.AspectRatioMode.KeepAspectRatio))
                image = reader.read()
                if image.isNull():
                    image = None
            except Exception:  # noqa: BLE001 - whatever one broken original raises, the cell keeps its placeholder
                image = None
            with self._lock:
                self._queued.discard(sha256)
            yield generation, sha256, image

    def _on_loaded(self, item: tuple[int, str, QImage | None]) -> None:
        generation, sha256, image = item
        if generation != self._generation:
            return
        if image is None:
            self._failed.add(sha256)
        else:
            self._cache[sha256] = QPixmap.fromImage(image)
            self._cache.move_to_end(sha256)
            while len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)
        self.ready.emit(sha256)

    def _on_drained(self, _result: object) -> None:
        # A drain of an older library stops early; requests queued meanwhile need a new one.
        with self._lock:
            self._draining = False
        self._kick()
