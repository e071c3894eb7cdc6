"""Tokens and passwords, kept in the operating system's keyring and nowhere else.

X sign-in tokens and the SMTP password never go into the library database, a log
or a file in the project: they are stored with the ``keyring`` library (macOS
Keychain, Windows Credential Locker, Secret Service / KWallet on Linux) under the
service name ``Lookbook Studio``. Each entry's user name is ``<library id>/<name>``,
so two libraries on one computer keep separate sign-ins; the library id is a
random UUID kept in the library's settings (not a secret: it only names the entry).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from lookbook.errors import LookbookError
from lookbook.store.database import Store

if TYPE_CHECKING:
    # keyring (and its backends' discovery) loads when a secret is read or written, not with every page and
    # command that imports this module for the secrets' names (issue 18: a tenth of the app's launch).
    import keyring.errors

SERVICE = "Lookbook Studio"
_LIBRARY_ID_SETTING = "secrets.library_id"

#: The names of the secrets the app keeps, for documentation and the Settings page.
X_OAUTH2_TOKEN = "x.oauth2_token"  # JSON: access_token, refresh_token, expires_at, scope
X_OAUTH2_CLIENT_SECRET = "x.oauth2_client_secret"  # only for confidential X apps
X_OAUTH1 = "x.oauth1"  # JSON: consumer_key, consumer_secret, access_token, access_token_secret
SMTP_PASSWORD = "smtp.password"
TWILIO_AUTH_TOKEN = "twilio.auth_token"  # the Twilio account's auth token (SMS)
WHATSAPP_TOKEN = "whatsapp.token"  # the WhatsApp Cloud API access token (a system user's)
WHATSAPP_APP_SECRET = "whatsapp.app_secret"  # the Meta app's secret: signs each webhook POST
WHATSAPP_VERIFY_TOKEN = "whatsapp.verify_token"  # the token Meta echoes in the webhook's verification GET

log = logging.getLogger(__name__)


class SecretStoreError(LookbookError):
    """The operating system's keyring cannot be used."""


_NO_BACKEND = (
    "no system keyring is available to keep passwords and sign-in tokens "
    "(keyring backend: {backend}). On Linux install and unlock GNOME Keyring or KWallet "
    "(a Secret Service provider); on macOS and Windows the system keychain is used. "
    "Lookbook Studio never stores these secrets in the library instead."
)


def library_id(store: Store) -> str:
    """Return the library's keyring namespace, creating it on first use."""
    value = store.get_setting(_LIBRARY_ID_SETTING)
    if not value:
        value = uuid.uuid4().hex
        store.set_setting(_LIBRARY_ID_SETTING, value)
    return str(value)


def _fail(exc: keyring.errors.KeyringError, what: str) -> SecretStoreError:
    import keyring.errors

    backend = type(keyring.get_keyring())
    if isinstance(exc, keyring.errors.NoKeyringError):
        return SecretStoreError(_NO_BACKEND.format(backend=f"{backend.__module__}.{backend.__name__}"))
    if isinstance(exc, keyring.errors.KeyringLocked):
        return SecretStoreError(f"the system keyring is locked; unlock it and {what} again.")
    # The backend's text may name the entry but never holds the secret itself.
    return SecretStoreError(f"the system keyring refused to {what} ({type(exc).__name__}: {exc}).")


class Vault:
    """One library's secrets in the system keyring.

    Holds no store or connection, so it may be used on any thread (the sender's
    network thread saves refreshed X tokens through it).
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    @classmethod
    def for_store(cls, store: Store) -> Vault:
        """Return the vault of the library ``store`` has open."""
        return cls(library_id(store))

    def _entry(self, name: str) -> str:
        return f"{self.namespace}/{name}"

    def get(self, name: str) -> str | None:
        """Return the secret ``name``, or None if none is stored.

        :raises SecretStoreError: if no keyring backend is available or it is locked.
        """
        import keyring.errors

        try:
            return keyring.get_password(SERVICE, self._entry(name))
        except keyring.errors.KeyringError as exc:
            raise _fail(exc, "read a saved sign-in") from exc

    def set(self, name: str, value: str) -> None:
        """Store the secret ``name``, replacing any earlier one.

        :raises SecretStoreError: if no keyring backend is available or it refuses the write.
        """
        import keyring.errors

        try:
            keyring.set_password(SERVICE, self._entry(name), value)
        except keyring.errors.KeyringError as exc:
            raise _fail(exc, "save the sign-in") from exc
        log.info("saved secret %s for this library in the system keyring", name)

    def delete(self, name: str) -> bool:
        """Forget the secret ``name``; return whether there was one.

        :raises SecretStoreError: if no keyring backend is available.
        """
        import keyring.errors

        try:
            keyring.delete_password(SERVICE, self._entry(name))
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise _fail(exc, "forget the sign-in") from exc
        return True

    def get_json(self, name: str) -> dict[str, Any] | None:
        """Return a secret that holds a JSON object (such as a token set), or None."""
        raw = self.get(name)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            # Never echo the damaged value: it may be a secret.
            raise SecretStoreError(
                f"the saved secret '{name}' in the system keyring is damaged; sign in again in Settings → Delivery."
            ) from None
        return value if isinstance(value, dict) else None

    def set_json(self, name: str, value: dict[str, Any]) -> None:
        """Store a JSON object (such as a token set) as the secret ``name``."""
        self.set(name, json.dumps(value, sort_keys=True))
