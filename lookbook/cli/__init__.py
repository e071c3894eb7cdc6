"""The ``lookbook`` command line.

Each verb group lives in its own module with a ``register(subparsers)`` function
that adds its parsers and sets ``handler`` to a function ``(args, ctx) -> int``.
Errors a person can act on (:class:`~lookbook.errors.LookbookError`) are printed
as one line on stderr with a non-zero exit; anything unexpected is logged in full
to a file and summarised in one line, never shown as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from lookbook import __version__
from lookbook.cli.output import visible_output
from lookbook.cli.verbs import audit as audit_verbs
from lookbook.cli.verbs import catalog as catalog_verbs
from lookbook.cli.verbs import conversations as conversations_verbs
from lookbook.cli.verbs import customers as customers_verbs
from lookbook.cli.verbs import delivery as delivery_verbs
from lookbook.cli.verbs import detect as detect_verbs
from lookbook.cli.verbs import holds as holds_verbs
from lookbook.cli.verbs import layouts as layouts_verbs
from lookbook.cli.verbs import library as library_verbs
from lookbook.cli.verbs import outbox as outbox_verbs
from lookbook.cli.verbs import photos as photos_verbs
from lookbook.cli.verbs import presets as presets_verbs
from lookbook.cli.verbs import report as report_verbs
from lookbook.cli.verbs import sets as sets_verbs
from lookbook.cli.verbs import settings as settings_verbs
from lookbook.cli.verbs import tasks as tasks_verbs
from lookbook.cli.verbs import users as users_verbs
from lookbook.errors import LookbookError

if TYPE_CHECKING:
    from lookbook.cli.context import CliContext

#: The modules that add verbs; each has ``register(subparsers)``. They hold argument definitions only and set
#: ``handler`` to a ``"module:function"`` string, so that a verb imports what it needs (OpenCV, requests...)
#: only when it runs: every command, ``--help`` and ``--version`` included, used to wait for all of them.
COMMAND_MODULES = [library_verbs, outbox_verbs, users_verbs, audit_verbs, customers_verbs, catalog_verbs, sets_verbs,
                   photos_verbs, presets_verbs, detect_verbs, delivery_verbs, layouts_verbs, settings_verbs,
                   holds_verbs, report_verbs, tasks_verbs, conversations_verbs]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every ``lookbook`` verb."""
    parser = argparse.ArgumentParser(prog="lookbook", description="Lookbook Studio from the command line.")
    parser.add_argument("--version", action="version", version=f"lookbook {__version__}")
    parser.add_argument(
        "--library", "-L", metavar="DIR",
        help="the library folder (default: $LOOKBOOK_LIBRARY, else your user data folder)",
    )
    parser.add_argument("--as", dest="as_user", metavar="USER",
                        help="act as this user (password from a prompt or $LOOKBOOK_PASSWORD)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in COMMAND_MODULES:
        module.register(subparsers)
    for verb, leaf in verb_parsers(parser).items():
        leaf.set_defaults(verb=verb)
    return parser


def verb_parsers(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> dict[str, argparse.ArgumentParser]:
    """Return every runnable verb (``outbox send``) and its parser, walking the sub-command tree."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(verb_parsers(sub, (*prefix, name)))
            return found
    return {" ".join(prefix): parser}


def authorize(args: argparse.Namespace, ctx: CliContext) -> None:
    """Check the verb against the role matrix (:mod:`lookbook.store.roles`) before its handler runs.

    A verb that acts as a person needs ``--as`` and a role the matrix allows; a reading verb runs without
    ``--as``, and with it the role is checked all the same.

    :raises LookbookError: if the verb is missing from the matrix, ``--as`` is missing or the role may not.
    """
    # Imported here: the role matrix imports the store, which --help and --version do not need.
    from lookbook.store import roles

    rule = roles.for_verb(args.verb)
    if rule is None:  # a verb added without a decision about who may run it
        raise LookbookError(f"`lookbook {args.verb}` is not in the role matrix (lookbook/store/roles.py); "
                            "no one may run it until it is.")
    if rule.action == "library.create":
        return  # there is no library yet, so no one to sign in as
    needs = rule.signin
    if needs and rule.unless == "first_account":
        needs = ctx.store.db.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0] == 1
    elif needs and rule.unless:
        needs = not getattr(args, rule.unless, False)
    if needs or getattr(args, "as_user", None):
        roles.require(ctx.store, ctx.user.username, rule.action)


def run_verb(args: argparse.Namespace, ctx: CliContext) -> int:
    """Check the role matrix, then run the verb's handler; return its exit status."""
    authorize(args, ctx)
    return int(resolve_handler(args.handler)(args, ctx) or 0)


def resolve_handler(handler: str | Callable[[argparse.Namespace, CliContext], int | None]
                    ) -> Callable[[argparse.Namespace, CliContext], int | None]:
    """Return the handler a verb's parser set: a ``"module:function"`` string is imported now, when the verb runs."""
    if not isinstance(handler, str):
        return handler
    module, _, name = handler.partition(":")
    found: Callable[[argparse.Namespace, CliContext], int | None] = getattr(importlib.import_module(module), name)
    return found


def _log_unexpected(exc: BaseException) -> Path | None:
    try:
        log_dir = Path(platformdirs.user_log_dir("Lookbook Studio", appauthor=False))
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / "lookbook-cli.log"
        with log_file.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
        return log_file
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Everything it prints goes through :func:`~lookbook.cli.output.visible`: names and values from
    imports cannot carry terminal escape codes, bidi overrides or zero-width characters to the screen.
    """
    with visible_output():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    # Imported after parsing: the store (and sqlite_utils under it) is not needed for --help or a usage error.
    from lookbook.cli.context import CliContext
    from lookbook.store.guard import explain
    from lookbook.store.library import DB_NAME

    ctx = CliContext(args)
    try:
        return run_verb(args, ctx)
    except LookbookError as exc:
        print(f"lookbook: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lookbook: interrupted; work already committed is kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except sqlite3.DatabaseError as exc:
        # Reading a damaged page (or a lock, a full disk) surfaces where no statement was wrapped:
        # say what it means for the library rather than SQLite's bare words.
        store = ctx.opened_store
        better = explain(exc, ctx.library_path / DB_NAME,
                         refusal=store.refusal() if store is not None and not store.writable else None,
                         damage_message=getattr(store.db.conn, "damage_message", None) if store else None)
        if better is None:
            where = _log_unexpected(exc)
            detail = f" Details are in {where}." if where else ""
            print(f"lookbook: error: unexpected {type(exc).__name__}: {exc}.{detail}", file=sys.stderr)
            return 2
        print(f"lookbook: error: {better}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence: one line, full details in the log
        where = _log_unexpected(exc)
        detail = f" Details are in {where}." if where else ""
        print(f"lookbook: error: unexpected {type(exc).__name__}: {exc}.{detail}", file=sys.stderr)
        return 2
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
