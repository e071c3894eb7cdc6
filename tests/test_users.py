"""Accounts: sign-in without hints, lockout with backoff, roles, deactivation, passwords."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from outbox_support import add_staff

from lookbook.errors import InputError
from lookbook.store import Store
from lookbook.users import (
    LOCK_AFTER,
    AuthenticationError,
    PermissionDenied,
    authenticate,
    change_password,
    deactivate,
    require_role,
    set_active,
)

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def staff(store: Store) -> Store:
    add_staff(store)
    return store


def test_authenticate_returns_the_user_any_case(staff: Store) -> None:
    user = authenticate(staff, "Maria", "secret")
    assert (user.username, user.role) == ("maria", "manager")


def test_wrong_password_and_unknown_name_give_the_same_message(staff: Store) -> None:
    with pytest.raises(AuthenticationError) as wrong_password:
        authenticate(staff, "maria", "nope")
    with pytest.raises(AuthenticationError) as wrong_name:
        authenticate(staff, "nobody", "secret")
    assert str(wrong_password.value) == str(wrong_name.value) == "sign-in failed: wrong user name or password."
    assert "secret" not in str(wrong_password.value)


def test_lockout_after_repeated_failures_then_backoff(staff: Store) -> None:
    for _ in range(LOCK_AFTER):
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            authenticate(staff, "alex", "bad", now=T0)
    # Locked: even the right password is refused until the lock passes.
    with pytest.raises(AuthenticationError, match=r"too many failed attempts.*try again in 30 s"):
        authenticate(staff, "alex", "secret", now=T0)
    later = T0 + dt.timedelta(seconds=31)
    with pytest.raises(AuthenticationError, match="wrong user name"):
        authenticate(staff, "alex", "bad", now=later)
    with pytest.raises(AuthenticationError, match="try again in 60 s"):
        authenticate(staff, "alex", "secret", now=later)
    assert authenticate(staff, "alex", "secret", now=later + dt.timedelta(seconds=61)).username == "alex"
    # Success clears the count: one more failure does not lock.
    with pytest.raises(AuthenticationError, match="wrong user name"):
        authenticate(staff, "alex", "bad", now=later + dt.timedelta(seconds=62))
    assert authenticate(staff, "alex", "secret", now=later + dt.timedelta(seconds=63))
    failures = staff.db.execute("SELECT count(*) FROM audit_log WHERE action = 'user.signin_failed'").fetchone()[0]
    assert failures == LOCK_AFTER + 2


def test_password_never_reaches_the_audit_log(staff: Store) -> None:
    with pytest.raises(AuthenticationError):
        authenticate(staff, "alex", "hunter2")
    change_password(staff, "alex", "brand-new", "alex", old_password="secret")
    text = " ".join(r[0] for r in staff.db.execute("SELECT detail FROM audit_log"))
    assert "hunter2" not in text and "brand-new" not in text and "secret" not in text


def test_deactivated_user_cannot_sign_in(staff: Store) -> None:
    deactivate(staff, "alex", "admin")
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        authenticate(staff, "alex", "secret")
    set_active(staff, "alex", True, "admin")
    assert authenticate(staff, "alex", "secret").active


def test_only_admins_deactivate_and_never_themselves_or_the_last_admin(staff: Store) -> None:
    with pytest.raises(PermissionDenied, match="'maria' is a manager; only an admin"):
        deactivate(staff, "alex", "maria")
    with pytest.raises(InputError, match="your own account"):
        deactivate(staff, "admin", "admin")
    staff.db.execute("INSERT INTO users (username, display_name, role, password_hash, created_at)"
                     " VALUES ('root2', 'Root', 'admin', 'x', 'now')")
    deactivate(staff, "root2", "admin")
    row = staff.db.execute("SELECT actor, detail FROM audit_log WHERE action = 'user.deactivate'").fetchone()
    assert row[0] == "admin" and json.loads(row[1])["username"] == "root2"


def test_change_password_own_needs_old_and_others_need_admin(staff: Store) -> None:
    with pytest.raises(AuthenticationError):
        change_password(staff, "alex", "newpass", "alex", old_password="wrong")
    with pytest.raises(PermissionDenied):
        change_password(staff, "alex", "newpass", "maria")
    with pytest.raises(InputError, match="at least 4"):
        change_password(staff, "alex", "n", "alex", old_password="secret")
    change_password(staff, "alex", "newpass", "admin")
    assert authenticate(staff, "alex", "newpass")
    with pytest.raises(AuthenticationError):
        authenticate(staff, "alex", "secret")


def test_require_role(staff: Store) -> None:
    assert require_role(staff, "maria", "manager").role == "manager"
    with pytest.raises(PermissionDenied, match="'alex' is an associate; only a manager may approve"):
        require_role(staff, "alex", "manager", doing="approve")
    with pytest.raises(PermissionDenied, match="not an active user"):
        require_role(staff, "ghost", "manager")
