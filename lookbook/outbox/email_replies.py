"""Customers' e-mail replies, read from the store's IMAP mailbox and threaded like X replies.

:func:`poll` asks the mailbox (IMAPClient) for messages newer than the last UID seen (the cursor and
the folder's UIDVALIDITY are kept in the library settings; a new UIDVALIDITY reads the folder again,
and ``replies`` being unique on (channel, Message-ID) stores nothing twice). Each mail from an address
in the customer book becomes a reply on channel ``email``: threaded on the message its
``In-Reply-To``/``References`` name (our Message-IDs), else the last e-mail sent to them; the quoted
text under "On … wrote:" is left out; card numbers are masked; a clear request to stop withdraws
e-mail consent, a maybe pauses e-mail and asks the associate (:mod:`lookbook.outbox.opt_out`), exactly as for X.
Mail from addresses not in the book is counted, not stored.

The IMAP password is kept in the system keyring (``imap.password``), never in the library.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox import opt_out
from lookbook.outbox.channels import DeliveryError
from lookbook.outbox.replies import ACTOR, PollReport, Reply, pause_to_confirm, withdraw_channel
from lookbook.payment_cards import SAFE_PAYMENT_ADVICE, mask_card_numbers
from lookbook.store import roles, secrets
from lookbook.store.database import Store, inserted_id, utcnow

IMAP_SETTING = "delivery.imap"
CURSOR_SETTING = "replies.imap_cursor"
PASSWORD = "imap.password"
SECURITY = ("ssl", "starttls", "plain")
#: Mails read in one poll at most; the rest wait for the next one (the cursor moves only past those read).
BATCH = 500
_QUOTE_HEADER = re.compile(r"^\s*(?:On\b.*\bwrote:|Le\b.*\ba écrit\s*:|El\b.*\bescribió:|Am\b.*\bschrieb.*:|"
                           r"-{2,}\s*Original Message\s*-{2,}|From:\s.*@)", re.IGNORECASE)


@dataclass(frozen=True)
class ImapSettings:
    """Where the store's mailbox is."""

    host: str
    port: int
    username: str
    security: str = "ssl"
    folder: str = "INBOX"
    timeout_s: float = 30.0

    @classmethod
    def from_setting(cls, value: dict[str, Any] | None) -> ImapSettings:
        """Return the settings, checked.

        :raises InputError: naming the field that is missing or wrong.
        """
        if not value:
            raise InputError("the store's mailbox is not set up: add it with `lookbook delivery imap` (host, "
                             "port, user name; the password goes to the system keyring).")
        host = str(value.get("host") or "").strip()
        if not host:
            raise InputError("imap host: it is empty; give the mail server's name, e.g. imap.example.com.")
        try:
            port = int(value.get("port") or (993 if value.get("security", "ssl") == "ssl" else 143))
        except (TypeError, ValueError):
            raise InputError(f"imap port '{value.get('port')}': give a number such as 993.") from None
        if not 0 < port < 65536:
            raise InputError(f"imap port {port}: give a port from 1 to 65535.")
        security = str(value.get("security") or "ssl")
        if security not in SECURITY:
            raise InputError(f"imap security '{security}': choose one of {', '.join(SECURITY)}.")
        username = str(value.get("username") or "").strip()
        if not username:
            raise InputError("imap username: it is empty; give the mailbox's user name.")
        return cls(host, port, username, security, str(value.get("folder") or "INBOX"),
                   float(value.get("timeout_s") or 30.0))

    def as_setting(self) -> dict[str, Any]:
        """Return the settings as stored."""
        return dict(self.__dict__)


def save_imap_settings(store: Store, value: dict[str, Any], actor: str, *, password: str | None = None) -> Changes:
    """Check and keep the mailbox settings; the password (if given) goes to the keyring.

    :raises InputError: naming the field that is wrong.
    """
    roles.require(store, actor, "delivery.settings")
    settings = ImapSettings.from_setting(value)
    if password is not None:
        secrets.Vault.for_store(store).set(PASSWORD, password)
    with store.atomic():
        store.set_setting(IMAP_SETTING, settings.as_setting())
        store.audit(actor, "delivery.imap_settings", "settings", IMAP_SETTING, **settings.as_setting())
    return store.notify(Changes(settings=True, audit=True))


@dataclass(frozen=True)
class Mail:
    """One message read from the mailbox."""

    uid: int
    raw: bytes


class MailboxError(DeliveryError):
    """The mailbox could not be read (unreachable, refused the sign-in, no such folder)."""


def fetch(settings: ImapSettings, password: str | None, *, uidvalidity: int | None, after_uid: int,
          batch: int = BATCH) -> tuple[list[Mail], int]:
    """Return the mails with a UID above ``after_uid`` (all of them after a UIDVALIDITY change) and the folder's
    UIDVALIDITY. Reads only; marks nothing seen.

    :raises MailboxError: with a one-line reason.
    """
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError

    try:
        context = ssl.create_default_context() if settings.security != "plain" else None
        with IMAPClient(settings.host, port=settings.port, ssl=settings.security == "ssl", ssl_context=context,
                        timeout=settings.timeout_s) as client:
            if settings.security == "starttls":
                client.starttls(context)
            client.login(settings.username, password or "")
            info = client.select_folder(settings.folder, readonly=True)
            validity = int(info.get(b"UIDVALIDITY", 0))
            start = after_uid + 1 if validity == uidvalidity else 1
            uids = sorted(u for u in client.search(["UID", f"{start}:*"]) if u >= start)[:batch]
            fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [Mail(uid, fetched[uid][b"BODY[]"]) for uid in uids if uid in fetched], validity
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"the mailbox {settings.username}@{settings.host}:{settings.port} could not be read: "
                           f"{exc}; check the settings (`lookbook delivery imap`) and the password.") from None


