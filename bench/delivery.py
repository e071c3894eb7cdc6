"""What exactly-once costs: the sender against bare client calls, per channel, on the same local fakes.

Run from the repository root::

    python -m bench.delivery [--sizes 50 200] [--repeat 5]

For each batch size N, on an on-disk library (WAL, as the app uses it), prints the
median of ``--repeat`` runs of

* ``sender``: :func:`lookbook.outbox.sender.send` delivering N approved text DMs (each one:
  quiet-hours check, rate-limit gate, queued → sending with a committed attempt, the
  attempt's ``post`` phase committed before the request, the POST, sending → sent with
  its audit entries);
* ``sender, every answer lost``: the same, but X answers each POST with a 503 *after*
  recording the DM, so every message is settled by reading the conversation
  (one extra GET each) instead of being sent again;

and, measured in the same run, the baseline ``bare tweepy``: N calls of
``Client.create_direct_message`` through :class:`lookbook.outbox.channels.x.XChannel` with no
store at all. The fake X (tests/fakes/fake_x.py) answers on 127.0.0.1, so the network
part is small and the figures show the bookkeeping; against X itself each DM takes a
few hundred milliseconds and 15 DMs per 15 minutes are allowed, so the bookkeeping is
noise there. Every run also checks that each DM arrived exactly once.

``--channels x email sms whatsapp`` (default all four) adds the same rows for e-mail (smtplib against a local
aiosmtpd server, tests/fakes/smtp.py; a lost answer cannot be looked up in SMTP, so no "every answer lost" row),
SMS (the ``twilio`` library against
tests/fakes/fake_twilio.py; a lost answer is settled by listing the messages to the number) and WhatsApp (plain
HTTP against tests/fakes/fake_whatsapp.py, free text inside the 24-hour window; a lost answer cannot be looked up
there, so it has no "every answer lost" row). Each baseline is its own channel's bare client.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the fake X server lives with the tests

from fakes.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, FakeTwilio  # noqa: E402
from fakes.fake_whatsapp import PHONE_NUMBER_ID, TEMPLATE, TOKEN, WABA_ID, FakeWhatsApp  # noqa: E402
from fakes.fake_x import FakeX, Fault  # noqa: E402
from fakes.smtp import smtp_server  # noqa: E402
from lookbook import scale  # noqa: E402
from lookbook.outbox import messages as outbox  # noqa: E402
from lookbook.outbox import quiet_hours  # noqa: E402
from lookbook.outbox.channels import accounts, sms, whatsapp  # noqa: E402
from lookbook.outbox.channels.x import OAuth2Token, XChannel, XEndpoints  # noqa: E402
from lookbook.outbox.sender import SenderOptions, direct, send  # noqa: E402
from lookbook.store.database import Store, create_store  # noqa: E402
from lookbook.store.settings import STORE_ADDRESS_SETTING, STORE_NAME_SETTING  # noqa: E402


def _daytime_zone() -> str:
    """A fixed-offset zone where it is about noon now, so SMS's legal 8:00-21:00 never holds the bench."""
    offset = (12 - dt.datetime.now(dt.UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def _library(root: Path, n: int, channel: str = "x") -> Store:
    store = create_store(root)
    quiet_hours.set_window(store, "00:00", "00:00")
    scale.add_approved_messages(store, n, channel, _daytime_zone())
    if channel == "sms":
        store.set_setting(sms.SETTING, {"account_sid": ACCOUNT_SID, "messaging_service_sid": SERVICE_SID})
    if channel == "whatsapp":
        store.set_setting(whatsapp.SETTING, {"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID,
                                             "template": TEMPLATE})
    return store


def run_sms(n: int, lose_answers: bool) -> float:
    with FakeTwilio().running() as fake, tempfile.TemporaryDirectory() as tmp:
        store = _library(Path(tmp) / "lib", n, "sms")
        fake.faults.extend([("500_after", 0.0)] * (n if lose_answers else 0))
        client = sms.client_for(ACCOUNT_SID, AUTH_TOKEN, api_url=fake.url)
        start = time.perf_counter()
        for _ in send(direct(store), options=SenderOptions(reconcile_after_s=30.0), sms=lambda s: client):
            pass
        took = time.perf_counter() - start
        sent = outbox.count_in_state(store, "sent")
        store.close()
        assert sent == n and len(fake.outbound()) == n, (sent, len(fake.outbound()))  # exactly once
        return took


def run_sms_bare(n: int) -> float:
    with FakeTwilio().running() as fake:
        messages = sms.client_for(ACCOUNT_SID, AUTH_TOKEN, api_url=fake.url).api.v2010.accounts(ACCOUNT_SID).messages
        start = time.perf_counter()
        for i in range(n):
            messages.create(to=f"+1555{i:07d}", body=f"Hello C{i}, new shirts in your size",
                            messaging_service_sid=SERVICE_SID)
        took = time.perf_counter() - start
        assert len(fake.outbound()) == n
        return took


def run_email(n: int) -> float:
    with smtp_server() as (inbox, port), tempfile.TemporaryDirectory() as tmp:
        store = _library(Path(tmp) / "lib", n, "email")
        store.set_setting("delivery.email", {"host": "127.0.0.1", "port": port, "security": "plain",
                                             "from_address": "maria@store.example.com", "timeout_s": 10.0})
        # Every e-mail shows the store's name and postal address.
        store.set_setting(STORE_NAME_SETTING, "Bench Store")
        store.set_setting(STORE_ADDRESS_SETTING, "1 High Street\nLondon")
        start = time.perf_counter()
        for _ in send(direct(store), options=SenderOptions(reconcile_after_s=30.0), email=accounts.email_channel):
            pass
        took = time.perf_counter() - start
        sent = outbox.count_in_state(store, "sent")
        store.close()
        assert sent == n and len(inbox.received) == n, (sent, len(inbox.received))  # exactly once
        return took


def run_email_bare(n: int) -> float:
    import smtplib
    from email.message import EmailMessage

    with smtp_server() as (inbox, port):
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:  # one connection, as the sender keeps one
            for i in range(n):
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = "maria@store.example.com", f"c{i}@example.com", "New shirts"
                mail.set_content(f"Hello C{i}, new shirts in your size")
                smtp.send_message(mail)
        took = time.perf_counter() - start
        assert len(inbox.received) == n
        return took


def run_whatsapp(n: int) -> float:
    import keyring

    from fakes.keyrings import MemoryKeyring
    from lookbook.store import secrets

    keyring.set_keyring(MemoryKeyring())  # the token goes to a keyring in memory, never the machine's own
    with FakeWhatsApp().running() as fake, tempfile.TemporaryDirectory() as tmp:
        store = _library(Path(tmp) / "lib", n, "whatsapp")
        vault = secrets.Vault.for_store(store)
        vault.set(secrets.WHATSAPP_TOKEN, TOKEN)
        start = time.perf_counter()
        for _ in send(direct(store), options=SenderOptions(reconcile_after_s=30.0), whatsapp=lambda s: fake.url):
            pass
        took = time.perf_counter() - start
        sent = outbox.count_in_state(store, "sent")
        vault.delete(secrets.WHATSAPP_TOKEN)
        store.close()
        assert sent == n and len(fake.messages) == n, (sent, len(fake.messages))
        return took


def run_whatsapp_bare(n: int) -> float:
    import requests

    with FakeWhatsApp().running() as fake, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        start = time.perf_counter()
        for i in range(n):
            session.post(f"{fake.url}/v21.0/{PHONE_NUMBER_ID}/messages", timeout=5, json={
                "messaging_product": "whatsapp", "to": f"1555{i:07d}", "type": "text",
                "text": {"body": f"Hello C{i}, new shirts in your size"}}).raise_for_status()
        took = time.perf_counter() - start
        assert len(fake.messages) == n
        return took


def _channel(fake: FakeX) -> XChannel:
    return XChannel(token=OAuth2Token(fake.issue_token()),
                    endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url}), timeout=(2.0, 5.0))


