"""The command line shows names from imports so they cannot drive the terminal or disguise themselves (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customer_support import add_customer
from lookbook.cli import main
from lookbook.cli.output import one_line, visible
from lookbook.store.database import create_store
from lookbook.store.users import create_user

#: Terminal escapes (clear screen, a hidden hyperlink, set the title), a bidi override, zero-width
#: characters, a C1 control and a bidi isolate: nothing of which may reach a terminal raw.
HOSTILE = ["Eve\x1b[2J\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", "Mallory\u202eexe.txt",
           "Ana\u200bSilva", "Bob\u200d\ufeff", "Carl\x9b31m", "Dee\u2067x\u2069", "Ed\rlookbook: error: fake"]
RAW = set("\x1b\x07\u202e\u200b\u200d\ufeff\x9b\u2067\u2069\r")


def test_visible_escapes_what_the_terminal_would_act_on() -> None:
    assert visible("Mallory\u202eexe.txt") == "Mallory\\u202eexe.txt"
    assert visible("a\x1b[31mred") == "a\\x1b[31mred"
    assert visible("zero\u200bwidth\U000e0041") == "zero\\u200bwidth\\U000e0041"
    assert visible("line\nnext\tcol") == "line\nnext\tcol"  # our own layout stays
    assert one_line("line\nnext\tcol") == "line\\x0anext\\x09col"
    assert visible("Zoë Ødegård 山田 عائشة") == "Zoë Ødegård 山田 عائشة"  # letters of every script stay


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = create_store(tmp_path / "lib")
    create_user(store, "maria", "secret-pass-1", "manager")
    for i, name in enumerate(HOSTILE):
        add_customer(store, name, email=f"c{i}@example.com", last_name="X\u202e")
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass-1")
    return tmp_path / "lib"


def test_listings_and_reports_show_hostile_names_escaped(library: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(library), "customers", "list"]) == 0
    out = capsys.readouterr().out
    assert not RAW & set(out), out
    assert "Mallory\\u202eexe.txt" in out and "Ana\\u200bSilva" in out and "Eve\\x1b[2J" in out
    assert len(out.splitlines()) == len(HOSTILE)  # a carriage return or newline cannot forge a line
    assert main(["--library", str(library), "customers", "show", "2"]) == 0
    assert not RAW & set(capsys.readouterr().out)
    # An import's report names bad values: escaped too, on stderr.
    bad = tmp_path / "bad.csv"
    bad.write_text("first name,email\nZed,not-an-email\u202e\x1b[8m\n", encoding="utf-8")
    assert main(["--library", str(library), "--as", "maria", "customers", "import", str(bad)]) == 0
    err = capsys.readouterr().err
    assert "line 2" in err and "\\u202e\\x1b[8m" in err and not RAW & set(err)


def test_json_output_stays_exact(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(library), "customers", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.isascii() and not RAW & set(out)  # ensure_ascii: bidi and zero-width characters as \\uXXXX
    names = [json.loads(line)["first_name"] for line in out.splitlines()]
    assert sorted(names) == sorted(HOSTILE)


def test_error_messages_naming_values_are_escaped(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(library), "products", "list", "--brand", "Acme\u202e\x1b[2J"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lookbook: error:") and "Acme\\u202e\\x1b[2J" in err and not RAW & set(err)
