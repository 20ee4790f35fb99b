"""Pod-invite forms: one per page. Dates are GOV.UK day/month/year boxes, times are typed ("2pm")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.common.forms import (
    TIME_HINT,
    ConfirmForm,
    GovDateField,
    IdsField,
    PlaceOrOnlineLink,
    PortalForm,
    StartAndEndTimes,
)
from portal.common.times import LONDON, on_day_at, parse_time
from portal.models_base import utcnow
from portal.requests.models import InviteResponse


class PodInviteChangeForm(StartAndEndTimes, PlaceOrOnlineLink, PortalForm):
    """When and where: the date, start and end times, and a place or an online link."""

    on = GovDateField("Date", what="the date of the meeting", example_in=7)
    starts = StringField(
        "Start time", widget=GovTextInput(), description=TIME_HINT, validators=[InputRequired("Enter the start time")]
    )
    ends = StringField(
        "End time", widget=GovTextInput(), description=TIME_HINT, validators=[InputRequired("Enter the end time")]
    )
    location = StringField(
        "Place",
        widget=GovTextInput(),
        description="For example, Castle Rock High School, meeting room 2. Leave blank for an online meeting.",
        validators=[Length(max=200, message="The place must be 200 characters or fewer")],
    )
    online_link = StringField(
        "Online meeting link",
        widget=GovTextInput(),
        description="For example, https://meet.example.org/abc-defg. Leave blank for a meeting in person.",
        validators=[Length(max=500, message="The online link must be 500 characters or fewer")],
    )
    submit = SubmitField("Save and send", widget=GovSubmitInput())

    def validate_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the meeting")
        if field.data is not None and field.data < utcnow().astimezone(LONDON).date():
            raise ValidationError("The date of the meeting must be today or in the future")


class PodInviteCreateForm(PodInviteChangeForm):
    """When and where, and whom to invite."""

    invitee_ids = IdsField(
        "Who do you want to invite?",
        description="Partner contacts of the schools and agencies in the request's locality.",
    )

    def validate_invitee_ids(self, field: IdsField) -> None:
        if field.errors:
            return
        if not field.data:
            raise ValidationError("Select at least one person to invite")
        if not set(field.data) <= {value for value, _ in field.choices or []}:
            raise ValidationError("Select people from the list")


class PodInviteResponseForm(PortalForm):
    response = RadioField(
        "Can you attend?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether you can attend")],
    )
    proposed_on = GovDateField("Date you propose", what="the date you propose", example_in=8)
    proposed_at = StringField("Time you propose", widget=GovTextInput(), description=TIME_HINT)
    submit = SubmitField("Send your answer", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not in the field: WTForms 3.3 deprecates tuple choices given to the field itself.
        self.response.choices = [
            (InviteResponse.ACCEPTED.value, "Yes, I will attend"),
            (InviteResponse.DECLINED.value, "No, I cannot attend"),
            (InviteResponse.PROPOSED.value, "Not then: I propose another time"),
        ]

    def proposing(self) -> bool:
        return self.response.data == InviteResponse.PROPOSED.value

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.proposing():
            # The proposal boxes count only for a proposal: whatever else they hold is ignored.
            self.proposed_on.errors = []
            self.proposed_at.errors = []
            return not self.errors
        return valid

    def validate_proposed_on(self, field: GovDateField) -> None:
        if self.proposing() and field.data is None and not field.errors:
            raise ValidationError("Enter the date you propose")

    def validate_proposed_at(self, field: StringField) -> None:
        if not self.proposing():
            return
        if not (field.data or "").strip():
            raise ValidationError("Enter the time you propose")
        if parse_time(field.data or "") is None:
            raise ValidationError("Enter a real time, like 9:30am or 14:30")
        proposed = self.proposed_starts_at()
        if proposed is not None and proposed <= utcnow():
            raise ValidationError("The time you propose must be in the future")

    def proposed_starts_at(self) -> datetime | None:
        if not self.proposing():
            return None
        return on_day_at(self.proposed_on.data, self.proposed_at.data or "")


class PodInviteCancelForm(ConfirmForm):
    submit = SubmitField("Yes, cancel the meeting", widget=GovSubmitInput())


class AttendanceForm(PortalForm):
    attended_ids = IdsField("Who attended?", description="Select everyone who came. Leave all unticked if nobody did.")
    submit = SubmitField("Save attendance", widget=GovSubmitInput())

    def validate_attended_ids(self, field: IdsField) -> None:
        if not field.errors and not set(field.data or []) <= {value for value, _ in field.choices or []}:
            raise ValidationError("Select people from the list")
