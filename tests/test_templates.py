"""Templates: placeholders checked by name and position, channel limits, stored with cards masked."""

from __future__ import annotations

import json

import pytest

from lookbook.errors import InputError
from lookbook.outbox.templates import (
    Template,
    channel_problems,
    delete_template,
    get_template,
    list_templates,
    placeholders_in,
    preview,
    recipient_values,
    render,
    save_template,
)
from lookbook.store.database import Store
from outbox_support import add_staff, add_world

BODY = "Hi {first_name}, new {brand} is in: {sizes_in_stock}. {associate}"


def test_placeholders_in_order() -> None:
    assert placeholders_in(BODY) == ["first_name", "brand", "sizes_in_stock", "associate"]


@pytest.mark.parametrize(("text", "error"), [
    ("Hi {frist_name}", r"line 1, column 4: unknown placeholder \{frist_name\}; use one of \{first_name\}"),
    ("Hi\n  {first_name.__class__}", r"line 2, column 3: unknown placeholder \{first_name.__class__\}"),
    ("Hi {first_name!r}", r"column 4: write \{first_name\} with no format"),
    ("Hi {first_name:>20}", "with no format or conversion"),
    ("Hi {", "Single '{'"),
    ("Hi {}", r"unknown placeholder \{\}"),
])
def test_bad_placeholders_are_named(text: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        placeholders_in(text)


def test_render_escaped_braces_and_values() -> None:
    assert render("{{sale}} {first_name}", {"first_name": "Ann"}) == "{sale} Ann"


def test_channel_limits() -> None:
    assert channel_problems("x", "", "a" * 10_000) == []
    assert "10,001 characters; x takes at most 10,000" in channel_problems("x", "", "a" * 10_001)[0]
    assert channel_problems("email", "", "hello") == ["an email needs a subject; give the template one"]
    assert channel_problems("email", "two\nlines", "hello") == ["the subject must be one line"]
    assert "sent by x or email or sms or whatsapp only" in channel_problems("fax", "s", "b")[0]


def test_save_masks_card_numbers_and_audits(store: Store) -> None:
    report = save_template(store, "spring", "Pay with 4111 1111 1111 1111 {first_name}", "alex")
    assert report.card_masked and report.warnings
    assert "4111 1111 1111 1111" not in get_template(store, "spring").body
    assert get_template(store, "SPRING").body.endswith("•••• •••• •••• 1111 {first_name}")
    save_template(store, "spring", "Hello {first_name}", "maria", subject="New {brand}")
    stored = get_template(store, "spring")
    assert (stored.subject, stored.body) == ("New {brand}", "Hello {first_name}")
    detail = json.loads(store.db.execute(
        "SELECT detail FROM audit_log WHERE action = 'template.update'").fetchone()[0])
    assert detail["original_body"].startswith("Pay with ••••")
    assert "4111 1111 1111 1111" not in " ".join(r[0] for r in store.db.execute("SELECT detail FROM audit_log"))
    assert [t.name for t in list_templates(store)] == ["spring"]
    delete_template(store, "spring", "maria")
    with pytest.raises(InputError, match="no such template"):
        get_template(store, "spring")


def test_save_refuses_unknown_placeholder_and_stores_nothing(store: Store) -> None:
    with pytest.raises(InputError, match=r"template 'bad', line 1, column 7: unknown placeholder \{size\}"):
        save_template(store, "bad", "Hello {size}", "alex")
    assert list_templates(store) == []


def test_recipient_values_use_their_sizes_in_stock(store: Store) -> None:
    add_staff(store)
    world = add_world(store, with_photos=True)
    values, offers = recipient_values(store, world.set_id, world.customers[0], "alex")
    # Shirt M is in stock; trousers 32 is sold out, so only the shirt is offered.
    assert values["sizes_in_stock"] == "Navy Oxford Shirt in M"
    assert values["products"] == "Navy Oxford Shirt and Sand Chino"
    assert values["brand"] == "Marlowe" and values["associate"] == "Alex Kim" and values["first_name"] == "Cust0"
    assert [o.as_json() for o in offers] == [{"sku": "MW-SH01", "size": "M"}]


def test_preview_flags_empty_sizes_and_length(store: Store) -> None:
    add_staff(store)
    world = add_world(store)
    store.db.execute("UPDATE stock SET quantity = 0")
    values, _ = recipient_values(store, world.set_id, world.customers[0], "alex")
    shown = preview(Template("t", BODY, "New {brand}"), "email", values, customer_id=world.customers[0])
    assert shown.subject == "New Marlowe"
    assert any("{sizes_in_stock} is empty" in p for p in shown.problems)
    assert not shown.ok
    long = preview(Template("t", "{first_name}" + "x" * 10_000), "x", values)
    assert long.subject == "" and "x takes at most 10,000" in long.problems[0]


# -- issue 12: wording ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("stock", "shown"), [("ONE SIZE", "One Size"), ("M", "M"), ("XL", "XL"), ("32", "32"),
                                              ("XXXL", "XXXL"), ("3XL", "3XL"), ("SMALL", "Small"),
                                              ("W32/L34", "W32/L34"), ("one size", "one size")])
def test_sizes_read_naturally(stock: str, shown: str) -> None:
    from lookbook.words import size_label

    assert size_label(stock) == shown


def test_counts_are_singular_for_one() -> None:
    from lookbook.words import plural

    assert [plural(n, "shot") for n in (0, 1, 2, 1500)] == ["0 shots", "1 shot", "2 shots", "1,500 shots"]
