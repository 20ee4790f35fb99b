"""factory-boy factories: invented people on example.org, committed so that requests see them."""

from __future__ import annotations

import functools

import factory
from factory.alchemy import SQLAlchemyModelFactory

from portal.accounts.models import User
from portal.common.roles import Role
from portal.common.security import hash_password
from portal.directory.models import Locality, Organisation, OrganisationKind, Pod, PodMember, PodRole, StaffAbsence
from portal.extensions import db

PASSWORD = "correct-horse-battery"


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


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
