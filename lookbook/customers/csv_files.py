"""Customer files: importing and exporting the customer book as CSV.

One row per customer. Columns are found by header, in any order, under the usual
names (see :data:`COLUMN_ALIASES` and the README's "Customer file format"): brand
likes as a ``;``-separated list, sizes as ``shirt=M;trousers=32``, consent per
channel in the store's words ("1 to 1 only", "subscribed to marketing",
"unsubscribed").

A row whose id, e-mail, X handle, X user id or Instagram handle belongs to a
customer already in the book updates that customer (an empty cell keeps what is
there); other rows add customers. A row that cannot be used is reported with its
line, column and reason, the rest are kept, and everything is written in one
transaction.

Built for a book of a million: rows stream from the file in chunks, each chunk is
checked a column at a time (each distinct cell once; a row that fails goes through
the row checker, for its first problem in reading order) and staged in a temporary
table, then duplicates, matches with existing customers and consent changes are
worked out with set-based SQL. A large first load drops the customer indexes and
the triggers that would work row by row (search, current consent, dashboard), does
their work in one statement each and builds the indexes once at the end, inside the
same transaction.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from lookbook.customers import consent
from lookbook.customers.book import (
    CHANNEL_ADDRESS,
    FieldError,
    categories,
    check_channel,
    check_email,
    check_instagram,
    check_phone,
    check_timezone,
    check_when,
    check_x_handle,
    check_x_user_id,
    parse_sizes,
    phone_country,
)
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.payment_cards import IMPORT_REFUSAL, has_card_number
from lookbook.progress import Progress, run_to_end
from lookbook.store.database import Store, utcnow
from lookbook.store.library import create_private_file
from lookbook.store.tabular import CsvRows, RowProblem, detect_encoding, neutralised_row, norm_header

#: Each column of a customer file and the headers that name it
#: (compared after :func:`~lookbook.store.tabular.norm_header`).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "customer id", "customer no", "customer number", "client id"),
    "first_name": ("first name", "firstname", "given name", "forename", "first"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "name": ("name", "full name", "customer", "customer name", "client", "client name"),
    "email": ("email", "e mail", "email address", "e mail address", "mail"),
    "x_handle": ("x handle", "x", "twitter", "twitter handle", "x username", "x account"),
    "x_user_id": ("x user id", "x id", "twitter id", "twitter user id"),
    "instagram": ("instagram", "instagram handle", "ig", "insta"),
    "phone": ("phone", "mobile", "telephone", "phone number", "mobile number", "cell"),
    "preferred_channel": ("preferred channel", "channel", "preferred", "contact by", "preferred contact"),
    "timezone": ("timezone", "time zone", "tz"),
    "associate": ("associate", "associate username", "stylist", "sales associate", "advisor"),
    "brand_likes": ("brand likes", "likes", "brands", "favourite brands", "favorite brands", "liked brands",
                    "preferred brands"),
    "brand_dislikes": ("brand dislikes", "dislikes", "disliked brands", "not brands", "avoid brands"),
    "sizes": ("sizes", "size", "size profile", "sizing"),
    "notes": ("notes", "note", "comments", "comment"),
    "last_contacted_at": ("last contacted", "last contacted at", "last contact", "last contact date"),
    # "WhatsApp opt-in", "whatsapp_consent", "SMS opt in", "opt-in SMS" ...: the names spreadsheets give them.
    **{f"consent_{ch}": (f"consent {ch}", f"{ch} consent", f"consent {label.lower()}", f"{label.lower()} consent",
                         f"{label.lower()} opt in", f"{label.lower()} optin", f"opt in {label.lower()}",
                         f"{label.lower()} opted in")
       for ch, label in consent.CHANNEL_LABELS.items()},
    "consent_source": ("consent source", "source"),
    "consent_confirmed_by": ("consent confirmed by", "confirmed by"),
    "consent_confirmed_at": ("consent confirmed at", "confirmed at", "confirmed on"),
    "consent_confirmed_how": ("consent confirmed how", "confirmed how", "how confirmed", "confirmation"),
}
#: Columns written by :func:`export_customers`, which an import reads back unchanged.
EXPORT_COLUMNS = ("id", "first_name", "last_name", "email", "x_handle", "x_user_id", "instagram", "phone",
                  "preferred_channel", "timezone", "associate", "brand_likes", "brand_dislikes", "sizes", "notes",
                  "last_contacted_at", *(f"consent_{ch}" for ch in consent.CHANNELS))
#: Keys that identify a customer, checked in this order when matching a row to the book.
IDENTITY_KEYS = ("email", "x_handle", "x_user_id", "instagram")
_KEY_WORDS = {"email": "e-mail", "x_handle": "X handle", "x_user_id": "X user id", "instagram": "Instagram handle"}
_TEXT_FIELDS = ("first_name", "last_name", "notes")
_CHECKED: dict[str, Callable[[str], str]] = {
            "email": check_email, "x_handle": check_x_handle, "x_user_id": check_x_user_id,
            "instagram": check_instagram, "phone": check_phone, "timezone": check_timezone,
            "preferred_channel": check_channel}
#: A cheap test per field whose success means the field's check would give the text back unchanged; only
#: text that fails it gets the full check (and its message).
_PLAIN: dict[str, Callable[[str], Any]] = {
    "x_handle": re.compile(r"[A-Za-z0-9_]{1,15}").fullmatch,
    "preferred_channel": frozenset(consent.CHANNELS).__contains__,
}
_CHUNK = 5000
#: Distinct likes, dislikes, sizes or consent texts remembered per import (a bound on memory).
_MEMO_LIMIT = 100_000
#: A load of more new customers than this (and more than the book holds) rebuilds indexes once at the end.
BULK_THRESHOLD = 50_000
#: Rejected rows kept in a report; a file with more says how many were left out.
MAX_PROBLEMS = 10_000
_STAGE_COLUMNS = ("line", "id_given", "first_name", "last_name", "email", "x_handle", "x_user_id", "instagram",
                  "phone", "preferred_channel", "timezone", "associate_id", "notes", "last_contacted_at", "likes",
                  "dislikes", "sizes", "consents", "consent_source", "conf_by", "conf_at", "conf_how")
#: The file's columns each staged column comes from; a file without them stages NULL there without binding it
#: (a million NULL parameters cost seconds).
_STAGE_SOURCES: dict[str, tuple[str, ...]] = {
    "line": (), "id_given": ("id",), "first_name": ("first_name", "name"), "last_name": ("last_name", "name"),
    **{key: (key,) for key in ("email", "x_handle", "x_user_id", "instagram", "phone", "preferred_channel",
                               "timezone", "notes", "last_contacted_at", "consent_source")},
    "associate_id": ("associate",), "likes": ("brand_likes",), "dislikes": ("brand_dislikes",), "sizes": ("sizes",),
    "consents": tuple(f"consent_{ch}" for ch in consent.CHANNELS),
    **dict.fromkeys(("conf_by", "conf_at", "conf_how"),
                    ("consent_confirmed_by", "consent_confirmed_at", "consent_confirmed_how")),
}
_CUSTOMER_COLUMNS = ("first_name", "last_name", "email", "x_handle", "x_user_id", "instagram", "phone",
                     "preferred_channel", "timezone", "associate_id", "notes", "last_contacted_at")


@dataclass
class ImportReport:
    """What a customer import did (or, for a dry run, would do)."""

    path: Path
    encoding: str = "UTF-8"
    delimiter: str = ","
    encoding_note: str | None = None
    dry_run: bool = False
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    consent_entries: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    problems_left_out: int = 0
    changes: Changes = field(default_factory=Changes)

    @property
    def rejected(self) -> int:
        """Return how many rows were rejected."""
        return len(self.problems) + self.problems_left_out

    def summary(self) -> str:
        """Return one line saying what changed, for the command line and the status bar."""
        verb = "would add" if self.dry_run else "added"
        return (f"{self.path.name}: {self.rows_read} rows read; {verb} {self.added} customers, updated "
                f"{self.updated}, {self.consent_entries} consent entries; {self.rejected} rows rejected.")

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {"file": str(self.path), "encoding": self.encoding, "encoding_note": self.encoding_note,
                "delimiter": self.delimiter, "dry_run": self.dry_run, "rows_read": self.rows_read,
                "added": self.added, "updated": self.updated, "consent_entries": self.consent_entries,
                "rejected": self.rejected, "ignored_columns": self.ignored_columns,
                "problems": [{"line": p.line, "column": p.column, "reason": p.reason} for p in self.problems],
                "problems_left_out": self.problems_left_out}

    def _reject(self, line: int, column: str | None, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(RowProblem(line, column, reason))
        else:
            self.problems_left_out += 1


class _DryRun(Exception):
    """Raised inside the transaction of a dry run to roll everything back."""


# -- reading the file ------------------------------------------------------------------


_HEADER_LOOKUP = {norm_header(alias): key for key, aliases in COLUMN_ALIASES.items()
                  for alias in (*aliases, key)}


# -- checking rows -------------------------------------------------------------------------


class _RowChecker:
    """Turns one CSV row into a staged tuple, or raises :class:`_Bad` naming the column at fault."""

    def __init__(self, store: Store, columns: dict[str, int], width: int) -> None:
        self.columns = columns
        self.width = width
        self.brands = {name.lower(): (bid, name) for bid, name in store.db.execute("SELECT id, name FROM brands")}
        self.users = {name.lower(): uid for uid, name in store.db.execute("SELECT id, username FROM users")}
        self.categories = categories(store)
        self.present = list(columns.items())
        country = phone_country(store)  # phone numbers in local form are read in the store's country
        checked = {**_CHECKED, "phone": lambda value: check_phone(value, country)}
        self.checks = [(key, check, _PLAIN.get(key)) for key, check in checked.items() if key in columns]
        self.consent_columns = [(ch, f"consent_{ch}") for ch in consent.CHANNELS if f"consent_{ch}" in columns]
        self.consent_keys = [column for _, column in self.consent_columns]
        self._unknown_brand: dict[str, str] = {}
        self._levels: dict[str, str] = {}
        # The cells of a full-width row in one C call; a short row falls back to a loop in stage().
        self.keys = [key for key, _ in self.present]
        indexes = [i for _, i in self.present]
        self.pick = itemgetter(*indexes) if len(indexes) > 1 else (lambda cells, i=indexes[0]: (cells[i],))
        # Only the staged columns this file can fill (always the line and a name or identity column: two or more).
        self.stage_columns = [c for c in _STAGE_COLUMNS if c == "line" or columns.keys() & set(_STAGE_SOURCES[c])]
        self.staged = itemgetter(*(_STAGE_COLUMNS.index(c) for c in self.stage_columns))
        # What a new customer who likes a brand counts for on the dashboard (see _restore_indexes): two more
        # staged columns, worked out once per distinct likes and sizes cell.
        self.fan_columns = ("fan_profile", "fan_brands") if "likes" in self.stage_columns else ()
        self._fan_at = (self.stage_columns.index("likes") if self.fan_columns else 0,
                        self.stage_columns.index("sizes") if "sizes" in self.stage_columns else None)
        self._fan_brands: dict[str | None, str | None] = {None: None}
        self._fan_profile: dict[str | None, str | None] = {None: None}
        # Likes, dislikes, sizes and consent cells repeat across a big file: each distinct text is
        # checked and turned into its staged JSON once (bad text is never kept, so it fails every time).
        self._staged: dict[str, dict[Any, Any]] = {"brand_likes": {}, "brand_dislikes": {}, "sizes": {},
                                                   "consents": {}}

    def _remember(self, kind: str, key: Any, value: Any) -> Any:
        memo = self._staged[kind]
        if len(memo) < _MEMO_LIMIT:
            memo[key] = value
        return value

    def brand_list(self, text: str, column: str) -> tuple[list[int], str]:
        """Return the brand ids of a likes/dislikes cell and their staged JSON list."""
        hit = self._staged[column].get(text)
        if hit is None:
            ids = self.brand_ids(text, column)
            hit = self._remember(column, text, (ids, f"[{','.join(map(str, ids))}]"))
        return hit

    def sizes(self, text: str) -> str:
        """Return a sizes cell as staged JSON (``{"shirt": "M"}``)."""
        hit = self._staged["sizes"].get(text)
        if hit is None:
            try:
                sizes = parse_sizes(text, self.categories)
            except FieldError as exc:
                raise _Bad("sizes", str(exc)) from None
            hit = self._remember("sizes", text, json.dumps(sizes))
        return hit

    def consents(self, texts: tuple[str | None, ...]) -> str | None:
        """Return the consent cells of a row (in :attr:`consent_columns` order) as staged JSON, or None."""
        if texts in self._staged["consents"]:
            return self._staged["consents"][texts]
        levels = {channel: self.level(text, column)
                  for (channel, column), text in zip(self.consent_columns, texts, strict=True) if text}
        return self._remember("consents", texts, json.dumps(levels) if levels else None)

    def brand_ids(self, text: str, column: str) -> list[int]:
        ids: list[int] = []
        for part in text.split(";"):
            name = part.strip()
            if not name:
                continue
            hit = self.brands.get(name.lower())
            if hit is None:
                if name not in self._unknown_brand:
                    guess = difflib.get_close_matches(name, [n for _, n in self.brands.values()], n=1, cutoff=0.6)
                    self._unknown_brand[name] = (f"did you mean '{guess[0]}'?" if guess
                                                 else "add it to the catalog first or fix the name")
                raise _Bad(column, f"brand '{name}' is not in the catalog; {self._unknown_brand[name]}")
            ids.append(hit[0])
        return ids

    def level(self, text: str, column: str) -> str:
        if text not in self._levels:
            try:
                self._levels[text] = consent.parse_level(text)
            except InputError as exc:
                raise _Bad(column, str(exc).rstrip(".")) from None
        return self._levels[text]

    def stage(self, line: int, cells: list[str]) -> tuple[Any, ...]:
        """Return the staged row for :attr:`stage_columns`.

        In the order a person reads a row: its width, the id, the names, the checked fields (e-mail, handles,
        phone, channel, time zone), the associate, the last contact, the brands, the sizes, the consent.
        The first problem found is raised as :class:`_Bad`, naming its column.
        """
        # Runs once per row of a million-row file: one dict of the cells present, then cheap lookups.
        get = self._cells(cells).get
        id_given = self._id(get("id"))
        first, last, notes = self._names(get)
        checked = self._checked(get)
        associate_id = self._associate(get("associate"))
        contacted = self._contacted(get("last_contacted_at"))
        likes_json, dislikes_json = self._brands(get("brand_likes"), get("brand_dislikes"))
        sizes_text = get("sizes")
        sizes = self.sizes(sizes_text) if sizes_text else None
        levels = self.consents(tuple(map(get, self.consent_keys)))
        conf = self._confirmation(get("consent_confirmed_by"), get("consent_confirmed_at"),
                                  get("consent_confirmed_how"))
        return self.staged((
            line, id_given, first, last, checked.get("email"), checked.get("x_handle"), checked.get("x_user_id"),
            checked.get("instagram"), checked.get("phone"), checked.get("preferred_channel"), checked.get("timezone"),
            associate_id, notes, contacted, likes_json, dislikes_json, sizes, levels, get("consent_source") or None,
            *conf))

    def stage_chunk(self, chunk: list[tuple[int, list[str]]]) -> tuple[list[tuple[Any, ...]], list[tuple[int, _Bad]]]:
        """Return the staged rows of a chunk of ``(line, cells)`` and the rows refused, as :meth:`stage` would.

        Checked a column at a time (issue 18: a row at a time cost ~40 µs): each distinct cell of a column is
        checked once per chunk and the verdicts are spread back over the rows by C-level ``map``. A row where any
        column's check fails, or whose width differs from the header's, goes through :meth:`stage` itself, so
        that its problem is the first one in the order a person reads the row, in the same words.
        """
        n = len(chunk)
        if not n:
            return [], []
        every = list(map(itemgetter(1), chunk))
        slow: set[int] = set()
        if set(map(len, every)) == {self.width}:  # the usual chunk, every row as wide as the header: C-level
            by_column = list(zip(*every, strict=True))
        else:
            slow = {i for i, cells in enumerate(every) if len(cells) != self.width}
            blank = [""] * self.width
            by_column = list(zip(*(blank if i in slow else cells for i, cells in enumerate(every)), strict=True))
        columns = self.columns
        # The columns where a check failed somewhere: only those are searched for the rows to send through
        # stage(). A column failed where one of its distinct cells' verdicts is _FAIL (a few per chunk to look at).
        failing: list[list[Any]] = []

        def flagged(values: list[Any], verdicts: dict[Any, Any]) -> list[Any]:
            if any(v is _FAIL for v in verdicts.values()):
                failing.append(values)
            return values

        def cells_of(key: str) -> list[str] | None:
            index = columns.get(key)
            return None if index is None else list(map(str.strip, by_column[index]))

        def column(key: str, verdict: Callable[[str], Any]) -> list[Any] | None:
            """Return each row's checked value of ``key`` (None where empty), :data:`_FAIL` where the check fails."""
            texts = cells_of(key)
            if texts is None:
                return None
            verdicts = {text: _verdict(verdict, text) if text else None for text in set(texts)}
            return flagged(list(map(verdicts.__getitem__, texts)), verdicts)

        values: dict[str, list[Any] | None] = {"line": list(map(itemgetter(0), chunk))}
        values["id_given"] = column("id", self._id)
        slow.update(self._chunk_names(cells_of, values, n))
        for key, check, plain in self.checks:
            values[key] = column(key, check if plain is None else _plain_first(plain, check))
        values["associate_id"] = column("associate", self._associate)
        values["last_contacted_at"] = column("last_contacted_at", self._contacted)
        likes = column("brand_likes", lambda text: self.brand_list(text, "brand_likes"))
        dislikes = column("brand_dislikes", lambda text: self.brand_list(text, "brand_dislikes"))
        if likes is not None and dislikes is not None:
            for i, (liked, disliked) in enumerate(zip(likes, dislikes, strict=True)):
                if liked and disliked and liked is not _FAIL and disliked is not _FAIL and liked[0] and disliked[0] \
                        and not set(liked[0]).isdisjoint(disliked[0]):
                    slow.add(i)
        values["likes"] = None if likes is None else [v if v is None or v is _FAIL else v[1] for v in likes]
        values["dislikes"] = None if dislikes is None else [v if v is None or v is _FAIL else v[1] for v in dislikes]
        values["sizes"] = column("sizes", self.sizes)
        if self.consent_keys:
            cells = list(zip(*(cells_of(key) or [] for key in self.consent_keys), strict=True))
            consent_verdicts = {texts: _verdict(self.consents, texts) for texts in set(cells)}
            values["consents"] = flagged(list(map(consent_verdicts.__getitem__, cells)), consent_verdicts)
        source = cells_of("consent_source")
        values["consent_source"] = None if source is None else [text or None for text in source]
        confirmation = [cells_of(key) for key in ("consent_confirmed_by", "consent_confirmed_at",
                                                  "consent_confirmed_how")]
        if any(c is not None for c in confirmation):
            triples = list(zip(*(c if c is not None else [""] * n for c in confirmation), strict=True))
            confirm_verdicts = {t: _verdict(lambda t: self._confirmation(*(x or None for x in t)), t)
                                for t in set(triples)}
            confirmed = flagged(list(map(confirm_verdicts.__getitem__, triples)), confirm_verdicts)
            for index, key in enumerate(("conf_by", "conf_at", "conf_how")):
                values[key] = [c if c is _FAIL else c[index] for c in confirmed]
        staged: list[Any] = [values[key] for key in self.stage_columns]
        for vals in failing:
            slow.update(i for i, v in enumerate(vals) if v is _FAIL)
        if self.fan_columns:
            # The dashboard's two columns, worked out per distinct likes and sizes cell; a row that goes through
            # stage() below gets them from what stage() gives back.
            fan_likes: list[Any] = values["likes"] or [None] * n
            fan_sizes: list[Any] = values["sizes"] or [None] * n
            brands_of: dict[Any, str | None] = {text: self.fan_brands(text) for text in set(fan_likes)
                                                if text is not _FAIL}
            profile_of: dict[Any, str | None] = {text: self.fan_profile(text) for text in set(fan_sizes)
                                                 if text is not _FAIL}
            brands_of[_FAIL] = profile_of[_FAIL] = None
            staged += [list(map(profile_of.__getitem__, fan_sizes)), list(map(brands_of.__getitem__, fan_likes))]
        rows: list[tuple[Any, ...]] = list(zip(*staged, strict=True))
        refused: list[tuple[int, _Bad]] = []
        if slow:
            likes_at, sizes_at = self._fan_at
            for i in sorted(slow):
                line, row_cells = chunk[i]
                try:
                    row = self.stage(line, row_cells)
                except _Bad as bad:
                    refused.append((line, bad))
                    rows[i] = ()
                    continue
                if self.fan_columns:
                    row = (*row, self.fan_profile(row[sizes_at] if sizes_at is not None else None),
                           self.fan_brands(row[likes_at]))
                rows[i] = row
            rows = [row for row in rows if row]
        return rows, refused

    def fan_brands(self, likes: str | None) -> str | None:
        """Return the dashboard's JSON array of the brands a staged likes list names (distinct, in id order,
        as ``json_group_array`` writes it), or None for no brand."""
        if (hit := self._fan_brands.get(likes, _FAIL)) is _FAIL:
            ids = sorted(set(json.loads(likes or "[]")))
            hit = f"[{','.join(map(str, ids))}]" if ids else None
            if len(self._fan_brands) < _MEMO_LIMIT:
                self._fan_brands[likes] = hit
        return hit

    def fan_profile(self, sizes: str | None) -> str:
        """Return the dashboard's JSON object of staged sizes (in category order, as ``json_group_object``
        writes it: no spaces, other scripts as they are)."""
        if (hit := self._fan_profile.get(sizes, _FAIL)) is _FAIL:
            items = sorted(json.loads(sizes or "{}").items())
            hit = json.dumps(dict(items), ensure_ascii=False, separators=(",", ":"))
            if len(self._fan_profile) < _MEMO_LIMIT:
                self._fan_profile[sizes] = hit
        return hit or "{}"

    def _chunk_names(self, cells_of: Callable[[str], list[str] | None], values: dict[str, list[Any] | None],
                     n: int) -> set[int]:
        """Put the first and last names and notes of a chunk in ``values`` (see :meth:`_names`); return the rows
        where one holds a card number."""
        first, last, notes, full = (cells_of(key) for key in ("first_name", "last_name", "notes", "name"))
        firsts: list[str | None] = [t or None for t in first] if first is not None else [None] * n
        lasts: list[str | None] = [t or None for t in last] if last is not None else [None] * n
        cards: set[int] = set()
        if full is not None:
            for i, text in enumerate(full):
                if firsts[i] is None and text:
                    firsts[i], _, rest = text.partition(" ")
                    lasts[i] = rest.strip() or lasts[i]
                    if has_card_number(text):
                        cards.add(i)
        noted = [t or None for t in notes] if notes is not None else None
        for vals in (firsts, lasts, noted):
            if vals is not None:
                verdicts = {t: t is not None and has_card_number(t) for t in set(vals)}
                cards.update(i for i, card in enumerate(map(verdicts.__getitem__, vals)) if card)
        values["first_name"] = firsts
        values["last_name"] = lasts if last is not None or full is not None else None
        values["notes"] = noted
        return cards

    def _cells(self, cells: list[str]) -> dict[str, str]:
        """Return the row's cells by column key, stripped; refuse a row with more cells than the header."""
        if len(cells) > self.width and any(c.strip() for c in cells[self.width:]):
            raise _Bad(None, f"{len(cells)} cells but the header names {self.width} columns; a value holding "
                             "the delimiter must be quoted")
        n = len(cells)
        if n >= self.width:
            return dict(zip(self.keys, map(str.strip, self.pick(cells)), strict=True))
        return {key: cells[i].strip() for key, i in self.present if i < n}

    @staticmethod
    def _id(id_text: str | None) -> int | None:
        """Return the customer id the row names, if any."""
        if not id_text:
            return None
        # isascii: "²" and "٣" are digits to isdigit() but not to int(); the bound is SQLite's integer.
        if not (id_text.isascii() and id_text.isdigit()) or len(id_text) > 18:
            raise _Bad("id", f"'{id_text}' is not a customer id (a whole number); leave it empty for a new "
                             "customer")
        return int(id_text)

    @staticmethod
    def _names(get: Callable[[str], str | None]) -> tuple[str | None, str | None, str | None]:
        """Return (first name, last name, notes): a full name split at its first space; no card numbers."""
        first, last, notes = get("first_name") or None, get("last_name") or None, get("notes") or None
        if first is None and (full := get("name")):
            first, _, rest = full.partition(" ")
            last = rest.strip() or last
            if has_card_number(full):
                raise _Bad("name", IMPORT_REFUSAL)
        for key, value in (("first_name", first), ("last_name", last), ("notes", notes)):
            # Names are put into messages and their To: lines; notes are read by staff: no card numbers.
            if value and has_card_number(value):
                raise _Bad(key, IMPORT_REFUSAL)
        return first, last, notes

    def _checked(self, get: Callable[[str], str | None]) -> dict[str, str | None]:
        """Return the checked fields (e-mail, handles, phone, channel, time zone) by key, None where empty."""
        checked: dict[str, str | None] = {}
        for key, check, plain in self.checks:
            text = get(key)
            if not text:
                checked[key] = None
            elif plain is not None and plain(text):
                checked[key] = text  # the everyday form, which the full check gives back unchanged
            else:
                try:
                    checked[key] = check(text)
                except FieldError as exc:
                    raise _Bad(key, str(exc)) from None
        return checked

    def _associate(self, associate: str | None) -> int | None:
        """Return the user id of the row's associate, if any."""
        if not associate:
            return None
        associate_id = self.users.get(associate.lower())
        if associate_id is None:
            raise _Bad("associate", f"'{associate}' is not a user name; add the account or fix the name")
        return associate_id

    @staticmethod
    def _contacted(when: str | None) -> str | None:
        """Return the last contact as stored, if given."""
        if not when:
            return None
        try:
            return check_when(when, "last_contacted_at")
        except FieldError as exc:
            raise _Bad("last_contacted_at", str(exc)) from None

    def _brands(self, likes_text: str | None, dislikes_text: str | None) -> tuple[str | None, str | None]:
        """Return the staged JSON of the liked and disliked brands; a brand may not be in both."""
        likes, likes_json = self.brand_list(likes_text, "brand_likes") if likes_text else (None, None)
        dislikes, dislikes_json = (self.brand_list(dislikes_text, "brand_dislikes") if dislikes_text
                                   else (None, None))
        if likes and dislikes and (both := set(likes) & set(dislikes)):
            names = ", ".join(sorted(n for i, n in self.brands.values() if i in both))
            raise _Bad("brand_dislikes", f"{names} is both liked and disliked; keep it in one list")
        return likes_json, dislikes_json

    @staticmethod
    def _confirmation(by: str | None, at: str | None, how: str | None) -> tuple[str | None, str | None, str | None]:
        """Return who confirmed the consent, when and how (all three, checked), or three Nones."""
        if not (by or at or how):
            return None, None, None
        try:
            confirmation = consent.Confirmation(by or "", at or "", how or "").checked()
        except InputError as exc:
            raise _Bad("consent_confirmed_by", str(exc).rstrip(".")) from None
        return confirmation.by or None, confirmation.at or None, confirmation.how or None


