"""The X channel: direct messages through tweepy's v2 ``Client``.

Three things in tweepy 4.17 would break exactly-once delivery or hang the sender,
and this module configures each away:

* ``wait_on_rate_limit=True`` makes ``Client.request`` sleep on a 429 and then call
  itself again, re-sending a POST we never saw fail. It stays ``False``: a 429
  becomes :class:`~lookbook.outbox.channels.RateLimited` and the sender waits, having
  recorded that the message was *not* sent.
* ``Client`` passes no ``timeout`` to requests, so a silent server hangs a send for
  ever. :class:`XSession` gives every request a (connect, read) timeout.
* requests' adapters are mounted with ``max_retries=0`` so urllib3 never repeats a
  request on its own either.

tweepy also hardcodes ``https://api.twitter.com``. Rather than override
``Client.request`` (copying tweepy's status-code handling, which would then drift
from upstream), :class:`XSession` is a ``requests.Session`` that rewrites that
prefix to the configured base URL: ``Client.session`` is a documented public
attribute, and the session is the one place every request of the client, and of
our media upload, goes through. ``$LOOKBOOK_X_API_URL`` and ``$LOOKBOOK_X_UPLOAD_URL``
point it at another server (the tests' fake X).

Photos are uploaded with X's v2 ``POST /2/media/upload`` (``media_category=dm_image``),
not tweepy's ``API.media_upload`` (v1.1); README.md, "X media upload: why v2",
says why.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import (
    Ambiguous,
    AuthFailed,
    Delivered,
    DeliveryError,
    NotSent,
    RateLimit,
    RateLimited,
    Rejected,
    Unreachable,
)
from lookbook.outbox.channels.interface import Attempt, Channel, Connection, Credential, Job, Limits, Steps
from lookbook.payment_cards import mask_card_numbers
from lookbook.store import secrets
from lookbook.store.database import Store, utcnow

log = logging.getLogger(__name__)

API_URL_ENV = "LOOKBOOK_X_API_URL"
UPLOAD_URL_ENV = "LOOKBOOK_X_UPLOAD_URL"
DEFAULT_API_URL = "https://api.x.com"
# X serves the v2 media upload from the API host; upload.twitter.com is the v1.1 host.
DEFAULT_UPLOAD_URL = "https://api.x.com"
DEFAULT_AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
#: The host tweepy 4.17's Client writes into every URL.
TWEEPY_HOST = "https://api.twitter.com"
#: What Lookbook Studio asks for when signing in with OAuth 2.0.
SCOPES = ("dm.write", "dm.read", "tweet.read", "users.read", "media.write", "offline.access")
DM_TEXT_LIMIT = 10_000
DM_IMAGE_LIMIT = 5 * 1024 * 1024  # X's limit for an uploaded image
_DM_IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# X's ways of saying "this person cannot get a DM from you" (v1.1-style codes that
# the v2 DM endpoints still send, and v2 problem types). They are permanent for
# that customer on X, never a reason to retry.
UNREACHABLE_CODES = {150, 349, 476}
UNREACHABLE_PROBLEMS = {"not-authorized-for-resource", "dm-not-allowed", "resource-not-found"}
UNREACHABLE_WORDS = re.compile(r"not following you|cannot send messages to|not permitted to send", re.I)
# Account-level refusals: the sign-in or the app is at fault, not the recipient.
AUTH_CODES = {32, 64, 89, 135, 215, 326}
AUTH_PROBLEMS = {"client-forbidden", "unsupported-authentication", "usage-capped"}


@dataclass(frozen=True)
class XEndpoints:
    """Where the X channel sends its requests."""

    api: str = DEFAULT_API_URL
    upload: str = DEFAULT_UPLOAD_URL
    authorize: str = DEFAULT_AUTHORIZE_URL

    @property
    def token(self) -> str:
        return f"{self.api}/2/oauth2/token"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> XEndpoints:
        """Read ``$LOOKBOOK_X_API_URL`` / ``$LOOKBOOK_X_UPLOAD_URL`` (default: X's own hosts).

        When the API URL is overridden, the sign-in page is expected on that server too,
        at ``/i/oauth2/authorize``, as the tests' fake X serves it.
        """
        env = os.environ if env is None else env
        api = (env.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")
        upload = (env.get(UPLOAD_URL_ENV) or (api if env.get(API_URL_ENV) else DEFAULT_UPLOAD_URL)).rstrip("/")
        authorize = DEFAULT_AUTHORIZE_URL if api == DEFAULT_API_URL else f"{api}/i/oauth2/authorize"
        return cls(api, upload, authorize)


class XSession(requests.Session):
    """A requests session that sends tweepy's requests to the configured host, with a timeout.

    :param endpoints: where to send requests.
    :param timeout: (connect, read) seconds for every request that does not set its own.
    """

    def __init__(self, endpoints: XEndpoints, timeout: tuple[float, float] = (5.0, 30.0)) -> None:
        super().__init__()
        self.endpoints = endpoints
        self.timeout = timeout
        # No automatic retries anywhere below us: a repeated POST is a duplicate DM.
        for prefix in ("https://", "http://"):
            self.mount(prefix, HTTPAdapter(max_retries=0))

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        url = url.decode() if isinstance(url, bytes) else url
        if url.startswith(TWEEPY_HOST):
            url = self.endpoints.api + url[len(TWEEPY_HOST):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


@dataclass
class OAuth2Token:
    """An OAuth 2.0 user-context token set (kept in the keyring, never in the library)."""

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None  # epoch seconds
    scope: str = ""

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at is not None and self.expires_at - now < seconds

    def to_json(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "expires_at": self.expires_at, "scope": self.scope}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OAuth2Token:
        return cls(str(data["access_token"]), data.get("refresh_token"), data.get("expires_at"),
                   str(data.get("scope") or ""))


@dataclass(frozen=True)
class OAuth1Keys:
    """OAuth 1.0a user tokens entered in Settings (kept in the keyring)."""

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


@dataclass(frozen=True)
class DMEvent:
    """One event of a DM conversation, as ``dm_events`` lists it."""

    id: str
    event_type: str
    text: str
    sender_id: str | None
    created_at: dt.datetime | None
    conversation_id: str | None
    media_keys: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DMEvent:
        created = data.get("created_at")
        return cls(
            id=str(data["id"]), event_type=str(data.get("event_type", "")), text=str(data.get("text") or ""),
            sender_id=data.get("sender_id"),
            created_at=dt.datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None,
            conversation_id=data.get("dm_conversation_id"),
            media_keys=tuple((data.get("attachments") or {}).get("media_keys") or ()),
        )


@dataclass(frozen=True)
class UploadedMedia:
    media_id: str
    media_key: str


@dataclass(frozen=True)
class SentDM:
    event_id: str
    conversation_id: str


EVENT_FIELDS = ["id", "text", "event_type", "created_at", "dm_conversation_id", "sender_id", "attachments"]


def dm_image_bytes(path: Path) -> tuple[bytes, str]:
    """Return a photo as bytes X accepts for a DM image (JPEG/PNG/WEBP up to 5 MB) and its MIME type.

    A photo in another format or over the limit is re-encoded as JPEG, shrinking it until it fits.

    :raises Rejected: if the file is missing or is not an image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            kind = im.format or ""
            if kind in _DM_IMAGE_TYPES and len(data) <= DM_IMAGE_LIMIT:
                return data, _DM_IMAGE_TYPES[kind]
            rgb = im.convert("RGB")
    except FileNotFoundError:
        raise Rejected(f"{path}: the attachment is missing; render the lookbook card again.") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise Rejected(f"{path}: the attachment is not an image X accepts ({exc}).") from None
    side = max(rgb.size)
    while True:
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=88, optimize=True)
        if out.tell() <= DM_IMAGE_LIMIT or side < 400:
            return out.getvalue(), "image/jpeg"
        side = int(side * 0.8)
        rgb.thumbnail((side, side))


