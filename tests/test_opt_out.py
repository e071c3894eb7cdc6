"""Opt-outs understood: a labelled set of replies as customers write them, measured on a held-out part.

``tests/data/opt_out_replies.csv``: ``split`` (tune / held_out, a third held out by a hash of the text, fixed
before any rule was written), ``lang``, ``label`` (stop: a clear request to stop; maybe: it may be one; no),
``text``. The goal: every clear opt-out honoured, and nothing that may be one ignored.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fakes.fake_x import FakeX
from lookbook.clienteling import tasks
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.outbox import opt_out
from lookbook.outbox.channels import reachability
from lookbook.outbox.opt_out import MAYBE, NO, STOP, classify
from lookbook.outbox.replies import poll
from lookbook.outbox.sender import direct
from lookbook.store.database import Store
from outbox_support import World, add_staff, add_world
from test_replies import _sent, _x

DATA = Path(__file__).parent / "data" / "opt_out_replies.csv"


@pytest.fixture
def world(store: Store) -> World:
    add_staff(store)
    return add_world(store, customers=2, with_photos=False)


def _rows(split: str | None = None) -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if split is None or r["split"] == split]


def scores(rows: list[dict[str, str]]) -> dict[str, float]:
    """Return clear-stop precision and recall, and the share of stops and maybes flagged (not ignored)."""
    return opt_out.evaluate([(r["label"], r["text"]) for r in rows])


def test_the_labelled_set_is_large_varied_and_split() -> None:
    rows = _rows()
    assert len(rows) >= 300 and len({r["text"] for r in rows}) == len(rows)
    assert {r["lang"] for r in rows} >= {"en", "es", "fr", "de", "it", "pt", "nl"}
    held = _rows("held_out")
    assert len(held) >= 100 and {r["label"] for r in held} == {STOP, MAYBE, NO}
    assert {r["split"] for r in rows} == {"tune", "held_out"}


def test_on_the_held_out_part_every_clear_opt_out_is_honoured_and_none_ignored() -> None:
    result = scores(_rows("held_out"))
    assert result["recall"] == 1.0 and result["flagged"] == 1.0
    assert result["precision"] >= 0.95 and result["false_stops"] == 0


@pytest.mark.parametrize("text", ["STOP STOP STOP", "Stop please, thank you", "Can you stop?", "Arrêtez",
                                  "unsuscribe", "stpo", "🛑", "I'm not interested, please stop"])
def test_what_was_ignored_is_now_an_opt_out(text: str) -> None:
    assert classify(text).kind == STOP


@pytest.mark.parametrize("text", ["Don't stop sending me these!", "stopping by tomorrow", "I'll stop by after work",
                                  "Stop tempting me 😂", "Can you stop holding the shirt, I don't need it anymore",
                                  "N'arrêtez pas, j'adore"])
def test_look_alikes_are_not_opt_outs(text: str) -> None:
    assert classify(text).kind == NO


@pytest.mark.parametrize("text", ["Not interested", "Who is this?", "Stop?", "too many messages tbh"])
def test_a_reply_that_may_be_an_opt_out_is_a_maybe(text: str) -> None:
    assert classify(text).kind == MAYBE


def test_a_maybe_pauses_the_channel_and_asks_the_associate(store: Store, world, fake_x: FakeX) -> None:
    ann, bob = world.customers
    _sent(store, ann, fake_x, "New shirts for you")
    _sent(store, bob, fake_x, "New shirts for you")
    fake_x.receive_dm("1000", "Not interested")
    fake_x.receive_dm("1001", "not interested")
    report = poll(direct(store), x=_x(fake_x))
    assert report.paused == [ann, bob] and not report.withdrawn
    assert "may ask to stop" in report.warnings[0]
    # Not withdrawn, but paused: matching and the sender leave X alone for them.
    assert consent.has_consent(store, ann, "x") and reachability.unreachable(store, ann, "x") is not None
    ask_ann, ask_bob = tasks.list_tasks(store)
    assert ask_ann.kind == "confirm_opt_out" and "Not interested" in ask_ann.detail
    tasks.confirm_opt_out(store, ask_ann.id, True, actor="alex")
    tasks.confirm_opt_out(store, ask_bob.id, False, actor="alex")
    state = consent.consent_state(store, ann, "x", "one_to_one")
    assert (state.granted, state.source, state.by_user) == (False, "reply", "alex")
    assert consent.has_consent(store, bob, "x") and reachability.unreachable(store, bob, "x") is None
    assert tasks.list_tasks(store) == []
    with pytest.raises(InputError, match="done already"):
        tasks.confirm_opt_out(store, ask_bob.id, True, actor="alex")


def test_start_after_stop_still_needs_a_recorded_confirmation(store: Store, world, fake_x: FakeX) -> None:
    ann = world.customers[0]
    fake_x.receive_dm("1000", "STOP STOP STOP")
    poll(direct(store), x=_x(fake_x))
    fake_x.receive_dm("1000", "START")
    report = poll(direct(store), x=_x(fake_x))
    assert opt_out.classify("START").kind == NO and not report.withdrawn
    assert not consent.has_consent(store, ann, "x")  # no consent back without a recorded confirmation
    with pytest.raises(consent.ConfirmationRequired):
        consent.record(store, ann, "x", "one_to_one", True, by_user="alex", source="reply")


def test_outbox_replies_prints_the_polls_warnings_and_counts_strangers(
        tmp_path: Path, fake_x: FakeX, memory_keyring, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.outbox.channels import accounts
    from lookbook.outbox.channels.x import OAuth2Token
    from lookbook.store.database import create_store

    store = create_store(tmp_path / "lib")
    add_staff(store)
    add_world(store, customers=2, with_photos=False)
    accounts.save_x_client(store, fake_x.client_id, "admin")
    accounts.save_x_oauth2(store, OAuth2Token(fake_x.issue_token(), None, None, "dm.write"), user_id=fake_x.me_id,
                           username=fake_x.me_username, actor="admin")
    store.close()
    fake_x.receive_dm("1000", "Here you go 4111 1111 1111 1111")
    fake_x.receive_dm("1001", "Not interested")
    fake_x.receive_dm("999999", "who is this?")
    fake_x.receive_dm("999998", "hello?")
    monkeypatch.setenv("LOOKBOOK_X_API_URL", fake_x.base_url)
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(tmp_path / "lib"))
    assert main(["outbox", "replies"]) == 0
    out, err = capsys.readouterr()
    assert "customer None" not in out and out.count("customer ") == 2
    assert "warning: reply 1:" in err and "payment" in err
    assert "may ask to stop" in err
    assert "2 new replies; 0 withdrew consent; 1 may have asked to stop" in err
    assert "2 messages from people not in the customer book" in err
