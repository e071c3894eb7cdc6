"""Accounts: sign-in without hints, lockout with backoff, roles, deactivation, passwords."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lookbook.errors import InputError
from lookbook.store import users
from lookbook.store.database import Store
from lookbook.store.users import (
    LOCK_AFTER,
    AuthenticationError,
    PermissionDenied,
    authenticate,
    change_password,
    create_user,
    deactivate,
    require_role,
    set_active,
)
from outbox_support import add_staff

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(store: Store) -> Store:
    add_staff(store)
    return store


def test_authenticate_returns_the_user_any_case(staff: Store) -> None:
    user = authenticate(staff, "Maria", "secret-pass")
    assert (user.username, user.role) == ("maria", "manager")


def test_wrong_password_and_unknown_name_give_the_same_message(staff: Store) -> None:
    with pytest.raises(AuthenticationError) as wrong_password:
        authenticate(staff, "maria", "nope")
    with pytest.raises(AuthenticationError) as wrong_name:
        authenticate(staff, "nobody", "secret-pass")
    assert str(wrong_password.value) == str(wrong_name.value) == users.SIGNIN_FAILED
    assert "secret-pass" not in str(wrong_password.value)


def test_lockout_after_repeated_failures_then_backoff(staff: Store) -> None:
    for _ in range(LOCK_AFTER):
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            authenticate(staff, "alex", "bad", now=T0)
    # Locked: even the right password is refused until the lock passes (with the one message).
    with pytest.raises(AuthenticationError, match="wrong user name or password, or too many failed attempts"):
        authenticate(staff, "alex", "secret-pass", now=T0)
    assert _locked_until(staff, "alex") == (T0 + dt.timedelta(seconds=30)).isoformat(timespec="seconds")
    later = T0 + dt.timedelta(seconds=31)
    with pytest.raises(AuthenticationError, match="wrong user name"):
        authenticate(staff, "alex", "bad", now=later)
    with pytest.raises(AuthenticationError, match="wrong user name"):
        authenticate(staff, "alex", "secret-pass", now=later)
    assert _locked_until(staff, "alex") == (later + dt.timedelta(seconds=60)).isoformat(timespec="seconds")
    assert authenticate(staff, "alex", "secret-pass", now=later + dt.timedelta(seconds=61)).username == "alex"
    # Success clears the count: one more failure does not lock.
    with pytest.raises(AuthenticationError, match="wrong user name"):
        authenticate(staff, "alex", "bad", now=later + dt.timedelta(seconds=62))
    assert authenticate(staff, "alex", "secret-pass", now=later + dt.timedelta(seconds=63))
    failures = staff.db.execute("SELECT count(*) FROM audit_log WHERE action = 'user.signin_failed'").fetchone()[0]
    assert failures == LOCK_AFTER + 2


def _locked_until(store: Store, username: str) -> str | None:
    return store.db.execute("SELECT locked_until FROM users WHERE username = ?", [username]).fetchone()[0]


def test_a_locked_account_and_an_unknown_name_get_the_same_answer_by_the_same_path(
        staff: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: the lockout message must not reveal whether an account exists."""
    for _ in range(LOCK_AFTER):
        with pytest.raises(AuthenticationError):
            authenticate(staff, "alex", "bad", now=T0)
    hashed: list[str] = []
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda pw, stored: hashed.append(stored) or real(pw, stored))
    with pytest.raises(AuthenticationError) as locked:
        authenticate(staff, "alex", "secret-pass", now=T0)
    with pytest.raises(AuthenticationError) as unknown:
        authenticate(staff, "nobody", "secret-pass", now=T0)
    with pytest.raises(AuthenticationError) as wrong:
        authenticate(staff, "maria", "bad", now=T0)
    assert str(locked.value) == str(unknown.value) == str(wrong.value) == users.SIGNIN_FAILED
    assert "alex" not in str(locked.value) and not any(ch.isdigit() for ch in str(locked.value))  # no wait in s
    # One scrypt hash each, at the same cost: the lock is not answered faster than a wrong name.
    assert len(hashed) == 3
    assert {users.hash_cost(h) for h in hashed} == {users.PASSWORD_COST}


