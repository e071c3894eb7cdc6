"""The Style Presets dialog on the demo library: edit and save, renders redone, undo, the other buttons."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QInputDialog, QMessageBox

from lookbook.photos.preset_library import create_preset
from lookbook.photos.recipes import pending_renders, set_preset
from lookbook.store.users import User
from ui.pages.shoot import ShootPage
from ui.preset_editor import PresetEditor
from ui.signin import Session


@pytest.fixture
def shoot(qtbot, opened_demo) -> Iterator[tuple[ShootPage, QUndoStack, Path]]:
    """The Shoot page on the demo library with its first photo shown; cleaned up even if the test fails."""
    db, thumbs, root = opened_demo
    undo = QUndoStack()
    page = ShootPage(db, thumbs, undo)
    db.library_changed.connect(page.on_library_changed)  # as the main window does
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    with qtbot.waitSignal(page.render_shown, timeout=20_000):
        page.reload()
    yield page, undo, root
    db.library_changed.disconnect(page.on_library_changed)
    page.cleanup()


def _editor(qtbot, page: ShootPage) -> PresetEditor:
    editor = page.open_presets()
    assert editor is not None
    # The presets arrive from the DB thread through the event loop, so the signal cannot have come yet.
    with qtbot.waitSignal(editor.presets_shown, timeout=10_000):
        pass
    assert editor.current() is not None
    return editor


def _query(root: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(root / "library.db") as conn:
        return conn.execute(sql, args).fetchall()


def _hero_ratios(root: Path) -> list[float]:
    ratios = []
    for (sha,) in _query(root, "SELECT sha256 FROM photos ORDER BY id"):
        with Image.open(root / "renders" / sha[:2] / f"{sha}-hero.jpg") as im:
            ratios.append(im.width / im.height)
    return ratios


def _pending(qtbot, page: ShootPage) -> list:
    got: list[list] = []
    page.db.run(pending_renders, on_done=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=20_000)
    return got[0]


@pytest.mark.timeout(600)  # 40 photos rendered twice: 104 s at load 8, more on a busier machine
def test_editing_the_default_preset_saves_it_rerenders_its_photos_and_undo_puts_them_back(qtbot, shoot) -> None:
    page, undo, root = shoot
    assert all(r == pytest.approx(0.8, abs=0.01) for r in _hero_ratios(root))
    editor = _editor(qtbot, page)
    assert editor.current().name == "Default" and editor.current().is_default
    assert "Used by 40 photos" in editor.usage.text()
    assert not editor.save_button.isEnabled()  # nothing edited yet

    with qtbot.waitSignal(editor.preview_shown, timeout=20_000):
        editor.aspect.setCurrentIndex(editor.aspect.findData("1:1"))
        editor.background.setCurrentIndex(editor.background.findData("grey"))
    preview = editor.preview.pixmap()
    assert preview.width() == preview.height()  # the preview already shows the square hero
    assert "(not saved)" in editor.preview_caption.text()
    assert editor.save_button.isEnabled() and editor.dirty()
    assert _query(root, "SELECT count(*) FROM audit_log WHERE entity = 'preset'") == [(0,)]  # nothing stored yet

    steps: list[int] = []
    page.render_progress.connect(lambda done, _total: steps.append(done))
    with qtbot.waitSignal(page.render_all_finished, timeout=240_000) as finished:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    done, problems = finished.args
    assert problems == [] and done >= 39  # the detail panel may have redone the photo it shows
    assert steps[0] == 0 and steps[-1] == done
    [stored] = list_presets_at(root)
    assert stored["aspect"] == "1:1" and stored["background"] == "grey"
    assert all(r == pytest.approx(1.0, abs=0.01) for r in _hero_ratios(root))
    assert _pending(qtbot, page) == []
    entry = _query(root, "SELECT actor, action, detail FROM audit_log WHERE entity = 'preset'")
    assert [(a, b) for a, b, _ in entry] == [(page.actor, "preset.update")]
    assert json.loads(entry[0][2])["before"]["aspect"] == "4:5"
    qtbot.waitUntil(lambda: "Re-rendered" in editor.status.text(), timeout=20_000)
    assert not editor.dirty() and undo.undoText() == "Edit Preset 'Default'"

    with qtbot.waitSignal(page.render_all_finished, timeout=240_000):
        undo.undo()
    assert list_presets_at(root)[0]["aspect"] == "4:5"
    assert all(r == pytest.approx(0.8, abs=0.01) for r in _hero_ratios(root))
    qtbot.waitUntil(lambda: editor.aspect.currentData() == "4:5", timeout=20_000)  # the form follows the undo


def list_presets_at(root: Path) -> list[dict]:
    return [json.loads(r[0]) for r in _query(root, "SELECT settings FROM presets ORDER BY is_default DESC, name")]


def test_new_rename_default_and_delete(qtbot, shoot, monkeypatch: pytest.MonkeyPatch) -> None:
    page, undo, root = shoot
    editor = _editor(qtbot, page)
    names = iter(["Square", "default", "Square Grey"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: (next(names), True))

    with qtbot.waitSignal(editor.presets_shown, timeout=10_000):
        editor.new_button.click()
    qtbot.waitUntil(lambda: editor.current().name == "Square", timeout=20_000)
    assert [editor.list.item(i).text() for i in range(editor.list.count())] == ["Default", "Square"]
    _query(root, "UPDATE photos SET recipe = '{\"preset\": \"Square\"}' WHERE id IN (1, 2)")
    _query(root, "UPDATE photos SET recipe = '{\"preset\": \"Default\"}' WHERE id IN (3, 4, 5)")

    editor.rename_button.click()  # "default" is taken: said inline, nothing stored
    assert "'Default' already exists" in editor.problem.text()
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        editor.rename_button.click()
    assert undo.undoText() == "Rename Preset 'Square'"
    assert _query(root, "SELECT recipe FROM photos WHERE id IN (1, 2)") == [('{"preset": "Square Grey"}',)] * 2
    qtbot.waitUntil(lambda: editor.current().name == "Square Grey", timeout=20_000)

    with qtbot.waitSignal(editor.saved, timeout=10_000):
        editor.default_button.click()
    qtbot.waitUntil(lambda: editor.current().is_default, timeout=20_000)
    assert not editor.delete_button.isEnabled()  # the default cannot be deleted
    with qtbot.waitSignal(editor.presets_shown, timeout=10_000):
        editor.reload()  # the counts, after the photos were pinned behind the dialog's back
    editor.list.setCurrentRow(1)
    assert editor.current().name == "Default" and editor.delete_button.isEnabled()
    assert "Used by 3 photos" in editor.usage.text()
    questions: list[str] = []

    def answer(_parent, _title, text, *_a, **_k):
        questions.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        editor.delete_button.click()
    assert "3 photos using it will use 'Square Grey' and be re-rendered" in questions[0]
    qtbot.waitUntil(lambda: editor.list.count() == 1, timeout=20_000)
    assert "3 photos moved to 'Square Grey'" in editor.status.text()
    assert [r[0] for r in _query(root, "SELECT name FROM presets")] == ["Square Grey"]
    assert [r[0] for r in _query(root, "SELECT action FROM audit_log WHERE entity = 'preset' ORDER BY id")] == [
        "preset.create", "preset.update", "preset.default", "preset.delete"]
    qtbot.waitUntil(lambda: page.panel.preset.count() == 1, timeout=20_000)  # the Shoot page's combo follows
    assert page.panel.preset.itemText(0) == "Square Grey"
    if page.importing():
        with qtbot.waitSignal(page.render_all_finished, timeout=90_000):
            page.cancel_import()


def test_unsaved_settings_are_asked_about_and_an_associate_may_only_look(
        qtbot, shoot, monkeypatch: pytest.MonkeyPatch) -> None:
    page, _undo, _root = shoot
    editor = _editor(qtbot, page)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("Story", True))
    with qtbot.waitSignal(editor.presets_shown, timeout=10_000):
        editor.new_button.click()
    qtbot.waitUntil(lambda: editor.current().name == "Story", timeout=20_000)
    editor.margin.setValue(12.0)
    assert editor.margin_slider.value() == 12 and editor.dirty()
    asked: list[str] = []

    def cancel(_parent, _title, text, *_a, **_k):
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    editor.list.setCurrentRow(0)  # Cancel: stay on the edited preset, edits kept
    assert asked == ["Save the changes to 'Story'?"]
    assert editor.current().name == "Story" and editor.list.currentRow() == 1 and editor.margin.value() == 12.0
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    editor.list.setCurrentRow(0)
    assert editor.current().name == "Default" and not editor.dirty()
    editor.close()
    assert not editor.isVisible()

    page.session = Session()
    page.session.sign_in(User(9, "alex", "Alex Kim", "associate", True))
    with qtbot.waitSignal(editor.presets_shown, timeout=10_000):
        page.open_presets()
    assert editor.note.isVisible() and "a merchandiser, manager or admin can change them" in editor.note.text()
    for widget in (editor.aspect, editor.margin, editor.caption, editor.new_button, editor.rename_button,
                   editor.default_button, editor.save_button):
        assert not widget.isEnabled()


def test_the_photo_panel_and_the_toolbar_open_the_editor_and_tab_walks_the_form(qtbot, shoot) -> None:
    page, _undo, _root = shoot
    assert page.presets_action.shortcut().toString() == "Ctrl+Shift+P"
    photo = page.current_photo_id()

    def pin(store) -> None:
        create_preset(store, "Story", "sam", aspect="9:16")
        set_preset(store, photo, "Story", "sam")

    page.db.run(pin, on_done=lambda _r: page._recipe_saved(photo))
    qtbot.waitUntil(lambda: page.panel.preset.currentText() == "Story", timeout=10_000)
    page.panel.edit_presets_button.click()
    editor = page.preset_editor
    assert editor is not None and editor.isVisible()
    qtbot.waitUntil(lambda: editor.current() is not None, timeout=20_000)
    qtbot.waitUntil(lambda: editor.photo is not None and editor.photo.photo_id == page.current_photo_id(),
                    timeout=20_000)
    assert editor.current().name == "Story"  # the photo's own preset is shown first
    editor.activateWindow()
    editor.aspect.setFocus()
    qtbot.waitUntil(editor.aspect.hasFocus, timeout=20_000)
    walked = []
    for _ in range(4):
        qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_Tab)
        walked.append(editor.focusWidget())
    assert walked == [editor.margin, editor.background, editor.exposure, editor.white_balance]
