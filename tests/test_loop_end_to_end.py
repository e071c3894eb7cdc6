"""The loop, end to end through the fake X server on 127.0.0.1: a set is sent, the customer answers "M please",
the associate answers in the conversation and holds the shirt in M, the hold takes the last M out of other
customers' offers, the till export records the purchase, and the report shows the sale. Once by X DM (the fake
X server), once by e-mail (a real SMTP server and pymap's IMAP server, both on 127.0.0.1).
"""

from __future__ import annotations

from pathlib import Path

from fakes.fake_x import FakeX
from lookbook.catalog import holds
from lookbook.clienteling import report, tasks
from lookbook.customers import book as customers
from lookbook.customers import matching
from lookbook.customers.purchases import import_purchases
from lookbook.outbox import conversations, quiet_hours, sender
from lookbook.outbox import messages as outbox
from lookbook.outbox.channels import accounts
from lookbook.outbox.channels.x import OAuth2Token
from lookbook.outbox.replies import poll
from lookbook.outbox.templates import Template
from lookbook.progress import run_to_end
from lookbook.store.database import Store
from outbox_support import add_staff, add_world
from test_replies import _x

TEMPLATE = Template("spring", "Hi {first_name}, new {brand} in your size: {sizes_in_stock}. Shall I put one aside "
                              "for you? {associate}", "")


def _send_all(store: Store, fake: FakeX) -> sender.SendReport:
    return run_to_end(sender.send(sender.direct(store), x=_x(fake)))


def test_a_set_sold_a_shirt_and_the_report_says_so(store: Store, fake_x: FakeX, memory_keyring,
                                                    tmp_path: Path) -> None:
    add_staff(store)
    world = add_world(store, customers=3)
    quiet_hours.set_window(store, "00:00", "00:00")  # the test runs at any hour
    accounts.save_x_client(store, fake_x.client_id, "admin")
    accounts.save_x_oauth2(store, OAuth2Token(fake_x.issue_token(), None, None, "dm.write"), user_id=fake_x.me_id,
                           username=fake_x.me_username, actor="admin")
    alex = store.db.execute("SELECT id FROM users WHERE username = 'alex'").fetchone()[0]
    store.db.execute("UPDATE customers SET associate_id = ?", [alex])
    store.db.execute("UPDATE products SET price_minor = 8900, currency = 'GBP' WHERE sku = 'MW-SH01'")
    store.db.execute("UPDATE stock SET quantity = 1 WHERE size = 'M'")  # the last M
    for cid in world.customers:
        customers.set_brand_stance(store, cid, "Marlowe", "like", actor="test")
    ann, bob, _cat = world.customers

    # 1. The set is drafted, approved by a manager and sent as X DMs.
    matched = matching.match_set(store, world.set_id).matches
    assert {m.customer_id for m in matched} == set(world.customers)
    outbox.draft_set(store, world.set_id, "alex", TEMPLATE, matches=list(matched))
    outbox.submit(store, world.set_id, "alex")
    outbox.approve(store, "maria", set_id=world.set_id)
    sent = _send_all(store, fake_x)
    assert len(sent.sent) == 3 and fake_x.count("POST", "/2/dm_conversations") == 3

    # 2. Ann answers "M please"; it is threaded on the set's message and unread in alex's conversations.
    fake_x.receive_dm("1000", "M please")
    polled = poll(sender.direct(store), x=_x(fake_x))
    assert [r.body for r in polled.new] == ["M please"] and not polled.withdrawn and not polled.paused
    (conv,) = conversations.list_conversations(store, associate="alex")
    assert (conv.customer_id, conv.unread) == (ann, 1)
    tasks.refresh(store)
    assert [t.kind for t in tasks.list_tasks(store, customer_id=ann)] == ["answer_reply"]

    # 3. Alex answers in the same conversation (no manager needed: Ann wrote first) and holds the shirt in M.
    answer = conversations.answer(store, ann, "Lovely! I've put the Navy Oxford in M aside for you.", actor="alex")
    assert answer.state == "approved"
    before = fake_x.count("POST", "/2/dm_conversations")
    assert len(_send_all(store, fake_x).sent) == 1
    assert fake_x.count("POST", "/2/dm_conversations") == before + 1
    assert conversations.unread_count(store, associate="alex") == 0
    tasks.refresh(store)
    assert tasks.list_tasks(store, customer_id=ann) == []  # answered: the task is done by itself
    set_message = store.db.execute("SELECT id FROM messages WHERE customer_id = ? AND set_id = ?",
                                   [ann, world.set_id]).fetchone()[0]
    holds.add_hold(store, ann, "MW-SH01", "M", actor="alex", message_id=set_message)

    # 4. The hold takes the last M out of Bob's offers.
    bob_offer = store.db.execute("SELECT offer FROM messages WHERE customer_id = ? AND set_id = ?",
                                 [bob, world.set_id]).fetchone()[0]
    assert "MW-SH01" in bob_offer
    assert outbox.out_of_stock(store, bob_offer, bob) == ["Navy Oxford Shirt in M"]
    assert outbox.out_of_stock(store, bob_offer, ann) == []
    again = {m.customer_id: m.products_in_size for m in matching.match_set(store, world.set_id).matches}
    assert "MW-SH01" not in again.get(bob, [])

    # 5. The till export records the purchase; the report attributes it to the set, alex and X.
    till = tmp_path / "till.csv"
    day = store.db.execute("SELECT sent_at FROM messages WHERE id = ?", [set_message]).fetchone()[0][:10]
    till.write_text(f"E-mail,SKU,Size,Date\nc0@example.com,MW-SH01,M,{day}T23:59:00+00:00\n",
                    encoding="utf-8")
    imported = import_purchases(store, till, actor="maria")
    assert imported.added == 1, imported.problems
    result = report.build_report(store)
    (by_set,) = result.by["set"]
    assert (by_set.sent, by_set.delivered, by_set.replied, by_set.held, by_set.bought, by_set.revenue_minor) == \
        (3, 3, 1, 1, 1, 8900)
    (sale,) = result.sales
    assert (sale.set_id, sale.associate, sale.channel, sale.match, sale.revenue_minor) == \
        (world.set_id, "alex", "x", "same product", 8900)


