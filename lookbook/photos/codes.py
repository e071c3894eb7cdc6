"""What a code read in a photo is: its kinds and the :class:`Code` record. No image library here.

:mod:`lookbook.photos.barcodes` reads codes with OpenCV and zxing-cpp; :mod:`lookbook.photos.ties` ties
photos to products by codes already stored, and the set verbs resolve photos through it, so loading an image
library for these names cost every ``lookbook sets ...`` and ``lookbook products ...`` command half a second (issue 18).
"""

from __future__ import annotations

from dataclasses import dataclass

EAN13 = "EAN-13"
EAN8 = "EAN-8"
UPCA = "UPC-A"
UPCE = "UPC-E"
CODE128 = "Code 128"
QR = "QR"


@dataclass(frozen=True)
class Code:
    """One code read in an image.

    :param text: the decoded text (digits for EAN/UPC, with the check digit).
    :param kind: one of ``EAN-13``, ``EAN-8``, ``UPC-A``, ``UPC-E``, ``Code 128``, ``QR``.
    :param reader: ``opencv`` or ``zxing-cpp``, for the bench and for diagnosing misses.
    """

    text: str
    kind: str
    reader: str
