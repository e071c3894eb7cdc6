"""Starting the command line: the parser and the everyday verbs do not import the heavy libraries.

Every ``lookbook`` command used to import OpenCV, numpy, Pillow, tweepy and requests before it parsed its
arguments (0.9 s of a 0.94 s start, issue 18). These tests keep that from coming back without timing anything:
they look at ``sys.modules`` in a fresh interpreter. The speed itself is measured by ``python -m
bench.cli_startup``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lookbook.cli import COMMANDS, build_parser, command_in, resolve_handler, verb_parsers

REPO = Path(__file__).resolve().parent.parent
#: What a verb that neither reads photos nor talks to a network must not wait for.
HEAVY = ("numpy", "cv2", "PIL", "tweepy", "requests", "requests_oauthlib", "openpyxl")

_PROBE = """
import json, sys
import lookbook.cli
argv = json.loads(sys.argv[1])
if argv:
    code = lookbook.cli.main(argv)
else:
    lookbook.cli.build_parser()
    code = 0
heavy = [name for name in json.loads(sys.argv[2]) if name in sys.modules]
sys.__stderr__.write("HEAVY=" + json.dumps(heavy) + "\\n")
sys.exit(code)
"""


def _heavy_imported(*argv: str) -> list[str]:
    """Run ``lookbook ARGV`` (or only build the parser) in a fresh interpreter; return the heavy modules it imported."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("LOOKBOOK_PASSWORD", None)
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(list(argv)), json.dumps(HEAVY)],
                          check=False, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("HEAVY="))
    heavy: list[str] = json.loads(line.removeprefix("HEAVY="))
    return heavy


def test_building_the_parser_imports_no_heavy_library() -> None:
    assert _heavy_imported() == []


def test_building_the_parser_imports_not_even_the_store() -> None:
    # --help, --version and a usage error need no library: not even sqlite_utils (a third of a start).
    probe = "import sys, lookbook.cli; lookbook.cli.build_parser(); print(sorted(m for m in sys.modules " \
            "if m.startswith(('sqlite_utils', 'lookbook.store.database', 'lookbook.cli.'))))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60, check=True)
    loaded = json.loads(done.stdout.replace("'", '"'))
    assert [m for m in loaded if not m.startswith(("lookbook.cli.verbs", "lookbook.cli.output"))] == []


@pytest.mark.parametrize("verb", [("info",), ("info", "--json"), ("outbox", "list"),
                                  ("customers", "list", "--limit", "5"), ("users", "list"), ("audit",),
                                  # The set, product and preset verbs once loaded OpenCV through lookbook.photos.ties
                                  # (barcodes) and lookbook.photos.recipes (the render pipeline) (issue 18).
                                  ("sets", "list"), ("products", "list"), ("brands", "list"),
                                  ("brands", "dashboard"), ("presets", "list"), ("presets", "show", "Default")])
def test_everyday_verbs_import_no_heavy_library(tmp_path: Path, verb: tuple[str, ...]) -> None:
    from lookbook.store.database import create_store

    create_store(tmp_path / "lib").close()
    assert _heavy_imported("--library", str(tmp_path / "lib"), *verb) == []


def test_every_verb_names_a_handler_that_exists() -> None:
    # Handlers are "module:function" strings imported when the verb runs: a typo must fail here, not in use.
    for verb, leaf in verb_parsers(build_parser()).items():
        handler = leaf.get_default("handler")
        assert isinstance(handler, str), verb
        module, _, name = handler.partition(":")
        assert module.startswith("lookbook.cli.") and name.startswith("cmd_"), (verb, handler)
        assert callable(resolve_handler(handler)), (verb, handler)


def test_the_parsers_choices_are_the_cores() -> None:
    from lookbook.cli.verbs import choices
    from lookbook.customers import book as customers
    from lookbook.customers import consent
    from lookbook.lookbooks import layouts
    from lookbook.outbox import messages as outbox
    from lookbook.outbox.channels import email, registry
    from lookbook.photos import presets
    from lookbook.store import users

    assert choices.CUSTOMER_SORTS == tuple(customers.SORTS)
    assert choices.CUSTOMER_FIELDS == customers.FIELDS
    assert choices.PAUSE_DAYS_DEFAULT == customers.PAUSE_DAYS_DEFAULT
    assert (choices.CONSENT_CHANNELS, choices.CONSENT_SCOPES) == (consent.CHANNELS, consent.SCOPES)
    assert choices.OUTBOX_STATES == outbox.STATES
    assert choices.ROLES == users.ROLES
    assert choices.EMAIL_SECURITY == email.SECURITY
    assert choices.REACHABILITY_CHANNELS == tuple(sorted(registry.names()))
    assert choices.PRESET_ASPECTS == tuple(presets.ASPECTS)
    assert choices.PRESET_BACKGROUNDS == tuple(presets.BACKGROUNDS)
    assert choices.CARD_OUTPUTS == tuple(layouts.OUTPUT_SIZES)


