"""Launching the app does not wait for libraries only some actions need (issue 18).

The main window once imported OpenCV, numpy and Pillow (through the demo builder, the Shoot page's
detail kinds and the preset preview), the X client (requests, tweepy, OAuth, through the stored replies
and the delivery settings) and keyring: 1 s of a 2.3 s launch. The speed itself is measured by
``python -m bench.ui_launch``; this looks at ``sys.modules`` in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LATER = ("cv2", "numpy", "PIL", "requests", "tweepy", "requests_oauthlib", "keyring", "lookbook.photos.pipeline",
         "lookbook.photos.importer", "lookbook.demo",
         # The pages other than Shoot are built, and their modules imported, when first shown; the dialogs of
         # menu actions load with their action.
         "ui.pages.products", "ui.pages.customers", "ui.pages.match", "ui.pages.compose", "ui.pages.approvals",
         "ui.pages.outbox", "ui.pages.conversations", "ui.pages.tasks", "ui.pages.reports", "ui.pages.settings",
         "ui.preset_editor", "ui.catalog_import", "ui.export_pdf", "ui.restore_dialog", "lookbook.lookbooks.sets")


def test_importing_the_main_window_loads_no_library_an_action_needs_later() -> None:
    probe = ("import json, sys, ui.app, ui.main_window; "
             f"print(json.dumps([m for m in {list(LATER)!r} if m in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
