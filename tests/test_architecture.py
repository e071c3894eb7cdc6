"""The core stays free of Qt."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import lookbook

REPO = Path(__file__).resolve().parent.parent


def test_importing_every_core_module_loads_no_qt() -> None:
    names = [m.name for m in pkgutil.walk_packages(lookbook.__path__, "lookbook.") if not m.name.endswith("__main__")]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'ui'})\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == "", f"the core loaded Qt or ui modules: {result.stdout}"


def test_no_core_source_mentions_a_qt_import() -> None:
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "lookbook").rglob("*.py")
                 if any(line.lstrip().startswith(("import PySide6", "from PySide6", "from ui", "import ui"))
                        for line in p.read_text(encoding="utf-8").splitlines())]
    assert offenders == []


@pytest.mark.skipif(os.environ.get("LOOKBOOK_CORE_ONLY") != "1", reason="only in the core-only environment")
def test_core_environment_really_has_no_pyside6() -> None:
    with pytest.raises(ImportError):
        __import__("PySide6")
