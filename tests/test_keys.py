"""License key generation (orderview/keys.py): the form, distinctness, and every symbol of the
alphabet drawn about equally often (one random byte per symbol, ``byte % 32``)."""

from __future__ import annotations

from collections import Counter

from orderview.keys import ALPHABET, generate_key, generate_keys, is_valid_key


def test_keys_have_the_form_and_are_distinct() -> None:
    keys = generate_keys(5000)
    assert len(keys) == len(set(keys)) == 5000
    assert all(is_valid_key(k) for k in keys)
    assert is_valid_key(generate_key())
    assert generate_keys(0) == [] and len(generate_keys(1)) == 1


def test_symbols_are_uniform() -> None:
    symbols = Counter("".join(generate_keys(8000)).replace("-", ""))
    assert set(symbols) == set(ALPHABET)
    expected = 8000 * 16 / 32  # 4,000 each; a standard deviation is about 62
    assert all(abs(n - expected) < 8 * 62 for n in symbols.values()), symbols
    # every position of a key varies too (a stuck column would show as one symbol)
    for position in range(19):
        column = {k[position] for k in generate_keys(200)}
        assert len(column) == 1 if position in (4, 9, 14) else len(column) > 20, position
