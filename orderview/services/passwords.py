"""License managers' passwords: made, hashed (argon2id) and checked.

Its own module because two places need it and neither is about the other: the mail sender
(``orderview.mail.delivery``) makes the initial password when an invite goes out and stores
only its hash, and whatever checks a sign-in verifies against that hash. Nothing here knows
orders, assignments or mail.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/l/I
PASSWORD_LENGTH = 16  # ~92 bits

_hasher = PasswordHasher()


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


async def hash_password(password: str) -> str:
    """argon2id, off the event loop (it takes tens of milliseconds on purpose)."""
    return await asyncio.to_thread(_hasher.hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
