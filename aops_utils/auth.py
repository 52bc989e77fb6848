"""Passwords, signed expiring tokens and the shared signing secret.

21.09 accepted any non-empty token. Now a token is `<payload>.<signature>`: the payload is
base64url JSON `{sub, jti, iat, exp, typ}` (plus `pwd: "default"` for a session opened with
the default password, which may only change it) signed with HMAC-SHA256 under the secret that
every service reads from `system.ini [auth] secret_file`. Signature and expiry are checked
locally by any service; revocation (logout, password change) is checked by the data center,
which keeps the live sessions.

A service token (`typ` "service") names the calling service in `sub` and adds `aud` (the one
service it may be sent to), `act` (the user the call acts for, if any) and `sid` (the user's
session the call serves, if any): all signed, so that no header can swap them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import orjson
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from aops_utils import private
from aops_utils.errors import ConfigError
from aops_utils.errors import TokenError
from aops_utils.errors import TooManyLogins

DEFAULT_USER = "admin"
DEFAULT_PASSWORD = "changeme"  # noqa: S105 - the documented first-login password
# The audience of the data center's service tokens (the other services are named the same way:
# their console script's name).
DATA_CENTER = "aops-database"
# How far a service host's clock may run ahead of the data center's: a service token issued
# later than this is refused, so that its lifetime cannot be moved into the future.
CLOCK_SKEW = 60


class TokenType(StrEnum):
    USER = "user"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified token says: whose it is, its id (for revocation) and its lifetime."""

    subject: str
    token_id: str
    issued_at: int
    expires_at: int
    type: TokenType
    default_password: bool = False
    # Service tokens only: the service it is for, the user it acts for, the user's session.
    audience: str = ""
    acting: str = ""
    session: str = ""


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    # 21.09 stored Werkzeug pbkdf2 hashes; check_password_hash reads them and the new scrypt ones.
    try:
        return check_password_hash(stored_hash, password)
    except (ValueError, TypeError):
        return False


class HashGate:
    """At most `concurrency` password hashes made or checked at once; a request waits `wait`
    seconds for a turn and is then refused (429): logins with made-up names cannot take every
    core and a gigabyte of memory (one scrypt hash holds 32 MiB)."""

    def __init__(self, concurrency: int, wait: float) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._wait = wait

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self._wait):
            raise TooManyLogins("the server is busy checking other passwords; retry in a few seconds")
        try:
            yield
        finally:
            self._slots.release()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Checked tokens kept at most: each session's token and each service's, with room to spare.
_CHECKED_MAX = 4096


class TokenCodec:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ConfigError("system.ini [auth] secret_file: the secret must hold at least 32 bytes")
        self._secret = secret
        # Tokens whose signature and claims were checked: a client sends the same token with
        # every request, and checking it again was a tenth of a cached listing's CPU. Only a
        # token signed with our secret gets in, so no caller can fill this with junk; expiry is
        # checked on every use.
        self._checked: dict[str, Claims] = {}

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(
        self, subject: str, ttl: int, kind: TokenType = TokenType.USER, *, default_password: bool = False
    ) -> tuple[str, Claims]:
        now = int(time.time())
        claims = Claims(
            subject, secrets.token_hex(16), now, now + ttl, kind, default_password=default_password
        )
        return self._encode(claims), claims

    def issue_service(
        self, service: str, audience: str, ttl: int, *, acting: str = "", session: str = ""
    ) -> tuple[str, Claims]:
        """A token of `service` for calls to `audience`, acting for `acting` in `session`."""
        now = int(time.time())
        claims = Claims(
            service,
            secrets.token_hex(16),
            now,
            now + ttl,
            TokenType.SERVICE,
            audience=audience,
            acting=acting,
            session=session,
        )
        return self._encode(claims), claims

    def _encode(self, claims: Claims) -> str:
        data: dict[str, str | int] = {
            "sub": claims.subject,
            "jti": claims.token_id,
            "iat": claims.issued_at,
            "exp": claims.expires_at,
            "typ": claims.type.value,
        }
        if claims.default_password:
            data["pwd"] = "default"  # noqa: S105 - the claim's value, not a password
        if claims.type is TokenType.SERVICE:
            data.update(aud=claims.audience, act=claims.acting, sid=claims.session)
        payload = _b64(orjson.dumps(data))
        return f"{payload}.{self._sign(payload)}"

    def decode(self, token: str) -> Claims:
        """Check signature and expiry; raise TokenError (1201) otherwise."""
        claims = self._checked.get(token)
        if claims is None:
            claims = self._check(token)
            if len(self._checked) >= _CHECKED_MAX:
                self._checked.clear()
            self._checked[token] = claims
        if claims.expires_at <= time.time():
            if claims.type is TokenType.SERVICE:
                raise TokenError(f"the service token of {claims.subject} has expired")
            raise TokenError("the access token has expired, log in again")
        return claims

    def _check(self, token: str) -> Claims:
        """The claims of a token whose signature and form are right (expiry not checked)."""
        payload, _, signature = token.strip().partition(".")
        if not payload or not signature or len(token) > 2048:
            raise TokenError("the access token is missing or malformed")
        if not hmac.compare_digest(self._sign(payload), signature):
            raise TokenError("the access token signature is invalid")
        try:
            data = orjson.loads(_unb64(payload))
            kind = TokenType(data["typ"])
            service = kind is TokenType.SERVICE
            claims = Claims(
                str(data["sub"]),
                str(data["jti"]),
                int(data["iat"]),
                int(data["exp"]),
                kind,
                default_password=data.get("pwd") == "default",
                # A service token without its audience is malformed (KeyError below).
                audience=str(data["aud"]) if service else "",
                acting=str(data.get("act", "")) if service else "",
                session=str(data.get("sid", "")) if service else "",
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenError("the access token is malformed") from exc
        return claims


def claimed_subject(token: str) -> str | None:
    """The subject a token names, signature NOT checked: only for the audit of a refused token."""
    if len(token) > 2048:
        return None
    try:
        data = orjson.loads(_unb64(token.strip().partition(".")[0]))
        subject = data["sub"] if isinstance(data, dict) else None
    except (ValueError, KeyError, TypeError):
        return None
    return subject[:64] if isinstance(subject, str) else None


def load_secret(path: Path, *, create: bool = False) -> bytes:
    """Read the shared signing secret; `create` makes one (mode 0600) when it is missing."""
    try:
        data = path.read_bytes().strip()
    except FileNotFoundError:
        if not create:
            raise ConfigError(
                f"system.ini [auth] secret_file: {path} does not exist; run `aops-database init`"
            ) from None
        private.make_dir(path.parent)
        data = secrets.token_hex(32).encode("ascii")
        if not private.write_new_text(path, data.decode("ascii") + "\n"):
            data = path.read_bytes().strip()  # another process created it first: theirs counts
    except OSError as exc:
        raise ConfigError(f"system.ini [auth] secret_file: cannot read {path}: {exc}") from exc
    # Anyone who reads the secret can sign tokens for any user.
    private.tighten(path, private.FILE_MODE)
    return data
