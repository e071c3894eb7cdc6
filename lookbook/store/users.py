"""Local user accounts and their roles; passwords kept only as scrypt hashes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from lookbook.errors import InputError, LookbookError
from lookbook.hooks import Changes
from lookbook.store.database import Store, inserted_id, utcnow

ROLES = ("associate", "merchandiser", "manager", "admin")


@dataclass(frozen=True)
class ScryptCost:
    """scrypt's work factors: ``n`` (CPU and memory), ``r`` (block size) and ``p`` (parallelism)."""

    n: int
    r: int
    p: int

    @property
    def maxmem(self) -> int:
        """Return the memory limit to give hashlib: scrypt needs 128·r·n bytes (hashlib allows 32 MiB by default)."""
        return 128 * self.r * (self.n + self.p + 2) + (1 << 20)


#: OWASP's current advice for scrypt: n=2**17, r=8, p=1 (128 MiB and ~0.3 s per hash).
DEFAULT_COST = ScryptCost(2**17, 8, 1)
#: The cost new hashes are made at; a stored hash at another cost is re-made at the next sign-in. The one
#: knob: tests lower it (tests/conftest.py) to stay fast, and tests of the cost check :data:`DEFAULT_COST`.
PASSWORD_COST = DEFAULT_COST
#: A stored hash claiming more than this is refused rather than computed (a forged row could ask for gigabytes).
_MAX_N = 2**20
#: The shortest password accepted when one is set.
MIN_PASSWORD_LENGTH = 8
#: Failed sign-ins allowed before the account is locked, and the first lock; each further failure doubles it.
LOCK_AFTER = 5
LOCK_FIRST_S = 30
LOCK_MAX_S = 15 * 60
#: The one message for every refused sign-in (wrong name, wrong password, deactivated or locked), so that
#: no answer tells whether an account exists.
SIGNIN_FAILED = ("sign-in failed: wrong user name or password, or too many failed attempts; check them, wait a "
                 "few minutes and try again, or ask an admin to reset the password.")
# Verified when the user name is unknown, so a wrong name takes as long as a wrong password (one per cost).
_dummy_hashes: dict[ScryptCost, str] = {}


class AuthenticationError(LookbookError):
    """A sign-in was refused (the message never says whether the name or the password was wrong)."""


class PermissionDenied(LookbookError):
    """The signed-in user's role does not allow what they asked for."""


def hash_password(password: str, cost: ScryptCost | None = None) -> str:
    """Return a salted scrypt hash of ``password`` in a self-describing text form.

    :param cost: the work factors; default :data:`PASSWORD_COST`.
    """
    c = cost or PASSWORD_COST
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=c.n, r=c.r, p=c.p, maxmem=c.maxmem, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${c.n}${c.r}${c.p}${b64(salt).decode()}${b64(key).decode()}"


def hash_cost(stored: str) -> ScryptCost | None:
    """Return the cost a stored hash was made at, or None if it is not a scrypt hash of ours."""
    try:
        scheme, n, r, p, _salt, _key = stored.split("$")
        return ScryptCost(int(n), int(r), int(p)) if scheme == "scrypt" else None
    except ValueError:
        return None


def verify_password(password: str, stored: str) -> bool:
    """Return whether ``password`` matches a hash made by :func:`hash_password` (at any sane cost)."""
    cost = hash_cost(stored)
    if cost is None or not 1 < cost.n <= _MAX_N or not 0 < cost.r <= 64 or not 0 < cost.p <= 16:
        return False
    try:
        salt, key = stored.split("$")[4:]
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=cost.n, r=cost.r, p=cost.p,
                                maxmem=cost.maxmem, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _dummy_hash() -> str:
    cost = PASSWORD_COST
    if cost not in _dummy_hashes:
        _dummy_hashes[cost] = hash_password(secrets.token_hex(8), cost)
    return _dummy_hashes[cost]


