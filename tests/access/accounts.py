"""Access table for the accounts routes (see tests/access/__init__.py)."""

from __future__ import annotations

from typing import Any

from tests.access import ADMINS, ANY_SIGNED_IN, EVERYONE, MANAGERS, PARTNERS

ACCESS: dict[str, frozenset[Any]] = {
    "accounts.sign_in": EVERYONE,
    "accounts.sign_in_with": EVERYONE,
    "accounts.oidc_callback": EVERYONE,
    "accounts.sign_out": ANY_SIGNED_IN,
    "accounts.account": ANY_SIGNED_IN,
    "accounts.contact_details": PARTNERS,
    "accounts.audit_log_page": MANAGERS,
    "accounts.audit_log_csv": MANAGERS,
    "accounts.sign_out_other_sessions": ANY_SIGNED_IN,
    "accounts.start_second_factor": ANY_SIGNED_IN,
    "accounts.set_up_second_factor": ANY_SIGNED_IN,
    "accounts.request_password_reset": EVERYONE,
    "accounts.reset_password": EVERYONE,
    "accounts.accept_invitation": EVERYONE,
    "accounts.invitations": MANAGERS,
    "accounts.new_invitation": MANAGERS,
    "accounts.users": ADMINS,
    "accounts.disable_user": ADMINS,
    "accounts.enable_user": ADMINS,
    "accounts.set_head_of_service": ADMINS,
    "accounts.erase_user": ADMINS,
    "accounts.export_data": ANY_SIGNED_IN,
    "accounts.export_data_csv": ANY_SIGNED_IN,
    "accounts.your_data": ANY_SIGNED_IN,
    "accounts.confirm_password": ANY_SIGNED_IN,
    "accounts.enter_code": EVERYONE,
    "accounts.set_up_code": EVERYONE,
    "accounts.reset_second_factor": ADMINS,
    "accounts.unlink_organisation_account": ADMINS,
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters: another locality's partner as the user an admin acts on, and
    a token that opens nothing, and an identity provider (none is configured there: 404)."""
    return {"user_id": world.other_partner.id, "token": "not-a-real-token", "provider_name": "council"}