def test_the_default_cost_is_owasps_and_a_hash_at_it_verifies() -> None:
    assert users.DEFAULT_COST == users.ScryptCost(2**17, 8, 1)
    stored = users.hash_password("correct horse", users.DEFAULT_COST)  # 128 MiB: needs maxmem above 32 MiB
    assert stored.startswith("scrypt$131072$8$1$")
    assert users.verify_password("correct horse", stored)  # (each hash at this cost takes ~0.3 s or more)
    # A forged row asking for an absurd cost is refused, not computed.
    assert not users.verify_password("x", "scrypt$1073741824$8$1$AAAA$AAAA")


def test_sign_in_rehashes_a_password_stored_at_another_cost(staff: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    old = staff.db.execute("SELECT password_hash FROM users WHERE username = 'alex'").fetchone()[0]
    assert users.hash_cost(old) == users.PASSWORD_COST != users.DEFAULT_COST  # made at the tests' low cost
    monkeypatch.setattr(users, "PASSWORD_COST", users.DEFAULT_COST)
    authenticate(staff, "alex", "secret-pass")
    new = staff.db.execute("SELECT password_hash FROM users WHERE username = 'alex'").fetchone()[0]
    assert users.hash_cost(new) == users.DEFAULT_COST
    assert staff.db.execute("SELECT count(*) FROM audit_log WHERE action = 'user.password_rehash'").fetchone()[0] == 1
    authenticate(staff, "alex", "secret-pass")  # verifies at the new cost; not made again
    assert staff.db.execute("SELECT password_hash FROM users WHERE username = 'alex'").fetchone()[0] == new


def test_passwords_need_eight_characters(staff: Store) -> None:
    with pytest.raises(InputError, match="password: use at least 8 characters"):
        create_user(staff, "kim", "seven77", "associate")
    with pytest.raises(InputError, match="at least 8 characters"):
        change_password(staff, "alex", "short", "admin")
    create_user(staff, "kim", "eight888", "associate")
    assert authenticate(staff, "kim", "eight888").username == "kim"


def test_password_never_reaches_the_audit_log(staff: Store) -> None:
    with pytest.raises(AuthenticationError):
        authenticate(staff, "alex", "hunter2")
    change_password(staff, "alex", "brand-new", "alex", old_password="secret-pass")
    text = " ".join(r[0] for r in staff.db.execute("SELECT detail FROM audit_log"))
    assert "hunter2" not in text and "brand-new" not in text and "secret-pass" not in text


def test_deactivated_user_cannot_sign_in(staff: Store) -> None:
    deactivate(staff, "alex", "admin")
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        authenticate(staff, "alex", "secret-pass")
    set_active(staff, "alex", True, "admin")
    assert authenticate(staff, "alex", "secret-pass").active


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
        change_password(staff, "alex", "new-password", "alex", old_password="wrong")
    with pytest.raises(PermissionDenied):
        change_password(staff, "alex", "new-password", "maria")
    with pytest.raises(InputError, match="at least 8"):
        change_password(staff, "alex", "n", "alex", old_password="secret-pass")
    change_password(staff, "alex", "new-password", "admin")
    assert authenticate(staff, "alex", "new-password")
    with pytest.raises(AuthenticationError):
        authenticate(staff, "alex", "secret-pass")


def test_require_role(staff: Store) -> None:
    assert require_role(staff, "maria", "manager").role == "manager"
    with pytest.raises(PermissionDenied, match="'alex' is an associate; only a manager may approve"):
        require_role(staff, "alex", "manager", doing="approve")
    with pytest.raises(PermissionDenied, match="not an active user"):
        require_role(staff, "ghost", "manager")
