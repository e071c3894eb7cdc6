"""Local user accounts and their roles; passwords kept only as scrypt hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store import Store, utcnow

ROLES = ("associate", "merchandiser", "manager", "admin")
# scrypt's memory-hard cost: n=2**14, r=8 uses 16 MiB per hash, slow enough to
# frustrate guessing and quick enough (~50 ms) for a sign-in.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """Return a salted scrypt hash of ``password`` in a self-describing text form."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Return whether ``password`` matches a hash made by :func:`hash_password`."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class User:
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
    if len(password) < 4:
        raise InputError("password: use at least 4 characters.")
    if store.db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise InputError(f"user '{username}' already exists; choose another name.")
    with store.atomic():
        cur = store.db.execute(
            "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [username, display_name or username, role, hash_password(password), utcnow()],
        )
        user_id = cur.lastrowid
        store.audit(actor, "user.create", "user", user_id, username=username, role=role)
    store.notify(Changes(users=True, audit=True))
    return User(user_id, username, display_name or username, role, True)


def list_users(store: Store) -> list[User]:
    """Return every account, by name."""
    return [User(r[0], r[1], r[2], r[3], bool(r[4])) for r in store.db.execute(
        "SELECT id, username, display_name, role, active FROM users ORDER BY username")]
