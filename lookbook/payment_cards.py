"""Card numbers never travel through the outbox.

A template, a message, a name put into a message or a reply that holds a payment card
number is flagged, and the number is masked before it is stored or sent: only its last
four digits are kept, which is enough for an associate to recognise it and useless to
anyone else.

What counts as a card number: 13 to 19 digits passing the Luhn check, where between two
digits there may be any number of *separators*: spaces of any kind (no-break, thin,
ideographic ...), tabs and line breaks, dots, slashes, dashes of any kind, zero-width and
other invisible format characters, ``*``, ``_`` and the mask ``•`` itself. A digit is any
character with a digit value (``unicodedata.digit``): ``４１１１`` (fullwidth), Arabic-Indic
or Devanagari digits count as well as ``4111``. Letters and other punctuation (commas,
colons, brackets, currency signs) end a number, so ``30, 32, 34, 36, 38, 40, 42`` (a size
list) is seven numbers, not one.

A run longer than a card number is searched for one that starts and ends where the writer put
a break (a separator): a card number followed by its expiry date (``4111 1111 1111 1111 12/27``)
is one run of 20 digits, and its first 16 are a card number. An unbroken string of digits is
one number: ``41111111111111110000`` (a tracking number) is not a card number for holding one.
Masking is the safe side: a 13-digit GTIN, a phone number followed by a date, or a size list
written with spaces (``30 32 34 36 38 40 42``) that happens to pass the Luhn check is masked
too (about one in ten of such digit strings). Masking
repeats until no window passes, so two masked numbers side by side can never leave a valid
number made of their last fours.
"""

from __future__ import annotations

import re
import unicodedata

#: What an associate is told when a card number was found.
SAFE_PAYMENT_ADVICE = (
    "a card number was found and masked (only its last 4 digits kept); never take card details by message: "
    "take payment in store, by phone on the payment terminal, or with a payment link"
)

MASK = "•"
_MIN, _MAX, _KEEP = 13, 19, 4
#: Characters that may stand between the digits of one number besides spaces, dashes and format characters.
_EXTRA_SEPARATORS = frozenset(
    ".·‧∙⋅・．。｡"  # dots of every kind
    "/\\⁄∕⧸／＼"  # slashes
    "−﹣－⁃"  # minus signs and hyphens that are not in the dash category
    "*_＿" + MASK + "●◦∗"  # what people and this module write over digits
)


def digit_value(char: str) -> int | None:
    """Return the digit ``char`` stands for (any script, fullwidth, superscript), or None."""
    if "0" <= char <= "9":
        return ord(char) - 48
    if char.isascii():
        return None
    return unicodedata.digit(char, None)


def is_separator(char: str) -> bool:
    """Return whether ``char`` may stand between two digits of one card number."""
    if char.isspace() or char in _EXTRA_SEPARATORS:
        return True
    category = unicodedata.category(char)
    # Pd: dashes of every kind; Cf: zero-width spaces/joiners, soft hyphen, BOM; Zs/Zl/Zp: spaces and breaks.
    return category in ("Pd", "Cf", "Zs", "Zl", "Zp", "Cc")


Run = list[list[int]]  # the groups of one run, each the positions of its digits


def _runs(text: str) -> list[Run]:
    """Return each run of digits joined only by separators, as its groups (digits with nothing between)."""
    runs: list[Run] = []
    groups: Run = []
    last = -2
    for index, char in enumerate(text):
        if digit_value(char) is not None:
            if groups and last == index - 1:
                groups[-1].append(index)
            else:
                groups.append([index])
            last = index
        elif not is_separator(char):
            if groups:
                runs.append(groups)
            groups = []
    if groups:
        runs.append(groups)
    return runs


def _windows(text: str, run: Run, *, overlapping: bool = False) -> list[list[int]]:
    """Return the card numbers of a run (the positions of their digits), left to right.

    :param overlapping: look for a number from every group on (for masking: a valid number that starts
        with the digits before a card number must not hide the card number itself), not only after the
        last one found.

    A number starts where a group starts and ends where a group ends: where the writer put a break. So
    ``4111111111111112`` (no valid whole) is left alone though ``1111111111112`` inside it passes Luhn,
    and ``4111 1111 1111 1111 12/27`` gives up its card number.
    """
    # Imported here: the settings import this module, and most commands never look for a card number.
    from stdnum import luhn

    values = ["".join(str(digit_value(text[i])) for i in group) for group in run]
    found: list[list[int]] = []
    first = 0
    while first < len(run):
        best = None
        length = 0
        for last in range(first, len(run)):
            length += len(values[last])
            if length > _MAX:
                break
            if length >= _MIN and luhn.is_valid("".join(values[first:last + 1])):
                best = last  # keep going: the longest valid number from here
        if best is None:
            first += 1
            continue
        found.append([i for group in run[first:best + 1] for i in group])
        first = first + 1 if overlapping else best + 1
    return found


def find_card_numbers(text: str) -> list[str]:
    """Return the card numbers (as written, from first to last digit) that ``text`` holds."""
    numbers = []
    for run in _runs(text):
        for number in _windows(text, run):
            numbers.append(text[number[0]:number[-1] + 1])
    return numbers


def mask_card_numbers(text: str) -> tuple[str, bool]:
    """Return ``text`` with every card number masked but its last 4 digits, and whether one was found.

    Separators are kept as written, so the associate sees the grouping; each masked digit becomes ``•``.
    """
    chars = list(text)
    found = False
    while True:
        masked_now = False
        current = "".join(chars)
        for run in _runs(current):
            for number in _windows(current, run, overlapping=True):
                for i in number[:-_KEEP]:
                    chars[i] = MASK
                masked_now = True
        if not masked_now:
            break
        # The mask is a separator: the kept last fours of neighbouring numbers now form a run; look again.
        found = True
    return "".join(chars), found


_ASCII_DIGIT = re.compile(r"[0-9]")

#: Why an import refuses a cell that holds a card number.
IMPORT_REFUSAL = ("holds a payment card number; remove it from the file (card details must never be kept) "
                  "and import the line again")


def has_card_number(text: str) -> bool:
    """Return whether ``text`` holds a card number."""
    # Most text is ASCII with few digits: counting them in C first keeps imports of big files fast.
    if text.isascii() and len(_ASCII_DIGIT.findall(text)) < _MIN:
        return False
    return any(_windows(text, run) for run in _runs(text))