def test_the_same_loop_by_email_through_smtp_and_imap(store: Store, memory_keyring, tmp_path: Path) -> None:
    import email as email_lib
    import email.policy

    from fakes.imap import PASSWORD, USER, deliver, imap_server
    from fakes.smtp import smtp_server
    from lookbook.outbox import email_replies

    add_staff(store)
    world = add_world(store, customers=2)
    quiet_hours.set_window(store, "00:00", "00:00")
    alex = store.db.execute("SELECT id FROM users WHERE username = 'alex'").fetchone()[0]
    store.db.execute("UPDATE customers SET associate_id = ?, preferred_channel = 'email'", [alex])
    store.db.execute("UPDATE products SET price_minor = 8900, currency = 'GBP' WHERE sku = 'MW-SH01'")
    store.db.execute("UPDATE stock SET quantity = 1 WHERE size = 'M'")
    for cid in world.customers:
        customers.set_brand_stance(store, cid, "Marlowe", "like", actor="test")
    ann, bob = world.customers
    with smtp_server() as (inbox, smtp_port), imap_server() as imap_port:
        accounts.save_email_settings(store, {"host": "127.0.0.1", "port": smtp_port, "security": "plain",
                                             "from_address": "maria@store.example.com"}, "admin")
        email_replies.save_imap_settings(store, {"host": "127.0.0.1", "port": imap_port, "security": "plain",
                                                 "username": USER}, "admin", password=PASSWORD)
        matched = matching.match_set(store, world.set_id).matches
        assert {m.channel for m in matched} == {"email"}
        outbox.draft_set(store, world.set_id, "alex", Template("spring", TEMPLATE.body, "New {brand}"),
                         matches=list(matched))
        outbox.submit(store, world.set_id, "alex")
        outbox.approve(store, "maria", set_id=world.set_id)
        steps = sender.send(sender.direct(store))
        for _ in steps:
            pass
        assert len(inbox.received) == 2
        to_ann = next(email_lib.message_from_bytes(raw, policy=email.policy.default)
                      for _, rcpts, raw in inbox.received if rcpts == ["c0@example.com"])
        # Ann answers from her mail program; the mail lands in the store's mailbox.
        deliver(imap_port, (f"From: Ann <c0@example.com>\r\nTo: {USER}\r\nSubject: Re: {to_ann['Subject']}\r\n"
                            f"Date: Fri, 04 Dec 2026 09:00:00 +0000\r\nMessage-ID: <ann-1@example.com>\r\n"
                            f"In-Reply-To: {to_ann['Message-ID']}\r\nReferences: {to_ann['Message-ID']}\r\n\r\n"
                            "M please\r\n\r\nOn Thu, Marlowe wrote:\r\n> Hi Cust0\r\n").encode())
        polled = email_replies.poll(sender.direct(store))
        set_message = store.db.execute("SELECT id FROM messages WHERE customer_id = ? AND set_id = ?",
                                       [ann, world.set_id]).fetchone()[0]
        assert [(r.body, r.message_id) for r in polled.new] == [("M please", set_message)]
        answer = conversations.answer(store, ann, "Put aside in M for you until Monday.", actor="alex")
        steps = sender.send(sender.direct(store))
        for _ in steps:
            pass
        assert store.db.execute("SELECT state FROM messages WHERE id = ?", [answer.message_id]).fetchone()[0] == "sent"
        sent_answer = email_lib.message_from_bytes(inbox.received[-1][2], policy=email.policy.default)
        assert sent_answer["In-Reply-To"] == "<ann-1@example.com>"
        assert sent_answer["References"] == f"{to_ann['Message-ID']} <ann-1@example.com>"
    holds.add_hold(store, ann, "MW-SH01", "M", actor="alex", message_id=set_message)
    bob_offer = store.db.execute("SELECT offer FROM messages WHERE customer_id = ? AND set_id = ?",
                                 [bob, world.set_id]).fetchone()[0]
    assert outbox.out_of_stock(store, bob_offer, bob) == ["Navy Oxford Shirt in M"]
    till = tmp_path / "till.csv"
    day = store.db.execute("SELECT sent_at FROM messages WHERE id = ?", [set_message]).fetchone()[0]
    till.write_text(f"E-mail,SKU,Size,Date\nc0@example.com,MW-SH01,M,{day}\n", encoding="utf-8")
    assert import_purchases(store, till, actor="maria").added == 1
    (sale,) = report.build_report(store).sales
    assert (sale.set_id, sale.associate, sale.channel, sale.revenue_minor) == (world.set_id, "alex", "email", 8900)
