"""Secrets and tokens: salted Argon2id hashes for secrets, SHA-256 digests for session tokens.

A secret is what a person types to log in; only its Argon2id hash (random salt, parameters and
digest in one PHC string) is stored. A session token is 256 random bits held by one browser
session; it is stored as its SHA-256 digest, which is enough for a value that cannot be guessed
and lets the token be looked up by an index.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def _hasher() -> PasswordHasher:
    """Return the Argon2id hasher (argon2-cffi's defaults: RFC 9106 low-memory profile)."""
    return PasswordHasher()


def new_secret() -> str:
    """Return a fresh login secret: 16 URL-safe characters (96 random bits)."""
    return secrets.token_urlsafe(12)


def hash_secret(secret: str) -> str:
    """Return the salted Argon2id hash of ``secret`` as a PHC string (about 100 characters)."""
    return _hasher().hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Return True when ``secret`` matches ``stored_hash``; False for a mismatch or no hash."""
    hasher = _hasher()
    if not stored_hash:
        # Spend the time of a real check, so that a login takes as long whether or not the
        # account exists, then refuse.
        with suppress(VerificationError):
            hasher.verify(_decoy_hash(), secret)
        return False
    try:
        return hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _decoy_hash() -> str:
    """Return the hash of a random secret that is never issued (made once per process)."""
    return _hasher().hash(secrets.token_urlsafe(12))


def new_token() -> str:
    """Return a fresh session token: 43 URL-safe characters (256 random bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest (64 characters) under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
