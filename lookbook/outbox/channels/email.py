"""The e-mail channel: SMTP through the standard library, photos inline.

A message is an :class:`email.message.EmailMessage` with a plain-text part and an
HTML part; the HTML part is ``multipart/related`` and shows each photo inline
through a ``cid:`` reference, so mail apps display the photos in the text rather
than as attachments.

Exactly once, as far as SMTP allows. SMTP has no way to ask "did you get it?", so
the sender records each step before taking it, and this module reports *where* a
failure happened:

* anything that fails before the ``DATA`` command (connecting, TLS, sign-in,
  ``MAIL``/``RCPT``), and a ``DATA`` the server answered with an error code, means
  the server did not take the message: :class:`~lookbook.outbox.channels.NotSent` (try again)
  or a permanent refusal;
* a connection lost *after* ``DATA`` began is the one ambiguous window:
  :class:`~lookbook.outbox.channels.Ambiguous`. The sender does not re-send it on its own;
  it fails the message as retryable with an explanation, and a person decides. The
  Message-ID is derived from the message's id, so a retry carries the same
  Message-ID, and mail systems that de-duplicate on it (Gmail among them) show a
  repeat once.
"""

from __future__ import annotations

import html
import io
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from lookbook.errors import InputError
from lookbook.outbox.channels import (
    Ambiguous,
    AuthFailed,
    CannotTell,
    Delivered,
    DeliveryError,
    NotSent,
    Rejected,
    Unreachable,
)
from lookbook.outbox.channels.interface import (
    DEFAULT_SUBJECT,
    SUBJECT_LIMIT,
    Attempt,
    Channel,
    Connection,
    Credential,
    Job,
    Limits,
    Steps,
)
from lookbook.outbox.compose import Footer, Picture, full_text, masked
from lookbook.store import secrets
from lookbook.store.database import Store, utcnow

SECURITY = ("starttls", "tls", "plain")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "plain": 25}
SETTING = "delivery.email"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Inline pictures larger than this on their long side are shrunk: the composer's e-mail card
# (``lookbook.lookbooks.layouts.OUTPUT_SIZES["email"]``, 1200x1600, 600 CSS pixels wide at 2x) passes unchanged,
# byte for byte what the manager approved.
INLINE_MAX_SIDE = 1600
#: Pictures an e-mail may show in its text; drafting puts one there: the composed card.
MAX_PICTURES = 6


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the store's mail server (kept in library settings; the password is in the keyring)."""

    host: str
    port: int
    security: str = "starttls"
    from_address: str = ""
    from_name: str = ""
    username: str = ""
    timeout_s: float = 30.0

    def check(self) -> None:
        """Refuse settings that cannot work or would send a password in clear.

        :raises InputError: naming the field at fault and what to enter.
        """
        if not self.host:
            raise InputError("e-mail settings, host: enter the mail server's name (e.g. smtp.example.com).")
        if not 0 < self.port < 65536:
            raise InputError(f"e-mail settings, port {self.port}: enter 587 (STARTTLS), 465 (TLS) or 25.")
        if self.security not in SECURITY:
            raise InputError(f"e-mail settings, security '{self.security}': choose one of {', '.join(SECURITY)}.")
        if self.security == "plain" and self.host not in _LOCAL_HOSTS:
            raise InputError(f"e-mail settings, security 'plain': {self.host} is not this computer, and plain SMTP "
                             "would send messages and the password unencrypted; choose starttls or tls.")
        if "@" not in self.from_address:
            raise InputError("e-mail settings, from address: enter the address customers see and reply to.")

    @classmethod
    def from_setting(cls, value: dict[str, Any] | None) -> SmtpSettings:
        """Build settings from the ``delivery.email`` library setting.

        :raises InputError: if e-mail is not set up or a field is wrong.
        """
        if not value:
            raise InputError("e-mail is not set up: enter the mail server in Settings → Delivery "
                             "(or `lookbook delivery email`).")
        security = str(value.get("security", "starttls"))
        try:
            port = int(value.get("port") or DEFAULT_PORTS.get(security, 587))
        except (TypeError, ValueError):
            raise InputError(f"e-mail settings, port '{value.get('port')}': enter a number such as 587.") from None
        settings = cls(host=str(value.get("host", "")).strip(), port=port, security=security,
                       from_address=str(value.get("from_address", "")).strip(),
                       from_name=str(value.get("from_name", "")).strip(),
                       username=str(value.get("username", "")).strip(),
                       timeout_s=float(value.get("timeout_s", 30.0)))
        settings.check()
        return settings


def message_id_for(message_id: int, namespace: str, from_address: str) -> str:
    """Return the Message-ID of outbox message ``message_id``: the same on every attempt."""
    domain = from_address.rpartition("@")[2] or "lookbook.invalid"
    return f"<lookbook.{message_id}.{namespace[:12]}@{domain}>"