def run_sender(n: int, lose_answers: bool) -> float:
    with FakeX(dm_limit=1_000_000).running() as fake, tempfile.TemporaryDirectory() as tmp:
        store = _library(Path(tmp) / "lib", n)
        if lose_answers:
            fake.faults.append(Fault("POST", r"/2/dm_conversations/with/\d+/messages", "503_after", times=n))
        x = _channel(fake)
        start = time.perf_counter()
        for _ in send(direct(store), options=SenderOptions(reconcile_after_s=30.0), x=lambda s: x):
            pass
        took = time.perf_counter() - start
        sent = outbox.count_in_state(store, "sent")
        store.close()
        assert sent == n and len(fake.events) == n, (sent, len(fake.events))  # exactly once
        return took


def run_bare(n: int) -> float:
    with FakeX(dm_limit=1_000_000).running() as fake:
        x = _channel(fake)
        start = time.perf_counter()
        for i in range(n):
            x.send_dm(str(5000 + i), f"Hello C{i}, new shirts in your size")
        took = time.perf_counter() - start
        assert len(fake.events) == n
        return took


def _median(fn: Callable[[], float], repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--channels", nargs="+", choices=("x", "email", "sms", "whatsapp"),
                        default=["x", "email", "sms", "whatsapp"])
    args = parser.parse_args(argv)
    print(f"{'N':>5}  {'channel':<9} {'case':<28} {'median s':>9} {'ms/msg':>7} {'x bare':>7}")
    cases: dict[str, list[tuple[str, Callable[[int], float]]]] = {
        "x": [("bare tweepy (no store)", run_bare), ("sender", functools.partial(_swap, run_sender, False)),
              ("sender, every answer lost", functools.partial(_swap, run_sender, True))],
        "email": [("bare smtplib (no store)", run_email_bare), ("sender", run_email)],
        "sms": [("bare twilio (no store)", run_sms_bare), ("sender", functools.partial(_swap, run_sms, False)),
                ("sender, every answer lost", functools.partial(_swap, run_sms, True))],
        "whatsapp": [("bare requests (no store)", run_whatsapp_bare), ("sender", run_whatsapp)],
    }
    for n in args.sizes:
        for channel in args.channels:
            rows = [(case, _median(functools.partial(fn, n), args.repeat)) for case, fn in cases[channel]]
            bare = rows[0][1]
            for case, seconds in rows:
                print(f"{n:>5}  {channel:<9} {case:<28} {seconds:>9.3f} {1000 * seconds / n:>7.2f} "
                      f"{seconds / bare:>7.2f}")
    return 0


def _swap(fn: Callable[[int, bool], float], lose: bool, n: int) -> float:
    return fn(n, lose)


if __name__ == "__main__":
    sys.exit(main())
