"""Signing in with the organisation's own account: OpenID Connect, through Authlib.

The provider is found by discovery (the issuer's /.well-known/openid-configuration); the sign-in is the
authorisation code flow with PKCE (S256), a state and a nonce, which Authlib keeps in the session until the
person comes back. The ID token is checked here: its signature against the provider's published keys (JWKS),
its issuer, audience, expiry and nonce. Then it names an account only through an e-mail address the provider
says it verified, in a domain that provider is allowed for, of an existing, enabled account: nobody joins by
signing in. The first such sign-in binds the account to the provider's subject (`sub`); later ones must
be that subject. Whether the person used more than a password (`amr`, or an `acr` configured as such) decides
whether the portal's own code is asked for too; that decision and the session itself are the password
sign-in's (portal.accounts.second_factor, services.start_session).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import current_app, request
from joserfc.errors import JoseError
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from portal.accounts.models import Invitation, ProviderIdentity, User
from portal.accounts.services import find_user_by_email
from portal.common import audit
from portal.common.links import public_url_for
from portal.config import MFA_AMR_VALUES, OidcProvider
from portal.extensions import db
from portal.models_base import utcnow

log = logging.getLogger(__name__)

# Each app keeps its Authlib registry (and so each provider's discovery document and keys) in app.extensions.
_EXTENSION = "portal.oidc"


class SignInRefused(Exception):
    """The provider's answer signs nobody in. `reason` picks the page: "failed" (the answer could not be
    trusted: state, nonce, token checks, an error from the provider), "unavailable" (the provider could not
    be reached), "unverified" (no verified e-mail), "unknown" (no account for it here, or not in a domain this
    provider may sign in), "invited" (no account yet, but an invitation to make one is waiting), "disabled",
    "another_person" (the account is bound to another identity at this provider)."""

    def __init__(self, reason: str, *, email: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.email = email


@dataclass(frozen=True)
class SignedIn:
    """Who the provider signed in, and what the portal keeps for signing them out again."""

    user: User
    provider: OidcProvider
    used_mfa: bool
    id_token: str


def providers() -> tuple[OidcProvider, ...]:
    return tuple(current_app.config.get("OIDC_PROVIDERS") or ())


def find_provider(name: str) -> OidcProvider | None:
    return next((p for p in providers() if p.name == name), None)


def _registry() -> OAuth:
    registry = current_app.extensions.get(_EXTENSION)
    if registry is None:
        registry = OAuth(current_app)
        current_app.extensions[_EXTENSION] = registry
    return registry


def _client(provider: OidcProvider) -> Any:
    registry = _registry()
    client = registry.create_client(provider.name)
    if client is None:
        client = registry.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "default_timeout": current_app.config["OIDC_TIMEOUT_SECONDS"],
            },
        )
    return client


def _metadata(provider: OidcProvider) -> dict[str, Any]:
    """The provider's discovery document, once it is shown to be the issuer's own (OpenID Connect Discovery
    4.3: the `issuer` in it is exactly the configured one)."""
    metadata: dict[str, Any] = _client(provider).load_server_metadata()
    if metadata.get("issuer") != provider.issuer:
        raise SignInRefused("failed")
    return metadata


def redirect_uri(provider: OidcProvider) -> str:
    """Where the provider sends the person back: from PUBLIC_URL, never the request's Host."""
    return public_url_for("accounts.oidc_callback", provider_name=provider.name)


def authorisation_redirect(provider: OidcProvider) -> Response:
    """Send the person to their provider, with a fresh state, nonce and PKCE verifier kept in the session."""
    try:
        _metadata(provider)
        response: Response = _client(provider).authorize_redirect(redirect_uri(provider))
    except (requests.RequestException, ValueError) as error:
        log.warning("identity provider %s unavailable: %s", provider.name, error.__class__.__name__)
        raise SignInRefused("unavailable") from None
    return response


def _refuse(provider: OidcProvider, reason: str, *, user: User | None = None, email: str = "") -> SignInRefused:
    # Kept whatever happens to the request: a refused sign-in changes nothing else.
    audit.record_now("sign_in.failed", actor_id=user.id if user else None, via=provider.name, reason=reason)
    return SignInRefused(reason, email=email)


