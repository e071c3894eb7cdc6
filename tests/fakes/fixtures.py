"""Fixtures for the delivery tests; import them into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from fakes.fake_x import FakeX
from fakes.keyrings import FileKeyring, MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring for one test, restoring the previous backend after."""
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A keyring in a file, shared with the ``lookbook`` subprocesses of the test."""
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("LOOKBOOK_TEST_KEYRING_FILE", str(path))
    before = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        yield path
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    """Serve a fresh fake X API on 127.0.0.1 for one test."""
    with FakeX().running() as fake:
        yield fake
