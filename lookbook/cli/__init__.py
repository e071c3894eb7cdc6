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

from lookbook import __version__
from lookbook.cli.output import visible_output
from lookbook.errors import LookbookError

if TYPE_CHECKING:
    from lookbook.cli.context import CliContext

#: The modules that add verbs (under ``lookbook.cli.verbs``); each has ``register(subparsers)``. They hold argument
#: definitions only and set ``handler`` to a ``"module:function"`` string, so that a verb imports what it needs
#: (OpenCV, requests...) only when it runs: every command, ``--help`` and ``--version`` included, used to wait for
#: all of them.
COMMAND_MODULES = ["library", "outbox", "users", "audit", "customers", "catalog", "sets", "photos", "presets",
                   "detect", "delivery", "layouts", "settings", "holds", "report", "tasks", "conversations"]
#: The top-level commands each of :data:`COMMAND_MODULES` adds, so that a command builds only its own part of
#: the parser (``tests/test_cli_startup.py`` checks this against what each module registers).
COMMANDS = {"init": "library", "demo": "library", "info": "library", "check": "library", "backup": "library",
            "backups": "library", "restore": "library", "outbox": "outbox", "users": "users", "audit": "audit",
            "customers": "customers", "catalog": "catalog", "products": "catalog", "brands": "catalog",
            "sets": "sets", "photos": "photos", "render": "photos", "presets": "presets", "detect": "detect",
            "delivery": "delivery", "layouts": "layouts", "settings": "settings", "holds": "holds",
            "report": "report", "tasks": "tasks", "conversations": "conversations"}
#: The options before the command that take a value (``--as`` and ``--library``, also abbreviated, and ``-L``).
_VALUE_OPTIONS = ("--as", "--library")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the parser for every ``lookbook`` verb, or only for ``command``'s verbs when it names a command.

    A command's verbs, their help and their usage errors read the same either way; ``--help`` before the
    command, a mistyped command or none need the whole parser (see :func:`command_in`).
    """
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
    for name in [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES:
        importlib.import_module(f"lookbook.cli.verbs.{name}").register(subparsers)
    for verb, leaf in verb_parsers(parser).items():
        leaf.set_defaults(verb=verb)
    return parser


def command_in(argv: Sequence[str]) -> str | None:
    """Return the command ``argv`` runs (``sets`` of ``--library DIR sets match 1``), or None if unsure.

    Unsure means the whole parser decides: an option other than ``--library``/``-L``/``--as`` before the
    command (``--help`` lists every command), ``--``, or no command at all.
    """
    takes_value = False
    for token in argv:
        if takes_value:
            takes_value = False
        elif not token.startswith("-"):
            return token
        elif token == "-L":
            takes_value = True
        elif not token.startswith(("-L", "--")):
            return None  # -h, or a mistake: argparse explains
        elif token.startswith("--"):
            name, equals, _ = token.partition("=")
            # argparse takes unambiguous abbreviations of long options (--lib DIR).
            if len(name) < 3 or len([o for o in _VALUE_OPTIONS if o.startswith(name)]) != 1:
                return None  # --help, --version, "--", an abbreviation that fits none or both
            takes_value = not equals
        # else -LDIR: the value is attached
    return None


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
    import platformdirs  # here: only a command that fails unexpectedly needs it

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
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(command_in(argv))  # one command's verbs: building all of them took a tenth of a start
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
