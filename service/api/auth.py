"""Bearer tokens: who is asking, for which tenant, in which roles, over which units.

Tokens are JWTs verified with PyJWT (RS256 or ES256):

- in production the keys come from ``KETNAP_JWKS_URL`` (an OIDC provider's key set, fetched
  and cached by :class:`jwt.PyJWKClient`) or ``KETNAP_JWT_PUBLIC_KEY_FILE`` (one PEM public key);
- in development ``ketnap token`` issues ES256 tokens from a local key,
  ``<data dir>/dev-jwt-key.pem`` (created on first use, mode 0600), which the server accepts as
  well as the configured ones.

Claims: ``sub`` (the user), ``tenant`` (the tenant's slug; absent for a platform operator),
``roles`` (a list of :class:`~domain.values.Role` values), ``units`` (unit codes limiting a
branch secretary's writes; empty means the whole tenant), ``exp`` (required). The tenant of
every read and write comes from here, never from a GraphQL argument.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from domain.errors import DomainError
from domain.inputs import Bad, CodeSpec
from domain.values import Actor, Role
from service.commands import Principal
from service.escaping import printable
from service.settings import Settings
from service.store.registry import SLUG_PATTERN

DEV_KEY_FILE = "dev-jwt-key.pem"
DEV_ISSUER = "ketnap-dev"
#: Roles a token may carry (``system`` is the CLI's own and never comes from a token).
TOKEN_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)
#: Longest ``sub`` accepted (it is written into events and the access log).
MAX_SUBJECT_LENGTH = 200
#: Most unit codes a token's scope may list.
MAX_UNITS = 500
#: Order in which a writer's role is chosen to sign its events.
WRITING_ROLES = (Role.ORGANIZER, Role.BRANCH_SECRETARY)


class AuthError(DomainError):
    """The request is not authenticated (401) or not allowed at all (403)."""

    def __init__(self, status: int, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(code, message_vi, message_en, field="authorization")
        self.status = status


def _unauthenticated(code: str, vi: str, en: str) -> AuthError:
    return AuthError(401, code, vi, en)


@dataclass(frozen=True)
class ApiPrincipal:
    """The verified caller: user, tenant (None for a platform operator), roles, unit scope."""

    subject: str
    tenant: str | None
    roles: frozenset[Role]
    units: tuple[str, ...] = field(default=())

    def has(self, *roles: Role) -> bool:
        """Whether the caller holds any of ``roles``."""
        return any(role in self.roles for role in roles)

    @property
    def acting_role(self) -> Role:
        """The role recorded on the events this caller writes (organizer before secretary)."""
        for role in WRITING_ROLES:
            if role in self.roles:
                return role
        return min(self.roles, key=lambda r: r.value) if self.roles else Role.LEADER

    def command_principal(self) -> Principal:
        """The command handlers' principal: this tenant, this user in its acting role."""
        if self.tenant is None:
            raise AuthError(
                403,
                "TENANT_REQUIRED",
                "Mã truy cập không gắn với đơn vị sử dụng nào.",
                "The token names no tenant.",
            )
        return Principal(self.tenant, Actor(self.subject, self.acting_role))


def _claim_shown(value: object) -> str:
    """A claim's value for a message: its repr, short (a token may carry anything)."""
    return printable(repr(value), 40)


def _check_times(claims: dict[str, Any]) -> None:
    """``exp`` (and ``nbf``, ``iat`` when present) are JSON numbers, as RFC 7519 says: PyJWT
    reads a numeric string such as ``"9999999999"`` as a time, we do not."""
    for name in ("exp", "nbf", "iat"):
        if name not in claims and name != "exp":
            continue
        value = claims.get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise _unauthenticated(
                "TOKEN_TIME_INVALID",
                f"Thời điểm {name} trong mã truy cập phải là một số (giây từ 1970).",
                f"The token's {name} must be a number (seconds since 1970).",
            )


