"""Account forms: one per page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from portal.accounts.models import ContactRole
from portal.common.forms import ConfirmForm, GovDateField, PortalForm, WholeNumberField
from portal.common.http import MAX_ID
from portal.common.roles import Role
from portal.common.security import password_problem


def _new_password(form: FlaskForm, field: PasswordField) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


EMAIL_REQUIRED = InputRequired(message="Enter your email address")
EMAIL_FORMAT = Email(message="Enter an email address in the correct format, like name@example.org")


class SignInForm(PortalForm):
    email = EmailField("Email address", widget=GovTextInput(), validators=[EMAIL_REQUIRED, Length(max=254)])
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[InputRequired(message="Enter your password")]
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ConfirmPasswordForm(PortalForm):
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[InputRequired(message="Enter your password")]
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def _six_digits(form: FlaskForm, field: StringField) -> None:
    code = (field.data or "").replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationError("Enter the 6-digit code from your authenticator app")


class CodeForm(PortalForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the 6-digit code from your authenticator app"), _six_digits],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SignOutForm(PortalForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())


class PasswordResetRequestForm(PortalForm):
    email = EmailField(
        "Email address", widget=GovTextInput(), validators=[EMAIL_REQUIRED, EMAIL_FORMAT, Length(max=254)]
    )
    submit = SubmitField("Send the link", widget=GovSubmitInput())


class NewPasswordForm(PortalForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Use 8 characters or more. A few unrelated words make a strong password.",
        validators=[InputRequired(message="Enter a new password"), _new_password],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class InvitationAcceptForm(NewPasswordForm):
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        description="Use 8 characters or more. A few unrelated words make a strong password.",
        validators=[InputRequired(message="Enter a password"), _new_password],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class InvitationCreateForm(PortalForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter their full name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter their email address"), EMAIL_FORMAT, Length(max=254)],
    )
    # Checked against the inviter's choices in validate_role, with a GOV.UK message (WTForms' own is
    # "Not a valid choice", shown beside "Select a role" when nothing is chosen).
    role = RadioField(
        "What is their role?",
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired(message="Select a role")],
    )
    # Each revealed under the role it belongs to (templates/accounts/new_invitation.html): a practitioner's and a
    # manager's locality are two fields, as one field cannot sit under two radios. Only the chosen role's counts.
    organisation_id = SelectField("Organisation", widget=GovSelect(), coerce=int, validate_choice=False, default=0)
    locality_id = SelectField("Locality they work in", widget=GovSelect(), coerce=int, validate_choice=False, default=0)
    manager_locality_id = SelectField(
        "Locality they work in", widget=GovSelect(), coerce=int, validate_choice=False, default=0
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def set_choices(
        self, *, roles: list[Role], organisations: list[tuple[int, str]], localities: list[tuple[int, str]]
    ) -> None:
        self.role.choices = [(r.value, r.label) for r in roles]
        self.organisation_id.choices = [(0, "Select an organisation")] + organisations
        self.locality_id.choices = [(0, "Select a locality")] + localities
        self.manager_locality_id.choices = self.locality_id.choices

    def chosen_locality_id(self) -> int | None:
        """The locality given under the chosen role: a practitioner's or a manager's, else none."""
        if self.role.data == Role.MANAGER.value:
            return self.manager_locality_id.data or None
        if self.role.data == Role.PRACTITIONER.value:
            return self.locality_id.data or None
        return None

    def _role_offered(self) -> bool:
        return self.role.data in {value for value, _ in self.role.choices or []}

    def validate_role(self, field: RadioField) -> None:
        if not self._role_offered():
            raise ValidationError("Select a role from the list")

    def validate_organisation_id(self, field: SelectField) -> None:
        if self.role.data != Role.PARTNER.value:
            return  # only a partner has an organisation; the field is hidden under the other roles
        if not field.data:
            raise ValidationError("Select the partner's organisation")
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Select an organisation from the list")

    def _check_locality(self, field: SelectField, role: Role) -> None:
        if self.role.data != role.value or not self._role_offered():
            # Another role's field, hidden under its radio: whatever it holds is ignored (chosen_locality_id).
            return
        if not field.data:
            raise ValidationError("Select the locality they work in")
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Select a locality from the list")

    def validate_locality_id(self, field: SelectField) -> None:
        self._check_locality(field, Role.PRACTITIONER)

    def validate_manager_locality_id(self, field: SelectField) -> None:
        self._check_locality(field, Role.MANAGER)


class UserDisableForm(PortalForm):
    submit = SubmitField("Disable account", widget=GovSubmitInput())


class HeadOfServiceForm(PortalForm):
    submit = SubmitField("Change", widget=GovSubmitInput())


class SecondFactorResetForm(PortalForm):
    submit = SubmitField("Reset the authenticator app", widget=GovSubmitInput())


class ProviderIdentityUnlinkForm(PortalForm):
    submit = SubmitField("Unlink organisation account", widget=GovSubmitInput())


class UserEraseForm(ConfirmForm):
    submit = SubmitField("Yes, erase this account", widget=GovSubmitInput())


class SignOutOthersForm(PortalForm):
    submit = SubmitField("Sign out of every other device", widget=GovSubmitInput())


class StartSecondFactorForm(PortalForm):
    submit = SubmitField("Set up an authenticator app", widget=GovSubmitInput())


class AuditSearchForm(PortalForm):
    """The audit log's search, sent in the query string (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    person = StringField(
        "Person",
        widget=GovTextInput(),
        description="Part of their name or email address",
        validators=[Optional(), Length(max=120, message="Person must be 120 characters or fewer")],
    )
    record_type = SelectField("Record", widget=GovSelect(), validate_choice=False)
    record_id = WholeNumberField("Record number", widget=GovTextInput(), max_digits=10)
    action = SelectField("Action", widget=GovSelect(), validate_choice=False)
    from_date = GovDateField("From", what="the first day", any_year=True, validators=[Optional()])
    to_date = GovDateField("To", what="the last day", any_year=True, validators=[Optional()])

    def set_choices(self, *, record_types: list[str], actions: list[str]) -> None:
        self.record_type.choices = [("", "Any record"), *((t, t) for t in record_types)]
        self.action.choices = [("", "Any action"), *((a, a) for a in actions)]

    def validate_record_type(self, field: SelectField) -> None:
        if field.data and field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("Select a record from the list")

    def validate_action(self, field: SelectField) -> None:
        if field.data and field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("Select an action from the list")

    def validate_record_id(self, field: WholeNumberField) -> None:
        raw = str((field.raw_data or [""])[0]).strip()
        if raw and (field.data is None or field.data > MAX_ID):
            raise ValidationError("Record number must be a whole number, like 12")

    def validate_to_date(self, field: GovDateField) -> None:
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError("The last day must be the same as or after the first day")


class ContactDetailsForm(PortalForm):
    contact_role = RadioField(
        "What is your role at your organisation?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select your role at your organisation")],
        invalid_choice_message="Select your role at your organisation",
    )
    job_title = StringField(
        "Job title (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=120, message="Job title must be 120 characters or fewer")],
    )
    phone = StringField(
        "Phone number (optional)",
        widget=GovTextInput(),
        description="The number the locality team can reach you on during the school day.",
        validators=[Optional(), Length(max=40, message="Phone number must be 40 characters or fewer")],
    )
    submit = SubmitField("Save your details", widget=GovSubmitInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.contact_role.choices = [(r.value, r.label) for r in ContactRole]

    def validate_phone(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if value and not all(ch.isdigit() or ch in " +()-" for ch in value):
            raise ValidationError("Enter a phone number using only numbers, spaces, brackets, + and -")
