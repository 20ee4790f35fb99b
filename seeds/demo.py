"""Demo data: the localities and eleven schools of the seed paper's table, four locality leads with
their pods, a Front Door, and one account per role. Every person is invented, on example.org.

Refuses to load in production.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import ContactRole, User
from portal.common.roles import Role
from portal.common.security import hash_password
from portal.directory.models import (
    DistrictMapping,
    Locality,
    NeedLevel,
    Organisation,
    OrganisationKind,
    Pod,
    PodMember,
    PodRole,
)
from portal.extensions import db
from portal.meetings.models import MeetingType

DEMO_PASSWORD = "demo-pass-2026"  # demo data only: the demo seed refuses to run in production # nosec B105
FRONT_DOOR_PHONE = "0116 496 0000"  # Ofcom's range for drama: never a real line
FRONT_DOOR_EMAIL = "frontdoor@example.org"


class DemoDataRefused(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoSchool:
    name: str
    urn: int
    phase: str
    town: str
    postcode: str
    lead: str  # A, B, C or D as in the seed paper's table


# The seed paper's school → locality lead table (contacts withheld there; invented here).
SCHOOLS = [
    DemoSchool("Desford Primary School", 990001, "Primary", "Desford", "LE9 9ZA", "A"),
    DemoSchool("All saint C of E Primary School", 990002, "Primary", "Coalville", "LE67 9ZB", "A"),
    DemoSchool("Hall Orchard", 990003, "Primary", "Barrow upon Soar", "LE12 9ZC", "A"),
    DemoSchool("DeLisle College", 990004, "Secondary", "Loughborough", "LE11 9ZD", "A"),
    DemoSchool("Whitwick St John the Baptist Primary", 990005, "Primary", "Whitwick", "LE67 9ZE", "B"),
    DemoSchool("St Denys Infant School", 990006, "Primary", "Ibstock", "LE67 9ZF", "B"),
    DemoSchool("Broom Leys Primary School", 990007, "Primary", "Coalville", "LE67 9ZG", "C"),
    DemoSchool("St Clare's Primary School", 990008, "Primary", "Coalville", "LE67 9ZH", "C"),
    DemoSchool("Loughborough Sacred Heart", 990009, "Primary", "Loughborough", "LE11 9ZJ", "B"),
    DemoSchool("Oakthorpe Primary school", 990010, "Primary", "Oakthorpe", "DE12 9ZK", "C"),
    DemoSchool("Castle Rock High School", 990011, "Secondary", "Coalville", "LE67 9ZL", "D"),
]

# One locality per lead, named after the area most of its schools are in, with the districts whose new
# schools a GIAS import places there (a district belongs to one locality; a locality may have none).
# As migration 0016 makes it.
MULTI_AGENCY = "Multi-agency locality meeting"
MULTI_AGENCY_KINDS = "school,early_years,health,police,voluntary,other"
LOCALITIES = {
    "A": ("Charnwood South and Desford", ("Charnwood", "Hinckley and Bosworth")),
    "B": ("Charnwood North and Ibstock", ()),
    "C": ("North West Leicestershire", ("North West Leicestershire",)),
    "D": ("Coalville", ()),
}
# Each demo town's real district, as GIAS names it.
TOWN_DISTRICTS = {
    "Coalville": "North West Leicestershire",
    "Whitwick": "North West Leicestershire",
    "Ibstock": "North West Leicestershire",
    "Oakthorpe": "North West Leicestershire",
    "Desford": "Hinckley and Bosworth",
    "Loughborough": "Charnwood",
    "Barrow upon Soar": "Charnwood",
}

# Invented staff: (name, e-mail local part, job title).
LEADS = {
    "A": ("Amara Okafor", "amara.okafor", "Locality lead"),
    "B": ("Ben Hartley", "ben.hartley", "Locality lead"),
    "C": ("Chloe Marsh", "chloe.marsh", "Locality lead"),
    "D": ("Dev Sandhu", "dev.sandhu", "Locality lead"),
}
# A locality has several leads, each with their schools: Charnwood South and Desford's second lead takes two
# of its schools; every other school's lead is its locality's lead, who is also the locality's duty lead.
SECOND_LEADS = {"A": (("Hana Birch", "hana.birch", "Locality lead"), ("Hall Orchard", "DeLisle College"))}
MANAGERS = {
    "A": ("Morgan Reyes", "manager", "Locality manager"),  # the demo manager account
    "B": ("Helen Brightwater", "helen.brightwater", "Locality manager"),
    "C": ("Isaac Fenwick", "isaac.fenwick", "Locality manager"),
    "D": ("Joanna Keele", "joanna.keele", "Locality manager"),
}
POD_STAFF = [
    ("Senior practitioner", PodRole.SENIOR_PRACTITIONER),
    ("Social worker", PodRole.SOCIAL_WORKER),
    ("Social worker", PodRole.SOCIAL_WORKER),
    ("Family intervention worker", PodRole.FAMILY_INTERVENTION_WORKER),
    ("Co-ordinator", PodRole.COORDINATOR),
]
INVENTED_NAMES = [
    "Kit Adeyemi",
    "Lena Marsh-Tully",
    "Omar Haddad",
    "Priya Raman",
    "Quinn Ashdown",
    "Rosa Delgado",
    "Sam Whitfield",
    "Tomasz Nowicki",
    "Una Byrne",
    "Victor Lamb",
    "Wren Castell",
    "Yusuf Idris",
    "Zara Holt",
    "Aled Price",
    "Bea Okonjo",
    "Cal Vickers",
    "Dina Farrow",
    "Eli Stroud",
    "Fay Linton",
    "Gus Tennant",
]


@dataclass(frozen=True)
class DemoSignIn:
    role: Role
    email: str
    password: str
    note: str = ""


@functools.cache
def _demo_password_hash() -> str:
    # One argon2 hash for every demo account: hashing ~40 times would slow `make run` and the tests.
    return hash_password(DEMO_PASSWORD)


def _user(
    name: str,
    local: str,
    role: Role,
    *,
    job_title: str = "",
    locality: Locality | None = None,
    organisation: Organisation | None = None,
    contact_role: ContactRole | None = None,
) -> User:
    user = User(
        name=name,
        contact_role=contact_role,
        email=f"{local}@example.org",
        role=role,
        job_title=job_title,
        password_hash=_demo_password_hash(),
        locality=locality,
        organisation=organisation,
        phone="0116 496 0" + str(100 + len(db.session.new))[-3:],
    )
    db.session.add(user)
    return user


# A Continuum of Need's four levels, as councils' threshold documents name them (invented wording), and an
# invented link to the document.
NEED_LEVELS = [
    ("Level 1: universal", "Needs met by universal services such as schools and health visitors"),
    ("Level 2: early help", "Additional needs met with early help, a lead professional and a family plan"),
    ("Level 3: targeted support", "Complex needs that need a coordinated, targeted response"),
    ("Level 4: specialist", "Significant harm or risk of it: statutory social care"),
]
THRESHOLD_DOCUMENT = "https://www.example.org/continuum-of-need"


def load_demo() -> list[DemoSignIn]:
    """Load the demo data once (a second run changes nothing) and return the demo sign-ins."""
    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise DemoDataRefused("Demo data cannot be loaded in production")
    # The partner's school is in Coalville: its lead and manager follow the partner's requests end to end.
    sign_ins = [
        DemoSignIn(Role.PARTNER, "partner@example.org", DEMO_PASSWORD, "SENCO at Castle Rock High School, Coalville"),
        DemoSignIn(
            Role.PRACTITIONER, "dev.sandhu@example.org", DEMO_PASSWORD, "Coalville's lead: gets the partner's requests"
        ),
        DemoSignIn(Role.MANAGER, "joanna.keele@example.org", DEMO_PASSWORD, "Coalville's manager"),
        DemoSignIn(Role.PRACTITIONER, "amara.okafor@example.org", DEMO_PASSWORD, "Charnwood South and Desford's lead"),
        DemoSignIn(
            Role.MANAGER,
            "manager@example.org",
            DEMO_PASSWORD,
            "Charnwood South and Desford's manager, and the head of service: escalations left unanswered reach them",
        ),
        DemoSignIn(Role.ADMIN, "admin@example.org", DEMO_PASSWORD, "the system admin"),
        DemoSignIn(Role.PARTNER, "police@example.org", DEMO_PASSWORD, "a police child abuse investigation unit"),
        DemoSignIn(Role.SENIOR, "senior@example.org", DEMO_PASSWORD, "the head of service: reads every figure"),
    ]
    if db.session.scalar(select(User).where(User.email == "admin@example.org")) is not None:
        return sign_ins

    localities: dict[str, Locality] = {}
    names = iter(INVENTED_NAMES)
    for key, (locality_name, districts) in LOCALITIES.items():
        loc = Locality(name=locality_name, front_door_phone=FRONT_DOOR_PHONE, front_door_email=FRONT_DOOR_EMAIL)
        loc.threshold_document_url = THRESHOLD_DOCUMENT
        db.session.add(loc)
        for position, (level, meaning) in enumerate(NEED_LEVELS, start=1):
            loc.need_levels.append(NeedLevel(name=level, description=meaning, position=position))
        localities[key] = loc
        for district in districts:
            db.session.add(DistrictMapping(district=district, locality=loc))
        lead_name, lead_local, lead_title = LEADS[key]
        lead = _user(lead_name, lead_local, Role.PRACTITIONER, job_title=lead_title, locality=loc)
        manager_name, manager_local, manager_title = MANAGERS[key]
        manager = _user(manager_name, manager_local, Role.MANAGER, job_title=manager_title, locality=loc)
        # The head of service (a flag on a manager, set by admins): the second stage of an escalation.
        manager.is_head_of_service = manager_local == "manager"
        db.session.flush()
        loc.lead_id, loc.manager_id = lead.id, manager.id
        pod = Pod(locality=loc, name=f"{locality_name} pod")
        db.session.add(pod)
        pod.members.append(PodMember(user=manager, pod_role=PodRole.TEAM_MANAGER))
        pod.members.append(PodMember(user=lead, pod_role=PodRole.SENIOR_PRACTITIONER))
        for title, pod_role in POD_STAFF[1:]:
            name = next(names)
            member = _user(
                name, name.lower().replace(" ", ".").replace("-", ""), Role.PRACTITIONER, job_title=title, locality=loc
            )
            pod.members.append(PodMember(user=member, pod_role=pod_role))

    orgs: dict[str, Organisation] = {}
    for school in SCHOOLS:
        org = Organisation(
            name=school.name,
            kind=OrganisationKind.SCHOOL,
            urn=school.urn,
            phase=school.phase,
            town=school.town,
            postcode=school.postcode,
            establishment_type="Community school",
            district=TOWN_DISTRICTS[school.town],
            locality=localities[school.lead],
        )
        db.session.add(org)
        orgs[school.name] = org
    for key, loc in localities.items():
        for org in orgs.values():
            if org.locality is loc:
                org.lead_id = loc.lead_id
        if key in SECOND_LEADS:
            (lead_name, lead_local, lead_title), school_names = SECOND_LEADS[key]
            second = _user(lead_name, lead_local, Role.PRACTITIONER, job_title=lead_title, locality=loc)
            db.session.flush()
            for name in school_names:
                orgs[name].lead_id = second.id
    health = Organisation(
        name="Shire Community Health – School Nursing",
        kind=OrganisationKind.HEALTH,
        town="Coalville",
        postcode="LE67 9ZZ",
        locality=localities["D"],
    )
    police = Organisation(
        name="Shire Police – Child Abuse Investigation Unit",
        kind=OrganisationKind.POLICE,
        town="Loughborough",
        postcode="LE11 9ZY",
        locality=localities["A"],
    )
    db.session.add_all([health, police])

    _user("Morgan Ashdown", "senior", Role.SENIOR, job_title="Head of service")
    _user(
        "Pat Ellison",
        "partner",
        Role.PARTNER,
        job_title="SENCO",
        contact_role=ContactRole.SENCO,
        organisation=orgs["Castle Rock High School"],
        locality=localities["D"],
    )
    _user(
        "Noor Sadiq",
        "noor.sadiq",
        Role.PARTNER,
        job_title="Designated safeguarding lead",
        contact_role=ContactRole.DSL,
        organisation=orgs["St Clare's Primary School"],
        locality=localities["C"],
    )
    _user("Ade Admin", "admin", Role.ADMIN, job_title="System administrator")
    # Partners of the agencies, invited to the localities' multi-agency meetings.
    _user(
        "Rowan Tate",
        "police",
        Role.PARTNER,
        job_title="Detective sergeant",
        organisation=police,
        locality=localities["A"],
    )
    _user("Nia Hollis", "health", Role.PARTNER, job_title="School nurse", organisation=health, locality=localities["D"])
    if db.session.scalar(select(MeetingType).where(MeetingType.name == MULTI_AGENCY)) is None:
        # Made by migration 0016 where the database was migrated; here too, for a database made from the models.
        db.session.add(MeetingType(name=MULTI_AGENCY, organisation_kinds=MULTI_AGENCY_KINDS))
    db.session.flush()
    from seeds import demo_feedback, demo_meetings, demo_requests, demo_sessions

    # The requests before the feedback: the pulse answers are given on the closed requests.
    for extra in (demo_sessions, demo_meetings, demo_requests, demo_feedback):
        extra.load()
        db.session.flush()
    return sign_ins
