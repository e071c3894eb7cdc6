"""Card numbers are found by the Luhn check and masked to their last four digits."""

from __future__ import annotations

import pytest

from lookbook.cardnumbers import find_card_numbers, mask_card_numbers


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


def test_part_of_a_longer_digit_run_is_not_a_card() -> None:
    text = "tracking 41111111111111110000"
    assert mask_card_numbers(text) == (text, False)


def test_several_numbers_all_masked() -> None:
    text = "4111111111111111 and 5555 5555 5555 4444"
    masked, found = mask_card_numbers(text)
    assert found
    assert find_card_numbers(text) == ["4111111111111111", "5555 5555 5555 4444"]
    assert find_card_numbers(masked) == []
    assert masked.endswith("•••• •••• •••• 4444")
