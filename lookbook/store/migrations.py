"""The library schema, one migration per change.

Rules: a migration is never edited once it has shipped; a change to the schema is
a new function at the end of this file. :func:`lookbook.store.database.open_store` applies
the pending ones when a library is opened, after backing the file up, and refuses
a library that records a migration this build does not know (written by a newer
Lookbook Studio).
"""

from __future__ import annotations

from lookbook.store.sqlitedb import Database, Migrations

migrations = Migrations("lookbook")


def _run(db: Database, statements: str) -> None:
    """Run ``;``-separated DDL one statement at a time.

    ``executescript`` would COMMIT the migration's transaction first, so a failure
    half-way would leave half a schema behind.
    """
    for statement in statements.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_initial(db: Database) -> None:
    """Create the tables the mission needs: photos, catalog, customers, outbox, audit."""
    _run(
        db,
        """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('associate', 'merchandiser', 'manager', 'admin')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE brands (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    brand_id INTEGER NOT NULL REFERENCES brands(id),
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    colour TEXT NOT NULL DEFAULT '',
    price_minor INTEGER,
    currency TEXT NOT NULL DEFAULT 'USD',
    barcode TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_products_brand ON products(brand_id);
CREATE INDEX idx_products_barcode ON products(barcode);
CREATE TABLE stock (
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    size TEXT NOT NULL,
    barcode TEXT,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (product_id, size)
);
CREATE TABLE presets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    settings TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    source_path TEXT,
    stored_path TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    taken_at TEXT,
    imported_at TEXT NOT NULL,
    phash TEXT,
    burst_id INTEGER,
    product_id INTEGER REFERENCES products(id) ON DELETE SET NULL,
    assigned_by TEXT CHECK (assigned_by IN ('slate', 'filename', 'burst', 'hand')),
    assigned_detail TEXT,
    slate_code TEXT,
    garment_box TEXT,
    confidence REAL,
    needs_review INTEGER NOT NULL DEFAULT 0,
    recipe TEXT NOT NULL DEFAULT '{}',
    rendered_recipe TEXT
);
CREATE INDEX idx_photos_product ON photos(product_id);
CREATE INDEX idx_photos_burst ON photos(burst_id);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT COLLATE NOCASE,
    x_handle TEXT COLLATE NOCASE,
    x_user_id TEXT,
    instagram TEXT COLLATE NOCASE,
    phone TEXT,
    preferred_channel TEXT,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    associate_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    notes TEXT NOT NULL DEFAULT '',
    paused_until TEXT,
    last_contacted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_customers_email ON customers(email);
CREATE INDEX idx_customers_x_handle ON customers(x_handle);
CREATE INDEX idx_customers_name ON customers(last_name, first_name);
CREATE TABLE customer_brands (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    stance TEXT NOT NULL CHECK (stance IN ('like', 'dislike')),
    source TEXT NOT NULL DEFAULT 'stated',
    PRIMARY KEY (customer_id, brand_id)
);
CREATE INDEX idx_customer_brands_brand ON customer_brands(brand_id, stance);
CREATE TABLE customer_sizes (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    size TEXT NOT NULL,
    PRIMARY KEY (customer_id, category)
);
CREATE TABLE purchases (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    product_id INTEGER REFERENCES products(id) ON DELETE SET NULL,
    brand_id INTEGER REFERENCES brands(id),
    size TEXT,
    purchased_at TEXT NOT NULL
);
CREATE INDEX idx_purchases_customer ON purchases(customer_id);
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('one_to_one', 'marketing')),
    granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_consents_customer ON consents(customer_id, channel, scope, id);
CREATE TABLE channel_status (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    unreachable_reason TEXT,
    unreachable_at TEXT,
    PRIMARY KEY (customer_id, channel)
);
CREATE TABLE sets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    brand_id INTEGER NOT NULL REFERENCES brands(id),
    scope TEXT NOT NULL DEFAULT 'one_to_one' CHECK (scope IN ('one_to_one', 'marketing')),
    status TEXT NOT NULL DEFAULT 'open',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE set_items (
    set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (set_id, photo_id)
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    set_id INTEGER REFERENCES sets(id) ON DELETE SET NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'draft',
    body TEXT NOT NULL,
    attachment TEXT,
    match_reason TEXT NOT NULL DEFAULT '',
    drafted_by TEXT NOT NULL,
    decided_by TEXT,
    decision_comment TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    external_id TEXT,
    sent_at TEXT,
    error TEXT,
    retryable INTEGER
);
CREATE INDEX idx_messages_state ON messages(state);
CREATE INDEX idx_messages_customer ON messages(customer_id);
CREATE INDEX idx_messages_set ON messages(set_id);
CREATE TABLE send_attempts (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,
    detail TEXT
);
CREATE INDEX idx_send_attempts_message ON send_attempts(message_id);
CREATE TABLE replies (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id),
    message_id INTEGER REFERENCES messages(id),
    channel TEXT NOT NULL,
    external_id TEXT,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_audit_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
""",
    )


