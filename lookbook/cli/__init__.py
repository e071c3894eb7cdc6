"""The ``lookbook`` command line.

Each verb group lives in its own module with a ``register(subparsers)`` function
that adds its parsers and sets ``handler`` to a function ``(args, ctx) -> int``.
Errors a person can act on (:class:`~lookbook.errors.LookbookError`) are printed
as one line on stderr with a non-zero exit; anything unexpected is logged in full
to a file and summarised in one line, never shown as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from lookbook import __version__
from lookbook.cli import audit as audit_cmds
from lookbook.cli import catalog as catalog_cmds
from lookbook.cli import customers as customers_cmds
from lookbook.cli import delivery as delivery_cmds
from lookbook.cli import detect as detect_cmds
from lookbook.cli import library as library_cmds
from lookbook.cli import outbox as outbox_cmds
from lookbook.cli import photos as photos_cmds
from lookbook.cli import presets as presets_cmds
from lookbook.cli import sets as sets_cmds
from lookbook.cli import users as users_cmds
from lookbook.cli.context import CliContext
from lookbook.cli.output import visible_output
from lookbook.errors import LookbookError

#: The modules that add verbs; each has ``register(subparsers)``.
COMMAND_MODULES = [library_cmds, outbox_cmds, users_cmds, audit_cmds, customers_cmds, catalog_cmds, sets_cmds,
                   photos_cmds, presets_cmds, detect_cmds, delivery_cmds]


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
    return parser


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
    ctx = CliContext(args)
    try:
        return int(args.handler(args, ctx) or 0)
    except LookbookError as exc:
        print(f"lookbook: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lookbook: interrupted; work already committed is kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:
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
