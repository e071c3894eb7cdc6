"""Message templates: placeholders, what they are filled with, and each channel's limits.

A template is text with ``{placeholder}`` fields from :data:`PLACEHOLDERS`, parsed by
:class:`string.Formatter`. Only bare names are allowed: attribute or index access
(``{first_name.__class__}``), conversions and format specs are refused, so a template
can never reach into Python objects. Templates live in the library's ``templates``
table; card numbers in them are masked on save.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.lookbooks.sets import SetProduct, set_products
from lookbook.outbox.channels import registry
from lookbook.payment_cards import SAFE_PAYMENT_ADVICE, mask_card_numbers
from lookbook.store.database import Store, utcnow
from lookbook.words import size_label

PLACEHOLDERS = ("first_name", "brand", "products", "sizes_in_stock", "associate")

_formatter = string.Formatter()
@dataclass(frozen=True)
class Template:
    """A stored template (``id`` is ``None`` for one not saved)."""

    name: str
    body: str
    subject: str = ""
    id: int | None = None


@dataclass(frozen=True)
class SaveReport:
    """The saved template, whether a card number was masked in it, and what changed."""

    template: Template
    card_masked: bool
    changes: Changes
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    """A message as it will look on its channel, and anything wrong with it."""

    channel: str
    subject: str
    body: str
    customer_id: int | None = None
    customer_name: str = ""
    problems: list[str] = field(default_factory=list)
    #: E-mail: the store's footer (name, postal address, how to stop) that ends the text.
    footer: str = ""

    @property
    def text(self) -> str:
        """Return the whole text the customer reads: the body, and the footer below it on e-mail."""
        return f"{self.body}\n\n{self.footer}" if self.footer else self.body

    @property
    def ok(self) -> bool:
        """Return whether nothing stands in the way of sending it."""
        return not self.problems


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def placeholders_in(text: str, *, where: str = "template") -> list[str]:
    """Return the placeholders ``text`` uses, in order.

    :param where: what the text is, for the error message (``template 'spring'``, ``subject``).
    :raises InputError: naming the line and column of an unknown or malformed placeholder.
    """
    try:
        parsed = list(_formatter.parse(text))
    except ValueError as exc:
        raise InputError(f"{where}: {exc}; write a literal brace as '{{{{' or '}}}}'.") from None
    names: list[str] = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        # Formatter.parse gives no positions: find the field's first occurrence to point at it.
        found = re.search(r"(?<!\{)\{" + re.escape(name) + r"[!:}]", text)
        line, col = _line_col(text, found.start() if found else 0)
        if name not in PLACEHOLDERS:
            shown = "{}" if not name else "{" + name + "}"
            raise InputError(f"{where}, line {line}, column {col}: unknown placeholder {shown}; "
                             f"use one of {', '.join('{' + p + '}' for p in PLACEHOLDERS)}.")
        if spec or conversion:
            raise InputError(f"{where}, line {line}, column {col}: write {{{name}}} with no format or "
                             "conversion after it.")
        names.append(name)
    return names


def render(text: str, values: dict[str, str], *, where: str = "template") -> str:
    """Fill ``text``'s placeholders from ``values``.

    :raises InputError: if ``text`` uses an unknown placeholder.
    """
    placeholders_in(text, where=where)
    return _formatter.vformat(text, (), {name: values.get(name, "") for name in PLACEHOLDERS})


def channel_problems(channel: str, subject: str, body: str) -> list[str]:
    """Return what keeps a message from going out on ``channel`` (an empty list when nothing).

    The channel's own limits decide (:meth:`lookbook.outbox.channels.interface.Channel.problems`).
    """
    kind = registry.find(channel)
    if kind is None:
        return [f"channel '{channel}': messages can be sent by {' or '.join(registry.names())} only"]
    return kind.problems(subject, body)


# -- storage -----------------------------------------------------------------------------------------------
def _row_to_template(row: Any) -> Template:
    return Template(id=row[0], name=row[1], subject=row[2], body=row[3])


def save_template(store: Store, name: str, body: str, actor: str, *, subject: str = "") -> SaveReport:
    """Create or replace the template called ``name``, masking any card number in it.

    :raises InputError: if the name is empty or the text has an unknown placeholder.
    """
    name = name.strip()
    if not name:
        raise InputError("template name: give the template a name.")
    placeholders_in(body, where=f"template '{name}'")
    placeholders_in(subject, where=f"template '{name}' subject")
    body, in_body = mask_card_numbers(body)
    subject, in_subject = mask_card_numbers(subject)
    masked = in_body or in_subject
    now = utcnow()
    with store.atomic():
        old = store.db.execute("SELECT id, name, subject, body FROM templates WHERE name = ?", [name]).fetchone()
        if old is None:
            template_id = store.db.execute(
                "INSERT INTO templates (name, subject, body, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", [name, subject, body, actor, now, now]).lastrowid
            store.audit(actor, "template.create", "template", template_id, name=name, subject=subject, body=body,
                        card_masked=masked)
        else:
            template_id = old[0]
            store.db.execute("UPDATE templates SET subject = ?, body = ?, updated_at = ? WHERE id = ?",
                             [subject, body, now, template_id])
            store.audit(actor, "template.update", "template", template_id, name=name, subject=subject, body=body,
                        original_subject=old[2], original_body=old[3], card_masked=masked)
    changes = store.notify(Changes(settings=True, audit=True))
    return SaveReport(Template(name, body, subject, template_id), masked, changes,
                      [SAFE_PAYMENT_ADVICE] if masked else [])


def get_template(store: Store, name: str) -> Template:
    """Return the stored template called ``name``.

    :raises InputError: if there is none.
    """
    row = store.db.execute("SELECT id, name, subject, body FROM templates WHERE name = ?", [name]).fetchone()
    if row is None:
        known = [t.name for t in list_templates(store)]
        hint = f"saved ones: {', '.join(known)}" if known else "save one first with `outbox template save`"
        raise InputError(f"template '{name}': no such template; {hint}.")
    return _row_to_template(row)


def list_templates(store: Store) -> list[Template]:
    """Return every stored template, by name."""
    return [_row_to_template(r) for r in
            store.db.execute("SELECT id, name, subject, body FROM templates ORDER BY name COLLATE NOCASE")]


def delete_template(store: Store, name: str, actor: str) -> Changes:
    """Delete the template called ``name`` (messages drafted from it keep their text).

    :raises InputError: if there is none.
    """
    template = get_template(store, name)
    with store.atomic():
        store.db.execute("DELETE FROM templates WHERE id = ?", [template.id])
        store.audit(actor, "template.delete", "template", template.id, name=template.name, body=template.body)
    return store.notify(Changes(settings=True, audit=True))


# -- what a placeholder holds for one recipient ------------------------------------------------------------
@dataclass(frozen=True)
class Offer:
    """What a set offers one customer: products in stock in their size (size ``None``: any size in stock)."""

    sku: str
    name: str
    size: str | None
    sizes: list[str]

    def as_text(self) -> str:
        """Return e.g. ``Navy Oxford Shirt in M``."""
        return f"{self.name} in {size_label(self.size) if self.size else ', '.join(map(size_label, self.sizes))}"

    def as_json(self) -> dict[str, Any]:
        """Return what is stored on the message to check staleness later."""
        return {"sku": self.sku, "size": self.size}


def offers_for(store: Store, products: list[SetProduct], customer_id: int) -> list[Offer]:
    """Return what ``products`` offer a customer: each one in stock in their size for its category."""
    sizes = dict(store.db.execute("SELECT category, size FROM customer_sizes WHERE customer_id = ?",
                                  [customer_id]).fetchall())
    offers = []
    for product in products:
        wanted = sizes.get(product.category)
        if wanted is None:
            if product.sizes_in_stock:
                offers.append(Offer(product.sku, product.name, None, product.sizes_in_stock))
        elif wanted in product.sizes_in_stock:
            offers.append(Offer(product.sku, product.name, wanted, [wanted]))
    return offers


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def recipient_values(store: Store, set_id: int, customer_id: int, associate: str,
                     products: list[SetProduct] | None = None) -> tuple[dict[str, str], list[Offer]]:
    """Return the placeholder values for one recipient of a set, and what the set offers them.

    :param associate: the user name of who drafts the message (shown by display name).
    :param products: the set's products, when the caller already has them (drafting many messages).
    """
    products = set_products(store, set_id) if products is None else products
    first = store.db.execute("SELECT first_name FROM customers WHERE id = ?", [customer_id]).fetchone()
    if first is None:
        raise InputError(f"customer {customer_id}: no such customer.")
    brand = store.db.execute("SELECT b.name FROM sets s JOIN brands b ON b.id = s.brand_id WHERE s.id = ?",
                             [set_id]).fetchone()
    if brand is None:
        raise InputError(f"set {set_id}: no such set; check the id in Match & Compose.")
    shown = store.db.execute("SELECT display_name FROM users WHERE username = ?", [associate]).fetchone()
    offers = offers_for(store, products, customer_id)
    values = {
        "first_name": first[0].strip(),
        "brand": brand[0],
        "products": _join([p.name for p in products if p.sizes_in_stock]),
        "sizes_in_stock": _join([o.as_text() for o in offers]),
        "associate": shown[0] if shown else associate,
    }
    return values, offers


def _has_subject(channel: str) -> bool:
    kind = registry.find(channel)
    return kind is not None and kind.limits.subject is not None


def preview(template: Template, channel: str, values: dict[str, str], *, customer_id: int | None = None,
            customer_name: str = "") -> Preview:
    """Render ``template`` for one recipient on ``channel`` and list what is wrong with the result."""
    body = render(template.body, values, where=f"template '{template.name}'")
    has_subject = _has_subject(channel)
    subject = render(template.subject, values, where=f"template '{template.name}' subject") if has_subject else ""
    problems = channel_problems(channel, subject, body)
    used = set(placeholders_in(template.body)) | (set(placeholders_in(template.subject)) if has_subject else set())
    for name in PLACEHOLDERS:
        if name in used and not values.get(name, "").strip():
            problems.append("nothing of the set is in stock in their sizes, so {sizes_in_stock} is empty"
                            if name == "sizes_in_stock" else f"{{{name}}} is empty for this customer")
    return Preview(channel, subject, body, customer_id, customer_name, problems)