def check_password_strength(password: str) -> None:
    """Refuse a new password that is too short.

    :raises InputError: if it has fewer than :data:`MIN_PASSWORD_LENGTH` characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password: use at least {MIN_PASSWORD_LENGTH} characters (a few words are easy to "
                         "remember); nothing was changed.")


@dataclass(frozen=True)
class User:
    """A staff account as the app sees it (never its password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool


def create_user(store: Store, username: str, password: str, role: str, display_name: str = "",
                actor: str = "system") -> User:
    """Create a local account.

    :raises InputError: if the name is taken, the role unknown or the password too short.
    """
    username = username.strip()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InputError("user name: use letters, digits, '.', '_' or '-' only.")
    if role not in ROLES:
        raise InputError(f"role '{role}': choose one of {', '.join(ROLES)}.")
    check_password_strength(password)
    if store.db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise InputError(f"user '{username}' already exists; choose another name.")
    with store.atomic():
        cur = store.db.execute(
            "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [username, display_name or username, role, hash_password(password), utcnow()],
        )
        user_id = inserted_id(cur)
        store.audit(actor, "user.create", "user", user_id, username=username, role=role)
    store.notify(Changes(users=True, audit=True))
    return User(user_id, username, display_name or username, role, True)


def list_users(store: Store) -> list[User]:
    """Return every account, by name."""
    return [User(r[0], r[1], r[2], r[3], bool(r[4])) for r in store.db.execute(
        "SELECT id, username, display_name, role, active FROM users ORDER BY username")]


def _row_to_user(row: tuple) -> User:
    return User(row[0], row[1], row[2], row[3], bool(row[4]))


def get_user(store: Store, username: str) -> User:
    """Return the account called ``username`` (any case).

    :raises InputError: if there is none.
    """
    row = store.db.execute("SELECT id, username, display_name, role, active FROM users WHERE username = ?",
                           [username]).fetchone()
    if row is None:
        raise InputError(f"user '{username}': no such user; see `lookbook users list`.")
    return _row_to_user(row)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def authenticate(store: Store, username: str, password: str, *, now: dt.datetime | None = None) -> User:
    """Return the active account whose name and password match.

    After :data:`LOCK_AFTER` failures in a row the account is locked for 30 s, doubling with each further
    failure up to 15 min; a success clears the count. Failures and locks go to the audit log. A hash made
    at another cost than :data:`PASSWORD_COST` is made again at that cost on a successful sign-in.

    Every refusal has the one message :data:`SIGNIN_FAILED` and computes one hash, for an unknown name, a
    wrong password, a deactivated account and a locked one alike, so neither the words nor the time tell
    whether an account exists or is locked (the lock and its end are in the audit log for an admin).

    :param now: the time to judge the lock by (tests); default the clock.
    :raises AuthenticationError: with :data:`SIGNIN_FAILED`.
    """
    moment = _now(now)
    row = store.db.execute(
        "SELECT id, username, display_name, role, active, password_hash, failed_logins, locked_until"
        " FROM users WHERE username = ?", [username.strip()]).fetchone()
    if row is None:
        verify_password(password, _dummy_hash())
        raise AuthenticationError(SIGNIN_FAILED)
    user_id, name, _display, _role, active, stored, failures, locked_until = row
    matches = verify_password(password, stored)  # computed even when locked: the same time as any refusal
    if locked_until and dt.datetime.fromisoformat(locked_until) > moment:
        raise AuthenticationError(SIGNIN_FAILED)
    if matches and active:
        # A damaged or read-only library still signs people in to read it; the bookkeeping waits.
        if (failures or locked_until) and store.writable:
            store.db.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", [user_id])
        if hash_cost(stored) != PASSWORD_COST and store.writable:
            with store.atomic():
                store.db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [hash_password(password), user_id])
                store.audit(name, "user.password_rehash", "user", user_id, n=PASSWORD_COST.n, r=PASSWORD_COST.r,
                            p=PASSWORD_COST.p)
        return _row_to_user(row)
    failures += 1
    lock = None
    if failures >= LOCK_AFTER:
        seconds = min(LOCK_FIRST_S * 2 ** (failures - LOCK_AFTER), LOCK_MAX_S)
        lock = (moment + dt.timedelta(seconds=seconds)).isoformat(timespec="seconds")
    with store.atomic():
        store.db.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                         [failures, lock, user_id])
        store.audit(name, "user.signin_failed", "user", user_id, failures=failures, locked_until=lock)
    store.notify(Changes(audit=True))
    raise AuthenticationError(SIGNIN_FAILED)


def require_role(store: Store, username: str, *roles: str, doing: str = "do this") -> User:
    """Return the active account ``username`` if its role is one of ``roles``.

    :param doing: what is being attempted, for the message (``approve messages``).
    :raises PermissionDenied: if the account is missing, deactivated or has another role.
    """
    row = store.db.execute("SELECT id, username, display_name, role, active FROM users WHERE username = ?",
                           [username]).fetchone()
    if row is None or not row[4]:
        raise PermissionDenied(f"'{username}' is not an active user; only a {' or '.join(roles)} may {doing}.")
    if row[3] not in roles:
        raise PermissionDenied(f"'{username}' is {_a(row[3])}; only {_a(' or '.join(roles))} may {doing}.")
    return _row_to_user(row)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _active_admins(store: Store) -> int:
    return int(store.db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0])


