"""Benchmarks: ``python -m bench.<name>`` from the repository root. Speed is measured here, never in tests."""
