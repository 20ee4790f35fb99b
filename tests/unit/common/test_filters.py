"""Template filters that are more than a format string."""

from __future__ import annotations

import pytest

from portal.common.filters import tel_href


@pytest.mark.parametrize(
    ("number", "href"),
    [
        ("0116 496 0000", "tel:01164960000"),
        ("+44 (0)116 496-0999", "tel:+441164960999"),
        ("999", "tel:999"),
        (" 0116\u00a0496 0000 ", "tel:01164960000"),
        ("0116 ４９６ 0000", "tel:01160000"),  # full-width digits are not dialled
    ],
)
def test_a_tel_link_is_the_numbers_digits(number, href):
    assert tel_href(number) == href