@migrations()
def m002_outbox_approval(db: Database) -> None:
    """Add what approval needs: subjects, submission time, reasons, offers, templates, caps, lockout."""
    _run(
        db,
        """
ALTER TABLE messages ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN submitted_at TEXT;
ALTER TABLE messages ADD COLUMN state_reason TEXT;
ALTER TABLE messages ADD COLUMN offer TEXT NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN template_id INTEGER;
ALTER TABLE sets ADD COLUMN cap_override_by TEXT;
ALTER TABLE sets ADD COLUMN cap_override_at TEXT;
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_messages_customer_sent ON messages(customer_id, sent_at)
""",
    )


@migrations()
def m003_delivery_rate_limits(db: Database) -> None:
    """Keep each channel's latest rate-limit window, so sends pace to it across restarts and the
    Outbox page can count down to the reset."""
    _run(
        db,
        """
CREATE TABLE rate_limits (
    channel TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    limit_count INTEGER,
    remaining INTEGER NOT NULL,
    reset_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel, endpoint)
)
""",
    )


@migrations()
def m004_customers_search_consent(db: Database) -> None:
    """Add customer search (FTS5), the current-consent table matching reads, re-subscribe confirmations."""
    # The FTS table and its triggers are written out rather than made by sqlite-utils'
    # enable_fts(): that uses executescript(), which would COMMIT this migration's
    # transaction half-way, and its update trigger fires on every update (pausing a
    # customer would re-index them). Ours fires only when a searched column changes.
    # consent_current holds the latest ledger entry per (customer, channel, scope), kept
    # by a trigger, so matching a million customers reads one row each instead of
    # finding the latest of a ledger that only grows.
    _run(
        db,
        """
ALTER TABLE consents ADD COLUMN confirmed_by TEXT;
ALTER TABLE consents ADD COLUMN confirmed_at TEXT;
ALTER TABLE consents ADD COLUMN confirmation TEXT;
CREATE TABLE consent_current (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted INTEGER NOT NULL,
    at TEXT NOT NULL,
    consent_id INTEGER NOT NULL,
    PRIMARY KEY (customer_id, channel, scope)
) WITHOUT ROWID;
INSERT INTO consent_current (customer_id, channel, scope, granted, at, consent_id)
SELECT customer_id, channel, scope, granted, at, id FROM consents AS c
WHERE id = (SELECT max(id) FROM consents AS l
            WHERE l.customer_id = c.customer_id AND l.channel = c.channel AND l.scope = c.scope);
CREATE TRIGGER consents_current_ai AFTER INSERT ON consents BEGIN INSERT INTO consent_current (customer_id, channel, scope, granted, at, consent_id) VALUES (new.customer_id, new.channel, new.scope, new.granted, new.at, new.id) ON CONFLICT (customer_id, channel, scope) DO UPDATE SET granted = excluded.granted, at = excluded.at, consent_id = excluded.consent_id WHERE excluded.consent_id > consent_current.consent_id; END;
CREATE VIRTUAL TABLE customers_fts USING FTS5 (
    first_name, last_name, email, x_handle, instagram,
    tokenize = 'unicode61 remove_diacritics 2',
    content = customers, content_rowid = id
);
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');
CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN INSERT INTO customers_fts (rowid, first_name, last_name, email, x_handle, instagram) VALUES (new.id, new.first_name, new.last_name, new.email, new.x_handle, new.instagram); END;
CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN INSERT INTO customers_fts (customers_fts, rowid, first_name, last_name, email, x_handle, instagram) VALUES ('delete', old.id, old.first_name, old.last_name, old.email, old.x_handle, old.instagram); END;
CREATE TRIGGER customers_fts_au AFTER UPDATE OF first_name, last_name, email, x_handle, instagram ON customers BEGIN INSERT INTO customers_fts (customers_fts, rowid, first_name, last_name, email, x_handle, instagram) VALUES ('delete', old.id, old.first_name, old.last_name, old.email, old.x_handle, old.instagram); INSERT INTO customers_fts (rowid, first_name, last_name, email, x_handle, instagram) VALUES (new.id, new.first_name, new.last_name, new.email, new.x_handle, new.instagram); END;
CREATE INDEX idx_customers_instagram ON customers(instagram);
CREATE INDEX idx_customers_x_user_id ON customers(x_user_id);
CREATE INDEX idx_customers_last_contacted ON customers(last_contacted_at);
CREATE INDEX idx_purchases_brand ON purchases(brand_id, customer_id)
""",  # noqa: E501 -- an applied migration's SQL stays as it shipped (the triggers' text is in sqlite_master)
    )


