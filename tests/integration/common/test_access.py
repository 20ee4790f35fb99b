"""Every endpoint is in the access table, and every route's decision is proven for each role and for
anonymous users. A new route without a decision fails here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from portal.common.roles import Role
from tests.access import (
    ADMINS,
    ANY_SIGNED_IN,
    CASEWORK,
    EVERYONE,
    MANAGERS,
    PARTNERS,
    PEOPLE,
    PR,
    STAFF,
    A,
    M,
    P,
    dashboards,
    feedback,
    meetings,
    sessions,
)
from tests.conftest import csrf_token, sign_in

DOMAINS = (sessions, meetings, feedback, dashboards)

# endpoint → who may use it. Keep in step with the decorators: the test below compares them.
ACCESS: dict[str, frozenset[Any]] = {
    "pages.home": EVERYONE,
    "pages.accessibility": EVERYONE,
    "pages.privacy": EVERYONE,
    "pages.cookies": EVERYONE,
    "pages.feedback_contact": EVERYONE,
    "pages.healthz": EVERYONE,
    "pages.failed_messages": ADMINS,
    "pages.retry_message": ADMINS,
    "accounts.sign_in": EVERYONE,
    "accounts.sign_out": ANY_SIGNED_IN,
    "accounts.account": ANY_SIGNED_IN,
    "accounts.request_password_reset": EVERYONE,
    "accounts.reset_password": EVERYONE,
    "accounts.accept_invitation": EVERYONE,
    "accounts.invitations": MANAGERS,
    "accounts.new_invitation": MANAGERS,
    "accounts.users": ADMINS,
    "accounts.disable_user": ADMINS,
    "accounts.enable_user": ADMINS,
    "accounts.erase_user": ADMINS,
    "accounts.export_data": ANY_SIGNED_IN,
    "accounts.your_data": ANY_SIGNED_IN,
    "accounts.confirm_password": ANY_SIGNED_IN,
    "accounts.enter_code": EVERYONE,
    "accounts.set_up_code": EVERYONE,
    "accounts.reset_second_factor": ADMINS,
    "directory.search": EVERYONE,
    "directory.organisation": EVERYONE,
    "directory.localities": MANAGERS,
    "directory.new_locality": ADMINS,
    "directory.edit_locality": MANAGERS,
    "directory.locality": MANAGERS,
    "directory.service_levels": ADMINS,
    "directory.create_pod": MANAGERS,
    "directory.pod": MANAGERS,
    "directory.remove_pod_member": MANAGERS,
    "directory.absences": STAFF,
    "directory.new_absence": STAFF,
    "directory.delete_absence": STAFF,
    "directory.districts": ADMINS,
    "directory.delete_district": ADMINS,
    "requests.list_requests": PEOPLE,
    "requests.new_request": PARTNERS,
    "requests.request_page": PEOPLE,
    "requests.add_message": PEOPLE,
    "requests.acknowledge": CASEWORK,
    "requests.schedule": CASEWORK,
    "requests.wait": CASEWORK,
    "requests.resume": CASEWORK,
    "requests.close": CASEWORK,
    "requests.new_promise": CASEWORK,
    "requests.keep_promise": CASEWORK,
    "requests.escalate": PARTNERS,
    "requests.respond": frozenset({M}),
    "requests.new_pod_invite": CASEWORK,
    "requests.pod_invite": PEOPLE,
    "requests.respond_to_pod_invite": PARTNERS,
    "requests.edit_pod_invite": CASEWORK,
    "requests.cancel_pod_invite": CASEWORK,
    "requests.record_attendance": CASEWORK,
}
for _domain in DOMAINS:
    assert not set(_domain.ACCESS) & set(ACCESS), f"{_domain.__name__} repeats endpoints"
    ACCESS.update(_domain.ACCESS)


def endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


@pytest.fixture
def access_app(app: Flask) -> Flask:
    return app


def _open(client: Any, method: str, url: str) -> Any:
    # POSTs carry the session's CSRF token, so that they reach the access decision.
    data = {"csrf_token": csrf_token(client, "/password-reset")} if method == "POST" else None
    return client.open(url, method=method, data=data)


def test_every_endpoint_has_an_entry_in_the_access_table(app):
    assert endpoints(app) == set(ACCESS)


def test_every_view_declares_the_access_the_table_expects(app):
    for endpoint in endpoints(app):
        view = app.view_functions[endpoint]
        declared = getattr(view, "access", None)
        assert declared is not None, f"{endpoint} has neither @public nor @role_required"
        assert declared == ACCESS[endpoint], f"{endpoint}: declared {set(declared)}, table says {set(ACCESS[endpoint])}"


def _urls(app: Flask, world: Any, factories: Any) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route, with ids of objects in the world's first locality."""
    pod = factories.PodFactory(locality=world.locality)
    member = factories.PodMemberFactory(pod=pod, user=world.practitioner)
    absence = factories.StaffAbsenceFactory(
        user=world.practitioner, cover=world.manager, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2)
    )
    from portal.directory.models import DistrictMapping
    from portal.extensions import db

    mapping = DistrictMapping(district="Testshire", locality_id=world.locality.id)
    db.session.add(mapping)
    db.session.commit()
    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    promise = factories.PromiseFactory(request=req, made_by_id=world.practitioner.id)
    escalation = factories.EscalationFactory(request=req, raised_by_id=world.partner.id)
    from portal.requests.models import PodInvite, PodInvitee

    starts = datetime.now(UTC) + timedelta(days=7)
    invite = PodInvite(
        request_id=req.id,
        organiser_id=world.practitioner.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        location="School",
    )
    invite.invitees.append(PodInvitee(user_id=world.partner.id))
    db.session.add(invite)
    db.session.commit()
    values = {
        "request_id": req.id,
        "promise_id": promise.id,
        "escalation_id": escalation.id,
        "invite_id": invite.id,
        "org_id": world.school.id,
        "locality_id": world.locality.id,
        "pod_id": pod.id,
        "member_id": member.id,
        "absence_id": absence.id,
        "mapping_id": mapping.id,
        "message_id": 1,
        "user_id": world.other_partner.id,
        "token": "not-a-real-token",
    }
    for domain in DOMAINS:
        values.update(domain.url_values(world, factories))
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(values[arg])).replace(f"<{arg}>", str(values[arg]))
        method = "GET" if "GET" in (rule.methods or set()) else "POST"
        found.append((rule.endpoint, method, url))
    return found