def inline_image(path: Path) -> tuple[bytes, str]:
    """Return a photo as JPEG or PNG bytes no larger than :data:`INLINE_MAX_SIDE`, with its subtype.

    :raises Rejected: if the file is missing or not an image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            if im.format in ("JPEG", "PNG") and max(im.size) <= INLINE_MAX_SIDE:
                return path.read_bytes(), im.format.lower()
            profile = im.info.get("icc_profile")
            shown = ImageOps.exif_transpose(im).convert("RGB")
    except FileNotFoundError:
        raise Rejected(f"{path}: a photo of this message is missing from the library.") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise Rejected(f"{path}: a photo of this message cannot be read ({exc}).") from None
    shown.thumbnail((INLINE_MAX_SIDE, INLINE_MAX_SIDE))
    out = io.BytesIO()
    # The colour profile travels with the picture: without it a wide-gamut photo looks dull.
    shown.save(out, "JPEG", quality=85, optimize=True, icc_profile=profile)
    return out.getvalue(), "jpeg"


def _html_text(text: str) -> str:
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p.strip())


def build_message(*, to: str, to_name: str, subject: str, body: str, images: Sequence[Path | Picture],
                  settings: SmtpSettings, message_id: str, footer: Footer | None = None) -> EmailMessage:
    """Compose the e-mail: plain text, and HTML with the pictures inline (``multipart/related``, ``cid:``).

    The plain-text part is the body and the footer (:attr:`lookbook.outbox.compose.Outgoing.text`); the HTML part
    shows the same words, each picture with its product's name as alt text and its caption beneath, and
    the footer with a link to stop. Card numbers are masked in every field once more here: whatever
    reached this point, the channel never transmits one.

    :param to: the customer's address.
    :param images: the pictures shown below the text, in order (a bare path: a picture with no caption).
    :param message_id: the Message-ID header (see :func:`message_id_for`).
    :param footer: the store's name, postal address and how to stop (List-Unsubscribe).
    :raises Unreachable: if the customer's address is not a valid address.
    """
    msg = EmailMessage()
    try:
        msg["To"] = Address(display_name=masked(to_name), addr_spec=to)
    except (ValueError, IndexError) as exc:
        raise Unreachable(f"'{to}' is not a valid e-mail address ({exc}); correct the customer's e-mail.") from None
    msg["From"] = Address(display_name=masked(settings.from_name), addr_spec=settings.from_address)
    msg["Subject"] = masked(subject)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id
    body = masked(body)
    if footer is not None:
        for name, value in footer.headers(message_id).items():
            msg[name] = value
    msg.set_content(full_text(body, footer))
    pictures = [image if isinstance(image, Picture) else Picture(image, "", "") for image in images]
    photos = [(inline_image(p.path), f"photo{n}", p) for n, p in enumerate(pictures, 1)]
    domain = settings.from_address.rpartition("@")[2]
    cids = [f"{key}.{message_id.strip('<>').split('@')[0]}@{domain}" for (_, key, _) in photos]
    tags = []
    for (_, _, picture), cid in zip(photos, cids, strict=True):
        caption = masked(picture.caption)
        tags.append(f'<p><img src="cid:{cid}" alt="{html.escape(masked(picture.alt), quote=True)}"'
                    ' style="max-width:100%;height:auto">'
                    + (f"<br>{html.escape(caption).replace(chr(10), '<br>')}" if caption else "") + "</p>")
    end = []
    if footer is not None:
        link = footer.unsubscribe if not footer.is_mailto else (
            footer.unsubscribe if "?" in footer.unsubscribe else f"{footer.unsubscribe}?subject=unsubscribe")
        address = ", ".join(line.strip() for line in footer.postal_address.splitlines() if line.strip())
        end.append('<hr><p style="color:#666;font-size:12px">'
                   f"{html.escape(footer.store_name)}, {html.escape(address)}<br>"
                   f'To stop these e-mails: <a href="{html.escape(link, quote=True)}">'
                   f"{html.escape(footer.unsubscribe_target())}</a></p>")
    msg.add_alternative("<!doctype html><html><body>" + _html_text(body) + "".join(tags + end)
                        + "</body></html>", subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    assert html_part is not None  # just added above
    for ((data, subtype), _key, picture), cid in zip(photos, cids, strict=True):
        html_part.add_related(data, maintype="image", subtype=subtype, cid=f"<{cid}>",
                              filename=f"{picture.path.stem}.{'jpg' if subtype == 'jpeg' else subtype}",
                              disposition="inline")
    return msg


def _text(reply: bytes | str) -> str:
    """Return a server's reply as text (smtplib hands it over as bytes, or str for its own errors)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def classify(exc: Exception, *, delivers: bool, host: str = "the mail server") -> DeliveryError:
    """Turn an smtplib or socket failure into the :class:`DeliveryError` that says what to do next.

    :param delivers: whether the failure came while the message itself was being handed over (``DATA``):
        only then is a lost connection :class:`Ambiguous`; before it the server certainly has nothing.
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return AuthFailed(f"the mail server {host} refused the sign-in ({exc.smtp_code}); check the user name "
                          "and password in Settings → Delivery.")
    if isinstance(exc, (smtplib.SMTPNotSupportedError, ssl.SSLError)):
        return AuthFailed(f"the connection to {host} failed ({exc}); check the server name, port and security "
                          "setting in Settings → Delivery.")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return Unreachable(f"the mail server refused {', '.join(exc.recipients)}.")
        return NotSent(f"the mail server did not accept {', '.join(exc.recipients)} now; trying again later.")
    if isinstance(exc, smtplib.SMTPResponseException):
        # An error answer: the server has not taken the message, whatever the step.
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 500 <= exc.smtp_code < 600:
            return Rejected(f"the mail server refused the message ({text}).")
        return NotSent(f"the mail server did not take the message now ({text}); trying again later.")
    if isinstance(exc, (TimeoutError, smtplib.SMTPServerDisconnected, OSError)):
        if delivers:
            return Ambiguous(f"the connection to the mail server was lost while the message was being sent "
                             f"({exc}); it may or may not have been delivered.")
        return NotSent(f"the connection to the mail server broke before the message was sent ({exc}).")
    return NotSent(f"sending the e-mail failed ({exc}).")


class EmailChannel:
    """Sends messages through one SMTP connection, reopened when it drops.

    :param settings: the mail server.
    :param password: from the keyring; None to send without signing in (a local relay).
    """

    def __init__(self, settings: SmtpSettings, password: str | None) -> None:
        settings.check()
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        signed_in = False
        try:
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, self._password or "")
            signed_in = True
        except smtplib.SMTPAuthenticationError as exc:
            raise AuthFailed(f"the mail server {s.host} refused the sign-in for {s.username} ({exc.smtp_code}); "
                             "check the user name and password in Settings → Delivery.") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise AuthFailed(f"the mail server {s.host} does not support what the settings ask ({exc}); "
                             "check the security setting in Settings → Delivery.") from None
        except ssl.SSLError as exc:
            raise AuthFailed(f"the TLS connection to {s.host}:{s.port} failed ({exc.reason}); check the server "
                             "name, port and security setting.") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise NotSent(f"could not reach the mail server {s.host}:{s.port} ({exc}); check the network and "
                          "the e-mail settings.") from None
        finally:
            # A refused sign-in or a failed STARTTLS leaves the socket open; a send run that goes on to the next
            # channel (or a server that keeps refusing) would pile them up.
            if not signed_in and smtp is not None:
                smtp.close()
        return smtp

    def send(self, msg: EmailMessage, *, before_data: Callable[[], None] | None = None) -> str:
        """Send ``msg``; return its Message-ID.

        :param before_data: called after the server accepted the sender and recipient and before
            the message itself is sent; the sender records the point of no return there.
        :raises NotSent: the server certainly did not take the message (try again later).
        :raises Ambiguous: the connection was lost while the message was being handed over.
        :raises Unreachable: the server refused the recipient's address for good (5xx).
        :raises Rejected: the server refused this message for good (5xx to DATA).
        :raises AuthFailed: the sign-in or TLS set-up failed.
        """
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        sender = self.settings.from_address
        recipient = msg["To"].addresses[0].addr_spec
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                self.close()
                if 500 <= code < 600:
                    raise AuthFailed(f"the mail server refused the sender {sender} "
                                     f"({code} {reply.decode(errors='replace')}); "
                                     "check the from address in Settings → Delivery.")
                raise NotSent(f"the mail server did not accept the sender now ({code}); trying again later.")
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                smtp.rset()
                text = reply.decode(errors="replace")
                if 500 <= code < 600:
                    raise Unreachable(f"the mail server refused {recipient} ({code} {text}).")
                raise NotSent(f"the mail server did not accept {recipient} now ({code} {text}); trying again later.")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise NotSent(f"the connection to the mail server broke before the message was sent ({exc}).") from None
        if before_data is not None:
            before_data()
        try:
            # smtplib leaves the line ends of bytes alone, and SMTP needs CRLF (as send_message does).
            code, reply = smtp.data(msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")))
        except smtplib.SMTPDataError as exc:
            # The server answered DATA with an error: it has not taken the message.
            smtp.rset()
            if 500 <= exc.smtp_code < 600:
                raise Rejected(f"the mail server refused the message ({exc.smtp_code} "
                               f"{_text(exc.smtp_error)}).") from None
            raise NotSent(f"the mail server did not take the message now ({exc.smtp_code}); "
                          "trying again later.") from None
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise Ambiguous(f"the connection to the mail server was lost while the message was being sent ({exc}); "
                            "it may or may not have been delivered.") from None
        if code != 250:
            # The final answer to DATA is an error: the server did not take the message.
            text = reply.decode(errors="replace")
            if 500 <= code < 600:
                raise Rejected(f"the mail server refused the message ({code} {text}).")
            raise NotSent(f"the mail server did not take the message now ({code} {text}); trying again later.")
        return str(msg["Message-ID"])

    def close(self) -> None:
        """Say goodbye to the server (or just drop a broken connection)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


