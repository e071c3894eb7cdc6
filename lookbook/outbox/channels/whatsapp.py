"""The WhatsApp channel: WhatsApp Business Cloud API, plain HTTP to Meta's documented Graph endpoints.

WhatsApp's rules are part of the channel, not an afterthought:

* A business may start a conversation only with an **approved template** (its name, language and
  variables) and only with the customer's WhatsApp opt-in (the consent ledger's ``whatsapp`` entry). The
  template is the library's setting; its status is read from ``GET /{waba-id}/message_templates`` before a
  send, and a template that is not APPROVED stops the send with its status. Its image header carries the
  card (uploaded with ``POST /{phone-number-id}/media``); ``{{1}}`` is the customer's first name and ``{{2}}``
  the approved message.
* Free text (with the card as an image and the words as its caption) is allowed only inside the 24-hour
  customer-service window after the customer's last message to the store (:func:`window_open`, from the
  ``replies`` table); outside it the template goes instead. :meth:`WhatsApp.drafting_rule` says which
  applies, for drafting, the Approvals page and ``outbox preview``.
* Error codes from Meta's reference (:func:`classify_code`, the table above it): 131050 (the customer stopped
  the store's marketing messages) withdraws the WhatsApp consent; 131026 (undeliverable: not on WhatsApp, or the
  store is blocked; Meta does not say which) marks WhatsApp unreachable and offers another channel; 130429 waits
  a minute; 131048 (spam rate limit) stops WhatsApp for the run; 131056 and 131049 retry that customer later;
  131047 is free text outside the window; 190 an expired token; 1320xx a template to fix (the messages wait).
* The Cloud API has no way to list sent messages and no polling for inbound ones (both come only by
  webhook), so an uncertain send cannot be reconciled (:class:`~lookbook.outbox.channels.CannotTell`: a person
  decides, as with e-mail); replies and delivery statuses arrive at the local webhook receiver
  (:mod:`lookbook.outbox.channels.whatsapp_webhook`, ``lookbook outbox whatsapp-webhook``).

``LOOKBOOK_WHATSAPP_API_URL`` (default ``https://graph.facebook.com``) points it at another server.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import (
    Ambiguous,
    AuthFailed,
    CannotTell,
    Delivered,
    DeliveryError,
    NotSent,
    OptedOut,
    RateLimited,
    Rejected,
    Unreachable,
)
from lookbook.outbox.channels.interface import Attempt, Channel, Connection, Credential, Job, Limits, Steps
from lookbook.payment_cards import mask_card_numbers
from lookbook.store import roles, secrets
from lookbook.store.database import Store, utcnow

SETTING = "delivery.whatsapp"
API_URL_ENV = "LOOKBOOK_WHATSAPP_API_URL"
DEFAULT_API = "https://graph.facebook.com"
API_VERSION = "v21.0"
#: The customer-service window: free text only this long after the customer's last message.
WINDOW = dt.timedelta(hours=24)

# Meta's error codes, checked against "WhatsApp error codes" (Cloud API reference):
# https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/
# Each code says what the sender does next; the same codes arrive on a failed status by webhook
# (:mod:`lookbook.outbox.channels.whatsapp_webhook`), which uses :func:`classify_code` too.
#: The consent ledger is told, never retried: "This recipient has chosen to stop receiving marketing messages on
#: WhatsApp from your business."
OPTED_OUT = {131050: "the customer stopped marketing messages from the store in WhatsApp (Meta 131050)"}
#: Never retried on WhatsApp for this customer: marked unreachable, another channel offered. Meta's reasons for
#: 131026 are a number not on WhatsApp, terms of service not accepted, an old app, and (not stated by Meta, but
#: how it behaves) a customer who blocked the store: Meta does not tell a block apart, so the opt-in in the ledger
#: is kept (the customer never withdrew it) and WhatsApp is paused for them until they write to the store again
#: (an inbound message clears the mark) or a person marks it reachable (`lookbook delivery reachable`).
UNREACHABLE = {131026: "WhatsApp cannot deliver to this number: it is not on WhatsApp, its app is out of date, or "
                       "the customer blocked the store (Meta 131026; Meta does not say which)"}
#: Throughput of the business number (130429 "Rate limit hit"), the app's or account's call limits (4, 80007):
#: the channel waits for a minute and carries on.
RATE_LIMITED = {130429: 60, 4: 60, 80007: 60}
#: Spam rate limit (131048: too many earlier messages were blocked or flagged as spam): the number is throttled
#: for a long while, so WhatsApp stops for this run (the messages stay queued) and quality must be checked.
SPAM_LIMITED = {131048: 3600}
#: Per-customer limits: the (business, customer) pair rate limit (131056) and the per-user marketing template
#: limit (131049 "not delivered to maintain healthy ecosystem engagement"): retried later, this customer only.
PER_CUSTOMER_WAIT = {131056: dt.timedelta(minutes=1), 131049: dt.timedelta(hours=24)}
AUTH = {190, 10, 200, 0, 3}
#: 131047 "Re-engagement message": free text more than 24 hours after the customer's last message. Drafting and
#: the sender choose the template outside the window, so this means the window closed between the check and
#: the send: never retried as it is (a person re-drafts; drafting then picks the template).
OUTSIDE_WINDOW = 131047
#: Template problems that hold for every message (the template must be fixed in WhatsApp Manager): WhatsApp stops
#: for the run and the messages stay queued. 132000 parameter count mismatch, 132001 template does not exist (in
#: that language), 132012 parameter format mismatch, 132015 paused (low quality), 132016 disabled.
TEMPLATE_BROKEN = {132000: "its parameters do not match the approved template", 132001: "it does not exist",
                   132012: "a parameter's format does not match", 132015: "Meta paused it for low quality",
                   132016: "Meta disabled it"}
UNCERTAIN = ("the answer from WhatsApp was lost, or the sending program stopped, after the message was handed "
             "over, so it may have arrived, and WhatsApp offers no way to look it up; check the chat in WhatsApp "
             "Manager or with the customer before sending it again")


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp Business number, its account and the first-contact template (the token is in the keyring)."""

    phone_number_id: str
    waba_id: str
    template: str
    language: str = "en_US"
    timeout_s: float = 30.0

    @classmethod
    def from_setting(cls, value: dict[str, Any] | None) -> WhatsAppSettings:
        """:raises InputError: if WhatsApp is not set up or a field is wrong."""
        if not value:
            raise InputError("WhatsApp is not set up: enter the business number with `lookbook delivery whatsapp`.")
        settings = cls(str(value.get("phone_number_id", "")).strip(), str(value.get("waba_id", "")).strip(),
                       str(value.get("template", "")).strip(), str(value.get("language") or "en_US").strip(),
                       float(value.get("timeout_s") or 30.0))
        for name in ("phone_number_id", "waba_id"):
            if not getattr(settings, name).isdigit():
                raise InputError(f"WhatsApp settings, {name.replace('_', ' ')} '{getattr(settings, name)}': enter the "
                                 "number id from WhatsApp Manager (digits only).")
        if not settings.template:
            raise InputError("WhatsApp settings, template: name the approved template for first contact.")
        return settings


