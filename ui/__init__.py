"""The Lookbook Studio desktop app: a thin PySide6 layer over :mod:`lookbook`."""
