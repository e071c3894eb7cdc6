"""Delivery verbs.

``lookbook outbox send|retry|offer|replies`` (added to the ``outbox`` group by :func:`add_outbox_verbs`) and
``lookbook delivery status|x-app|x-sign-in|x-tokens|x-sign-out|email|reachable``. Secrets are never taken
as arguments (they would show in the process list and the shell history): they come from a prompt
that does not echo or from an environment variable.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lookbook.cli.context import CliContext
from lookbook.errors import InputError, LookbookError
from lookbook.outbox import compose, replies
from lookbook.outbox.channels import accounts, reachability, registry
from lookbook.outbox.channels.x import OAuth1Keys, XChannel, XEndpoints
from lookbook.outbox.channels.x_oauth import PkceSignIn
from lookbook.outbox.sender import (
    Progress,
    blocked_until,
    direct,
    options_from_settings,
    rate_limit,
    retry,
    send,
    start_send_run,
)
from lookbook.progress import run_to_end
from lookbook.store import secrets
from lookbook.store.settings import save_store_details
from lookbook.words import plural


# -- outbox verbs -------------------------------------------------------------------------------------------
@contextmanager
def _stop_on_signals(cancel: threading.Event) -> Iterator[None]:
    """First Ctrl-C (or SIGTERM) stops after the message in hand; nothing is left half-sent."""
    def handler(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        print("lookbook: stopping after the message in hand (Ctrl-C again to stop at once).", file=sys.stderr)
        cancel.set()

    before = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in before.items():
            signal.signal(s, h)


def cmd_send(args: argparse.Namespace, ctx: CliContext) -> int:
    store = ctx.store
    user = ctx.user
    options = options_from_settings(store, wait=not args.no_wait)
    start_send_run(store, user.username, messages=args.message_ids or "all approved")
    cancel = threading.Event()
    with _stop_on_signals(cancel):
        def show(step: Progress) -> None:
            if args.json:
                print(json.dumps(step.as_dict()), flush=True)
            elif step.kind != "waiting" or step.text.endswith(("0 s", "5 s")):
                print(step.line(), file=sys.stderr, flush=True)

        report = run_to_end(send(direct(store), message_ids=args.message_ids or None, options=options,
                                 cancel=cancel), show)
    if report.sent:
        # A restore to a backup from before these sends would show them unsent: back up right after.
        try:
            store.backup_before("send")
        except LookbookError as exc:
            print(f"lookbook: warning: no backup after sending: {exc}", file=sys.stderr)
    summary = {"sent": report.sent, "requeued": report.requeued, "deferred": report.deferred,
               "failed": report.failed, "unreachable": report.unreachable, "reconciled": report.reconciled,
               "waiting_render": report.waiting_render, "stopped": report.stopped, "cancelled": report.cancelled}
    if args.json:
        print(json.dumps({"report": summary}))
    else:
        print(f"Sent {len(report.sent)}; failed {len(report.failed)}; unreachable {len(report.unreachable)}; "
              f"held {len(report.deferred)}; back in the queue {len(report.requeued)}.")
        for message_id, why in report.failed + report.unreachable:
            print(f"  message {message_id}: {why}", file=sys.stderr)
        for message_id, _ in report.unreachable:
            print(f"  offer another channel with `lookbook outbox offer {message_id}`", file=sys.stderr)
        for message_id, why in report.waiting_render:
            print(f"  message {message_id} not sent, still approved: {why}", file=sys.stderr)
    for channel, why in report.stopped.items():
        print(f"lookbook: error: {channel}: {why}", file=sys.stderr)
    return 1 if report.stopped else 0


def cmd_retry(args: argparse.Namespace, ctx: CliContext) -> int:
    retry(ctx.store, args.message_ids, ctx.user.username)
    print(f"{plural(len(args.message_ids), 'message')} queued again; run `lookbook outbox send`.")
    return 0


def cmd_offer(args: argparse.Namespace, ctx: CliContext) -> int:
    new_id = reachability.offer_next_channel(ctx.store, args.message_id, ctx.user.username)
    channel = ctx.store.db.execute("SELECT channel FROM messages WHERE id = ?", [new_id]).fetchone()[0]
    print(f"Message {new_id} offers it by {channel}; it waits for a manager's approval.")
    return 0


def cmd_replies(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.outbox.channels import sms

    store = ctx.store
    new: list[replies.Reply] = []
    withdrawn = paused = unknown = 0
    warnings: list[str] = []
    x_signed_in, sms_set_up = bool(accounts.x_settings(store).get("auth")), bool(store.get_setting(sms.SETTING))
    if not (x_signed_in or sms_set_up):
        raise LookbookError("no channel to read replies from: sign in to X or set up SMS first (WhatsApp replies "
                            "arrive at `lookbook outbox whatsapp-webhook`).")
    if x_signed_in:
        report = replies.poll(direct(store))
        new += report.new
        withdrawn += len(report.withdrawn)
        paused += len(report.paused)
        unknown += report.unknown_senders
        warnings += report.warnings
    if sms_set_up:
        texts = sms.poll_replies(direct(store))
        new += [r for r in replies.list_replies(store) if r.id in set(texts.new)]
        withdrawn += len(texts.withdrawn)
        unknown += texts.unknown_senders
        warnings += texts.warnings
    for reply in new:
        if args.json:
            print(json.dumps(reply.__dict__))
        elif reply.customer_id is not None:  # people not in the customer book are counted below, not listed
            print(f"customer {reply.customer_id} ({reply.channel}): {reply.body}"
                  + ("  [consent withdrawn]" if reply.stop else ""))
    # What the poll warns about (the safe-payment advice after a card number, a reply that may ask to stop,
    # a STOP that may have been missed) must reach the person running it.
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    known = len(new) - unknown
    summary = f"{known} new repl{'y' if known == 1 else 'ies'}; {withdrawn} withdrew consent"
    if paused:
        summary += f"; {paused} may have asked to stop (paused until their associate confirms)"
    if unknown:
        summary += f"; {unknown} message{'' if unknown == 1 else 's'} from people not in the customer book"
    print(summary + ".", file=sys.stderr)
    return 0


def cmd_whatsapp_webhook(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.outbox.channels.whatsapp_webhook import WebhookReceiver

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: choose a port from 1 to 65535.")
    cancel = threading.Event()
    receiver = WebhookReceiver(ctx.store, host=args.host, port=args.port, path=args.path)
    with _stop_on_signals(cancel), receiver:
        print(f"Receiving WhatsApp webhooks at {receiver.url} (Ctrl+C stops); the callback URL in Meta's app "
              f"is your tunnel's https address followed by {receiver.path}.", file=sys.stderr)
        while not cancel.is_set():
            report = receiver.process(wait_s=0.5)  # the store stays on this thread; the server only spools
            if not (report.new or report.statuses or report.errors or report.warnings):
                continue
            if args.json:
                print(json.dumps({"replies": report.new, "withdrawn": report.withdrawn,
                                  "restarted": report.restarted, "unreachable": report.unreachable,
                                  "statuses": report.statuses, "errors": report.errors}), flush=True)
            else:
                print(f"{plural(len(report.new), 'new message')}, "
                      f"{plural(report.statuses, 'delivery status', 'delivery statuses')}; "
                      f"{len(report.withdrawn)} withdrew consent, {len(report.unreachable)} unreachable", flush=True)
            for line in (*report.errors, *report.warnings):
                print(f"lookbook: warning: {line}", file=sys.stderr)
        receiver.process()  # what arrived while stopping
    return 0


# -- delivery verbs -----------------------------------------------------------------------------------------
def _secret(prompt: str, env: str) -> str:
    value = os.environ.get(env)
    if value is None:
        try:
            value = getpass.getpass(f"{prompt}: ")
        except EOFError:
            raise LookbookError(f"no {prompt.lower()}: type it at the prompt or set ${env}.") from None
    if not value.strip():
        raise InputError(f"{prompt.lower()}: it is empty.")
    return value.strip()


def cmd_credentials(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.outbox.channels import credentials

    store = ctx.store
    listed = credentials.fields(store, args.channel)
    channel = registry.get(args.channel)
    if args.show:
        if args.json:
            print(json.dumps([{"field": f.credential.name, "label": f.credential.label, "secret": f.credential.secret,
                               "entered": f.entered, "value": f.value} for f in listed]))
        for f in listed if not args.json else ():
            shown = ("(in the keyring)" if f.entered else "(not entered)") if f.credential.secret else \
                (f.value or "(not entered)")
            print(f"{f.credential.name:<24} {f.credential.label:<30} {shown}")
        return 0
    values: dict[str, str] = {}
    for item in args.values:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--set {item}: write FIELD=VALUE (fields: "
                             f"{', '.join(f.credential.name for f in listed if not f.credential.secret)}).")
        values[name.strip()] = value
    by_name = {f.credential.name: f for f in listed}
    for name in args.secrets:
        if name not in by_name or not by_name[name].credential.secret:
            raise InputError(f"--secret {name}: the secrets of {channel.label} are "
                             f"{', '.join(f.credential.name for f in listed if f.credential.secret)}.")
    # Asked for: the secrets named, else those still needed (e-mail's password once there is a login name) and
    # any optional one whose environment variable is set.
    needed = {c.name for c in credentials.still_needed(listed, values)}
    wanted = args.secrets or [f.credential.name for f in listed if f.credential.secret and not f.entered
                              and (f.credential.name in needed
                                   or os.environ.get(credentials.env_name(channel, f.credential)))]
    for name in wanted:
        c = by_name[name].credential
        values[name] = _secret(f"{channel.label} {c.label}", credentials.env_name(channel, c))
    credentials.save(store, args.channel, values, ctx.user.username)
    missing = [c.label for c in credentials.still_needed(credentials.fields(store, args.channel))]
    print(f"{channel.label} credentials saved (secrets in the system keyring)"
          + (f"; still to enter: {', '.join(missing)}." if missing else "."))
    return 0


def cmd_status(args: argparse.Namespace, ctx: CliContext) -> int:
    store = ctx.store
    x = accounts.x_settings(store)
    email = store.get_setting("delivery.email") or {}
    waits = {c: t.isoformat(timespec="seconds") for c, t in blocked_until(store).items()}
    dm = rate_limit(store, "x", "dm_post")
    info = {"x_account": x.get("username"), "x_auth": x.get("auth"), "x_client_id": x.get("client_id"),
            "x_api": XEndpoints.from_env().api, "email_server": f"{email.get('host')}:{email.get('port')}"
            if email else None, "email_from": email.get("from_address"),
            "sms_account": (store.get_setting("delivery.sms") or {}).get("account_sid"),
            "x_dm_remaining": None if dm is None else f"{dm.remaining}/{dm.limit} until {dm.reset_at:%H:%M:%S} UTC",
            "waiting_until": waits}
    if args.json:
        print(json.dumps(info))
    else:
        for key, value in info.items():
            print(f"{key.replace('_', ' '):<16} {value if value not in (None, {}) else '-'}")
    return 0


def cmd_x_app(args: argparse.Namespace, ctx: CliContext) -> int:
    secret = _secret("X client secret", "LOOKBOOK_X_CLIENT_SECRET") if args.confidential else None
    accounts.save_x_client(ctx.store, args.client_id, ctx.user.username, client_secret=secret, port=args.port)
    print("Recorded the X app; now run `lookbook delivery x-sign-in`.")
    return 0


def cmd_x_sign_in(args: argparse.Namespace, ctx: CliContext) -> int:
    store = ctx.store
    user = ctx.user
    cfg = accounts.x_settings(store)
    vault = secrets.Vault.for_store(store)
    with PkceSignIn(str(cfg.get("client_id") or ""), client_secret=vault.get(secrets.X_OAUTH2_CLIENT_SECRET),
                    port=int(cfg.get("port") or 0)) as sign_in:
        url = sign_in.start()
        print(f"Sign in to X in your browser (redirect: {sign_in.redirect_uri}):\n  {url}", file=sys.stderr)
        if not args.no_browser:
            webbrowser.open(url)
        token = sign_in.wait(timeout=args.timeout)
    with XChannel(token=token) as x:
        user_id, username = x.me()
    accounts.save_x_oauth2(store, token, user_id=user_id, username=username, actor=user.username)
    print(f"Signed in to X as @{username}; the tokens are in the system keyring.")
    return 0


def cmd_x_tokens(args: argparse.Namespace, ctx: CliContext) -> int:
    user = ctx.user
    keys = OAuth1Keys(_secret("Consumer key", "LOOKBOOK_X_CONSUMER_KEY"),
                      _secret("Consumer secret", "LOOKBOOK_X_CONSUMER_SECRET"),
                      _secret("Access token", "LOOKBOOK_X_ACCESS_TOKEN"),
                      _secret("Access token secret", "LOOKBOOK_X_ACCESS_TOKEN_SECRET"))
    with XChannel(oauth1=keys) as x:
        user_id, username = x.me()
    accounts.save_x_oauth1(ctx.store, keys, user_id=user_id, username=username, actor=user.username)
    print(f"X tokens for @{username} saved in the system keyring.")
    return 0


def cmd_x_sign_out(args: argparse.Namespace, ctx: CliContext) -> int:
    accounts.sign_out_x(ctx.store, ctx.user.username)
    print("Signed out of X for this library.")
    return 0


def cmd_email(args: argparse.Namespace, ctx: CliContext) -> int:
    user = ctx.user
    password = _secret("SMTP password", "LOOKBOOK_SMTP_PASSWORD") if args.username else None
    value = {"host": args.host, "port": args.port, "security": args.security, "from_address": args.from_address,
             "from_name": args.from_name, "username": args.username}
    accounts.save_email_settings(ctx.store, value, user.username, password=password)
    print(f"Mail server set: {args.host} ({args.security}).")
    return 0


def cmd_sms(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.outbox.channels import sms

    token = _secret("Twilio auth token", "LOOKBOOK_TWILIO_AUTH_TOKEN")
    value = {"account_sid": args.account_sid, "messaging_service_sid": args.messaging_service,
             "from_number": args.from_number, "media_base_url": args.media_url}
    sms.save_settings(ctx.store, value, ctx.user.username, auth_token=token, country=args.country)
    print(f"SMS set: Twilio account {args.account_sid} sending from {args.messaging_service or args.from_number}; "
          "the auth token is in the system keyring.")
    return 0


def cmd_whatsapp(args: argparse.Namespace, ctx: CliContext) -> int:
    from lookbook.outbox.channels import whatsapp

    token = _secret("WhatsApp access token", "LOOKBOOK_WHATSAPP_TOKEN")
    value = {"phone_number_id": args.phone_number_id, "waba_id": args.waba_id, "template": args.template,
             "language": args.language}
    whatsapp.save_settings(ctx.store, value, ctx.user.username, token=token)
    print(f"WhatsApp set: number {args.phone_number_id}, first contact by template '{args.template}' "
          f"({args.language}); the access token is in the system keyring.")
    return 0


def cmd_store(args: argparse.Namespace, ctx: CliContext) -> int:
    address = args.address.replace("\\n", "\n") if args.address is not None else None
    save_store_details(ctx.store, ctx.user.username, name=args.name, postal_address=address,
                               unsubscribe=args.unsubscribe)
    footer = compose.store_footer(ctx.store)
    print("E-mails end with:\n" + footer.text())
    return 0


def cmd_reachable(args: argparse.Namespace, ctx: CliContext) -> int:
    reachability.clear_unreachable(ctx.store, args.customer_id, args.channel, ctx.user.username, args.note)
    print(f"Customer {args.customer_id} will be tried on {args.channel} again.")
    return 0

