"""Conversations: each customer's replies threaded with the messages they answer, and answers from the app.

A conversation is one customer's messages and replies in time order; each reply names the message
it answers (the last one sent to them before it). Conversations belong to the customer's associate,
have an unread count (replies not yet opened, :func:`mark_read`), and can be searched by the
customer's name or the words of a reply.

:func:`answer` writes an associate's answer as a message on the reply's channel (an X DM goes to the
same DM conversation; an e-mail keeps the subject with "Re:"). It goes out through the same
exactly-once sender as every message, held for quiet hours (SMS: the law's 21:00-08:00 in the customer's time
too) like every message. A customer who wrote first is answered without a manager's
approval unless the store setting ``conversations.approval_required`` is on; consent is still needed
(a customer who asked to stop is never answered), card numbers are masked, and the answer is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lookbook.customers.consent import CHANNEL_LABELS, has_consent
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.channels import registry
from lookbook.payment_cards import SAFE_PAYMENT_ADVICE, mask_card_numbers
from lookbook.store.database import Store, inserted_id, utcnow

APPROVAL_SETTING = "conversations.approval_required"
ACTOR_NOTE = "an answer to a customer who wrote first"
#: Longest answer accepted per channel: an X DM takes 10,000 characters, a WhatsApp text 4,096, and Twilio an SMS
#: body of 1,600 (sent as up to ten segments; the answer says how many it bills when it is more than one).
ANSWER_LIMITS = {"x": 10_000, "email": 100_000, "sms": 1_600, "whatsapp": 4_096}


@dataclass(frozen=True)
class Conversation:
    """One customer's conversation as the list shows it."""

    customer_id: int
    customer: str
    associate: str | None
    unread: int
    replies: int
    last_at: str
    last_text: str

    def as_dict(self) -> dict[str, Any]:
        """Return the conversation as JSON-ready data."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Entry:
    """One line of a thread: a message to the customer or a reply from them."""

    kind: str  # "message" or "reply"
    id: int
    at: str
    channel: str
    text: str
    state: str = ""  # a message's state
    answers: int | None = None  # a reply: the message it answers; an answer: the reply it answers
    unread: bool = False
    by: str = ""


@dataclass
class AnswerReport:
    """What :func:`answer` did."""

    message_id: int
    state: str
    warnings: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)


def list_conversations(store: Store, *, associate: str | None = None, search: str | None = None,
                       unread_only: bool = False, limit: int = 500) -> list[Conversation]:
    """Return the customers who replied, latest activity first.

    :param associate: only this associate's customers (username).
    :param search: words that must appear in the customer's name or in one of their replies.
    """
    sql = """
    SELECT c.id, trim(c.first_name || ' ' || c.last_name), u.username,
           sum(r.read_at IS NULL), count(r.id), max(r.received_at),
           (SELECT body FROM replies l WHERE l.customer_id = c.id ORDER BY l.received_at DESC, l.id DESC LIMIT 1)
    FROM replies r JOIN customers c ON c.id = r.customer_id LEFT JOIN users u ON u.id = c.associate_id
    WHERE (? IS NULL OR u.username = ?)
    """
    params: list[Any] = [associate, associate]
    for word in (search or "").split():
        like = f"%{word.replace('%', '').replace('_', '')}%"
        sql += (" AND (c.first_name || ' ' || c.last_name LIKE ? OR EXISTS (SELECT 1 FROM replies w"
                " WHERE w.customer_id = c.id AND w.body LIKE ?))")
        params += [like, like]
    sql += " GROUP BY c.id"
    if unread_only:
        sql += " HAVING sum(r.read_at IS NULL) > 0"
    rows = store.db.execute(sql + " ORDER BY max(r.received_at) DESC, c.id LIMIT ?", [*params, limit]).fetchall()
    return [Conversation(r[0], r[1], r[2], int(r[3] or 0), int(r[4]), r[5], r[6] or "") for r in rows]


def unread_count(store: Store, *, associate: str | None = None) -> int:
    """Return how many replies from customers nobody has opened (of one associate's customers)."""
    return int(store.db.execute(
        "SELECT count(*) FROM replies r JOIN customers c ON c.id = r.customer_id LEFT JOIN users u"
        " ON u.id = c.associate_id WHERE r.read_at IS NULL AND (? IS NULL OR u.username = ?)",
        [associate, associate]).fetchone()[0])


def thread(store: Store, customer_id: int) -> list[Entry]:
    """Return a customer's messages (from approval on) and replies, oldest first, each reply with its message."""
    entries = [Entry("message", r[0], r[1], r[2], r[3], r[4], r[5], by=r[6]) for r in store.db.execute(
        "SELECT id, coalesce(sent_at, updated_at), channel, body, state, answers_reply_id, drafted_by FROM messages"
        " WHERE customer_id = ? AND state IN ('pending', 'approved', 'queued', 'sending', 'sent', 'failed')",
        [customer_id])]
    entries += [Entry("reply", r[0], r[1], r[2], r[3], "", r[4], r[5] is None) for r in store.db.execute(
        "SELECT id, received_at, channel, body, message_id, read_at FROM replies WHERE customer_id = ?",
        [customer_id])]
    return sorted(entries, key=lambda e: (e.at, e.kind == "message", e.id))


def mark_read(store: Store, customer_id: int, *, actor: str) -> Changes:
    """Mark every reply of the customer read (the conversation was opened)."""
    cur = store.db.execute("UPDATE replies SET read_at = ?, read_by = ? WHERE customer_id = ? AND read_at IS NULL",
                           [utcnow(), actor, customer_id])
    return store.notify(Changes(customers=True)) if cur.rowcount else Changes()


def answer(store: Store, customer_id: int, body: str, *, actor: str, reply_id: int | None = None,
           channel: str | None = None) -> AnswerReport:
    """Answer a customer in their conversation: a message on the reply's channel, sent by the sender.

    :param reply_id: the reply answered (default: their latest); its channel is the answer's.
    :param channel: the channel when the customer has not replied (one of :data:`ANSWER_LIMITS`).
    :raises InputError: for an empty or too long answer, a customer without consent on the channel (or who
        asked to stop), or a reply of another customer.
    """
    from lookbook.store import roles

    user = roles.require(store, actor, "conversations.answer")
    text = body.strip()
    if not text:
        raise InputError("the answer is empty; write what to tell the customer.")
    if reply_id is None:
        row = store.db.execute("SELECT id, channel FROM replies WHERE customer_id = ? ORDER BY received_at DESC,"
                               " id DESC LIMIT 1", [customer_id]).fetchone()
    else:
        row = store.db.execute("SELECT id, channel FROM replies WHERE id = ? AND customer_id = ?",
                               [reply_id, customer_id]).fetchone()
        if row is None:
            raise InputError(f"reply {reply_id} is not from customer {customer_id}; answer it in its own "
                             "conversation.")
    answered, on = (row[0], row[1]) if row else (None, channel)
    if on not in ANSWER_LIMITS:
        raise InputError(f"customer {customer_id} has not written; choose the channel to answer on "
                         f"({', '.join(ANSWER_LIMITS)}).")
    if len(text) > ANSWER_LIMITS[on]:
        raise InputError(f"the answer is {len(text):,} characters; {CHANNEL_LABELS[on]} takes at most "
                         f"{ANSWER_LIMITS[on]:,}.")
    if not has_consent(store, customer_id, on, "one_to_one"):
        raise InputError(f"customer {customer_id} has no one-to-one consent on {CHANNEL_LABELS[on]} (or asked to "
                         "stop); record their consent on the profile before answering there.")
    kind = registry.find(on)
    refusal = kind.free_text_refusal(store, customer_id) if kind is not None else None
    if refusal:
        raise InputError(f"customer {customer_id}: an answer in your own words cannot go on {CHANNEL_LABELS[on]} "
                         f"now: {refusal}.")
    masked, had_card = mask_card_numbers(text)
    subject = ""
    if on == "email":
        last = store.db.execute("SELECT subject FROM messages WHERE customer_id = ? AND channel = 'email' AND"
                                " subject != '' ORDER BY id DESC LIMIT 1", [customer_id]).fetchone()
        earlier = last[0] if last else "Your message"
        subject = earlier if earlier.lower().startswith("re:") else f"Re: {earlier}"
    approval = bool(store.get_setting(APPROVAL_SETTING, False))
    state = "pending" if approval else "approved"
    now = utcnow()
    with store.atomic():
        cur = store.db.execute(
            "INSERT INTO messages (customer_id, channel, state, body, subject, drafted_by, changed_by, decided_by,"
            " decision_comment, created_at, updated_at, submitted_at, answers_reply_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [customer_id, on, state, masked, subject, user.username, user.username,
             None if approval else user.username, None if approval else ACTOR_NOTE, now, now, now, answered])
        message_id = inserted_id(cur)
        store.audit(user.username, "message.answer", "message", message_id, customer_id=customer_id, channel=on,
                    reply_id=answered, state=state, card_masked=had_card)
        store.db.execute("UPDATE replies SET read_at = ?, read_by = ? WHERE customer_id = ? AND read_at IS NULL",
                         [now, user.username, customer_id])
    store.hooks.outbox_did_change([message_id])
    warnings = [SAFE_PAYMENT_ADVICE] if had_card else []
    # An answer skips the approval where a set's message shows its segments: say what a long text costs here.
    billed = kind.segments(masked) if kind is not None else None
    if billed and not billed.startswith("1 "):
        warnings.append(f"It goes as {billed}.")
    return AnswerReport(message_id, state, warnings, store.notify(Changes(outbox=True, customers=True, audit=True)))


def last_answered_message(store: Store, customer_id: int) -> int | None:
    """Return the message the customer's latest reply answers (a hold made from the conversation points to it)."""
    row = store.db.execute("SELECT message_id FROM replies WHERE customer_id = ? AND message_id IS NOT NULL"
                           " ORDER BY received_at DESC, id DESC LIMIT 1", [customer_id]).fetchone()
    return int(row[0]) if row else None


def thread_headers(store: Store, message_id: int) -> dict[str, str]:
    """Return the ``In-Reply-To`` and ``References`` an e-mail answer carries to continue the customer's thread.

    Empty for a message that answers no e-mail reply (a set's message, an X answer).
    """
    row = store.db.execute(
        "SELECT r.external_id, coalesce(r.email_references, '') FROM messages m JOIN replies r"
        " ON r.id = m.answers_reply_id WHERE m.id = ? AND r.channel = 'email' AND m.channel = 'email'",
        [message_id]).fetchone()
    if row is None or not row[0]:
        return {}
    earlier = [ref for ref in row[1].split() if ref != row[0]]
    return {"In-Reply-To": row[0], "References": " ".join([*earlier, row[0]])}
