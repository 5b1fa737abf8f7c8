"""API token secrets: generation and lookup by hash (the secret itself is never stored)."""

import hashlib
import secrets

TOKEN_PREFIX = "td_"


def new_secret() -> str:
    """A fresh token secret: 'td_' and 43 URL-safe characters (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 of the secret; tokens are long random strings, so a slow hash adds nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()