def _subject(claims: dict[str, Any]) -> str:
    """The ``sub`` claim: printable text of at most :data:`MAX_SUBJECT_LENGTH` characters (it
    is written into events, the access log and the server log)."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise _unauthenticated(
            "TOKEN_SUBJECT_MISSING",
            "Mã truy cập thiếu người dùng (sub).",
            "The token has no subject (sub).",
        )
    subject = subject.strip()
    if len(subject) > MAX_SUBJECT_LENGTH or not subject.isprintable():
        raise _unauthenticated(
            "TOKEN_SUBJECT_INVALID",
            f"Người dùng (sub) trong mã truy cập không hợp lệ: tối đa {MAX_SUBJECT_LENGTH} ký "
            "tự in được, không có ký tự điều khiển hay ký tự ẩn.",
            f"The token's subject (sub) is not valid: at most {MAX_SUBJECT_LENGTH} printable "
            "characters, no control or invisible characters.",
        )
    return subject


def _roles(claims: dict[str, Any]) -> frozenset[Role]:
    """The ``roles`` claim: a non-empty list of known roles."""
    raw_roles = claims.get("roles")
    if not isinstance(raw_roles, list) or not raw_roles:
        raise _unauthenticated(
            "TOKEN_ROLES_MISSING",
            "Mã truy cập thiếu vai trò (roles).",
            "The token carries no roles.",
        )
    roles: set[Role] = set()
    for raw in raw_roles:
        role = next((r for r in TOKEN_ROLES if r.value == raw), None)
        if role is None:
            raise _unauthenticated(
                "TOKEN_ROLE_UNKNOWN",
                f"Vai trò không hợp lệ trong mã truy cập: {_claim_shown(raw)}.",
                f"Unknown role in the token: {_claim_shown(raw)}.",
            )
        roles.add(role)
    return frozenset(roles)


def _units(claims: dict[str, Any]) -> tuple[str, ...]:
    """The ``units`` claim: a list (at most :data:`MAX_UNITS`) of unit codes, each a code as
    commands take it (printable, no invisible characters, 1–64 characters)."""
    units = claims.get("units", [])
    refused = _unauthenticated(
        "TOKEN_UNITS_INVALID",
        "Phạm vi đơn vị (units) trong mã truy cập không hợp lệ.",
        "The token's unit scope (units) is not valid.",
    )
    if not isinstance(units, list) or len(units) > MAX_UNITS:
        raise refused
    spec = CodeSpec("unit code")
    codes: list[str] = []
    for unit in units:
        try:
            codes.append(spec.clean(unit, date.today()))
        except Bad:
            raise refused from None
    return tuple(codes)


def principal_from_claims(claims: dict[str, Any]) -> ApiPrincipal:
    """Check the claims' shapes strictly and build the principal (bilingual 401 on anything
    wrong): ``sub`` printable and bounded, ``exp`` a number, ``roles`` a list of known roles,
    ``units`` a list of codes, ``tenant`` a valid slug."""
    _check_times(claims)
    subject = _subject(claims)
    roles = _roles(claims)
    tenant = claims.get("tenant")
    if tenant is not None and (not isinstance(tenant, str) or not SLUG_PATTERN.fullmatch(tenant)):
        raise _unauthenticated(
            "TOKEN_TENANT_INVALID",
            "Đơn vị sử dụng (tenant) trong mã truy cập không hợp lệ.",
            "The token's tenant is not valid.",
        )
    if tenant is None and roles != {Role.PLATFORM_OPERATOR}:
        raise _unauthenticated(
            "TOKEN_TENANT_MISSING",
            "Mã truy cập thiếu đơn vị sử dụng (tenant).",
            "The token names no tenant.",
        )
    return ApiPrincipal(subject, tenant, roles, _units(claims))


# --- keys --------------------------------------------------------------------------------------
def dev_key_path(settings: Settings) -> Path:
    """Where the development signing key lives."""
    return settings.data_dir / DEV_KEY_FILE


def dev_signing_key(
    settings: Settings, *, create: bool = True
) -> ec.EllipticCurvePrivateKey | None:
    """The development ES256 key (created, mode 0600, when missing and ``create``)."""
    path = dev_key_path(settings)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise AuthError(
                500,
                "DEV_KEY_INVALID",
                f"Tệp khóa phát triển {path} không phải khóa EC.",
                f"The development key file {path} is not an EC key.",
            )
        return key
    if not create:
        return None
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key


def issue_dev_token(
    settings: Settings,
    *,
    subject: str,
    roles: list[Role],
    tenant: str | None,
    units: list[str] | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A development token signed with the local key (refused in production)."""
    if settings.production:
        raise AuthError(
            403,
            "DEV_TOKENS_DISABLED",
            "Không cấp mã truy cập phát triển khi KETNAP_ENV=production.",
            "Development tokens are not issued when KETNAP_ENV=production.",
        )
    key = dev_signing_key(settings)
    assert key is not None
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": [r.value for r in roles],
        "units": list(units or []),
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": settings.jwt_issuer or DEV_ISSUER,
    }
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    if tenant is not None:
        claims["tenant"] = tenant
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": DEV_KEY_FILE})


