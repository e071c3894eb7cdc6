"""The e-mail channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import smtplib
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from PIL import Image

from fakes.smtp import Inbox, free_port, smtp_server
from lookbook.errors import InputError
from lookbook.outbox.channels import Ambiguous, AuthFailed, NotSent, Unreachable
from lookbook.outbox.channels import email as email_mod
from lookbook.outbox.channels.email import EmailChannel, SmtpSettings, build_message, message_id_for

PHOTOS = sorted((Path(__file__).resolve().parent.parent / "resources" / "demo" / "photos").glob("*.jpg"))[:3]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


def _settings(port: int, **kw: Any) -> SmtpSettings:
    return SmtpSettings(**{"host": "127.0.0.1", "port": port, "security": "plain",
                           "from_address": "stylist@store.example.com", "from_name": "Maria at the Store",
                           "timeout_s": 5.0, **kw})


def _message(settings: SmtpSettings, to: str = "ann@example.com", images: list[Path] = PHOTOS) -> EmailMessage:
    return build_message(to=to, to_name="Ann Smith", subject="New shirts from Marlowe",
                         body="Hi Ann,\n\nThree shirts in your size.\n\nMaria", images=images,
                         settings=settings, message_id=message_id_for(7, "abcdef0123456789", settings.from_address))


def test_photos_arrive_inline_as_related_cid_images(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = _settings(port)
    channel = EmailChannel(settings, password=None)
    called: list[bool] = []
    message_id = channel.send(_message(settings), before_data=lambda: called.append(True))
    channel.close()

    assert called == [True]
    assert message_id == "<lookbook.7.abcdef012345@store.example.com>"
    [(mail_from, rcpts, raw)] = inbox.received
    assert (mail_from, rcpts) == ("stylist@store.example.com", ["ann@example.com"])
    got = message_from_bytes(raw, policy=default)
    assert got["Message-ID"] == message_id
    assert got.get_content_type() == "multipart/alternative"
    plain, related = got.get_payload()
    assert plain.get_content_type() == "text/plain" and "Three shirts in your size." in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert len(images) == len(PHOTOS) == 3
    html = html_part.get_content()
    for image in images:
        assert image.get_content_type() == "image/jpeg"
        assert image.get_content_disposition() == "inline"
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        with Image.open(BytesIO(image.get_content())) as im:
            assert im.format == "JPEG" and max(im.size) <= email_mod.INLINE_MAX_SIDE


def test_large_photos_are_shrunk_for_email(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    Image.new("RGB", (3000, 2000), "navy").save(big)
    data, subtype = email_mod.inline_image(big)
    with Image.open(BytesIO(data)) as im:
        assert (subtype, im.format, max(im.size)) == ("jpeg", "JPEG", email_mod.INLINE_MAX_SIDE)


def test_recipient_refused_for_good_is_unreachable_and_for_now_is_not_sent(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = _settings(port)
    channel = EmailChannel(settings, password=None)
    inbox.rcpt_reply = "550 5.1.1 No such user here"
    with pytest.raises(Unreachable, match="550"):
        channel.send(_message(settings, images=[]))
    inbox.rcpt_reply = "451 4.3.0 Try again later"
    with pytest.raises(NotSent, match="451"):
        channel.send(_message(settings, images=[]))
    inbox.rcpt_reply = None
    channel.send(_message(settings, images=[]))  # the same connection still works
    channel.close()
    assert len(inbox.received) == 1


def test_connection_lost_after_data_is_ambiguous_before_it_is_not_sent(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = _settings(port)
    inbox.drop_after_data = True
    reached_data: list[bool] = []
    with pytest.raises(Ambiguous, match="may or may not"):
        EmailChannel(settings, password=None).send(_message(settings), before_data=lambda: reached_data.append(True))
    assert reached_data == [True] and len(inbox.received) == 1

    nobody = _settings(free_port())
    with pytest.raises(NotSent, match="could not reach the mail server"):
        EmailChannel(nobody, password=None).send(_message(nobody), before_data=lambda: pytest.fail("sent DATA"))


def test_settings_refuse_plain_smtp_to_another_host_and_name_the_field() -> None:
    with pytest.raises(InputError, match="security 'plain'.*starttls or tls"):
        SmtpSettings.from_setting({"host": "smtp.example.com", "port": 25, "security": "plain",
                                   "from_address": "a@example.com"})
    with pytest.raises(InputError, match="from address"):
        SmtpSettings.from_setting({"host": "smtp.example.com", "security": "starttls"})
    with pytest.raises(InputError, match="not set up"):
        SmtpSettings.from_setting(None)
    assert SmtpSettings.from_setting({"host": "smtp.example.com", "security": "tls",
                                      "from_address": "a@example.com"}).port == 465


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_starttls_and_sign_in_with_the_password(certificate: tuple[Path, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    # The client trusts only our test certificate, as it would trust a real server's CA.
    real = ssl.create_default_context
    monkeypatch.setattr(email_mod.ssl, "create_default_context", lambda: real(cafile=str(cert)))
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = (v.decode() if isinstance(v, bytes) else v for v in auth_data)
        logins.append((login, password))
        return AuthResult(success=password == "s3cret", handled=False)

    with smtp_server(tls_context=server_tls, require_starttls=True, authenticator=authenticator,
                     auth_required=True) as (inbox, port):
        settings = _settings(port, security="starttls", username="maria")
        signed_in = EmailChannel(settings, password="s3cret")
        signed_in.send(_message(settings, images=PHOTOS[:1]))
        signed_in.close()  # dropped open, its TLS socket was the gc's to find (ResourceWarning: unclosed SSLSocket)
        with pytest.raises(AuthFailed, match="refused the sign-in for maria"):
            EmailChannel(settings, password="wrong").send(_message(settings, images=[]))
    assert logins[0] == ("maria", "s3cret") and set(logins[1:]) == {("maria", "wrong")}
    assert len(inbox.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the fake server, plain on purpose
def test_a_refused_sign_in_closes_its_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong password must not leave the socket open: a send run that keeps trying would pile them up."""
    made: list[smtplib.SMTP] = []

    class Recorded(smtplib.SMTP):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(email_mod.smtplib, "SMTP", Recorded)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    with smtp_server(authenticator=authenticator, auth_required=True, auth_require_tls=False) as (inbox, port):
        settings = _settings(port, username="maria")
        with pytest.raises(AuthFailed, match="refused the sign-in for maria"):
            EmailChannel(settings, password="wrong").send(_message(settings, images=[]))
    assert len(made) == 1 and made[0].sock is None  # closed, not left for the garbage collector
    assert inbox.received == []