def save_settings(store: Store, value: dict[str, Any], actor: str, *, token: str | None = None) -> Changes:
    """Check and keep the WhatsApp settings; the access token (if given) goes to the keyring."""
    roles.require(store, actor, "delivery.settings")
    settings = WhatsAppSettings.from_setting(value)
    if token is not None:
        secrets.Vault.for_store(store).set(secrets.WHATSAPP_TOKEN, token)
    stored = {"phone_number_id": settings.phone_number_id, "waba_id": settings.waba_id,
              "template": settings.template, "language": settings.language, "timeout_s": settings.timeout_s}
    with store.atomic():
        store.set_setting(SETTING, stored)
        store.audit(actor, "delivery.whatsapp_settings", "settings", SETTING, **stored)
    return store.notify(Changes(settings=True, audit=True))


def last_message_from(store: Store, customer_id: int) -> str | None:
    """Return when the customer last wrote to the store on WhatsApp (ISO-8601 UTC), or None."""
    row = store.db.execute("SELECT max(received_at) FROM replies WHERE customer_id = ? AND channel = 'whatsapp'",
                           [customer_id]).fetchone()
    return row[0] if row and row[0] else None


def window_open(store: Store, customer_id: int, now: dt.datetime | None = None) -> bool:
    """Return whether free text may go: the customer wrote within the last 24 hours."""
    last = last_message_from(store, customer_id)
    if last is None:
        return False
    try:
        when = dt.datetime.fromisoformat(last)
    except ValueError:
        return False  # not a time: the window is not known to be open, so the template goes
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)  # the library keeps UTC
    return (now or dt.datetime.now(dt.UTC)) - when < WINDOW


