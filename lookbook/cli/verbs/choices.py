"""The values the parser offers, copied from the core so that building it imports none of the core.

Every ``lookbook`` command, ``--help`` and ``--version`` included, builds the whole parser before it runs; the
modules these come from import the store (and sqlite_utils), the outbox or OpenCV. Each name says where the
original is; ``tests/test_cli_startup.py`` checks every one against it, so a change there fails the tests
until it is made here too.
"""

from __future__ import annotations

from lookbook.outbox.channels import registry

#: ``lookbook.customers.book.SORTS`` (its keys).
CUSTOMER_SORTS = ("name", "first_name", "email", "last_contacted", "created", "id")
#: ``lookbook.customers.book.FIELDS``.
CUSTOMER_FIELDS = ("first_name", "last_name", "email", "x_handle", "x_user_id", "instagram", "phone",
                   "preferred_channel", "timezone", "associate_id", "notes", "last_contacted_at")
#: ``lookbook.customers.book.PAUSE_DAYS_DEFAULT``.
PAUSE_DAYS_DEFAULT = 30
#: ``lookbook.customers.consent.CHANNELS`` and ``SCOPES``.
CONSENT_CHANNELS = ("x", "email", "instagram", "sms", "whatsapp")
CONSENT_SCOPES = ("one_to_one", "marketing")
#: ``lookbook.outbox.messages.STATES``.
OUTBOX_STATES = ("draft", "pending", "approved", "rejected", "queued", "sending", "sent", "failed", "cancelled",
                 "expired")
#: ``lookbook.store.users.ROLES``.
ROLES = ("associate", "merchandiser", "manager", "admin")
#: ``lookbook.outbox.channels.email.SECURITY``.
EMAIL_SECURITY = ("starttls", "tls", "plain")
#: The registered delivery channels (``lookbook.outbox.channels.registry`` is light: it imports no channel module).
REACHABILITY_CHANNELS = tuple(sorted(registry.names()))
#: ``lookbook.photos.presets.ASPECTS`` and ``BACKGROUNDS`` (their keys).
PRESET_ASPECTS = ("4:5", "1:1", "9:16")
PRESET_BACKGROUNDS = ("white", "grey", "keep")
#: ``lookbook.lookbooks.layouts.OUTPUT_SIZES`` (its keys).
CARD_OUTPUTS = ("x", "email", "pdf", "square", "portrait")
