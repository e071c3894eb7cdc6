"""The Match & Compose page on the demo library: match a set, filter, template, preview, draft, submit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt

from lookbook.lookbooks import sets
from lookbook.outbox import messages as outbox
from lookbook.outbox import templates
from lookbook.store.database import Store
from lookbook.store.users import User
from ui.pages.match import MatchPage, TemplateDialog
from ui.signin import Session
from ui.workers import StoreRunner

ALEX = User(3, "alex", "Alex Kim", "associate", True)
BRAND = "Bellamy"


def on_db(qtbot, db: StoreRunner, fn: Callable[[Store], Any]) -> Any:
    """Run ``fn(store)`` on the DB thread and return its result."""
    box: list[Any] = []
    db.run(fn, on_done=box.append, on_failure=box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=20_000)
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def _make_set(store: Store) -> int:
    photos = [r[0] for r in store.db.execute(
        "SELECT ph.id FROM photos ph JOIN products p ON p.id = ph.product_id JOIN brands b ON b.id = p.brand_id"
        " WHERE b.name = ?", [BRAND])]
    made = sets.create_set(store, brand=BRAND, name="Autumn dresses", actor="sam", photos=photos)
    templates.save_template(store, "Personal", "Hi {first_name}, new {brand}: {sizes_in_stock}. {associate}",
                            "sam", subject="New {brand} in your size")
    templates.save_template(store, "No subject", "Hi {first_name}: {sizes_in_stock}", "sam")
    return made.id


@pytest.fixture
def page(qtbot, opened_demo) -> tuple[MatchPage, Session, int]:
    db, _, _ = opened_demo
    set_id = on_db(qtbot, db, _make_set)
    session = Session()
    page = MatchPage(db, session)
    qtbot.addWidget(page)
    db.library_changed.connect(page.on_library_changed)
    page.resize(1300, 800)
    page.show()
    with qtbot.waitSignal(page.matched, timeout=10_000):
        page.reload()
    return page, session, set_id


def test_match_shows_matches_and_exclusions_with_reasons_and_a_filter(qtbot, page) -> None:
    page, _, set_id = page
    result = page.view_data.result
    assert result.set_id == set_id and result.matches and result.exclusions
    assert page.sets_model.row_values(0)[:3] == ("Autumn dresses", BRAND, 3)
    assert page.matches_model.rowCount() == len(result.matches)
    assert page.tabs.tabText(0) == f"Matches ({len(result.matches)})"
    assert page.tabs.tabText(1) == f"Not Included ({len(result.exclusions)})"
    name, channel, score, why = page.matches_model.row_values(0)
    assert name == result.matches[0].name and f"likes {BRAND}" in why and isinstance(score, float)
    # The view lists the best first, and the reasons cut off in the column are whole in the tooltip.
    assert page.matches_proxy.index(0, 2).data(Qt.ItemDataRole.UserRole) == max(m.score for m in result.matches)
    assert page.matches_proxy.index(0, 3).data(Qt.ItemDataRole.ToolTipRole).count("\n") >= 2
    assert f"{len(result.matches)} to message" in page.summary.text()
    qtbot.keyClicks(page.filter, "consent")
    shown = page.exclusions_proxy.rowCount()
    assert 0 < shown < len(result.exclusions)
    assert page.tabs.tabText(1) == f"Not Included ({shown} of {len(result.exclusions)})"
    for row in range(shown):
        assert "consent" in page.exclusions_proxy.index(row, 1).data().lower()


def test_signing_in_matches_again_for_the_associate(qtbot, page) -> None:
    """Another associate's "1 to 1 only" customers are listed as not included, with the reason."""
    page, session, _ = page
    everyone = {m.customer_id for m in page.view_data.result.matches}
    with qtbot.waitSignal(page.matched, timeout=10_000):
        session.sign_in(ALEX)
    for_alex = page.view_data.result
    left_out = {e.customer_id: "; ".join(e.reasons) for e in for_alex.exclusions}
    others = everyone - {m.customer_id for m in for_alex.matches}
    assert others and all("1 to 1 only with their associate jordan" in left_out[c] for c in others)


