"""License key generation: four groups of four from an unambiguous 32-symbol alphabet.

80 bits from a CSPRNG per key. Instead of ``secrets.choice`` per character (≈10× the cost of the
insert) we draw 10 random bytes once, base32-encode them (16 symbols of 5 bits) and translate
base32's alphabet onto ours in one C-level call.
"""

from __future__ import annotations

import base64
import os
import re

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I
_B32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_OURS = bytes.maketrans(_B32, ALPHABET.encode())
KEY_PATTERN = re.compile(rf"^[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}$")


def generate_key() -> str:
    raw = base64.b32encode(os.urandom(10)).translate(_TO_OURS).decode()
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:16]}"


def generate_keys(count: int) -> list[str]:
    """``count`` distinct keys (collisions in 80 bits are astronomically rare, but checked)."""
    blob = base64.b32encode(os.urandom(10 * count)).translate(_TO_OURS).decode()
    keys = {
        f"{blob[i:i + 4]}-{blob[i + 4:i + 8]}-{blob[i + 8:i + 12]}-{blob[i + 12:i + 16]}"
        for i in range(0, 16 * count, 16)
    }
    while len(keys) < count:
        keys.add(generate_key())
    return list(keys)


def normalize_key(text: str) -> str:
    """Upper-case and re-dash a typed or pasted key ('h4zhvl2x…' -> 'H4ZH-VL2X-…')."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if len(compact) == 16:
        return f"{compact[0:4]}-{compact[4:8]}-{compact[8:12]}-{compact[12:16]}"
    return text.strip().upper()


def is_valid_key(key: str) -> bool:
    return KEY_PATTERN.match(key) is not None