# -- the connection --------------------------------------------------------------------------------------------
def classify_code(code: int, detail: str, *, status: int = 400, delivers: bool = False,
                  now: dt.datetime | None = None) -> DeliveryError:
    """Return what a Meta error ``code`` (from an API answer or a failed status) means for the sender."""
    now = now or dt.datetime.now(dt.UTC)
    if code in OPTED_OUT:
        return OptedOut(OPTED_OUT[code])
    if code in UNREACHABLE:
        return Unreachable(UNREACHABLE[code])
    if code in PER_CUSTOMER_WAIT:
        wait = PER_CUSTOMER_WAIT[code]
        when = f"{wait.total_seconds() / 3600:g} hours" if wait >= dt.timedelta(hours=1) else "a minute"
        return NotSent(f"WhatsApp limits messages to this customer for now ({detail}); tried again in {when}",
                       now + wait)
    if code in SPAM_LIMITED:
        return RateLimited(f"WhatsApp's spam rate limit on the store's number ({detail}): too many earlier messages "
                           "were blocked or reported; check the number's quality in WhatsApp Manager",
                           now + dt.timedelta(seconds=SPAM_LIMITED[code]))
    if code in RATE_LIMITED or status == 429:
        return RateLimited(f"WhatsApp's throughput limit ({detail})",
                           now + dt.timedelta(seconds=RATE_LIMITED.get(code, 60)))
    if code in AUTH or 200 <= code <= 299 or status in (401, 403):
        return AuthFailed(f"WhatsApp refused the access token ({detail}); enter a new one with "
                          "`lookbook delivery whatsapp`.")
    if code in TEMPLATE_BROKEN:
        return AuthFailed(f"WhatsApp refused the first-contact template: {TEMPLATE_BROKEN[code]} ({detail}); fix "
                          "it in WhatsApp Manager (and `lookbook delivery whatsapp --template`), the messages wait.")
    if code == OUTSIDE_WINDOW:
        return Rejected(f"more than 24 hours since the customer last wrote: only a template may go ({detail})")
    if status >= 500 or code in (1, 2, 131000, 131016):
        return (Ambiguous if delivers else NotSent)(f"WhatsApp had a fault ({detail})")
    return Rejected(f"WhatsApp refused the message ({detail})")


def classify(exc: Exception, *, delivers: bool) -> DeliveryError:
    """Turn a Graph API error or a network failure into the :class:`DeliveryError` that says what to do next."""
    import requests

    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, GraphError):
        return classify_code(exc.code, str(exc), status=exc.status, delivers=delivers)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or (
            isinstance(exc, requests.exceptions.ConnectionError) and "refused" in str(exc).lower()):
        return NotSent(f"could not reach WhatsApp ({type(exc).__name__})")
    if isinstance(exc, (requests.exceptions.RequestException, OSError)):
        return (Ambiguous if delivers else NotSent)(f"WhatsApp did not answer ({type(exc).__name__})")
    return NotSent(f"sending the WhatsApp message failed ({exc})")


class GraphError(Exception):
    """An error document from the Graph API: ``{"error": {"message", "type", "code", "error_data": {"details"},
    "fbtrace_id"}}`` (Meta advises acting on ``code`` and ``details``, not the title in ``message``)."""

    def __init__(self, status: int, code: int, message: str, details: str = "") -> None:
        super().__init__(f"{details or message} ({code})")
        self.status, self.code = status, code


