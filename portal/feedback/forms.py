"""Feedback forms: one per page. Choices are set in __init__ (WTForms 3.3 warns about field-level choices)."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import BooleanField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.common.forms import LONG_LIST, FreeTextArea, IdentifierConfirmation, PortalForm
from portal.feedback.models import Theme
from portal.feedback.services import RATING_WORDS

ALL_LOCALITIES = "all"


def id_or_none(value: Any) -> int | None:
    """A select's value as an id: "" (or "all") is None. The select has checked it is one of its choices."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def theme_choices() -> list[tuple[str, str]]:
    return [(theme.value, theme.label) for theme in Theme]


class FeedbackForm(IdentifierConfirmation, PortalForm):
    theme = RadioField(
        "What is your feedback about?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what your feedback is about")],
        invalid_choice_message="Select what your feedback is about",
    )
    rating = RadioField(
        "How would you rate it?",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired(message="Select a rating from 1 to 5")],
        invalid_choice_message="Select a rating from 1 to 5",
    )
    text = TextAreaField(
        "Tell us more",
        widget=FreeTextArea(),
        validators=[
            InputRequired(message="Enter your feedback"),
            Length(max=4000, message="Your feedback must be 4,000 characters or fewer"),
        ],
    )
    request_id = SelectField(
        "Is it about a request? (optional)",
        widget=GovSelect(),
        description="If you stay anonymous, your feedback is not linked to the request: it would show who you are.",
        invalid_choice_message="Select one of your organisation's requests",
    )
    locality_id = SelectField(
        "Which locality is it about?",
        widget=GovSelect(),
        description="If it is about a request, the request's locality is used.",
        invalid_choice_message="Select a locality from the list",
    )
    anonymous = BooleanField("Stay anonymous to staff", widget=GovCheckboxInput())
    submit = SubmitField("Send feedback", widget=GovSubmitInput())

    def __init__(
        self,
        *args: Any,
        requests: list[tuple[str, str]] | None = None,
        localities: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.theme.choices = theme_choices()
        self.rating.choices = [(n, f"{n} – {word}") for n, word in RATING_WORDS.items()]
        self.request_id.choices = [("", "Not about a particular request"), *(requests or [])]
        self.locality_id.choices = list(localities or [])


class PulseForm(PortalForm):
    helpful = RadioField(
        "Was this consultation helpful?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select yes if the consultation was helpful")],
        invalid_choice_message="Select yes if the consultation was helpful",
    )
    knew_what_next = RadioField(
        "Did you know what would happen next?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select yes if you knew what would happen next")],
        invalid_choice_message="Select yes if you knew what would happen next",
    )
    submit = SubmitField("Send answers", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helpful.choices = [("yes", "Yes"), ("no", "No")]
        self.knew_what_next.choices = [("yes", "Yes"), ("no", "No")]


class ReviewFilterForm(PortalForm):
    """The review's filters: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    theme = SelectField("Theme", widget=GovSelect(), validators=[Optional()])
    locality = SelectField("Locality", widget=GovSelect(), validators=[Optional()])
    period = SelectField("Period", widget=GovSelect(), validators=[Optional()])

    def __init__(
        self, *args: Any, localities: list[tuple[str, str]], periods: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.theme.choices = [("", "All themes"), *theme_choices()]
        self.locality.choices = [("", "All your localities"), *localities]
        self.period.choices = [("", "Any time"), *periods]

    def keep_known_values(self) -> None:
        """A filter's unknown value (an old link, a hand-edited URL) counts as not chosen."""
        for field in (self.theme, self.locality, self.period):
            if field.data not in {str(value) for value, _ in field.choices or []}:
                field.data = ""


class RecognitionForm(IdentifierConfirmation, PortalForm):
    organisation_id = SelectField(
        "Who do you want to thank?",
        widget=GovSelect(),
        render_kw=LONG_LIST,
        validators=[InputRequired(message="Select an organisation")],
        invalid_choice_message="Select an organisation",
    )
    text = TextAreaField(
        "What would you like to thank them for?",
        widget=FreeTextArea(),
        description="The partners of the organisation read this. Do not include a child's details.",
        validators=[
            InputRequired(message="Enter what you would like to thank them for"),
            Length(max=2000, message="This must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send positive feedback", widget=GovSubmitInput())

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", "Select an organisation"), *organisations]


class EntryForm(IdentifierConfirmation, PortalForm):
    theme = RadioField(
        "Which theme is it about?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a theme")],
        invalid_choice_message="Select a theme",
    )
    locality = SelectField(
        "Who is it for?",
        widget=GovSelect(),
        invalid_choice_message="Select a locality in your area, or all localities",
    )
    you_said = TextAreaField(
        "You said",
        widget=FreeTextArea(),
        description="What partners told us, in a sentence or two.",
        validators=[
            InputRequired(message="Enter what partners said"),
            Length(max=2000, message="This must be 2,000 characters or fewer"),
        ],
    )
    we_did = TextAreaField(
        "We did",
        widget=FreeTextArea(),
        description="What the service has changed, or will change, and when.",
        validators=[
            InputRequired(message="Enter what the service did"),
            Length(max=2000, message="This must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save draft", widget=GovSubmitInput())

    def __init__(self, *args: Any, localities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.theme.choices = theme_choices()
        self.locality.choices = [(ALL_LOCALITIES, "All localities"), *localities]


class PublishForm(PortalForm):
    submit = SubmitField("Publish", widget=GovSubmitInput())