@migrations()
def m005_catalog_codes(db: Database) -> None:
    """Remember the codes read in each photo, so tying shots re-reads only new photos; index size barcodes."""
    # photos.codes: JSON list of {"text", "kind"} read in the frame; NULL until the photo has been scanned.
    _run(
        db,
        """
ALTER TABLE photos ADD COLUMN codes TEXT;
CREATE INDEX idx_stock_barcode ON stock(barcode)
""",
    )


@migrations()
def m006_matching_indexes(db: Database) -> None:
    """Index what matching reads for each of a brand's customers, so it comes from indexes alone."""
    # Matching walks every customer with a stance on the set's brand (200,000 for a popular brand
    # in a million-customer book). idx_customer_brands_brand(brand_id, stance) sends each of them
    # back to the table for the id and source (kept: the dashboard counts by stance with it); the
    # primary key of customer_sizes sends each size look-up back to the table for the size. The
    # size index leads with the category so that look-ups by customer alone keep the primary key.
    _run(
        db,
        """
CREATE INDEX idx_customer_brands_brand_customer ON customer_brands(brand_id, customer_id, stance, source);
CREATE INDEX idx_customer_sizes_category ON customer_sizes(category, customer_id, size)
""",
    )


@migrations()
def m007_presets_default(db: Database) -> None:
    """Store the built-in default preset, so every library has its default stored and editable."""
    # Until now nothing wrote the presets table and an empty one meant "the built-in default";
    # storing exactly those settings keeps every existing render up to date (a render's key is
    # the box and the full preset settings). The import is local: a migration runs once, and the
    # presets module has no reason to load with the schema.
    import datetime as dt

    from lookbook.photos.presets import DEFAULT_PRESET

    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if db.execute("SELECT count(*) FROM presets").fetchone()[0] == 0:
        db.execute("INSERT INTO presets (name, settings, is_default, updated_at) VALUES (?, ?, 1, ?)",
                   [DEFAULT_PRESET.name, DEFAULT_PRESET.to_json(), now])
    elif db.execute("SELECT count(*) FROM presets WHERE is_default").fetchone()[0] == 0:
        # Presets written by hand with none marked: the first by name has been the default all along.
        db.execute("UPDATE presets SET is_default = 1 WHERE id = (SELECT id FROM presets ORDER BY name LIMIT 1)")


@migrations()
def m008_roles_changed_by(db: Database) -> None:
    """Record who last changed each message's words and each set's shots, for the two-person rule."""
    # messages.changed_by: who last changed the text, subject or attachment (the drafter until someone
    # edits it); no one may approve a version they changed. Filled from the audit log's last edit, so a
    # library upgraded with an edited message waiting keeps the rule. sets.contents_changed_by/_at: who
    # last added, removed or reordered shots after the set was made.
    db.execute("ALTER TABLE messages ADD COLUMN changed_by TEXT")
    db.execute("ALTER TABLE sets ADD COLUMN contents_changed_by TEXT")
    db.execute("ALTER TABLE sets ADD COLUMN contents_changed_at TEXT")
    db.execute(
        "UPDATE messages SET changed_by = coalesce((SELECT a.actor FROM audit_log AS a WHERE a.entity = 'message'"
        " AND a.entity_id = CAST(messages.id AS TEXT) AND a.action = 'message.edit' ORDER BY a.id DESC LIMIT 1),"
        " drafted_by)")


