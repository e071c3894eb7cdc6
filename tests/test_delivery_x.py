"""The X channel, sign-in and secrets against the local fake X API."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import keyring
import pytest
import requests
from keyring.backends import fail
from PIL import Image

from fakes.fake_x import FakeX, Fault
from fakes.keyrings import MemoryKeyring
from lookbook.outbox.channels import (
    Ambiguous,
    AuthFailed,
    NotSent,
    RateLimited,
    Rejected,
    Unreachable,
    accounts,
)
from lookbook.outbox.channels.x import (
    DM_IMAGE_LIMIT,
    OAuth1Keys,
    OAuth2Token,
    XChannel,
    XEndpoints,
    XSession,
    dm_image_bytes,
)
from lookbook.outbox.channels.x_oauth import PkceSignIn, SignInError, refresh
from lookbook.store import secrets
from lookbook.store.database import Store
from lookbook.store.users import PermissionDenied, create_user

PHOTO = sorted((Path(__file__).resolve().parent.parent / "resources" / "demo" / "photos").glob("*.jpg"))[0]
DM_PATH = r"/2/dm_conversations/with/\d+/messages"


def _endpoints(fake: FakeX) -> XEndpoints:
    return XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url})


def _channel(fake: FakeX, **kw: object) -> XChannel:
    return XChannel(token=OAuth2Token(fake.issue_token()), endpoints=_endpoints(fake), timeout=(1.0, 1.0), **kw)


# -- configuration ----------------------------------------------------------------------------
def test_endpoints_default_to_x_and_follow_the_environment() -> None:
    assert XEndpoints.from_env({}) == XEndpoints("https://api.x.com", "https://api.x.com",
                                                 "https://x.com/i/oauth2/authorize")
    custom = XEndpoints.from_env({"LOOKBOOK_X_API_URL": "http://127.0.0.1:9/", "LOOKBOOK_X_UPLOAD_URL": "http://u:1"})
    assert (custom.api, custom.upload, custom.token) == ("http://127.0.0.1:9", "http://u:1",
                                                          "http://127.0.0.1:9/2/oauth2/token")


def test_tweepy_is_configured_so_it_can_neither_resend_nor_hang(fake_x: FakeX) -> None:
    channel = _channel(fake_x)
    assert channel.client.wait_on_rate_limit is False
    assert isinstance(channel.client.session, XSession) and channel.session.timeout == (1.0, 1.0)
    for prefix in ("https://", "http://"):
        assert channel.session.get_adapter(prefix + "x").max_retries.total == 0
    # The host tweepy hardcodes goes to the configured server.
    fake_x.add_user("ann", "111")
    assert channel.resolve_user_id("@Ann") == "111"
    assert fake_x.count("GET", "/2/users/by/username/Ann") == 1


def test_a_slow_answer_times_out_instead_of_hanging_and_is_ambiguous(fake_x: FakeX) -> None:
    fake_x.faults.append(Fault("POST", DM_PATH, "slow_after", delay_s=2.5))
    with pytest.raises(Ambiguous, match="did not answer in time"):
        _channel(fake_x).send_dm("111", "hello")
    assert len(fake_x.delivered("111")) == 1  # it did arrive: only the answer was lost
    assert fake_x.count("POST", "/2/dm_conversations") == 1  # and nothing re-sent it


def test_429_is_not_retried_by_tweepy_and_carries_the_reset(fake_x: FakeX) -> None:
    fake_x.faults.append(Fault("POST", DM_PATH, "429", reset_in_s=30))
    channel = _channel(fake_x)
    with pytest.raises(RateLimited) as caught:
        channel.send_dm("111", "hello")
    assert fake_x.count("POST", "/2/dm_conversations") == 1 and not fake_x.delivered("111")
    assert caught.value.reset_at == channel.rates["dm_post"].reset_at
    assert channel.rates["dm_post"].remaining == 0


@pytest.mark.parametrize("fault", ["503_after", "drop_after"])
def test_failures_after_the_dm_was_recorded_are_ambiguous(fake_x: FakeX, fault: str) -> None:
    fake_x.faults.append(Fault("POST", DM_PATH, fault))
    with pytest.raises(Ambiguous):
        _channel(fake_x).send_dm("111", "hello")
    assert len(fake_x.delivered("111", "hello")) == 1


def test_a_server_that_cannot_be_reached_means_not_sent() -> None:
    channel = XChannel(token=OAuth2Token("t"), endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": "http://127.0.0.1:9"}),
                       timeout=(1.0, 1.0))
    with pytest.raises(NotSent, match="could not reach X"):
        channel.send_dm("111", "hello")


@pytest.mark.parametrize("style", ["150", "349", "476", "problem"])
def test_x_refusals_to_deliver_are_unreachable_not_retryable(fake_x: FakeX, style: str) -> None:
    fake_x.not_following["222"] = style
    with pytest.raises(Unreachable, match="will not deliver a DM to this customer"):
        _channel(fake_x).send_dm("222", "hello")


def test_account_level_refusals_stop_with_a_sign_in_message(fake_x: FakeX) -> None:
    fake_x.faults.append(Fault("POST", DM_PATH, "403_auth"))
    with pytest.raises(AuthFailed, match="Settings → Delivery"):
        _channel(fake_x).send_dm("111", "hello")
    fake_x.faults.append(Fault("POST", DM_PATH, "401"))
    with pytest.raises(AuthFailed, match="Sign in to X again"):
        _channel(fake_x).send_dm("111", "hello")
    assert not fake_x.delivered("111")


def test_unknown_handle_is_unreachable(fake_x: FakeX) -> None:
    with pytest.raises(Unreachable, match="no account @ghost"):
        _channel(fake_x).resolve_user_id("ghost")


def test_text_over_the_dm_limit_is_rejected_before_any_request(fake_x: FakeX) -> None:
    with pytest.raises(Rejected, match="10000"):
        _channel(fake_x).send_dm("111", "x" * 10_001)
    assert fake_x.count("POST", "/2/dm_conversations") == 0


def test_a_send_runs_connection_closes_its_kept_alive_socket_to_x(fake_x: FakeX) -> None:
    from lookbook.outbox.channels.x import XConnection

    channel = _channel(fake_x)
    channel.send_dm("111", "Hi Ann")
    pools = channel.session.get_adapter(fake_x.base_url).poolmanager.pools
    assert len(pools) == 1  # the DM's connection is kept alive for the run's next request
    XConnection(channel, me=None).close()
    assert len(pools) == 0
    assert channel.send_dm("111", "Hi again").event_id  # a later request opens a new connection


# -- media -------------------------------------------------------------------------------------
def test_photo_goes_up_through_v2_upload_as_dm_image_and_rides_on_the_dm(fake_x: FakeX) -> None:
    channel = _channel(fake_x)
    media = channel.upload_image(PHOTO)
    assert fake_x.count("POST", "/2/media/upload") == 1
    assert fake_x.media[media.media_id]["type"] == "image/jpeg"
    assert media.media_key == f"3_{media.media_id}"
    sent = channel.send_dm("111", "Hi Ann", media.media_id)
    [event] = channel.conversation_events("111")
    assert event.id == sent.event_id and event.media_keys == (media.media_key,)
    assert event.text.startswith("Hi Ann https://t.co/")  # X appends the media link


def test_photos_x_would_refuse_are_re_encoded(tmp_path: Path) -> None:
    tiff = tmp_path / "card.tiff"
    Image.new("RGB", (800, 600), "olive").save(tiff)
    data, mime = dm_image_bytes(tiff)
    assert mime == "image/jpeg" and Image.open(io.BytesIO(data)).format == "JPEG"
    noise = tmp_path / "huge.png"
    Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3)).save(noise, compress_level=1)
    assert noise.stat().st_size > DM_IMAGE_LIMIT
    data, mime = dm_image_bytes(noise)
    assert mime == "image/jpeg" and len(data) <= DM_IMAGE_LIMIT
    with pytest.raises(Rejected, match="missing"):
        dm_image_bytes(tmp_path / "gone.jpg")


def test_oauth1_tokens_sign_requests(fake_x: FakeX) -> None:
    fake_x.oauth1_tokens.add("42-abc")
    channel = XChannel(oauth1=OAuth1Keys("ck", "cs", "42-abc", "ats"), endpoints=_endpoints(fake_x))
    assert channel.me() == (fake_x.me_id, fake_x.me_username)
    channel.send_dm("111", "signed with OAuth 1.0a", channel.upload_image(PHOTO).media_id)
    assert len(fake_x.delivered("111")) == 1


# -- sign-in -----------------------------------------------------------------------------------
def _browser(url: str) -> None:
    """Do what the person's browser does: open X's page, which redirects to the loopback address."""
    requests.get(url, timeout=30)


def test_pkce_sign_in_through_the_loopback_redirect(fake_x: FakeX) -> None:
    with PkceSignIn(fake_x.client_id, endpoints=_endpoints(fake_x)) as sign_in:
        url = sign_in.start()
        assert sign_in.redirect_uri.startswith("http://127.0.0.1:")
        assert "code_challenge_method=S256" in url and "scope=dm.write+dm.read+tweet.read+users.read+media.write" \
            "+offline.access" in url
        threading.Thread(target=_browser, args=(url,), daemon=True).start()
        token = sign_in.wait(timeout=30)
    assert token.refresh_token and token.expires_at and "dm.write" in token.scope
    channel = XChannel(token=token, endpoints=_endpoints(fake_x))
    assert channel.me() == (fake_x.me_id, fake_x.me_username)


def test_sign_in_refuses_an_answer_for_another_sign_in(fake_x: FakeX) -> None:
    with PkceSignIn(fake_x.client_id, endpoints=_endpoints(fake_x)) as sign_in:
        sign_in.start()
        requests.get(sign_in.redirect_uri + "?code=stolen&state=not-ours", timeout=30)
        with pytest.raises(SignInError, match="state mismatch"):
            sign_in.wait(timeout=30)
    with PkceSignIn(fake_x.client_id, endpoints=_endpoints(fake_x)) as sign_in:
        sign_in.start()
        requests.get(sign_in.redirect_uri + "?error=access_denied", timeout=30)
        with pytest.raises(SignInError, match="not allowed"):
            sign_in.wait(timeout=30)


def test_expired_token_is_refreshed_once_and_saved(fake_x: FakeX) -> None:
    fake_x.refresh_tokens.add("rt-1")
    saved: list[OAuth2Token] = []

    def renew(token: OAuth2Token) -> OAuth2Token:
        new = refresh(token, client_id=fake_x.client_id, endpoints=_endpoints(fake_x))
        saved.append(new)
        return new

    channel = XChannel(token=OAuth2Token("expired", "rt-1", expires_at=None), endpoints=_endpoints(fake_x),
                       refresh=renew)
    channel.send_dm("111", "after a refresh")
    assert len(saved) == 1 and saved[0].refresh_token != "rt-1"  # refresh tokens rotate
    assert len(fake_x.delivered("111")) == 1
    with pytest.raises(AuthFailed, match="sign in to X again"):
        refresh(OAuth2Token("x", "rt-1"), client_id=fake_x.client_id, endpoints=_endpoints(fake_x))


def test_sign_in_and_renewal_close_their_sockets_to_x(fake_x: FakeX, monkeypatch: pytest.MonkeyPatch) -> None:
    """The token exchange's and each renewal's session were left, kept alive, for the garbage collector."""
    import lookbook.outbox.channels.x_oauth as x_oauth

    made: list[requests.Session] = []

    class Recorded(x_oauth.OAuth2Session):  # type: ignore[misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(x_oauth, "OAuth2Session", Recorded)
    with PkceSignIn(fake_x.client_id, endpoints=_endpoints(fake_x)) as sign_in:
        url = sign_in.start()
        threading.Thread(target=_browser, args=(url,), daemon=True).start()
        sign_in.wait(timeout=30)
    fake_x.refresh_tokens.add("rt-1")
    refresh(OAuth2Token("expired", "rt-1"), client_id=fake_x.client_id, endpoints=_endpoints(fake_x))
    with pytest.raises(AuthFailed):
        refresh(OAuth2Token("x", "rt-1"), client_id=fake_x.client_id, endpoints=_endpoints(fake_x))
    assert len(made) == 3
    assert [len(s.get_adapter(fake_x.base_url).poolmanager.pools) for s in made] == [0, 0, 0]


# -- secrets -----------------------------------------------------------------------------------
def test_tokens_live_in_the_keyring_per_library_never_in_the_database(
        store: Store, memory_keyring: MemoryKeyring, fake_x: FakeX) -> None:
    token = OAuth2Token(fake_x.issue_token(), "rt-secret", 1e10, "dm.write")
    create_user(store, "admin", "admin-pass", "admin")  # setting up delivery is an admin's or manager's
    with pytest.raises(PermissionDenied, match="only a manager or an admin may set up the X account"):
        accounts.save_x_client(store, fake_x.client_id, "nobody")
    accounts.save_x_client(store, fake_x.client_id, "admin")
    accounts.save_x_oauth2(store, token, user_id=fake_x.me_id, username=fake_x.me_username, actor="admin")
    [(service, entry)] = list(memory_keyring.entries)
    assert service == "Lookbook Studio" and entry == f"{secrets.library_id(store)}/x.oauth2_token"
    dump = "\n".join(store.db.conn.iterdump())
    assert token.access_token not in dump and "rt-secret" not in dump
    assert "delivery.x_sign_in" in dump  # audited, without the secret
    assert accounts.x_channel(store).token == token
    other = secrets.Vault("another-library")
    assert other.get(secrets.X_OAUTH2_TOKEN) is None
    accounts.sign_out_x(store, "admin")
    with pytest.raises(AuthFailed, match="not signed in"):
        accounts.x_channel(store)


def test_no_keyring_backend_gives_a_clear_error(store: Store) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(secrets.SecretStoreError, match="no system keyring is available.*GNOME Keyring"):
            secrets.Vault.for_store(store).set(secrets.SMTP_PASSWORD, "pw")
    finally:
        keyring.set_keyring(before)


def test_x_app_is_entered_from_its_declared_fields_and_a_sign_in_is_kept(store, memory_keyring: object) -> None:
    """X declares its app (client id, callback port, client secret) like every channel; saving them keeps the
    account already signed in, and the client secret goes only to the keyring."""
    from lookbook.errors import InputError
    from lookbook.outbox.channels import accounts, credentials
    from lookbook.store import secrets
    from outbox_support import add_staff

    add_staff(store)
    store.set_setting(accounts.X_SETTING, {"auth": "oauth2", "user_id": "42", "username": "lookbookstore"})
    with pytest.raises(InputError, match="X settings, client id: enter the OAuth 2.0 client id"):
        credentials.save(store, "x", {"port": "8765"}, "maria")
    with pytest.raises(InputError, match="X settings, callback port 'eighty': enter the port registered with X"):
        credentials.save(store, "x", {"client_id": "abc123", "port": "eighty"}, "maria")
    credentials.save(store, "x", {"client_id": "abc123", "port": "8765", "client_secret": "cs-s3cret"}, "maria")
    kept = accounts.x_settings(store)
    assert (kept["client_id"], kept["port"], kept["username"], kept["auth"]) == ("abc123", 8765, "lookbookstore",
                                                                               "oauth2")
    assert secrets.Vault.for_store(store).get(secrets.X_OAUTH2_CLIENT_SECRET) == "cs-s3cret"
    assert "cs-s3cret" not in "\n".join(store.db.conn.iterdump())
    shown = {f.credential.name: (f.value, f.entered) for f in credentials.fields(store, "x")}
    assert shown == {"client_id": ("abc123", True), "port": ("8765", True), "client_secret": ("", True)}
    # Emptying the optional port means any free port again.
    credentials.save(store, "x", {"client_id": "abc123", "port": ""}, "maria")
    assert accounts.x_settings(store)["port"] == 0
    from lookbook.outbox.channels.x import X_DM

    assert X_DM.setting == accounts.X_SETTING
