"""The SMS channel: text messages (and the card as MMS where it can go) through Twilio's own library.

Twilio's Programmable Messaging has what the sender needs, through the ``twilio`` package:

* ``POST .../Messages.json`` sends (from a messaging service or one sender number); its error codes
  say what to do next (:func:`classify`): 21610 is a number that sent STOP (the consent ledger is told,
  never retried), 21211/21612/21614/30003/30006 a number that cannot get texts (marked unreachable, another
  channel offered), 20429 the account's rate limit, 20003 a refused sign-in.
* There is no idempotency key, so an uncertain send is reconciled by listing the messages sent to that
  number since the attempt began (``GET .../Messages.json?To=&DateSent>=``) before anything is re-sent.
* Replies are polled from the same list (``direction = inbound``): no public webhook is needed on a
  back-office PC. STOP/START/HELP are the carriers' keywords: Twilio answers them itself; a STOP (and the
  other stop words) withdraws the SMS consent in the ledger, a START records it again.

The account SID and the sender (messaging service SID or number) are library settings
(``delivery.sms``); the auth token is in the keyring. ``LOOKBOOK_TWILIO_API_URL`` points the client at
another server (the tests' fake on 127.0.0.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import (
    Ambiguous,
    AuthFailed,
    Delivered,
    DeliveryError,
    NotSent,
    OptedOut,
    RateLimited,
    Rejected,
    Unreachable,
)
from lookbook.outbox.channels.interface import Attempt, Channel, Connection, Credential, Job, Limits, Steps
from lookbook.payment_cards import SAFE_PAYMENT_ADVICE, mask_card_numbers
from lookbook.store import roles, secrets
from lookbook.store.database import Store, inserted_id

if TYPE_CHECKING:
    from twilio.rest import Client

SETTING = "delivery.sms"
#: The newest inbound message read by the last reply poll (its sid and time).
CURSOR_SETTING = "replies.sms_cursor"
#: Environment variable that points the Twilio client at another API server (the tests' fake).
API_URL_ENV = "LOOKBOOK_TWILIO_API_URL"
DEFAULT_TIMEOUT_S = 30.0
#: Countries where Twilio sends MMS (the card as a picture); elsewhere the text names products and sizes.
MMS_COUNTRIES = frozenset({"US", "CA"})
#: Twilio's longest body (10 segments of UCS-2 or 1,600 characters).
MAX_BODY = 1600

#: Twilio error codes (https://www.twilio.com/docs/api/errors) and what each means for the sender.
OPTED_OUT = {21610: "the number sent STOP to the store's SMS number (Twilio 21610)"}
UNREACHABLE = {
    21211: "the phone number is not a valid number (Twilio 21211)",
    21612: "texts cannot be sent to this number from the store's number (Twilio 21612)",
    21614: "the number is not a mobile number and cannot get texts (Twilio 21614)",
    30003: "the handset is switched off or out of service (Twilio 30003)",
    30006: "the number is a landline or its carrier does not take texts (Twilio 30006)",
}
RATE_LIMITED = {20429, 14107}
AUTH = {20003, 20005, 20404}

# -- segments: GSM-7 vs UCS-2 -----------------------------------------------------------------------------------
#: The GSM 03.38 basic character set (one septet each) and its extension table (two septets each).
_GSM_BASIC = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    """How a text is billed: its encoding, its length in that encoding's units and the number of segments."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int
    count: int

    def __str__(self) -> str:
        per = 160 if self.encoding == "GSM-7" else 70
        return (f"{self.count} SMS segment{'s' if self.count != 1 else ''} ({self.encoding}, {self.units} "
                f"characters; {per} fit one)")