@migrations()
def m009_colour_shift(db: Database) -> None:
    """Remember how far each photo's hero moved the garment's colour, so the app can say why a shot needs review."""
    # photos.colour_shift: a*b* distance of the garment's middle, original against hero, measured at
    # the last render; NULL until the photo is rendered by a renderer that measures it.
    _run(db, "ALTER TABLE photos ADD COLUMN colour_shift REAL")


@migrations()
def m010_integrity_audit_chain(db: Database) -> None:
    """Chain the audit log: each row's hash covers the previous row's hash and its own content.

    Existing rows are hashed in id order (the triggers that refuse updates are lifted for the
    back-fill and put back, in the form that lets an erasure redact details but nothing the chain
    covers; :func:`lookbook.store.integrity.ensure_audit_triggers` re-creates them at every open).
    """
    import hashlib
    import json

    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    _run(
        db,
        """
DROP TRIGGER IF EXISTS audit_log_no_update;
DROP TRIGGER IF EXISTS audit_log_no_delete;
ALTER TABLE audit_log ADD COLUMN detail_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT
""",
    )
    prev = "0" * 64
    rows = db.execute("SELECT id, at, actor, action, entity, entity_id, detail FROM audit_log ORDER BY id").fetchall()
    for row_id, at, actor, action, entity, entity_id, detail in rows:
        detail_hash = digest(detail)
        canonical = json.dumps([prev, int(row_id), at, actor, action, entity, entity_id, detail_hash],
                               ensure_ascii=False, separators=(",", ":"))
        prev = digest(canonical)
        db.execute("UPDATE audit_log SET detail_hash = ?, hash = ? WHERE id = ?", [detail_hash, prev, row_id])
    _run(
        db,
        """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (new.id IS old.id AND new.at IS old.at AND new.actor IS old.actor AND new.action IS old.action
          AND new.entity IS old.entity AND new.entity_id IS old.entity_id AND new.detail_hash IS old.detail_hash
          AND new.hash IS old.hash AND json_valid(new.detail)
          AND json_extract(new.detail, '$._erased_by') IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
""",
    )


@migrations()
def m011_outgoing_message_pictures(db: Database) -> None:
    """Keep on each message the pictures its e-mail carries (the card's hero shots, frozen at drafting)."""
    # JSON list of {"path", "alt", "caption"}; NULL for X messages and messages drafted before this.
    _run(db, "ALTER TABLE messages ADD COLUMN shots TEXT")


@migrations()
def m012_composer_set_card_composition(db: Database) -> None:
    """Keep each set's card composition: its layout, what each slot shows, the captions and the header."""
    # JSON (lookbook.lookbooks.composer.Composition.as_json); NULL: never composed, the card is laid out by default.
    db.execute("ALTER TABLE sets ADD COLUMN card_composition TEXT")


@migrations()
def m013_loop_holds(db: Database) -> None:
    """Keep the units put aside for customers ("Shall I put one aside for you?") until a date."""
    # status: active until it expires (until passes), is released, or is turned into a sale (purchase_id).
    # Availability reads only active holds whose until is still ahead, so a hold not yet swept to
    # 'expired' stops holding its unit at its date all the same.
    _run(
        db,
        """
CREATE TABLE holds (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    size TEXT NOT NULL,
    quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
    until TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released', 'sold', 'expired')),
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    reply_id INTEGER REFERENCES replies(id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_by TEXT,
    closed_at TEXT,
    purchase_id INTEGER REFERENCES purchases(id) ON DELETE SET NULL
);
CREATE INDEX idx_holds_active ON holds(product_id, size, until) WHERE status = 'active';
CREATE INDEX idx_holds_customer ON holds(customer_id, status)
""",
    )