def test_nobody_signed_in_may_preview_but_not_draft(qtbot, page) -> None:
    page, _, _ = page
    page.template_box.setCurrentText("Personal")
    assert page.preview_button.isEnabled()
    assert not page.draft_button.isEnabled() and "Sign in" in page.draft_button.toolTip()
    assert not page.submit_button.isEnabled()


def test_preview_flags_problems_then_draft_and_submit(qtbot, page) -> None:
    page, session, set_id = page
    with qtbot.waitSignal(page.matched, timeout=10_000):  # matched again for alex: his customers, not others'
        session.sign_in(ALEX)
    best = page.view_data.result.matches[0]
    # An e-mail recipient with a template that has no subject: flagged before anything is drafted.
    page.template_box.setCurrentText("No subject")
    with qtbot.waitSignal(page.reported, timeout=20_000) as shown:
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    assert best.name in shown.args[0]
    if any(m.channel == "email" for m in page.view_data.result.matches[:5]):
        assert "an email needs a subject" in shown.args[0] and "with problems" in shown.args[0]
    page.template_box.setCurrentText("Personal")
    with qtbot.waitSignal(page.reported, timeout=20_000) as shown:
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    assert "nothing wrong found" in shown.args[0] and "Alex Kim" in shown.args[0]
    assert on_db(qtbot, page.db, lambda store: outbox.list_messages(store, set_id=set_id)) == []

    assert page.draft_button.isEnabled()
    with qtbot.waitSignal(page.reported, timeout=10_000) as drafted:
        qtbot.mouseClick(page.draft_button, Qt.MouseButton.LeftButton)
    best_matches = list(page.view_data.result.matches)
    count = len(best_matches)
    assert count > 1 and f"Drafted {count} messages" in drafted.args[0]
    qtbot.waitUntil(lambda: page.view_data.drafts == count, timeout=20_000)
    assert page.submit_button.isEnabled()
    # Everyone drafted now has a message from this set: matching again says so.
    drafted_ids = {m.customer_id for m in best_matches}
    why = {e.customer_id: "; ".join(e.reasons) for e in page.view_data.result.exclusions}
    assert all("already has a message from this set (draft, drafted by alex)" in why[c] for c in drafted_ids)
    with qtbot.waitSignal(page.reported, timeout=20_000) as submitted:
        qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    assert f"{count} messages submitted for approval" in submitted.args[0]
    rows = on_db(qtbot, page.db, lambda store: outbox.list_messages(store, set_id=set_id))
    assert {(r.state, r.drafted_by) for r in rows} == {("pending", "alex")}
    qtbot.waitUntil(lambda: page.view_data.drafts == 0 and not page.submit_button.isEnabled(), timeout=20_000)


def test_template_editor_checks_placeholders_as_you_type(qtbot, page) -> None:
    page, session, _ = page
    session.sign_in(ALEX)
    dialog = page.open_template(None)
    assert isinstance(dialog, TemplateDialog)
    qtbot.keyClicks(dialog.name, "Quick note")
    qtbot.keyClicks(dialog.body, "Hi {frist_name}")
    assert "unknown placeholder {frist_name}" in dialog.check.text()
    assert "line 1, column 4" in dialog.check.text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Save).isEnabled()
    dialog.body.clear()
    qtbot.keyClicks(dialog.body, "Hi ")
    qtbot.mouseClick(next(b for b in dialog.findChildren(type(page.preview_button)) if b.text() == "{first_name}"),
                     Qt.MouseButton.LeftButton)
    assert dialog.body.toPlainText() == "Hi {first_name}"
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save()
    qtbot.waitUntil(lambda: page.template_box.currentText() == "Quick note", timeout=20_000)
    saved = on_db(qtbot, page.db, lambda store: templates.get_template(store, "Quick note"))
    assert saved.body == "Hi {first_name}"