def count_segments(text: str) -> Segments:
    """Return how many SMS segments ``text`` takes: 160 GSM-7 characters in one, 153 each when split;
    any other character (an emoji, a curly quote) makes the whole text UCS-2: 70 in one, 67 each when split.
    """
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        return Segments("GSM-7", units, 1 if units <= 160 else math.ceil(units / 153))
    units = len(text.encode("utf-16-le")) // 2  # an emoji outside the BMP takes two UCS-2 units
    return Segments("UCS-2", units, 1 if units <= 70 else math.ceil(units / 67))


# -- settings -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsSettings:
    """The Twilio account and sender (library settings; the auth token is in the keyring)."""

    account_sid: str
    messaging_service_sid: str = ""
    from_number: str = ""
    #: A public web folder where the library's cards are published (MMS needs a URL Twilio can fetch).
    media_base_url: str = ""
    timeout_s: float = DEFAULT_TIMEOUT_S

    def check(self) -> None:
        """:raises InputError: naming the field at fault and what to enter."""
        if not (self.account_sid.startswith("AC") and len(self.account_sid) == 34):
            raise InputError(f"SMS settings, account SID '{self.account_sid}': enter the 34-character Account SID "
                             "from the Twilio console (it starts with AC).")
        if self.messaging_service_sid and not (self.messaging_service_sid.startswith("MG")
                                               and len(self.messaging_service_sid) == 34):
            raise InputError(f"SMS settings, messaging service '{self.messaging_service_sid}': enter the "
                             "34-character Messaging Service SID (it starts with MG).")
        if not self.messaging_service_sid and not self.from_number.startswith("+"):
            raise InputError("SMS settings: enter a messaging service SID (MG...) or the sender number in "
                             "+E.164 form.")
        if self.media_base_url and not self.media_base_url.startswith("https://"):
            raise InputError(f"SMS settings, media URL '{self.media_base_url}': Twilio fetches the card from "
                             "it, so it must be a public https:// address.")

    @classmethod
    def from_setting(cls, value: dict[str, Any] | None) -> SmsSettings:
        """:raises InputError: if SMS is not set up or a field is wrong."""
        if not value:
            raise InputError("SMS is not set up: enter the Twilio account with `lookbook delivery sms`.")
        settings = cls(account_sid=str(value.get("account_sid", "")).strip(),
                       messaging_service_sid=str(value.get("messaging_service_sid") or "").strip(),
                       from_number=str(value.get("from_number") or "").strip(),
                       media_base_url=str(value.get("media_base_url") or "").strip(),
                       timeout_s=float(value.get("timeout_s") or DEFAULT_TIMEOUT_S))
        settings.check()
        return settings

    def stored(self) -> dict[str, Any]:
        """Return the settings as kept in the library."""
        return {"account_sid": self.account_sid, "messaging_service_sid": self.messaging_service_sid,
                "from_number": self.from_number, "media_base_url": self.media_base_url, "timeout_s": self.timeout_s}


def save_settings(store: Store, value: dict[str, Any], actor: str, *, auth_token: str | None = None,
                  country: str | None = None) -> Changes:
    """Check and keep the Twilio settings; the auth token (if given) goes to the keyring.

    :param country: the store's country (two letters), the default for phone numbers written in local form.
    :raises InputError: naming the field that is wrong.
    """
    from lookbook.customers.book import PHONE_COUNTRY_SETTING

    roles.require(store, actor, "delivery.settings")
    settings = SmsSettings.from_setting(value)
    if country is not None:
        import phonenumbers

        country = country.strip().upper()
        if phonenumbers.country_code_for_region(country) == 0:
            raise InputError(f"SMS settings, country '{country}': enter the store's country as two letters (US, GB).")
    if auth_token is not None:
        secrets.Vault.for_store(store).set(secrets.TWILIO_AUTH_TOKEN, auth_token)
    with store.atomic():
        store.set_setting(SETTING, settings.stored())
        if country is not None:
            store.set_setting(PHONE_COUNTRY_SETTING, country)
        store.audit(actor, "delivery.sms_settings", "settings", SETTING, **settings.stored(), country=country)
    return store.notify(Changes(settings=True, audit=True))


