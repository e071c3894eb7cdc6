"""Dialogs sized to their content: inside the screen, nothing squeezed, no large blank areas (issue 15)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QDialog, QSplitter

from ui.catalog_import import CatalogImportDialog
from ui.compare_dialog import CompareDialog
from ui.first_run import FirstRunDialog
from ui.pages.customers import CustomerDialog, DuplicatesDialog, ImportDialog
from ui.pages.match import TemplateDialog
from ui.preset_editor import PresetEditor
from ui.restore_dialog import RestoreDialog
from ui.signin import Session, SignInDialog

#: What a 1366×768 laptop screen at 125 % scaling offers a window, after a 40-pixel task bar and the title bar.
LAPTOP_ROOM = (1093, 574)


def _shown(qtbot, dialog: QDialog) -> QDialog:  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog, timeout=20_000)
    return dialog


def test_every_dialog_fits_the_screen_and_its_contents(qtbot, opened_demo, tmp_path: Path) -> None:
    """The offscreen screen is 800×800: narrower than the Style Presets and catalog import dialogs were made."""
    db, thumbs, _ = opened_demo
    area = QGuiApplication.primaryScreen().availableGeometry()
    picture = tmp_path / "p.png"
    image = QImage(120, 90, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.save(str(picture))
    dialogs = {
        "template": TemplateDialog(db, "maria"),
        "customer": CustomerDialog(db, "maria"),
        "presets": PresetEditor(db, lambda *a: None, lambda _c: None, lambda: "maria"),
        "sign in": SignInDialog(db, Session()),
        "first run": FirstRunDialog(db, Session()),
        "catalog": CatalogImportDialog(db, "maria", Path("resources/demo/products.csv")),
        "compare": CompareDialog(thumbs, picture, None, "p"),
        "restore": RestoreDialog([]),  # its size does not depend on the rows
    }
    for name, dialog in dialogs.items():
        _shown(qtbot, dialog)
        least = dialog.minimumSizeHint()
        # Never larger than the screen (less room for the frame) unless the layout cannot be smaller...
        assert dialog.width() <= max(area.width(), least.width()), name
        assert dialog.height() <= max(area.height() - 40, least.height()), name
        # ...and it can always be smaller than 1366×768 at 125 % scaling with a task bar (1093×574).
        assert least.width() <= LAPTOP_ROOM[0] and least.height() <= LAPTOP_ROOM[1], name
        assert dialog.width() >= least.width() and dialog.height() >= least.height(), name  # nothing squeezed
    qtbot.waitSignal(dialogs["compare"].loaded, timeout=20_000)


def test_an_import_without_rejected_rows_shows_no_blank_table(qtbot, opened_demo, tmp_path: Path) -> None:
    db, _, _ = opened_demo
    clean = tmp_path / "clean.csv"
    clean.write_text("first_name,last_name,email\nAna,Ruiz,ana@example.com\n")
    dialog = _shown(qtbot, ImportDialog(db, "maria", clean))
    qtbot.waitUntil(lambda: "would add 1 customers" in dialog.summary.text(), timeout=10_000)
    assert not dialog.problems.isVisible()
    assert dialog.height() < 250  # the summary and the buttons, not a 520-pixel-high empty table
    bad = tmp_path / "bad.csv"
    bad.write_text("first_name,last_name,email\nBad,Row,bad.example.com\n")
    rejected = _shown(qtbot, ImportDialog(db, "maria", bad))
    qtbot.waitUntil(lambda: rejected.problems_model.rowCount() == 1, timeout=10_000)
    assert rejected.problems.isVisible() and rejected.height() >= 400


def test_no_duplicates_shows_no_empty_panes(qtbot, opened_demo) -> None:
    db, _, _ = opened_demo
    dialog = _shown(qtbot, DuplicatesDialog(db, "maria"))
    qtbot.waitUntil(lambda: dialog.hint.text().startswith("No duplicates"), timeout=10_000)
    assert not dialog.findChild(QSplitter).isVisible()
    assert dialog.height() < 200


def test_before_and_after_shrinks_to_a_small_picture(qtbot, runners, tmp_path: Path) -> None:
    _, thumbs = runners
    picture = tmp_path / "small.png"
    image = QImage(120, 90, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.save(str(picture))
    dialog = CompareDialog(thumbs, picture, None, "small")
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        _shown(qtbot, dialog)
    assert dialog.height() < 300  # was 900×700 of grey around a 120×90 picture
    assert dialog.width() <= max(dialog.minimumSizeHint().width(), 300)


def test_small_forms_show_their_whole_placeholders(qtbot) -> None:
    from PySide6.QtWidgets import QLineEdit

    from ui.pages.staff_settings import PersonDialog
    from ui.widgets.customer_profile import ConfirmationDialog

    for dialog in (PersonDialog(), ConfirmationDialog("Ana Ruiz", "e-mail", "maria")):
        _shown(qtbot, dialog)
        for edit in dialog.findChildren(QLineEdit):
            hint = edit.placeholderText()
            if hint:  # the text area inside the frame holds the whole hint ("at least 8 charact…" before)
                room = edit.contentsRect().width() - edit.textMargins().left() - edit.textMargins().right() - 4
                assert edit.fontMetrics().horizontalAdvance(hint) <= room, (type(dialog).__name__, hint)
