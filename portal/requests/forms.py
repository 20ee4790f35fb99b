"""Request forms: one per page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

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
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from portal.common.forms import FreeTextArea, GovDateField, IdentifierConfirmation, PortalForm, WholeNumberField
from portal.common.times import london_today, on_day_at, parse_time
from portal.requests.models import ConsultationMethod, EscalationKind, Outcome, RequestKind, Urgency

# Radio choices are set in __init__, not on the field: WTForms 3.3 deprecates tuple choices given to the
# field itself, and the warning is an error under the test suite.


class RequestCreateForm(IdentifierConfirmation, PortalForm):
    # Made when the form is first shown and posted back with it: the same form posted twice (a double
    # click, a resend after a lost connection) makes one request.
    submission_key = HiddenField(default=lambda: uuid4().hex, validators=[Optional(), Regexp(r"^[0-9a-f]{32}$")])
    kind = RadioField(
        "What do you need?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what you need")],
        invalid_choice_message="Select what you need",
    )
    urgency = RadioField(
        "How soon do you need a response?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how soon you need a response")],
        invalid_choice_message="Select how soon you need a response",
    )
    # No Optional() on the child's fields: it would stop the chain before the validators below, which
    # word the "initials and year of birth, or a case reference" rule.
    child_initials = StringField(
        "Child's initials",
        widget=GovTextInput(),
        description="For example, KM. Do not give the child's name.",
        validators=[Length(max=4, message="Initials must be 4 letters or fewer")],
    )
    child_birth_year = WholeNumberField(
        "Year of birth",
        widget=GovTextInput(),
        description="For example, 2015. Do not give the full date of birth.",
    )
    case_reference = StringField(
        "Or an existing case reference",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=30, message="Case reference must be 30 characters or fewer")],
    )
    summary = TextAreaField(
        "What is worrying you, or what is your question?",
        widget=FreeTextArea(),
        description="Do not include names, dates of birth, addresses or NHS numbers.",
        validators=[
            InputRequired(message="Enter what is worrying you, or your question"),
            Length(max=4000, message="This must be 4,000 characters or fewer"),
        ],
    )
    help_wanted = TextAreaField(
        "What would help? (optional)",
        widget=FreeTextArea(),
        validators=[Optional(), Length(max=2000, message="This must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            (RequestKind.CONSULTATION.value, "A consultation: talk a case through with a practitioner"),
            (RequestKind.POD_INVITE.value, "A pod invite: join a meeting of the pod on a complex case"),
            (RequestKind.QUERY.value, "A query: a question about a case or the service"),
        ]
        self.urgency.choices = [(u.value, u.label) for u in Urgency]

    @staticmethod
    def urgency_hints() -> list[dict[str, Any]]:
        """What each urgency is for, as the radios' hints (in the order of the choices)."""
        return [{"hint": {"text": u.hint}} for u in Urgency]

    def validate_child_initials(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if value and not all(ch.isalpha() or ch in ". " for ch in value):
            raise ValidationError("Initials must only include letters")
        if not value and not (self.case_reference.data or "").strip():
            raise ValidationError("Enter the child's initials and year of birth, or a case reference")

    def validate_child_birth_year(self, field: WholeNumberField) -> None:
        if (self.case_reference.data or "").strip():
            return
        if field.data is None:
            if field.raw_data and field.raw_data[0].strip():
                raise ValidationError("Year of birth must be a number, like 2015")
            if not (self.child_initials.data or "").strip():
                return  # the initials' message already asks for both
            raise ValidationError("Enter the child's year of birth")
        this_year = london_today().year
        if not this_year - 25 <= field.data <= this_year:
            raise ValidationError(f"Year of birth must be between {this_year - 25} and {this_year}")


class AcknowledgeForm(PortalForm):
    worker_id = SelectField("Worker", widget=GovSelect(), coerce=int, validate_choice=False)
    next_step = TextAreaField(
        "What happens next",
        widget=GovTextArea(),
        description="The partner reads this. Say plainly what you will do and when.",
        validators=[
            InputRequired(message="Enter what happens next"),
            Length(max=2000, message="This must be 2,000 characters or fewer"),
        ],
    )
    expected_by = GovDateField("Expected by", what="the expected date", example_in=5)
    submit = SubmitField("Acknowledge", widget=GovSubmitInput())

    def validate_worker_id(self, field: SelectField) -> None:
        if not field.data or field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Select a worker")

    def validate_expected_by(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the expected date")
        if field.data is not None and field.data < london_today():
            raise ValidationError("The expected date must be today or in the future")


class ScheduleForm(PortalForm):
    on = GovDateField("Date", what="the date", example_in=3)
    at = StringField(
        "Time",
        widget=GovTextInput(),
        description="For example, 9:30am or 2pm",
        validators=[InputRequired(message="Enter the time")],
    )
    method = RadioField(
        "How will the consultation take place?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how the consultation will take place")],
        invalid_choice_message="Select how the consultation will take place",
    )
    details = TextAreaField(
        "Details (optional)",
        widget=GovTextArea(),
        description="For example, who will call whom, or the meeting link.",
        validators=[Optional(), Length(max=1000, message="This must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = [(m.value, m.label) for m in ConsultationMethod]

    def validate_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date")
        if field.data is not None and field.data < london_today():
            raise ValidationError("The date of the consultation must be today or in the future")

    def validate_at(self, field: StringField) -> None:
        if parse_time(field.data or "") is None:
            raise ValidationError("Enter a real time, like 9:30am or 14:30")

    def when(self) -> datetime | None:
        return on_day_at(self.on.data, self.at.data or "")


class WaitForm(PortalForm):
    reason = TextAreaField(
        "What do you need from the partner?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter what you need from the partner"),
            Length(max=1000, message="This must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Wait for the partner", widget=GovSubmitInput())


class ResumeForm(PortalForm):
    submit = SubmitField("Restart the clock", widget=GovSubmitInput())


class CloseForm(PortalForm):
    outcome = RadioField(
        "What is the outcome?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the outcome")],
        invalid_choice_message="Select the outcome",
    )
    outcome_summary = TextAreaField(
        "Outcome and what happens next",
        widget=GovTextArea(),
        description="The partner reads this: what was decided, and what happens next.",
        validators=[
            InputRequired(message="Enter the outcome and what happens next"),
            Length(max=4000, message="This must be 4,000 characters or fewer"),
        ],
    )
    # The locality's own levels (portal.requests.services.need_levels); asked only when it has some.
    need_level_id = RadioField(
        "What level of need did you advise?",
        widget=GovRadioInput(),
        coerce=int,
        validate_choice=False,
    )
    # Asked only when work is not finished (portal.requests.services.unfinished_work; the page lists it).
    close_unfinished = BooleanField(
        "I want to close the request before this work is finished", widget=GovCheckboxInput()
    )
    submit = SubmitField("Close the request", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, o.label) for o in Outcome]
        self.need_level_id.choices = []

    def set_need_levels(self, levels: list[tuple[int, str]]) -> None:
        self.need_level_id.choices = levels

    def validate_need_level_id(self, field: RadioField) -> None:
        if field.choices and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Select the level of need you advised")


