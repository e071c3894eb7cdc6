"""The outbox, users and audit verbs, end to end on a library on disk."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lookbook.cli import main
from lookbook.outbox import messages as outbox
from lookbook.store.database import create_store
from lookbook.store.users import SIGNIN_FAILED
from outbox_support import add_staff, add_world


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe"])


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    world = add_world(store)
    store.close()
    monkeypatch.setattr(outbox, "_matches", lambda store, set_id, *_actor: [FakeMatch(c) for c in world.customers])
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(path))
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_draft_submit_approve_list(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--as", "alex", "outbox", "template", "save", "t",
                        "--body", "Hi {first_name}: {sizes_in_stock}")
    assert code == 0
    code, out, _ = _run(capsys, "--as", "alex", "outbox", "draft", "1", "--template", "t")
    assert code == 0 and "Drafted 3 messages" in out
    code, out, _ = _run(capsys, "outbox", "preview", "1", "--template", "t", "--customers", "2", "--json")
    assert [json.loads(line)["body"] for line in out.splitlines()] == ["Hi Cust0: Navy Oxford Shirt in M",
                                                                       "Hi Cust1: Navy Oxford Shirt in M"]
    assert _run(capsys, "--as", "alex", "outbox", "submit", "1")[0] == 0
    code, _, err = _run(capsys, "--as", "alex", "outbox", "approve", "--set", "1")
    assert code == 1 and "only a manager may approve" in err
    code, out, _ = _run(capsys, "--as", "maria", "outbox", "approve", "--set", "1", "-m", "go")
    assert code == 0 and "3 messages approved" in out
    code, out, _ = _run(capsys, "outbox", "list", "--json", "--state", "approved")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3 and {r["decided_by"] for r in rows} == {"maria"}
    code, out, _ = _run(capsys, "audit", "--json", "--entity", "message", "--limit", "100")
    actions = {json.loads(line)["action"] for line in out.splitlines()}
    assert {"message.draft", "message.submit", "message.approve"} <= actions


def test_bad_password_is_one_line(library: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "wrong")
    code, _, err = _run(capsys, "--as", "maria", "outbox", "approve", "--set", "1")
    assert code == 1
    assert err == f"lookbook: error: {SIGNIN_FAILED}\n"


def test_mutation_without_as_says_what_to_do(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "outbox", "submit", "1")
    assert code == 1 and "add --as USER" in err


def test_unknown_placeholder_names_the_column(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--as", "alex", "outbox", "draft", "1", "--text", "Hi {name}")
    assert code == 1 and "line 1, column 4: unknown placeholder {name}" in err


def test_users_add_passwd_deactivate(library: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("pass1234\n"))
    code, _, err = _run(capsys, "--as", "maria", "users", "add", "kim", "--role", "associate", "--password-stdin")
    assert code == 1 and "only an admin may create accounts" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("pass1234\n"))
    code, out, _ = _run(capsys, "--as", "admin", "users", "add", "kim", "--role", "associate", "--password-stdin")
    assert code == 0 and "Created associate 'kim'" in out
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "pass1234")
    monkeypatch.setattr("sys.stdin", io.StringIO("newpass9\n"))
    assert _run(capsys, "--as", "kim", "users", "passwd", "--password-stdin")[0] == 0
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    assert _run(capsys, "--as", "admin", "users", "deactivate", "kim")[0] == 0
    code, out, _ = _run(capsys, "users", "list", "--json")
    kim = [json.loads(line) for line in out.splitlines() if json.loads(line)["username"] == "kim"][0]
    assert kim["active"] is False


def test_a_manager_cannot_approve_her_own_rewrite(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13: maria approves a message, rewrites it (back to pending), then approves it herself: refused."""
    _run(capsys, "--as", "alex", "outbox", "draft", "1", "--text", "Hi {first_name}")
    assert _run(capsys, "--as", "alex", "outbox", "submit", "1")[0] == 0
    assert _run(capsys, "--as", "maria", "outbox", "approve", "1")[0] == 0
    code, out, _ = _run(capsys, "--as", "maria", "outbox", "edit", "1", "--body", "Entirely my own words.")
    assert code == 0 and out == "Message 1 is now pending.\n"
    code, out, err = _run(capsys, "--as", "maria", "outbox", "approve", "1")
    assert code == 1 and out == "0 messages approved.\n"
    assert err == ("  message 1: 'maria' made the last change to it (its text, subject, picture or its "
                   "set's shots) and no one may approve their own change; ask another manager.\n")
    code, out, _ = _run(capsys, "outbox", "list", "--json", "--state", "pending")
    assert {json.loads(line)["id"]: json.loads(line)["changed_by"] for line in out.splitlines()}[1] == "maria"
    assert _run(capsys, "--as", "lee", "outbox", "approve", "1")[0] == 0