@migrations()
def m014_loop_tasks(db: Database) -> None:
    """Keep the follow-up tasks the app makes for each associate (answer a reply, a hold ending, ...)."""
    # key: what the task is about ("reply:12", "hold:3", "follow_up:7", "lapsed:5:2026-01-02"), unique, so
    # making the tasks again adds only new ones and a task once done or dismissed never comes back.
    # associate: the customer's associate's username when the task was made (NULL: nobody's yet).
    _run(
        db,
        """
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('answer_reply', 'hold_expiring', 'follow_up', 'lapsed',
                                       'confirm_opt_out')),
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    associate TEXT,
    title TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'snoozed', 'done', 'dismissed')),
    snoozed_until TEXT,
    created_at TEXT NOT NULL,
    closed_by TEXT,
    closed_at TEXT
);
CREATE INDEX idx_tasks_open ON tasks(status, associate, due_at);
CREATE INDEX idx_tasks_customer ON tasks(customer_id, status)
""",
    )


@migrations()
def m015_loop_conversations(db: Database) -> None:
    """Remember which replies have been read (unread counts) and which reply each answer answers."""
    # replies.read_at/read_by: when and by whom the conversation was opened after the reply came in.
    # messages.answers_reply_id: the reply an associate's answer from the Conversations page answers.
    # replies.email_references: an e-mail reply's References and In-Reply-To ids, so an answer continues the thread.
    _run(
        db,
        """
ALTER TABLE replies ADD COLUMN read_at TEXT;
ALTER TABLE replies ADD COLUMN read_by TEXT;
ALTER TABLE replies ADD COLUMN email_references TEXT;
ALTER TABLE messages ADD COLUMN answers_reply_id INTEGER REFERENCES replies(id);
CREATE INDEX idx_replies_customer ON replies(customer_id, received_at);
CREATE INDEX idx_replies_unread ON replies(customer_id) WHERE read_at IS NULL
""",
    )


@migrations()
def m016_speed_dashboard_fans(db: Database) -> None:
    """Keep the brand dashboard's fan counts up to date as customers change (issue 18: 3-9 s on a million).

    ``dashboard_fans`` holds, per customer who is a fan of some brand, their sizes (a JSON object) and the brands
    they are a fan of (a JSON array); ``dashboard_profiles`` counts fans by brand and sizes, kept equal to it by
    triggers. Changes to a customer's likes, sizes and purchases only mark them in ``dashboard_dirty``; the
    dashboard brings those customers up to date before it reads (``lookbook.catalog.dashboard.refresh``).
    """
    # _run splits statements at ";" + newline: inside a trigger's body a ";" is followed by a space. No
    # INSERT OR IGNORE in a trigger: the statement that fires it (a foreign key's SET NULL) imposes its own
    # conflict policy, so a second mark of the same customer would fail.
    def mark(who: str) -> str:
        return (f"INSERT INTO dashboard_dirty (customer_id) SELECT {who}.customer_id WHERE NOT EXISTS"
                f" (SELECT 1 FROM dashboard_dirty WHERE customer_id = {who}.customer_id); ")

    dirty = []
    for table in ("customer_brands", "customer_sizes", "purchases"):
        dirty.append(f"""
CREATE TRIGGER dashboard_dirty_{table}_ai AFTER INSERT ON {table} BEGIN {mark("new")}END;
CREATE TRIGGER dashboard_dirty_{table}_au AFTER UPDATE ON {table} BEGIN {mark("old")}{mark("new")}END;
CREATE TRIGGER dashboard_dirty_{table}_ad AFTER DELETE ON {table} BEGIN {mark("old")}END""")
    _run(
        db,
        """
CREATE TABLE dashboard_fans (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    brands TEXT NOT NULL
);
CREATE TABLE dashboard_profiles (
    brand_id INTEGER NOT NULL,
    profile TEXT NOT NULL,
    fans INTEGER NOT NULL,
    PRIMARY KEY (brand_id, profile)
) WITHOUT ROWID;
CREATE TABLE dashboard_dirty (customer_id INTEGER PRIMARY KEY);
CREATE TRIGGER dashboard_fans_ai AFTER INSERT ON dashboard_fans
BEGIN
    INSERT INTO dashboard_profiles (brand_id, profile, fans)
    SELECT value, new.profile, 1 FROM json_each(new.brands) WHERE true
    ON CONFLICT (brand_id, profile) DO UPDATE SET fans = fans + 1; END;
CREATE TRIGGER dashboard_fans_ad AFTER DELETE ON dashboard_fans
BEGIN
    UPDATE dashboard_profiles SET fans = fans - 1
    WHERE profile = old.profile AND brand_id IN (SELECT value FROM json_each(old.brands)); END;
CREATE TRIGGER dashboard_dirty_products_au AFTER UPDATE OF brand_id ON products
BEGIN
    INSERT INTO dashboard_dirty (customer_id) SELECT DISTINCT p.customer_id FROM purchases AS p
    WHERE p.product_id = new.id
    AND NOT EXISTS (SELECT 1 FROM dashboard_dirty AS d WHERE d.customer_id = p.customer_id); END;
"""
        + ";\n".join(dirty)
        + """;
INSERT OR IGNORE INTO dashboard_dirty (customer_id) SELECT customer_id FROM customer_brands
    UNION SELECT customer_id FROM purchases
""",
    )


