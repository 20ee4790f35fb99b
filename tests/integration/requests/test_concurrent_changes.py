"""Two people changing the same request at once: the second change fails with a clear page and changes
nothing, instead of overwriting the first (each request carries a version that every change raises)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.common.roles import Role
from portal.extensions import db
from portal.requests import services
from portal.requests.models import ConsultationRequest, RequestEvent, RequestStatus
from tests.integration.requests.conftest import day_fields, fresh
from tests.support.db import count
from tests.support.forms import post


def _someone_else_acknowledges(request_id: int, worker_id: int) -> None:
    """What a second person's request does, committed in its own session."""
    with Session(db.engine) as other:
        other.execute(
            update(ConsultationRequest)
            .where(ConsultationRequest.id == request_id)
            .values(
                status=RequestStatus.ACKNOWLEDGED,
                worker_id=worker_id,
                next_step="Theirs",
                version=ConsultationRequest.version + 1,
            )
        )
        other.commit()


@pytest.fixture
def interleave() -> Iterator[Any]:
    """interleave(fn): run fn once, just before the next flush writes: between a change's read and its write."""
    listeners: list[Any] = []

    def arm(fn: Any) -> None:
        fired = []

        def before_flush(session: Session, flush_context: Any, instances: Any) -> None:
            if not fired:
                fired.append(True)
                fn()

        event.listen(Session, "before_flush", before_flush)
        listeners.append(before_flush)

    yield arm
    for listener in listeners:
        event.remove(Session, "before_flush", listener)


def test_a_change_based_on_a_stale_read_fails_in_the_service(app, world, factories):
    req = factories.ConsultationRequestFactory(organisation=world.school)
    loaded = db.session.get(ConsultationRequest, req.id)
    assert loaded.version == 1
    _someone_else_acknowledges(req.id, world.manager.id)

    with pytest.raises(StaleDataError):
        services.acknowledge_request(
            loaded,
            by=world.practitioner,
            worker_id=world.practitioner.id,
            next_step="Mine",
            expected_by=services.london_today() + timedelta(days=3),
        )
        db.session.flush()
    db.session.rollback()
    assert fresh(ConsultationRequest, req.id).next_step == "Theirs"


def test_the_second_of_two_simultaneous_acknowledgements_gets_a_clear_page_and_saves_nothing(
    app, world, factories, client_for, interleave
):
    req = factories.ConsultationRequestFactory(organisation=world.school)
    practitioner = client_for(Role.PRACTITIONER)
    practitioner.get(f"/requests/{req.id}/acknowledge")  # read the form (and the CSRF token) first
    events_before = count(RequestEvent, RequestEvent.request_id == req.id)
    interleave(lambda: _someone_else_acknowledges(req.id, world.manager.id))

    response = post(
        practitioner,
        f"/requests/{req.id}/acknowledge",
        {
            "worker_id": str(world.practitioner.id),
            "next_step": "Mine",
            **day_fields("expected_by", services.london_today() + timedelta(days=3)),
        },
    )

    assert response.status_code == 409
    assert "Someone else changed this at the same time" in response.get_data(as_text=True)
    saved = fresh(ConsultationRequest, req.id)
    assert (saved.next_step, saved.worker_id, saved.version) == ("Theirs", world.manager.id, 2)
    assert count(RequestEvent, RequestEvent.request_id == req.id) == events_before


def test_every_change_raises_the_version(app, world, factories, client_for):
    req = factories.ConsultationRequestFactory(organisation=world.school)
    practitioner = client_for(Role.PRACTITIONER)
    post(
        practitioner,
        f"/requests/{req.id}/acknowledge",
        {
            "worker_id": str(world.practitioner.id),
            "next_step": "Mine",
            **day_fields("expected_by", services.london_today() + timedelta(days=3)),
        },
    )
    assert fresh(ConsultationRequest, req.id).version == 2
