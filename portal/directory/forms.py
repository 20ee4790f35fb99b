"""Directory forms: one per page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, StopValidation, ValidationError

from portal.common.forms import LONG_LIST, ConfirmForm, GovDateField, PortalForm
from portal.directory.models import PodRole
from portal.directory.services import SERVICE_LEVEL_DAYS


def _id(value: object) -> int | None:
    """A select's value as an id; something garbled becomes None, so that the page says "Select …"
    instead of WTForms' "Invalid Choice: could not coerce"."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _in_choices(message: str) -> Callable[[FlaskForm, SelectField], None]:
    def check(form: FlaskForm, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(message)

    return check


class DirectorySearchForm(PortalForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        "School name, URN or postcode",
        widget=GovTextInput(),
        # Spaces alone are no search: stripped, they leave nothing, and DataRequired asks for a name.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message="Enter a school name, URN or postcode"),
            Length(max=100, message="Search must be 100 characters or fewer"),
        ],
    )


class LocalityForm(PortalForm):
    name = StringField(
        "Locality name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the locality's name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    lead_id = SelectField("Locality lead", widget=GovSelect(), coerce=_id, validate_choice=False, render_kw=LONG_LIST)
    manager_id = SelectField(
        "Locality manager", widget=GovSelect(), coerce=_id, validate_choice=False, render_kw=LONG_LIST
    )
    front_door_phone = StringField(
        "Front Door phone number",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the Front Door's phone number"),
            Length(max=40, message="Phone number must be 40 characters or fewer"),
        ],
    )
    front_door_email = EmailField(
        "Front Door email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the Front Door's email address"),
            Email(message="Enter an email address in the correct format, like frontdoor@example.org"),
            Length(max=254),
        ],
    )
    front_door_hours = StringField(
        "Front Door opening hours",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the Front Door's opening hours"),
            Length(max=200, message="Opening hours must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Save locality", widget=GovSubmitInput())

    def set_staff(self, *, leads: list[tuple[int, str]], managers: list[tuple[int, str]]) -> None:
        self.lead_id.choices = [(0, "No lead yet")] + leads
        self.manager_id.choices = [(0, "No manager yet")] + managers

    def validate_lead_id(self, field: SelectField) -> None:
        _in_choices("Select a locality lead from the list")(self, field)

    def validate_manager_id(self, field: SelectField) -> None:
        _in_choices("Select a locality manager from the list")(self, field)


class WorkingDaysField(IntegerField):
    """A whole number of working days (a service level, 1 to 30), with GOV.UK error messages.

    `what` finishes "Enter the number of working days to …"; `example` is a sensible value.
    """

    widget = GovTextInput()

    def __init__(self, label: str, *, what: str, example: int, **kwargs: Any) -> None:
        self.what = what
        self.example = example
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        self.data = int(text) if text.isascii() and text.isdigit() else None

    def pre_validate(self, form: FlaskForm) -> None:
        label = str(self.label.text)
        text = str(self.raw_data[0]).strip() if self.raw_data else ""
        if not text:
            raise StopValidation(f"Enter the number of working days to {self.what}, like {self.example}")
        if self.data is None:
            raise StopValidation(f"{label} must be a whole number of working days, like {self.example}")
        if self.data not in SERVICE_LEVEL_DAYS:
            low, high = SERVICE_LEVEL_DAYS[0], SERVICE_LEVEL_DAYS[-1]
            raise StopValidation(f"{label} must be between {low} and {high} working days")


class LocalityServiceLevelsForm(PortalForm):
    acknowledge_days = WorkingDaysField(
        "Acknowledge within",
        what="acknowledge",
        example=1,
        description="Working days to read a new request and tell the partner what happens next.",
    )
    consult_days = WorkingDaysField(
        "Consult within",
        what="consult",
        example=5,
        description="Working days to hold the consultation.",
    )
    outcome_days = WorkingDaysField(
        "Outcome shared within",
        what="share the outcome",
        example=10,
        description="Working days to share the outcome with the partner.",
    )
    escalation_days = WorkingDaysField(
        "Manager responds within",
        what="respond to a partner who asks for a manager",
        example=5,
        description="Working days for a manager to respond when a partner asks to speak to a manager or disagrees.",
    )
    submit = SubmitField("Save service levels", widget=GovSubmitInput())

    # Fields validate in order, so the field before has its errors by now; compare only with a valid one.
    def validate_consult_days(self, field: WorkingDaysField) -> None:
        if _less_than_valid(field, self.acknowledge_days):
            raise ValidationError("Consult within must be the same as or more than acknowledge within")

    def validate_outcome_days(self, field: WorkingDaysField) -> None:
        if _less_than_valid(field, self.consult_days):
            raise ValidationError("Outcome shared within must be the same as or more than consult within")


def _less_than_valid(field: WorkingDaysField, other: WorkingDaysField) -> bool:
    return not other.errors and field.data is not None and other.data is not None and field.data < other.data


class PodCreateForm(PortalForm):
    name = StringField(
        "Pod name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the pod's name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Add pod", widget=GovSubmitInput())


class PodMemberAddForm(PortalForm):
    user_id = SelectField("Member of staff", widget=GovSelect(), coerce=_id, validate_choice=False, render_kw=LONG_LIST)
    pod_role = SelectField(
        "Role in the pod",
        widget=GovSelect(),
        validate_choice=False,
        validators=[InputRequired(message="Select their role in the pod")],
    )
    submit = SubmitField("Add to pod", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not in the field: WTForms 3.3 deprecates tuple choices given to the field itself.
        self.pod_role.choices = [("", "Select a role")] + [(r.value, r.label) for r in PodRole]

    def validate_pod_role(self, field: SelectField) -> None:
        _in_choices("Select their role in the pod")(self, field)

    def validate_user_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select a member of staff")
        _in_choices("Select a member of staff from the list")(self, field)


class PodMemberRemoveForm(ConfirmForm):
    submit = SubmitField("Yes, remove them from the pod", widget=GovSubmitInput())


class AbsenceForm(PortalForm):
    user_id = SelectField(
        "Who will be away", widget=GovSelect(), coerce=_id, validate_choice=False, render_kw=LONG_LIST
    )
    starts_on = GovDateField("First day away", what="the first day away", example_in=7)
    ends_on = GovDateField("Last day away", what="the last day away", example_in=11)
    cover_id = SelectField(
        "Who will cover",
        widget=GovSelect(),
        coerce=_id,
        validate_choice=False,
        render_kw=LONG_LIST,
        description="Partners will be told to contact this person instead.",
    )
    submit = SubmitField("Save absence", widget=GovSubmitInput())

    def set_people(self, *, away: list[tuple[int, str]], cover: list[tuple[int, str]]) -> None:
        self.user_id.choices = away if len(away) == 1 else [(0, "Select who will be away")] + away
        self.cover_id.choices = [(0, "Select who will cover")] + cover

    def validate_user_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select who will be away")
        _in_choices("Select who will be away from the list")(self, field)

    def validate_cover_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select who will cover")
        _in_choices("Select who will cover from the list")(self, field)
        if field.data == self.user_id.data:
            raise ValidationError("Select someone other than the person who will be away")

    def validate_starts_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the first day away")

    def validate_ends_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the last day away")
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The last day away must be the same as or after the first day away")


class AbsenceDeleteForm(ConfirmForm):
    submit = SubmitField("Yes, delete the absence", widget=GovSubmitInput())


class DistrictMappingForm(PortalForm):
    district = StringField(
        "District (as GIAS names it)",
        widget=GovTextInput(),
        description="For example, North West Leicestershire",
        validators=[
            InputRequired(message="Enter the district's name"),
            Length(max=120, message="District must be 120 characters or fewer"),
        ],
    )
    locality_id = SelectField("Locality", widget=GovSelect(), coerce=_id, validate_choice=False)
    submit = SubmitField("Save mapping", widget=GovSubmitInput())

    def validate_locality_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select a locality")
        _in_choices("Select a locality from the list")(self, field)


class DistrictMappingDeleteForm(ConfirmForm):
    submit = SubmitField("Yes, delete the mapping", widget=GovSubmitInput())
