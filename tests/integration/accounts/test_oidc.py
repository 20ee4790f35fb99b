"""Signing in with the organisation's account, against a real OpenID Connect provider on loopback (the npm
oidc-provider, started once per test process): the whole code flow with PKCE, state and nonce through the
test client; every kind of untrustworthy answer refused with a page and no session; accounts matched only by
a verified e-mail of an existing, enabled account in an allowed domain; the portal's own code asked for
unless the provider says the person used more than a password; signing out of the provider too."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.accounts.models import UserSession
from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from tests.support.db import count
from tests.support.forms import csrf_token
from tests.support.oidc import provider_settings, through_provider


@pytest.fixture
def app(app, oidc):
    app.config["OIDC_PROVIDERS"] = (provider_settings(oidc),)
    return app


def start(client, path="/sign-in/with/council"):
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def signs_in(client, oidc, user, *, amr=None):
    oidc.add_account(user.email, amr=amr)
    return client.get(through_provider(start(client), user.email))


def signed_in(client):
    return client.get("/account").status_code == 200


def test_the_sign_in_page_offers_the_organisations_account(client, world):
    page = client.get("/sign-in")
    link = page.soup.find("a", string="Sign in with Shire County Council")
    assert link is not None and link["href"] == "/sign-in/with/council"
    # The password form stays, for organisations without a provider.
    assert page.soup.find("input", attrs={"name": "password"}) is not None


def test_the_provider_is_asked_for_a_code_with_pkce_a_state_and_a_nonce(client, oidc):
    location = start(client)
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == oidc.issuer + "/auth"  # from its discovery document
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["scope"] == ["openid email profile"]
    # The way back is PUBLIC_URL's, whatever host the request came to.
    assert query["redirect_uri"] == ["http://localhost/sign-in/with/council/callback"]
    elsewhere = start(client.application.test_client(), "http://127.0.0.1/sign-in/with/council")
    assert parse_qs(urlsplit(elsewhere).query)["redirect_uri"] == query["redirect_uri"]


def test_the_csp_lets_signing_out_go_on_to_the_provider(database_url, make_app, oidc):
    app = make_app("testing", SQLALCHEMY_DATABASE_URI=database_url, OIDC_PROVIDERS=(provider_settings(oidc),))
    csp = app.test_client().get("/sign-in").headers["Content-Security-Policy"]
    assert f"form-action 'self' {oidc.issuer}" in csp


def test_a_partner_signs_in_with_their_organisations_account(client, oidc, world):
    response = signs_in(client, oidc, world.partner)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert signed_in(client)
    assert world.partner.email in client.get("/account").soup.main.get_text()
    # The same session as a password makes: a row, a sign-in time, an audit event.
    assert count(UserSession, UserSession.user_id == world.partner.id) == 1
    assert count(AuditEvent, AuditEvent.action == "sign_in.succeeded", AuditEvent.actor_id == world.partner.id) == 1


def test_signing_in_goes_on_to_the_page_asked_for(client, oidc, world):
    oidc.add_account(world.partner.email)
    back = through_provider(start(client, "/sign-in/with/council?next=/account"), world.partner.email)
    assert client.get(back).headers["Location"] == "/account"


def test_an_answer_can_be_used_once(client, oidc, world):
    oidc.add_account(world.partner.email)
    back = through_provider(start(client), world.partner.email)
    assert client.get(back).status_code == 302
    other = client.application.test_client()
    replayed = other.get(back)
    assert replayed.status_code == 400 and not signed_in(other)


def refused(client, response, status, heading):
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.soup.h1.get_text(strip=True) == heading
    assert not signed_in(client)
    assert count(UserSession) == 0


def test_a_wrong_state_is_refused(client, oidc, world):
    oidc.add_account(world.partner.email)
    back = through_provider(start(client), world.partner.email)
    path, _, query = back.partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}
    params["state"] = "not-the-state-we-sent"
    tampered = path + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    refused(client, client.get(tampered), 400, "Sign-in did not work")
    assert count(AuditEvent, AuditEvent.action == "sign_in.failed") == 1


def test_an_answer_meant_for_another_browser_is_refused(client, oidc, world):
    # Someone else's sign-in, brought to this browser (login CSRF): its state is not in this session.
    oidc.add_account(world.partner.email)
    back = through_provider(start(client.application.test_client()), world.partner.email)
    refused(client, client.get(back), 400, "Sign-in did not work")


def test_an_answer_naming_another_issuer_is_refused(client, oidc, world):
    oidc.add_account(world.partner.email)
    back = through_provider(start(client), world.partner.email)
    back = back.replace("iss=", "iss=https%3A%2F%2Fattacker.invalid&was=")
    refused(client, client.get(back), 400, "Sign-in did not work")


def test_an_id_token_re_signed_unchanged_is_accepted(client, oidc, world):
    # The control for the test below: the provider's re-signing itself is sound, so each refusal there is
    # for the one claim (or key) it changed.
    oidc.add_account(world.partner.email)
    back = through_provider(start(client), world.partner.email)
    oidc.next_id_token()
    assert client.get(back).status_code == 302 and signed_in(client)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"nonce": "another-nonce"}, id="wrong nonce"),
        pytest.param({"aud": "another-client"}, id="another audience"),
        pytest.param({"aud": ["another-client"], "azp": "partner-portal"}, id="another audience with our azp"),
        pytest.param({"iss": "https://attacker.invalid"}, id="another issuer"),
        pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"),
        pytest.param({"other_key": True}, id="signed with a key the provider never published"),
    ],
)
def test_an_id_token_that_cannot_be_trusted_is_refused(client, oidc, world, change):
    oidc.add_account(world.partner.email)
    back = through_provider(start(client), world.partner.email)
    oidc.next_id_token(**change)
    refused(client, client.get(back), 400, "Sign-in did not work")
    assert count(AuditEvent, AuditEvent.action == "sign_in.failed") == 1


def test_an_unknown_email_is_asked_to_get_an_invitation(client, oidc, world):
    oidc.add_account("newcomer@example.org")
    back = through_provider(start(client), "newcomer@example.org")
    response = client.get(back)
    refused(client, response, 403, "You do not have an account yet")
    assert "Ask your manager" in response.soup.main.get_text()
    assert count(type(world.partner)) == 8  # the world's eight people: no account made by signing in


def test_someone_invited_but_not_yet_signed_up_is_sent_to_their_invitation(client, oidc, world, factories):
    from portal.accounts import services

    with client.application.test_request_context():
        services.invite_user(
            by=db.session.merge(world.manager),
            email="invited@example.org",
            name="Ivy Invited",
            role=Role.PARTNER,
            organisation_id=world.school.id,
            locality_id=None,
        )
        db.session.commit()
    oidc.add_account("invited@example.org")
    back = through_provider(start(client), "invited@example.org")
    response = client.get(back)
    refused(client, response, 403, "Accept your invitation first")
    assert "Open the link in your invitation email" in response.soup.main.get_text()


def test_an_account_outside_the_providers_domains_is_refused(client, oidc, world, factories):
    elsewhere = factories.UserFactory(role=Role.PARTNER, organisation=world.school, email="pat@trust.example.net")
    db.session.commit()
    refused(client, signs_in(client, oidc, elsewhere), 403, "You do not have an account yet")


def test_an_email_the_provider_did_not_verify_is_refused(client, oidc, world):
    oidc.add_account(world.partner.email, email_verified=False)
    back = through_provider(start(client), world.partner.email)
    refused(client, client.get(back), 403, "Your organisation did not confirm your email address")


@pytest.mark.parametrize("verified", [{"email_verified": None}, {"email_verified": None, "xms_edov": False}])
def test_an_email_without_any_verification_is_refused(client, oidc, world, verified):
    oidc.add_account(world.partner.email, **verified)
    back = through_provider(start(client), world.partner.email)
    refused(client, client.get(back), 403, "Your organisation did not confirm your email address")


def test_microsoft_entra_ids_verified_domain_claim_counts_as_verified(client, oidc, world):
    # Entra ID sends no email_verified; its xms_edov says the address's domain is the tenant's own.
    oidc.add_account(world.partner.email, email_verified=None, xms_edov=True)
    back = through_provider(start(client), world.partner.email)
    assert client.get(back).status_code == 302 and signed_in(client)


def test_the_first_sign_in_binds_the_account_to_the_providers_subject(client, oidc, world):
    from portal.accounts.models import ProviderIdentity

    oidc.add_account(world.partner.email, sub="subject-one")
    assert client.get(through_provider(start(client), world.partner.email)).status_code == 302
    (identity,) = db.session.scalars(db.select(ProviderIdentity)).all()
    assert (identity.user_id, identity.issuer, identity.subject) == (world.partner.id, oidc.issuer, "subject-one")
    assert count(AuditEvent, AuditEvent.action == "provider_identity.bound") == 1

    # The organisation gives the address to someone else (a new subject): they do not get this account.
    oidc.add_account(world.partner.email, sub="subject-two")
    other = client.application.test_client()
    response = other.get(through_provider(start(other), world.partner.email))
    assert response.status_code == 403
    assert response.soup.h1.get_text(strip=True) == "This account is linked to someone else"
    assert not signed_in(other)

    # The same person again signs in as before.
    oidc.add_account(world.partner.email, sub="subject-one")
    again = client.application.test_client()
    assert again.get(through_provider(start(again), world.partner.email)).status_code == 302 and signed_in(again)


def test_an_admin_unlinks_an_account_so_a_new_organisation_account_can_bind(app, client, oidc, world, client_for):
    oidc.add_account(world.partner.email, sub="old-subject")
    client.get(through_provider(start(client), world.partner.email))
    admin = client_for(world.admin)
    users = admin.get("/users")
    (button,) = [b for b in users.soup.find_all("button") if "Unlink organisation account" in b.get_text()]
    form = button.find_parent("form")
    assert form["action"] == f"/users/{world.partner.id}/unlink-organisation-account"
    unlinked = admin.post(form["action"], data={"csrf_token": csrf_token(admin, "/users")})
    assert unlinked.status_code == 302
    assert count(AuditEvent, AuditEvent.action == "provider_identity.unlinked") == 1

    oidc.add_account(world.partner.email, sub="new-subject")
    fresh = app.test_client()
    assert fresh.get(through_provider(start(fresh), world.partner.email)).status_code == 302 and signed_in(fresh)


def test_one_subject_signs_in_one_account(client, oidc, world):
    oidc.add_account(world.partner.email, sub="the-same-subject")
    assert client.get(through_provider(start(client), world.partner.email)).status_code == 302
    # The provider now says that subject has another address, of another account here: refused.
    oidc.add_account(world.practitioner.email, sub="the-same-subject")
    other = client.application.test_client()
    response = other.get(through_provider(start(other), world.practitioner.email))
    assert response.status_code == 403 and not signed_in(other)


def test_a_disabled_account_is_refused(client, oidc, world):
    world.partner.disabled_at = world.partner.created_at
    db.session.commit()
    refused(client, signs_in(client, oidc, world.partner), 403, "Your account has been disabled")


@pytest.fixture
def code_required(app):
    app.config["REQUIRE_SECOND_FACTOR"] = True


def test_staff_whose_provider_asserts_mfa_are_not_asked_for_the_portals_code(client, oidc, world, code_required):
    response = signs_in(client, oidc, world.practitioner, amr=["pwd", "mfa"])
    assert response.headers["Location"] == "/home"
    assert signed_in(client)


def test_an_acr_configured_as_mfa_counts_too(app, client, oidc, world, code_required):
    app.config["OIDC_PROVIDERS"] = (provider_settings(oidc, mfa_acr=("urn:example:mfa",)),)
    oidc.add_account(world.practitioner.email, acr="urn:example:mfa")
    response = client.get(through_provider(start(client), world.practitioner.email))
    assert response.headers["Location"] == "/home" and signed_in(client)


def test_staff_who_used_only_a_password_give_the_portals_code(client, oidc, world, code_required):
    import pyotp

    world.practitioner.totp_secret = pyotp.random_base32()
    db.session.commit()
    response = signs_in(client, oidc, world.practitioner, amr=["pwd"])
    assert response.headers["Location"] == "/sign-in/code"
    assert not signed_in(client)
    code = pyotp.TOTP(world.practitioner.totp_secret).now()
    done = client.post("/sign-in/code", data={"code": code, "csrf_token": csrf_token(client, "/sign-in/code")})
    assert done.status_code == 302 and signed_in(client)
    # Signed in through the provider all the same: signing out goes on to it.
    out = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert out.headers["Location"].startswith(oidc.issuer + "/session/end?")


def test_staff_without_an_app_set_one_up_after_a_password_only_sign_in(client, oidc, world, code_required):
    response = signs_in(client, oidc, world.manager)
    assert response.headers["Location"] == "/sign-in/set-up-code"
    assert not signed_in(client)


def test_signing_out_ends_the_session_and_goes_to_the_providers_sign_out(client, oidc, world):
    signs_in(client, oidc, world.partner)
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    parts = urlsplit(response.headers["Location"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == oidc.issuer + "/session/end"
    query = parse_qs(parts.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert not signed_in(client)
    assert count(UserSession, UserSession.revoked_at.is_(None)) == 0


def test_signing_out_after_a_password_stays_in_the_portal(client, oidc, world):
    from tests.conftest import sign_in

    sign_in(client, world.partner)
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert response.headers["Location"] == "/"


def test_an_unknown_provider_is_not_found(client):
    assert client.get("/sign-in/with/nowhere").status_code == 404
    assert client.get("/sign-in/with/nowhere/callback?code=x&state=y").status_code == 404


def test_only_the_callback_commits_on_a_get(app):
    marked = [e for e, view in app.view_functions.items() if getattr(view, "commits_on_get", False)]
    assert marked == ["accounts.oidc_callback"]


def test_the_way_back_is_rate_limited_like_the_sign_in_form(app, client):
    limit = int(app.config["RATELIMIT_SIGN_IN"].split()[0])
    statuses = [client.get("/sign-in/with/council/callback?code=x&state=y").status_code for _ in range(limit + 1)]
    assert statuses == [400] * limit + [429]


def test_a_provider_that_cannot_be_reached_gets_a_page_not_an_error(app, client, oidc):
    from tests.support.servers import free_port

    app.config["OIDC_PROVIDERS"] = (provider_settings(oidc, issuer=f"http://127.0.0.1:{free_port()}"),)
    response = client.get("/sign-in/with/council")
    assert response.status_code == 503
    assert response.soup.h1.get_text(strip=True) == "Sign-in is not available at the moment"


def test_a_discovery_document_for_another_issuer_is_refused(app, client, oidc):
    # OpenID Connect Discovery 4.3: the document must name the very issuer configured (here one with a
    # trailing slash, whose discovery address is the same but whose tokens would name another issuer).
    app.config["OIDC_PROVIDERS"] = (provider_settings(oidc, issuer=oidc.issuer + "/"),)
    response = client.get("/sign-in/with/council")
    assert response.status_code == 400
    assert response.soup.h1.get_text(strip=True) == "Sign-in did not work"
