"""A fake X API server on 127.0.0.1 for the delivery tests.

It answers the endpoints Lookbook Studio uses with the real API's status codes,
JSON shapes and rate-limit headers (shapes taken from X's API reference and
tweepy's recorded cassettes):

* ``GET /2/users/me``, ``GET /2/users/by/username/:username`` (an unknown name is a
  200 with an ``errors`` list of type ``resource-not-found``, as X answers);
* ``POST /2/dm_conversations/with/:participant_id/messages`` → 201
  ``{"data": {"dm_conversation_id", "dm_event_id"}}``;
* ``GET /2/dm_conversations/with/:participant_id/dm_events`` and ``GET /2/dm_events``
  (newest first, ``dm_event.fields``, ``max_results``, ``pagination_token``);
* ``POST /2/media/upload`` (multipart, ``media_category=dm_image``);
* ``GET /i/oauth2/authorize`` (consents at once and redirects) and
  ``POST /2/oauth2/token`` (authorization code with PKCE S256, refresh tokens that rotate).

Faults are injected per request (:class:`Fault`): 429 with ``x-rate-limit-reset``,
503 before or *after* the message was recorded, answers slower than the client's
timeout, a dropped connection after recording, 401 and 403. Recipients who do not
follow the store get X's refusals (codes 150 / 349 or a v2 problem). Every DM the
fake records is counted, so tests can assert exactly-once delivery.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fakes.local_server import QuietServer

DM_WINDOW_S = 900


@dataclass
class Fault:
    """A fault to inject into the next ``times`` requests matching ``method`` and ``path`` (a regex).

    kinds: ``429``, ``503`` (nothing recorded), ``503_after`` (DM recorded, then 503),
    ``slow`` (answer after ``delay_s``), ``slow_after`` (DM recorded, answer after ``delay_s``),
    ``drop_after`` (DM recorded, connection closed with no answer), ``401``, ``403_auth``.
    """

    method: str
    path: str
    kind: str
    times: int = 1
    delay_s: float = 2.0
    reset_in_s: int = 2


@dataclass
class Bucket:
    limit: int
    window_s: int
    remaining: int = -1
    reset: int = 0

    def take(self, now: float) -> bool:
        if now >= self.reset or self.remaining < 0:
            self.remaining, self.reset = self.limit, int(now) + self.window_s
        if self.remaining == 0:
            return False
        self.remaining -= 1
        return True


@dataclass
class FakeX:
    """The server's state; use :meth:`running` to serve it."""

    me_id: str = "4242000001"
    me_username: str = "lookbookstore"
    dm_limit: int = 15
    users: dict[str, str] = field(default_factory=dict)  # username (lower case) -> id
    not_following: dict[str, str] = field(default_factory=dict)  # user id -> "150" | "349" | "476" | "problem"
    faults: list[Fault] = field(default_factory=list)
    #: Seconds to wait before recording a DM, and after recording it before answering.
    post_delay_before_s: float = 0.0
    post_delay_after_s: float = 0.0
    #: When set, a DM is answered (after it is recorded) only once this event is set (or after 60 s): a test acts
    #: between a DM's arrival and its answer for sure, however busy the machine.
    answer_gate: threading.Event | None = None
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch)
    oauth1_tokens: set[str] = field(default_factory=set)
    client_id: str = "lookbook-test-client"

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.events: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.recorded = threading.Condition(self.lock)
        self.codes: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: set[str] = set()
        self._ids = itertools.count(1_700_000_000_000_000_000)
        self.base_url = ""

    # -- set-up helpers ------------------------------------------------------------
    def add_user(self, username: str, user_id: str) -> None:
        self.users[username.lower()] = user_id

    def issue_token(self, lifetime_s: float = 7200) -> str:
        token = "at-" + secrets.token_urlsafe(12)
        self.access_tokens[token] = time.time() + lifetime_s
        return token

    def receive_dm(self, sender_id: str, text: str) -> str:
        """Record a DM from a customer to the store; return its event id."""
        return self._record(sender_id, self.me_id, text, None)["id"]

    # -- facts for assertions ---------------------------------------------------------
    def delivered(self, participant_id: str, text: str | None = None) -> list[dict[str, Any]]:
        """Return the DMs the store sent to ``participant_id`` (with exactly ``text`` if given)."""
        with self.lock:
            return [e for e in self.events if e["sender_id"] == self.me_id and e["_to"] == participant_id
                    and (text is None or e["_raw_text"] == text)]

    def count(self, method: str, path_prefix: str) -> int:
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))

    def wait_recorded(self, n: int, timeout: float = 10.0) -> bool:
        """Wait until the store has sent ``n`` DMs in all."""
        deadline = time.time() + timeout
        with self.recorded:
            while sum(1 for e in self.events if e["sender_id"] == self.me_id) < n:
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.recorded.wait(left)
        return True

    # -- state changes ----------------------------------------------------------------
    def _next_id(self) -> str:
        return str(next(self._ids))

    def _record(self, sender: str, to: str, text: str | None, media_id: str | None) -> dict[str, Any]:
        with self.recorded:
            event_id = self._next_id()
            a, b = sorted([sender, to], key=int)
            shown = text or ""
            if media_id:
                # X appends the media's t.co link to a DM's text, as it does for posts.
                shown = (shown + " " if shown else "") + f"https://t.co/{event_id[-8:]}"
            now = datetime.now(UTC)
            event: dict[str, Any] = {
                "id": event_id, "event_type": "MessageCreate", "text": shown, "sender_id": sender,
                "dm_conversation_id": f"{a}-{b}",
                "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "_to": to, "_raw_text": text or "",
            }
            if media_id:
                event["attachments"] = {"media_keys": [f"3_{media_id}"]}
            self.events.append(event)
            self.recorded.notify_all()
            return event

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    @contextmanager
    def running(self) -> Iterator[FakeX]:
        """Serve on 127.0.0.1 at a free port while the block runs; ``base_url`` says where."""
        server = QuietServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-x",
                                  daemon=True)
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


