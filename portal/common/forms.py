"""Form helpers shared by every domain: GOV.UK date fields, the error summary, the checks of a meeting's times
and place, and the one way a route shows a domain error (`show_domain_error`), a child's identifiers among
them (`IdentifierConfirmation`, `FreeTextArea`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovCheckboxInput, GovDateInput, GovTextArea
from markupsafe import Markup
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, StopValidation, ValidationError

from portal.common.errors import DomainError
from portal.common.identifiers import IdentifiersFound
from portal.common.times import LONDON, ONLINE_LINK, london_today, on_day_at, parse_time
from portal.models_base import utcnow

TIME_HINT = "For example, 9:30am or 14:30"
# A select of many people or organisations: static/src/portal.mjs lets the person type to narrow it
# (accessible-autocomplete); without JavaScript it stays a select.
LONG_LIST: dict[str, Any] = {"data-portal-autocomplete": True}


def date_example(days_ahead: int) -> str:
    """A date hint a form can use now: the date `days_ahead` days from today, as the boxes take it ("9 12 2026")."""
    day = london_today() + timedelta(days=days_ahead)
    return f"For example, {day.day} {day.month} {day.year}"


# Characters no text field keeps: the C0 and C1 control characters and DEL (NUL among them, which PostgreSQL
# refuses in text). Long text (a text area) keeps its line breaks and tabs.
_CONTROL = "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)))
_LONG_TEXT_ALLOWED = "\n\r\t"


class PortalForm(FlaskForm):
    """The base of every form in the portal: the checks every text field needs, written once.

    - a file posted where text is expected is refused, not handed to a validator that cannot measure it;
    - a text of spaces only counts as empty, so a required field says what to enter and nothing is saved;
    - NUL and other control characters are refused (a text area keeps its line breaks and tabs).
    Passwords keep every character (any password may be chosen) but not a file."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            data = super().wrap_formdata(form, formdata)
            form.sent_files = set()
            if data is None or not any(isinstance(v, FileStorage) for v in data.values()):
                return data
            # A file where text is expected: kept out of the fields (it would reach a validator as an object
            # with no length), and named so that validate() refuses it.
            plain: MultiDict[str, Any] = MultiDict()
            for name, value in data.items(multi=True):
                if isinstance(value, FileStorage):
                    form.sent_files.add(name)
                    value = ""
                plain.add(name, value)
            return plain

    sent_files: set[str]

    def validate(self, extra_validators: Any = None) -> bool:
        problems: dict[str, str] = {}
        for field in self:
            if field.name in getattr(self, "sent_files", ()):
                problems[field.name] = f"{field.label.text} must be typed in, not sent as a file"
            elif isinstance(field, StringField) and not isinstance(field, PasswordField):
                problem = _text_problem(field)
                if problem:
                    problems[field.name] = problem
            elif not isinstance(field, PasswordField) and _has_control(field.raw_data):
                # A number or a date's boxes: shown again as typed, so without what a page cannot carry.
                field.raw_data = [_without_control(str(v)) for v in field.raw_data or []]
                problems[field.name] = _CONTROL_MESSAGE.format(label=field.label.text)
        valid = super().validate(extra_validators)
        for name, message in problems.items():
            if message not in self[name].errors:
                self[name].errors = [message, *self[name].errors]
        return valid and not problems


class ConfirmForm(PortalForm):
    """The form of a page that asks before what cannot be undone ("Yes, cancel …", "No, keep it";
    templates/layouts/confirm.html). It posts `confirm=yes`: a post without it (an old page's one-click button)
    is not a yes, so the route changes nothing and sends it to the question."""

    confirm = HiddenField(validators=[AnyOf(["yes"])])


_CONTROL_MESSAGE = "{label} must not include hidden control characters, like a null byte: check it and try again"


def _without_control(text: str, allowed: str = "") -> str:
    return "".join(ch for ch in text if ch not in _CONTROL or ch in allowed)


def _has_control(values: Any) -> bool:
    return any(isinstance(v, str) and _without_control(v) != v for v in values or [])


def _text_problem(field: StringField) -> str | None:
    """Blank a text of spaces only (so "required" means something typed), and name control characters."""
    if not isinstance(field.data, str):
        return None
    if field.data and not field.data.strip():
        field.data = ""
        field.raw_data = [""]
        return None
    kept = _without_control(field.data, _LONG_TEXT_ALLOWED if isinstance(field, TextAreaField) else "")
    if kept == field.data:
        return None
    # Shown again without them: a page cannot carry them (they are not allowed in HTML), and the person can
    # check what is left and send it again.
    field.data = kept
    field.raw_data = [kept]
    return _CONTROL_MESSAGE.format(label=field.label.text)


# The years a date the portal plans by (a booking, promise, consultation, session, meeting, absence) may be
# in: from last year to two years ahead. Further out is a typing mistake ("2062" for "2026"), and a year like
# 9999 has no next day to count working days to.
YEARS_BACK, YEARS_AHEAD = 1, 2