class WhatsAppConnection(Connection):
    """One send run's WhatsApp Business number."""

    def __init__(self, settings: WhatsAppSettings, token: str, api_url: str | None = None) -> None:
        import requests

        self.settings = settings
        self.api = f"{(api_url or os.environ.get(API_URL_ENV) or DEFAULT_API).rstrip('/')}/{API_VERSION}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.rates = {}
        self.grace_s = max(60.0, 2 * settings.timeout_s)
        self._template: dict[str, Any] | None = None

    def _call(self, method: str, path: str, *, delivers: bool, **kw: Any) -> Any:
        try:
            answer = self.session.request(method, f"{self.api}/{path}", timeout=(5.0, self.settings.timeout_s), **kw)
        except Exception as exc:
            raise classify(exc, delivers=delivers) from exc
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.status_code >= 400:
            error = data.get("error", {}) if isinstance(data, dict) else {}
            found = error.get("error_data")
            error_data: dict[str, Any] = found if isinstance(found, dict) else {}
            raise classify(GraphError(answer.status_code, int(error.get("code") or 0),
                                      str(error.get("message") or answer.reason),
                                      str(error_data.get("details") or "")), delivers=delivers)
        return data

    def template(self) -> dict[str, Any]:
        """Return the first-contact template as Meta has it.

        :raises AuthFailed: (the channel stops for the run) if it is missing or not APPROVED.
        """
        if self._template is None:
            s = self.settings
            found = self._call("GET", f"{s.waba_id}/message_templates", delivers=False,
                               params={"name": s.template, "language": s.language})
            matches = [t for t in found.get("data", []) if t.get("name") == s.template
                       and t.get("language") == s.language]
            if not matches:
                raise AuthFailed(f"WhatsApp template '{s.template}' ({s.language}) does not exist; create it in "
                                 "WhatsApp Manager and wait for Meta's approval.")
            if matches[0].get("status") != "APPROVED":
                raise AuthFailed(f"WhatsApp template '{s.template}' is {matches[0].get('status')}, not APPROVED: "
                                 "nothing can start a conversation until Meta approves it.")
            self._template = matches[0]
        return self._template

    def _upload(self, job: Job) -> str | None:
        if job.attachment is None or not job.attachment.exists():
            return None
        with job.attachment.open("rb") as fh:
            answer = self._call("POST", f"{self.settings.phone_number_id}/media", delivers=False,
                                data={"messaging_product": "whatsapp", "type": "image/jpeg"},
                                files={"file": (job.attachment.name, fh, "image/jpeg")})
        return str(answer["id"])

    def send(self, job: Job, steps: Steps) -> Delivered:
        if not job.address:
            raise Unreachable(WHATSAPP.no_address())
        text = mask_card_numbers(job.body)[0]
        free = steps.db(lambda s: window_open(s, job.customer_id))
        payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                   "to": job.address.lstrip("+")}
        if free:
            media = self._upload(job)
            payload |= ({"type": "image", "image": {"id": media, "caption": text}} if media else
                        {"type": "text", "text": {"body": text, "preview_url": False}})
        else:
            template = self.template()
            has_image = any(c.get("type") == "HEADER" and c.get("format") == "IMAGE"
                            for c in template.get("components", []))
            components: list[dict[str, Any]] = []
            media = self._upload(job) if has_image else None
            if has_image:
                if media is None:
                    raise Rejected("the template's image header needs the card, and this message has none")
                components.append({"type": "header", "parameters": [{"type": "image", "image": {"id": media}}]})
            first = mask_card_numbers(job.name.split(" ")[0] if job.name else "there")[0]
            components.append({"type": "body", "parameters": [{"type": "text", "text": first},
                                                              {"type": "text", "text": text}]})
            payload |= {"type": "template", "template": {"name": self.settings.template,
                                                         "language": {"code": self.settings.language},
                                                         "components": components}}
        # The point of no return: WhatsApp cannot be asked afterwards whether it arrived.
        steps.phase(WHATSAPP.uncertain_phase, to=payload["to"], kind=payload["type"])
        answer = self._call("POST", f"{self.settings.phone_number_id}/messages", delivers=True, json=payload)
        return Delivered(str(answer["messages"][0]["id"]), utcnow(), {"kind": payload["type"]})

    def reconcile(self, attempt: Attempt) -> Delivered | None:
        raise CannotTell(UNCERTAIN)

    def classify(self, exc: Exception, *, delivers: bool) -> DeliveryError:
        return classify(exc, delivers=delivers)

    def close(self) -> None:
        self.session.close()