# -- the e-mail channel as the sender uses it (lookbook.outbox.channels.interface) -------------------------------
#: Why an e-mail whose connection was lost in DATA is not sent again on its own.
UNCERTAIN = ("the connection to the mail server was lost, or the sending program stopped, while this "
             "message was being handed over, so it may have arrived; check with the customer before "
             "sending it again (a retry keeps the same Message-ID, which most mail apps show once)")


class EmailConnection(Connection):
    """One send run's mail server: messages through :class:`EmailChannel`; SMTP cannot be asked afterwards."""

    def __init__(self, client: EmailChannel) -> None:
        self.client = client
        self.rates = {}
        self.grace_s = max(60.0, 2 * client.settings.timeout_s)

    def send(self, job: Job, steps: Steps) -> Delivered:
        if not job.address:
            raise Unreachable(EMAIL.no_address())
        settings = self.client.settings
        msg_id = message_id_for(job.message_id, steps.library_id, settings.from_address)
        msg = build_message(to=job.address, to_name=job.name, subject=job.subject or DEFAULT_SUBJECT, body=job.body,
                            images=job.photos, settings=settings, message_id=msg_id, footer=job.footer)
        # An answer continues the customer's thread (lookbook.outbox.conversations).
        for name, value in job.thread.items():
            msg[name] = value
        steps.phase("connect", message_id=msg_id)
        # DATA is the point of no return: a connection lost after it began may have delivered.
        self.client.send(msg, before_data=lambda: steps.phase(EMAIL.uncertain_phase))
        return Delivered(msg_id, utcnow(), {})

    def reconcile(self, attempt: Attempt) -> Delivered | None:
        raise CannotTell(UNCERTAIN)

    def classify(self, exc: Exception, *, delivers: bool) -> DeliveryError:
        return classify(exc, delivers=delivers, host=self.client.settings.host)

    def close(self) -> None:
        self.client.close()


