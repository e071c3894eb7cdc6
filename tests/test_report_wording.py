"""Reports a person reads count in words: "1 reply", "2 consent entries", never "reply(ies)" or "message(s)"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lookbook.customers.erasure import ErasureReport
from lookbook.hooks import Changes
from lookbook.store.backups import Backup, RestoreReport


def test_an_erasure_report_counts_in_words() -> None:
    one = ErasureReport(7, messages=1, replies=1, consents=1, audit_rows=1, changes=Changes())
    assert one.lines()[0] == ("Erased customer 7: personal data removed from 1 message, 1 reply, 1 consent entry "
                              "and 1 audit row.")
    many = ErasureReport(7, messages=2, replies=3, consents=2, audit_rows=0, changes=Changes())
    assert many.lines()[0] == ("Erased customer 7: personal data removed from 2 messages, 3 replies, 2 consent "
                               "entries and 0 audit rows.")


def test_a_restore_report_counts_the_messages_changed_in_words(tmp_path: Path) -> None:
    backup = Backup(tmp_path / "library-20260101T000000Z.db", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "daily", 1)
    one = RestoreReport(backup, None, None, messages_changed=1)
    assert "1 message changed after the backup" in "\n".join(one.lines())
    many = RestoreReport(backup, None, None, messages_changed=4)
    assert "4 messages changed after the backup" in "\n".join(many.lines())


def test_what_a_restored_library_lacks_counts_in_words(tmp_path: Path) -> None:
    backup = Backup(tmp_path / "library-20260101T000000Z.db", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "daily", 1)
    one = RestoreReport(backup, None, None, lacks={"messages": 1, "consent changes": 1, "audit rows": 1})
    assert one.lacks_text() == "1 message, 1 consent change, 1 audit row newer than the backup."
    many = RestoreReport(backup, None, None, lacks={"messages": 0, "consent changes": 2, "audit rows": None})
    assert many.lacks_text() == "0 messages, 2 consent changes, unknown audit rows newer than the backup."
