"""Form helpers shared by every domain: GOV.UK date fields and the error summary's links."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField, Field


class GovDateField(DateField):
    """Day, month and year boxes with GOV.UK error messages."""

    widget = GovDateInput()

    def __init__(self, label: str, *, what: str, **kwargs: Any) -> None:
        self.what = what
        super().__init__(label, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        parts = [str(v).strip() for v in valuelist]
        # The widget redisplays exactly three boxes: a post without them, or with one or four, must not break it.
        self.raw_data = (list(valuelist) + ["", "", ""])[:3] if len(valuelist) != 3 else valuelist
        if not any(parts):
            self.data = None
            return
        if not all(parts):
            missing = [name for name, v in zip(("day", "month", "year"), parts, strict=False) if not v]
            self.data = None
            raise ValueError(f"{self.what.capitalize()} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.what.capitalize()} must be a real date") from None


def error_summary(form: FlaskForm) -> dict[str, Any]:
    """wtforms_errors(), but linking date errors to the day box (the fieldset cannot take focus)."""
    params = wtforms_errors(form)
    for item in params["errorList"]:
        field: Field | None = getattr(form, item["href"].lstrip("#"), None)
        if field is not None and isinstance(field, GovDateField):
            item["href"] = f"#{field.name}-day"
    return params


def register(app: Flask) -> None:
    app.add_template_global(error_summary)
