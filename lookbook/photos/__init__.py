"""From a photo on disk to the styled shots: decoding, finding the garment, cleaning and cropping it,
true colour, style presets and recipes, rendering, the import pipeline, barcodes and tying shots
to products.
"""