class WhatsApp(Channel):
    """WhatsApp Business: an approved template for first contact, free text inside the 24-hour window."""

    name = "whatsapp"
    label = "WhatsApp"
    address_column = "phone"
    address_label = "WhatsApp number"
    shown_as = "a WhatsApp message (the card as its picture)"
    consent_channel = "whatsapp"  # the customer's WhatsApp opt-in, its own entry in the ledger
    limits = Limits(text=1024, attachments=1)  # a template variable and an image caption take 1,024 characters
    fallback_rank = 25
    uncertain_phase = "post"
    reconciles = False
    setting = SETTING
    credentials = (
        Credential("phone_number_id", "Phone number ID", help="the business number's id (WhatsApp Manager ▸ API "
                                                              "Setup), digits only"),
        Credential("waba_id", "WhatsApp Business Account ID", help="digits only"),
        Credential("template", "First-contact template", help="the approved template's name (image header; body "
                                                             "{{1}} first name, {{2}} the message)"),
        Credential("language", "Template language", help="its language code, e.g. en_US", optional=True),
        Credential("token", "Access token", secret=True, keyring=secrets.WHATSAPP_TOKEN,
                   help="a system user's permanent token with whatsapp_business_messaging"),
        Credential("app_secret", "App secret", secret=True, keyring=secrets.WHATSAPP_APP_SECRET,
                   help="the Meta app's secret (App settings ▸ Basic): checks each webhook delivery", optional=True),
        Credential("verify_token", "Webhook verify token", secret=True, keyring=secrets.WHATSAPP_VERIFY_TOKEN,
                   help="any long random text, entered here and in the app's webhook settings", optional=True),
    )

    def save_settings(self, store: Store, value: dict[str, Any], actor: str) -> None:
        save_settings(store, value, actor)

    def drafting_rule(self, store: Store, customer_id: int) -> str | None:
        last = last_message_from(store, customer_id)
        if window_open(store, customer_id):
            return f"free text: inside the 24-hour window (they last wrote {str(last)[:16].replace('T', ' ')} UTC)"
        value = store.get_setting(SETTING) or {}
        return (f"approved template '{value.get('template', '?')}' ({value.get('language', 'en_US')}): "
                + ("no message from them in the last 24 hours" if last else "they have never written to the store"))

    def free_text_refusal(self, store: Store, customer_id: int) -> str | None:
        if window_open(store, customer_id):
            return None
        last = last_message_from(store, customer_id)
        since = (f"they last wrote {str(last)[:16].replace('T', ' ')} UTC, more than 24 hours ago" if last
                 else "they have never written to the store on WhatsApp")
        return (f"{since}, so WhatsApp's 24-hour window is closed and only the approved template may start the "
                "conversation (send them a set, or answer on another channel)")

    def open(self, store: Store, client: Any = None) -> WhatsAppConnection:
        settings = WhatsAppSettings.from_setting(store.get_setting(SETTING))
        token = secrets.Vault.for_store(store).get(secrets.WHATSAPP_TOKEN)
        if not token:
            raise AuthFailed("the WhatsApp access token is not in the keyring: enter it with "
                             "`lookbook delivery whatsapp`.")
        return WhatsAppConnection(settings, token, api_url=str(client) if client else None)


#: The WhatsApp channel, as :mod:`lookbook.outbox.channels.registry` lists it.
WHATSAPP = WhatsApp()
