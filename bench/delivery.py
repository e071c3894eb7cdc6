"""What exactly-once costs: the sender against bare tweepy calls, on the same local fake X.

Run from the repository root::

    python -m bench.delivery [--sizes 50 200] [--repeat 5]

For each batch size N, on an on-disk library (WAL, as the app uses it), prints the
median of ``--repeat`` runs of

* ``sender``: :func:`lookbook.sender.send` delivering N approved text DMs (each one:
  quiet-hours check, rate-limit gate, queued → sending with a committed attempt, the
  attempt's ``post`` phase committed before the request, the POST, sending → sent with
  its audit entries);
* ``sender, every answer lost``: the same, but X answers each POST with a 503 *after*
  recording the DM, so every message is settled by reading the conversation
  (one extra GET each) instead of being sent again;

and, measured in the same run, the baseline ``bare tweepy``: N calls of
``Client.create_direct_message`` through :class:`lookbook.delivery.x.XChannel` with no
store at all. The fake X (tests/fakes/fake_x.py) answers on 127.0.0.1, so the network
part is small and the figures show the bookkeeping; against X itself each DM takes a
few hundred milliseconds and 15 DMs per 15 minutes are allowed, so the bookkeeping is
noise there. Every run also checks that each DM arrived exactly once.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the fake X server lives with the tests

from fakes.fake_x import FakeX, Fault  # noqa: E402
from lookbook import outbox, quiet_hours, scale  # noqa: E402
from lookbook.delivery.x import OAuth2Token, XChannel, XEndpoints  # noqa: E402
from lookbook.sender import SenderOptions, direct, send  # noqa: E402
from lookbook.store import Store, create_store  # noqa: E402


def _library(root: Path, n: int) -> Store:
    store = create_store(root)
    quiet_hours.set_window(store, "00:00", "00:00")
    scale.add_approved_x_messages(store, n)
    return store


def _channel(fake: FakeX) -> XChannel:
    return XChannel(token=OAuth2Token(fake.issue_token()),
                    endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake.base_url}), timeout=(2.0, 5.0))


def run_sender(n: int, lose_answers: bool) -> float:
    with FakeX(dm_limit=1_000_000).running() as fake, tempfile.TemporaryDirectory() as tmp:
        store = _library(Path(tmp) / "lib", n)
        if lose_answers:
            fake.faults.append(Fault("POST", r"/2/dm_conversations/with/\d+/messages", "503_after", times=n))
        x = _channel(fake)
        start = time.perf_counter()
        for _ in send(direct(store), options=SenderOptions(reconcile_after_s=30.0), x=lambda s: x):
            pass
        took = time.perf_counter() - start
        sent = outbox.count_in_state(store, "sent")
        store.close()
        assert sent == n and len(fake.events) == n, (sent, len(fake.events))  # exactly once
        return took


def run_bare(n: int) -> float:
    with FakeX(dm_limit=1_000_000).running() as fake:
        x = _channel(fake)
        start = time.perf_counter()
        for i in range(n):
            x.send_dm(str(5000 + i), f"Hello C{i}, new shirts in your size")
        took = time.perf_counter() - start
        assert len(fake.events) == n
        return took


def _median(fn: Callable[[], float], repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'N':>5}  {'case':<28} {'median s':>9} {'ms/DM':>7} {'x bare':>7}")
    for n in args.sizes:
        bare = _median(functools.partial(run_bare, n), args.repeat)
        rows = [("bare tweepy (no store)", bare),
                ("sender", _median(functools.partial(run_sender, n, False), args.repeat)),
                ("sender, every answer lost", _median(functools.partial(run_sender, n, True), args.repeat))]
        for case, seconds in rows:
            print(f"{n:>5}  {case:<28} {seconds:>9.3f} {1000 * seconds / n:>7.2f} {seconds / bare:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
