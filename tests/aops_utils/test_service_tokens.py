"""Service tokens: short-lived, for one audience, naming the service, the acting user and the user's
session in their signed claims; renewed by the client before they expire."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from unittest import mock

import pytest

from aops_utils.auth import DATA_CENTER
from aops_utils.auth import TokenCodec
from aops_utils.auth import TokenType
from aops_utils.conf import load_system
from aops_utils.data_center import DataCenter
from aops_utils.errors import ConfigError
from aops_utils.errors import TokenError
from aops_utils.restful import Principal
from aops_utils.restful.tokens import service_authenticator
from aops_utils.restful.tokens import token_authenticator

CODEC = TokenCodec(secrets.token_bytes(32))


def test_a_service_token_signs_service_audience_acting_user_and_session() -> None:
    dc = DataCenter("http://127.0.0.1:1", CODEC, "aops-manager", token_ttl=120)
    claims = CODEC.decode(dc.service_token("alice", "s1"))
    assert (claims.type, claims.subject, claims.audience) == (TokenType.SERVICE, "aops-manager", DATA_CENTER)
    assert (claims.acting, claims.session, claims.expires_at - claims.issued_at) == ("alice", "s1", 120)
    own = CODEC.decode(dc.service_token())
    assert (own.acting, own.session) == ("", "")


def test_the_client_reuses_a_token_for_half_its_life_then_renews_it() -> None:
    dc = DataCenter("http://127.0.0.1:1", CODEC, "adoctor-check-executor", token_ttl=300)
    first = dc.service_token("alice")
    assert dc.service_token("alice") == first and dc.service_token("bob") != first
    later = time.time() + 151
    with mock.patch("aops_utils.clients.time.time", return_value=later):
        with mock.patch("aops_utils.auth.time.time", return_value=later):
            renewed = dc.service_token("alice")
    assert renewed != first
    assert CODEC.decode(renewed).issued_at >= int(later)


def test_a_principal_of_a_users_request_goes_on_as_its_user_and_session() -> None:
    dc = DataCenter("http://127.0.0.1:1", CODEC, "aops-manager")
    user_token, user_claims = CODEC.issue("alice", 3600)
    principal = Principal("alice", user_token, user_claims.token_id)
    claims = CODEC.decode(dc.service_token(principal.username, principal.token_id))
    assert (claims.acting, claims.session) == ("alice", user_claims.token_id)


def test_of_service_takes_the_ttl_of_system_ini(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text(secrets.token_hex(32))
    (tmp_path / "system.ini").write_text(
        f"[auth]\nsecret_file={tmp_path / 'secret.key'}\nservice_token_ttl=60\n"
    )
    dc = DataCenter.of_service(load_system(tmp_path), "aops-manager")
    claims = dc.codec.decode(dc.service_token())
    assert claims.expires_at - claims.issued_at == 60


@pytest.mark.parametrize("value", ["29", "3601", "soon"])
def test_a_service_token_ttl_out_of_bounds_stops_the_service_naming_the_key(
    tmp_path: Path, value: str
) -> None:
    (tmp_path / "system.ini").write_text(f"[auth]\nservice_token_ttl={value}\n")
    with pytest.raises(ConfigError, match=r"system.ini \[auth\] service_token_ttl"):
        load_system(tmp_path)


def test_a_user_facing_service_takes_service_tokens_meant_for_it_only() -> None:
    manager = token_authenticator(CODEC, "aops-manager", 300)
    token, _ = CODEC.issue_service("gala-ragdoll", "aops-manager", 300, acting="alice")
    principal = manager(token)
    assert (principal.username, principal.service, principal.token_id) == ("alice", "gala-ragdoll", "")
    for audience in (DATA_CENTER, "adoctor-check-scheduler"):
        elsewhere, _ = CODEC.issue_service("gala-ragdoll", audience, 300, acting="alice")
        with pytest.raises(TokenError, match="not aops-manager"):
            manager(elsewhere)
    long_lived, _ = CODEC.issue_service("gala-ragdoll", "aops-manager", 86400, acting="alice")
    with pytest.raises(TokenError, match="service_token_ttl"):
        manager(long_lived)
    user_token, claims = CODEC.issue("bob", 3600)
    assert manager(user_token) == Principal("bob", user_token, claims.token_id)


def test_a_service_token_of_the_old_kind_is_refused_by_the_data_center() -> None:
    # What services signed before: 24 hours, no audience, the acting user in a header.
    legacy, _ = CODEC.issue("aops-manager", 86400, TokenType.SERVICE)
    data_center = service_authenticator(CODEC, DATA_CENTER, 300, lambda session, user: True)
    with pytest.raises(TokenError, match="not aops-database"):
        data_center(legacy)


def test_a_token_checked_once_is_still_refused_once_it_expires_and_a_forged_one_never_gets_in() -> None:
    codec = TokenCodec(secrets.token_bytes(32))
    token, claims = codec.issue("alice", 60)
    assert codec.decode(token) == claims
    assert codec.decode(token) == claims  # from the checked tokens
    with mock.patch("aops_utils.auth.time.time", return_value=claims.expires_at + 1):
        with pytest.raises(TokenError, match="expired"):
            codec.decode(token)
    payload, _, signature = token.partition(".")
    forged = f"{payload}.{signature[::-1]}"
    for _ in range(2):
        with pytest.raises(TokenError, match="signature"):
            codec.decode(forged)
