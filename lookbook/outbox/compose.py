"""What one customer receives: the one place a message's words and pictures are put together.

Everyone who shows or sends a message uses this module, so what the associate previews,
what is drafted, what the manager approves and what the channel transmits are the same:

* :func:`personalise` fills a template for one recipient of a set (the products offered
  are those in stock in their size that matching chose for them); "Preview as Customers"
  and drafting both call it.
* :func:`outgoing` reads a drafted message back as it will leave: the text (for e-mail
  with the store's footer), the subject, the name on the ``To:`` line and the picture: the
  customer's composed card (:mod:`lookbook.lookbooks.composer`) at the size their channel asks for
  (:attr:`lookbook.outbox.channels.interface.Limits.card_output`), attached on X; on e-mail shown in
  the text, with the products' names as alt text and the card's lines (names, prices,
  sizes) beneath it, frozen when the message was drafted.
  The sender and the Approvals page both call it; the e-mail channel builds its MIME
  message from it (:func:`lookbook.outbox.channels.email.build_message`).

Card numbers are masked in every field a customer sees, here at each step (drafting,
reading back for approval and for sending) and once more by the channels themselves.

E-mail to customers is marketing mail: it carries the store's name and postal address
(settings ``store.name`` and ``store.postal_address``) and a one-click way to stop
(``store.unsubscribe``: a ``mailto:`` address or an ``https://`` URL; without it the
``mailto:`` of the e-mail settings' from address). Without a postal address no e-mail is
drafted, approved or sent, and the refusal names the setting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from lookbook.errors import InputError
from lookbook.lookbooks.sets import SetProduct
from lookbook.outbox.channels import registry
from lookbook.outbox.templates import Offer, Preview, Template, preview, recipient_values
from lookbook.payment_cards import mask_card_numbers
from lookbook.store.database import Store
from lookbook.store.settings import (
    STORE_ADDRESS_SETTING,
    STORE_NAME_SETTING,
    UNSUBSCRIBE_SETTING,
)

if TYPE_CHECKING:
    from lookbook.lookbooks.composer import CardInput

#: Where these settings are entered, for refusals.
SETTINGS_HINT = "`lookbook delivery store`"

def masked(text: str) -> str:
    """Return ``text`` with every card number masked."""
    return mask_card_numbers(text)[0]


# -- the e-mail footer ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Footer:
    """Who sends a marketing e-mail and how to stop it."""

    store_name: str
    postal_address: str
    unsubscribe: str  # mailto:... or https://...

    def text(self) -> str:
        """Return the footer as the plain-text part ends."""
        address = ", ".join(line.strip() for line in self.postal_address.splitlines() if line.strip())
        return (f"--\n{self.store_name}, {address}\n"
                f"To stop these e-mails: {self.unsubscribe_target()}")

    def unsubscribe_target(self) -> str:
        """Return the address or link a person uses to stop (``mailto:`` shown as the bare address)."""
        return self.unsubscribe.split("?", 1)[0].removeprefix("mailto:") if self.is_mailto else self.unsubscribe

    @property
    def is_mailto(self) -> bool:
        """Return whether stopping is by e-mail (not by a link)."""
        return self.unsubscribe.lower().startswith("mailto:")

    def headers(self, message_id: str) -> dict[str, str]:
        """Return the List-Unsubscribe header (and List-Unsubscribe-Post for a link, RFC 8058) for one message."""
        if self.is_mailto:
            target = self.unsubscribe if "?" in self.unsubscribe else f"{self.unsubscribe}?subject=unsubscribe"
            return {"List-Unsubscribe": f"<{target}>"}
        sep = "&" if "?" in self.unsubscribe else "?"
        # The link names the message, so one click unsubscribes the customer it went to.
        url = f"{self.unsubscribe}{sep}m={quote(message_id.strip('<>'), safe='')}"
        return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def store_footer(store: Store) -> Footer:
    """Return the footer of the store's e-mails.

    :raises InputError: naming the setting to fill in when the postal address (or a way to stop) is missing.
    """
    address = str(store.get_setting(STORE_ADDRESS_SETTING) or "").strip()
    if not address:
        raise InputError(f"setting {STORE_ADDRESS_SETTING}: e-mail to customers must show the store's postal "
                         f"address (marketing mail law); enter it with {SETTINGS_HINT} before drafting e-mail.")
    email = store.get_setting("delivery.email") or {}
    name = str(store.get_setting(STORE_NAME_SETTING) or email.get("from_name") or "").strip()
    if not name:
        raise InputError(f"setting {STORE_NAME_SETTING}: e-mail to customers must name the store; enter it "
                         f"with {SETTINGS_HINT}.")
    unsubscribe = str(store.get_setting(UNSUBSCRIBE_SETTING) or "").strip()
    if not unsubscribe:
        sender = str(email.get("from_address") or "").strip()
        if "@" not in sender:
            raise InputError(f"setting {UNSUBSCRIBE_SETTING}: e-mail to customers needs a way to stop; enter a "
                             f"mailto: address or an https:// link with {SETTINGS_HINT}.")
        unsubscribe = f"mailto:{sender}"
    if not unsubscribe.lower().startswith(("mailto:", "https://")):
        raise InputError(f"setting {UNSUBSCRIBE_SETTING} '{unsubscribe}': enter a mailto: address or an https:// "
                         "link.")
    return Footer(masked(name), masked(address), unsubscribe)


def full_text(body: str, footer: Footer | None) -> str:
    """Return what a customer reads: the message, and for e-mail the footer below it."""
    return body if footer is None else f"{body}\n\n{footer.text()}"


# -- preview and draft: one recipient's text ---------------------------------------------------------------
def personalise(store: Store, set_id: int, customer_id: int, actor: str, template: Template, channel: str,
                products: Sequence[SetProduct], allowed: Sequence[str] | None = None, *,
                customer_name: str = "") -> tuple[Preview, list[Offer], bool]:
    """Return a template filled for one recipient of a set as it will be drafted, what it offers them, and
    whether a card number was masked in it.

    :param products: the set's products (:func:`lookbook.outbox.set_products`).
    :param allowed: the SKUs matching chose for this customer (in stock in their size, not sent before);
        None or empty: all of the set's products.
    """
    offered = [p for p in products if p.sku in allowed] if allowed else list(products)
    values, offers = recipient_values(store, set_id, customer_id, actor, offered)
    raw = preview(template, channel, values, customer_id=customer_id)
    values = {key: masked(value) for key, value in values.items()}
    shown = preview(template, channel, values, customer_id=customer_id, customer_name=masked(customer_name))
    subject, body = masked(shown.subject), masked(shown.body)
    card_masked = (subject, body) != (raw.subject, raw.body)
    footer = None
    problems = list(shown.problems)
    kind = registry.find(channel)
    if kind is not None and kind.footer:
        try:
            footer = store_footer(store)
        except InputError as exc:
            problems.append(str(exc))
    result = Preview(shown.channel, subject, body, shown.customer_id, shown.customer_name, problems,
                     footer.text() if footer else "")
    return result, offers, card_masked


# -- the e-mail's pictures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Picture:
    """A picture shown in an e-mail's text: the customer's composed card, with what it shows in words."""

    path: Path
    alt: str  # the names of the products the card shows
    caption: str  # the card's caption lines (name, price, sizes in stock; the line of text), one per line

    def as_json(self, root: Path) -> dict[str, str]:
        """Return what is stored on the message (the path relative to the library)."""
        return {"path": self.path.relative_to(root).as_posix(), "alt": self.alt, "caption": self.caption}


def card_picture(store: Store, path: str, card: CardInput) -> Picture:
    """Return the card written at ``path`` (library-relative) as an e-mail shows it: the products' names as
    its alt text (read when pictures are off, and by screen readers), its caption lines beneath it."""
    return Picture(store.library.root / path, masked(", ".join(card.names)), masked("\n".join(card.lines)))


def pictures_json(store: Store, pictures: Sequence[Picture]) -> str:
    """Return the pictures as stored on a message."""
    return json.dumps([p.as_json(store.library.root) for p in pictures])


# -- a drafted message as it leaves ------------------------------------------------------------------------
@dataclass(frozen=True)
class Outgoing:
    """A message exactly as its customer will get it."""

    message_id: int
    channel: str
    to_name: str
    subject: str
    body: str  # the text drafted and approved
    footer: Footer | None  # e-mail only
    attachment: Path | None  # X: the card (or, in "several" mode, one product's own card)
    pictures: tuple[Picture, ...]  # e-mail: the customer's card, with its alt text and caption

    @property
    def text(self) -> str:
        """Return the whole text the customer reads (the e-mail's plain-text part; the DM's text)."""
        return full_text(self.body, self.footer)


def _pictures(store: Store, stored: str | None, set_id: int | None, customer_id: int, output: str,
              attachment: Path | None) -> tuple[Picture, ...]:
    root = store.library.root
    if stored:
        return tuple(Picture(root / p["path"], masked(p["alt"]), masked(p["caption"])) for p in json.loads(stored))
    # Drafted before e-mails kept their pictures: the customer's card as the set is composed now (the Approvals
    # page shows the same), else the file drafted with it; never the set's original photos.
    if set_id is not None:
        # Imported here: the composer pulls in Pillow, which only drawing a card needs.
        from lookbook.lookbooks.composer import CardWriter

        path, card = CardWriter(store, set_id, output).card(customer_id)
        return (card_picture(store, path, card),)
    return (Picture(attachment, "", ""),) if attachment is not None else ()


def outgoing(store: Store, message_id: int) -> Outgoing:
    """Return message ``message_id`` as it will reach its customer.

    :raises InputError: if there is no such message, or an e-mail's footer settings are missing.
    """
    row = store.db.execute(
        "SELECT m.channel, m.subject, m.body, m.attachment, m.shots, trim(c.first_name || ' ' || c.last_name),"
        " m.set_id, m.customer_id FROM messages m JOIN customers c ON c.id = m.customer_id WHERE m.id = ?",
        [message_id]).fetchone()
    if row is None:
        raise InputError(f"message {message_id}: no such message; check the id with `outbox list`.")
    channel, subject, body, attachment, shots, name, set_id, customer_id = row
    path = store.library.root / attachment if attachment else None
    kind = registry.find(channel)
    has_subject = kind is not None and kind.limits.subject is not None
    footer = store_footer(store) if kind is not None and kind.footer else None
    if kind is not None and kind.limits.gallery:
        return Outgoing(message_id, channel, masked(name or ""), masked(subject or "") if has_subject else "",
                        masked(body or ""), footer, None,
                        _pictures(store, shots, set_id, customer_id, kind.limits.card_output, path))
    if kind is not None and kind.limits.attachments == 0:
        path = None  # a text-only channel: the products are named in the text
    return Outgoing(message_id, channel, masked(name or ""), masked(subject or "") if has_subject else "",
                    masked(body or ""), footer, path, ())


# -- the e-mail as the manager approves it -----------------------------------------------------------------
@dataclass(frozen=True)
class RenderedEmail:
    """An e-mail message taken apart for showing: the same MIME message the sender transmits."""

    to: str
    subject: str
    text: str  # the plain-text part
    html: str  # the HTML part; its pictures are ``cid:`` references into ``images``
    images: dict[str, bytes]  # Content-ID (without <>) -> image bytes
    headers: dict[str, str]  # List-Unsubscribe and friends


def render_email(store: Store, message_id: int) -> RenderedEmail:
    """Build message ``message_id``'s e-mail exactly as the sender will (:func:`outgoing`, then
    :func:`lookbook.outbox.channels.email.build_message`) and take it apart for the Approvals page.

    :raises InputError: as :func:`outgoing`; or if the message is not an e-mail.
    """
    # Imported here: the e-mail channel imports this module.
    from lookbook.outbox.channels.email import SmtpSettings, build_message, message_id_for

    out = outgoing(store, message_id)
    if out.channel != "email":
        raise InputError(f"message {message_id}: it goes by {out.channel}, not e-mail.")
    setting = store.get_setting("delivery.email") or {}
    settings = SmtpSettings(host="preview", port=25, from_address=str(setting.get("from_address") or
                                                                        "store@example.invalid"),
                            from_name=str(setting.get("from_name") or ""))
    address = store.db.execute("SELECT c.email FROM messages m JOIN customers c ON c.id = m.customer_id"
                               " WHERE m.id = ?", [message_id]).fetchone()[0] or "customer@example.invalid"
    msg = build_message(to=address, to_name=out.to_name, subject=out.subject, body=out.body, images=out.pictures,
                        settings=settings, message_id=message_id_for(message_id, "preview", settings.from_address),
                        footer=out.footer)
    plain, page = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and page is not None  # build_message always writes both
    text = plain.get_content()
    images = {str(part["Content-ID"]).strip("<>"): part.get_content() for part in msg.walk()
              if part.get_content_maintype() == "image"}
    headers = {k: str(msg[k]) for k in ("List-Unsubscribe", "List-Unsubscribe-Post") if msg[k]}
    return RenderedEmail(str(msg["To"]), str(msg["Subject"]), text.rstrip("\n"), page.get_content(), images,
                         headers)
