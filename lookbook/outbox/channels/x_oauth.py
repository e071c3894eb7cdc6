"""Signing in to X: OAuth 2.0 with PKCE through a loopback redirect, and token refresh.

The flow (RFC 8252, "OAuth 2.0 for Native Apps"): the app listens on
``http://127.0.0.1:<port>/callback``, opens X's sign-in page in the person's browser
with a PKCE challenge, and X sends the browser back to the loopback address with a
code, which is exchanged for tokens. The person's X password never passes through
the app; the tokens go to the keyring (:mod:`lookbook.store.secrets`).

requests-oauthlib (already a tweepy dependency) does the protocol: the PKCE verifier
and challenge, the state check, the token and refresh requests. tweepy's own
``OAuth2UserHandler`` is that same ``OAuth2Session`` with X's URLs written in, which is
why it is not used: here the URLs come from :class:`~lookbook.outbox.channels.x.XEndpoints`,
so the flow can be tested against a local server.

X matches the redirect URI exactly, so the X app's settings must list the one this
flow uses; ``port=0`` (a free port chosen at random) suits servers that follow
RFC 8252's any-port rule for loopback, and a fixed port can be set for X.
"""

from __future__ import annotations

import html
import ipaddress
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oauthlib.oauth2 import OAuth2Error
from requests.auth import HTTPBasicAuth
from requests.exceptions import RequestException
from requests_oauthlib import OAuth2Session

from lookbook.errors import LookbookError
from lookbook.outbox.channels import AuthFailed
from lookbook.outbox.channels.x import SCOPES, OAuth2Token, XEndpoints

CALLBACK_PATH = "/callback"
TOKEN_TIMEOUT = (5.0, 30.0)
_DONE_PAGE = ("<!doctype html><meta charset=utf-8><title>Lookbook Studio</title>"
              "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body>")
_lock = threading.Lock()


class SignInError(LookbookError):
    """The sign-in did not complete; the message says why and what to do."""


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def _allow_http_to_loopback(url: str) -> Iterator[None]:
    """Let oauthlib talk plain HTTP to a server on this computer (the tests' fake X), nowhere else.

    oauthlib refuses http:// unless ``OAUTHLIB_INSECURE_TRANSPORT`` is set; it reads the
    variable at each call, so it is set only around a call to a loopback URL.
    """
    if not url.startswith("http://") or not _is_loopback(url):
        yield
        return
    with _lock:
        before = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
            else:
                os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = before


def _token_from(data: dict[str, Any]) -> OAuth2Token:
    expires_at = data.get("expires_at")
    if expires_at is None and data.get("expires_in") is not None:
        expires_at = time.time() + float(data["expires_in"])
    scope = data.get("scope", "")
    return OAuth2Token(access_token=str(data["access_token"]), refresh_token=data.get("refresh_token"),
                       expires_at=float(expires_at) if expires_at is not None else None,
                       scope=" ".join(scope) if isinstance(scope, list) else str(scope))


@dataclass
class _Callback:
    """What the browser brought back to the loopback address."""

    params: dict[str, str] = field(default_factory=dict)
    arrived: threading.Event = field(default_factory=threading.Event)