def _is_sign_in_redirect(response: Any) -> bool:
    # Flask-Login's refusal: to sign-in, carrying where the user was going. The code steps of sign-in
    # are public but send a visitor with no sign-in in progress back to the start, with no `next`.
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/sign-in" in location and "next=" in location


def test_anonymous_users_are_sent_to_sign_in_from_every_non_public_route(access_app, world, factories):
    client = access_app.test_client()
    for endpoint, method, url in _urls(access_app, world, factories):
        response = _open(client, method, url)
        if ACCESS[endpoint] == EVERYONE:
            assert not _is_sign_in_redirect(response), f"{endpoint} should be public"
            assert response.status_code in (200, 302, 404), (endpoint, response.status_code)
        else:
            assert _is_sign_in_redirect(response), f"{endpoint} let an anonymous user through ({response.status_code})"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_the_decision_in_the_table(access_app, world, factories, role):
    user = {P: world.partner, PR: world.practitioner, M: world.manager, A: world.admin}[role]
    # Signing out ends the session, so it goes last.
    urls = sorted(_urls(access_app, world, factories), key=lambda u: u[0] == "accounts.sign_out")
    client = access_app.test_client()
    sign_in(client, user)
    for endpoint, method, url in urls:
        response = _open(client, method, url)
        allowed = ACCESS[endpoint]
        may = allowed in (EVERYONE, ANY_SIGNED_IN) or role in allowed
        if may:
            assert response.status_code not in (401, 403), f"{role} refused at {endpoint}"
            assert response.status_code < 500, f"{role} got {response.status_code} at {endpoint}"
            assert not _is_sign_in_redirect(response) or endpoint == "accounts.sign_out", endpoint
        else:
            assert response.status_code == 403, f"{role} got {response.status_code} at {endpoint}, expected 403"
