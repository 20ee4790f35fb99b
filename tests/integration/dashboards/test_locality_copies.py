"""Promises and pulse answers carry their request's locality (migration 0014), which the dashboards read
instead of joining every request. The copy stays the request's: the services set it, the database refuses
another and follows the request's when it changes, and the migration fills it in for existing rows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.common.roles import Role
from portal.common.times import london_today
from portal.dashboards import services as dashboard_services
from portal.dashboards.figures import dashboard
from portal.extensions import db
from portal.feedback.models import PulseResponse
from portal.feedback.services import answer_pulse
from portal.requests.models import ConsultationRequest, Promise, RequestStatus
from portal.requests.services import make_promise
from tests import factories as factories_module


def _open_and_closed(world: Any, factories: Any) -> tuple[ConsultationRequest, ConsultationRequest]:
    def request(status: RequestStatus) -> ConsultationRequest:
        return factories.ConsultationRequestFactory(
            organisation=world.school, created_by=world.partner, worker=world.practitioner, status=status
        )

    return request(RequestStatus.ACKNOWLEDGED), request(RequestStatus.CLOSED)


def _promises_and_answers(manager: Any) -> tuple[int, int]:
    figures = dashboard(dashboard_services.resolve_filters(manager))
    return figures.responsiveness.promises_made, figures.feedback.pulse_count


def test_the_services_copy_the_requests_locality_and_the_dashboard_counts_it_there(world, factories):
    open_request, closed = _open_and_closed(world, factories)
    promise = make_promise(open_request, by=world.practitioner, text="I will call you", due_on=london_today())
    pulse = answer_pulse(closed, by=world.partner, helpful=True, knew_what_next=False)
    db.session.commit()

    assert (promise.locality_id, pulse.locality_id) == (world.locality.id, world.locality.id)
    assert _promises_and_answers(world.manager) == (1, 1)
    assert _promises_and_answers(world.other_manager) == (0, 0)


def test_the_database_refuses_a_copy_that_is_not_the_requests_locality(world, factories):
    open_request, closed = _open_and_closed(world, factories)
    other = world.other_locality.id
    for row in (
        Promise(
            request_id=open_request.id,
            locality_id=other,
            made_by_id=world.practitioner.id,
            text="I will call you",
            due_on=london_today(),
        ),
        PulseResponse(request_id=closed.id, locality_id=other, helpful=True, knew_what_next=True),
    ):
        db.session.add(row)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert db.session.scalars(select(Promise)).all() == []
    assert db.session.scalars(select(PulseResponse)).all() == []


def test_the_copies_follow_a_request_whose_locality_changes(world, factories):
    # No page moves a request today; the foreign key keeps the copies right if one ever does.
    open_request, closed = _open_and_closed(world, factories)
    make_promise(open_request, by=world.practitioner, text="I will call you", due_on=london_today())
    answer_pulse(closed, by=world.partner, helpful=True, knew_what_next=True)
    db.session.commit()

    r = ConsultationRequest
    db.session.execute(
        update(r).where(r.id.in_([open_request.id, closed.id])).values(locality_id=world.other_locality.id)
    )
    db.session.commit()
    db.session.expire_all()

    assert {p.locality_id for p in db.session.scalars(select(Promise))} == {world.other_locality.id}
    assert {p.locality_id for p in db.session.scalars(select(PulseResponse))} == {world.other_locality.id}
    assert _promises_and_answers(world.manager) == (0, 0)
    assert _promises_and_answers(world.other_manager) == (1, 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'copies.db'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database(f"portal_copies_{worker_id}"))


def _flask(app: Any, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def test_0014_fills_in_the_locality_of_existing_promises_and_answers(migrated_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=migrated_url)
    f = factories_module
    with app.app_context():
        _flask(app, "db", "upgrade")
        north, south = f.LocalityFactory(name="Northfield"), f.LocalityFactory(name="Southmere")
        worker = f.UserFactory(role=Role.PRACTITIONER, locality=north)
        ids: dict[str, int] = {}
        for name, locality in (("north", north), ("south", south)):
            req = f.ConsultationRequestFactory(
                organisation=f.OrganisationFactory(locality=locality), worker=worker, status=RequestStatus.CLOSED
            )
            f.PromiseFactory(request=req, made_by_id=worker.id, due_on=date(2026, 1, 5) + timedelta(days=1))
            db.session.add(PulseResponse(request_id=req.id, locality_id=locality.id, helpful=True, knew_what_next=True))
            db.session.commit()
            ids[name] = req.id
        expected = [(ids["north"], north.id), (ids["south"], south.id)]
        db.session.remove()

        _flask(app, "db", "downgrade", "0013")
        with db.engine.connect() as conn:
            columns = conn.execute(text("SELECT * FROM promise")).keys()
            assert "locality_id" not in columns
        db.engine.dispose()

        _flask(app, "db", "upgrade")
        with db.engine.connect() as conn:
            for table in ("promise", "pulse_response"):
                rows = conn.execute(text(f"SELECT request_id, locality_id FROM {table} ORDER BY request_id"))  # noqa: S608
                assert [tuple(row) for row in rows] == expected, table
        db.engine.dispose()
