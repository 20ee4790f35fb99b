"""factory-boy factories: invented people on example.org, committed so that requests see them."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from portal.accounts.models import User
from portal.common.roles import Role
from portal.directory.models import Locality, Organisation, OrganisationKind, Pod, PodMember, PodRole, StaffAbsence
from portal.extensions import db
from portal.requests.models import ConsultationRequest, Escalation, EscalationKind, Promise, RequestKind

PASSWORD = "correct-horse-battery"


@functools.cache
def password_hash() -> str:
    # Cheap argon2 parameters (argon2 reads them from the hash): signing in takes a millisecond instead
    # of a fifth of a second. Tests of the real parameters use portal.common.security directly.
    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class LocalityFactory(Base):
    class Meta:
        model = Locality

    name = factory.Sequence(lambda n: f"Locality {n}")
    front_door_phone = "0116 496 0000"
    front_door_email = "frontdoor@example.org"


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testfield School {n}")
    kind = OrganisationKind.SCHOOL
    urn = factory.Sequence(lambda n: 800000 + n)
    phase = "Primary"
    town = "Testville"
    postcode = factory.Sequence(lambda n: f"ZZ{n % 90 + 1} 9ZZ")
    locality = factory.SubFactory(LocalityFactory)


class UserFactory(Base):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"Test Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    role = Role.PARTNER
    job_title = ""
    password_hash = factory.LazyFunction(password_hash)


class PodFactory(Base):
    class Meta:
        model = Pod

    name = factory.Sequence(lambda n: f"Pod {n}")
    locality = factory.SubFactory(LocalityFactory)


class PodMemberFactory(Base):
    class Meta:
        model = PodMember

    pod = factory.SubFactory(PodFactory)
    user = factory.SubFactory(UserFactory, role=Role.PRACTITIONER)
    pod_role = PodRole.SOCIAL_WORKER


class StaffAbsenceFactory(Base):
    class Meta:
        model = StaffAbsence


class ConsultationRequestFactory(Base):
    class Meta:
        model = ConsultationRequest

    kind = RequestKind.CONSULTATION
    organisation = factory.SubFactory(OrganisationFactory)
    locality = factory.LazyAttribute(lambda o: o.organisation.locality)
    child_initials = "KM"
    child_birth_year = 2015
    summary = "Attendance has dropped this term and we would like advice."
    acknowledge_due = factory.LazyFunction(lambda: date.today() + timedelta(days=1))
    consult_due = factory.LazyFunction(lambda: date.today() + timedelta(days=7))
    outcome_due = factory.LazyFunction(lambda: date.today() + timedelta(days=14))


class PromiseFactory(Base):
    class Meta:
        model = Promise

    request = factory.SubFactory(ConsultationRequestFactory)
    locality_id = factory.LazyAttribute(lambda o: o.request.locality_id)
    text = "I will call you back"
    due_on = factory.LazyFunction(lambda: date.today() + timedelta(days=2))


class EscalationFactory(Base):
    class Meta:
        model = Escalation

    request = factory.SubFactory(ConsultationRequestFactory)
    kind = EscalationKind.SPEAK_TO_MANAGER
    text = "Please can a manager call me."
