"""EAN/UPC/GTIN numbers: their check digits (python-stdnum) and one form to compare them by.

Kept apart from :mod:`lookbook.photos.barcodes`, which reads codes in photos with OpenCV and zxing-cpp: the catalog
checks every barcode it imports, and loading an image library for that cost each `lookbook` command that
touches the catalog half a second.
"""

from __future__ import annotations

import re

from stdnum import ean as gs1
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from lookbook.errors import InputError

_SEPARATORS = re.compile(r"[\s-]+")


def gtin_key(code: str) -> str:
    """Return a digits-only code as a 14-digit GTIN, so UPC-A ``036000291452`` equals EAN-13 ``0036000291452``."""
    return code.zfill(14) if code.isdigit() else code


def normalize_gtin(value: str, *, field: str = "barcode") -> str:
    """Return an EAN-8, UPC-A, EAN-13 or GTIN-14 number without spaces or dashes, its check digit verified.

    :param value: the number as written (spaces and dashes allowed).
    :param field: how to name the value in the error.
    :raises InputError: if it is not 8, 12, 13 or 14 digits or its check digit is wrong.
    """
    text = _SEPARATORS.sub("", value.strip())
    if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", text):
        raise InputError(f"{field} '{value}' was written in scientific notation by a spreadsheet; "
                         "format the column as text and export again.")
    try:
        number = gs1.validate(text)
    except InvalidChecksum:
        raise InputError(f"{field} '{value}': the check digit is wrong; check the number for a typo.") from None
    except (InvalidFormat, InvalidLength, ValidationError):
        raise InputError(f"{field} '{value}': not an EAN-8, UPC-A, EAN-13 or GTIN-14 number "
                         "(8, 12, 13 or 14 digits).") from None
    if len(number) not in (8, 12, 13, 14):
        raise InputError(f"{field} '{value}': not an EAN-8, UPC-A, EAN-13 or GTIN-14 number "
                         "(8, 12, 13 or 14 digits).")
    return number
