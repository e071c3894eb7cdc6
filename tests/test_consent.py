"""Consent: the ledger, scopes and levels, unsubscribe-from-all, re-subscribe confirmations, the bulk path."""

from __future__ import annotations

import pytest

from customer_support import add_customer
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.store.database import Store


def test_withdrawal_takes_effect_at_once_and_history_is_kept(store: Store) -> None:
    cid = add_customer(store, "Ana")
    consent.record(store, cid, "email", "one_to_one", True, by_user="alex", source="in store")
    assert consent.has_consent(store, cid, "email")
    assert not consent.has_consent(store, cid, "email", "marketing")  # scopes are separate
    consent.record(store, cid, "email", "one_to_one", False, by_user="system", source="reply", note="STOP")
    assert not consent.has_consent(store, cid, "email")
    state = consent.consent_state(store, cid, "email")
    assert state.withdrawn and (state.by_user, state.source, state.note) == ("system", "reply", "STOP")
    assert [(e.granted, e.source) for e in consent.ledger(store, cid)] == [(False, "reply"), (True, "in store")]
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'customer'"
                                               " AND action LIKE 'consent.%' ORDER BY id")]
    assert actions == ["consent.grant", "consent.withdraw"]


def test_levels_in_the_stores_words(store: Store) -> None:
    cid = add_customer(store, "Ana", x_handle="ana")
    assert consent.channel_consents(store, cid)["x"].label == "not asked"
    consent.set_level(store, cid, "x", consent.parse_level("1 to 1 only"), by_user="alex", source="in store")
    assert consent.has_consent(store, cid, "x", "one_to_one") and not consent.has_consent(store, cid, "x", "marketing")
    assert consent.channel_consents(store, cid)["x"].label == "1 to 1 only"
    consent.set_level(store, cid, "x", consent.parse_level("Subscribed to marketing"), by_user="alex",
                      source="web form")
    assert consent.has_consent(store, cid, "x", "marketing") and consent.has_consent(store, cid, "x")
    consents = consent.channel_consents(store, cid)
    assert consent.overall_label(consents.values()) == "subscribed to marketing"
    # Going back to "1 to 1 only" withdraws marketing; setting the same level again records nothing.
    consent.set_level(store, cid, "x", "one_to_one", by_user="alex", source="reply")
    entries = len(consent.ledger(store, cid))
    assert not consent.set_level(store, cid, "x", "one_to_one", by_user="alex", source="reply")
    assert len(consent.ledger(store, cid)) == entries
    with pytest.raises(InputError, match="write '1 to 1 only'"):
        consent.parse_level("sometimes")


def test_unsubscribe_from_all_then_resubscribe_needs_who_when_how(store: Store) -> None:
    cid = add_customer(store, "Ana", x_handle="ana", consents={"x": "marketing", "email": "one_to_one"})
    consent.unsubscribe_all(store, cid, by_user="alex", source="phone call")
    consents = consent.channel_consents(store, cid)
    assert consent.overall_label(consents.values()) == "unsubscribed from all"
    assert not any(consent.has_consent(store, cid, ch, sc) for ch in consent.CHANNELS for sc in consent.SCOPES)
    with pytest.raises(consent.ConfirmationRequired, match="withdrew X one-to-one consent on .*confirmation"):
        consent.record(store, cid, "x", "one_to_one", True, by_user="alex", source="in store")
    # Even a channel never granted before was opted out of by "unsubscribe from all".
    with pytest.raises(consent.ConfirmationRequired):
        consent.set_level(store, cid, "sms", "one_to_one", by_user="alex", source="in store")
    with pytest.raises(InputError, match="'how the customer agreed' is empty"):
        consent.record(store, cid, "x", "one_to_one", True, by_user="alex", source="in store",
                       confirmation=consent.Confirmation("maria", "2026-03-04", " "))
    with pytest.raises(InputError, match="not a date"):
        consent.record(store, cid, "x", "one_to_one", True, by_user="alex", source="in store",
                       confirmation=consent.Confirmation("maria", "last week", "said yes"))
    consent.record(store, cid, "x", "one_to_one", True, by_user="alex", source="in store",
                   confirmation=consent.Confirmation("maria", "2026-03-04T15:00", "signed the paper form"))
    assert consent.has_consent(store, cid, "x")
    entry = consent.ledger(store, cid)[0]
    assert (entry.confirmed_by, entry.confirmed_at, entry.confirmation) == (
        "maria", "2026-03-04T15:00", "signed the paper form")
    assert "signed the paper form" in store.db.execute(
        "SELECT detail FROM audit_log WHERE action = 'consent.grant' ORDER BY id DESC LIMIT 1").fetchone()[0]


def test_bad_channel_scope_customer_or_source_is_refused(store: Store) -> None:
    cid = add_customer(store, "Ana")
    with pytest.raises(InputError, match="channel 'fax'"):
        consent.record(store, cid, "fax", "one_to_one", True, by_user="a", source="s")
    with pytest.raises(InputError, match="consent scope 'all'"):
        consent.record(store, cid, "x", "all", True, by_user="a", source="s")
    with pytest.raises(InputError, match="customer 42 does not exist"):
        consent.record(store, 42, "x", "one_to_one", True, by_user="a", source="s")
    with pytest.raises(InputError, match="consent source"):
        consent.record(store, cid, "x", "one_to_one", True, by_user="a", source=" ")


def test_the_bulk_current_state_follows_every_ledger_write(store: Store) -> None:
    a = add_customer(store, "Ana")
    b = add_customer(store, "Bob")
    consent.record(store, a, "email", "one_to_one", True, by_user="x", source="s")
    consent.record(store, a, "email", "one_to_one", False, by_user="x", source="s")
    consent.record(store, b, "email", "marketing", True, by_user="x", source="s")
    # A row written straight into the ledger (as the demo does) is seen too: a trigger keeps the table.
    store.db.execute("INSERT INTO consents (customer_id, channel, scope, granted, at, by_user, source)"
                     " VALUES (?, 'x', 'one_to_one', 1, '2026-01-01T00:00:00+00:00', 'system', 'in store')", [b])
    store.db.execute("CREATE TEMP TABLE ids (customer_id INTEGER)")
    store.db.execute("INSERT INTO temp.ids VALUES (?), (?)", [a, b])
    one = consent.current_for(store, "temp.ids", "one_to_one")
    assert one[a]["email"][0] is False and one[b]["x"][0] is True
    marketing = consent.current_for(store, "temp.ids", "marketing")
    assert list(marketing) == [b] and list(marketing[b]) == ["email"] and marketing[b]["email"][0] is True
