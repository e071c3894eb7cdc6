"""The garment box editor: dragging a handle or the box changes the box in original pixels."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from ui.widgets.box_editor import BoxEditor, Edge


def _editor(qtbot, box=(100, 200, 700, 1000)) -> BoxEditor:
    editor = BoxEditor()
    qtbot.addWidget(editor)
    editor.resize(400, 500)
    editor.show()
    qtbot.waitExposed(editor, timeout=20_000)
    preview = QImage(200, 300, QImage.Format.Format_RGB32)  # a small preview of a 800 x 1200 photo
    preview.fill(QColor("#dddddd"))
    editor.set_photo(preview, QSize(800, 1200), box)
    return editor


def _drag(editor: BoxEditor, start: QPoint, end: QPoint) -> None:
    viewport = editor.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 6):
        QTest.mouseMove(viewport, start + (end - start) * i / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_dragging_the_bottom_right_handle_grows_the_box_in_original_pixels(qtbot) -> None:
    editor = _editor(qtbot)
    start = editor.handle_position(Edge.RIGHT | Edge.BOTTOM).toPoint()
    with qtbot.waitSignal(editor.box_edited, timeout=20_000) as blocker:
        _drag(editor, start, start + QPoint(-30, -40))
    old, new = blocker.args
    assert old == (100, 200, 700, 1000)
    # The view shows 1200 px of height in about 500 screen px: 1 screen px is about 2.4 original px.
    scale = 1200 / editor.mapFromScene(0, 1200).y()
    assert new[:2] == (100, 200)
    assert abs(new[2] - (700 - 30 * scale)) < 3 * scale and abs(new[3] - (1000 - 40 * scale)) < 3 * scale
    assert editor.box() == new


def test_dragging_inside_moves_the_box_and_keeps_it_on_the_photo(qtbot) -> None:
    editor = _editor(qtbot, (100, 200, 300, 400))
    centre = editor.mapFromScene(200, 300)
    with qtbot.waitSignal(editor.box_edited, timeout=20_000) as blocker:
        _drag(editor, centre, centre + QPoint(-400, 0))  # far past the left edge
    _old, new = blocker.args
    assert new == (0, 200, 200, 400)


def test_a_handle_cannot_cross_the_opposite_edge(qtbot) -> None:
    editor = _editor(qtbot, (100, 200, 300, 400))
    start = editor.handle_position(Edge.LEFT).toPoint()
    _drag(editor, start, start + QPoint(300, 0))
    x0, _y0, x1, _y1 = editor.box()
    assert x1 - x0 >= 16 and x1 == 300


def test_a_click_without_moving_emits_nothing(qtbot) -> None:
    editor = _editor(qtbot)
    centre = editor.mapFromScene(400, 600)
    with qtbot.assertNotEmitted(editor.box_edited):
        _drag(editor, centre, centre)


def test_arrow_keys_nudge_the_box(qtbot) -> None:
    editor = _editor(qtbot)
    editor.setFocus()
    with qtbot.waitSignal(editor.box_edited, timeout=20_000) as blocker:
        QTest.keyClick(editor, Qt.Key.Key_Right)
    assert blocker.args[1] == (112, 200, 712, 1000)  # 1 % of the long side (1200 px)
