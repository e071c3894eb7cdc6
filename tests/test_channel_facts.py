"""Matching reads the channels' facts without importing their modules (issue 18: ``sets match`` speed).

The X channel's module imports tweepy and requests, the e-mail one the composer and the catalog: a third of a
``sets match --json`` on a 200,000-customer book went to loading them, for four labels, consent channels and
address columns. The registry knows those of the built-in channels; here they are checked against the channels'
own classes, and a match in a fresh process is checked to load none of the channel modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from customer_support import add_brand, add_customer, add_product, add_set
from lookbook.errors import InputError
from lookbook.outbox.channels import registry
from lookbook.store.database import create_store

REPO = Path(__file__).resolve().parents[1]
CHANNEL_MODULES = ("tweepy", "requests", "lookbook.outbox.compose", *(m.split(":")[0]
                                                                       for m in registry.BUILT_IN.values()))


@pytest.mark.parametrize("name", sorted(registry.BUILT_IN))
def test_the_built_in_facts_are_what_each_channel_says(name: str) -> None:
    assert registry.BUILT_IN_FACTS[name] == registry.facts_of(registry.get(name))
    assert registry.facts(name).address_sql("k") == registry.get(name).address_sql("k")


def test_a_channel_registered_later_gives_its_own_facts() -> None:
    email = registry.get("email")

    class Renamed(type(email)):  # type: ignore[misc]
        label = "mail"

    registry.register(Renamed())
    try:
        assert registry.facts("email").label == "mail"
    finally:
        registry.register(email)
    assert registry.facts("email").label == "e-mail"
    with pytest.raises(InputError, match="channel 'pigeon'"):
        registry.facts("pigeon")


def test_matching_a_set_loads_no_channel_module(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    store = create_store(root)
    with store.atomic():  # the helpers write without committing: the close's backup would wait for them
        brand = add_brand(store, "Harbour & Pine")
        add_product(store, brand, "HP-SH01", "shirt", {"M": 2})
        set_id = add_set(store, brand, ["HP-SH01"])
        add_customer(store, "Ana", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents={"x": "one_to_one"},
                     x_handle="ana", preferred_channel="x")
        add_customer(store, "Bo", likes=["Harbour & Pine"], sizes={"shirt": "M"},
                     consents={"email": "one_to_one"}, email="bo@example.com")
    store.close()
    probe = ("import json, sys; from lookbook.cli import main; "
             f"code = main(['--library', {str(root)!r}, 'sets', 'match', '{set_id}', '--json']); "
             f"print(json.dumps([m for m in {list(CHANNEL_MODULES)!r} if m in sys.modules]), file=sys.stderr); "
             "sys.exit(code)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=120, check=True)
    matches = json.loads(done.stdout)["matches"]
    assert [(m["name"], m["channel"]) for m in matches] == [("Ana Test", "x"), ("Bo Test", "email")]
    assert "via X, their preferred channel" in matches[0]["reasons"]
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
