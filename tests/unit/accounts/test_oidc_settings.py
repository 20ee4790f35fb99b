"""The identity providers' settings: OIDC_PROVIDERS and each provider's OIDC_<NAME>_* variables."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, DevelopmentConfig, ProductionConfig, oidc_providers

COUNCIL = {
    "OIDC_PROVIDERS": "council, trust",
    "OIDC_COUNCIL_ISSUER": "https://login.example.org/tenant/v2.0",
    "OIDC_COUNCIL_CLIENT_ID": "portal",
    "OIDC_COUNCIL_CLIENT_SECRET": "invented-secret",
    "OIDC_COUNCIL_DOMAINS": "shire.example.org, @Staff.Example.org",
    "OIDC_COUNCIL_LABEL": "Shire County Council",
    "OIDC_COUNCIL_MFA_ACR": "urn:example:mfa, urn:example:strong",
    "OIDC_TRUST_ISSUER": "https://accounts.example.net",
    "OIDC_TRUST_CLIENT_ID": "portal-trust",
    "OIDC_TRUST_CLIENT_SECRET": "another-invented-secret",
    "OIDC_TRUST_DOMAINS": "trust.example.net",
}


def test_each_named_provider_is_read_from_its_own_variables():
    council, trust = oidc_providers(COUNCIL)
    assert council.name == "council" and council.label == "Shire County Council"
    assert council.issuer == "https://login.example.org/tenant/v2.0"
    assert council.discovery_url == "https://login.example.org/tenant/v2.0/.well-known/openid-configuration"
    assert council.domains == ("shire.example.org", "staff.example.org")
    assert council.mfa_acr == ("urn:example:mfa", "urn:example:strong")
    assert trust.label == "Trust" and trust.mfa_acr == ()


def test_no_providers_unless_named():
    assert oidc_providers({}) == ()
    assert oidc_providers({k: v for k, v in COUNCIL.items() if k != "OIDC_PROVIDERS"}) == ()


@pytest.mark.parametrize("missing", ["ISSUER", "CLIENT_ID", "CLIENT_SECRET", "DOMAINS"])
def test_a_named_provider_missing_a_setting_stops_the_app(missing):
    environ = {k: v for k, v in COUNCIL.items() if k != f"OIDC_COUNCIL_{missing}"}
    with pytest.raises(ConfigError, match=f"OIDC_COUNCIL_{missing}"):
        oidc_providers(environ)


def test_a_name_that_cannot_be_a_variable_name_is_refused():
    with pytest.raises(ConfigError, match="lowercase letters and digits"):
        oidc_providers({"OIDC_PROVIDERS": "the-council"})


def test_production_refuses_an_issuer_that_is_not_https():
    (council,) = oidc_providers({**COUNCIL, "OIDC_PROVIDERS": "council", "OIDC_COUNCIL_ISSUER": "http://127.0.0.1:9"})
    with pytest.raises(ConfigError, match="OIDC_COUNCIL_ISSUER must be an https"):
        ProductionConfig.validate({"OIDC_PROVIDERS": (council,)})
    DevelopmentConfig.validate({"OIDC_PROVIDERS": (council,), "TRUST_LOOPBACK": True})  # loopback, in development