def _problem_names(body: Mapping[str, Any]) -> set[str]:
    kinds = [body.get("type")] + [e.get("type") for e in body.get("errors", []) if isinstance(e, dict)]
    return {str(k).rsplit("/", 1)[-1] for k in kinds if k}


def _body(response: requests.Response | None) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def classify(exc: Exception, *, delivers: bool, now: dt.datetime | None = None) -> DeliveryError:
    """Turn a tweepy or requests failure into the :class:`DeliveryError` that says what to do next.

    Three steps: a failure of the connection itself (:func:`_connection_failure`), else an error answer
    from X (:func:`_answer_failure`), else something unforeseen, which sent nothing.

    :param exc: what tweepy or requests raised.
    :param delivers: whether the request could have delivered a message (the DM POST): only
        then is a lost answer :class:`Ambiguous`; for reads and uploads it is :class:`NotSent`.
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, requests.RequestException):
        return _connection_failure(exc, delivers=delivers)
    if isinstance(exc, tweepy.HTTPException):
        return _answer_failure(exc, delivers=delivers, now=now or dt.datetime.now(dt.UTC))
    return NotSent(f"X request failed: {exc}")


def _connection_failure(exc: requests.RequestException, *, delivers: bool) -> DeliveryError:
    """Classify a request that got no answer: not connected at all is safe, a lost answer may have delivered."""
    if isinstance(exc, requests.ConnectTimeout) or (
        isinstance(exc, requests.ConnectionError) and _caused_by(exc, NewConnectionError)
    ):
        return NotSent(f"could not reach X ({type(exc).__name__}); check the internet connection.")
    what = ("X did not answer in time" if isinstance(exc, requests.Timeout)
            else f"the connection to X broke ({type(exc).__name__})")
    return (Ambiguous if delivers else NotSent)(f"{what}.")


@dataclass(frozen=True)
class _Answer:
    """What an error answer from X says: its status, v1.1 codes, v2 problem types and text."""

    status: int
    codes: set[int]
    problems: set[str]
    text: str

    @classmethod
    def of(cls, exc: tweepy.HTTPException) -> _Answer:
        response = exc.response
        text = "; ".join(str(m) for m in exc.api_messages) or str(getattr(response, "reason", "")) or str(exc)
        return cls(getattr(response, "status_code", 0), set(exc.api_codes), _problem_names(_body(response)), text)

    @property
    def about_the_account(self) -> bool:
        """Whether X refuses the sign-in or the app (not this recipient)."""
        return bool(self.codes & AUTH_CODES or self.problems & AUTH_PROBLEMS)

    @property
    def about_the_recipient(self) -> bool:
        """Whether X says this person cannot get a DM from the store (permanent for them on X)."""
        return bool(self.codes & UNREACHABLE_CODES or self.problems & UNREACHABLE_PROBLEMS
                    or UNREACHABLE_WORDS.search(self.text))


def _answer_failure(exc: tweepy.HTTPException, *, delivers: bool, now: dt.datetime) -> DeliveryError:
    """Classify an error answer from X by its status and what its body says."""
    answer = _Answer.of(exc)
    if isinstance(exc, tweepy.TooManyRequests):
        return _rate_limited(exc.response, now)
    if isinstance(exc, tweepy.Unauthorized) or answer.about_the_account:
        return AuthFailed(f"X refused the sign-in ({answer.text}). Sign in to X again in Settings → Delivery; "
                          "the messages stay queued.")
    if isinstance(exc, tweepy.Forbidden):
        if answer.about_the_recipient:
            return Unreachable(f"X will not deliver a DM to this customer: {answer.text}")
        # An unknown 403 may be about the account or the app; marking customers unreachable
        # on a guess could silence a whole customer book, so stop and let a person look.
        return AuthFailed(f"X refused the request (403: {answer.text}). Check the X account and app in "
                          "Settings → Delivery; the messages stay queued.")
    if isinstance(exc, tweepy.NotFound):
        return (Unreachable(f"X does not know this account any more: {answer.text}") if delivers
                else Rejected(answer.text))
    if isinstance(exc, tweepy.TwitterServerError):
        return (Ambiguous if delivers else NotSent)(f"X had a server error ({answer.status}: {answer.text}).")
    return Rejected(f"X refused the message ({answer.status}: {answer.text}).")


def _rate_limited(response: requests.Response | None, now: dt.datetime) -> RateLimited:
    """Return the 429 with its reset: from the rate-limit headers, else in 15 minutes (X's window)."""
    rate = RateLimit.from_headers(response.headers) if response is not None else None
    reset = rate.reset_at if rate else now + dt.timedelta(minutes=15)
    return RateLimited(f"X's rate limit is used up until {reset:%H:%M:%S} UTC.", reset)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kind):
            return True
        stack.extend([e.__cause__, e.__context__, *[a for a in e.args if isinstance(a, BaseException)]])
        stack.append(getattr(e, "reason", None) if isinstance(getattr(e, "reason", None), BaseException) else None)
    return False