def make_client(store: Store) -> Client:
    """Return a Twilio client for the library's account (pointed at ``$LOOKBOOK_TWILIO_API_URL`` if set).

    :raises InputError: if SMS is not set up.
    :raises AuthFailed: if the auth token is not in the keyring.
    """
    settings = SmsSettings.from_setting(store.get_setting(SETTING))
    token = secrets.Vault.for_store(store).get(secrets.TWILIO_AUTH_TOKEN)
    if not token:
        raise AuthFailed("the Twilio auth token is not in the keyring: enter it with `lookbook delivery sms`.")
    return client_for(settings.account_sid, token, timeout_s=settings.timeout_s)


def client_for(account_sid: str, token: str, *, timeout_s: float = DEFAULT_TIMEOUT_S,
               api_url: str | None = None) -> Client:
    """Return a Twilio client; ``api_url`` (default ``$LOOKBOOK_TWILIO_API_URL``) replaces api.twilio.com."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    # No retries inside the library: a POST retried blindly could send twice; the sender decides.
    client = Client(account_sid, token, http_client=TwilioHttpClient(timeout=timeout_s, max_retries=0))
    url = api_url or os.environ.get(API_URL_ENV)
    if url:
        client.api.base_url = url.rstrip("/")
    return client


def close_client(client: Client) -> None:
    """Close the Twilio client's kept-alive connection (its ``requests`` session), rather than leave the socket
    open until the garbage collector finds the client; the client's next request opens a new one."""
    session = getattr(client.http_client, "session", None)
    if session is not None:
        session.close()


# -- failures -----------------------------------------------------------------------------------------------------
def classify(exc: Exception, *, delivers: bool) -> DeliveryError:
    """Turn a Twilio or network failure into the :class:`DeliveryError` that says what the sender does next."""
    import requests
    from twilio.base.exceptions import TwilioException, TwilioRestException

    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, TwilioException) and not isinstance(exc, TwilioRestException):
        exc = _page_error(exc)
    if isinstance(exc, TwilioRestException):
        code, status = exc.code or 0, exc.status
        text = f"{exc.msg} (Twilio {code or status})"
        if code in OPTED_OUT:
            return OptedOut(f"{OPTED_OUT[code]}: it is never texted again unless the customer sends START")
        if code in UNREACHABLE:
            return Unreachable(UNREACHABLE[code])
        if code in RATE_LIMITED or status == 429:
            return RateLimited(f"Twilio's rate limit: {text}", dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60))
        if code in AUTH or status in (401, 403):
            return AuthFailed(f"Twilio refused the account's sign-in: {text}; check the account SID and auth token "
                              "with `lookbook delivery sms`.")
        if status >= 500:
            # A 5xx after the request went out may come after Twilio queued the message.
            return (Ambiguous if delivers else NotSent)(f"Twilio had a fault: {text}")
        return Rejected(f"Twilio refused the message: {text}")
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.ReadTimeout):
        # Refused or reset before an answer: a reset after the request was sent may have delivered.
        if isinstance(exc, requests.exceptions.ConnectTimeout) or "refused" in str(exc).lower():
            return NotSent(f"could not reach Twilio ({type(exc).__name__}); trying again later")
        return (Ambiguous if delivers else NotSent)(f"the connection to Twilio broke ({type(exc).__name__})")
    if isinstance(exc, (requests.exceptions.Timeout, TimeoutError, OSError, requests.exceptions.RequestException)):
        return (Ambiguous if delivers else NotSent)(f"Twilio did not answer in time ({type(exc).__name__})")
    return NotSent(f"sending the SMS failed ({exc})")


