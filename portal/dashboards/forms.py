"""The dashboard's filters: a GET form of four selects, rendered with the GOV.UK select macro; the admins'
targets form and the managers' commentary form of the report members read.

Choices come from the manager's area only; the service refuses (404) any value outside it, so a
hand-made URL cannot reach another area's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from portal.common.forms import FreeTextArea, IdentifierConfirmation, PortalForm
from portal.dashboards.members import COMMENTARY_MAX, MEASURES
from portal.dashboards.services import Filters, period_choices

ALL = "all"


@dataclass(frozen=True)
class Choices:
    locality: list[dict[str, object]]
    pod: list[dict[str, object]]
    practitioner: list[dict[str, object]]
    period: list[dict[str, object]]


def _items(options: list[tuple[str, str]], selected: str) -> list[dict[str, object]]:
    return [{"value": value, "text": text, "selected": value == selected} for value, text in options]


def filter_choices(filters: Filters, *, period_value: str | None = None) -> Choices:
    area = filters.area
    locality = str(filters.locality.id) if filters.locality else ""
    pod = str(filters.pod.id) if filters.pod else ""
    person = str(filters.practitioner.id) if filters.practitioner else ""
    several = len(area.localities) > 1
    pods = [(str(p.id), f"{p.name} ({p.locality.name})" if several else p.name) for p in area.pods]
    people = [(str(u.id), u.name + (" (no longer active)" if u.disabled_at else "")) for u in area.practitioners]
    selected_period = filters.period.key if period_value is None else period_value
    return Choices(
        locality=_items(
            [("", "All localities in your area"), *((str(x.id), x.name) for x in area.localities)], locality
        ),
        pod=_items([("", "All pods"), *pods], pod),
        practitioner=_items([("", "All practitioners"), *people], person),
        period=_items(period_choices(filters.today, filters.period), selected_period),
    )


# --- the report members read: targets (admins) and commentary (managers) ---------------------------------


class TargetForm(PortalForm):
    measure = SelectField("Measure", widget=GovSelect(), validate_choice=False)
    locality = SelectField("For", widget=GovSelect(), validate_choice=False)
    target = StringField(
        "Target",
        widget=GovTextInput(),
        description="A number, like 95 for 95% or 2.5 for 2.5 working days. Leave blank to remove the target.",
        validators=[Length(max=20, message="Enter the target as a number, like 95 or 2.5")],
    )
    submit = SubmitField("Save the target", widget=GovSubmitInput())

    def __init__(self, *args: Any, localities: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measure.choices = [("", "Choose a measure")] + [(m.key, m.label) for m in MEASURES]
        self.locality.choices = [(ALL, "All localities")] + [(str(i), name) for i, name in localities]

    def validate_measure(self, field: SelectField) -> None:
        if field.data not in {m.key for m in MEASURES}:
            raise ValidationError("Select a measure from the list")

    def validate_locality(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("Select a locality from the list")

    def locality_id(self) -> int | None:
        return None if self.locality.data == ALL else int(self.locality.data or 0)


class CommentaryForm(IdentifierConfirmation, PortalForm):
    key_messages = TextAreaField(
        "Key messages",
        widget=FreeTextArea(),
        description="What members should know about this quarter. Do not include details of children or families.",
        validators=[Length(max=COMMENTARY_MAX, message=f"This must be {COMMENTARY_MAX:,} characters or fewer")],
    )
    next_steps = TextAreaField(
        "What we will do next (optional)",
        widget=FreeTextArea(),
        validators=[Length(max=COMMENTARY_MAX, message=f"This must be {COMMENTARY_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Save the commentary", widget=GovSubmitInput())