class MessageForm(IdentifierConfirmation, PortalForm):
    text = TextAreaField(
        "Message",
        widget=FreeTextArea(),
        validators=[
            InputRequired(message="Enter your message"),
            Length(max=4000, message="Your message must be 4,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send message", widget=GovSubmitInput())


class StaffNoteForm(IdentifierConfirmation, PortalForm):
    # "note", not "text": the request page shows it beside the message form, and ids must not repeat.
    note = TextAreaField(
        "Staff note",
        widget=FreeTextArea(),
        description="Partners never see staff notes: use them for management oversight and case direction.",
        validators=[
            InputRequired(message="Enter the staff note"),
            Length(max=4000, message="The staff note must be 4,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Add the staff note", widget=GovSubmitInput())


class PromiseForm(PortalForm):
    text = StringField(
        "Promise",
        widget=GovTextInput(),
        description="For example, I will call you back.",
        validators=[
            InputRequired(message="Enter the promise"),
            Length(max=300, message="The promise must be 300 characters or fewer"),
        ],
    )
    due_on = GovDateField("By", what="the promise's date", example_in=2)
    submit = SubmitField("Make the promise", widget=GovSubmitInput())

    def validate_due_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the promise's date")
        if field.data is not None and field.data < london_today():
            raise ValidationError("The promise's date must be today or in the future")


class PromiseKeepForm(PortalForm):
    submit = SubmitField("Mark as kept", widget=GovSubmitInput())


class EscalationForm(IdentifierConfirmation, PortalForm):
    kind = RadioField(
        "What do you want to do?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what you want to do")],
        invalid_choice_message="Select what you want to do",
    )
    text = TextAreaField(
        "Tell the manager why",
        widget=FreeTextArea(),
        validators=[
            InputRequired(message="Tell the manager why"),
            Length(max=4000, message="This must be 4,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send to the manager", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.choice) for k in EscalationKind]


class EscalationResponseForm(PortalForm):
    response = TextAreaField(
        "Your response",
        widget=GovTextArea(),
        description="The partner reads this.",
        validators=[
            InputRequired(message="Enter your response"),
            Length(max=4000, message="Your response must be 4,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send response", widget=GovSubmitInput())


class ReassignForm(PortalForm):
    worker_id = SelectField("Who should hold the request now?", widget=GovSelect(), coerce=int, validate_choice=False)
    reason = TextAreaField(
        "Why is it moving?",
        widget=GovTextArea(),
        description="The partner reads this. For example, the worker is now part-time and a colleague will see "
        "it through.",
        validators=[
            InputRequired(message="Enter why the request is moving to another worker"),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Reassign the request", widget=GovSubmitInput())

    def validate_worker_id(self, field: SelectField) -> None:
        if not field.data or field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Select who should hold the request now")
