"""Reusable widgets of the app: the photo grid, the garment box editor, the first-run guide."""
