"""Who may do what: the role matrix, written once, and the one function that enforces it.

Each row of :data:`MATRIX` is one operation: the command-line verbs and the app's actions that perform it,
and the roles allowed to. The command line checks every verb through :func:`require` before its handler runs
(``lookbook.cli.main``), the core operations named here check it again, the app enables its buttons with
:func:`allowed`, the README's "Roles" table is :func:`markdown_table`, and the tests are generated from the
same rows, so a verb cannot be added without a decision about who may run it.

Operations marked ``signin=False`` read the library or act on no one's behalf (``init``, ``list``); they run
without ``--as`` as before, and with ``--as`` the role is still checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from lookbook.store.database import Store
from lookbook.store.users import ROLES, PermissionDenied, User

ASSOCIATE, MERCHANDISER, MANAGER, ADMIN = ROLES
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Permission:
    """One operation: its CLI verbs, its app actions and the roles that may perform it."""

    action: str
    what: str
    roles: frozenset[str]
    cli: tuple[str, ...] = ()
    app: tuple[str, ...] = ()
    #: Whether the operation needs a signed-in user (``--as`` on the command line).
    signin: bool = True
    #: A rule beyond the role, shown in the table.
    note: str = ""
    #: When this holds the operation needs no sign-in: an option's name (``dry_run``) or ``first_account``.
    unless: str = ""


def _p(action: str, what: str, roles: set[str] | frozenset[str], cli: tuple[str, ...] = (),
       app: tuple[str, ...] = (), *, signin: bool = True, note: str = "", unless: str = "") -> Permission:
    return Permission(action, what, frozenset(roles), cli, app, signin, note, unless)


_A, _M, _G, _D = ASSOCIATE, MERCHANDISER, MANAGER, ADMIN
_DRAFTERS = {_A, _M, _G}

#: The role matrix: every CLI verb and every app action, by operation.
MATRIX: tuple[Permission, ...] = (
    # -- the library --------------------------------------------------------------------------------------
    _p("library.create", "create a library or the demo", EVERYONE, ("init", "demo"),
       ("File ▸ New Library…", "File ▸ Open the Demo Library"), signin=False),
    _p("library.read", "see the library, its products, customers, sets and messages", EVERYONE,
       ("info", "products list", "brands list", "brands dashboard", "customers list", "customers search",
        "customers show", "sets list", "sets show", "photos list", "photos unassigned", "presets list", "presets show",
        "outbox list", "outbox template list", "outbox template show", "users list", "audit", "delivery status",
        "sets card", "layouts list", "layouts check", "settings list", "settings get",
        "holds list", "report", "tasks list", "conversations list", "conversations show"),
       ("Products page", "Customers page", "Outbox page", "Approvals page (read)", "Reports page", "Tasks page",
        "Conversations page"),
       signin=False),
    _p("library.check", "check the library (`audit verify`: its audit log), take and list backups", EVERYONE,
       ("check", "backup", "backups list"), signin=False),
    _p("library.restore", "put back a verified backup of the library", EVERYONE, ("restore",),
       ("File ▸ Restore…",), signin=False,
       note="whoever can write the library's folder: a damaged library may not be able to sign anyone in"),
    _p("sets.match", "match customers to a set and preview its message", EVERYONE,
       ("sets match", "outbox preview"),
       ("Match & Compose ▸ Match Again", "Match & Compose ▸ Preview as Customers"), signin=False),
    _p("photos.detect", "detect the garment box in photos", EVERYONE, ("detect",), signin=False),
    _p("outbox.expire", "expire stale pending messages (also done by the sender and at start)", EVERYONE,
       ("outbox expire",), signin=False),
    _p("outbox.replies", "fetch customers' replies (STOP withdraws consent)", EVERYONE,
       ("outbox replies", "outbox whatsapp-webhook", "conversations fetch"),
       ("Outbox ▸ Check Replies",), signin=False),
    _p("tasks.refresh", "make the follow-up tasks now due (also done by the Tasks page and `tasks list`)", EVERYONE,
       ("tasks refresh",), signin=False),
    # -- photos, catalog, sets, presets -------------------------------------------------------------------
    _p("photos.import", "import, render and tie photos", EVERYONE,
       ("photos import", "photos render", "render", "photos assign", "photos tie", "photos neutral",
        "photos box", "photos review"),
       ("File ▸ Import Photos…", "Shoot ▸ Render All",
        "Shoot ▸ Use Detected Box / Box Is Right / Hero Is Clean / Looks Right", "Shoot ▸ Pick White Point")),
    _p("catalog.import", "import the catalog", {_M, _G, _D}, ("catalog import",), ("File ▸ Import Catalog…",),
       note="`--dry-run` needs no sign-in", unless="dry_run"),
    _p("sets.edit", "create, change and delete sets", {_M, _G, _D},
       ("sets create", "sets add", "sets remove", "sets reorder", "sets rename", "sets delete", "sets layout",
        "layouts save"),
       ("Products ▸ New set / Add / Remove / Move to front / Delete set",
        "Compose ▸ Layout / Slots / Crop / Captions / Save Layout As")),
    _p("presets.edit", "change style presets", {_M, _G, _D},
       ("presets add", "presets edit", "presets delete", "presets default"), ("Edit ▸ Presets…",)),
    # -- customers ----------------------------------------------------------------------------------------
    _p("customers.edit", "add and edit customers, their sizes, likes, purchases and pauses", EVERYONE,
       ("customers add", "customers edit", "customers pause", "customers unpause", "customers not-brand",
        "customers like", "customers sizes", "customers purchase"),
       ("Customers ▸ Add Customer…", "Profile ▸ Edit / Pause / Not This Brand / Likes It")),
    _p("customers.consent", "record consent and unsubscribes", EVERYONE,
       ("customers consent", "customers unsubscribe-all"), ("Profile ▸ Grant / Withdraw",)),
    _p("customers.import", "import customers and purchases", EVERYONE,
       ("customers import", "customers import-purchases"),
       ("Customers ▸ Import CSV…", "Customers ▸ Import Purchases…")),
    _p("customers.export", "export the customer book", EVERYONE, ("customers export",),
       ("Customers ▸ Export CSV…",)),
    _p("customers.merge", "find and merge duplicate customers", EVERYONE, ("customers duplicates",),
       ("Customers ▸ Find Duplicates…",)),
    _p("customers.transfer", "hand a customer over to another associate", {_G}, ("customers transfer",),
       note="recorded in the audit log; one-to-one messages go only from the customer's own associate"),
    _p("customers.erase", "erase a customer's personal data on their request", {_G, _D}, ("customers erase",),
       note="everywhere in the library; ids, states and the audit chain stay; recorded in the audit log"),
    _p("holds.edit", "put a product aside for a customer, release a hold or turn it into a sale", {_A, _G, _D},
       ("holds add", "holds release", "holds sell"), ("Profile ▸ Put One Aside / Release / Sold",),
       note="held units are offered to no one else until the hold ends; recorded in the audit log"),
    _p("tasks.work", "mark follow-up tasks done, snooze or dismiss them, confirm a possible opt-out", {_A, _G, _D},
       ("tasks done", "tasks snooze", "tasks dismiss", "tasks confirm-stop"),
       ("Tasks ▸ Done / Snooze / Dismiss / Opt-Out / Not an Opt-Out", "Profile ▸ Tasks"),
       note="recorded in the audit log; confirming a stop withdraws consent on that channel"),
    _p("conversations.answer", "answer a customer in their conversation", {_A, _G, _D}, ("conversations answer",),
       ("Conversations ▸ Send Answer",),
       note="no manager approval for a customer who wrote first unless the store requires it; needs consent"),
    # -- messages -----------------------------------------------------------------------------------------
    _p("outbox.draft", "draft and submit messages", _DRAFTERS,
       ("outbox draft", "outbox submit"), ("Match & Compose ▸ Draft Messages", "Match & Compose ▸ Submit")),
    _p("outbox.templates", "save and delete message templates", _DRAFTERS,
       ("outbox template save", "outbox template delete"), ("Match & Compose ▸ New… / Edit… template",)),
    _p("outbox.edit", "edit a message's text", _DRAFTERS, ("outbox edit",), ("Approvals ▸ Save Edit",),
       note="one's own messages; a manager any"),
    _p("outbox.approve", "approve or reject messages", {_G}, ("outbox approve", "outbox reject"),
       ("Approvals ▸ Approve / Reject Set", "Approvals ▸ Approve / Reject Selected"),
       note="never what one drafted or last changed (two-person rule)"),
    _p("outbox.allow_more", "let a set go past the associate cap", {_G}, ("outbox allow-more",)),
    _p("outbox.cancel", "cancel messages that have not gone out", _DRAFTERS, ("outbox cancel",),
       note="associates and merchandisers: only their own drafts and pending messages"),
    _p("outbox.send", "send approved messages, retry failed ones", {_A, _G, _D},
       ("outbox send", "outbox retry"), ("Outbox ▸ Send Approved", "Outbox ▸ Retry Selected")),
    _p("outbox.offer", "offer a refused message on the next channel", _DRAFTERS, ("outbox offer",),
       ("Outbox ▸ Offer E-mail Instead",)),
    _p("delivery.reachable", "try a refused channel again for a customer", {_A, _G, _D},
       ("delivery reachable",)),
    _p("delivery.settings",
       "set up the X account, the mail server, the mailbox replies come to, the Twilio account for SMS, the WhatsApp "
       "number and the e-mail footer (store name, address)",
       {_G, _D},
       ("delivery x-app", "delivery x-sign-in", "delivery x-tokens", "delivery x-sign-out", "delivery email",
        "delivery sms", "delivery whatsapp", "delivery credentials", "delivery store", "conversations mailbox"),
       ("Delivery ▸ Save X / Sign in with X / Sign Out / Use These Tokens / Save E-mail / Save SMS / Save WhatsApp",)),
    _p("settings.change", "change the settings that rule sending (quiet hours, caps, time zone, expiry, timeouts)",
       {_G, _D}, ("settings set",), ("Settings ▸ Sending ▸ Save",), note="each change recorded in the audit log"),
    # -- accounts -----------------------------------------------------------------------------------------
    _p("users.manage", "create accounts, change their roles, deactivate or reactivate them", {_D},
       ("users add", "users activate", "users deactivate", "users role"),
       ("Settings ▸ Staff ▸ Add / Role / Deactivate / Reactivate / Reset Password",
        "File ▸ New Library… (first admin)"),
       note="the first account of a new library needs no sign-in", unless="first_account"),
    _p("users.password", "change one's password", EVERYONE, ("users passwd",),
       ("File ▸ Sign In…",), note="another person's only as an admin (a reset)"),
)

_BY_ACTION = {p.action: p for p in MATRIX}
_BY_VERB = {verb: p for p in MATRIX for verb in p.cli}


def permission(action: str) -> Permission:
    """Return the row for ``action`` (such as ``outbox.send``).

    :raises KeyError: if there is none (a programming error).
    """
    return _BY_ACTION[action]


def for_verb(verb: str) -> Permission | None:
    """Return the row holding the CLI verb ``verb`` (such as ``outbox send``), or None."""
    return _BY_VERB.get(verb)


def roles_for(action: str) -> tuple[str, ...]:
    """Return the roles that may perform ``action``, in :data:`ROLES` order."""
    allowed_roles = _BY_ACTION[action].roles
    return tuple(r for r in ROLES if r in allowed_roles)


def allowed(role: str | None, action: str) -> bool:
    """Return whether ``role`` may perform ``action`` (for the app's buttons)."""
    return role in _BY_ACTION[action].roles


def _an(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def who_may(action: str) -> str:
    """Return the roles that may perform ``action`` as words: "an associate, a manager or an admin"."""
    names = [_an(r) for r in roles_for(action)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def require(store: Store, username: str, action: str) -> User:
    """Return the active account ``username`` if its role may perform ``action``; the one check.

    :raises PermissionDenied: with a one-line message naming the role and who may.
    """
    rule = _BY_ACTION[action]
    row = store.db.execute("SELECT id, username, display_name, role, active FROM users WHERE username = ?",
                           [username]).fetchone()
    who = who_may(action)
    if row is None or not row[4]:
        raise PermissionDenied(f"'{username}' is not an active user; only {who} may {rule.what}.")
    if row[3] not in rule.roles:
        raise PermissionDenied(f"'{row[1]}' is {_an(row[3])}; only {who} may {rule.what}.")
    return User(row[0], row[1], row[2], row[3], bool(row[4]))


def markdown_table() -> str:
    """Return the matrix as the Markdown table the README shows (generated; a test keeps them equal)."""
    head = "| What | Command line | App | " + " | ".join(ROLES) + " |"
    lines = [head, "|" + "---|" * (3 + len(ROLES))]
    for rule in MATRIX:
        cli = ", ".join(f"`{v}`" for v in rule.cli) or "—"
        app = ", ".join(rule.app) or "—"
        what = rule.what + (f" ({rule.note})" if rule.note else "") + ("" if rule.signin else "; no sign-in needed")
        marks = " | ".join("yes" if r in rule.roles else "—" for r in ROLES)
        lines.append(f"| {what} | {cli} | {app} | {marks} |")
    return "\n".join(lines) + "\n"
