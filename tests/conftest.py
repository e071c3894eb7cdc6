"""Shared fixtures: an in-memory store for core tests, a demo library on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from lookbook.demo import build_demo
from lookbook.hooks import Hooks
from lookbook.store import users
from lookbook.store.database import Store, memory_store

# Passwords are hashed at OWASP's scrypt cost (n=2**17, ~0.3 s and 128 MiB a hash); tests make hundreds of
# accounts and sign-ins, so they hash at a small cost through the one setting. tests/test_users.py checks the
# real default and the rehash at sign-in; a process started by a test hashes at the real cost.
TEST_PASSWORD_COST = users.ScryptCost(2**10, 8, 1)
users.PASSWORD_COST = TEST_PASSWORD_COST

#: Fixtures of the delivery tests (a fake X API server, in-memory keyring), for any test that names them.
pytest_plugins = ["fakes.fixtures"]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Return a migrated, empty in-memory store whose files live in ``tmp_path``."""
    s = memory_store(tmp_path / "library", Hooks())
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_library_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the demo library once per test session; copy it before mutating."""
    path = tmp_path_factory.mktemp("demo-template") / "Demo"
    for _ in build_demo(path):
        pass
    return path


@pytest.fixture
def demo_library(demo_library_template: Path, tmp_path: Path) -> Path:
    """Return a fresh copy of the demo library that a test may change."""
    import shutil

    target = tmp_path / "Demo"
    shutil.copytree(demo_library_template, target)
    return target