def _bind_identity(user: User, *, issuer: str, subject: str) -> bool:
    """Bind `user` to the provider's subject at the first sign-in with it; afterwards, True only for that same
    subject (and a subject bound to one account signs in no other)."""
    bound = db.session.scalars(
        select(ProviderIdentity).where(
            ProviderIdentity.issuer == issuer,
            or_(ProviderIdentity.user_id == user.id, ProviderIdentity.subject == subject),
        )
    ).all()
    if any(row.user_id != user.id or row.subject != subject for row in bound):
        return False
    if bound:
        bound[0].last_used_at = utcnow()
    else:
        db.session.add(ProviderIdentity(user_id=user.id, issuer=issuer, subject=subject))
        audit.record("provider_identity.bound", obj=user, actor_id=user.id, issuer=issuer)
    db.session.flush()
    return True


def _has_open_invitation(email: str) -> bool:
    query = select(Invitation.id).where(
        Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow()
    )
    return db.session.scalar(query.limit(1)) is not None


def _email_verified(claims: dict[str, Any]) -> bool:
    """The provider vouches for the e-mail address: `email_verified`, or Microsoft Entra ID's `xms_edov` (the
    address is in a domain the tenant has proved it owns; Entra sends no email_verified, and its plain
    `email` may be one the user typed)."""
    return claims.get("email_verified") is True or claims.get("xms_edov") is True


def _used_mfa(provider: OidcProvider, claims: dict[str, Any]) -> bool:
    amr = claims.get("amr")
    methods = {str(m).lower() for m in amr} if isinstance(amr, list) else set()
    return bool(methods & MFA_AMR_VALUES) or (bool(provider.mfa_acr) and claims.get("acr") in provider.mfa_acr)


def complete_sign_in(provider: OidcProvider) -> SignedIn:
    """Check the provider's answer on the redirect back and find the account it signs in; raises
    SignInRefused (audited) when it signs in nobody. Opens no session: the view does, as for a password."""
    # RFC 9207: a provider that names itself in the answer must name the one this sign-in went to.
    returned_issuer = request.args.get("iss")
    if returned_issuer is not None and returned_issuer != provider.issuer:
        raise _refuse(provider, "failed")
    try:
        metadata = _metadata(provider)
        token = _client(provider).authorize_access_token(
            claims_options={
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": provider.client_id},
                "exp": {"essential": True},
            }
        )
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError, SignInRefused) as error:
        log.info("sign-in with %s refused: %s", provider.name, error.__class__.__name__)
        raise _refuse(provider, "failed") from None
    claims = token.get("userinfo")
    if not isinstance(claims, dict) or not isinstance(token.get("id_token"), str):
        raise _refuse(provider, "failed")  # no ID token: nothing says who this is

    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or not _email_verified(claims):
        raise _refuse(provider, "unverified")
    email = email.strip().lower()
    user = find_user_by_email(email)
    if user is None or email.rpartition("@")[2] not in provider.domains:
        invited = user is None and _has_open_invitation(email) and email.rpartition("@")[2] in provider.domains
        raise _refuse(provider, "invited" if invited else "unknown", email=email)
    if not user.is_active:
        raise _refuse(provider, "disabled", user=user, email=email)
    if not _bind_identity(user, issuer=provider.issuer, subject=str(claims["sub"])):
        raise _refuse(provider, "another_person", user=user, email=email)
    return SignedIn(user=user, provider=provider, used_mfa=_used_mfa(provider, claims), id_token=token["id_token"])


def end_session_url(provider_name: object, id_token: object) -> str | None:
    """The provider's sign-out address for someone who signed in with it (RP-initiated logout, with the ID
    token as a hint and the portal's home page from PUBLIC_URL to come back to), or None when it has none."""
    provider = find_provider(provider_name) if isinstance(provider_name, str) else None
    if provider is None or not isinstance(id_token, str):
        return None
    try:
        if not _metadata(provider).get("end_session_endpoint"):
            return None
        logout = _client(provider).create_logout_url(
            post_logout_redirect_uri=public_url_for("pages.home"), id_token_hint=id_token
        )
    except (requests.RequestException, ValueError, SignInRefused):
        return None  # the portal's own session is over either way
    return str(logout["url"])


def linked_user_ids() -> set[int]:
    """The accounts bound to an identity at some provider (the users page offers to unlink them)."""
    return set(db.session.scalars(select(ProviderIdentity.user_id).distinct()))


def unlink_identities(user: User, *, by: User) -> None:
    """An admin frees an account from the provider identities it is bound to (the organisation gave the person
    a new account there): the next sign-in with a provider binds it again."""
    for identity in db.session.scalars(select(ProviderIdentity).where(ProviderIdentity.user_id == user.id)):
        db.session.delete(identity)
    audit.record("provider_identity.unlinked", obj=user, actor_id=by.id)
    db.session.flush()