class _Bad(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column


#: A column's check failed on this cell: the row goes through :meth:`_RowChecker.stage` for its message.
_FAIL: Any = object()


def _plain_first(plain: Callable[[str], Any], check: Callable[[str], str]) -> Callable[[str], str]:
    """Return a check that gives back text the cheap test ``plain`` passes and runs ``check`` on the rest."""
    return lambda text: text if plain(text) else check(text)


def _verdict(check: Callable[[Any], Any], value: Any) -> Any:
    """Return ``check(value)``, or :data:`_FAIL` if it raises :class:`_Bad` or :class:`FieldError`."""
    try:
        return check(value)
    except (_Bad, FieldError):
        return _FAIL


# -- the import ------------------------------------------------------------------------------


def import_customers(store: Store, path: Path | str, *, actor: str, dry_run: bool = False) -> ImportReport:
    """Import a customer file and return what it did; see :func:`import_customers_steps`."""
    return run_to_end(import_customers_steps(store, path, actor=actor, dry_run=dry_run))


def import_customers_steps(store: Store, path: Path | str, *, actor: str,
                           dry_run: bool = False) -> Generator[Progress, None, ImportReport]:
    """Import a customer file, yielding progress (``done`` of ``total`` bytes read); return the report.

    :param dry_run: work everything out, then roll back: the report says what would change.
    :raises InputError: if the file cannot be read or has no usable header; bad rows are reported, not raised.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file; check the path.", path=path)
    total = path.stat().st_size
    if total == 0:
        raise InputError("the file is empty; a customer file needs a header row and one row per customer.",
                         path=path)
    yield Progress(0, total, "Checking the file's encoding")
    encoding = detect_encoding(path, "the customer book as CSV UTF-8")
    reader = CsvRows(path, encoding)
    report = ImportReport(path, encoding.label, reader.delimiter, encoding.note, dry_run)
    try:
        rows = iter(reader)
        header_line, header = next(rows, (0, []))
        columns = _map_header(header, header_line, path, report)
        checker = _RowChecker(store, columns, len(header))
        if not dry_run:
            store.backup_before("import")  # a verified copy to go back to if this import was the wrong file
        try:
            with store.atomic():
                _create_staging(store)
                # Into an empty book every row that survives the checks adds a customer whose id is its line
                # (see _resolve): staged so at once, instead of a pass over a million staged rows to set them.
                empty_book = _book_is_empty(store)
                try:
                    yield from _stage(store, rows, checker, reader, report, total, empty_book)
                    for problem in reader.problems:  # lines in another encoding than the file's
                        report.rows_read += 1
                        report._reject(problem.line, problem.column, problem.reason)
                    yield Progress(total, total, "Finding duplicates and existing customers")
                    _resolve(store, report, empty_book)
                    yield Progress(total, total, "Writing customers")
                    _apply(store, report, actor)
                    store.audit(actor, "customer.import", "file", str(path), dry_run=dry_run,
                                rows=report.rows_read, added=report.added, updated=report.updated,
                                consent_entries=report.consent_entries, rejected=report.rejected)
                finally:
                    store.db.execute("DROP TABLE IF EXISTS temp.import_rows")
                    store.db.execute("DROP TABLE IF EXISTS temp.import_consent")
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
    finally:
        reader.close()
    report.problems.sort(key=lambda p: p.line)
    if not dry_run and (report.added or report.updated or report.consent_entries):
        report.changes = store.notify(Changes(customers=True, audit=True))
    return report


def _book_is_empty(store: Store) -> bool:
    """Return whether the book holds no customer (an import into it stages each row with its new id)."""
    return store.db.execute("SELECT 1 FROM customers LIMIT 1").fetchone() is None


def _map_header(header: list[str], line: int, path: Path, report: ImportReport) -> dict[str, int]:
    if not any(h.strip() for h in header):
        raise InputError("has no header row; the first line must name the columns (first_name, email, ...).",
                         path=path)
    columns: dict[str, int] = {}
    for i, title in enumerate(header):
        key = _HEADER_LOOKUP.get(norm_header(title))
        if key is None:
            if title.strip():
                report.ignored_columns.append(title.strip())
            continue
        if key in columns:
            raise InputError(f"line {line}: columns '{header[columns[key]]}' and '{title}' both mean {key}; "
                             "remove or rename one.", path=path)
        columns[key] = i
    if not columns.keys() & {"first_name", "name", "id", *IDENTITY_KEYS}:
        raise InputError(f"line {line}: no name or identity column found (headers: {', '.join(header)}); name "
                         "them first_name, last_name, email, x_handle... (see the README).", path=path)
    return columns


def _create_staging(store: Store) -> None:
    cols = ", ".join(f"{c} {'INTEGER PRIMARY KEY' if c == 'line' else ''}" for c in _STAGE_COLUMNS)
    store.db.execute("DROP TABLE IF EXISTS temp.import_rows")
    store.db.execute(f"CREATE TEMP TABLE import_rows ({cols}, fan_profile, fan_brands, target_id INTEGER,"
                     " is_new INTEGER NOT NULL DEFAULT 0)")


def _stage(store: Store, rows: Iterator[tuple[int, list[str]]], checker: _RowChecker, reader: CsvRows,
           report: ImportReport, total: int, empty_book: bool) -> Iterator[Progress]:
    """Check the rows a chunk at a time and stage them in ``temp.import_rows``.

    :param empty_book: the book has no customer yet: each row is staged as the new customer whose id is its line
        (``?1``, bound once), as :func:`_resolve` would make it.
    """
    columns = [*checker.stage_columns, *checker.fan_columns]
    params = [f"?{i}" for i in range(1, len(columns) + 1)]
    if empty_book:
        columns += ["target_id", "is_new"]
        params += ["?1", "1"]
    insert = f"INSERT INTO temp.import_rows ({', '.join(columns)}) VALUES ({', '.join(params)})"
    chunk: list[tuple[int, list[str]]] = []
    conn = store.db.conn

    def flush() -> None:
        staged, refused = checker.stage_chunk(chunk)
        for line, bad in refused:
            report._reject(line, bad.column, str(bad))
        conn.executemany(insert, staged)
        chunk.clear()

    for line, cells in rows:
        # A blank record (no cells, or only spaces) is skipped; a first cell with text settles it at once.
        if not (cells and cells[0].strip()) and not "".join(cells).strip():
            continue
        report.rows_read += 1
        chunk.append((line, cells))
        if len(chunk) >= _CHUNK:
            flush()
            yield Progress(min(reader.position, total), total, f"Checked {report.rows_read:,} rows")
    flush()


def _reject_where(store: Store, report: ImportReport, sql: str, args: list[Any], column: str | None,
                  reason: str) -> None:
    """Reject (and unstage) the lines a query returns as ``(line, *format_args)``."""
    found = store.db.execute(sql, args).fetchall()
    for line, *rest in found:
        report._reject(line, column, reason.format(*rest))
    if found:
        store.db.conn.executemany("DELETE FROM temp.import_rows WHERE line = ?", [(r[0],) for r in found])


def _resolve(store: Store, report: ImportReport, empty_book: bool = False) -> None:
    """Reject duplicate and contradictory rows; decide which rows update whom and which add.

    :param empty_book: the rows were staged into an empty book, each as the new customer numbered by its line
        (see :func:`_stage`); a row naming an id is refused here (no customer has it), so nothing else changes.
    """
    db = store.db
    # Two rows of the file naming the same person: keep the first, reject the later ones.
    for key in ("id_given", *IDENTITY_KEYS):
        word = "id" if key == "id_given" else _KEY_WORDS[key]
        collate = "" if key in ("id_given", "x_user_id") else " COLLATE NOCASE"
        # A window over the sorted keys: a join of the table to its own groups has no index to use. Only the
        # rows whose key is repeated go into the window (one grouping pass finds those keys: most files have few).
        _reject_where(store, report,
                      f"SELECT line, first FROM (SELECT line, min(line) OVER (PARTITION BY {key}{collate}) AS first"
                      f" FROM temp.import_rows WHERE {key}{collate} IN (SELECT {key}{collate} FROM temp.import_rows"
                      f" WHERE {key} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)) WHERE line > first",
                      [], None if key == "id_given" else key, f"same {word} as line {{}}; merge the two rows")
    _reject_where(store, report,
                  "SELECT line, id_given FROM temp.import_rows WHERE id_given IS NOT NULL"
                  " AND id_given NOT IN (SELECT id FROM customers)", [], "id",
                  "no customer has id {}; leave the id empty to add a new customer")
    db.execute("UPDATE temp.import_rows SET target_id = id_given WHERE id_given IS NOT NULL")
    has_customers = db.execute("SELECT 1 FROM customers LIMIT 1").fetchone() is not None
    if has_customers:
        for key in IDENTITY_KEYS:
            db.execute(f"UPDATE temp.import_rows SET target_id = (SELECT c.id FROM customers AS c"
                       f" WHERE c.{key} = temp.import_rows.{key} ORDER BY c.id LIMIT 1)"
                       f" WHERE target_id IS NULL AND {key} IS NOT NULL")
        # A row whose keys point at two different customers cannot be placed.
        for key in IDENTITY_KEYS:
            _reject_where(store, report,
                          f"SELECT s.line, s.target_id, c.id FROM temp.import_rows AS s JOIN customers AS c"
                          f" ON c.{key} = s.{key} WHERE s.target_id IS NOT NULL AND c.id != s.target_id"
                          " GROUP BY s.line", [], key,
                          f"the row is customer {{}} but its {_KEY_WORDS[key]} belongs to customer {{}}; merge "
                          "them first (lookbook customers duplicates --merge)")
        _reject_where(store, report,
                      "SELECT line, first, target_id FROM (SELECT line, target_id, min(line) OVER (PARTITION BY"
                      " target_id) AS first FROM temp.import_rows WHERE target_id IS NOT NULL) WHERE line > first",
                      [], None, "updates the same customer as line {} (customer {}); merge the two rows")
    base = int(db.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()[0])
    # New customers get ids in file order: base + line is unique and needs no lookup per row (an empty book's
    # rows were staged with them: its base is 0).
    if not empty_book:
        db.execute("UPDATE temp.import_rows SET target_id = ? + line, is_new = 1 WHERE target_id IS NULL", [base])
    _reject_where(store, report, "SELECT line FROM temp.import_rows WHERE is_new AND first_name IS NULL", [],
                  "first_name", "a new customer needs a first name (or a name column)")
    # The preferred channel needs an address, from this row or from the book.
    address_checks = " OR ".join(
        f"(coalesce(s.preferred_channel, c.preferred_channel) = '{ch}' AND coalesce(s.{col}, c.{col}) IS NULL)"
        for ch, col in CHANNEL_ADDRESS.items())
    _reject_where(store, report,
                  "SELECT s.line, coalesce(s.preferred_channel, c.preferred_channel) FROM temp.import_rows AS s"
                  f" LEFT JOIN customers AS c ON c.id = s.target_id AND NOT s.is_new WHERE {address_checks}",
                  [], "preferred_channel", "'{}' is preferred but the customer has no address on it; add it or "
                                           "choose another channel")
    _plan_consents(store, report, empty_book)


def _plan_consents(store: Store, report: ImportReport, empty_book: bool = False) -> None:
    """Work out the ledger rows the file's consent cells need; reject re-subscriptions with no confirmation.

    :param empty_book: every row adds a customer (see :func:`_resolve`): there is no existing customer's
        consent to work out, and the table of them is made empty without reading the staged rows.
    """
    db = store.db
    db.execute("DROP TABLE IF EXISTS temp.import_consent")
    # Each level is a grant or withdrawal of each scope: marketing grants both, "1 to 1 only"
    # grants one-to-one and withdraws a marketing consent only if one was given.
    # Only the scopes whose state the file changes are kept (a million new customers' "1 to 1 only" says
    # nothing about marketing): NULL comparisons, a customer never asked, keep the row.
    # Customers the file adds have no consent yet, so nothing of theirs can be refused here: their entries go
    # into the ledger straight from the staged rows (_NEW_CONSENTS), and only existing customers' are worked out.
    db.execute(
        "CREATE TEMP TABLE import_consent AS SELECT * FROM (SELECT s.line, s.target_id AS customer_id,"
        " j.key AS channel,"
        " sc.scope, CASE WHEN j.value = 'marketing' OR (j.value = 'one_to_one' AND sc.scope = 'one_to_one')"
        " OR (j.value = 'marketing_only' AND sc.scope = 'marketing') THEN 1 ELSE 0 END AS granted,"
        " j.value AS level, cc.granted AS current,"
        # The channel's level now, in the same words as the file (see consent.ChannelConsent.level).
        " CASE WHEN mk.granted = 1 AND o.granted = 1 THEN 'marketing' WHEN mk.granted = 1 THEN 'marketing_only'"
        " WHEN o.granted = 1 THEN 'one_to_one' WHEN o.granted = 0 OR mk.granted = 0 THEN 'unsubscribed'"
        " END AS current_level"
        " FROM temp.import_rows AS s, json_each(s.consents) AS j,"
        " (SELECT 'one_to_one' AS scope UNION ALL SELECT 'marketing') AS sc"
        " LEFT JOIN consent_current AS cc ON cc.customer_id = s.target_id AND cc.channel = j.key"
        " AND cc.scope = sc.scope"
        " LEFT JOIN consent_current AS o ON o.customer_id = s.target_id AND o.channel = j.key"
        " AND o.scope = 'one_to_one'"
        " LEFT JOIN consent_current AS mk ON mk.customer_id = s.target_id AND mk.channel = j.key"
        " AND mk.scope = 'marketing' WHERE s.consents IS NOT NULL AND NOT s.is_new)"
        " WHERE NOT coalesce(level IS current_level"
        " OR current = granted OR (current IS NULL AND granted = 0 AND level != 'unsubscribed'), 0)"
        + (" LIMIT 0" if empty_book else ""))
    opted_out = db.execute(
        "SELECT w.line, w.channel, max(cc.at) FROM temp.import_consent AS w JOIN temp.import_rows AS s USING (line)"
        " JOIN consent_current AS cc ON cc.customer_id = w.customer_id AND cc.channel = w.channel"
        " AND cc.scope = w.scope WHERE w.granted = 1 AND w.current = 0 AND s.conf_by IS NULL"
        " AND w.level IS NOT w.current_level"
        " GROUP BY w.line, w.channel").fetchall()
    for line, channel, at in opted_out:
        report._reject(line, f"consent_{channel}",
                       f"the customer unsubscribed from {consent.CHANNEL_LABELS[channel]} on {at[:10]}; "
                       "re-subscribing needs a recorded confirmation (fill consent_confirmed_by, "
                       "consent_confirmed_at and consent_confirmed_how)")
    db.conn.executemany("DELETE FROM temp.import_rows WHERE line = ?", [(r[0],) for r in opted_out])
    if opted_out:
        db.execute("DELETE FROM temp.import_consent WHERE line NOT IN (SELECT line FROM temp.import_rows)")


#: The ledger entries of the customers an import adds, as :func:`_plan_consents` would work them out for a
#: customer never asked (each level grants or withdraws each scope; a withdrawal of a scope never granted is kept
#: only for "unsubscribed"), numbered by customer, then scope, then channel in the file's order.
_GRANTED = ("CASE WHEN j.value = 'marketing' OR (j.value = 'one_to_one' AND sc.scope = 'one_to_one')"
            " OR (j.value = 'marketing_only' AND sc.scope = 'marketing') THEN 1 ELSE 0 END")
_NEW_CONSENTS = (
    "INSERT INTO consent_entries (customer_id, channel, scope, granted, source, batch_id, line)"
    f" SELECT s.target_id, j.key, sc.scope, {_GRANTED}, coalesce(s.consent_source, 'import'), ?, s.line"
    " FROM temp.import_rows AS s, json_each(s.consents) AS j,"
    " (SELECT 'one_to_one' AS scope UNION ALL SELECT 'marketing') AS sc"
    f" WHERE s.is_new AND s.consents IS NOT NULL AND ({_GRANTED} = 1 OR j.value = 'unsubscribed')"
    " ORDER BY s.target_id, sc.scope")


def _apply(store: Store, report: ImportReport, actor: str) -> None:
    db = store.db
    now = utcnow()
    counts = db.execute("SELECT coalesce(sum(is_new), 0), coalesce(sum(1 - is_new), 0)"
                        " FROM temp.import_rows").fetchone()
    report.added, report.updated = int(counts[0]), int(counts[1])
    existing = int(db.execute("SELECT count(*) FROM customers").fetchone()[0])
    bulk = report.added > BULK_THRESHOLD and report.added > existing
    rebuild = _drop_indexes(store) if bulk else []
    if bulk:
        base = int(db.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()[0])
        ledger_base = int(db.execute("SELECT coalesce(max(id), 0) FROM consent_entries").fetchone()[0])
    cols = ", ".join(_CUSTOMER_COLUMNS)
    db.execute(
        f"INSERT INTO customers (id, {cols}, created_at, updated_at) SELECT target_id, first_name,"
        " coalesce(last_name, ''), email, x_handle, x_user_id, instagram, phone, preferred_channel,"
        " coalesce(timezone, 'UTC'), associate_id, coalesce(notes, ''), last_contacted_at, ?, ?"
        " FROM temp.import_rows WHERE is_new ORDER BY line", [now, now])
    if report.updated:
        sets = ", ".join(f"{c} = coalesce(s.{c}, customers.{c})" for c in _CUSTOMER_COLUMNS)
        db.execute(f"UPDATE customers SET {sets}, updated_at = ? FROM temp.import_rows AS s"
                   " WHERE customers.id = s.target_id AND NOT s.is_new", [now])
    # Rows go in by customer id. New customers' ids follow their lines (see _resolve), so when no row updates
    # a customer, line order is id order and the staging table is read in it without a sort.
    order = "s.target_id" if report.updated else "s.line"
    for stance, column in (("like", "likes"), ("dislike", "dislikes")):
        if report.updated:
            db.execute(f"DELETE FROM customer_brands WHERE stance = ? AND customer_id IN (SELECT target_id FROM"
                       f" temp.import_rows WHERE {column} IS NOT NULL AND NOT is_new)", [stance])
        db.execute(f"INSERT INTO customer_brands (customer_id, brand_id, stance, source) SELECT s.target_id,"
                   f" j.value, ?, 'import' FROM temp.import_rows AS s, json_each(s.{column}) AS j"
                   f" WHERE s.{column} IS NOT NULL ORDER BY {order} ON CONFLICT (customer_id, brand_id)"
                   " DO UPDATE SET stance = excluded.stance, source = excluded.source", [stance])
    db.execute("INSERT INTO customer_sizes (customer_id, category, size) SELECT s.target_id, j.key, j.value"
               f" FROM temp.import_rows AS s, json_each(s.sizes) AS j WHERE s.sizes IS NOT NULL ORDER BY {order}"
               " ON CONFLICT (customer_id, category) DO UPDATE SET size = excluded.size")
    # One ledger record for the import (when, by whom, from which file); each entry keeps its line, so the
    # ledger reads "import of FILE, line N" as before without writing it two million times (issue 18).
    # Entries are numbered by customer, then scope: existing customers' first (their ids are lower), then new.
    batch = db.execute("INSERT INTO consent_batches (at, by_user, note) VALUES (?, ?, ?)",
                       [now, actor, f"import of {report.path.name}, line "]).lastrowid
    cur = db.execute(
        "INSERT INTO consent_entries (customer_id, channel, scope, granted, source, confirmed_by,"
        " confirmed_at, confirmation, batch_id, line) SELECT w.customer_id, w.channel, w.scope, w.granted,"
        " coalesce(s.consent_source, 'import'),"
        " CASE WHEN w.granted AND w.current = 0 THEN s.conf_by END,"
        " CASE WHEN w.granted AND w.current = 0 THEN s.conf_at END,"
        " CASE WHEN w.granted AND w.current = 0 THEN s.conf_how END, ?, s.line"
        " FROM temp.import_consent AS w JOIN temp.import_rows AS s USING (line) ORDER BY w.customer_id, w.scope",
        [batch])
    entries = max(cur.rowcount, 0)
    if report.added:
        entries += max(db.execute(_NEW_CONSENTS, [batch]).rowcount, 0)
    if not entries:
        db.execute("DELETE FROM consent_batches WHERE id = ?", [batch])
    report.consent_entries = entries
    if bulk:
        _restore_indexes(store, rebuild, base, ledger_base, now)


def _drop_indexes(store: Store) -> list[tuple[str, str]]:
    """Drop the indexes and triggers a bulk load would update row by row (search, current consent, dashboard);
    return their SQL."""
    objects = store.db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ((type = 'index' AND tbl_name IN"
        " ('customers', 'customer_brands', 'customer_sizes', 'consent_entries'))"
        " OR (type = 'trigger' AND (name IN ('customers_fts_ai', 'consents_current_ai', 'dashboard_fans_ai')"
        " OR name GLOB 'dashboard_dirty_customer_*')))"
    ).fetchall()
    for kind, name, _ in objects:
        store.db.execute(f"DROP {kind.upper()} {name}")
    return [(kind, sql) for kind, _, sql in objects]


def _restore_indexes(store: Store, objects: list[tuple[str, str]], base: int, ledger_base: int, now: str) -> None:
    """Do in one statement each what the triggers :func:`_drop_indexes` dropped would have done row by row,
    then recreate them.

    The new customers (ids above ``base``) are indexed for search; the ledger rows just written (ids above
    ``ledger_base``) become the
    current consent (the latest row wins, as in trigger ``consents_current_ai``); the new customers who like a
    brand are counted for the dashboard as :func:`lookbook.catalog.dashboard.refresh` would count them (a new
    customer has no purchases), so the first dashboard after a bulk load does not count a million customers
    again. Customers the import updated are marked for the dashboard's refresh, as the triggers would have.
    """
    db = store.db
    db.execute("INSERT INTO dashboard_dirty (customer_id) SELECT DISTINCT s.target_id FROM temp.import_rows AS s"
               " WHERE NOT s.is_new"
               " AND NOT EXISTS (SELECT 1 FROM dashboard_dirty AS d WHERE d.customer_id = s.target_id)")
    db.execute("INSERT INTO customers_fts (rowid, first_name, last_name, email, x_handle, instagram)"
               " SELECT id, first_name, last_name, email, x_handle, instagram FROM customers WHERE id > ?", [base])
    # Every entry above ledger_base is this import's, of its one batch, written at ``now`` (the time the view
    # ``consents`` would give them): read from the table itself, without the view's join to the batches.
    db.execute("INSERT INTO consent_current (customer_id, channel, scope, granted, at, consent_id)"
               " SELECT customer_id, channel, scope, granted, coalesce(at, ?), id FROM consent_entries WHERE id > ?"
               " ORDER BY id ON CONFLICT (customer_id, channel, scope) DO UPDATE SET granted = excluded.granted,"
               " at = excluded.at, consent_id = excluded.consent_id"
               " WHERE excluded.consent_id > consent_current.consent_id", [now, ledger_base])
    # A fan's sizes and liked brands were staged as the text REFRESH_SQL writes (_RowChecker.fan_profile).
    # New customers' ids follow their lines (see _resolve): line order is id order.
    db.execute("INSERT INTO dashboard_fans (customer_id, profile, brands) SELECT target_id, fan_profile, fan_brands"
               " FROM temp.import_rows WHERE is_new AND fan_brands IS NOT NULL ORDER BY line")
    # Fans are counted per distinct (brands, profile) first: a few thousand groups to read brand by brand, not
    # a million arrays.
    db.execute("INSERT INTO dashboard_profiles (brand_id, profile, fans) SELECT j.value, g.profile, sum(g.fans)"
               " FROM (SELECT brands, profile, count(*) AS fans FROM dashboard_fans WHERE customer_id > ?"
               " GROUP BY brands, profile) AS g, json_each(g.brands) AS j GROUP BY j.value, g.profile"
               " ON CONFLICT (brand_id, profile) DO UPDATE SET fans = fans + excluded.fans", [base])
    for _kind, sql in objects:
        db.execute(sql)


# -- export -------------------------------------------------------------------------------------


def export_customers(store: Store, path: Path | str, *, actor: str) -> int:
    """Write every customer to a CSV file that :func:`import_customers` reads back; return how many.

    :raises InputError: if the file cannot be written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    brand_names = dict(store.db.execute("SELECT id, name FROM brands").fetchall())
    levels = {key: label for key, (label, _) in consent.LEVELS.items()}
    query = (
        "SELECT c.id, c.first_name, c.last_name, c.email, c.x_handle, c.x_user_id, c.instagram, c.phone,"
        " c.preferred_channel, c.timezone, u.username,"
        " (SELECT group_concat(brand_id || ':' || stance) FROM customer_brands WHERE customer_id = c.id),"
        " (SELECT group_concat(category || '=' || size, ';') FROM customer_sizes WHERE customer_id = c.id),"
        " c.notes, c.last_contacted_at,"
        " (SELECT group_concat(channel || ':' || scope || ':' || granted) FROM consent_current"
        "  WHERE customer_id = c.id)"
        " FROM customers AS c LEFT JOIN users AS u ON u.id = c.associate_id ORDER BY c.id")
    count = 0
    try:
        create_private_file(tmp)  # the customer book leaves the library readable by its owner only
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(neutralised_row(EXPORT_COLUMNS))
            for row in store.db.execute(query):
                (*head, stances, sizes, notes, contacted, consents) = row
                likes: list[str] = []
                dislikes: list[str] = []
                for part in (stances or "").split(","):
                    if part:
                        bid, stance = part.split(":")
                        (likes if stance == "like" else dislikes).append(brand_names[int(bid)])
                state: dict[str, dict[str, bool]] = {}
                for part in (consents or "").split(","):
                    if part:
                        channel, scope, granted = part.split(":")
                        state.setdefault(channel, {})[scope] = granted == "1"
                cells = []
                for channel in consent.CHANNELS:
                    s = state.get(channel)
                    if not s:
                        cells.append("")
                    elif s.get("marketing"):
                        cells.append(levels["marketing" if s.get("one_to_one") else "marketing_only"])
                    elif s.get("one_to_one"):
                        cells.append(levels["one_to_one"])
                    else:
                        cells.append(levels["unsubscribed"])
                # Names, notes and handles are whatever was typed or imported: never a live formula.
                writer.writerow(neutralised_row([*head, ";".join(sorted(likes)), ";".join(sorted(dislikes)),
                                                 sizes or "", notes, contacted or "", *cells]))
                count += 1
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot be written ({exc.strerror}); choose another folder.", path=path) from None
    if store.writable:  # a damaged or read-only library can still be read out; it cannot record that it was
        store.audit(actor, "customer.export", "file", str(path), customers=count)
        store.notify(Changes(audit=True))
    return count
