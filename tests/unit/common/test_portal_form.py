"""The checks every text field needs, written once in PortalForm: a file where text is expected, a text of
spaces only, NUL and other control characters; and the date boxes' year range, the one check of a planned date."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

import portal
from portal.common.forms import GovDateField, PortalForm, year_range


class NoteForm(PortalForm):
    class Meta:
        csrf = False

    title = StringField("Title", validators=[InputRequired(message="Enter a title")])
    notes = TextAreaField("Notes", validators=[Optional()])
    places = IntegerField("Places", validators=[Optional()])
    password = PasswordField("Password", validators=[Optional()])
    on = GovDateField("Date", what="the date", validators=[Optional()])


@pytest.fixture(autouse=True)
def request_context() -> Iterator[None]:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "unit-test"
    with app.test_request_context(method="POST"):
        yield


def submit(**fields: object) -> NoteForm:
    data = MultiDict()
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            data.add(name, one)
    form = NoteForm(formdata=data)
    form.validate()
    return form


def test_a_required_text_of_spaces_only_is_empty():
    form = submit(title="   \t ")
    assert form.errors["title"] == ["Enter a title"]


@pytest.mark.parametrize("text", ["Tea\x00time", "\x1b[31mred", "bell\x07", "del\x7f", "c1\x85", "tab\tin a line"])
def test_control_characters_are_refused_and_not_shown_again(text):
    form = submit(title=text)
    assert form.errors["title"] == [
        "Title must not include hidden control characters, like a null byte: check it and try again"
    ]
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in form.title.data)


def test_long_text_keeps_its_line_breaks_and_tabs():
    form = submit(title="Visit", notes="First line\r\n\tSecond line")
    assert form.errors == {}
    assert form.notes.data == "First line\r\n\tSecond line"


def test_long_text_refuses_nul():
    assert "notes" in submit(title="Visit", notes="a\x00b").errors


def test_a_number_box_with_control_characters_is_refused_and_shown_without_them():
    form = submit(title="Visit", places="1\x00")
    assert "places" in form.errors
    assert form.places.raw_data == ["1"]


def test_a_password_keeps_every_character():
    assert submit(title="Visit", password="pass\x00word with spaces  ").errors == {}


def test_a_file_where_text_is_expected_is_refused_not_a_crash():
    upload = FileStorage(stream=io.BytesIO(b"hello"), filename="message.txt", name="notes")
    form = submit(title="Visit", notes=upload)
    assert form.errors["notes"] == ["Notes must be typed in, not sent as a file"]


def test_duplicated_fields_take_the_first():
    form = submit(title=["First", "Second"])
    assert form.errors == {}
    assert form.title.data == "First"


@pytest.mark.parametrize(
    "parts",
    [
        ("99999999999999999999", "1", "2026"),
        ("1", "99999999999999999999", "2026"),
        ("1", "1", "99999999999999999999"),
        ("²", "1", "2026"),
        ("١", "1", "2026"),
        ("1_0", "1", "2026"),
        ("-1", "1", "2026"),
        ("31", "2", "2026"),
    ],
)
def test_date_boxes_that_are_not_a_real_date(parts):
    form = submit(title="Visit", **{"on": list(parts)})
    assert form.errors["on"] == ["The date must be a real date"]


def test_a_year_outside_the_range_is_refused():
    first, last = year_range()
    assert (first, last) == (date.today().year - 1, date.today().year + 2)
    for year in (first - 1, last + 1, 9999):
        form = submit(title="Visit", on=["1", "6", str(year)])
        assert form.errors["on"] == [f"Enter a year between {first} and {last}"]
    assert submit(title="Visit", on=["1", "6", str(last)]).errors == {}


def test_every_form_in_the_portal_is_a_portal_form():
    for info in pkgutil.walk_packages(portal.__path__, "portal."):
        if not info.name.endswith(("forms", "invite_forms")):
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__:
                assert issubclass(cls, PortalForm), f"{info.name}.{name} is not a PortalForm"