def algorithms_for(key: Any) -> list[str]:
    """The algorithms ``key`` verifies: a token's ``alg`` must fit the key's type (an ES256
    token checked against an RSA key is refused, not a crash in PyJWT)."""
    if isinstance(key, rsa.RSAPublicKey):
        return ["RS256"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ["ES256"]
    return []  # no algorithm of ours fits: every token is refused


#: Seconds of clock skew allowed on ``exp``/``nbf`` (PyJWT's ``leeway``).
LEEWAY_SECONDS = 30
#: Seconds a verified token is taken again without checking its signature (within its ``exp``):
#: a client sends the same token with every request, and the signature check (ES256/RS256, in a
#: worker thread) cost more than the rest of a small query. A key withdrawn from the JWKS stops
#: taking its tokens after at most this long.
VERIFIED_SECONDS = 60.0
#: Verified tokens kept (the oldest go first).
VERIFIED_TOKENS = 4_096


class TokenVerifier:
    """Verifies bearer tokens against the configured keys, remembering the ones it verified
    for :data:`VERIFIED_SECONDS` (:meth:`already_verified`)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock  # of the remembered tokens (PyJWT reads its own)
        #: ``Authorization`` header -> (principal, expiry with leeway, when verified)
        self._verified: dict[str, tuple[ApiPrincipal, float, float]] = {}
        self._verified_lock = threading.Lock()
        self._jwks = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None
        )
        self._public_key: Any = None
        if settings.jwt_public_key_file:
            try:
                data = Path(settings.jwt_public_key_file).read_bytes()
                self._public_key = serialization.load_pem_public_key(data)
            except (OSError, ValueError) as error:
                raise AuthError(
                    500,
                    "JWT_PUBLIC_KEY_INVALID",
                    f"Không đọc được khóa công khai KETNAP_JWT_PUBLIC_KEY_FILE: {error}.",
                    f"Cannot read the public key KETNAP_JWT_PUBLIC_KEY_FILE: {error}.",
                ) from None
        self._dev_key: Any = None
        if not settings.production:
            dev = dev_signing_key(settings)
            assert dev is not None
            self._dev_key = dev.public_key()
        if self._jwks is None and self._public_key is None and self._dev_key is None:
            raise AuthError(
                500,
                "JWT_KEYS_NOT_CONFIGURED",
                "Môi trường production cần KETNAP_JWKS_URL hoặc KETNAP_JWT_PUBLIC_KEY_FILE.",
                "Production needs KETNAP_JWKS_URL or KETNAP_JWT_PUBLIC_KEY_FILE.",
            )

    def _key_for(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _unauthenticated(
                "TOKEN_MALFORMED",
                "Mã truy cập không đúng định dạng JWT.",
                "The bearer token is not a well-formed JWT.",
            ) from None
        if header.get("kid") == DEV_KEY_FILE and self._dev_key is not None:
            return self._dev_key
        if self._public_key is not None:
            return self._public_key
        if self._jwks is not None:
            try:
                return self._jwks.get_signing_key_from_jwt(token).key
            except jwt.PyJWTError as error:
                raise _unauthenticated(
                    "TOKEN_KEY_UNKNOWN",
                    f"Không tìm thấy khóa ký của mã truy cập: {error}.",
                    f"The token's signing key was not found: {error}.",
                ) from None
        if self._dev_key is not None:
            return self._dev_key
        raise _unauthenticated(
            "TOKEN_KEY_UNKNOWN",
            "Không có khóa để kiểm tra mã truy cập.",
            "No key to check the token.",
        )

    def verify(self, token: str) -> ApiPrincipal:
        """The principal of a valid token; a bilingual 401 :class:`AuthError` otherwise."""
        return self._verify(token)[0]

    def _verify(self, token: str) -> tuple[ApiPrincipal, float]:
        """The principal of a valid token and the time it expires (leeway included)."""
        key = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms_for(key),
                audience=self.settings.jwt_audience or None,
                issuer=self.settings.jwt_issuer or None,
                options={"require": ["exp", "sub"], "verify_aud": bool(self.settings.jwt_audience)},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError:
            raise _unauthenticated(
                "TOKEN_EXPIRED", "Mã truy cập đã hết hạn.", "The bearer token has expired."
            ) from None
        except jwt.PyJWTError as error:
            raise _unauthenticated(
                "TOKEN_INVALID",
                f"Mã truy cập không hợp lệ: {error}.",
                f"The bearer token is not valid: {error}.",
            ) from None
        # PyJWT refuses a token once ``exp <= now - leeway``
        return principal_from_claims(claims), float(claims["exp"]) + LEEWAY_SECONDS

    def already_verified(self, authorization: str | None) -> ApiPrincipal | None:
        """The principal of a header :meth:`from_header` accepted less than
        :data:`VERIFIED_SECONDS` ago, if its token has not expired since (None: verify it).
        Cheap enough for the event loop."""
        if not authorization:
            return None
        entry = self._verified.get(authorization)
        if entry is None:
            return None
        principal, expires, verified_at = entry
        now = self._clock()
        if now < expires and now - verified_at < VERIFIED_SECONDS:
            return principal
        with self._verified_lock:
            self._verified.pop(authorization, None)
        return None

    def from_header(self, authorization: str | None) -> ApiPrincipal:
        """The principal of an ``Authorization: Bearer …`` header (remembered for
        :meth:`already_verified`)."""
        if not authorization:
            raise _unauthenticated(
                "TOKEN_MISSING",
                "Thiếu mã truy cập (Authorization: Bearer …).",
                "A bearer token is required (Authorization: Bearer …).",
            )
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated(
                "TOKEN_MISSING",
                "Tiêu đề Authorization phải có dạng «Bearer <mã>».",
                "The Authorization header must read 'Bearer <token>'.",
            )
        now = self._clock()
        principal, expires = self._verify(token.strip())
        with self._verified_lock:
            while len(self._verified) >= VERIFIED_TOKENS:
                self._verified.pop(next(iter(self._verified)))
            self._verified[authorization] = (principal, expires, now)
        return principal
