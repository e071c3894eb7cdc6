"""The library's delivery set-up: which X account and mail server it sends through.

Plain settings (the X app's client id, the signed-in account's name, the mail
server) live in the library's settings; tokens and passwords only in the keyring
(:class:`lookbook.store.secrets.Vault`). Every change is written to the audit log, without
the secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import AuthFailed
from lookbook.outbox.channels.email import SETTING as EMAIL_SETTING
from lookbook.outbox.channels.email import EmailChannel, SmtpSettings
from lookbook.store import roles, secrets, settings
from lookbook.store.database import Store

if TYPE_CHECKING:
    # The X client (requests, tweepy, OAuth) loads when a channel is made, not with the settings page that
    # reads the set-up (issue 18: a third of a second of the app's launch).
    from lookbook.outbox.channels.x import OAuth1Keys, OAuth2Token, XChannel

X_SETTING = "delivery.x"
DEFAULT_TIMEOUT_S = 30.0


def x_settings(store: Store) -> dict[str, Any]:
    """Return the X set-up: ``auth`` (``oauth2``/``oauth1``), ``client_id``, ``user_id``, ``username``, ..."""
    return dict(store.get_setting(X_SETTING) or {})


def _save_x(store: Store, actor: str, action: str, **values: Any) -> Changes:
    with store.atomic():
        store.set_setting(X_SETTING, {**x_settings(store), **values})
        store.audit(actor, action, "settings", X_SETTING,
                    **{k: v for k, v in values.items() if k in ("auth", "username", "user_id", "client_id")})
    return store.notify(Changes(settings=True, audit=True))


def x_port(value: Any) -> int:
    """Return the X app's loopback callback port from what a person typed (empty: 0, any free port).

    :raises InputError: naming the field, if it is not a port number.
    """
    text = str(value if value is not None else "").strip()
    try:
        port = int(text or 0)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise InputError(f"X settings, callback port '{text}': enter the port registered with X (1 to 65535), "
                         "or leave it empty for any free port.")
    return port


def save_x_client(store: Store, client_id: str, actor: str, *, client_secret: str | None = None,
                  port: int = 0) -> Changes:
    """Record the X app used to sign in (its client secret, for a confidential app, goes to the keyring).

    :raises InputError: if the port is not a port number.
    """
    roles.require(store, actor, "delivery.settings")
    port = x_port(port)
    vault = secrets.Vault.for_store(store)
    if client_secret:
        vault.set(secrets.X_OAUTH2_CLIENT_SECRET, client_secret)
    return _save_x(store, actor, "delivery.x_app", client_id=client_id.strip(), port=int(port))


def save_x_oauth2(store: Store, token: OAuth2Token, *, user_id: str, username: str, actor: str) -> Changes:
    """Keep a PKCE sign-in: the tokens in the keyring, the account's name in the settings."""
    roles.require(store, actor, "delivery.settings")
    secrets.Vault.for_store(store).set_json(secrets.X_OAUTH2_TOKEN, token.to_json())
    return _save_x(store, actor, "delivery.x_sign_in", auth="oauth2", user_id=user_id, username=username)


def save_x_oauth1(store: Store, keys: OAuth1Keys, *, user_id: str, username: str, actor: str) -> Changes:
    """Keep OAuth 1.0a user tokens entered in Settings (in the keyring)."""
    roles.require(store, actor, "delivery.settings")
    secrets.Vault.for_store(store).set_json(secrets.X_OAUTH1, {
        "consumer_key": keys.consumer_key, "consumer_secret": keys.consumer_secret,
        "access_token": keys.access_token, "access_token_secret": keys.access_token_secret})
    return _save_x(store, actor, "delivery.x_sign_in", auth="oauth1", user_id=user_id, username=username)


def sign_out_x(store: Store, actor: str) -> Changes:
    """Forget the X tokens of this library."""
    roles.require(store, actor, "delivery.settings")
    vault = secrets.Vault.for_store(store)
    vault.delete(secrets.X_OAUTH2_TOKEN)
    vault.delete(secrets.X_OAUTH1)
    return _save_x(store, actor, "delivery.x_sign_out", auth=None, user_id=None, username=None)


def x_channel(store: Store) -> XChannel:
    """Return the X channel signed in as the library's account.

    :raises AuthFailed: if X is not signed in.
    :raises SecretStoreError: if the keyring cannot be read.
    """
    from lookbook.outbox.channels.x import OAuth1Keys, OAuth2Token, XChannel, XEndpoints
    from lookbook.outbox.channels.x_oauth import refresher

    cfg = x_settings(store)
    vault = secrets.Vault.for_store(store)
    endpoints = XEndpoints.from_env()
    timeout = (5.0, float(settings.value(store, "x_timeout_s")))
    if cfg.get("auth") == "oauth1":
        keys = vault.get_json(secrets.X_OAUTH1)
        if keys:
            return XChannel(oauth1=OAuth1Keys(**keys), endpoints=endpoints, timeout=timeout)
    elif cfg.get("auth") == "oauth2":
        data = vault.get_json(secrets.X_OAUTH2_TOKEN)
        if data:
            client_id = str(cfg.get("client_id") or "")
            save = lambda token: vault.set_json(secrets.X_OAUTH2_TOKEN, token.to_json())  # noqa: E731
            return XChannel(token=OAuth2Token.from_json(data), endpoints=endpoints, timeout=timeout,
                            refresh=refresher(client_id, vault.get(secrets.X_OAUTH2_CLIENT_SECRET), endpoints, save)
                            if client_id else None)
    raise AuthFailed("X is not signed in for this library: sign in to X in Settings → Delivery "
                     "(or `lookbook delivery x-sign-in`).")


def save_email_settings(store: Store, value: dict[str, Any], actor: str, *, password: str | None = None) -> Changes:
    """Check and keep the mail server settings; the password (if given) goes to the keyring.

    :raises InputError: naming the field that is wrong.
    """
    roles.require(store, actor, "delivery.settings")
    settings = SmtpSettings.from_setting(value)
    if password is not None:
        secrets.Vault.for_store(store).set(secrets.SMTP_PASSWORD, password)
    stored = {"host": settings.host, "port": settings.port, "security": settings.security,
              "from_address": settings.from_address, "from_name": settings.from_name,
              "username": settings.username, "timeout_s": settings.timeout_s}
    with store.atomic():
        store.set_setting(EMAIL_SETTING, stored)
        store.audit(actor, "delivery.email_settings", "settings", EMAIL_SETTING, **stored)
    return store.notify(Changes(settings=True, audit=True))


def email_channel(store: Store) -> EmailChannel:
    """Return the e-mail channel for the library's mail server.

    :raises InputError: if e-mail is not set up.
    """
    settings = SmtpSettings.from_setting(store.get_setting(EMAIL_SETTING))
    password = secrets.Vault.for_store(store).get(secrets.SMTP_PASSWORD) if settings.username else None
    return EmailChannel(settings, password)