def _raise_for_status(response: requests.Response) -> None:
    """Raise tweepy's exception for an error answer, as ``Client.request`` does for its own calls."""
    status = response.status_code
    if 200 <= status < 300:
        return
    kinds: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden, 404: tweepy.NotFound}
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        raise tweepy.TooManyRequests(response, reset_time=int(reset) if reset and reset.isdigit() else None)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    raise kinds.get(status, tweepy.HTTPException)(response)


#: Pages of 100 DM events read back to the last check's cursor at most (X keeps 30 days of events).
CATCH_UP_PAGES = 200


@dataclass
class XChannel:
    """Sends DMs as the signed-in store account.

    :param token: OAuth 2.0 user token (PKCE sign-in), or
    :param oauth1: OAuth 1.0a user tokens entered in Settings.
    :param refresh: called with the expired token to get a fresh one (and save it); None
        if tokens cannot be refreshed.
    :param timeout: (connect, read) seconds for every request.
    """

    token: OAuth2Token | None = None
    oauth1: OAuth1Keys | None = None
    endpoints: XEndpoints = field(default_factory=XEndpoints.from_env)
    refresh: Callable[[OAuth2Token], OAuth2Token] | None = None
    timeout: tuple[float, float] = (5.0, 30.0)
    #: The latest rate-limit window seen per endpoint ("dm_post", "dm_events", "users", "media").
    rates: dict[str, RateLimit] = field(default_factory=dict)
    #: Whether the last :meth:`recent_events` read back to its cursor (see there).
    events_complete: bool = True

    def __post_init__(self) -> None:
        if (self.token is None) == (self.oauth1 is None):
            raise AuthFailed("X is not signed in: sign in to X in Settings → Delivery.")
        self.session = XSession(self.endpoints, self.timeout)
        if self.oauth1 is not None:
            k = self.oauth1
            self.client = tweepy.Client(consumer_key=k.consumer_key, consumer_secret=k.consumer_secret,
                                        access_token=k.access_token, access_token_secret=k.access_token_secret,
                                        return_type=requests.Response, wait_on_rate_limit=False)
        else:
            assert self.token is not None
            self.client = tweepy.Client(bearer_token=self.token.access_token, return_type=requests.Response,
                                        wait_on_rate_limit=False)
        self.client.session = self.session
        self._me: tuple[str, str] | None = None

    @property
    def _user_auth(self) -> bool:
        # tweepy's user_auth=True means OAuth 1.0a; an OAuth 2.0 user token goes as a Bearer token.
        return self.oauth1 is not None

    # -- plumbing -----------------------------------------------------------------
    def _refresh_if_due(self, *, force: bool = False) -> bool:
        if self.token is None or self.refresh is None or not self.token.refresh_token:
            return False
        if not force and not self.token.expires_within(120, time.time()):
            return False
        # refresh() reports its own failures as AuthFailed (lookbook.outbox.channels.x_oauth.refresh).
        self.token = self.refresh(self.token)
        self.client.bearer_token = self.token.access_token
        return True

    def _note_rate(self, endpoint: str, response: requests.Response | None) -> None:
        if response is not None and (rate := RateLimit.from_headers(response.headers)) is not None:
            self.rates[endpoint] = rate

    def _call(self, endpoint: str, delivers: bool, fn: Callable[[], requests.Response]) -> requests.Response:
        self._refresh_if_due()
        for attempt in (1, 2):
            try:
                response = fn()
            except tweepy.HTTPException as exc:
                self._note_rate(endpoint, exc.response)
                # A 401 means the request was refused before anything happened, so
                # retrying it once with a refreshed token cannot duplicate a DM.
                if isinstance(exc, tweepy.Unauthorized) and attempt == 1 and self._refresh_if_due(force=True):
                    continue
                raise classify(exc, delivers=delivers) from exc
            except requests.RequestException as exc:
                raise classify(exc, delivers=delivers) from exc
            self._note_rate(endpoint, response)
            return response
        raise AssertionError("unreachable")

    def _auth_kwargs(self) -> dict[str, Any]:
        if self.oauth1 is not None:
            k = self.oauth1
            return {"auth": tweepy.OAuth1UserHandler(k.consumer_key, k.consumer_secret, k.access_token,
                                                     k.access_token_secret).apply_auth()}
        assert self.token is not None
        return {"headers": {"Authorization": f"Bearer {self.token.access_token}"}}

    def close(self) -> None:
        """Close the kept-alive connections to X (the end of a send run); the next request opens a new one."""
        self.session.close()

    def __enter__(self) -> XChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        # A channel made for one question (whose sign-in is this?) closes its socket to X on leaving, whether X
        # answered or refused.
        self.close()

    # -- the API ------------------------------------------------------------------------
    def me(self) -> tuple[str, str]:
        """Return the signed-in account's (user id, username)."""
        if self._me is None:
            data = self._call("me", False, lambda: self.client.get_me(user_auth=self._user_auth)).json().get("data")
            if not data:
                raise AuthFailed("X did not say which account is signed in; sign in to X again in Settings → Delivery.")
            self._me = (str(data["id"]), str(data["username"]))
        return self._me

    def resolve_user_id(self, handle: str) -> str:
        """Return the numeric user id of ``@handle``.

        :raises Unreachable: if X knows no such account (renamed, deleted or suspended).
        """
        name = handle.strip().lstrip("@")
        body = self._call("users", False, lambda: self.client.get_user(username=name, user_auth=self._user_auth)).json()
        data = body.get("data")
        if not data:
            detail = "; ".join(str(e.get("detail", "")) for e in body.get("errors", []) if isinstance(e, dict))
            raise Unreachable(f"X has no account @{name} ({detail or 'not found'}); check the customer's X handle.")
        return str(data["id"])

    def upload_image(self, path: Path) -> UploadedMedia:
        """Upload a photo as DM media with ``POST /2/media/upload`` (``media_category=dm_image``)."""
        data, mime = dm_image_bytes(path)
        url = f"{self.endpoints.upload}/2/media/upload"

        def post() -> requests.Response:
            response = self.session.post(url, files={"media": (path.name, data, mime)},
                                         data={"media_category": "dm_image", "media_type": mime},
                                         **self._auth_kwargs())
            _raise_for_status(response)
            return response

        # An upload creates no DM, so a lost answer only costs a new upload: delivers=False.
        body = _body(self._call("media", False, post)).get("data") or {}
        if "id" not in body:
            raise NotSent("X accepted the photo upload but returned no media id; try again.")
        return UploadedMedia(str(body["id"]), str(body.get("media_key") or f"3_{body['id']}"))

    def send_dm(self, participant_id: str, text: str, media_id: str | None = None) -> SentDM:
        """Send one DM to the user ``participant_id``; return X's event and conversation ids.

        :raises Rejected: if the text is longer than X allows.
        :raises DeliveryError: see :func:`classify`; :class:`Ambiguous` means it may have arrived.
        """
        # The last line of defence: whatever reached the channel, no card number leaves it.
        text = mask_card_numbers(text)[0]
        if len(text) > DM_TEXT_LIMIT:
            raise Rejected(f"the message is {len(text)} characters; X allows {DM_TEXT_LIMIT} in a DM.")
        response = self._call("dm_post", True, lambda: self.client.create_direct_message(
            participant_id=participant_id, text=text or None, media_id=media_id, user_auth=self._user_auth))
        data = _body(response).get("data") or {}
        if "dm_event_id" not in data:
            # X said yes but not to what: the DM may exist, so treat it like a lost answer.
            raise Ambiguous("X accepted the DM but returned no event id.")
        return SentDM(str(data["dm_event_id"]), str(data.get("dm_conversation_id", "")))

    def conversation_events(self, participant_id: str, *, max_results: int = 50) -> list[DMEvent]:
        """Return the newest events of the one-to-one conversation with ``participant_id``."""
        response = self._call("dm_events", False, lambda: self.client.get_direct_message_events(
            participant_id=participant_id, dm_event_fields=EVENT_FIELDS, event_types="MessageCreate",
            max_results=max_results, user_auth=self._user_auth))
        return [DMEvent.from_json(e) for e in _body(response).get("data") or []]

    def recent_events(self, *, newer_than: str | None = None, max_pages: int = 5) -> Iterator[DMEvent]:
        """Yield the account's DM events newest first, stopping at the event id ``newer_than``.

        With a cursor every page back to it is read (up to :data:`CATCH_UP_PAGES`): a reply
        asking to stop must not be skipped because many came in since the last check. Without
        one (the first check), ``max_pages`` of the newest. :attr:`events_complete` says afterwards
        whether the events reached back to the cursor (or to X's oldest).
        """
        token: str | None = None
        self.events_complete = False
        pages = max_pages if newer_than is None else max(max_pages, CATCH_UP_PAGES)
        for _ in range(pages):
            def get(token: str | None = token) -> requests.Response:
                return self.client.get_direct_message_events(
                    dm_event_fields=EVENT_FIELDS, event_types="MessageCreate", max_results=100,
                    pagination_token=token, user_auth=self._user_auth)

            body = _body(self._call("dm_events", False, get))
            for raw in body.get("data") or []:
                if newer_than is not None and int(raw["id"]) <= int(newer_than):
                    self.events_complete = True
                    return
                yield DMEvent.from_json(raw)
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                self.events_complete = True
                return
        self.events_complete = newer_than is None  # a first check reads only the newest pages, by design


