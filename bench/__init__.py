"""Benchmarks: ``python -m bench.<name>`` from the repository root. Speed is measured here, never in tests."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def compile_sources() -> None:
    """Write the bytecode of ``lookbook/`` and ``ui/`` as an installed copy has it.

    A process started with ``PYTHONDONTWRITEBYTECODE`` (as on the shared machine) would otherwise compile every
    module it imports on each start, which a person's installed app never does: start-up benchmarks call this first.
    """
    import compileall

    for package in ("lookbook", "ui"):
        compileall.compile_dir(REPO / package, quiet=1)
