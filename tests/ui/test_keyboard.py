"""Every page works from the keyboard: Tab runs through its controls in reading order, actions have mnemonics."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from ui.main_window import MainWindow


def _name(widget: QWidget | None) -> str:
    if widget is None:
        return "None"
    if isinstance(widget, QAbstractButton):
        return widget.text()
    return widget.accessibleName() or widget.objectName() or type(widget).__name__


def reachable(widgets: list[QWidget]) -> list[QWidget]:
    """Return the widgets Tab can stop on now (shown, enabled, taking focus by Tab), as the focus lands."""
    out = []
    for widget in widgets:
        target = widget.focusProxy() or widget
        if target.isVisible() and target.isEnabled() and target.focusPolicy() & Qt.FocusPolicy.TabFocus:
            out.append(target)
    return out


def assert_tab_order(qtbot, expected: list[QWidget]) -> None:
    """Tab from the first of ``expected`` through the rest, in that order, and on out of the page."""
    order = reachable(expected)
    assert len(order) >= 3, [_name(w) for w in order]
    chain = tab_chain(qtbot, order[0], len(order) + 1)
    assert [_name(w) for w in chain[:-1]] == [_name(w) for w in order]
    assert chain[:-1] == order
    assert chain[-1] not in order  # Tab left the page's last control (it did not loop inside a table or editor)


def assert_mnemonics(page: QWidget) -> None:
    """Every button on the page has a mnemonic (or a shortcut), and no two visible ones share a letter."""
    letters: dict[str, str] = {}
    for button in page.findChildren(QAbstractButton):
        if not button.isVisibleTo(page) or not button.text() or button.text().startswith("{"):
            continue
        text = button.text()
        assert "&" in text or not button.shortcut().isEmpty(), f"{text!r} has no mnemonic or shortcut"
        if "&" in text:
            letter = text[text.index("&") + 1].lower()
            assert letter not in "fevgh", f"{text!r}: Alt+{letter} opens a menu"
            assert letter not in letters, f"{text!r} and {letters[letter]!r} share Alt+{letter}"
            letters[letter] = text


def tab_chain(qtbot, first: QWidget, count: int) -> list[QWidget]:
    """Focus ``first``, press Tab ``count - 1`` times, and return the widgets that had the focus."""
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=20_000)
    chain = [first]
    for _ in range(count - 1):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        chain.append(QApplication.focusWidget())
    return chain


@pytest.fixture
def window(qtbot, runners, demo_library: Path) -> MainWindow:
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    qtbot.addWidget(window)
    window.guide.hide()
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window, timeout=20_000)
    with qtbot.waitSignal(window.counts_shown, timeout=10_000):
        window.open_library(demo_library)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=20_000)
    yield window
    window.close()


def _show(qtbot, window: MainWindow, row: int) -> QWidget:
    window.sidebar.setCurrentRow(row)
    page = window.page(row)
    qtbot.waitUntil(page.isVisible, timeout=20_000)
    return page


def test_products_page_tabs_in_reading_order(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, 1)
    qtbot.waitUntil(lambda: page.products_model.rowCount() > 0, timeout=20_000)
    assert_tab_order(qtbot, [page.brands_view, page.products_view, page.shots_view, page.unassigned_view, page.tabs,
                             page.sets_view, page.set_items_view, page.new_set_button, page.add_button,
                             page.remove_button, page.up_button, page.delete_button])
    assert_mnemonics(page)


def test_customers_page_tabs_in_reading_order(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, 2)
    qtbot.waitUntil(lambda: page.model.total == 500, timeout=20_000)
    with qtbot.waitSignal(page.profile.loaded, timeout=20_000):
        page.view.selectRow(0)
    profile = page.profile
    assert_tab_order(qtbot, [page.search, page.add_button, page.import_button, page.purchases_button,
                             page.export_button, page.duplicates_button, page.view, profile.pause_button,
                             profile.brand_box, profile.not_brand_button, profile.like_button, profile.edit_button,
                             profile.tabs])
    assert_mnemonics(page)
    profile.tabs.setCurrentIndex(1)  # Consent
    profile.consent_view.selectRow(0)
    assert_tab_order(qtbot, [profile.tabs, profile.consent_view, profile.source_box, profile.grant_button,
                             profile.withdraw_button, profile.ledger_view])
    assert_mnemonics(page)


def test_match_page_tabs_in_reading_order(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, 3)
    qtbot.waitUntil(lambda: page.sets_model.rowCount() > 0, timeout=20_000)
    assert_tab_order(qtbot, [page.sets_view, page.rematch, page.filter, page.tabs, page.matches_view,
                             page.template_box, page.new_template, page.edit_template, page.preview_button,
                             page.draft_button, page.submit_button, page.report])
    assert_mnemonics(page)


def test_compose_card_page_tabs_in_reading_order(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, 4)
    qtbot.waitUntil(lambda: page.last_preview is not None, timeout=10_000)
    assert_tab_order(qtbot, [page.set_box, page.layout_box, page.output_box, page.customer_box, page.undo_button,
                             page.redo_button, page.save_as, page.header_check, page.name_check, page.price_check,
                             page.sizes_check, page.line_edit, page.source_list, page.canvas])
    assert_mnemonics(page)


def test_approvals_page_tabs_in_reading_order(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, 5)
    for widget in (page.subject, page.body, page.save_edit, page.comment, page.approve_set, page.reject_set,
                   page.approve_selected, page.reject_selected):
        widget.setEnabled(True)  # as when a manager reviews a set
    assert_tab_order(qtbot, [page.sets_view, page.card_scroll, page.messages_view, page.subject, page.body,
                             page.save_edit, page.comment, page.approve_set, page.reject_set, page.approve_selected,
                             page.reject_selected, page.audit])
    assert_mnemonics(page)


def test_outbox_page_tabs_in_reading_order(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, 6)
    for widget in (page.pause_button, page.cancel_button, page.retry_button, page.offer_button):
        widget.setEnabled(True)  # as while sending, with a failed message selected
        widget.show()
    assert_tab_order(qtbot, [page.filter, page.mine, page.send_button, page.pause_button, page.cancel_button,
                             page.replies_button, page.view, page.detail, page.retry_button, page.offer_button])
    assert_mnemonics(page)


def test_settings_page_tabs_in_reading_order(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, len(window.page_titles) - 1)  # Settings is last
    d = page.delivery
    # Built from what each channel declares when the section loads (Qt shows a box added late on the next turn).
    qtbot.waitUntil(lambda: len(d.channel_boxes) == 4 and all(b.isVisible() for b in d.channel_boxes.values()),
                    timeout=20_000)
    x, mail = d.channel_boxes["x"], d.channel_boxes["email"]
    # The X box top to bottom (its sign-in after its fields), then the e-mail box beside it, top to bottom.
    assert_tab_order(qtbot, [*x.edits.values(), x.save_button, d.sign_in_button, d.sign_out_button, *d.oauth1,
                             d.save_tokens_button, *mail.edits.values(), mail.save_button])
    assert_mnemonics(page)
    # Each field's label takes the focus to it with its Alt letter.
    from PySide6.QtWidgets import QFormLayout, QLabel

    labelled = {}
    for form in page.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if label is not None and isinstance(label.widget(), QLabel):
                labelled[label.widget().text()] = label.widget().buddy()
    # The boxes' labels take the Alt letters left once every button has one (four channels' fields are more
    # than the alphabet): the first fields of X and e-mail have one.
    by_field = {buddy: text for text, buddy in labelled.items()}
    assert "&" in by_field[x.edits["client_id"]] and "&" in by_field[mail.edits["host"]]
    letters = [text[text.index("&") + 1].lower() for text in labelled if "&" in text]
    assert len(letters) == len(set(letters)) and not set(letters) & set("fevgh")


def test_building_the_window_sets_every_tab_order_without_a_qt_warning(qtbot, runners) -> None:
    # Qt ignores a tab order between widgets that are not yet in one window, and says so on stderr;
    # every page must set its order once its widgets are laid out.
    from PySide6.QtCore import qInstallMessageHandler

    warnings: list[str] = []
    previous = qInstallMessageHandler(lambda _mode, _context, message: warnings.append(message))
    try:
        db, thumbs = runners
        window = MainWindow(db, thumbs)
        qtbot.addWidget(window)
    finally:
        qInstallMessageHandler(previous)
    assert [w for w in warnings if "setTabOrder" in w] == []