class _CallbackHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never log it
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self.send_error(404)
            return
        callback: _Callback = self.server.callback  # type: ignore[attr-defined]
        callback.params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        ok = "code" in callback.params
        page = _DONE_PAGE.format(
            title="Signed in" if ok else "Sign-in not completed",
            text="You can close this tab and go back to Lookbook Studio." if ok else
            html.escape(callback.params.get("error_description") or callback.params.get("error", "no code")),
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
        callback.arrived.set()


class PkceSignIn:
    """One OAuth 2.0 + PKCE sign-in through a loopback redirect.

    Call :meth:`start` to get the URL to open in the browser, then :meth:`wait` for the
    tokens; :meth:`close` (or leaving the ``with`` block) stops the loopback server.

    :param client_id: the X app's OAuth 2.0 client id.
    :param client_secret: only for a confidential X app (sent as HTTP Basic auth).
    :param port: the loopback port; 0 picks a free one.
    """

    def __init__(self, client_id: str, *, endpoints: XEndpoints | None = None, client_secret: str | None = None,
                 scopes: tuple[str, ...] = SCOPES, port: int = 0) -> None:
        if not client_id:
            raise SignInError("X sign-in: enter the X app's OAuth 2.0 client id in Settings → Delivery first.")
        self.client_id = client_id
        self.client_secret = client_secret
        self.endpoints = endpoints or XEndpoints.from_env()
        self.scopes = scopes
        self.port = port
        self._server: HTTPServer | None = None
        self._callback = _Callback()
        self._session: OAuth2Session | None = None
        self._state: str | None = None

    def __enter__(self) -> PkceSignIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def redirect_uri(self) -> str:
        if self._server is None:
            raise SignInError("X sign-in: start() was not called.")
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def start(self) -> str:
        """Listen on the loopback address and return X's sign-in URL to open in the browser.

        :raises SignInError: if the loopback port cannot be opened.
        """
        try:
            self._server = HTTPServer(("127.0.0.1", self.port), _CallbackHandler)
        except OSError as exc:
            raise SignInError(f"X sign-in: cannot listen on 127.0.0.1:{self.port} ({exc.strerror}); close the "
                              "program using that port or choose another in Settings → Delivery.") from None
        self._server.callback = self._callback  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="x-sign-in",
                         daemon=True).start()
        self._session = OAuth2Session(self.client_id, redirect_uri=self.redirect_uri, scope=list(self.scopes),
                                      pkce="S256")
        with _allow_http_to_loopback(self.endpoints.authorize):
            url, self._state = self._session.authorization_url(self.endpoints.authorize)
        return str(url)

    def wait(self, timeout: float = 300.0, cancel: threading.Event | None = None) -> OAuth2Token:
        """Wait for the browser to come back, check it, and exchange the code for tokens.

        :param timeout: seconds to wait for the person to finish in the browser.
        :param cancel: set it to give up early.
        :raises SignInError: if the person refused, the state does not match, the time ran out,
            it was cancelled, or X refused the code.
        """
        if self._session is None:
            raise SignInError("X sign-in: start() was not called.")
        deadline = time.monotonic() + timeout
        while not self._callback.arrived.wait(0.1):
            if cancel is not None and cancel.is_set():
                raise SignInError("X sign-in cancelled.")
            if time.monotonic() > deadline:
                raise SignInError(f"X sign-in: no answer from the browser within {timeout:.0f} s; try again.")
        params = self._callback.params
        if "error" in params:
            reason = params.get("error_description") or params["error"]
            raise SignInError(f"X sign-in was not allowed ({reason}); try again and choose 'Authorize app'.")
        if params.get("state") != self._state:
            # A redirect we did not ask for (another tab, or a forged request): never use its code.
            raise SignInError("X sign-in: the answer did not match this sign-in (state mismatch); try again.")
        auth = HTTPBasicAuth(self.client_id, self.client_secret) if self.client_secret else None
        try:
            with _allow_http_to_loopback(self.endpoints.token):
                data = self._session.fetch_token(self.endpoints.token, code=params.get("code", ""), auth=auth,
                                                 include_client_id=True, timeout=TOKEN_TIMEOUT)
        except (OAuth2Error, RequestException, ValueError) as exc:
            raise SignInError(f"X sign-in: X did not accept the sign-in code ({exc}); try again.") from None
        return _token_from(dict(data))

    def close(self) -> None:
        """Stop listening on the loopback address, and close the token exchange's kept-alive socket to X."""
        if self._session is not None:
            self._session.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def refresh(token: OAuth2Token, *, client_id: str, client_secret: str | None = None,
            endpoints: XEndpoints | None = None) -> OAuth2Token:
    """Exchange the refresh token for a new token set (X rotates refresh tokens: save the new one).

    :raises AuthFailed: if there is no refresh token or X refuses it; the person must sign in again.
    """
    if not token.refresh_token:
        raise AuthFailed("the X sign-in has expired and cannot be renewed; sign in to X again in Settings → Delivery.")
    endpoints = endpoints or XEndpoints.from_env()
    session = OAuth2Session(client_id, token={"access_token": token.access_token, "token_type": "Bearer",
                                              "refresh_token": token.refresh_token})
    auth = HTTPBasicAuth(client_id, client_secret) if client_secret else None
    try:
        # The session is closed on leaving: a renewal's socket to X is not left for the garbage collector.
        with session, _allow_http_to_loopback(endpoints.token):
            data = session.refresh_token(endpoints.token, refresh_token=token.refresh_token, auth=auth,
                                         client_id=client_id, timeout=TOKEN_TIMEOUT)
    except (OAuth2Error, RequestException, ValueError) as exc:
        raise AuthFailed(f"X would not renew the sign-in ({exc}); sign in to X again in Settings → Delivery.") from None
    return _token_from(dict(data))


def refresher(client_id: str, client_secret: str | None, endpoints: XEndpoints,
              save: Callable[[OAuth2Token], None]) -> Callable[[OAuth2Token], OAuth2Token]:
    """Return a function that refreshes a token and saves the new set (for :class:`XChannel`'s ``refresh``)."""
    def run(token: OAuth2Token) -> OAuth2Token:
        new = refresh(token, client_id=client_id, client_secret=client_secret, endpoints=endpoints)
        try:
            save(new)
        except LookbookError as exc:
            # X rotated the refresh token: one that cannot be kept means signing in again later anyway.
            raise AuthFailed(f"X renewed the sign-in but it could not be saved ({exc}); sign in to X again in "
                             "Settings → Delivery.") from exc
        return new

    return run
