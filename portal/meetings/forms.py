"""Forms of portal.meetings: one per page. Dates are GOV.UK day/month/year boxes, times are typed ("2pm")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from portal.common.forms import (
    LONG_LIST,
    TIME_HINT,
    ConfirmForm,
    FreeTextArea,
    GovDateField,
    IdentifierConfirmation,
    IdsField,
    PlaceOrOnlineLink,
    PortalForm,
    StartAndEndTimes,
)
from portal.common.times import london_today
from portal.directory.models import OrganisationKind
from portal.meetings.models import SCHOOL_PARTNERSHIP, MeetingAnswer, MeetingInvitation, Rag
from portal.meetings.record import ACTION_MAX, MINUTES_MAX, NOTE_MAX, RegisterDraft, RegisterEntry
from portal.meetings.services import AGENDA_MAX, ATTENDEES_MAX
from portal.meetings.types import NAME_MAX


class MeetingForm(IdentifierConfirmation, StartAndEndTimes, PlaceOrOnlineLink, PortalForm):
    """When and where the meeting is, and its agenda (scheduling also asks which locality, when a manager
    has more than one)."""

    locality_id = RadioField(
        "Which locality is the meeting for?", widget=GovRadioInput(), coerce=int, validate_choice=False
    )
    meeting_type = RadioField("What kind of meeting is it?", widget=GovRadioInput(), validate_choice=False)
    also_invite = IdsField(
        "Also invite these agencies (optional)",
        description="Agencies of any locality, for example a police unit or health team that serves this one.",
    )
    also_invite_people = IdsField(
        "Also invite these people by name (optional)",
        description="Anyone with a partner account, of any organisation: a school, health, police, voluntary and "
        "others. Type part of a name or organisation to narrow the list.",
    )
    on = GovDateField(
        "Date",
        what="the date of the meeting",
        description="The meeting is the locality's meeting for the quarter this date is in.",
        example_in=28,
    )
    starts = StringField(
        "Start time", widget=GovTextInput(), description=TIME_HINT, validators=[InputRequired("Enter the start time")]
    )
    ends = StringField(
        "End time", widget=GovTextInput(), description=TIME_HINT, validators=[InputRequired("Enter the end time")]
    )
    location = StringField(
        "Place",
        widget=GovTextInput(),
        description="For example, Desford Primary School, the library. Leave blank for an online meeting.",
        validators=[Length(max=300, message="The place must be 300 characters or fewer")],
    )
    online_link = StringField(
        "Online meeting link",
        widget=GovTextInput(),
        description="For example, https://meet.example.org/abc-defg. Leave blank for a meeting in person.",
        validators=[Length(max=500, message="The online link must be 500 characters or fewer")],
    )
    agenda = TextAreaField(
        "Agenda (optional)",
        widget=FreeTextArea(),
        description="Schools see it in the portal. Do not include details of children or families.",
        validators=[Length(max=AGENDA_MAX, message=f"The agenda must be {AGENDA_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Schedule the meeting and invite the schools", widget=GovSubmitInput())

    def __init__(
        self,
        *args: Any,
        localities: Sequence[tuple[int, str]] = (),
        types: Sequence[tuple[str, str]] | None = None,
        agencies: Sequence[tuple[int, str]] = (),
        people: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not in the field: WTForms 3.3 deprecates choices given to the field itself.
        if types is not None:  # scheduling
            self.meeting_type.choices = [(SCHOOLS, SCHOOL_PARTNERSHIP), *types]
            if self.meeting_type.data is None:
                self.meeting_type.data = SCHOOLS
            self.also_invite.choices = list(agencies)
            self.also_invite_people.choices = list(people)
        else:  # changing a meeting: its kind and invitations stay
            del self.meeting_type
            del self.also_invite
            del self.also_invite_people
        self.locality_id.choices = list(localities)
        if not localities:
            del self.locality_id
        elif len(localities) == 1 and self.locality_id.data is None:
            self.locality_id.data = localities[0][0]

    def validate_meeting_type(self, field: RadioField) -> None:
        if field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("Select the kind of meeting")

    def validate_also_invite(self, field: IdsField) -> None:
        if not set(field.data or ()) <= {value for value, _ in field.choices or []}:
            raise ValidationError("Select agencies from the list")

    def validate_also_invite_people(self, field: IdsField) -> None:
        if not set(field.data or ()) <= {value for value, _ in field.choices or []}:
            raise ValidationError("Select people from the list")

    def people_ids(self) -> list[int]:
        return list(self.also_invite_people.data or ()) if self.also_invite_people is not None else []

    def agency_ids(self) -> list[int]:
        return list(self.also_invite.data or ()) if self.also_invite is not None else []

    def meeting_type_id(self) -> int | None:
        value = self.meeting_type.data if self.meeting_type is not None else SCHOOLS
        return None if value == SCHOOLS else int(value)

    def validate_locality_id(self, field: RadioField) -> None:
        if field.data is None or field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("Select the locality")

    def validate_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the meeting")
        if field.data is not None and field.data < london_today():
            raise ValidationError("The date of the meeting must be today or in the future")


SCHOOLS = "schools"  # the meeting type radio's value for the school partnership meeting


class MeetingTypeForm(PortalForm):
    name = StringField(
        "Name of the meeting",
        widget=GovTextInput(),
        description="For example, Early help partnership meeting",
        validators=[
            InputRequired("Enter the name of the meeting type"),
            Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer"),
        ],
    )
    kinds = SelectMultipleField(
        "Which kinds of organisation of the locality does it invite?",
        widget=GovCheckboxesInput(),
        validate_choice=False,
    )
    submit = SubmitField("Add the meeting type", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds.choices = [(kind.value, kind.label) for kind in OrganisationKind]

    def validate_kinds(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError("Select the kinds of organisation it invites")
        if not set(field.data) <= {kind.value for kind in OrganisationKind}:
            raise ValidationError("Select kinds of organisation from the list")


class MeetingCancelForm(ConfirmForm):
    submit = SubmitField("Yes, cancel the meeting", widget=GovSubmitInput())


class MeetingAnswerForm(PortalForm):
    answer = RadioField(
        "Will your school attend?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether your school will attend")],
    )
    attendees = StringField(
        "Who will come?",
        widget=GovTextInput(),
        description="If your school will attend: names and roles, for example Pat Ellison, SENCO",
        validators=[Length(max=ATTENDEES_MAX, message=f"Who will come must be {ATTENDEES_MAX} characters or fewer")],
    )
    submit = SubmitField("Send your school's answer", widget=GovSubmitInput())

    def __init__(self, *args: Any, personal: bool = False, yours: str = "your school", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `personal`: the partner was invited by name, and answers for themselves; else for `yours`, their
        # organisation worded by its kind ("your school", "your team", "your unit": meetings.services.yours).
        self.personal = personal
        self.yours = yours
        self.answer.choices = [
            (MeetingAnswer.ATTENDING.value, "Yes, I will attend" if personal else "Yes, we will attend"),
            (MeetingAnswer.NOT_ATTENDING.value, "No, I cannot attend" if personal else "No, we cannot attend"),
        ]
        if personal:
            self.answer.label.text = "Will you attend?"
            self.answer.validators = [InputRequired(message="Select whether you will attend")]
            self.attendees.label.text = "Who else will come? (optional)"
            self.attendees.description = "If a colleague will come with you or instead of you: names and roles"
            self.submit.label.text = "Send your answer"
        else:
            self.answer.label.text = f"Will {yours} attend?"
            self.answer.validators = [InputRequired(message=f"Select whether {yours} will attend")]
            self.attendees.description = f"If {yours} will attend: names and roles, for example Pat Ellison, SENCO"
            self.submit.label.text = f"Send {yours}'s answer"

    def validate_attendees(self, field: StringField) -> None:
        if self.personal:
            return
        if self.answer.data == MeetingAnswer.ATTENDING.value and not (field.data or "").strip():
            raise ValidationError(f"Enter who will come from {self.yours}")


class RegisterFormBase(PortalForm):
    """The register: per invited school, represented yes or no and by whom. The fields are made per meeting
    by `register_form`: `represented_<invitation id>` and `by_<invitation id>`."""

    submit = SubmitField("Save the register", widget=GovSubmitInput())
    invitations: ClassVar[tuple[MeetingInvitation, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for invitation in self.invitations:
            self[f"represented_{invitation.id}"].choices = [("yes", "Yes"), ("no", "No")]

    def rows(self) -> list[tuple[MeetingInvitation, Any, Any]]:
        return [(i, self[f"represented_{i.id}"], self[f"by_{i.id}"]) for i in self.invitations]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for invitation, represented, by_whom in self.rows():
            if represented.data == "yes" and not (by_whom.data or "").strip():
                by_whom.errors = [*by_whom.errors, f"Enter who represented {invitation.invitee_name}"]
                valid = False
        return valid

    def fill(self, draft: Mapping[int, RegisterDraft]) -> None:
        """Start from what the service says (see services.register_draft)."""
        for invitation, represented, by_whom in self.rows():
            entry = draft.get(invitation.id)
            if entry is None:
                continue
            if entry.represented is not None:
                represented.data = "yes" if entry.represented else "no"
            by_whom.data = entry.by_whom

    def entries(self) -> dict[int, RegisterEntry]:
        return {
            invitation.id: RegisterEntry(represented=represented.data == "yes", by_whom=by_whom.data or "")
            for invitation, represented, by_whom in self.rows()
        }


def register_form(invitations: Sequence[MeetingInvitation], **kwargs: Any) -> RegisterFormBase:
    """A register form with a yes/no question and a "who came" box for each invited school."""
    fields: dict[str, Any] = {"invitations": tuple(invitations)}
    for invitation in invitations:
        name = invitation.invitee_name
        fields[f"represented_{invitation.id}"] = RadioField(
            f"Was {name} represented?",
            widget=GovRadioInput(),
            validators=[InputRequired(message=f"Select whether {name} was represented")],
        )
        fields[f"by_{invitation.id}"] = StringField(
            f"Who came from {name}?",
            widget=GovTextInput(),
            description="If the school was represented: names and roles"
            if invitation.user_id is None
            else "If they came, or someone came for them: names and roles",
            validators=[Length(max=ATTENDEES_MAX, message=f"This must be {ATTENDEES_MAX} characters or fewer")],
        )
    form_class = type("RegisterForm", (RegisterFormBase,), fields)
    form: RegisterFormBase = form_class(**kwargs)
    return form


class MinutesForm(IdentifierConfirmation, PortalForm):
    minutes = TextAreaField(
        "Minutes",
        widget=FreeTextArea(),
        description="Who came, what was discussed and what was resolved. Actions go in the action log. "
        "Do not include details of children or families.",
        validators=[
            InputRequired(message="Enter the minutes"),
            Length(max=MINUTES_MAX, message=f"The minutes must be {MINUTES_MAX:,} characters or fewer"),
        ],
    )
    save = SubmitField("Save as a draft", widget=GovSubmitInput())
    publish = SubmitField("Publish the minutes", widget=GovSubmitInput())


class RagField(RadioField):
    widget = GovRadioInput()


def _rag_choices() -> list[tuple[str, str]]:
    return [
        (Rag.RED.value, "Red: off track"),
        (Rag.AMBER.value, "Amber: at risk"),
        (Rag.GREEN.value, "Green: on track"),
    ]


class ActionForm(IdentifierConfirmation, PortalForm):
    text = TextAreaField(
        "Action",
        widget=FreeTextArea(),
        description="What will be done, for example: update the improvement plan to include the new actions",
        validators=[
            InputRequired(message="Enter the action"),
            Length(max=ACTION_MAX, message=f"The action must be {ACTION_MAX:,} characters or fewer"),
        ],
    )
    owner = SelectField(
        "Owner",
        widget=GovSelect(),
        description="A member of the locality's staff, a partner in person, or a partner organisation "
        "(everyone there can then update it)",
        validate_choice=False,
        render_kw=LONG_LIST,
    )
    due_on = GovDateField("Due date", what="the due date", example_in=14)
    rag = RagField("What is its RAG status?", validators=[InputRequired(message="Select the RAG status")])
    submit = SubmitField("Add the action", widget=GovSubmitInput())

    def __init__(self, *args: Any, owners: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = [("", "Select the owner"), *owners]
        self.rag.choices = _rag_choices()

    def validate_owner(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select who owns the action")
        if field.data not in {value for value, _ in field.choices or [] if value}:
            raise ValidationError("Select an owner from the list")

    def validate_due_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the due date")


class ActionUpdateForm(IdentifierConfirmation, PortalForm):
    rag = RagField("What is its RAG status?", validators=[InputRequired(message="Select the RAG status")])
    done = BooleanField("The action is done", widget=GovCheckboxInput())
    note = TextAreaField(
        "Update (optional)",
        widget=FreeTextArea(),
        description="What has happened since it was agreed",
        validators=[Length(max=NOTE_MAX, message=f"The update must be {NOTE_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Save the action", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rag.choices = _rag_choices()
