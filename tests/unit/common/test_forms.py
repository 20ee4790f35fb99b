"""The one way a route shows a domain error on its form (`show_domain_error`), the identifiers found among
them, and the error summary that lists them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField, TextAreaField

from portal.common.errors import DomainError
from portal.common.forms import (
    FreeTextArea,
    IdentifierConfirmation,
    error_summary,
    show_domain_error,
)
from portal.common.identifiers import IdentifiersFound, check_free_text


class NoteForm(IdentifierConfirmation, FlaskForm):
    class Meta:
        csrf = False

    kind = StringField("Kind", widget=GovTextInput())
    summary = TextAreaField("Summary", widget=FreeTextArea())
    help_wanted = TextAreaField("What would help", widget=FreeTextArea())


class PlainForm(FlaskForm):
    class Meta:
        csrf = False

    text = TextAreaField("Text", widget=FreeTextArea())


@pytest.fixture(autouse=True)
def request_context() -> Iterator[None]:
    app = Flask(__name__)
    with app.test_request_context():
        yield


def identifiers(**texts: str) -> IdentifiersFound:
    with pytest.raises(IdentifiersFound) as raised:
        check_free_text(confirmed=False, **texts)
    return raised.value


def summary_items(form: FlaskForm) -> list[tuple[str, str | None]]:
    return [(item["text"], item.get("href")) for item in error_summary(form)["errorList"]]


def test_an_error_goes_by_the_field_it_names():
    form = NoteForm()
    show_domain_error(form, DomainError("Select what you need", field="kind"), fallback="summary")
    assert form.kind.errors == ["Select what you need"]
    assert not form.summary.errors
    assert not form.asks_to_confirm


def test_a_service_name_is_mapped_to_the_form_field():
    form = NoteForm()
    show_domain_error(form, DomainError("Enter what would help", field="help"), fields={"help": "help_wanted"})
    assert form.help_wanted.errors == ["Enter what would help"]


def test_an_error_without_a_field_on_the_form_goes_by_the_fallback():
    for field in (None, "not_on_this_form"):
        form = NoteForm()
        show_domain_error(form, DomainError("This request is already closed", field=field), fallback="summary")
        assert form.summary.errors == ["This request is already closed"]


def test_without_a_fallback_the_error_is_the_form_s_own_and_the_summary_lists_it_unlinked():
    form = NoteForm()
    show_domain_error(form, DomainError("You cannot erase your own account"))
    assert form.form_errors == ["You cannot erase your own account"]
    assert summary_items(form) == [("You cannot erase your own account", None)]


def test_identifiers_found_show_every_finding_by_its_field_and_ask_to_confirm():
    form = NoteForm()
    show_domain_error(
        form,
        identifiers(summary="NHS number 943 476 5919, born 14 March 2015", help_wanted="Visit LE67 3AB"),
        fallback="kind",
    )
    assert form.summary.errors == ["Remove the NHS number (943 476 5919)", "Remove the date of birth (14 March 2015)"]
    assert form.help_wanted.errors == ["Remove the postcode (LE67 3AB)"]
    assert not form.kind.errors
    assert form.asks_to_confirm
    assert summary_items(form) == [
        ("Remove the NHS number (943 476 5919)", "#summary"),
        ("Remove the date of birth (14 March 2015)", "#summary"),
        ("Remove the postcode (LE67 3AB)", "#help_wanted"),
    ]


def test_a_form_that_cannot_confirm_identifiers_is_a_programming_error():
    with pytest.raises(TypeError, match="IdentifierConfirmation"):
        show_domain_error(PlainForm(), identifiers(text="NHS number 943 476 5919"))


def test_a_free_text_area_shows_every_error_each_on_its_own_line_escaped():
    form = NoteForm()
    form.summary.errors = ["Remove the name (<b>Jayden Smith</b>)", "Remove the postcode (LE67 3AB)"]
    params = FreeTextArea().map_gov_params(form.summary, id="summary", value="")
    assert str(params["errorMessage"]["html"]) == (
        "Remove the name (&lt;b&gt;Jayden Smith&lt;/b&gt;)<br>Remove the postcode (LE67 3AB)"
    )


def test_other_fields_keep_to_their_first_error_in_the_summary():
    form = NoteForm()
    form.kind.errors = ["Select what you need", "Select one option"]
    assert summary_items(form) == [("Select what you need", "#kind")]
