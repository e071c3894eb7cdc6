"""Dialog sizes: as roomy as asked, never larger than the screen the dialog opens on."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QWidget

#: Room left for the window frame and title bar, which the available geometry does not subtract.
FRAME_ROOM = 40


def screen_room(widget: QWidget) -> tuple[int, int]:
    """Return the width and height a window of ``widget`` may take on its screen (frame excluded)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    return area.width() - FRAME_ROOM // 2, area.height() - FRAME_ROOM


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize ``widget`` to ``width`` × ``height`` where the screen has room, else to the screen.

    A 1366×768 laptop at 125 % scaling offers about 1093×574 logical pixels: a fixed
    900×700 dialog would reach under the task bar with its buttons out of sight. The
    size is never below the layout's minimum, so nothing is clipped where room allows.
    """
    room_w, room_h = screen_room(widget)
    least = widget.minimumSizeHint()
    widget.resize(max(least.width(), min(width, room_w)), max(least.height(), min(height, room_h)))


def fit_rows(dialog: QWidget, view: QAbstractItemView, width: int, height: int, *,
             pane: QWidget | None = None) -> None:
    """Show ``view`` and give ``dialog`` ``width`` × ``height`` while the view has rows; else hide it and shrink.

    A findings table with nothing in it was a large blank area under a one-line summary.

    :param pane: what to show or hide, when the view is part of a larger one (a splitter with a preview).
    """
    model = view.model()
    rows = model is not None and model.rowCount() > 0
    (pane or view).setVisible(rows)
    if rows:
        fit_to_screen(dialog, max(width, dialog.width()), max(height, dialog.height()))
        return
    room_w, room_h = screen_room(dialog)
    w = max(dialog.minimumSizeHint().width(), min(width, room_w))
    layout = dialog.layout()
    if layout is not None:
        layout.activate()
    h = layout.totalHeightForWidth(w) if layout is not None and layout.hasHeightForWidth() else -1
    dialog.resize(w, min(room_h, h if h > 0 else dialog.sizeHint().height()))


def show_placeholders(dialog: QWidget) -> None:
    """Make every line edit of ``dialog`` wide enough for its whole placeholder (the hint of what to type).

    Small forms took the width of their buttons, so "at least 8 characters" read "at least 8 charact…".
    """
    for edit in dialog.findChildren(QLineEdit):
        hint = edit.placeholderText()
        if hint:
            margins = edit.textMargins()
            # The frame and the text's side margins: Qt's own line edit adds about 2 × 6 pixels of padding.
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(hint) + margins.left() + margins.right() + 16)
