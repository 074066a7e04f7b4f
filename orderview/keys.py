"""License key generation: four groups of four from an unambiguous 32-symbol alphabet.

80 bits from a CSPRNG per key. Instead of ``secrets.choice`` per character (≈10× the cost of the
insert) we draw one random byte per symbol and map it onto the alphabet with one C-level
``bytes.translate``: 256 is a multiple of 32, so ``byte % 32`` is uniform and each symbol carries
exactly 5 random bits (16 symbols, 80 bits). (``base64.b32encode`` did the same from 10 bytes,
but it is pure Python: 25 ms of the 10,000-key issuance.)
"""

from __future__ import annotations

import os
import re

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I
_SYMBOL_OF_BYTE = bytes(ALPHABET.encode()[b % 32] for b in range(256))
KEY_PATTERN = re.compile(rf"^[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}$")


def _symbols(count: int) -> str:
    """``count`` independent uniformly random symbols of the alphabet."""
    return os.urandom(count).translate(_SYMBOL_OF_BYTE).decode("ascii")


def generate_key() -> str:
    raw = _symbols(16)
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:16]}"


def generate_keys(count: int) -> list[str]:
    """``count`` distinct keys (collisions in 80 bits are astronomically rare, but checked)."""
    # 20 characters per key, "XXXX-XXXX-XXXX-XXXX\n": random symbols, then the dashes and line
    # ends written over their columns by slice assignment, so no Python code runs per key.
    buf = bytearray(os.urandom(20 * count).translate(_SYMBOL_OF_BYTE))
    for column in (4, 9, 14):
        buf[column::20] = b"-" * count
    buf[19::20] = b"\n" * count
    keys = set(buf[:-1].decode("ascii").split("\n")) if count > 0 else set()
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
