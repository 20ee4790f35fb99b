"""Helpers for the feedback tests: the request tests' request builders and readers, closed requests,
and the feedback and audit rows as the database has them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.common.models import AuditEvent
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, Outcome, RequestStatus
from tests.integration.requests.conftest import deliver as deliver  # a fixture
from tests.integration.requests.conftest import make_request as make_request  # a fixture
from tests.integration.requests.conftest import text_of as text_of
from tests.support.mail import body_of as body_of


@pytest.fixture
def closed_request(make_request: Any) -> Any:
    """closed_request(**fields): a request of the world's school, closed with an outcome."""

    def make(**fields: Any) -> ConsultationRequest:
        values: dict[str, Any] = {
            "status": RequestStatus.CLOSED,
            "outcome": Outcome.ADVICE_GIVEN,
            "outcome_summary": "We talked it through; school will offer a mentor.",
            "closed_at": utcnow(),
        }
        values.update(fields)
        return make_request(**values)  # type: ignore[no-any-return]

    return make


def all_feedback() -> list[Feedback]:
    db.session.expire_all()
    return list(db.session.scalars(select(Feedback).order_by(Feedback.id)))


def audit_of(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def page_text(response: Any) -> str:
    return " ".join(response.soup.get_text().split())
