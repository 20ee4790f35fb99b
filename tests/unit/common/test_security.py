"""Passwords and link tokens (QUALITY.md, Security → Authentication)."""

from __future__ import annotations

import base64

import pytest
from argon2 import Type, extract_parameters

from portal.common import security
from portal.common.security import hash_password, hash_token, new_token, password_problem, verify_password

TOO_SHORT = "Password must be 8 characters or more"
TOO_LONG = "Password must be 128 characters or fewer"
GUESSABLE = "Choose a password that is harder to guess"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", TOO_SHORT),
        ("1234567", TOO_SHORT),
        ("abcdefgh", None),
        ("x" * 128, None),
        ("x" * 129, TOO_LONG),
        ("password123", GUESSABLE),
        ("PASSWORD123", GUESSABLE),
        ("  password123  ", GUESSABLE),
        ("qwertyuiop", GUESSABLE),
        ("partner portal 2026", GUESSABLE),
        ("MyPartnerPortal!", GUESSABLE),
        ("partner-portal-login", GUESSABLE),
        ("Partner_Portal_2026", GUESSABLE),
        ("p.a.r.t.n.e.r portal", GUESSABLE),
        # No composition rules: long, plain words are fine, and any characters count.
        ("correct horse battery staple", None),
        ("ünïcödé ☃ passphrase", None),
        ("partner of the portal", None),
    ],
)
def test_password_problem(password, problem):
    assert password_problem(password) == problem


def test_the_deny_list_is_loaded():
    assert "password123" in security._COMMON
    assert len(security._COMMON) > 50
    assert not any(line.startswith("#") for line in security._COMMON)


def test_passwords_are_hashed_with_argon2id_and_verify():
    hashed = hash_password("correct horse battery staple")
    assert extract_parameters(hashed).type is Type.ID
    assert hashed != hash_password("correct horse battery staple"), "each hash has its own salt"
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "correct horse battery stapler")


def test_verify_password_is_false_without_a_hash_even_for_the_dummy_password():
    assert not verify_password(None, "")
    assert not verify_password(None, "not-a-real-password-used-for-timing")


def test_verify_password_is_false_for_a_broken_hash():
    assert not verify_password("not-an-argon2-hash", "anything")


def test_the_dummy_hash_costs_what_a_real_one_does():
    assert extract_parameters(security._DUMMY_HASH) == extract_parameters(hash_password("anything at all"))


def test_new_token_has_at_least_128_bits_and_is_url_safe():
    token, token_hash = new_token()
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 128
    assert len(raw) == 32
    assert token.replace("-", "").replace("_", "").isalnum()
    assert token_hash == hash_token(token)
    assert token not in token_hash


def test_new_tokens_differ():
    tokens = {new_token()[0] for _ in range(1000)}
    assert len(tokens) == 1000


def test_hash_token_is_deterministic_sha256_hex():
    assert hash_token("abc") == hash_token("abc")
    assert hash_token("abc") != hash_token("abd")
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert len(hash_token("anything")) == 64
