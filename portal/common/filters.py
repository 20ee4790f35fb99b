"""Template filters: dates and times are stored in UTC and shown in Europe/London."""

from __future__ import annotations

from flask import Flask

from portal.common.times import format_date, format_datetime, format_time
from portal.models_base import utcnow


def tel_href(number: str) -> str:
    """A `tel:` link for a phone number as people write it ("0116 496 0000" → "tel:01164960000")."""
    text = str(number).strip().replace("(0)", "")  # "+44 (0)116 …": the 0 is not dialled after +44
    digits = "".join(c for c in text if c.isascii() and c.isdigit())
    return f"tel:{'+' if text.startswith('+') else ''}{digits}"


def register(app: Flask) -> None:
    app.add_template_filter(tel_href, "tel_href")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "clock_time")
    app.add_template_global(utcnow, "now_utc")
