"""Demo license keys that are unique by construction, so no set of every key is kept.

A key is 80 bits (16 symbols of ``orderview.keys.ALPHABET``, dashed in fours, exactly the format
the services issue). The demo builds those 80 bits as ``license_id`` in the high 40 bits and 40
seeded random bits in the low ones, then scrambles them with a bijection of the 80-bit integers
(multiply by an odd constant, xor-shift, twice: each step is invertible). Distinct license ids
therefore give distinct keys whatever the random bits, while the keys still look random and
differ from seed to seed. Checking ten million keys against a set cost ≈1 GB; this costs
nothing and holds for up to 2**40 licenses.
"""

from __future__ import annotations

import random

from orderview.keys import ALPHABET

ID_BITS = 40
RANDOM_BITS = 80 - ID_BITS
_MASK = (1 << 80) - 1
_M1 = 0x9E3779B97F4A7C15F39D  # odd: multiplication by it is a bijection modulo 2**80
_M2 = 0xC2B2AE3D27D4EB4F165B  # odd
# Two symbols per 10 bits, most significant first (what base32 of the 10 bytes would spell).
_PAIR = [ALPHABET[x >> 5] + ALPHABET[x & 31] for x in range(1024)]


def scramble(value: int) -> int:
    """A bijection of the 80-bit integers that spreads every input bit over the output."""
    value = (value * _M1) & _MASK
    value ^= value >> 41
    value = (value * _M2) & _MASK
    return value ^ (value >> 37)


def demo_keys(rng: random.Random, first_id: int, count: int) -> list[str]:
    """The keys of licenses ``first_id`` … ``first_id + count - 1`` (dashed, upper case)."""
    if first_id + count > 1 << ID_BITS:
        raise ValueError("license id too large for a demo key")
    noise = rng.randbytes(5 * count)
    pair, out = _PAIR, []
    for i in range(count):
        v = scramble(((first_id + i) << RANDOM_BITS) | int.from_bytes(noise[5 * i : 5 * i + 5]))
        hi, lo = v >> 40, v & 0xFFFFFFFFFF
        out.append(
            f"{pair[hi >> 30]}{pair[(hi >> 20) & 1023]}-{pair[(hi >> 10) & 1023]}{pair[hi & 1023]}-"
            f"{pair[lo >> 30]}{pair[(lo >> 20) & 1023]}-{pair[(lo >> 10) & 1023]}{pair[lo & 1023]}"
        )
    return out
