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
* Error codes from Meta's reference: 131050 (the customer stopped the store's marketing messages) withdraws
  the WhatsApp consent; 131026 (undeliverable: not on WhatsApp, or the store is blocked; Meta does not say
  which) marks WhatsApp unreachable and offers another channel; 130429 and 131056 are throughput limits;
  131047 is a free-form message outside the window; 190 an expired token; 132000-132016 template problems.
* The Cloud API has no way to list sent messages and no polling for inbound ones (both come only by
  webhook), so an uncertain send cannot be reconciled (:class:`~lookbook.outbox.channels.CannotTell`: a person
  decides, as with e-mail), and replies (which open the 24-hour window) need a webhook receiver: not built.

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
from lookbook.outbox.channels.interface import Attempt, Channel, Connection, Job, Limits, Steps
from lookbook.payment_cards import mask_card_numbers
from lookbook.store import roles, secrets
from lookbook.store.database import Store, utcnow

SETTING = "delivery.whatsapp"
API_URL_ENV = "LOOKBOOK_WHATSAPP_API_URL"
DEFAULT_API = "https://graph.facebook.com"
API_VERSION = "v21.0"
#: The customer-service window: free text only this long after the customer's last message.
WINDOW = dt.timedelta(hours=24)

OPTED_OUT = {131050: "the customer stopped marketing messages from the store in WhatsApp (Meta 131050)"}
UNREACHABLE = {131026: "WhatsApp cannot deliver to this number: it is not on WhatsApp, or the customer blocked the "
                       "store (Meta 131026)"}
RATE_LIMITED = {130429, 131056, 80007, 4, 80004}
AUTH = {190, 10, 200, 0}
OUTSIDE_WINDOW = 131047
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
def classify(exc: Exception, *, delivers: bool) -> DeliveryError:
    """Turn a Graph API error or a network failure into the :class:`DeliveryError` that says what to do next."""
    import requests

    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, GraphError):
        code = exc.code
        if code in OPTED_OUT:
            return OptedOut(OPTED_OUT[code])
        if code in UNREACHABLE:
            return Unreachable(UNREACHABLE[code])
        if code in RATE_LIMITED or exc.status == 429:
            return RateLimited(f"WhatsApp's throughput limit ({exc})",
                               dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60))
        if code in AUTH or exc.status in (401, 403):
            return AuthFailed(f"WhatsApp refused the access token ({exc}); enter a new one with "
                              "`lookbook delivery whatsapp`.")
        if code == OUTSIDE_WINDOW:
            return Rejected(f"more than 24 hours since the customer last wrote: only a template may go ({exc})")
        if exc.status >= 500:
            return (Ambiguous if delivers else NotSent)(f"WhatsApp had a fault ({exc})")
        return Rejected(f"WhatsApp refused the message ({exc})")
    if isinstance(exc, requests.exceptions.ConnectTimeout) or (
            isinstance(exc, requests.exceptions.ConnectionError) and "refused" in str(exc).lower()):
        return NotSent(f"could not reach WhatsApp ({type(exc).__name__})")
    if isinstance(exc, (requests.exceptions.RequestException, OSError)):
        return (Ambiguous if delivers else NotSent)(f"WhatsApp did not answer ({type(exc).__name__})")
    return NotSent(f"sending the WhatsApp message failed ({exc})")


class GraphError(Exception):
    """An error document from the Graph API: ``{"error": {"message", "type", "code", "fbtrace_id"}}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{message} ({code})")
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
            raise classify(GraphError(answer.status_code, int(error.get("code") or 0),
                                      str(error.get("message") or answer.reason)), delivers=delivers)
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

    def drafting_rule(self, store: Store, customer_id: int) -> str | None:
        last = last_message_from(store, customer_id)
        if window_open(store, customer_id):
            return f"free text: inside the 24-hour window (they last wrote {str(last)[:16].replace('T', ' ')} UTC)"
        value = store.get_setting(SETTING) or {}
        return (f"approved template '{value.get('template', '?')}' ({value.get('language', 'en_US')}): "
                + ("no message from them in the last 24 hours" if last else "they have never written to the store"))

    def open(self, store: Store, client: Any = None) -> WhatsAppConnection:
        settings = WhatsAppSettings.from_setting(store.get_setting(SETTING))
        token = secrets.Vault.for_store(store).get(secrets.WHATSAPP_TOKEN)
        if not token:
            raise AuthFailed("the WhatsApp access token is not in the keyring: enter it with "
                             "`lookbook delivery whatsapp`.")
        return WhatsAppConnection(settings, token, api_url=str(client) if client else None)


#: The WhatsApp channel, as :mod:`lookbook.outbox.channels.registry` lists it.
WHATSAPP = WhatsApp()
