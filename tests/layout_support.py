"""Geometry checks for the app's tests: widgets that a layout squeezed on top of each other.

A layout given less room than its widgets' minimum sizes does not fail: it lays them over one another (a
counter painted across a text box and a button). These helpers find that, so a test can say at which
window size a page still fits.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLayout, QSplitter, QWidget


def _laid_out(layout: QLayout) -> Iterator[QWidget]:
    """Yield the widgets ``layout`` and the layouts nested in it place."""
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        if (widget := item.widget()) is not None:
            yield widget
        elif (inner := item.layout()) is not None:
            yield from _laid_out(inner)


def _siblings(widget: QWidget) -> list[QWidget]:
    """Return the visible widgets placed side by side inside ``widget`` (by its layout or as a splitter)."""
    placed: list[QWidget] = []
    if isinstance(widget, QSplitter):
        placed = [w for i in range(widget.count()) if (w := widget.widget(i)) is not None]
    elif (layout := widget.layout()) is not None:
        placed = list(_laid_out(layout))
    return [w for w in placed if w.isVisible() and w.parentWidget() is widget]


def _rect_in(widget: QWidget, root: QWidget) -> QRect:
    return QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())


def overlaps(root: QWidget) -> list[str]:
    """Return each pair of visible widgets under ``root`` that one layout placed over the other, described.

    Only widgets placed by the same layout (or splitter) are compared: a popup or a scroll area's contents
    may lie over other widgets by design, siblings of one layout never do.
    """
    found: list[str] = []
    for parent in [root, *root.findChildren(QWidget)]:
        if not parent.isVisible():
            continue
        placed = _siblings(parent)
        for i, first in enumerate(placed):
            for second in placed[i + 1:]:
                a, b = _rect_in(first, root), _rect_in(second, root)
                if a.intersects(b):
                    found.append(f"{_name(first)} {a.getRect()} overlaps {_name(second)} {b.getRect()}")
    return found


def _name(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    label = text() if callable(text) else ""
    name = widget.objectName() or widget.accessibleName() or (label if isinstance(label, str) else "")
    return f"{type(widget).__name__}({name[:40]!r})"


def _least_height(widget: QWidget) -> int:
    """Return the least height ``widget`` can show its contents in at its width, as its layout reckons it:
    a minimum set on the widget wins over its hint, and its maximum caps both (Qt's qSmartMinSize)."""
    if widget.hasHeightForWidth():
        need = max(widget.heightForWidth(widget.width()), widget.minimumHeight())
    else:
        need = widget.minimumHeight() or max(widget.minimumSizeHint().height(), 0)
    return min(need, widget.maximumHeight())


def squeezed(root: QWidget) -> list[str]:
    """Return each visible widget under ``root`` that its layout gave less height than it needs, described.

    A label cut in half or a text box too short for a line is as broken as two widgets on top of each other.
    """
    found: list[str] = []
    for parent in [root, *root.findChildren(QWidget)]:
        if not parent.isVisible():
            continue
        for widget in _siblings(parent):
            if widget.layout() is not None or isinstance(widget, QSplitter):
                continue  # a container: what it holds is checked itself (its own need counts them all)
            need = _least_height(widget)
            if widget.height() < need:
                found.append(f"{_name(widget)} is {widget.height()} px high, needs {need}")
    return found


def _least_width(widget: QWidget) -> int:
    """Return the least width ``widget`` shows its contents in, as its layout reckons it (qSmartMinSize)."""
    need = widget.minimumWidth() or max(widget.minimumSizeHint().width(), 0)
    return min(need, widget.maximumWidth())


def narrowed(root: QWidget) -> list[str]:
    """Return each visible widget under ``root`` that its layout gave less width than it needs, described.

    A row of buttons wider than its page is squeezed past its end: the last button runs off the window's edge.
    """
    found: list[str] = []
    for parent in [root, *root.findChildren(QWidget)]:
        if not parent.isVisible():
            continue
        for widget in _siblings(parent):
            need = _least_width(widget)
            if widget.width() < need:
                found.append(f"{_name(widget)} is {widget.width()} px wide, needs {need}")
    return found
