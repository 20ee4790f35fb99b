"""Migrations 0015 and 0016 on a copy of today's demo data, on SQLite and PostgreSQL: the demo loaded at the
head, taken down to 0014 (as a database of today is) and up again. Each locality's lead becomes the lead of
all its schools (agencies keep none), the repeat-request flag is worked out again for every request (here
independently, from the rows), the reassignment the demo made is counted, and every row is still there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from portal import create_app
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.extensions import db
from portal.models import Base
from portal.requests.models import ConsultationRequest, EventKind, RequestEvent


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url_for_migration(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'demo.db'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database(f"portal_school_leads_{worker_id}"))


def _flask(app: Any, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def _row_counts() -> dict[str, int]:
    return {
        table.name: int(db.session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def _repeats_by_hand() -> set[int]:
    """Requests whose child (same organisation, initials and year of birth; or the same case reference) was asked
    about in the 365 days before, compared pair by pair."""
    rows = db.session.execute(
        text(
            "SELECT id, organisation_id, child_initials, child_birth_year, case_reference, received_at "
            "FROM consultation_request WHERE anonymised_at IS NULL"
        )
    ).all()

    def moment(value: Any) -> datetime:
        value = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    found = set()
    for a in rows:
        for b in rows:
            if a.id == b.id or not timedelta(0) <= moment(a.received_at) - moment(b.received_at) <= timedelta(days=365):
                continue
            same_case = a.case_reference and a.case_reference == b.case_reference
            same_child = a.child_initials and (a.organisation_id, a.child_initials, a.child_birth_year) == (
                b.organisation_id,
                b.child_initials,
                b.child_birth_year,
            )
            if (same_case or same_child) and (moment(a.received_at), a.id) > (moment(b.received_at), b.id):
                found.add(a.id)
    return found


def test_0015_and_0016_on_a_copy_of_the_demo_data(database_url_for_migration):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url_for_migration)
    with app.app_context():
        _flask(app, "db", "upgrade")
        _flask(app, "seed", "demo")
        # A child asked about again, so that the flag has something to find (the demo asks about each once).
        castle_rock = db.session.scalar(select(Organisation.id).where(Organisation.name == "Castle Rock High School"))
        by_received = (
            select(ConsultationRequest)
            .where(ConsultationRequest.organisation_id == castle_rock)
            .order_by(ConsultationRequest.received_at)
        )
        first, *_, again = db.session.scalars(by_received).all()
        again.child_initials, again.child_birth_year, again.case_reference = (
            first.child_initials,
            first.child_birth_year,
            first.case_reference,
        )
        db.session.commit()
        again_id = again.id
        reassigned = dict(
            db.session.execute(  # type: ignore[arg-type]
                select(RequestEvent.request_id, func.count())
                .where(RequestEvent.kind == EventKind.REASSIGNED)
                .group_by(RequestEvent.request_id)
            ).all()
        )
        assert sum(reassigned.values()) >= 1
        before = _row_counts()
        db.session.remove()

        _flask(app, "db", "downgrade", "0014")
        columns = {c["name"] for c in inspect(db.engine).get_columns("organisation")}
        assert "lead_id" not in columns
        # Tables made after 0014 (levels of need, meeting types, …) go with the downgrade: the rows compared are
        # those of the tables a database of today has.
        at_0014 = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
        _flask(app, "db", "upgrade")
        _flask(app, "db", "check")

        assert {t: n for t, n in _row_counts().items() if t in at_0014} == {
            t: n for t, n in before.items() if t in at_0014
        }
        lead_of = {loc.id: loc.lead_id for loc in db.session.scalars(select(Locality))}
        organisations = db.session.scalars(select(Organisation)).all()
        schools = [o for o in organisations if o.kind is OrganisationKind.SCHOOL]
        assert len(schools) == 11
        assert all(o.lead_id == lead_of[o.locality_id] for o in schools)
        assert all(o.lead_id is None for o in organisations if o.kind is not OrganisationKind.SCHOOL)
        requests = db.session.scalars(select(ConsultationRequest)).all()
        expected = _repeats_by_hand()
        assert again_id in expected
        assert {r.id for r in requests if r.is_repeat} == expected
        assert {r.id: r.worker_changes for r in requests if r.worker_changes} == reassigned
        db.session.remove()
        db.engine.dispose()