# -- the X channel as the sender uses it (lookbook.outbox.channels.interface) ------------------------------------------
_URL = re.compile(r"https?://\S+")


def _normalise(text: str) -> str:
    return " ".join(_URL.sub(" ", text).split())


def find_delivered(events: Iterable[DMEvent], *, me: str, body: str, media_key: str | None,
                   started_at: dt.datetime, claimed: Set[str], skew_s: float) -> DMEvent | None:
    """Return the DM event an attempt produced, if the conversation shows one.

    It was sent by the store's account (``me``), after the attempt began (less ``skew_s``), is not
    already the recorded DM of another message (``claimed``), and carries the photo uploaded for *this*
    attempt (a media key is unique to one upload) or, for a text-only DM, the exact text (URLs aside,
    which X rewrites to t.co links). Nothing visible is embedded in the text: a reference code would be
    noise to the customer and could be altered by X's own rewriting.
    """
    earliest = started_at - dt.timedelta(seconds=skew_s)
    wanted = _normalise(body)
    for event in events:
        if event.event_type != "MessageCreate" or event.id in claimed:
            continue
        if event.sender_id is not None and event.sender_id != me:
            continue
        if event.created_at is not None and event.created_at < earliest:
            continue
        if media_key and event.media_keys:
            if media_key in event.media_keys:
                return event
            continue
        if _normalise(event.text) == wanted:
            return event
    return None


