"""Form helpers shared by every domain: GOV.UK date fields, the error summary's links, and the checks of
a meeting's times and place."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput
from wtforms import DateField, Field, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from portal.common.times import LONDON, ONLINE_LINK, on_day_at, parse_time
from portal.models_base import utcnow

TIME_HINT = "For example, 9:30am or 14:30"


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


class StartAndEndTimes:
    """For a form with a date `on` and typed `starts` and `ends` times: real times, the end after the
    start, and a start still to come. A date in the past is the date's own error (its `validate_on`),
    so the start time is only questioned on today's date."""

    on: GovDateField
    starts: StringField
    ends: StringField

    def validate_starts(self, field: StringField) -> None:
        if parse_time(field.data or "") is None:
            raise ValidationError("Enter a real start time, like 9:30am or 14:30")
        starts = self.starts_at()
        if starts is not None and starts.date() == utcnow().astimezone(LONDON).date() and starts <= utcnow():
            raise ValidationError("The start time must be in the future")

    def validate_ends(self, field: StringField) -> None:
        if parse_time(field.data or "") is None:
            raise ValidationError("Enter a real end time, like 10:30am or 15:30")
        starts, ends = parse_time(self.starts.data or ""), parse_time(field.data or "")
        if starts is not None and ends is not None and ends <= starts:
            raise ValidationError("The end time must be after the start time")

    def show_times(self, starts_at: datetime, ends_at: datetime) -> None:
        """Fill the date and times from a stored start and end (UTC), as London shows them."""
        start, end = starts_at.astimezone(LONDON), ends_at.astimezone(LONDON)
        self.on.data = start.date()
        self.starts.data = f"{start:%H:%M}"
        self.ends.data = f"{end:%H:%M}"

    def starts_at(self) -> datetime | None:
        return on_day_at(self.on.data, self.starts.data or "")

    def ends_at(self) -> datetime | None:
        return on_day_at(self.on.data, self.ends.data or "")


class PlaceOrOnlineLink:
    """For a form with a `location` and an `online_link`: one of them at least, and a link that is one."""

    location: StringField
    online_link: StringField

    def validate_location(self, field: StringField) -> None:
        if not (field.data or "").strip() and not (self.online_link.data or "").strip():
            raise ValidationError("Enter a place or an online link")

    def validate_online_link(self, field: StringField) -> None:
        link = (field.data or "").strip()
        if link and not ONLINE_LINK.fullmatch(link):
            raise ValidationError("Enter the online link in the correct format, like https://meet.example.org/abc")


class IdsField(SelectMultipleField):
    """Checkboxes of ids (people, bookings). A tampered value gets a GOV.UK message, not WTForms' own."""

    widget = GovCheckboxesInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, coerce=int, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError("Select people from the list") from None


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