def test_a_card_number_in_a_subject_given_with_subject_is_masked(library: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 12: `outbox draft --text ... --subject "... 4111.1111.1111.1111"` reached the mail server intact.
    code, out, _ = _run(capsys, "--as", "alex", "outbox", "draft", "1", "--channel", "email", "--text",
                        "Hi {first_name}", "--subject", "Your card 4111.1111.1111.1111 for {first_name}")
    assert code == 0
    code, out, _ = _run(capsys, "outbox", "list", "--json")
    subjects = {json.loads(line)["subject"] for line in out.splitlines()}
    assert subjects == {f"Your card ••••.••••.••••.1111 for Cust{n}" for n in range(3)}


def test_outbox_list_says_what_whatsapp_reported_after_the_send(library: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from fakes.fake_whatsapp import notification, status
    from lookbook.outbox.channels.whatsapp_webhook import store_payload
    from lookbook.store import settings
    from lookbook.store.database import open_store
    from lookbook.store.library import Library
    from outbox_support import add_sent

    def at(text: str) -> int:
        return int(dt.datetime.fromisoformat(text).timestamp())

    store = open_store(Library.locate(library))
    settings.set_value(store, "store_timezone", "Europe/London", "admin")
    c1, c2, c3 = [r[0] for r in store.db.execute("SELECT id FROM customers ORDER BY id")]
    delivered, read, failed = (add_sent(store, c, wamid) for c, wamid in [(c1, "wamid.d"), (c2, "wamid.r"),
                                                                           (c3, "wamid.f")])
    quiet = add_sent(store, c1, "1234", channel="x")  # X says nothing after a DM is accepted
    store_payload(store, notification(statuses=[
        status("wamid.d", "delivered", "447700900000", at=at("2026-12-01T14:02:00+00:00")),
        status("wamid.r", "delivered", "447700900001", at=at("2026-12-01T14:03:00+00:00")),
        status("wamid.r", "read", "447700900001", at=at("2026-12-01T14:05:00+00:00")),
        status("wamid.f", "failed", "447700900002", code=131026, at=at("2026-12-01T14:04:00+00:00"))]))
    store.close()

    code, out, _ = _run(capsys, "outbox", "list", "--json", "--state", "sent")
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0
    assert (rows[delivered]["delivery_status"], rows[delivered]["delivery_status_at"]) == (
        "delivered", "2026-12-01T14:02:00+00:00")
    # The store's time (London is on GMT in December), the day because it is not today.
    assert rows[delivered]["delivery"] == "delivered Tue 01 Dec 14:02 London time"
    assert rows[read]["delivery"] == "read Tue 01 Dec 14:05 London time"
    assert rows[failed]["delivery"].startswith("failed: WhatsApp cannot deliver to this number")
    assert (rows[quiet]["delivery_status"], rows[quiet]["delivery"]) == (None, "")

    code, out, _ = _run(capsys, "outbox", "list", "--state", "sent")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert code == 0 and "delivery" in lines["id"]
    assert "delivered Tue 01 Dec 14:02 London time" in lines[str(delivered)]
    assert "read Tue 01 Dec 14:05 London time" in lines[str(read)]
    # A failure says "failed" in the column and why in the note.
    assert "  failed  " in lines[str(failed)] and "WhatsApp cannot deliver" in lines[str(failed)]