class Email(Channel):
    """E-mail through the store's mail server: the composed card inline, the store's footer, a subject."""

    name = "email"
    label = "e-mail"
    address_column = "email"
    address_label = "e-mail address"
    shown_as = "the e-mail below, with the card inline"
    limits = Limits(text=100_000, attachments=MAX_PICTURES, subject=SUBJECT_LIMIT, card_output="email")
    footer = True
    fallback_rank = 10
    uncertain_phase = "data"
    reconciles = False

    setting = SETTING
    credentials = (
        Credential("host", "SMTP server", help="the mail server's name, e.g. smtp.example.com"),
        Credential("security", "Security", choices=SECURITY,
                   help="starttls (port 587), tls (465), or plain (25, only a server on this computer)"),
        Credential("port", "Port number", optional=True, help="empty: the security's usual port"),
        Credential("from_address", "From address", help="the address customers see and reply to"),
        Credential("from_name", "From name", optional=True, help="the name customers see"),
        Credential("username", "Login name", optional=True, help="sign-in name on the server (none: no sign-in)"),
        Credential("password", "Password", secret=True, keyring=secrets.SMTP_PASSWORD, optional=True,
                   needed_with="username", env="LOOKBOOK_SMTP_PASSWORD",
                   help="the login name's password on the mail server"),
    )

    def save_settings(self, store: Store, value: dict[str, Any], actor: str) -> None:
        # Imported here: accounts imports this module.
        from lookbook.outbox.channels import accounts

        before = dict(store.get_setting(SETTING) or {})
        security = str(value.get("security") or "starttls")
        # A port left at the old security's usual one follows the security (as the form's list used to set it).
        if security != before.get("security", security) and str(value.get("port") or "") == str(
                DEFAULT_PORTS.get(str(before.get("security")), "")):
            value = {**value, "port": DEFAULT_PORTS.get(security, "")}
        accounts.save_email_settings(store, {**value, "security": security}, actor)

    def open(self, store: Store, client: Any = None) -> EmailConnection:
        # Imported here: accounts imports this module.
        from lookbook.outbox.channels import accounts

        return EmailConnection(client or accounts.email_channel(store))


#: The e-mail channel, as :mod:`lookbook.outbox.channels.registry` lists it.
EMAIL = Email()
