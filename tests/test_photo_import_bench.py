"""The photo import bench times every stage it names (issue 18): a renamed function would drop out of its table."""

from __future__ import annotations

import pytest

from bench import photo_import


@pytest.mark.parametrize(("owner", "attr", "stage"), photo_import.TIMED)
def test_every_timed_function_is_found_in_the_tree(owner: str, attr: str, stage: str) -> None:
    # The bench skips a name it cannot find (so that it also reads older code): in this tree none may be missing.
    assert photo_import._resolve(owner, attr) is not None, f"{owner}.{attr} ({stage}) is gone: fix bench.photo_import"


def test_timers_put_back_what_they_wrap() -> None:
    from lookbook.photos import importer, pipeline
    from lookbook.store.library import Library

    before = (pipeline.detect_garment, importer._analyse, importer._Importer.__dict__["commit"],
              Library.__dict__["store_original"])
    with photo_import.stage_timers():
        assert pipeline.detect_garment is not before[0] and importer._Importer.__dict__["commit"] is not before[2]
    assert (pipeline.detect_garment, importer._analyse, importer._Importer.__dict__["commit"],
            Library.__dict__["store_original"]) == before