# -- entering the mail server the way every channel is entered ------------------------------------------------------
def test_delivery_credentials_email_sets_the_mail_server_from_the_declared_fields(
        tmp_path: Path, memory_keyring: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`lookbook delivery credentials email` enters SMTP host, port, security, from, login and password (asked for
    once there is a login name, kept only in the keyring); bad input is one line naming the field."""
    from lookbook.cli import main
    from lookbook.outbox.channels import accounts, credentials
    from lookbook.store import secrets
    from lookbook.store.database import create_store, open_store
    from lookbook.store.library import Library
    from outbox_support import add_staff

    store = create_store(tmp_path / "lib")
    add_staff(store)
    root = str(store.library.root)
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    monkeypatch.setenv("LOOKBOOK_SMTP_PASSWORD", "mail-s3cret")
    base = ["--library", root, "--as", "maria", "delivery", "credentials", "email"]

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = run("--set", "host=smtp.example.com", "--set", "security=tls", "--set", "port=five")
    assert (code, err.strip()) == (1, "lookbook: error: e-mail settings, port 'five': enter a number such as 587.")
    code, _, err = run("--set", "host=smtp.example.com", "--set", "from_address=maria@store.example.com",
                       "--set", "security=sometimes")
    assert code == 1 and "security 'sometimes': choose one of starttls, tls, plain" in err
    code, out, _ = run("--set", "host=smtp.example.com", "--set", "from_address=maria@store.example.com",
                       "--set", "from_name=Marlowe & Co", "--set", "username=maria")
    assert code == 0 and out.strip() == "e-mail credentials saved (secrets in the system keyring)."
    code, out, _ = run("--show", "--json")
    shown = {f["field"]: (f["value"], f["entered"]) for f in json.loads(out)}
    assert shown["host"] == ("smtp.example.com", True) and shown["port"] == ("587", True)
    assert shown["security"] == ("starttls", True) and shown["password"] == ("", True)
    # Security changed, the port left at the old security's usual one: the port follows (465 for tls).
    assert run("--set", "security=tls")[0] == 0
    # A blank optional field is emptied (no login name: no sign-in); a blank required one keeps what is there.
    assert run("--set", "username=", "--set", "host=")[0] == 0
    store = open_store(Library.locate(Path(root)))
    try:
        kept = store.get_setting("delivery.email")
        assert (kept["host"], kept["port"], kept["security"], kept["username"]) == ("smtp.example.com", 465, "tls", "")
        assert kept["from_name"] == "Marlowe & Co"
        assert secrets.Vault.for_store(store).get(secrets.SMTP_PASSWORD) == "mail-s3cret"
        assert accounts.email_channel(store)._password is None  # no login name: the password is not used
        dump = "\n".join(store.db.conn.iterdump())
        assert "mail-s3cret" not in dump  # the keyring only, never the settings or the audit log
        assert [c.name for c in credentials.still_needed(credentials.fields(store, "email"))] == []
        # Without a password in the keyring, a login name makes it needed (the verb then asks for it).
        secrets.Vault.for_store(store).delete(secrets.SMTP_PASSWORD)
        fields = credentials.fields(store, "email")
        assert [c.name for c in credentials.still_needed(fields, {"username": "maria"})] == ["password"]
        assert credentials.still_needed(fields) == []
    finally:
        store.close()
