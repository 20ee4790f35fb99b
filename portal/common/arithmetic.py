"""Arithmetic the figures share: percentages and means rounded half up as people expect, and the
nearest-rank percentile."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage, rounded half up; None when there is nothing to divide."""
    if whole == 0:
        return None
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def average(total: int, count: int) -> Decimal | None:
    """The mean to one decimal place, rounded half up; None when there is nothing to average."""
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def nearest_rank(histogram: dict[int, int], percentile: int) -> int | None:
    """The nearest-rank percentile of values given as {value: how many}: the smallest value with at
    least ceil(percentile / 100 × n) values at or below it. None when empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, -(-percentile * total // 100))  # ceil(percentile × total / 100), in integers
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable")  # pragma: no cover
