"""Card numbers are found by the Luhn check and masked to their last four digits."""

from __future__ import annotations

import unicodedata

import pytest
from stdnum import ean, luhn

from lookbook.payment_cards import find_card_numbers, has_card_number, mask_card_numbers


def luhn_complete(partial: str) -> str:
    """Return ``partial`` with the check digit that makes it pass Luhn."""
    return partial + luhn.calc_check_digit(partial)


@pytest.mark.parametrize("written", ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
                                     "378282246310005", "6011 0009 9013 9424", "4222222222222"])
def test_valid_numbers_are_masked_to_last_four(written: str) -> None:
    masked, found = mask_card_numbers(f"my card is {written}, thanks")
    assert found
    assert written not in masked
    digits = [c for c in masked if c.isdigit()]
    assert "".join(digits) == written.replace(" ", "").replace("-", "")[-4:]
    # The grouping is kept so the associate recognises what it was.
    assert masked.count(" ") == f"my card is {written}, thanks".count(" ")


def test_luhn_invalid_and_short_numbers_are_left_alone() -> None:
    text = "order 4111111111111112, phone 555 0100 200, sku 123456789012"
    assert mask_card_numbers(text) == (text, False)
    assert find_card_numbers(text) == []


def test_part_of_an_unbroken_longer_digit_run_is_not_a_card() -> None:
    text = "tracking 41111111111111110000"
    assert mask_card_numbers(text) == (text, False)


def test_several_numbers_all_masked() -> None:
    text = "4111111111111111 and 5555 5555 5555 4444"
    masked, found = mask_card_numbers(text)
    assert found
    assert find_card_numbers(text) == ["4111111111111111", "5555 5555 5555 4444"]
    assert find_card_numbers(masked) == []
    assert masked.endswith("•••• •••• •••• 4444")


# -- issue 12: whatever separates the digits, whatever digits they are ------------------------------------
@pytest.mark.parametrize("written", [
    "4111.1111.1111.1111",
    "4111\u00a01111\u00a01111\u00a01111",  # no-break spaces
    "4111\u202f1111\u20091111\u30001111",  # narrow no-break, thin and ideographic spaces
    "ref-4111111111111111",
    "5555 - 5555 - 5555 - 4444",
    "5555–5555—5555−4444",  # en dash, em dash, minus sign
    "4111/1111/1111/1111",
    "4111\t1111\n1111\r\n1111",
    "4111\u200b1111\u200c1111\u2060111\u00ad1",  # zero-width space, non-joiner, word joiner, soft hyphen
    "４１１１ １１１１ １１１１ １１１１",  # fullwidth digits
    "٤١١١١١١١١١١١١١١١",  # Arabic-Indic digits
    "4 1 1 1   1 1 1 1 1 1 1 1 1 1 1 1",
    "4111 1111 1111 1111 12/27",  # followed by its expiry date: one run of 20 digits
    "32 4111 1111 1111 1111",  # after a size: the valid 14 digits "32 4111 1111 1111" must not hide it
])
def test_any_separator_and_any_digit_form_is_masked(written: str) -> None:
    masked, found = mask_card_numbers(f"pay with {written} please")
    assert found
    digits = "".join(str(unicodedata.digit(c)) for c in masked if unicodedata.digit(c, None) is not None)
    # What is left of the card number is its last four digits (and an expiry date or size beside it).
    assert "411111111111" not in digits and "555555555555" not in digits
    assert len(digits.replace("1227", "").replace("32", "", 1)) <= 4 or written.startswith("32")
    assert not has_card_number(masked)


def test_masked_neighbours_never_leave_a_card_number_of_their_last_fours() -> None:
    # Four numbers whose last fours read 4111 1111 1111 1111 once their masks are taken for separators.
    cards = [luhn_complete("40000000000" + "4111"), luhn_complete("50000000000" + "1111"),
             luhn_complete("60000000000" + "1111"), luhn_complete("30000000000" + "1111")]
    text = " ".join(cards)
    masked, found = mask_card_numbers(text)
    assert found
    assert not has_card_number(masked)
    assert not luhn.is_valid("".join(c for c in masked if c.isdigit()) or "0" * 12 + "1")


def test_an_unbroken_string_of_digits_is_one_number() -> None:
    # Luhn-invalid as a whole, though "1111111111112" inside it passes: not a card number.
    assert mask_card_numbers("order 4111111111111112") == ("order 4111111111111112", False)


def test_a_luhn_valid_gtin_is_masked_on_the_safe_side() -> None:
    # 5006381333923 is a valid EAN-13 (GS1 check digit) whose digits pass the Luhn check too: in text a
    # customer sees it is masked.
    assert luhn.is_valid("5006381333923") and ean.is_valid("5006381333923")
    masked, found = mask_card_numbers("Canvas Tote 5006381333923")
    assert found and masked == "Canvas Tote •••••••••3923"


def test_a_size_list_with_commas_is_not_one_number() -> None:
    text = "Sand Chino in 28, 30, 32, 34, 36, 38, 40, 42"
    assert mask_card_numbers(text) == (text, False)