def test_sqlite_utils_is_imported_without_numpy() -> None:
    probe = ("import sys, lookbook.store.sqlitedb; lookbook.store.sqlitedb.sqlite_utils_module();"
             " import sqlite_utils.db; print('numpy' in sys.modules, sqlite_utils.db.np is None)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60, check=True)
    assert done.stdout.split() == ["False", "True"]
    # numpy itself still imports normally afterwards (photo verbs need it).
    after = ("import lookbook.store.sqlitedb, numpy; lookbook.store.sqlitedb.sqlite_utils_module();"
             " print(numpy.zeros(2).sum())")
    done = subprocess.run([sys.executable, "-c", after], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60, check=True)
    assert done.stdout.strip() == "0.0"


def test_the_catalog_checks_a_gtin_without_an_image_library() -> None:
    # Check digits live in lookbook.catalog.gtin, apart from the OpenCV code reader (lookbook.photos.barcodes).
    probe = ("import sys, lookbook.catalog.products; lookbook.catalog.products.normalize_gtin('4006381333931');"
             "print([m for m in ('cv2', 'numpy', 'PIL', 'zxingcpp') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def _shape(parser: argparse.ArgumentParser) -> list[Any]:
    """Return what a parser accepts: each option's strings, destination, default and choices, sub-commands within."""
    shape: list[Any] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            shape.append({name: _shape(sub) for name, sub in action.choices.items()})
        else:
            shape.append((action.option_strings, action.dest, action.default, action.choices, action.nargs))
    return [shape, parser._defaults, parser.prog]


def test_a_command_builds_only_its_own_verbs_and_they_are_the_same() -> None:
    full = build_parser()
    [commands] = [a for a in full._actions if isinstance(a, argparse._SubParsersAction)]
    assert sorted(commands.choices) == sorted(COMMANDS)  # every command is mapped to the module that adds it
    for command, module in COMMANDS.items():
        alone = build_parser(command)
        [only] = [a for a in alone._actions if isinstance(a, argparse._SubParsersAction)]
        # Only the module's commands (which it adds: the map is right), each exactly as in the whole parser.
        assert set(only.choices) == {c for c, m in COMMANDS.items() if m == module}, (command, module)
        assert {name: _shape(sub) for name, sub in only.choices.items()} == \
            {name: _shape(commands.choices[name]) for name in only.choices}
    assert build_parser("nonsense")._actions[-1].choices.keys() == commands.choices.keys()  # type: ignore[union-attr]


@pytest.mark.parametrize(("argv", "command"), [
    (["sets", "match", "1", "--json"], "sets"),
    (["--library", "/x", "sets", "match", "1"], "sets"),
    (["-L", "/x", "--as", "maria", "outbox", "list"], "outbox"),
    (["-L/x", "--as=maria", "info"], "info"),
    (["--lib", "/x", "--a", "alex", "customers", "list"], "customers"),  # argparse's abbreviations
    (["--library=/x", "catalog"], "catalog"),
    (["--library", "sets", "info"], "info"),  # "sets" is the library folder here
    (["--help", "sets"], None),  # the whole list of commands
    (["-h"], None),
    (["--version"], None),
    (["--", "sets"], None),
    (["--x", "sets"], None),
    (["-L"], None),
    ([], None),
])
def test_the_command_is_found_before_parsing(argv: list[str], command: str | None) -> None:
    assert command_in(argv) == command


@pytest.mark.parametrize("argv", [
    ["--library", "/x", "sets", "match", "12", "--json", "--limit", "5"],
    ["--lib", "/x", "--as", "maria", "outbox", "approve", "3"],
    ["-L/x", "customers", "list", "--limit", "5"],
    ["brands", "dashboard"],
])
def test_a_command_parses_as_the_whole_parser_does(argv: list[str]) -> None:
    assert build_parser(command_in(argv)).parse_args(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", [["sets", "match"], ["sets", "match", "x"], ["sets"], ["--library"],
                                  ["--as", "maria", "nonsense"], ["sets", "--help"], ["--help"]])
def test_help_and_usage_errors_read_as_with_the_whole_parser(argv: list[str], capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    said = []
    for parser in (build_parser(command_in(argv)), build_parser()):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
        said.append(capsys.readouterr())
    assert said[0] == said[1] and (said[0].out or said[0].err)
