"""Entering a channel's credentials, for any channel: the fields each channel declares
(:attr:`lookbook.outbox.channels.interface.Channel.credentials`), the secret ones kept only in the system keyring.

The Settings page's delivery forms and ``lookbook delivery credentials CHANNEL`` are built from these fields, so a
new channel needs no form of its own: it declares its fields, its setting and :meth:`Channel.save_settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import registry
from lookbook.outbox.channels.interface import Channel, Credential
from lookbook.store import roles, secrets
from lookbook.store.database import Store


@dataclass(frozen=True)
class Field:
    """One credential as a form shows it: its current text (never a secret's) and whether it is entered (None: a
    secret whose keyring entry was not looked at)."""

    credential: Credential
    value: str
    entered: bool | None


def configurable() -> tuple[Channel, ...]:
    """Return the channels that declare credentials, in registration order."""
    return tuple(c for c in registry.channels() if c.credentials)


def env_name(channel: Channel, credential: Credential) -> str:
    """Return the environment variable the command line reads ``credential`` from."""
    return credential.env or f"LOOKBOOK_{channel.name}_{credential.name}".upper()


def fields(store: Store, channel_name: str, *, look_in_keyring: bool = True) -> list[Field]:
    """Return the channel's credentials with what is entered now (a secret's value is never read back).

    :param look_in_keyring: whether to ask the keyring which secrets are there; False for a page that loads on the
        store's thread (a keyring waiting for its unlock dialog must not hold the library up).
    """
    channel = _configurable(channel_name)
    current = dict(store.get_setting(channel.setting) or {}) if channel.setting else {}
    vault = secrets.Vault.for_store(store) if look_in_keyring else None
    out = []
    for c in channel.credentials:
        if c.secret:
            out.append(Field(c, "", bool(vault.get(c.keyring)) if vault is not None else None))
        else:
            value = current.get(c.name)
            text = "" if value is None else str(value)
            out.append(Field(c, text, bool(text)))
    return out


def save(store: Store, channel_name: str, values: Mapping[str, str], actor: str) -> Changes:
    """Keep the credentials given: the settings checked by the channel first, then the secrets into the keyring;
    the audit log names the secrets entered, never their values.

    A missing field, a blank secret or a blank required field keeps what is entered; a blank optional field is
    emptied (a form shows the plain fields as they are, so a blank one was cleared: e-mail without a login name).

    :raises InputError: for a field the channel does not have, or one the channel finds wrong.
    """
    roles.require(store, actor, "delivery.settings")
    channel = _configurable(channel_name)
    known = {c.name: c for c in channel.credentials}
    for name in values:
        if name not in known:
            raise InputError(f"{channel.label} credentials, '{name}': not one of {', '.join(known)}.")
    given = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    cleared = {k: "" for k, v in values.items() if k not in given and not known[k].secret and known[k].optional}
    plain = {c.name: given[c.name] for c in channel.credentials if not c.secret and c.name in given} | cleared
    secret = {known[k].keyring: v for k, v in given.items() if known[k].secret}
    if plain or not channel.setting or not store.get_setting(channel.setting):
        current = dict(store.get_setting(channel.setting) or {}) if channel.setting else {}
        channel.save_settings(store, {**current, **plain}, actor)
    vault = secrets.Vault.for_store(store)
    for entry, value in secret.items():
        vault.set(entry, value)
    with store.atomic():
        store.audit(actor, "delivery.credentials", "settings", channel.setting or channel.name,
                    channel=channel.name, fields=sorted(plain),
                    secrets_entered=sorted(k for k in given if known[k].secret))
    return store.notify(Changes(settings=True, audit=True))


def still_needed(listed: list[Field], values: Mapping[str, str] | None = None) -> list[Credential]:
    """Return the secrets still to enter: required ones, and optional ones whose ``needed_with`` field is filled
    (after ``values``, the plain fields about to be kept, where given).

    :param listed: :func:`fields` of the channel.
    """
    filled = {f.credential.name: f.value for f in listed if not f.credential.secret}
    filled.update({k: v.strip() for k, v in (values or {}).items() if k in filled and v is not None})
    return [f.credential for f in listed if f.credential.secret and not f.entered
            and (not f.credential.optional or bool(filled.get(f.credential.needed_with)))]


def _configurable(name: str) -> Channel:
    channel = registry.get(name)
    if not channel.credentials:
        names = ", ".join(c.name for c in configurable())
        raise InputError(f"channel '{name}' has no credentials to enter; these channels have: {names}.")
    return channel