def plain_text(message: EmailMessage) -> str:
    """Return what the customer wrote: the plain-text part without the quoted message under it."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    kept = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line) or line.startswith(">") or line.strip() == "--":
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def store_mails(store: Store, mails: Iterable[Mail], *, uidvalidity: int) -> PollReport:
    """Store the customers' mails as replies (in UID order) and move the cursor, in one transaction."""
    report = PollReport()
    last_uid = 0
    with store.atomic():
        for mail in sorted(mails, key=lambda m: m.uid):
            last_uid = max(last_uid, mail.uid)
            parsed = email.message_from_bytes(mail.raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            _name, address = email.utils.parseaddr(str(parsed.get("From", "")))
            message_id = str(parsed.get("Message-ID", "")).strip() or f"<uid-{uidvalidity}-{mail.uid}@imap>"
            row = store.db.execute("SELECT id FROM customers WHERE email = ? COLLATE NOCASE",
                                   [address]).fetchone() if address else None
            if row is None:
                report.unknown_senders += 1
                continue
            customer_id = int(row[0])
            references = list(dict.fromkeys(_ids(str(parsed.get("References", "")))
                                            + _ids(str(parsed.get("In-Reply-To", "")))))
            try:
                when = email.utils.parsedate_to_datetime(str(parsed.get("Date"))).isoformat(timespec="seconds")
            except (TypeError, ValueError):
                when = utcnow()
            answered = None
            if references:
                marks = ", ".join("?" * len(references))
                answered = store.db.execute(
                    f"SELECT id FROM messages WHERE customer_id = ? AND channel = 'email' AND external_id IN ({marks})"
                    " ORDER BY sent_at DESC LIMIT 1", [customer_id, *references]).fetchone()
            if answered is None:
                answered = store.db.execute(
                    "SELECT id FROM messages WHERE customer_id = ? AND channel = 'email' AND state = 'sent'"
                    " AND sent_at <= ? ORDER BY sent_at DESC, id DESC LIMIT 1", [customer_id, when]).fetchone()
            text = plain_text(parsed)
            body, card = mask_card_numbers(text)
            cur = store.db.execute(
                "INSERT OR IGNORE INTO replies (customer_id, message_id, channel, external_id, body, received_at,"
                " email_references) VALUES (?, ?, 'email', ?, ?, ?, ?)",
                [customer_id, answered[0] if answered else None, message_id, body, when, " ".join(references)])
            if cur.rowcount != 1:
                continue  # read before (a UIDVALIDITY change reads the folder again)
            verdict = opt_out.classify(text)
            stop = verdict.kind == opt_out.STOP
            reply = Reply(inserted_id(cur), customer_id, answered[0] if answered else None, "email", message_id,
                          body, when, stop, card)
            store.audit(ACTOR, "reply.receive", "reply", reply.id, customer_id=customer_id,
                        message_id=reply.message_id, channel="email", opt_out=stop,
                        opt_out_maybe=verdict.kind == opt_out.MAYBE, card_masked=card)
            if stop:
                withdraw_channel(store, customer_id, "email", by_user=ACTOR,
                                 note=f"the customer replied asking to stop (e-mail {message_id})")
                report.withdrawn.append(customer_id)
            elif verdict.kind == opt_out.MAYBE:
                pause_to_confirm(store, customer_id, "email", reply.id, body, verdict.why)
                report.paused.append(customer_id)
                report.warnings.append(f"reply {reply.id} from customer {customer_id} may ask to stop ({verdict.why}):"
                                       " e-mail is paused for them until their associate confirms")
            if card:
                report.warnings.append(f"reply {reply.id}: {SAFE_PAYMENT_ADVICE}")
            report.new.append(reply)
        if last_uid:
            store.set_setting(CURSOR_SETTING, {"uidvalidity": uidvalidity, "last_uid": last_uid})
    report.changes = store.notify(Changes(customers=bool(report.new), outbox=bool(report.new),
                                          audit=bool(report.new)))
    return report


def poll(db: Callable[[Callable[[Store], Any]], Any]) -> PollReport:
    """Read the mails newer than the last poll from the store's mailbox and store the customers' replies.

    :param db: runs a function with the store (see :data:`lookbook.outbox.sender.DbCall`).
    :raises InputError: if the mailbox is not set up.
    :raises MailboxError: if it cannot be read.
    """
    settings = db(lambda s: ImapSettings.from_setting(s.get_setting(IMAP_SETTING)))
    password = db(lambda s: secrets.Vault.for_store(s).get(PASSWORD))
    cursor = db(lambda s: s.get_setting(CURSOR_SETTING)) or {}
    mails, validity = fetch(settings, password, uidvalidity=cursor.get("uidvalidity"),
                            after_uid=int(cursor.get("last_uid") or 0))
    report: PollReport = db(lambda s: store_mails(s, mails, uidvalidity=validity))
    if len(mails) >= BATCH:
        report.warnings.append(f"more than {BATCH} mails came in since the last check; the rest are read next time")
    return report