def save_x_user_id(store: Store, customer_id: int, handle: str, user_id: str, actor: str = "sender") -> None:
    """Keep the user id X resolved a customer's handle to, so it is resolved once."""
    with store.atomic():
        store.db.execute("UPDATE customers SET x_user_id = ?, updated_at = ? WHERE id = ?",
                         [user_id, utcnow(), customer_id])
        store.audit(actor, "customer.x_user_id", "customer", customer_id, handle=handle, x_user_id=user_id)
    store.notify(Changes(customers=True, audit=True))


class XConnection(Connection):
    """One send run's X: DMs through :class:`XChannel`, reconciled by reading the conversation.

    :param me: the signed-in account's user id as saved at sign-in (None: asked of X when needed).
    """

    def __init__(self, client: XChannel, me: str | None) -> None:
        self.client = client
        self._me = me
        self.grace_s = max(60.0, 2 * client.timeout[1])

    @property
    def rates(self) -> dict[str, RateLimit]:  # type: ignore[override]
        return self.client.rates

    def send(self, job: Job, steps: Steps) -> Delivered:
        x = self.client
        participant = str(job.customer.get("x_user_id") or "")
        if not participant:
            handle = str(job.customer.get("x_handle") or "")
            if not handle:
                raise Unreachable(X_DM.no_address())
            participant = x.resolve_user_id(handle)
            steps.db(lambda s: save_x_user_id(s, job.customer_id, handle, participant))
        media = x.upload_image(job.attachment) if job.attachment else None
        # The point of no return: from here a crash or a lost answer means "look before re-sending".
        steps.phase("post", participant_id=participant, media_key=media.media_key if media else None,
                    posted_at=utcnow())
        sent = x.send_dm(participant, job.body, media.media_id if media else None)
        return Delivered(sent.event_id, utcnow(), {"conversation_id": sent.conversation_id})

    def reconcile(self, attempt: Attempt) -> Delivered | None:
        participant = str(attempt.detail.get("participant_id") or attempt.customer.get("x_user_id") or "")
        events = self.client.conversation_events(participant) if participant else []
        if self._me is None:
            self._me = self.client.me()[0]
        event = find_delivered(events, me=self._me, body=attempt.body, media_key=attempt.detail.get("media_key"),
                               started_at=attempt.started_at, claimed=attempt.claimed, skew_s=attempt.skew_s)
        if event is None:
            return None
        sent_at = (event.created_at.astimezone(dt.UTC).isoformat(timespec="seconds") if event.created_at
                   else utcnow())
        return Delivered(event.id, sent_at, {"conversation_id": event.conversation_id or ""})

    def classify(self, exc: Exception, *, delivers: bool) -> DeliveryError:
        return classify(exc, delivers=delivers)

    def close(self) -> None:
        # A send run's session keeps its socket to X alive; left to the garbage collector it is a leaked socket
        # per run in a long-lived app (the ResourceWarning seen in the sender tests).
        self.client.close()


