"""Sets: one brand's chosen shots, created, edited, ordered best first, locked while messages are in flight."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from catalog_support import add_photo, add_product
from lookbook.errors import InputError
from lookbook.lookbooks.sets import (
    add_to_set,
    create_set,
    delete_set,
    get_set,
    list_sets,
    remove_from_set,
    rename_set,
    reorder_set,
    shots_of_product,
)
from lookbook.store.database import Store, utcnow
from lookbook.store.users import PermissionDenied, create_user


def shot(store: Store, product_id: int | None, name: str, *, needs_review: int = 0,
         confidence: float | None = None, slate: str | None = None) -> int:
    photo_id = add_photo(store, np.full((16, 16, 3), len(name) * 7 % 255, np.uint8), name)
    store.db.execute("UPDATE photos SET product_id = ?, assigned_by = ?, needs_review = ?, confidence = ?,"
                     " slate_code = ? WHERE id = ?",
                     [product_id, "hand" if product_id else None, needs_review, confidence, slate, photo_id])
    return photo_id


@pytest.fixture
def catalog(store: Store) -> dict[str, int]:
    """Two Robert Graham shirts with shots of varying quality, one Nordvik knit, an untied shot and a slate."""
    create_user(store, "sam", "secret-pass", "merchandiser")  # sets are a merchandiser's (see lookbook.store.roles)
    rg1 = add_product(store, "RG-1", brand="Robert Graham")
    rg2 = add_product(store, "RG-2", brand="Robert Graham")
    nv = add_product(store, "NV-1", brand="Nordvik")
    return {
        "rg1_soft": shot(store, rg1, "rg1-soft.jpg", needs_review=1, confidence=0.9),
        "rg1_best": shot(store, rg1, "rg1-best.jpg", confidence=0.95),
        "rg1_ok": shot(store, rg1, "rg1-ok.jpg", confidence=0.6),
        "rg2_a": shot(store, rg2, "rg2-a.jpg", confidence=0.8),
        "nv": shot(store, nv, "nv.jpg"),
        "loose": shot(store, None, "loose.jpg"),
        "slate": shot(store, rg2, "rg2-tag.jpg", slate="4006381333931"),
    }


def order(store: Store, set_ref: str | int) -> list[str]:
    return [i.original_name for i in get_set(store, set_ref).items]


def test_shots_of_a_product_best_first(store: Store, catalog: dict[str, int]) -> None:
    product_id = store.db.execute("SELECT id FROM products WHERE sku = 'RG-1'").fetchone()[0]
    assert [s.original_name for s in shots_of_product(store, product_id)] == [
        "rg1-best.jpg", "rg1-ok.jpg", "rg1-soft.jpg"]


def test_create_groups_by_product_best_first_and_audits(store: Store, catalog: dict[str, int]) -> None:
    c = catalog
    made = create_set(store, brand="robert graham", name="  Spring   shirts ", actor="sam",
                      photos=[c["rg2_a"], c["rg1_soft"], "rg1-ok.jpg", c["rg1_best"]])
    assert (made.name, made.brand, made.created_by, made.scope) == ("Spring shirts", "Robert Graham", "sam",
                                                                     "one_to_one")
    assert [i.original_name for i in made.items] == ["rg2-a.jpg", "rg1-best.jpg", "rg1-ok.jpg", "rg1-soft.jpg"]
    assert [i.position for i in made.items] == [1, 2, 3, 4]
    detail = json.loads(store.db.execute("SELECT detail FROM audit_log WHERE action = 'set.create'").fetchone()[0])
    assert detail["photo_ids"] == [c["rg2_a"], c["rg1_best"], c["rg1_ok"], c["rg1_soft"]]


def test_shots_must_be_tied_product_shots_of_the_sets_brand(store: Store, catalog: dict[str, int]) -> None:
    c = catalog
    with pytest.raises(InputError) as caught:
        create_set(store, brand="Robert Graham", name="Mixed", actor="sam",
                   photos=[c["rg1_best"], c["nv"], c["loose"], c["slate"]])
    message = str(caught.value)
    assert f"photo {c['nv']} (nv.jpg) shows NV-1 by Nordvik, not Robert Graham" in message
    assert f"photo {c['loose']} (loose.jpg) is tied to no product" in message
    assert f"photo {c['slate']} (rg2-tag.jpg) is a barcode slate, not a product shot" in message
    assert list_sets(store) == []  # nothing half-made
    with pytest.raises(InputError, match="brand 'Gucci' is not in the catalog"):
        create_set(store, brand="Gucci", name="X", actor="sam")
    with pytest.raises(InputError, match="set name: write a name"):
        create_set(store, brand="Nordvik", name="  ", actor="sam")


def test_edit_add_remove_reorder_rename_list_delete(store: Store, catalog: dict[str, int]) -> None:
    c = catalog
    made = create_set(store, brand="Robert Graham", name="Six shirts", actor="sam", photos=[c["rg1_best"]])
    add_to_set(store, made.id, [c["rg2_a"], c["rg1_best"], c["rg1_ok"]], actor="sam")  # rg1_best already there
    assert order(store, made.id) == ["rg1-best.jpg", "rg2-a.jpg", "rg1-ok.jpg"]

    reorder_set(store, "six shirts", [c["rg2_a"]], actor="sam")
    assert order(store, made.id) == ["rg2-a.jpg", "rg1-best.jpg", "rg1-ok.jpg"]

    remove_from_set(store, made.id, [c["rg1_best"]], actor="sam")
    assert order(store, made.id) == ["rg2-a.jpg", "rg1-ok.jpg"]
    assert [i.position for i in get_set(store, made.id).items] == [1, 2]
    with pytest.raises(InputError, match=f"photos {c['nv']} are not in it"):
        remove_from_set(store, made.id, [c["nv"]], actor="sam")
    with pytest.raises(InputError, match="not Robert Graham"):
        add_to_set(store, made.id, [c["nv"]], actor="sam")

    rename_set(store, made.id, "Two shirts", actor="sam")
    create_set(store, brand="Nordvik", name="Knits", actor="sam", photos=[c["nv"]])
    assert [(s.name, s.brand, s.shots, s.products) for s in list_sets(store, brand="Robert Graham")] == [
        ("Two shirts", "Robert Graham", 2, 2)]
    assert {s.name for s in list_sets(store)} == {"Two shirts", "Knits"}

    delete_set(store, "two shirts", actor="sam")
    with pytest.raises(InputError, match="set 'two shirts' does not exist"):
        get_set(store, "two shirts")
    assert store.db.execute("SELECT count(*) FROM photos").fetchone()[0] == 7  # shots stay in the library
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'set' ORDER BY id")]
    assert actions == ["set.create", "set.add", "set.reorder", "set.remove", "set.rename", "set.create",
                       "set.delete"]


def test_a_set_with_messages_awaiting_approval_or_sending_is_locked(store: Store, catalog: dict[str, int]) -> None:
    made = create_set(store, brand="Nordvik", name="Knits", actor="sam", photos=[catalog["nv"]])
    now = utcnow()
    customer = store.db.execute("INSERT INTO customers (first_name, created_at, updated_at) VALUES ('Ana', ?, ?)",
                                [now, now]).lastrowid
    message = store.db.execute("INSERT INTO messages (set_id, customer_id, channel, state, body, drafted_by,"
                               " created_at, updated_at) VALUES (?, ?, 'email', 'queued', 'Hi', 'alex', ?, ?)",
                               [made.id, customer, now, now]).lastrowid
    with pytest.raises(InputError, match="1 messages made from it are being sent"):
        remove_from_set(store, made.id, [catalog["nv"]], actor="sam")
    store.db.execute("UPDATE messages SET state = 'pending' WHERE id = ?", [message])
    with pytest.raises(InputError, match="cannot be deleted: 1 messages made from it are awaiting approval"):
        delete_set(store, made.id, actor="sam")
    rename_set(store, made.id, "Knits (sent)", actor="sam")  # a name is not what the manager approved
    # Changing the shots of a set awaiting approval sends its messages back, with sam as their last changer.
    remove_from_set(store, made.id, [catalog["nv"]], actor="sam")
    assert store.db.execute("SELECT state, changed_by FROM messages WHERE id = ?", [message]).fetchone() == (
        "pending", "sam")


def test_only_the_roles_the_matrix_names_change_sets(store: Store, catalog: dict[str, int]) -> None:
    create_user(store, "alex", "secret-pass", "associate")
    with pytest.raises(PermissionDenied, match="'alex' is an associate; only a merchandiser, a manager or an admin "
                                               "may create, change and delete sets"):
        create_set(store, brand="Nordvik", name="Knits", actor="alex")
    made = create_set(store, brand="Nordvik", name="Knits", actor="sam")
    for attempt in (lambda: rename_set(store, made.id, "Mine", actor="alex"),
                    lambda: add_to_set(store, made.id, [catalog["nv"]], actor="alex"),
                    lambda: delete_set(store, made.id, actor="nobody")):
        with pytest.raises(PermissionDenied):
            attempt()
    assert get_set(store, made.id).name == "Knits"


def test_two_sets_with_one_name_need_an_id(store: Store, catalog: dict[str, int]) -> None:
    first = create_set(store, brand="Nordvik", name="Knits", actor="sam")
    create_set(store, brand="Robert Graham", name="knits", actor="sam")
    with pytest.raises(InputError, match="2 sets are named 'Knits'; give the id instead"):
        get_set(store, "Knits")
    assert get_set(store, first.id).brand == "Nordvik"


def test_cli_sets_and_photo_verbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.store.database import create_store
    from lookbook.store.users import create_user

    library = tmp_path / "lib"
    made = create_store(library)
    create_user(made, "sam", "secret-pass", "merchandiser")
    rg = add_product(made, "RG-1", brand="Robert Graham")
    shot(made, rg, "rg-a.jpg")
    loose = shot(made, None, "loose.jpg")
    made.close()
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(library))
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")

    assert main(["photos", "unassigned", "--json"]) == 0
    assert [json.loads(line)["original_name"] for line in capsys.readouterr().out.splitlines()] == ["loose.jpg"]
    assert main(["--as", "sam", "photos", "assign", "loose.jpg", "--sku", "RG-1"]) == 0
    assert main(["--as", "sam", "sets", "create", "--brand", "Robert Graham", "--name", "Shirts", "rg-a.jpg"]) == 0
    assert "Created set 1 'Shirts' for Robert Graham with 1 shot." in capsys.readouterr().out
    assert main(["--as", "sam", "sets", "add", "Shirts", str(loose)]) == 0
    assert main(["sets", "show", "1", "--json"]) == 0
    capsys.readouterr()
    assert main(["sets", "show", "Shirts", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [i["original_name"] for i in shown["items"]] == ["rg-a.jpg", "loose.jpg"]
    assert main(["--as", "sam", "sets", "delete", "Shirts"]) == 0
    assert main(["sets", "show", "Shirts"]) == 1
    assert "set 'Shirts' does not exist" in capsys.readouterr().err
