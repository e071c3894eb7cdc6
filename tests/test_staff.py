"""A new store starts from nothing: the first-run setup, and an admin's staff management (roles)."""

from __future__ import annotations

import json

import pytest

from lookbook.errors import InputError
from lookbook.outbox import compose
from lookbook.store import settings
from lookbook.store.database import Store
from lookbook.store.users import (
    PermissionDenied,
    authenticate,
    create_user,
    first_run_setup,
    list_users,
    set_role,
)


def _setup(store: Store, **changes: str) -> None:
    values = {"username": "olga", "password": "long-password", "store_name": "Corner Shop",
              "time_zone": "Asia/Tokyo", "postal_address": "1 Main St\nTown", "email_from": "Corner <hi@corner.test>"}
    first_run_setup(store, **{**values, **changes})


def test_first_run_makes_an_admin_and_the_store(store: Store) -> None:
    _setup(store)
    assert [(u.username, u.role) for u in list_users(store)] == [("olga", "admin")]
    assert authenticate(store, "olga", "long-password").role == "admin"
    assert settings.value(store, "store_timezone") == "Asia/Tokyo"
    footer = compose.store_footer(store)
    assert footer.store_name == "Corner Shop" and footer.postal_address == "1 Main St\nTown"
    assert footer.unsubscribe == "mailto:hi@corner.test"
    assert store.get_setting("delivery.email") == {"from_address": "hi@corner.test", "from_name": "Corner"}
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["user.create", "settings.store", "settings.set", "settings.email_sender"]


@pytest.mark.parametrize(("field", "bad", "says"), [
    ("password", "short", "at least 8 characters"),
    ("time_zone", "Nowhere/Land", "setting store_timezone"),
    ("email_from", "not an address", "e-mail sender"),
    ("store_name", " ", "store name"),
    ("postal_address", "", "postal address"),
    ("username", "bad name!", "user name"),
])
def test_a_bad_field_keeps_nothing(store: Store, field: str, bad: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        _setup(store, **{field: bad})
    assert list_users(store) == []
    assert store.get_setting("store.name") is None and store.get_setting("store.timezone") is None


def test_first_run_only_once(store: Store) -> None:
    _setup(store)
    with pytest.raises(InputError, match="already has accounts"):
        _setup(store, username="mallory")


def test_admin_changes_roles_audited(store: Store) -> None:
    _setup(store)
    create_user(store, "ana", "long-password", "associate", actor="olga")
    set_role(store, "ana", "manager", "olga")
    assert {u.username: u.role for u in list_users(store)}["ana"] == "manager"
    row = store.db.execute("SELECT actor, detail FROM audit_log WHERE action = 'user.role'").fetchone()
    assert row[0] == "olga" and json.loads(row[1]) == {"username": "ana", "old": "associate", "new": "manager"}
    with pytest.raises(PermissionDenied):
        set_role(store, "olga", "associate", "ana")
    with pytest.raises(InputError, match="last active admin"):
        set_role(store, "olga", "manager", "olga")
    with pytest.raises(InputError, match="role 'boss'"):
        set_role(store, "ana", "boss", "olga")