def _page_error(exc: Exception) -> Exception:
    """Return the :class:`TwilioRestException` a refused list request stands for, or ``exc`` itself.

    Listing messages (reply polls, reconciling a send) raises twilio's bare ``TwilioException("Unable to fetch
    page", response)`` instead of the ``TwilioRestException`` a single request raises; read as it was, a refused
    token there came out as "sending the SMS failed" instead of the sign-in error that tells the user what to fix.
    """
    from twilio.base.exceptions import TwilioRestException

    response = next((a for a in exc.args if isinstance(getattr(a, "status_code", None), int)), None)
    if response is None:
        return exc
    try:
        body = json.loads(response.text)
    except (TypeError, ValueError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("code") if isinstance(body.get("code"), int) else None
    msg = str(body.get("message") or exc.args[0])
    return TwilioRestException(response.status_code, "", msg=msg, code=code)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sms_text(job: Job, *, mms: bool) -> str:
    """Return what the SMS says: the approved words (card numbers masked) and, without the card as MMS,
    the products and sizes the card shows (its captions)."""
    text = mask_card_numbers(job.body)[0]
    if not mms and job.photos:
        lines = [p.caption or p.alt for p in job.photos if (p.caption or p.alt)]
        if lines:
            text = text.rstrip() + "\n" + "\n".join(f"- {mask_card_numbers(line)[0]}" for line in lines)
    return text


class SmsConnection(Connection):
    """One send run's Twilio account."""

    def __init__(self, client: Client, settings: SmsSettings) -> None:
        self.client = client
        self.settings = settings
        self.rates = {}
        self.grace_s = max(60.0, 2 * settings.timeout_s)

    def _messages(self) -> Any:
        return self.client.api.v2010.accounts(self.settings.account_sid).messages

    def _mms_url(self, job: Job) -> str | None:
        import phonenumbers

        if not (self.settings.media_base_url and job.attachment and job.address):
            return None
        try:
            number = phonenumbers.parse(job.address, None)
            # A number not (yet) in the plan (555 test numbers) counts as its country code's main country.
            region = (phonenumbers.region_code_for_number(number)
                      or phonenumbers.region_code_for_country_code(number.country_code or 0))
        except phonenumbers.NumberParseException:
            return None
        return f"{self.settings.media_base_url.rstrip('/')}/{job.attachment.name}" if region in MMS_COUNTRIES else None

    def send(self, job: Job, steps: Steps) -> Delivered:
        if not job.address:
            raise Unreachable(SMS.no_address())
        media = self._mms_url(job)
        text = sms_text(job, mms=media is not None)
        sender: dict[str, Any] = ({"messaging_service_sid": self.settings.messaging_service_sid}
                                  if self.settings.messaging_service_sid else {"from_": self.settings.from_number})
        if media:
            sender["media_url"] = [media]
        # The point of no return: from here a lost answer means "list the messages to them before re-sending".
        steps.phase(SMS.uncertain_phase, to=job.address, digest=_digest(text), mms=bool(media))
        try:
            message = self._messages().create(to=job.address, body=text, **sender)
        except Exception as exc:  # every failure is classified: the sender decides by its class
            raise classify(exc, delivers=True) from exc
        when = message.date_created or dt.datetime.now(dt.UTC)
        return Delivered(str(message.sid), when.astimezone(dt.UTC).isoformat(timespec="seconds"),
                         {"segments": str(message.num_segments or "")})

    def reconcile(self, attempt: Attempt) -> Delivered | None:
        to = str(attempt.detail.get("to") or SMS.address(attempt.customer) or "")
        if not to:
            return None
        since = (attempt.started_at - dt.timedelta(seconds=attempt.skew_s)).replace(microsecond=0)
        digest = attempt.detail.get("digest")
        try:
            listed = list(self._messages().stream(to=to, date_sent_after=since, page_size=50))
        except Exception as exc:
            raise classify(exc, delivers=False) from exc
        for message in listed:
            created = message.date_created
            if message.sid in attempt.claimed or message.direction == "inbound":
                continue
            if created is not None and created < since.astimezone(dt.UTC):
                continue
            body = message.body or ""
            if (digest and _digest(body) == digest) or body == attempt.body or body.startswith(attempt.body + "\n"):
                when = created or dt.datetime.now(dt.UTC)
                return Delivered(str(message.sid), when.astimezone(dt.UTC).isoformat(timespec="seconds"),
                                 {"how": "found in Twilio's message list"})
        return None

    def classify(self, exc: Exception, *, delivers: bool) -> DeliveryError:
        return classify(exc, delivers=delivers)

    def close(self) -> None:
        """Close the kept-alive connection to Twilio at the end of the run, rather than leave it to the garbage
        collector; the client's next request opens a new one."""
        close_client(self.client)


class Sms(Channel):
    """Texts through Twilio: the card as MMS where the country has it, else words naming products and sizes."""

    name = "sms"
    label = "SMS"
    address_column = "phone"
    address_label = "mobile number"
    shown_as = "a text message (the card as MMS where the number's country has it)"
    limits = Limits(text=MAX_BODY, attachments=1, segment=160)
    fallback_rank = 20
    uncertain_phase = "post"
    #: US carriers' rule (TCPA): texts only 8:00-21:00 where the customer is; a stricter store window still applies.
    quiet_hours = (dt.time(21, 0), dt.time(8, 0))

    setting = SETTING
    credentials = (
        Credential("account_sid", "Account SID", help="from the Twilio console (AC...)"),
        Credential("messaging_service_sid", "Messaging Service SID", optional=True,
                   help="the service to send from (MG...); or a sender number below"),
        Credential("from_number", "Sender number", optional=True, help="+E.164, when there is no messaging service"),
        Credential("media_base_url", "Media URL", optional=True,
                   help="public https:// folder where cards are published, for MMS"),
        Credential("auth_token", "Auth token", secret=True, keyring=secrets.TWILIO_AUTH_TOKEN,
                   env="LOOKBOOK_TWILIO_AUTH_TOKEN"),
    )

    def save_settings(self, store: Store, value: dict[str, Any], actor: str) -> None:
        save_settings(store, value, actor)

    def segments(self, text: str) -> str | None:
        return str(count_segments(mask_card_numbers(text)[0]))

    def open(self, store: Store, client: Any = None) -> SmsConnection:
        settings = SmsSettings.from_setting(store.get_setting(SETTING))
        return SmsConnection(client or make_client(store), settings)


#: The SMS channel, as :mod:`lookbook.outbox.channels.registry` lists it.
SMS = Sms()


# -- replies: polled from the account's inbound messages ----------------------------------------------------------
#: Carrier keywords (Twilio's defaults) for opting back in and asking for help.
START_WORDS = frozenset({"start", "unstop", "yes"})
HELP_WORDS = frozenset({"help", "info"})


@dataclass
class SmsPollReport:
    """What one poll of inbound texts found."""

    new: list[int] = field(default_factory=list)  # reply ids
    withdrawn: list[int] = field(default_factory=list)  # customer ids (STOP)
    restarted: list[int] = field(default_factory=list)  # customer ids (START)
    unknown_senders: int = 0
    warnings: list[str] = field(default_factory=list)


def store_inbound(store: Store, messages: list[dict[str, str]]) -> SmsPollReport:
    """Store inbound texts (``sid``, ``from``, ``body``, ``at``) as replies; STOP withdraws SMS consent,
    START records it again, HELP is kept (Twilio answers it with the messaging service's help text)."""
    from lookbook.outbox.replies import ACTOR, _withdraw, is_opt_out

    report = SmsPollReport()
    with store.atomic():
        for m in sorted(messages, key=lambda m: (m["at"], m["sid"])):
            row = store.db.execute("SELECT id FROM customers WHERE phone = ?", [m["from"]]).fetchone()
            customer_id = row[0] if row else None
            sent = store.db.execute(
                "SELECT id FROM messages WHERE customer_id = ? AND channel = 'sms' AND state = 'sent' AND sent_at <= ?"
                " ORDER BY sent_at DESC, id DESC LIMIT 1", [customer_id, m["at"]]).fetchone() \
                if customer_id is not None else None
            body, card = mask_card_numbers(m["body"])
            cur = store.db.execute(
                "INSERT OR IGNORE INTO replies (customer_id, message_id, channel, external_id, body, received_at)"
                " VALUES (?, ?, 'sms', ?, ?, ?)", [customer_id, sent[0] if sent else None, m["sid"], body, m["at"]])
            if cur.rowcount != 1:
                continue  # read before
            reply_id = inserted_id(cur)
            word = body.strip().strip(".!").casefold()
            stop = is_opt_out(body)
            store.audit(ACTOR, "reply.receive", "reply", reply_id, customer_id=customer_id, channel="sms",
                        opt_out=stop, card_masked=card, keyword=word.upper() if word in START_WORDS | HELP_WORDS
                        else None)
            report.new.append(reply_id)
            if customer_id is None:
                report.unknown_senders += 1
            elif stop:
                _withdraw(store, customer_id, "sms", m["sid"])
                report.withdrawn.append(customer_id)
            elif word in START_WORDS:
                # The customer's own START is the confirmation the ledger asks of a re-subscription.
                how = f"texted {word.upper()} to the store's SMS number (Twilio {m['sid']})"
                consent.record(store, customer_id, "sms", "one_to_one", True, by_user=ACTOR, source="reply",
                               note=f"the customer {how}", confirmation=consent.Confirmation(ACTOR, m["at"], how))
                report.restarted.append(customer_id)
            if card:
                report.warnings.append(f"reply {reply_id}: {SAFE_PAYMENT_ADVICE}")
        if messages:
            newest = max(messages, key=lambda m: (m["at"], m["sid"]))
            store.set_setting(CURSOR_SETTING, {"at": newest["at"], "sid": newest["sid"]})
    store.notify(Changes(customers=bool(report.withdrawn or report.restarted), outbox=bool(report.new),
                         audit=bool(report.new)))
    return report


def poll_replies(db: Callable[[Callable[[Store], Any]], Any], *, client: Client | None = None) -> SmsPollReport:
    """Read the inbound texts since the last poll (a day's overlap; reading twice is harmless) and store them.

    :raises DeliveryError: if Twilio cannot be asked.
    """
    settings = SmsSettings.from_setting(db(lambda s: s.get_setting(SETTING)))
    if client is not None:
        return _poll_replies(db, settings, client)
    # A client made here is closed here: each poll (the app polls again and again) left its socket to Twilio open
    # until the garbage collector came by.
    own = db(make_client)
    try:
        return _poll_replies(db, settings, own)
    finally:
        close_client(own)


def _poll_replies(db: Callable[[Callable[[Store], Any]], Any], settings: SmsSettings, client: Client) -> SmsPollReport:
    cursor = db(lambda s: s.get_setting(CURSOR_SETTING)) or {}
    since = (dt.datetime.fromisoformat(cursor["at"]) - dt.timedelta(days=1)) if cursor.get("at") else None
    query: dict[str, Any] = {"page_size": 100}
    if settings.from_number and not settings.messaging_service_sid:
        query["to"] = settings.from_number
    if since is not None:
        query["date_sent_after"] = since
    try:
        listed = list(client.api.v2010.accounts(settings.account_sid).messages.stream(**query))
    except Exception as exc:
        raise classify(exc, delivers=False) from exc
    inbound = [{"sid": str(m.sid), "from": str(m.from_ or ""), "body": str(m.body or ""),
                "at": (m.date_sent or m.date_created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
                .isoformat(timespec="seconds")}
               for m in listed if m.direction == "inbound"]
    return db(lambda s: store_inbound(s, inbound))