def _problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


_PROBLEMS = "https://api.twitter.com/2/problems/"
_REFUSALS: dict[str, dict[str, Any]] = {
    "150": {"errors": [{"code": 150, "message": "You cannot send messages to users who are not following you."}]},
    "349": {"errors": [{"code": 349, "message": "You cannot send messages to this user."}]},
    "476": {"errors": [{"code": 476, "message": "You cannot send messages to this user at this time."}]},
    "problem": _problem(403, "Forbidden", "You are not permitted to send a message to this user.",
                        _PROBLEMS + "not-authorized-for-resource"),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeX/1.0"
    # Headers and body go out in two writes; without this, Nagle's algorithm and the client's
    # delayed ACK add ~40 ms to every answer on loopback.
    disable_nagle_algorithm = True

    @property
    def fake(self) -> FakeX:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    # -- plumbing --------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: Any = None, headers: dict[str, str] | None = None) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _user(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            expiry = self.fake.access_tokens.get(auth[7:])
            return self.fake.me_id if expiry is not None and expiry > time.time() else None
        if auth.startswith("OAuth "):
            token = re.search(r'oauth_token="([^"]+)"', auth)
            return self.fake.me_id if token and token.group(1) in self.fake.oauth1_tokens else None
        return None

    def _rate(self, user: str, endpoint: str) -> tuple[bool, dict[str, str]]:
        limits = {"dm_post": self.fake.dm_limit, "dm_events": 300, "users": 900, "media": 500, "me": 75}
        with self.fake.lock:
            bucket = self.fake.buckets.setdefault((user, endpoint), Bucket(limits[endpoint], DM_WINDOW_S))
            ok = bucket.take(time.time())
            headers = {"x-rate-limit-limit": str(bucket.limit), "x-rate-limit-remaining": str(bucket.remaining),
                       "x-rate-limit-reset": str(bucket.reset)}
        return ok, headers

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        with self.fake.lock:
            self.fake.requests.append((method, path))
        body = self._body() if method == "POST" else b""
        if path == "/i/oauth2/authorize" and method == "GET":
            return self._authorize(query)
        if path == "/2/oauth2/token" and method == "POST":
            return self._token(parse_qs(body.decode()))
        fault = self.fake.take_fault(method, path)
        if fault and fault.kind == "slow":
            time.sleep(fault.delay_s)
        user = self._user()
        if user is None or (fault and fault.kind == "401"):
            return self._send(401, _problem(401, "Unauthorized", "Unauthorized"))
        if fault and fault.kind == "403_auth":
            return self._send(403, {
                **_problem(403, "Client Forbidden", "This request must be made using an approved developer account "
                           "that is enrolled in the requested endpoint.", _PROBLEMS + "client-forbidden"),
                "reason": "client-not-enrolled"})
        endpoint = ("dm_post" if method == "POST" and path.startswith("/2/dm_conversations") else
                    "dm_events" if "dm_events" in path else "media" if path.startswith("/2/media") else
                    "me" if path == "/2/users/me" else "users")
        ok, rate = self._rate(user, endpoint)
        if fault and fault.kind == "429":
            reset = str(int(time.time()) + fault.reset_in_s)
            return self._send(429, _problem(429, "Too Many Requests", "Too Many Requests"),
                              {**rate, "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
        if not ok:
            return self._send(429, _problem(429, "Too Many Requests", "Too Many Requests"), rate)
        if fault and fault.kind == "503":
            return self._send(503, _problem(503, "Service Unavailable", "Service Unavailable"), rate)

        if path == "/2/users/me" and method == "GET":
            return self._send(200, {"data": {"id": self.fake.me_id, "name": "Lookbook Store",
                                             "username": self.fake.me_username}}, rate)
        if m := re.fullmatch(r"/2/users/by/username/([A-Za-z0-9_]+)", path):
            name = m.group(1)
            uid = self.fake.users.get(name.lower())
            if uid is None:
                return self._send(200, {"errors": [{
                    "value": name, "detail": f"Could not find user with username: [{name}].",
                    "title": "Not Found Error", "resource_type": "user", "parameter": "username",
                    "resource_id": name, "type": _PROBLEMS + "resource-not-found"}]}, rate)
            return self._send(200, {"data": {"id": uid, "name": name.title(), "username": name}}, rate)
        if (m := re.fullmatch(r"/2/dm_conversations/with/(\d+)/messages", path)) and method == "POST":
            return self._create_dm(m.group(1), body, fault, rate)
        if (m := re.fullmatch(r"/2/dm_conversations/with/(\d+)/dm_events", path)) and method == "GET":
            return self._events(query, rate, m.group(1))
        if path == "/2/dm_events" and method == "GET":
            return self._events(query, rate, None)
        if path == "/2/media/upload" and method == "POST":
            return self._upload(body, rate)
        return self._send(404, _problem(404, "Not Found Error", f"no route {method} {path}"))

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    # -- endpoints ---------------------------------------------------------------------
    def _create_dm(self, participant: str, body: bytes, fault: Fault | None, rate: dict[str, str]) -> None:
        try:
            payload = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return self._send(400, _problem(400, "Invalid Request", "body is not JSON"))
        text = payload.get("text")
        media_ids = [a.get("media_id") for a in payload.get("attachments", [])]
        if not text and not media_ids:
            return self._send(400, {"errors": [{"message": "text or attachments is required"}],
                                    "title": "Invalid Request", "detail": "One or more parameters to your request "
                                    "was invalid.", "type": _PROBLEMS + "invalid-request"})
        if len(media_ids) > 1 or any(mid not in self.fake.media for mid in media_ids):
            return self._send(400, _problem(400, "Invalid Request", "media_id is not valid for this user.",
                                            _PROBLEMS + "invalid-request"))
        if participant in self.fake.not_following:
            return self._send(403, _REFUSALS[self.fake.not_following[participant]], rate)
        if self.fake.post_delay_before_s:
            time.sleep(self.fake.post_delay_before_s)
        event = self.fake._record(self.fake.me_id, participant, text, media_ids[0] if media_ids else None)
        if self.fake.post_delay_after_s:
            time.sleep(self.fake.post_delay_after_s)
        if self.fake.answer_gate is not None:
            self.fake.answer_gate.wait(60)
        if fault and fault.kind == "503_after":
            return self._send(503, _problem(503, "Service Unavailable", "Service Unavailable"), rate)
        if fault and fault.kind == "slow_after":
            time.sleep(fault.delay_s)
        if fault and fault.kind == "drop_after":
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        return self._send(201, {"data": {"dm_conversation_id": event["dm_conversation_id"],
                                         "dm_event_id": event["id"]}}, rate)

    def _events(self, query: dict[str, list[str]], rate: dict[str, str], participant: str | None) -> None:
        wanted = set(",".join(query.get("dm_event.fields", [])).split(",")) - {""}
        max_results = int(query.get("max_results", ["100"])[0])
        start = int(query.get("pagination_token", ["0"])[0])
        kinds = query.get("event_types", [None])[0]
        with self.fake.lock:
            mine = [e for e in reversed(self.fake.events)
                    if participant is None or {e["sender_id"], e["_to"]} == {self.fake.me_id, participant}]
        if kinds:
            mine = [e for e in mine if e["event_type"] == kinds]
        page = mine[start:start + max_results]
        shown = [{k: v for k, v in e.items() if k in {"id", "event_type", "text"} | wanted} for e in page]
        meta: dict[str, Any] = {"result_count": len(shown)}
        if start + max_results < len(mine):
            meta["next_token"] = str(start + max_results)
        return self._send(200, {"data": shown, "meta": meta} if shown else {"meta": meta}, rate)

    def _upload(self, body: bytes, rate: dict[str, str]) -> None:
        head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        fields: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)  # bytes for a leaf part (the stubs allow a Message too)
            fields[str(name)] = payload if isinstance(payload, bytes) else b""
        media = fields.get("media")
        if not media:
            return self._send(400, _problem(400, "Invalid Request", "media is required", _PROBLEMS + "invalid-request"))
        if fields.get("media_category", b"").decode() != "dm_image":
            return self._send(400, _problem(400, "Invalid Request", "media_category must be dm_image for a DM",
                                            _PROBLEMS + "invalid-request"))
        if len(media) > 5 * 1024 * 1024:
            return self._send(400, _problem(400, "Invalid Request", "File size exceeds 5242880 bytes."))
        media_id = self.fake._next_id()
        with self.fake.lock:
            # The bytes too, so a test can compare the picture a customer got with what was approved.
            self.fake.media[media_id] = {"size": len(media), "type": fields.get("media_type", b"").decode(),
                                         "bytes": media}
        return self._send(200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": len(media),
                                         "expires_after_secs": 86400,
                                         "image": {"image_type": "image/jpeg", "w": 0, "h": 0}}}, rate)

    def _authorize(self, query: dict[str, list[str]]) -> None:
        q = {k: v[0] for k, v in query.items()}
        if q.get("client_id") != self.fake.client_id or q.get("code_challenge_method") != "S256" \
                or q.get("response_type") != "code" or not q.get("code_challenge"):
            return self._send(400, {"error": "invalid_request"})
        code = secrets.token_urlsafe(16)
        self.fake.codes[code] = q
        target = q["redirect_uri"] + "?" + urlencode({"state": q.get("state", ""), "code": code})
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def _token(self, form: dict[str, list[str]]) -> None:
        f = {k: v[0] for k, v in form.items()}
        if f.get("client_id") != self.fake.client_id:
            return self._send(401, {"error": "unauthorized_client",
                                    "error_description": "Missing valid authorization header"})
        if f.get("grant_type") == "authorization_code":
            grant = self.fake.codes.pop(f.get("code", ""), None)
            verifier = f.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant is None or grant["code_challenge"] != challenge or grant["redirect_uri"] != f.get("redirect_uri"):
                return self._send(400, {"error": "invalid_request",
                                        "error_description": "Value passed for the authorization code was invalid."})
            scope = grant.get("scope", "")
        elif f.get("grant_type") == "refresh_token":
            if f.get("refresh_token") not in self.fake.refresh_tokens:
                return self._send(400, {"error": "invalid_request",
                                        "error_description": "Value passed for the token was invalid."})
            self.fake.refresh_tokens.discard(f["refresh_token"])  # refresh tokens rotate
            scope = "dm.write dm.read tweet.read users.read media.write offline.access"
        else:
            return self._send(400, {"error": "unsupported_grant_type"})
        access = self.fake.issue_token()
        refresh = "rt-" + secrets.token_urlsafe(12)
        self.fake.refresh_tokens.add(refresh)
        return self._send(200, {"token_type": "bearer", "expires_in": 7200, "access_token": access,
                                "scope": scope, "refresh_token": refresh})