class XDirectMessages(Channel):
    """X direct messages from the store's account: one card per DM, reconciled through the conversation."""

    name = "x"
    label = "X"
    address_column = "x_handle"
    address_label = "X handle"
    shown_as = "an X direct message with the card attached"
    limits = Limits(text=DM_TEXT_LIMIT, attachments=1, card_output="x")  # X shows a 4:5 image whole
    fallback_rank = 20
    uncertain_phase = "post"
    send_endpoint = "dm_post"
    reconcile_endpoint = "dm_events"

    #: The X app the store signs in through. Signing in (OAuth 2.0 with PKCE in the browser) or OAuth 1.0a user
    #: tokens (checked with X before they are kept) are not fields: they come after these, beside them.
    setting = "delivery.x"  # accounts.X_SETTING (accounts loads this module only when X is used)
    credentials = (
        Credential("client_id", "Client id", help="OAuth 2.0 client id of the store's X app (X developer portal ▸ "
                                                  "your app ▸ Keys and tokens)"),
        Credential("port", "Callback port", optional=True,
                   help="the loopback port registered as the app's callback (http://127.0.0.1:PORT/callback); "
                        "empty or 0: any free port"),
        Credential("client_secret", "Client secret", secret=True, keyring=secrets.X_OAUTH2_CLIENT_SECRET,
                   optional=True, env="LOOKBOOK_X_CLIENT_SECRET", help="only for a confidential X app"),
    )

    def save_settings(self, store: Store, value: dict[str, Any], actor: str) -> None:
        from lookbook.outbox.channels import accounts

        client_id = str(value.get("client_id") or "").strip()
        if not client_id:
            raise InputError("X settings, client id: enter the OAuth 2.0 client id of the store's X app (X developer "
                             "portal ▸ your app ▸ Keys and tokens).")
        port = accounts.x_port(value.get("port"))
        accounts.save_x_client(store, client_id, actor, port=port)

    def address(self, customer: Mapping[str, Any]) -> str | None:
        # A user id X resolved earlier is as good as the handle (the handle may have been cleared since).
        value = customer.get("x_handle") or customer.get("x_user_id")
        return str(value).strip() or None if value else None

    def address_sql(self, alias: str = "c") -> str:
        return f"coalesce({alias}.x_user_id, {alias}.x_handle, '')"

    def open(self, store: Store, client: Any = None) -> XConnection:
        # Imported here: accounts imports this module.
        from lookbook.outbox.channels import accounts

        return XConnection(client or accounts.x_channel(store), accounts.x_settings(store).get("user_id"))


#: The X channel, as :mod:`lookbook.outbox.channels.registry` lists it.
X_DM = XDirectMessages()
