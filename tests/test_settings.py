"""The settings that rule sending: defaults as before, validation, audit, the code that reads them, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from lookbook.cli import main
from lookbook.customers import matching
from lookbook.errors import InputError
from lookbook.outbox import messages as outbox
from lookbook.outbox import quiet_hours, sender
from lookbook.store import settings
from lookbook.store.database import Store
from lookbook.store.users import PermissionDenied, create_user

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def staffed(store: Store) -> Store:
    create_user(store, "boss", "long-password", "manager")
    create_user(store, "ana", "long-password", "associate")
    return store


def test_defaults_are_the_behaviour_before_settings(store: Store) -> None:
    assert quiet_hours.window(store) == (dt.time(21, 0), dt.time(9, 0))
    assert outbox.associate_cap(store) == 100
    assert settings.value(store, "frequency_days") == 7
    assert settings.value(store, "daily_cap") == 200
    assert settings.value(store, "approval_hours") == 72
    assert settings.value(store, "x_timeout_s") == 30
    assert sender.options_from_settings(store).backoff_s == 30
    assert matching.day_start(store, dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC)) == dt.datetime(2026, 3, 1,
                                                                                                 tzinfo=dt.UTC)
    assert all(is_default for _s, _v, is_default in settings.listing(store))


def test_a_change_is_read_by_the_code_it_rules_and_audited(staffed: Store) -> None:
    store = staffed
    settings.set_value(store, "quiet_hours", "22:30-07:15", "boss")
    settings.set_value(store, "associate_cap", "12", "boss")
    settings.set_value(store, "store_timezone", "Asia/Tokyo", "boss")
    settings.set_value(store, "backoff_s", "5", "boss")
    settings.set_value(store, "x_timeout_s", "12.5", "boss")
    assert quiet_hours.window(store) == (dt.time(22, 30), dt.time(7, 15))
    assert outbox.associate_cap(store) == 12
    # 15:00 UTC is midnight-past in Tokyo (UTC+9): the store's day began at 15:00 UTC.
    assert matching.day_start(store, dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC)) == dt.datetime(2026, 3, 1, 15,
                                                                                                 tzinfo=dt.UTC)
    assert sender.options_from_settings(store).backoff_s == 5
    # Kept with their channel's other settings, where the channel reads them.
    assert store.get_setting("delivery.x") == {"timeout_s": 12.5}
    assert store.get_setting("quiet_hours") == {"start": "22:30", "end": "07:15"}
    rows = store.db.execute("SELECT actor, action, detail FROM audit_log WHERE action = 'settings.set' "
                            "ORDER BY id").fetchall()
    details = [json.loads(r[2]) for r in rows]
    assert [r[0] for r in rows] == ["boss"] * 5
    assert details[0] == {"setting": "quiet_hours", "old": "21:00-09:00", "new": "22:30-07:15"}
    assert details[1] == {"setting": "associate_cap", "old": "100", "new": "12"}


@pytest.mark.parametrize(("name", "bad"), [
    ("quiet_hours", "9pm-9am"), ("quiet_hours", "21:00"), ("quiet_hours", "25:00-09:00"),
    ("frequency_days", "0"), ("frequency_days", "seven"), ("frequency_days", "1.5"),
    ("associate_cap", "-3"), ("daily_cap", "1000001"), ("store_timezone", "Mars/Olympus"),
    ("store_timezone", ""), ("approval_hours", "0"), ("approval_hours", "nan"), ("x_timeout_s", "301"),
    ("backoff_s", "-1"),
])
def test_a_bad_value_gets_one_line_naming_the_setting_and_range(staffed: Store, name: str, bad: str) -> None:
    before = settings.text(staffed, name)
    with pytest.raises(InputError) as caught:
        settings.set_value(staffed, name, bad, "boss")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"setting {name}: ") and settings.setting(name).allowed in message
    assert settings.text(staffed, name) == before
    assert not staffed.db.execute("SELECT 1 FROM audit_log WHERE action = 'settings.set'").fetchone()


def test_a_bad_value_set_by_hand_is_named_when_read(store: Store) -> None:
    store.set_setting("outbox.associate_cap", -1)
    with pytest.raises(InputError, match=r"setting associate_cap .*outbox.associate_cap.*1 to 100000"):
        outbox.associate_cap(store)


def test_only_managers_and_admins_change_settings(staffed: Store) -> None:
    with pytest.raises(PermissionDenied, match="only a manager or an admin"):
        settings.set_value(staffed, "daily_cap", "5", "ana")
    assert settings.value(staffed, "daily_cap") == 200


def test_unknown_setting_is_named(store: Store) -> None:
    with pytest.raises(InputError, match="setting 'loudness': no such setting; use one of quiet_hours"):
        settings.value(store, "loudness")


def test_readme_lists_every_setting_with_its_default() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- settings-table:start -->\n(.*?)<!-- settings-table:end -->", text, re.S)
    assert found and found.group(1) == settings.markdown_table(), (
        "README.md's settings table differs from lookbook/store/settings.py; paste settings.markdown_table() "
        "between the settings-table markers")


def test_cli_names_match_the_settings() -> None:
    from lookbook.cli.verbs.settings import NAMES

    assert NAMES == tuple(s.name for s in settings.SETTINGS)


def test_cli_list_get_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    lib = str(tmp_path / "lib")
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "long-password")
    assert main(["init", lib]) == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("long-password\n"))
    assert main(["--library", lib, "users", "add", "boss", "--role", "admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("long-password\n"))
    assert main(["--library", lib, "--as", "boss", "users", "add", "ana", "--role", "associate",
                 "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "settings", "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["name"] for row in listed] == [s.name for s in settings.SETTINGS]
    assert listed[0]["value"] == "21:00-09:00" and listed[0]["is_default"]
    assert main(["--library", lib, "--as", "boss", "settings", "set", "quiet_hours", "20:00-08:00"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "settings", "get", "quiet_hours"]) == 0
    assert capsys.readouterr().out.strip() == "20:00-08:00"
    assert main(["--library", lib, "--as", "boss", "settings", "set", "daily_cap", "lots"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "lookbook: error: setting daily_cap: 'lots' is not allowed; use a whole number from 1 to 100000."
    assert main(["--library", lib, "--as", "ana", "settings", "set", "daily_cap", "3"]) == 1
    assert "only a manager or an admin" in capsys.readouterr().err
    assert main(["--library", lib, "settings", "set", "daily_cap", "3"]) == 1  # no --as: refused
    assert main(["--library", lib, "settings", "get", "daily_cap"]) == 0
    assert capsys.readouterr().out.strip().endswith("200")
