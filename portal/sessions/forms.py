"""Session forms: one per page. Dates are GOV.UK day/month/year boxes, times are typed ("9:30am")."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.common.forms import (
    TIME_HINT,
    ConfirmForm,
    FreeTextArea,
    GovDateField,
    IdentifierConfirmation,
    IdsField,
    PortalForm,
    StartAndEndTimes,
    WholeNumberField,
)
from portal.common.times import LONDON
from portal.models_base import utcnow
from portal.sessions.models import SessionKind
from portal.sessions.services import CAPACITY_MAX, LOCATION_MAX, TEXT_MAX, TITLE_MAX


class SessionChangeForm(StartAndEndTimes, PortalForm):
    """What, when, where, how many and who hosts (the kind and locality are fixed once published)."""

    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="For example, Front Door shadowing: a morning with the duty team.",
        validators=[
            InputRequired("Enter a title"),
            Length(max=TITLE_MAX, message=f"The title must be {TITLE_MAX} characters or fewer"),
        ],
    )
    description = TextAreaField(
        "What happens at the session (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_MAX, message=f"This must be {TEXT_MAX:,} characters or fewer")],
    )
    on = GovDateField("Date", what="the date of the session", example_in=21)
    starts = StringField(
        "Start time", widget=GovTextInput(), description=TIME_HINT, validators=[InputRequired("Enter the start time")]
    )
    ends = StringField(
        "End time", widget=GovTextInput(), description=TIME_HINT, validators=[InputRequired("Enter the end time")]
    )
    location = StringField(
        "Place",
        widget=GovTextInput(),
        description="The address, and where to go when you arrive.",
        validators=[
            InputRequired("Enter where the session is"),
            Length(max=LOCATION_MAX, message=f"The place must be {LOCATION_MAX} characters or fewer"),
        ],
    )
    capacity = WholeNumberField("Number of places", widget=GovTextInput())
    host_id = SelectField("Who hosts the session", widget=GovSelect(), coerce=int, validate_choice=False)
    what_to_bring = TextAreaField(
        "What to bring (optional)",
        widget=GovTextArea(),
        description="For example, photo ID: you will be signed in at reception.",
        validators=[Optional(), Length(max=TEXT_MAX, message=f"This must be {TEXT_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Save and send the change", widget=GovSubmitInput())

    def __init__(self, *args: Any, hosts: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.host_id.choices = [(0, "Select who hosts"), *(hosts or [])]

    def validate_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the session")
        if field.data is not None and field.data < utcnow().astimezone(LONDON).date():
            raise ValidationError("The date of the session must be today or in the future")

    def validate_capacity(self, field: WholeNumberField) -> None:
        if field.data is None:
            raw = (field.raw_data or [""])[0] if field.raw_data else ""
            if not str(raw).strip():
                raise ValidationError("Enter the number of places")
            raise ValidationError("The number of places must be a whole number, like 8")
        if not 1 <= field.data <= CAPACITY_MAX:
            raise ValidationError(f"The number of places must be between 1 and {CAPACITY_MAX}")

    def validate_host_id(self, field: SelectField) -> None:
        if not field.data or field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("Select who hosts the session")


class SessionCreateForm(SessionChangeForm):
    kind = RadioField(
        "What kind of session is it?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what kind of session it is")],
        invalid_choice_message="Select what kind of session it is",
    )
    locality_id = SelectField("Locality", widget=GovSelect(), coerce=int, validate_choice=False)
    submit = SubmitField("Publish the session", widget=GovSubmitInput())

    def __init__(self, *args: Any, localities: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in SessionKind]
        self.locality_id.choices = list(localities or [])
        if len(self.locality_id.choices) != 1:
            self.locality_id.choices.insert(0, (0, "Select a locality"))

    def validate_locality_id(self, field: SelectField) -> None:
        if not field.data or field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("Select a locality you manage")


class BookingForm(PortalForm):
    """Book a place (or join the waiting list). Shadowing places need the confidentiality checkbox."""

    confidentiality = BooleanField(
        "I have read the confidentiality expectations and I will follow them", widget=GovCheckboxInput()
    )
    submit = SubmitField("Book a place", widget=GovSubmitInput())


class WaitingListForm(BookingForm):
    submit = SubmitField("Join the waiting list", widget=GovSubmitInput())


class CancelBookingForm(ConfirmForm):
    submit = SubmitField("Yes, cancel my place", widget=GovSubmitInput())


class CancelSessionForm(ConfirmForm):
    submit = SubmitField("Yes, cancel the session", widget=GovSubmitInput())


class AttendanceForm(PortalForm):
    attended_ids = IdsField("Who attended?", description="Select everyone who came. Leave all unticked if nobody did.")
    submit = SubmitField("Save attendance", widget=GovSubmitInput())

    def validate_attended_ids(self, field: IdsField) -> None:
        if not field.errors and not set(field.data or []) <= {value for value, _ in field.choices or []}:
            raise ValidationError("Select people from the list")


class FeedbackForm(IdentifierConfirmation, PortalForm):
    rating = RadioField(
        "How useful was the session?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how useful the session was")],
        invalid_choice_message="Select how useful the session was",
    )
    comments = TextAreaField(
        "Comments (optional)",
        widget=FreeTextArea(),
        description="What was useful, and what could be better? Do not name children or families.",
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"Your comments must be {TEXT_MAX:,} characters or fewer"),
        ],
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rating.choices = [
            ("5", "5 – very useful"),
            ("4", "4 – useful"),
            ("3", "3 – somewhat useful"),
            ("2", "2 – not very useful"),
            ("1", "1 – not useful at all"),
        ]
