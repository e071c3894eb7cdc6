"""What a customer receives is what was previewed, drafted and approved (issue 12 §3, §4).

Messages go all the way: preview, draft, submit, approve, then the sender delivers them to the
fake X API and a real SMTP server (aiosmtpd), both on 127.0.0.1, and what those servers received
is compared with what the associate previewed.

Card numbers: "nothing received contains a Luhn-valid 13-19 digit run once non-digits are
removed" is checked on every field a customer sees (the DM text; the e-mail's Subject, the
To: display name, the plain-text part, the HTML part's text and every alt attribute). Each
field is cut at every letter (a letter ends any number a person would read), and in each piece
every character that is not a digit (in any script: ``unicodedata.digit``) is removed; no window
of 13 to 19 of the digits left may pass the Luhn check. The e-mail's structural headers (Date,
Message-ID, MIME boundaries, Content-IDs) are not customer text and hold long random digit
strings, so they are not checked.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from fakes.fake_x import FakeX
from fakes.smtp import Inbox, smtp_server
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.hooks import Hooks
from lookbook.lookbooks.layouts import OUTPUT_SIZES
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import accounts
from lookbook.outbox.channels.x import OAuth2Token, XChannel, XEndpoints
from lookbook.outbox.compose import outgoing
from lookbook.outbox.messages import approve, draft_set, edit_message, preview_set, submit
from lookbook.outbox.sender import SenderOptions, direct, send
from lookbook.outbox.templates import Template
from lookbook.store.database import Store, memory_store, utcnow
from outbox_support import add_staff, add_world, set_store_details

# wait=False: a used-up rate limit stops the run (and the test fails) instead of waiting out the window.
FAST = SenderOptions(wait=False, reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0)
PROPERTY = settings(max_examples=int(os.environ.get("LOOKBOOK_EXAMPLES", "15")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes the brand"])
    products_in_size: list[str] = field(default_factory=list)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


def _x(fake: FakeX):
    def make(store: Store) -> XChannel:
        return XChannel(token=OAuth2Token(fake.issue_token()),
                        endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url}), timeout=(1.0, 1.0))
    return make


def _send_all(store: Store, fake: FakeX) -> None:
    fake.dm_limit = 100_000  # many examples share one fake X: its 15-a-window limit is not under test here
    gen = send(direct(store), options=FAST, x=_x(fake))
    for _ in gen:
        pass


def _email_settings(store: Store, port: int) -> None:
    accounts.save_email_settings(store, {"host": "127.0.0.1", "port": port, "security": "plain",
                                         "from_address": "maria@store.example.com", "from_name": "Maria"}, "admin")


def _received_mail(inbox: Inbox, start: int) -> dict[str, EmailMessage]:
    """Return the e-mails received since ``start``, by recipient address."""
    return {rcpts[0]: message_from_bytes(raw, policy=default) for _, rcpts, raw in inbox.received[start:]}


def _plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n")


def _html(mail: EmailMessage) -> str:
    return mail.get_body(("html",)).get_content()


def _x_text(fake: FakeX, participant: str, start: int) -> list[str]:
    return [e["_raw_text"] for e in fake.events[start:] if e["sender_id"] == fake.me_id and e["_to"] == participant]


def _fresh_store() -> tuple[Store, Path]:
    folder = Path(tempfile.mkdtemp(prefix="lb-outgoing-"))
    store = memory_store(folder / "library", Hooks())
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")  # off: the tests do not depend on the time of day
    return store, folder


# -- 1. preview == draft: the in-size filter ------------------------------------------------------------
def test_preview_offers_only_what_the_draft_offers(store: Store) -> None:
    add_staff(store)
    world = add_world(store, customers=1)
    # No sizes on file: every product in stock would do, but matching chose only the shirt for them.
    store.db.execute("DELETE FROM customer_sizes")
    template = Template("t", "Hi {first_name}: {sizes_in_stock}")
    match = FakeMatch(world.customers[0], products_in_size=["MW-SH01"])
    [shown] = preview_set(store, world.set_id, "alex", template, matches=[match])
    report = draft_set(store, world.set_id, "alex", template, matches=[match])
    drafted = store.db.execute("SELECT body FROM messages WHERE id = ?", [report.drafted[0]]).fetchone()[0]
    assert drafted == "Hi Cust0: Navy Oxford Shirt in M, L"
    assert shown.body == drafted


# -- 2. the e-mail carries what the card shows, with the store's footer ------------------------------------
def test_email_carries_the_customers_composed_card_with_names_prices_and_footer(
        store: Store, fake_x: FakeX, smtp: tuple[Inbox, int], memory_keyring: object) -> None:
    inbox, port = smtp
    add_staff(store)
    quiet_hours.set_window(store, "00:00", "00:00")
    world = add_world(store, customers=1)
    _email_settings(store, port)
    store.db.execute("UPDATE products SET price_minor = 5900, currency = 'GBP' WHERE sku = 'MW-SH01'")
    # The chino is sold out in every size: it must not be shown or attached.
    store.db.execute("UPDATE stock SET quantity = 0 WHERE product_id = ?", [world.products[1]])
    template = Template("t", "Hi {first_name}, {products} is in.", "New {brand}")
    [match] = [FakeMatch(world.customers[0], "email")]
    [shown] = preview_set(store, world.set_id, "alex", template, matches=[match])
    report = draft_set(store, world.set_id, "alex", template, matches=[match])
    submit(store, world.set_id, "alex")
    assert approve(store, "maria", set_id=world.set_id).done == report.drafted
    [drafted] = store.db.execute("SELECT attachment FROM messages").fetchone()
    _send_all(store, fake_x)

    [mail] = _received_mail(inbox, 0).values()
    assert _plain(mail) == shown.text
    assert shown.text.endswith("--\nMarlowe & Co, 12 Harbour Street, Portsmouth PO1 2AB\n"
                               "To stop these e-mails: unsubscribe@store.example.com")
    assert mail["List-Unsubscribe"] == "<mailto:unsubscribe@store.example.com?subject=unsubscribe>"
    images = [p for p in mail.walk() if p.get_content_maintype() == "image"]
    # One picture: the customer's card as composed, at the e-mail body's size, the very bytes drafted and
    # approved (with the sRGB profile), not the hero shots one by one nor the 300x400 original.
    assert len(images) == 1
    assert drafted.startswith(f"exports/card_set{world.set_id}_email_")
    assert images[0].get_content() == (store.library.root / drafted).read_bytes()
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(images[0].get_content())) as im:
        assert im.size == OUTPUT_SIZES["email"] and im.info.get("icc_profile")
    page = _html(mail)
    assert 'alt="Navy Oxford Shirt"' in page
    # The card's own line (the customer's size, as the picture says), as text beneath it.
    assert "Navy Oxford Shirt · £59.00 · in your size: M" in html.unescape(page)
    assert "Sand Chino" not in page
    assert "12 Harbour Street, Portsmouth PO1 2AB" in page and "mailto:unsubscribe@store.example.com" in page
    original = (store.library.root / "originals" / "p0.jpg").read_bytes()
    assert original not in bytes(mail)


def test_changing_the_set_after_drafting_changes_the_emails_pictures_too(store: Store) -> None:
    # Issue 13's two-person rule sends a changed set's messages back for approval with the new card; the
    # e-mail's frozen pictures must follow, or the next approver approves shots that will not go out.
    from lookbook.lookbooks.sets import remove_from_set

    add_staff(store)
    world = add_world(store, customers=1)
    template = Template("t", "Hi {first_name}, {products} is in.", "New {brand}")
    [match] = [FakeMatch(world.customers[0], "email")]
    [message_id] = draft_set(store, world.set_id, "alex", template, matches=[match]).drafted
    submit(store, world.set_id, "alex")

    def alts() -> list[str]:
        return [p.alt for p in outgoing(store, message_id).pictures]

    before = outgoing(store, message_id).pictures[0].path
    assert alts() == ["Navy Oxford Shirt, Sand Chino"]
    remove_from_set(store, world.set_id, [world.photos[1]], actor="maria")
    assert alts() == ["Navy Oxford Shirt"]
    # The new card replaces the old one, for what is shown and what is attached alike.
    [after] = outgoing(store, message_id).pictures
    attachment = store.db.execute("SELECT attachment FROM messages WHERE id = ?", [message_id]).fetchone()[0]
    assert after.path != before and after.path == store.library.root / attachment


def test_a_link_to_stop_gets_one_click_headers(store: Store) -> None:
    add_staff(store)
    world = add_world(store, customers=1)
    store.set_setting("store.unsubscribe", "https://store.example.com/stop")
    draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}", "New"),
              matches=[FakeMatch(world.customers[0], "email")])
    from lookbook.outbox.channels.email import SmtpSettings, build_message
    from lookbook.outbox.compose import outgoing

    out = outgoing(store, 1)
    msg = build_message(to="c0@example.com", to_name=out.to_name, subject=out.subject, body=out.body,
                        images=out.pictures, settings=SmtpSettings("127.0.0.1", 25, "plain", "m@store.example.com"),
                        message_id="<lookbook.1.abc@store.example.com>", footer=out.footer)
    assert msg["List-Unsubscribe"] == "<https://store.example.com/stop?m=lookbook.1.abc%40store.example.com>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_email_without_a_postal_address_is_refused_at_draft_and_approval(store: Store) -> None:
    add_staff(store)
    world = add_world(store, customers=2, store_details=False)
    report = draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}", "New"),
                       matches=[FakeMatch(world.customers[0], "email")])
    assert report.drafted == []
    [skipped] = report.skipped
    assert "setting store.postal_address" in skipped.reason
    # Drafted while it was set, then removed before approval: the approval is refused, naming the setting.
    set_store_details(store)
    report = draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}", "New"),
                       matches=[FakeMatch(world.customers[1], "email")])
    submit(store, world.set_id, "alex")
    store.set_setting("store.postal_address", "")
    decided = approve(store, "maria", set_id=world.set_id)
    assert decided.done == [] and "store.postal_address" in decided.refused[0][1]
    from lookbook.outbox.compose import outgoing

    with pytest.raises(InputError, match="store.postal_address"):
        outgoing(store, report.drafted[0])


# -- 3. property: preview == draft == what X and the SMTP server receive -----------------------------------
SIZES = ["S", "M", "L", "XL", "ONE SIZE", "30", "32"]
CATEGORIES = ["shirt", "trousers"]
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ &'", min_size=1, max_size=12) \
    .map(str.strip).filter(bool)


@st.composite
def worlds(draw: st.DrawFn) -> dict:
    products = draw(st.lists(st.tuples(WORD, st.sampled_from(CATEGORIES),
                                       st.dictionaries(st.sampled_from(SIZES), st.integers(0, 2), min_size=1),
                                       st.one_of(st.none(), st.integers(100, 50_000))),
                             min_size=1, max_size=4))
    customers = draw(st.lists(st.tuples(WORD, st.sampled_from(["x", "email"]),
                                        st.dictionaries(st.sampled_from(CATEGORIES), st.sampled_from(SIZES)),
                                        st.lists(st.integers(0, len(products) - 1), max_size=len(products))),
                              min_size=1, max_size=3))
    template = draw(st.sampled_from([
        "Hi {first_name}, {sizes_in_stock} from {brand}. {associate}",
        "{first_name}: new {products}!\n\nIn your size: {sizes_in_stock}",
        "Hello {first_name}",
    ]))
    return {"products": products, "customers": customers, "template": template, "brand": draw(WORD)}


def _build(store: Store, spec: dict) -> tuple[int, list[FakeMatch]]:
    now = utcnow()
    db = store.db
    brand_id = db.execute("INSERT INTO brands (name) VALUES (?)", [spec["brand"]]).lastrowid
    set_id = db.execute("INSERT INTO sets (name, brand_id, created_by, created_at, updated_at)"
                        " VALUES ('drop', ?, 'sam', ?, ?)", [brand_id, now, now]).lastrowid
    skus = []
    from PIL import Image

    store.library.originals_dir.mkdir(parents=True, exist_ok=True)
    for n, (name, category, stock, price) in enumerate(spec["products"]):
        sku = f"SKU-{n}"
        pid = db.execute("INSERT INTO products (sku, brand_id, name, category, price_minor, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", [sku, brand_id, name, category, price, now, now]).lastrowid
        for size, qty in stock.items():
            db.execute("INSERT INTO stock (product_id, size, quantity, updated_at) VALUES (?, ?, ?, ?)",
                       [pid, size, qty, now])
        rel = f"originals/p{n}.jpg"
        Image.new("RGB", (60, 80), (20 * n, 90, 140)).save(store.library.root / rel)
        photo = db.execute("INSERT INTO photos (sha256, original_name, stored_path, width, height, imported_at,"
                           " product_id) VALUES (?, ?, ?, 60, 80, ?, ?)", [f"sha{n}", rel, rel, now, pid]).lastrowid
        db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, ?)", [set_id, photo, n])
        skus.append(sku)
    matches = []
    for n, (first, channel, sizes, chosen) in enumerate(spec["customers"]):
        cid = db.execute("INSERT INTO customers (first_name, last_name, email, x_handle, x_user_id, created_at,"
                         " updated_at) VALUES (?, 'Tester', ?, ?, ?, ?, ?)",
                         [first, f"c{n}@example.com", f"c{n}", str(5000 + n), now, now]).lastrowid
        for category, size in sizes.items():
            db.execute("INSERT INTO customer_sizes (customer_id, category, size) VALUES (?, ?, ?)",
                       [cid, category, size])
        consent.record(store, cid, channel, "one_to_one", True, by_user="test", source="test")
        matches.append(FakeMatch(cid, channel, float(10 - n), products_in_size=sorted({skus[i] for i in chosen})))
    return set_id, matches


def _all_sold_out(spec: dict) -> bool:
    return not any(q > 0 for _, _, stock, _ in spec["products"] for q in stock.values())


@PROPERTY
@given(spec=worlds())
def test_preview_equals_draft_equals_what_x_and_smtp_receive(fake_x: FakeX, smtp: tuple[Inbox, int],
                                                             memory_keyring: object, spec: dict) -> None:
    inbox, port = smtp
    store, folder = _fresh_store()
    try:
        set_store_details(store)
        _email_settings(store, port)
        set_id, matches = _build(store, spec)
        template = Template("t", spec["template"], "New {brand} for {first_name}")
        if _all_sold_out(spec):
            with pytest.raises(InputError, match="sold out"):
                draft_set(store, set_id, "alex", template, matches=matches)
            return
        previews = {p.customer_id: p for p in preview_set(store, set_id, "alex", template, customers=10,
                                                          matches=matches)}
        report = draft_set(store, set_id, "alex", template, matches=matches)
        rows = {r[0]: r[1:] for r in store.db.execute("SELECT customer_id, body, subject, channel FROM messages")}
        attachments = dict(store.db.execute("SELECT customer_id, attachment FROM messages").fetchall())
        # Exactly the customers the preview found nothing wrong with are drafted.
        assert set(rows) == {cid for cid, p in previews.items() if p.ok}
        assert {s.customer_id for s in report.skipped} == {cid for cid, p in previews.items() if not p.ok}
        for cid, (body, subject, _channel) in rows.items():
            assert (body, subject) == (previews[cid].body, previews[cid].subject)
        if not rows:
            return
        submit(store, set_id, "alex")
        assert len(approve(store, "maria", set_id=set_id).done) == len(rows)
        mail_start, x_start = len(inbox.received), len(fake_x.events)
        _send_all(store, fake_x)
        assert store.db.execute("SELECT count(*) FROM messages WHERE state != 'sent'").fetchone()[0] == 0
        mails = _received_mail(inbox, mail_start)
        for n, match in enumerate(matches):
            if match.customer_id not in rows:
                continue
            shown = previews[match.customer_id]
            if match.channel == "x":
                assert _x_text(fake_x, str(5000 + n), x_start) == [shown.text]
            else:
                mail = mails[f"c{n}@example.com"]
                assert _plain(mail) == shown.text
                assert mail["Subject"] == shown.subject
                # A header's display name reads runs of white space as one (RFC 5322 folding): "A  A" arrives "A A".
                assert mail["To"].addresses[0].display_name == " ".join(f"{spec['customers'][n][0]} Tester".split())
                # One picture: the customer's composed card, the bytes drafted and approved; its alt text
                # names every product it shows (all those in stock: at most four, each layout holds them).
                in_stock = [p for p in spec["products"] if any(q > 0 for q in p[2].values())]
                images = [p for p in mail.walk() if p.get_content_maintype() == "image"]
                assert [i.get_content() for i in images] == [(store.library.root / attachments[match.customer_id]
                                                              ).read_bytes()]
                alts = re.findall(r'alt="([^"]*)"', _html(mail))
                assert [html.unescape(a) for a in alts] == [", ".join(" ".join(p[0].split()) for p in in_stock)]
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


# -- 4. property: no card number reaches X or the mail server --------------------------------------------
SEPARATORS = [" ", "  ", "\u00a0", "\u2009", "\u202f", "\u3000", ".", "/", "-", " - ", "\u2013", "\u2014", "\u2212",
              "\t", "\u200b", "\u200c", "\u2060", "\u00ad", "\ufeff"]
LINE_BREAKS = ["\n", "\r\n"]
DIGIT_FORMS = [0x30, 0xFF10, 0x660, 0x966, 0x6F0]  # ASCII, fullwidth, Arabic-Indic, Devanagari, Persian


@st.composite
def card_numbers(draw: st.DrawFn, *, line_breaks: bool = True) -> str:
    length = draw(st.integers(13, 19))
    partial = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    digits = partial + luhn.calc_check_digit(partial)
    form = draw(st.sampled_from(DIGIT_FORMS))
    seps = SEPARATORS + (LINE_BREAKS if line_breaks else [])
    out = []
    for n, d in enumerate(digits):
        if n and draw(st.booleans()):
            out.append(draw(st.sampled_from(seps)))
        out.append(chr(form + int(d)))
    return "".join(out)


def card_runs(text: str) -> list[str]:
    """Return the Luhn-valid 13-19 digit windows of ``text`` once non-digits are removed (per letter-free piece)."""
    found = []
    for piece in re.split(r"[^\W\d_]+", text):  # cut at letters
        digits = "".join(str(unicodedata.digit(c)) for c in piece if unicodedata.digit(c, None) is not None)
        for start in range(len(digits)):
            for end in range(start + 13, min(start + 19, len(digits)) + 1):
                if luhn.is_valid(digits[start:end]):
                    found.append(digits[start:end])
    return found


def _customer_fields(mail: EmailMessage) -> list[str]:
    page = _html(mail)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    alts = [html.unescape(a) for a in re.findall(r'alt="([^"]*)"', page)]
    return [str(mail["Subject"]), mail["To"].addresses[0].display_name, _plain(mail), text, *alts]


def test_card_check_of_the_test_itself_finds_what_it_should() -> None:
    assert card_runs("pay ４１１１.1111\u200b1111 1111 thanks") == ["4111111111111111"]
    assert card_runs("•••• •••• •••• 1111") == []


@PROPERTY
@given(first=card_numbers(line_breaks=False), product=card_numbers(), brand=card_numbers(line_breaks=False),
       body=card_numbers(), subject=card_numbers(line_breaks=False), edit=card_numbers(),
       raw=card_numbers(line_breaks=False), where=st.sampled_from(["x", "email"]))
def test_no_card_number_reaches_x_or_the_mail_server(fake_x: FakeX, smtp: tuple[Inbox, int],
                                                     memory_keyring: object, first: str, product: str, brand: str,
                                                     body: str, subject: str, edit: str, raw: str,
                                                     where: str) -> None:
    inbox, port = smtp
    store, folder = _fresh_store()
    try:
        set_store_details(store)
        _email_settings(store, port)
        spec = {"brand": f"Brand {brand}", "template": "",
                "products": [(f"Shirt {product} navy", "shirt", {"M": 2}, 5900), ("Plain Chino", "trousers",
                                                                                  {"32": 1}, None)],
                "customers": [(f"Ann {first}", where, {"shirt": "M"}, []), ("Bo", where, {}, [])]}
        set_id, matches = _build(store, spec)
        template = Template("t", f"Hi {{first_name}}, card {body} {{products}}: {{sizes_in_stock}} {{brand}}",
                            f"For {{first_name}} {subject} from {{brand}}")
        report = draft_set(store, set_id, "alex", template, matches=matches)
        assert len(report.drafted) == 2 and report.warnings
        first_id, second_id = report.drafted
        submit(store, set_id, "alex")
        # An edit during review, by a manager, with another card number in it.
        assert edit_message(store, first_id, "lee", f"Edited: {edit} ok",
                            subject=f"Re {subject}" if where == "email" else None).card_masked
        approve(store, "maria", set_id=set_id)
        # Written straight into the database after approval: the channel is the last line of defence.
        store.db.execute("UPDATE messages SET body = body || ? WHERE id = ?", [f" {raw}", second_id])
        mail_start, x_start = len(inbox.received), len(fake_x.events)
        _send_all(store, fake_x)
        assert store.db.execute("SELECT count(*) FROM messages WHERE state != 'sent'").fetchone()[0] == 0
        if where == "x":
            texts = [e["_raw_text"] for e in fake_x.events[x_start:] if e["sender_id"] == fake_x.me_id]
            assert len(texts) == 2
        else:
            mails = list(_received_mail(inbox, mail_start).values())
            assert len(mails) == 2
            texts = [field for mail in mails for field in _customer_fields(mail)]
        for text in texts:
            assert card_runs(text) == [], text
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
