"""The customer book: checked fields, editing, search and paging, CSV import/export, duplicates."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from customer_support import add_brand, add_customer, write_csv
from lookbook.customers import book as customers
from lookbook.customers import consent, duplicates
from lookbook.customers.csv_files import export_customers, import_customers, import_customers_steps
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store


def audit_actions(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT action FROM audit_log ORDER BY id")]


# -- fields ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ana@example.com", "first.last+tag@mail.example.co.uk", "O'Neil@example.ie"])
def test_good_emails_are_kept(value: str) -> None:
    assert customers.check_email(f"  {value} ") == value


@pytest.mark.parametrize(("value", "why"), [
    ("ana", "no '@'"), ("ana@", "no valid domain"), ("@example.com", "no '@' with a name"),
    ("ana@@example.com", "not a plain"), ("ana@example", "no valid domain"), ("ana smith@example.com", "not a plain"),
    ("Ana <ana@example.com>", "not a plain"), ("ana..b@example.com", "characters"), ("ana@-x.com", "no valid domain"),
])
def test_bad_emails_are_refused_with_the_reason(value: str, why: str) -> None:
    with pytest.raises(customers.FieldError, match=why):
        customers.check_email(value)


def test_handles_ids_phones_and_zones_are_checked() -> None:
    assert customers.check_x_handle("@Ana_Silva") == "Ana_Silva"
    assert customers.check_x_handle("https://x.com/anasilva/") == "anasilva"
    for bad in ("ana silva", "a" * 16, "ana-silva", ""):
        with pytest.raises(customers.FieldError, match="not an X handle"):
            customers.check_x_handle(bad)
    assert customers.check_instagram("@ana.silva_") == "ana.silva_"
    for bad in (".ana", "ana.", "an..a", "ana!"):
        with pytest.raises(customers.FieldError, match="not an Instagram handle"):
            customers.check_instagram(bad)
    assert customers.check_x_user_id("1500000000") == "1500000000"
    with pytest.raises(customers.FieldError, match="not an X user id"):
        customers.check_x_user_id("15e9")
    # Phone numbers are kept in E.164; a local form is read in the store's country, the rest is refused.
    assert customers.check_phone("+1 (555) 010-0100") == "+15550100100"
    assert customers.check_phone("(555) 010-0100", "US") == "+15550100100"
    assert customers.check_phone("0161 496 0000", "GB") == "+441614960000"
    with pytest.raises(customers.FieldError, match="no country code"):
        customers.check_phone("0161 496 0000")
    with pytest.raises(customers.FieldError, match="wrong number of digits"):
        customers.check_phone("+1 555 0100", "US")
    with pytest.raises(customers.FieldError, match="not a phone number"):
        customers.check_phone("call me")
    assert customers.check_timezone("Europe/Lisbon") == "Europe/Lisbon"
    with pytest.raises(customers.FieldError, match="did you mean Europe/London"):
        customers.check_timezone("Europe/Londn")


# -- editing --------------------------------------------------------------------------------------------


def test_add_update_and_delete_are_audited_and_notified(store: Store) -> None:
    seen: list[Changes] = []
    store.hooks.library_did_change.append(seen.append)
    c = customers.add_customer(store, {"first_name": "Ana", "last_name": "Silva", "email": "ana@example.com",
                                       "x_handle": "@anasilva", "preferred_channel": "X",
                                       "timezone": "Europe/Lisbon"}, actor="maria")
    assert (c.x_handle, c.preferred_channel, c.timezone) == ("anasilva", "x", "Europe/Lisbon")
    c = customers.update_customer(store, c.id, {"notes": "likes linen", "x_handle": "ana_silva"}, actor="maria")
    assert (c.notes, c.x_handle) == ("likes linen", "ana_silva")
    customers.delete_customer(store, c.id, actor="maria")
    assert store.db.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
    assert audit_actions(store) == ["customer.add", "customer.update", "customer.delete"]
    detail = json.loads(store.db.execute("SELECT detail FROM audit_log WHERE action = 'customer.update'").fetchone()[0])
    assert detail["x_handle"] == {"old": "anasilva", "new": "ana_silva"}
    assert all(ch.customers for ch in seen) and len(seen) == 3


def test_bad_fields_name_the_field_and_change_nothing(store: Store) -> None:
    with pytest.raises(InputError, match=r"^field email: 'ana@' has no valid domain.*fix it or leave it empty"):
        customers.add_customer(store, {"first_name": "Ana", "email": "ana@"}, actor="t")
    with pytest.raises(InputError, match="field first_name"):
        customers.add_customer(store, {"first_name": "  ", "email": "a@example.com"}, actor="t")
    with pytest.raises(InputError, match="preferred but the customer has no email"):
        customers.add_customer(store, {"first_name": "Ana", "x_handle": "ana", "preferred_channel": "email"},
                               actor="t")
    with pytest.raises(InputError, match="customer 99 does not exist"):
        customers.update_customer(store, 99, {"notes": "x"}, actor="t")
    assert store.db.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_pause_not_this_brand_sizes_and_purchases(store: Store) -> None:
    add_brand(store, "Harbour & Pine")
    cid = add_customer(store, "Ana", likes=["Harbour & Pine"])
    customers.pause(store, cid, actor="alex", days=30, now=__import__("datetime").datetime(
        2026, 3, 1, tzinfo=__import__("datetime").timezone.utc))
    assert customers.get_customer(store, cid).paused_until == "2026-03-31T00:00:00+00:00"
    customers.not_this_brand(store, cid, "harbour & pine", actor="alex")
    profile = customers.get_profile(store, cid)
    assert profile.likes == [] and profile.dislikes == [("Harbour & Pine", "not this brand")]
    customers.set_sizes(store, cid, {"shirt": "m", "trousers": "32"}, actor="alex")
    customers.set_sizes(store, cid, {"trousers": None}, actor="alex")
    assert customers.get_profile(store, cid).sizes == {"shirt": "M"}
    with pytest.raises(InputError, match="'shrt' is not a product category; did you mean 'shirt'"):
        customers.set_sizes(store, cid, {"shrt": "M"}, actor="alex")
    with pytest.raises(InputError, match="did you mean 'Harbour & Pine'"):
        customers.not_this_brand(store, cid, "Harbor & Pine", actor="alex")
    customers.add_purchase(store, cid, actor="alex", brand="Harbour & Pine", size="M", purchased_at="2026-01-05")
    assert [p.brand for p in customers.get_profile(store, cid).purchases] == ["Harbour & Pine"]
    with pytest.raises(InputError, match="choose 1 to 365 days"):
        customers.pause(store, cid, actor="alex", days=0)
    assert {"customer.pause", "customer.brand_dislike", "customer.sizes", "customer.purchase"} <= set(
        audit_actions(store))


def test_search_by_word_prefix_of_name_email_and_handle_with_paging(store: Store) -> None:
    add_customer(store, "Alice", last_name="Smith", email="alice@example.com")
    add_customer(store, "Bob", last_name="Smithers", x_handle="bobby_s", email=None)
    add_customer(store, "José", last_name="Álvarez", email="jose@shop.example.org")
    add_customer(store, "Carl", last_name="Jones", email="carl@example.com")
    names = lambda rows: [c.first_name for c in rows]  # noqa: E731
    assert names(customers.search_customers(store, "smi")) == ["Alice", "Bob"]
    assert names(customers.search_customers(store, "ali smi")) == ["Alice"]
    assert names(customers.search_customers(store, "bobby")) == ["Bob"]
    assert names(customers.search_customers(store, "jose alvarez")) == ["José"]  # accents folded
    assert names(customers.search_customers(store, "shop.example")) == ["José"]
    assert customers.count_customers(store, "example") == 3
    page1 = customers.search_customers(store, "", sort="name", limit=2)
    page2 = customers.search_customers(store, "", sort="name", limit=2, offset=2)
    assert names(page1) + names(page2) == ["Carl", "Alice", "Bob", "José"]
    assert names(customers.search_customers(store, "", sort="first_name", descending=True))[0] == "José"
    customers.update_customer(store, 1, {"last_name": "Brown"}, actor="t")  # the index follows edits
    assert names(customers.search_customers(store, "smi")) == ["Bob"]
    assert names(customers.search_customers(store, "brown")) == ["Alice"]
    with pytest.raises(InputError, match="sort 'age'"):
        customers.search_customers(store, sort="age")


# -- import and export --------------------------------------------------------------------------------


GOOD_AND_BAD = """\
First Name;Surname;E-mail;Twitter;X ID;Time zone;Favourite brands;Sizes;Consent X;Consent Email;Loyalty tier
Ana;Silva;ana@example.com;@anasilva;12345;Europe/Lisbon;Harbour & Pine;shirt=m;trousers=32;1 to 1 only;subscribed to marketing;gold
Bob;Jones;bob@@example.com;;;UTC;;;;;
Cy;Lee;cy@example.com;cy lee;;UTC;;;;;
Dee;Kay;dee@example.com;;;Europe/Londn;;;;;
Eve;Moss;ANA@example.com;;;UTC;;;;;
Fay;Ng;fay@example.com;;;UTC;Harbor & Pine;;;;
Gus;Oh;gus@example.com;;;UTC;;shrt=M;;;
Hal;Po;hal@example.com;halpo;;UTC;;;unsubscribed;;
Ida;Roe;ida@example.com;;;UTC;;;;maybe;
"""  # noqa: E501 -- CSV rows as a person types them


def test_import_keeps_good_rows_and_reports_each_bad_one_by_line_and_column(store: Store, tmp_path: Path) -> None:
    add_brand(store, "Harbour & Pine")
    path = write_csv(tmp_path / "book.csv", GOOD_AND_BAD.replace("shirt=m;trousers=32", '"shirt=m;trousers=32"'))
    report = import_customers(store, path, actor="maria")
    assert report.delimiter == ";" and report.ignored_columns == ["Loyalty tier"]
    assert (report.rows_read, report.added, report.rejected) == (9, 2, 7)
    assert [(p.line, p.column) for p in report.problems] == [
        (3, "email"), (4, "x_handle"), (5, "timezone"), (6, "email"), (7, "brand_likes"), (8, "sizes"),
        (10, "consent_email")]
    text = {p.line: p.reason for p in report.problems}
    assert "did you mean Europe/London" in text[5]
    assert text[6] == "same e-mail as line 2; merge the two rows"
    assert "did you mean 'Harbour & Pine'" in text[7]
    assert "'maybe'" in text[10]
    ana = customers.search_customers(store, "ana")[0]
    profile = customers.get_profile(store, ana.id)
    assert (ana.x_handle, ana.x_user_id, ana.timezone) == ("anasilva", "12345", "Europe/Lisbon")
    assert profile.likes == [("Harbour & Pine", "import")] and profile.sizes == {"shirt": "M", "trousers": "32"}
    assert {ch: c.label for ch, c in profile.consents.items()}["email"] == "subscribed to marketing"
    assert profile.consents["x"].label == "1 to 1 only"
    hal = customers.search_customers(store, "hal")[0]
    assert consent.consent_state(store, hal.id, "x", "marketing").withdrawn  # opt-out recorded for both scopes
    assert store.db.execute("SELECT count(*) FROM audit_log WHERE action = 'customer.import'").fetchone()[0] == 1
    assert report.changes.customers


def test_dry_run_reports_the_same_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    add_brand(store, "Harbour & Pine")
    path = write_csv(tmp_path / "book.csv", "name,email,brand likes\nAna Silva,ana@example.com,Harbour & Pine\n"
                                            "Bob,bob@example.com,\n")
    report = import_customers(store, path, actor="maria", dry_run=True)
    assert (report.added, report.rejected, report.dry_run) == (2, 0, True)
    assert "would add 2 customers" in report.summary()
    assert store.db.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_rows_matching_the_book_update_it_and_blank_cells_keep_values(store: Store, tmp_path: Path) -> None:
    add_brand(store, "Harbour & Pine")
    add_brand(store, "Marlowe")
    cid = add_customer(store, "Ana", email="ana@example.com", likes=["Harbour & Pine"], notes="VIP",
                       timezone="Europe/Lisbon")
    path = write_csv(tmp_path / "u.csv", "email,x handle,likes,notes,timezone\nANA@example.com,anasilva,Marlowe,,\n")
    report = import_customers(store, path, actor="maria")
    assert (report.added, report.updated) == (0, 1)
    c = customers.get_customer(store, cid)
    assert (c.x_handle, c.notes, c.timezone) == ("anasilva", "VIP", "Europe/Lisbon")
    assert customers.get_profile(store, cid).likes == [("Marlowe", "import")]  # the list replaces stated likes


def test_a_row_pointing_at_two_customers_or_an_unknown_id_is_rejected(store: Store, tmp_path: Path) -> None:
    add_customer(store, "Ana", email="ana@example.com")
    add_customer(store, "Bob", x_handle="bob")
    path = write_csv(tmp_path / "c.csv", "id,email,x handle,first name\n,ana@example.com,bob,Ana\n77,,,Zed\n"
                                         ",new@example.com,,\n")
    report = import_customers(store, path, actor="maria")
    reasons = {p.line: p.reason for p in report.problems}
    assert "belongs to customer 2" in reasons[2] and "no customer has id 77" in reasons[3]
    assert "a new customer needs a first name" in reasons[4]
    assert report.added == report.updated == 0


def test_resubscribing_an_opted_out_customer_needs_a_confirmation(store: Store, tmp_path: Path) -> None:
    cid = add_customer(store, "Ana", email="ana@example.com", consents={"email": "unsubscribed"})
    path = write_csv(tmp_path / "r.csv", "email,consent email\nana@example.com,1 to 1 only\n")
    report = import_customers(store, path, actor="maria")
    assert report.problems[0].column == "consent_email" and "recorded confirmation" in report.problems[0].reason
    assert not consent.has_consent(store, cid, "email")
    path = write_csv(tmp_path / "r.csv", "email,consent email,confirmed by,confirmed at,how confirmed\n"
                                         "ana@example.com,1 to 1 only,maria,2026-03-04,signed the form in store\n")
    report = import_customers(store, path, actor="maria")
    assert report.rejected == 0 and report.consent_entries == 1
    entry = consent.ledger(store, cid)[0]
    assert (entry.granted, entry.confirmed_by, entry.confirmation) == (True, "maria", "signed the form in store")


def test_encodings_and_bom_are_read(store: Store, tmp_path: Path) -> None:
    latin = write_csv(tmp_path / "l.csv", "first name,last name,email\nJosé,Núñez,jose@example.com\n", "cp1252")
    report = import_customers(store, latin, actor="t")
    assert report.added == 1 and "Windows-1252" in report.encoding and "line 2" in report.encoding_note
    bom = write_csv(tmp_path / "b.csv", "\ufefffirst name,email\nZoë,zoe@example.com\n")
    report = import_customers(store, bom, actor="t")
    assert report.added == 1 and report.encoding == "UTF-8 with BOM"
    assert {c.first_name for c in customers.search_customers(store)} == {"José", "Zoë"}


def test_unusable_files_are_refused_in_one_line(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        import_customers(store, tmp_path / "missing.csv", actor="t")
    with pytest.raises(InputError, match="empty"):
        import_customers(store, write_csv(tmp_path / "e.csv", ""), actor="t")
    with pytest.raises(InputError, match="no name or identity column"):
        import_customers(store, write_csv(tmp_path / "h.csv", "colour,size\nred,M\n"), actor="t")
    with pytest.raises(InputError, match="both mean email"):
        import_customers(store, write_csv(tmp_path / "d.csv", "email,e-mail\na@example.com,b@example.com\n"),
                         actor="t")


def test_import_yields_progress_and_closing_it_early_writes_nothing(store: Store, tmp_path: Path) -> None:
    rows = "".join(f"C{i},c{i}@example.com\n" for i in range(12_000))
    path = write_csv(tmp_path / "big.csv", "first name,email\n" + rows)
    steps = import_customers_steps(store, path, actor="t")
    first = [next(steps) for _ in range(3)]
    assert first[-1].done > 0 and first[-1].total == path.stat().st_size
    steps.close()
    assert store.db.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_export_then_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    add_brand(store, "Harbour & Pine")
    add_brand(store, "Marlowe")
    add_customer(store, "Ana", email="ana@example.com", likes=["Harbour & Pine"], dislikes=["Marlowe"],
                 sizes={"shirt": "M"}, consents={"email": "marketing", "x": "unsubscribed"}, x_handle="ana")
    add_customer(store, "Bob", x_handle="bob", consents={"x": "one_to_one"}, notes="line one\nline two, quoted")
    path = tmp_path / "out.csv"
    assert export_customers(store, path, actor="t") == 2
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["brand_likes"] == "Harbour & Pine" and rows[0]["consent_email"] == "subscribed to marketing"
    assert rows[0]["consent_x"] == "unsubscribed" and rows[1]["notes"] == "line one\nline two, quoted"
    before = store.db.execute("SELECT count(*) FROM consents").fetchone()[0]
    report = import_customers(store, path, actor="t")
    assert (report.added, report.updated, report.rejected, report.consent_entries) == (0, 2, 0, 0)
    assert store.db.execute("SELECT count(*) FROM consents").fetchone()[0] == before


# -- duplicates ----------------------------------------------------------------------------------------


def test_duplicates_are_found_previewed_and_merged(store: Store) -> None:
    add_brand(store, "Harbour & Pine")
    a = add_customer(store, "Ana", email="ana@example.com", likes=["Harbour & Pine"], sizes={"shirt": "M"})
    b = add_customer(store, "Ana", email="ANA@example.com", x_handle="anasilva", phone="+1 555 010 0100",
                     dislikes=["Harbour & Pine"], sizes={"shirt": "L", "trousers": "32"},
                     consents={"x": "one_to_one"})
    c = add_customer(store, "Annie", x_handle="AnaSilva", email="annie@example.com")
    add_customer(store, "Bob", email="bob@example.com")
    groups = duplicates.find_duplicates(store)
    assert len(groups) == 1 and groups[0].ids == [a, b, c]
    group = groups[0]
    assert group.merged["x_handle"] == "anasilva" and group.merged["phone"] == "+15550100100"
    assert "email annie@example.com (from customer 3)" in group.kept_in_notes
    assert "keep customer 1" in group.preview()
    assert store.db.execute("SELECT count(*) FROM customers").fetchone()[0] == 4  # a preview writes nothing
    duplicates.merge(store, group.ids, actor="maria")
    assert [r[0] for r in store.db.execute("SELECT id FROM customers ORDER BY id")] == [a, 4]
    profile = customers.get_profile(store, a)
    assert profile.dislikes == [("Harbour & Pine", "stated")]  # dislike wins
    assert profile.sizes == {"shirt": "M", "trousers": "32"}  # the kept customer's sizes win
    assert consent.has_consent(store, a, "x")  # consent entries moved with their history
    assert "annie@example.com" in profile.customer.notes
    assert [x.id for x in customers.search_customers(store, "anasilva")] == [a]  # the search index follows
    assert customers.search_customers(store, "annie") == []
    assert duplicates.find_duplicates(store) == []
    assert "customer.merge" in audit_actions(store)


def test_a_number_kept_from_before_e164_does_not_block_editing_the_rest(store: Store) -> None:
    c = customers.add_customer(store, {"first_name": "Ann"}, actor="maria")
    store.db.execute("UPDATE customers SET phone = '+1-555-0100' WHERE id = ?", [c.id])  # an old, local-only number
    # The edit form sends every field back: the unchanged old number is left as it is, the rest is saved.
    after = customers.update_customer(store, c.id, {"phone": "+1-555-0100", "notes": "slim fit"}, actor="maria")
    assert (after.phone, after.notes) == ("+1-555-0100", "slim fit")
    with pytest.raises(InputError, match="phone"):  # a changed number is checked
        customers.update_customer(store, c.id, {"phone": "+1-555-0101"}, actor="maria")
    assert customers.update_customer(store, c.id, {"phone": "+1 555 010 0101"}, actor="maria").phone == "+15550100101"
