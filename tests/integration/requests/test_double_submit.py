"""The same request form posted twice (a double click, a resend after a lost connection) makes one
request and shows the same confirmation; two different forms make two requests."""

from __future__ import annotations

import threading

from bs4 import BeautifulSoup

from portal.common.roles import Role
from portal.requests.models import ConsultationRequest, RequestEvent
from tests.support.db import count
from tests.support.forms import post

FORM = {
    "kind": "consultation",
    "urgency": "routine",
    "child_initials": "KM",
    "child_birth_year": "2016",
    "summary": "Attendance has dropped.",
}


def _key(client) -> str:
    page = client.get("/requests/new")
    field = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("input", attrs={"name": "submission_key"})
    assert field is not None and len(field["value"]) == 32
    return str(field["value"])


def test_posting_the_same_form_twice_makes_one_request(app, world, client_for):
    partner = client_for(Role.PARTNER)
    key = _key(partner)

    first = post(partner, "/requests/new", {**FORM, "submission_key": key})
    second = post(partner, "/requests/new", {**FORM, "submission_key": key})

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(ConsultationRequest) == 1
    assert count(RequestEvent) == 1  # one "request sent", not two


def test_two_forms_make_two_requests(app, world, client_for):
    partner = client_for(Role.PARTNER)
    post(partner, "/requests/new", {**FORM, "submission_key": _key(partner)})
    post(partner, "/requests/new", {**FORM, "submission_key": _key(partner)})
    assert count(ConsultationRequest) == 2


def test_another_persons_key_does_not_find_their_request(app, world, factories, client_for):
    partner = client_for(Role.PARTNER)
    key = _key(partner)
    post(partner, "/requests/new", {**FORM, "submission_key": key})
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school, locality=world.locality)
    other = client_for(colleague)
    post(other, "/requests/new", {**FORM, "submission_key": key})
    assert count(ConsultationRequest) == 2


def test_simultaneous_posts_of_the_same_form_make_one_request(app, world, client_for):
    # Six sign-ins of the same partner (six browser tabs), each its own connection to a file or server database.
    clients = [client_for(Role.PARTNER) for _ in range(6)]
    key = _key(clients[0])
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(client) -> None:
        barrier.wait()
        statuses.append(post(client, "/requests/new", {**FORM, "submission_key": key}).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert statuses == [302] * len(clients)
    assert count(ConsultationRequest) == 1