def year_range(*, today: date | None = None) -> tuple[int, int]:
    """The first and last year a planned date may be in (see YEARS_BACK, YEARS_AHEAD)."""
    this_year = (today or london_today()).year
    return this_year - YEARS_BACK, this_year + YEARS_AHEAD


class GovDateField(DateField):
    """Day, month and year boxes with GOV.UK error messages. The year must be in `year_range()` (the one
    check of a planned date's year) unless `any_year` is set. `example_in` days from today makes the hint's
    example date, computed for each form (a fixed example goes stale and ends up in the past)."""

    widget = GovDateInput()

    def __init__(
        self, label: str, *, what: str, any_year: bool = False, example_in: int | None = None, **kwargs: Any
    ) -> None:
        self.what = what
        self.any_year = any_year
        if example_in is not None:
            example = date_example(example_in)
            given = kwargs.get("description")
            kwargs["description"] = f"{given} {example}" if given else example
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
            # ASCII digits of a sensible length: int() takes "١٢" and "1_0", and date() overflows (not a
            # ValueError) on a 20-digit year.
            if len(parts) != 3 or not all(
                p.isascii() and p.isdigit() and len(p) <= n for p, n in zip(parts, (2, 2, 4), strict=True)
            ):
                raise ValueError
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.what.capitalize()} must be a real date") from None

    def pre_validate(self, form: Any) -> None:
        if self.data is None or self.any_year:
            return
        first, last = year_range()
        if not first <= self.data.year <= last:
            raise StopValidation(f"Enter a year between {first} and {last}")


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


class FreeTextArea(GovTextArea):
    """A GOV.UK text area that shows every error by the field, one a line, where GOV.UK Frontend WTF shows
    the first only: the identifier check reports each thing it finds, and one submission must show them all."""

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        if len(field.errors) > 1:
            params["errorMessage"] = {"html": Markup("<br>").join(field.errors)}
        return params


class IdentifierConfirmation:
    """A mixin for every form with free text that a service checks for a child's identifiers
    (`portal.common.identifiers.check_free_text`; the texts use `FreeTextArea`). Once `show_domain_error` has
    shown what was found, `asks_to_confirm` is true and the page offers the box to confirm and save."""

    confirm_identifiers = BooleanField(
        "I have checked: these are not a child's personal details, or sharing them here is necessary",
        widget=GovCheckboxInput(),
    )
    asks_to_confirm = False


def show_domain_error(
    form: FlaskForm, error: DomainError, *, fields: dict[str, str] | None = None, fallback: str | None = None
) -> None:
    """Show a service's refusal on the form: by the field it names (`fields` maps a service's name to the
    form's, where they differ), else by `fallback`, else above the form. IdentifiersFound shows every finding
    by the field of its text, each as its own message, and asks the user to confirm them."""
    if isinstance(error, IdentifiersFound):
        by_name = {text: [finding.message for finding in findings] for text, findings in error.findings.items()}
    else:
        by_name = {error.field or "": [error.message]}
    for name, messages in by_name.items():
        name = (fields or {}).get(name, name)
        target = name if name and name in form else fallback
        if target is None:
            form.form_errors.extend(messages)
        else:
            form[target].errors = [*form[target].errors, *messages]
    if isinstance(error, IdentifiersFound):
        if not isinstance(form, IdentifierConfirmation):
            raise TypeError(f"{type(form).__name__} has free text checked for identifiers: add IdentifierConfirmation")
        form.asks_to_confirm = True


def error_summary(form: FlaskForm) -> dict[str, Any]:
    """The error summary's params: the form's own errors (nothing to link to), then each field's first error,
    or every error of a field that shows them all (FreeTextArea); date errors link to the day box (the fieldset
    cannot take focus)."""
    items: list[dict[str, str]] = [{"text": message} for message in form.form_errors]
    for field in form:
        if not field.errors:
            continue
        href = f"#{field.name}-day" if isinstance(field, GovDateField) else f"#{field.id}"
        messages = field.errors if isinstance(field.widget, FreeTextArea) else field.errors[:1]
        items += [{"text": message, "href": href} for message in messages]
    return {"titleText": "There is a problem", "errorList": items}


def register(app: Flask) -> None:
    app.add_template_global(error_summary)


class WholeNumberField(IntegerField):
    """A whole number typed in a box (a year, a number of places). Empty, not a whole number, or longer than
    `max_digits` leaves None without WTForms' own message, so the form's validator says what is wrong in
    GOV.UK words; ASCII digits only ("²" passes str.isdigit() and then fails int())."""

    def __init__(self, *args: Any, max_digits: int = 6, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_digits = max_digits

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        value = str(valuelist[0]).strip() if valuelist else ""
        if value.isascii() and value.isdigit() and len(value) <= self.max_digits:
            self.data = int(value)