def set_active(store: Store, username: str, active: bool, actor: str) -> Changes:
    """Deactivate (or reactivate) an account; only an admin may, and never the last active admin.

    Accounts are never deleted: the audit log and messages name them.

    :raises PermissionDenied: if ``actor`` is not an admin.
    :raises InputError: if the user is missing, is ``actor`` or is the last active admin.
    """
    require_role(store, actor, "admin", doing="deactivate accounts")
    user = get_user(store, username)
    if not active:
        if user.username.casefold() == actor.casefold():
            raise InputError(f"user '{user.username}': you cannot deactivate your own account; ask another admin.")
        if user.role == "admin" and user.active and _active_admins(store) <= 1:
            raise InputError(f"user '{user.username}': the last active admin cannot be deactivated; "
                             "make another admin first.")
    with store.atomic():
        store.db.execute("UPDATE users SET active = ? WHERE id = ?", [int(active), user.id])
        store.audit(actor, "user.activate" if active else "user.deactivate", "user", user.id,
                    username=user.username)
    return store.notify(Changes(users=True, audit=True))


def deactivate(store: Store, username: str, actor: str) -> Changes:
    """Deactivate an account (see :func:`set_active`)."""
    return set_active(store, username, False, actor)


def change_password(store: Store, username: str, new_password: str, actor: str, *,
                    old_password: str | None = None) -> Changes:
    """Change a password: one's own with the old password, anyone's as an admin (a reset).

    :raises AuthenticationError: if the old password is wrong.
    :raises PermissionDenied: if ``actor`` changes another's password without being an admin.
    :raises InputError: if the new password is too short.
    """
    user = get_user(store, username)
    own = user.username.casefold() == actor.casefold()
    if own and old_password is not None:
        authenticate(store, user.username, old_password)
    elif not own or old_password is None:
        require_role(store, actor, "admin", doing="reset another person's password")
    check_password_strength(new_password)
    with store.atomic():
        store.db.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                         [hash_password(new_password), user.id])
        store.audit(actor, "user.password_change" if own else "user.password_reset", "user", user.id,
                    username=user.username)
    return store.notify(Changes(users=True, audit=True))


def active_users(store: Store) -> list[User]:
    """Return the accounts that may sign in, by role and then name."""
    return [_row_to_user(r) for r in store.db.execute(
        "SELECT id, username, display_name, role, active FROM users WHERE active ORDER BY role, username")]


def set_role(store: Store, username: str, role: str, actor: str) -> Changes:
    """Give an account another role; only an admin may, and never take the last active admin's.

    :raises PermissionDenied: if ``actor`` is not an admin.
    :raises InputError: if the user is missing, the role unknown, or the change would leave no active admin.
    """
    require_role(store, actor, "admin", doing="change roles")
    user = get_user(store, username)
    if role not in ROLES:
        raise InputError(f"role '{role}': choose one of {', '.join(ROLES)}.")
    if user.role == role:
        return Changes()
    if user.role == "admin" and user.active and _active_admins(store) <= 1:
        raise InputError(f"user '{user.username}': the last active admin must stay an admin; make another admin "
                         "first.")
    with store.atomic():
        store.db.execute("UPDATE users SET role = ? WHERE id = ?", [role, user.id])
        store.audit(actor, "user.role", "user", user.id, username=user.username, old=user.role, new=role)
    return store.notify(Changes(users=True, audit=True))


def first_run_setup(store: Store, *, username: str, password: str, display_name: str = "", store_name: str,
                    time_zone: str, postal_address: str, email_from: str) -> User:
    """Start a new library: its first account (an admin) and the store's name, time zone, address and sender.

    All in one transaction, audited as the new admin: a library with accounts is refused (ask an admin).

    :param email_from: the address the store's e-mail goes from (``Name <a@b>`` or ``a@b``).
    :raises InputError: naming the field, for a bad one; nothing is kept then.
    """
    from email.utils import parseaddr

    from lookbook.store import settings

    if list_users(store):
        raise InputError("this library already has accounts: an admin adds people in Settings ▸ Staff.")
    if not store_name.strip():
        raise InputError("store name: enter the name customers know the store by.")
    if not postal_address.strip():
        raise InputError("postal address: e-mail to customers must show the store's postal address.")
    name, address = parseaddr(email_from.strip())
    if "@" not in address or " " in address:
        raise InputError(f"e-mail sender '{email_from}': enter an address such as shop@example.com.")
    zone = settings.parse("store_timezone", time_zone)
    with store.atomic():
        user = create_user(store, username, password, "admin", display_name, actor="setup")
        settings.save_store_details(store, user.username, name=store_name, postal_address=postal_address)
        settings.set_value(store, "store_timezone", zone, user.username)
        email = store.get_setting("delivery.email") or {}
        store.set_setting("delivery.email", {**email, "from_address": address,
                                             "from_name": name or store_name.strip()})
        store.audit(user.username, "settings.email_sender", "settings", None, from_address=address)
    store.notify(Changes(users=True, settings=True, audit=True))
    return user
