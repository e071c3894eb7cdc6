"""Lookbook Studio core: the library, its store and every operation the app offers.

This package never imports Qt; the desktop app in ``ui/`` is a thin layer over it.
"""

__version__ = "0.1.0"
