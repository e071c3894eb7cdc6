"""Fixtures for the delivery tests; import them into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest

from fakes.fake_x import FakeX
from fakes.keyrings import MemoryKeyring


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
def fake_x() -> Iterator[FakeX]:
    """Serve a fresh fake X API on 127.0.0.1 for one test."""
    with FakeX().running() as fake:
        yield fake