@migrations()
def m017_whatsapp_delivery_status(db: Database) -> None:
    """Each message's delivery status as the channel reports it afterwards (WhatsApp's webhook: sent, delivered,
    read, failed) and when, beside the outbox state (which says only that the channel took it)."""
    _run(db, """
ALTER TABLE messages ADD COLUMN delivery_status TEXT;
ALTER TABLE messages ADD COLUMN delivery_status_at TEXT
""")


@migrations()
def m018_customers_compact_storage(db: Database) -> None:
    """Write less per customer (issue 18: a million-row import wrote 1.15 GB): sizes and brand stances kept in
    their primary key's order alone, one consent-ledger record per import with a line number per entry, and a
    search index without the column sizes nothing reads.

    * ``customer_sizes`` and ``customer_brands`` become WITHOUT ROWID tables keyed as before: each row is stored
      once, in its primary key, instead of in a rowid table and again in the key's index.
    * The ledger's rows move to ``consent_entries``; an entry written by an import leaves its time, its user and its
      note to the import's one ``consent_batches`` record (the note is the batch's words and the entry's line).
      ``consents`` is now a view giving every entry as before, same ids, same columns, same values; writes
      through it still work (INSTEAD OF triggers), and ``consents_current_ai`` keeps the current consent on
      each new entry, so an opt-out takes effect at once as before.
    * ``customers_fts`` is rebuilt with ``columnsize=0``: ranking by column length (bm25) is never asked for.
    * ``idx_customer_brands_brand`` goes: ``idx_customer_brands_brand_customer`` answers what it did.
    * The ledger is indexed by customer alone: a customer has a handful of entries, found, then picked by
      channel and scope (the current consent of a million is ``consent_current``).
    """
    # Every query of a brand's stances reads idx_customer_brands_brand_customer (brand_id, customer_id, stance,
    # source) as well: the narrower (brand_id, stance) index was a second copy.
    dropped = "idx_customer_brands_brand"

    def rebuild(table: str, create: str, columns: str) -> None:
        # SQLite's own recipe for changing a table's form: new table, copy, drop, rename; then the indexes and
        # triggers it had, from their own SQL.
        kept = [sql for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
                                             " AND type IN ('index', 'trigger') AND name != ?",
                                             [table, dropped]).fetchall()]
        db.execute(create.format(name=f"{table}_new"))
        db.execute(f"INSERT INTO {table}_new ({columns}) SELECT {columns} FROM {table} ORDER BY 1, 2")
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
        for sql in kept:
            db.execute(sql)

    rebuild("customer_sizes", """CREATE TABLE {name} (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    size TEXT NOT NULL,
    PRIMARY KEY (customer_id, category)
) WITHOUT ROWID""", "customer_id, category, size")
    rebuild("customer_brands", """CREATE TABLE {name} (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    stance TEXT NOT NULL CHECK (stance IN ('like', 'dislike')),
    source TEXT NOT NULL DEFAULT 'stated',
    PRIMARY KEY (customer_id, brand_id)
) WITHOUT ROWID""", "customer_id, brand_id, stance, source")
    # An entry either carries its own time, user and note, or belongs to a batch that does.
    _run(db, """
CREATE TABLE consent_batches (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE consent_entries (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('one_to_one', 'marketing')),
    granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
    at TEXT,
    by_user TEXT,
    source TEXT NOT NULL,
    note TEXT,
    confirmed_by TEXT,
    confirmed_at TEXT,
    confirmation TEXT,
    batch_id INTEGER REFERENCES consent_batches(id),
    line INTEGER,
    CHECK (batch_id IS NOT NULL OR (at IS NOT NULL AND by_user IS NOT NULL AND note IS NOT NULL))
);
INSERT INTO consent_entries (id, customer_id, channel, scope, granted, at, by_user, source, note, confirmed_by,
    confirmed_at, confirmation)
SELECT id, customer_id, channel, scope, granted, at, by_user, source, note, confirmed_by, confirmed_at, confirmation
FROM consents ORDER BY id;
DROP TABLE consents;
CREATE INDEX idx_consents_customer ON consent_entries(customer_id);
CREATE VIEW consents AS SELECT e.id AS id, e.customer_id AS customer_id, e.channel AS channel, e.scope AS scope,
    e.granted AS granted, coalesce(e.at, b.at) AS at, coalesce(e.by_user, b.by_user) AS by_user, e.source AS source,
    coalesce(e.note, b.note || e.line) AS note, e.confirmed_by AS confirmed_by, e.confirmed_at AS confirmed_at,
    e.confirmation AS confirmation
FROM consent_entries AS e LEFT JOIN consent_batches AS b ON b.id = e.batch_id;
CREATE TRIGGER consents_current_ai AFTER INSERT ON consent_entries BEGIN INSERT INTO consent_current (customer_id, channel, scope, granted, at, consent_id) VALUES (new.customer_id, new.channel, new.scope, new.granted, coalesce(new.at, (SELECT at FROM consent_batches WHERE id = new.batch_id)), new.id) ON CONFLICT (customer_id, channel, scope) DO UPDATE SET granted = excluded.granted, at = excluded.at, consent_id = excluded.consent_id WHERE excluded.consent_id > consent_current.consent_id; END;
CREATE TRIGGER consents_ii INSTEAD OF INSERT ON consents BEGIN INSERT INTO consent_entries (id, customer_id, channel, scope, granted, at, by_user, source, note, confirmed_by, confirmed_at, confirmation) VALUES (new.id, new.customer_id, new.channel, new.scope, new.granted, new.at, new.by_user, new.source, coalesce(new.note, ''), new.confirmed_by, new.confirmed_at, new.confirmation); END;
CREATE TRIGGER consents_iu INSTEAD OF UPDATE ON consents BEGIN UPDATE consent_entries SET customer_id = new.customer_id, channel = new.channel, scope = new.scope, granted = new.granted, at = CASE WHEN new.at IS old.at THEN at ELSE new.at END, by_user = CASE WHEN new.by_user IS old.by_user THEN by_user ELSE new.by_user END, source = new.source, note = CASE WHEN new.note IS old.note THEN note ELSE new.note END, line = CASE WHEN new.note IS old.note THEN line END, confirmed_by = new.confirmed_by, confirmed_at = new.confirmed_at, confirmation = new.confirmation WHERE id = old.id; END;
CREATE TRIGGER consents_id INSTEAD OF DELETE ON consents BEGIN DELETE FROM consent_entries WHERE id = old.id; END;
DROP TABLE customers_fts;
CREATE VIRTUAL TABLE customers_fts USING FTS5 (
    first_name, last_name, email, x_handle, instagram,
    tokenize = 'unicode61 remove_diacritics 2',
    content = customers, content_rowid = id, columnsize = 0
);
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild')
""")  # noqa: E501 -- a trigger's body is one statement line (_run splits at ";" + newline)


@migrations()
def m019_photos_review_reasons(db: Database) -> None:
    """Why each flagged photo is flagged: a JSON list of ``{"kind", "text"}`` (``lookbook.photos.review``), written
    with ``needs_review`` and cleared with it. Photos flagged before keep NULL here: they read as "flagged before
    reasons were kept"."""
    _run(db, "ALTER TABLE photos ADD COLUMN review_reasons TEXT")
