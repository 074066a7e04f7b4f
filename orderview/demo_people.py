"""Demo customers and license managers as stored tuples, unique by construction.

E-mail addresses carry the person's id (``anna.schmidt4711@…``), so they are unique without a
set of every address seen. A customer's company (hence the domain of their e-mail and of their
users' addresses) is a hash of the seed and the customer id, not a draw from a generator: the
task that writes a customer's order's licenses can name the customer's domain without having
generated the customer.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from orderview import demo_data as data
from orderview.demo_plan import customer_ids, manager_count, rng_for
from orderview.demo_stored import Stored
from orderview.services.normalize import customer_keys, lc

START = datetime(2023, 1, 1, 8, 0, tzinfo=UTC)
END = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
_M64 = (1 << 64) - 1
_COUNTRY_POOL = [c for c in data.COUNTRIES for _ in range(c[1])]


def slug(text: str, sep: str = "-") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text.lower()).split()
    return sep.join(words)


def mix(seed: int, number: int) -> int:
    """splitmix64 of (seed, number): a well-spread 64-bit hash."""
    x = (seed * 0x9E3779B97F4A7C15 + number * 0xD1B54A32D192ED03) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def company(seed: int, customer_id: int) -> tuple[str, str]:
    """(company name, e-mail domain) of an ordinary customer: 80 % have a company."""
    if customer_id <= len(data.HOSTILE_CUSTOMERS):
        person = data.HOSTILE_CUSTOMERS[customer_id - 1]
        return person["company_name"], person["email"].rsplit("@", 1)[1]
    h = mix(seed, customer_id)
    if h % 10 < 2:
        return "", ("mail", "post", "inbox")[(h >> 8) % 3] + ".example"
    word = data.COMPANY_WORDS[(h >> 16) % len(data.COMPANY_WORDS)]
    kind = data.COMPANY_KINDS[(h >> 24) % len(data.COMPANY_KINDS)]
    suffix = data.COMPANY_SUFFIXES[(h >> 32) % len(data.COMPANY_SUFFIXES)]
    return f"{word} {kind} {suffix}".strip(), slug(f"{word} {kind}") + ".example"


def customers(seed: int, orders: int, chunk: int, st: Stored) -> list[tuple[Any, ...]]:
    """The customers of one task (``orderview.models.Customer`` column order)."""
    rng = rng_for(seed, "customers", chunk)
    span = int((END - START).total_seconds())
    rows = []
    for i in customer_ids(orders, chunk):
        created = st.dt(START + timedelta(seconds=rng.randint(0, span)))
        country, _, cities, phone_prefix = _COUNTRY_POOL[int(rng.random() * len(_COUNTRY_POOL))]
        company_name, domain = company(seed, i)
        if i <= len(data.HOSTILE_CUSTOMERS):
            person = data.HOSTILE_CUSTOMERS[i - 1]
            first, last, email = person["first_name"], person["last_name"], person["email"]
        else:
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            email = f"{slug(f'{first} {last}', '.')}{i}@{domain}"
        keys = customer_keys(email, first, last, company_name)
        phone = f"{phone_prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999999)}"
        reference = f"CUST-{i:06d}" if rng.random() < 0.5 else ""
        address = f"{rng.randint(1, 250)} {rng.choice(data.STREETS)}"
        city = rng.choice(cities)
        postcode = f"{rng.randint(1000, 99999)}"
        metadata = (
            {"crm_id": f"C{rng.randint(10000, 99999)}", "tier": "gold"}
            if rng.random() < 0.1
            else None
        )
        rows.append(
            (
                i,
                email,
                keys["email_lc"],
                first,
                last,
                keys["name_lc"],
                keys["last_name_lc"],
                company_name,
                keys["company_lc"],
                phone,
                reference,
                address,
                city,
                "",
                postcode,
                country,
                st.json(metadata),
                created,
                created,
                1,
            )
        )
    return rows


def managers(seed: int, orders: int, st: Stored) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Every license manager (``LicenseManager`` column order, no password yet: one comes
    only with a delivered invite) and their e-mail addresses by id - 1."""
    rng = rng_for(seed, "managers", 0)
    rows, emails = [], []
    for i in range(1, manager_count(orders) + 1):
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        domain = slug(rng.choice(data.COMPANY_WORDS)) + ".example"
        email = f"{slug(f'{first} {last}', '.')}{i}@{domain}"
        created = st.dt(START + timedelta(days=rng.randint(0, 1200)))
        phone = f"+1 555 {rng.randint(1000, 9999)}" if rng.random() < 0.4 else ""
        active = rng.random() < 0.95
        rows.append(
            (
                i,
                email,
                lc(email),
                first,
                last,
                phone,
                None,
                st.bool(True),
                st.bool(active),
                created,
                created,
                1,
            )
        )
        emails.append(email)
    return rows, emails
