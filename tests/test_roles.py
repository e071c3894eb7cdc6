"""The role matrix: every CLI verb is in it, every verb × role is checked against it, the README shows it."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lookbook.cli import build_parser, run_verb, verb_parsers
from lookbook.cli.context import CliContext
from lookbook.errors import LookbookError
from lookbook.store import roles
from lookbook.store.database import create_store
from lookbook.store.users import ROLES, PermissionDenied, create_user

README = Path(__file__).resolve().parent.parent / "README.md"
PASSWORD = "roles-pass-1"
#: One account per role.
ACCOUNT = {"associate": "ava", "merchandiser": "mel", "manager": "gus", "admin": "dee"}
PARSER = build_parser()
VERBS = verb_parsers(PARSER)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("roles") / "lib"
    store = create_store(root)
    for role, name in ACCOUNT.items():
        create_user(store, name, PASSWORD, role)
    create_user(store, "gone", PASSWORD, "manager")
    store.db.execute("UPDATE users SET active = 0 WHERE username = 'gone'")
    store.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOOKBOOK_PASSWORD", PASSWORD)
        yield root


def _value(action: argparse.Action) -> str:
    return str(action.choices[0] if action.choices else 1) if not isinstance(action.choices, dict) else "x"


def _argv(verb: str) -> list[str]:
    """Return the shortest command line that parses for ``verb``: its required arguments, with dummy values."""
    parser = VERBS[verb]
    argv = verb.split()
    for action in parser._actions:
        if action.option_strings:
            if action.required:
                argv += [action.option_strings[0], _value(action)]
        elif action.nargs not in ("?", "*", argparse.SUPPRESS):
            argv.append(_value(action))
    for group in parser._mutually_exclusive_groups:
        if group.required:
            first = group._group_actions[0]
            if first.option_strings:
                argv += [first.option_strings[0]] + ([] if first.nargs == 0 else [_value(first)])
            elif first.nargs in ("?", "*"):
                argv.append(_value(first))
    return argv


def _run(library: Path, verb: str, user: str | None) -> bool:
    """Dispatch ``verb`` as ``user`` through the real CLI path with its handler stubbed; return whether it ran."""
    as_user = ["--as", user] if user else []
    args = PARSER.parse_args(["--library", str(library), *as_user, *_argv(verb)])
    ran: list[str] = []
    args.handler = lambda a, ctx: ran.append(a.verb) or 0
    ctx = CliContext(args)
    try:
        assert run_verb(args, ctx) == 0
    finally:
        ctx.close()
    return ran == [verb]


def test_every_cli_verb_is_in_the_matrix_once_and_every_matrix_verb_exists() -> None:
    assert [v for v in VERBS if roles.for_verb(v) is None] == []  # a verb added without a role decision
    listed = [v for rule in roles.MATRIX for v in rule.cli]
    assert sorted(listed) == sorted(VERBS)
    assert len(listed) == len(set(listed))
    assert len({rule.action for rule in roles.MATRIX}) == len(roles.MATRIX)


def test_a_verb_missing_from_the_matrix_is_refused(library: Path) -> None:
    args = PARSER.parse_args(["--library", str(library), "info"])
    args.verb, ran = "outbox frobnicate", []
    args.handler = lambda a, ctx: ran.append(1) or 0
    ctx = CliContext(args)
    with pytest.raises(LookbookError, match=r"`lookbook outbox frobnicate` is not in the role matrix"):
        run_verb(args, ctx)
    ctx.close()
    assert ran == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb", sorted(VERBS))
def test_verb_as_role_follows_the_matrix(library: Path, verb: str, role: str) -> None:
    rule = roles.for_verb(verb)
    assert rule is not None
    if rule.action == "library.create":
        assert _run(library, verb, ACCOUNT[role])  # no library yet: no one to check
    elif role in rule.roles:
        assert _run(library, verb, ACCOUNT[role])
    else:
        with pytest.raises(PermissionDenied, match=rf"^'{ACCOUNT[role]}' is an? {role}; only an? .* may "):
            _run(library, verb, ACCOUNT[role])


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_verb_without_a_user_needs_one_only_if_the_matrix_says(library: Path, verb: str) -> None:
    rule = roles.for_verb(verb)
    assert rule is not None
    if rule.signin and not rule.unless:
        with pytest.raises(LookbookError, match="this command acts as a person: add --as USER"):
            _run(library, verb, None)
    elif rule.unless == "first_account":
        with pytest.raises(LookbookError, match="add --as USER"):  # this library has accounts already
            _run(library, verb, None)
    elif rule.unless:
        with pytest.raises(LookbookError, match="add --as USER"):
            _run(library, verb, None)
        args_verb = [*_argv(verb), f"--{rule.unless.replace('_', '-')}"]
        args = PARSER.parse_args(["--library", str(library), *args_verb])
        args.handler = lambda a, ctx: 0
        ctx = CliContext(args)
        assert run_verb(args, ctx) == 0
        ctx.close()
    else:
        assert _run(library, verb, None)


def test_a_deactivated_account_may_run_nothing_that_acts(library: Path) -> None:
    with pytest.raises(LookbookError):
        _run(library, "outbox list", "gone")


def test_the_first_account_of_an_empty_library_needs_no_sign_in(tmp_path: Path) -> None:
    create_store(tmp_path / "empty").close()
    assert _run(tmp_path / "empty", "users add", None)


def test_roles_for_and_allowed_read_the_matrix() -> None:
    assert roles.roles_for("outbox.approve") == ("manager",)
    assert roles.roles_for("outbox.send") == ("associate", "manager", "admin")
    assert not roles.allowed("merchandiser", "outbox.send") and roles.allowed("manager", "outbox.cancel")
    assert not roles.allowed(None, "outbox.approve")


def test_readme_shows_the_generated_matrix() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- roles-table:start -->\n(.*?)<!-- roles-table:end -->", text, re.S)
    assert found, "README.md lacks the roles table markers; paste roles.markdown_table() between them"
    assert found.group(1) == roles.markdown_table(), (
        "README.md's role table differs from lookbook/store/roles.py; regenerate it with "
        "`python -c 'from lookbook.store.roles import markdown_table; print(markdown_table())'`")


# -- the defects of issue 13, end to end -------------------------------------------------------------------
def test_a_merchandiser_cannot_send_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from outbox_support import add_staff

    store = create_store(tmp_path / "lib")
    add_staff(store)
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    assert main(["--library", str(tmp_path / "lib"), "--as", "sam", "outbox", "send", "--no-wait"]) == 1
    assert capsys.readouterr().err == ("lookbook: error: 'sam' is a merchandiser; only an associate, a manager or "
                                       "an admin may send approved messages, retry failed ones.\n")


def test_cancel_is_limited_to_ones_own_drafts_and_pending_unless_a_manager(store) -> None:
    from lookbook.outbox.messages import cancel, message_state
    from outbox_support import add_message, add_staff, add_world

    add_staff(store)
    world = add_world(store, customers=4, with_photos=False)
    pending = add_message(store, world.customers[0], set_id=world.set_id, state="pending", drafted_by="alex")
    report = cancel(store, "sam", [pending], "not needed")
    assert report.done == [] and report.refused == [
        (pending, f"message {pending}: drafted by 'alex'; only they or a manager may cancel it.")]
    with pytest.raises(PermissionDenied, match="'admin' is an admin; only an associate, a merchandiser or a manager"):
        cancel(store, "admin", [pending], "not needed")
    approved = add_message(store, world.customers[1], set_id=world.set_id, state="approved", drafted_by="alex")
    report = cancel(store, "alex", [approved], "changed my mind")
    assert report.refused == [(approved, f"message {approved}: it is approved; only a manager may cancel it now.")]
    assert cancel(store, "alex", [pending], "changed my mind").done == [pending]
    assert cancel(store, "maria", [approved], "stock issue").done == [approved]
    assert message_state(store, pending) == message_state(store, approved) == "cancelled"
