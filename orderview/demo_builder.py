"""The demo's row builder: customers, orders, keys and licenses from one seeded generator.

Split from ``orderview.demo`` (which drives the chunks and writes them): the call order on the
generator is part of determinism, so every row maker lives on one object.
"""

from __future__ import annotations

import base64
import random
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from orderview import demo_data as data
from orderview.db.models import License, LicensePolicy
from orderview.demo_devices import DeviceMaker
from orderview.keys import ALPHABET
from orderview.services.normalize import customer_keys, lc

START = datetime(2023, 1, 1, 8, 0, tzinfo=UTC)
END = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)

_TO_ALPHABET = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())
_DURATION_DAYS = {"d": 1, "m": 30, "y": 365}
_NULL_BY_DEFAULT = frozenset(
    c.name
    for c in License.__table__.c
    if c.nullable and c.default is None and c.server_default is None
)


def _days(duration: str | None) -> int:
    if not duration:
        return 0
    return int(duration[:-1]) * _DURATION_DAYS[duration[-1]]


def slug(text: str, sep: str = "-") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text.lower()).split()
    return sep.join(words)


class DemoBuilder:
    """Builds the rows; owns the seeded generator, so call order is part of determinism."""

    def __init__(self, seed: int, orders: int) -> None:
        self.rng = random.Random(seed)
        self.orders = orders
        self.seen_keys: set[str] = set()
        self.seen_emails: set[str] = set()
        self.policies: list[dict[str, Any]] = []
        self.products: list[dict[str, Any]] = []
        self.devices = DeviceMaker(seed, START, END)

    # -- catalogue ---------------------------------------------------------------------------
    def catalogue(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        policy_id = 0
        for product_id, p in enumerate(data.PRODUCTS, start=1):
            self.products.append(
                {
                    "id": product_id,
                    "name": p.name,
                    "short_code": p.short_code,
                    "authorization_method": p.authorization_method,
                    "active": p.active,
                }
            )
            for pol in data.POLICIES:
                policy_id += 1
                row = {
                    **{
                        k: v
                        for k, v in data.LICENSE_DEFAULTS.items()
                        if k in LicensePolicy.__table__.c
                    },
                    **pol.values,
                    "id": policy_id,
                    "product_id": product_id,
                    "name": f"{p.name} {pol.name}",
                    "code": pol.code,
                    "is_default": pol.is_default,
                }
                self.policies.append(row)
        return self.products, self.policies

    # -- people ------------------------------------------------------------------------------
    def _unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        n = 1
        while email.lower() in self.seen_emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.seen_emails.add(email.lower())
        return email

    def _company(self) -> str:
        rng = self.rng
        name = f"{rng.choice(data.COMPANY_WORDS)} {rng.choice(data.COMPANY_KINDS)}"
        suffix = rng.choice(data.COMPANY_SUFFIXES)
        return f"{name} {suffix}".strip()

    def customers(self, count: int) -> list[dict[str, Any]]:
        rng = self.rng
        countries = data.COUNTRIES
        weights = [c[1] for c in countries]
        rows: list[dict[str, Any]] = []
        for i in range(1, count + 1):
            created = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds())))
            country, _, cities, phone_prefix = rng.choices(countries, weights)[0]
            if i <= len(data.HOSTILE_CUSTOMERS):
                person = dict(data.HOSTILE_CUSTOMERS[i - 1])
                self.seen_emails.add(person["email"].lower())
            else:
                first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
                company = self._company() if rng.random() < 0.8 else ""
                domain = (
                    slug(company.rsplit(" ", 1)[0])
                    if company
                    else rng.choice(("mail", "post", "inbox"))
                ) + ".example"
                person = {
                    "first_name": first,
                    "last_name": last,
                    "company_name": company,
                    "email": self._unique_email(slug(f"{first} {last}", "."), domain),
                }
            rows.append(
                {
                    "id": i,
                    **person,
                    **customer_keys(
                        person["email"],
                        person["first_name"],
                        person["last_name"],
                        person["company_name"],
                    ),
                    "phone": f"{phone_prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999999)}",
                    "reference": f"CUST-{i:06d}" if rng.random() < 0.5 else "",
                    "address": f"{rng.randint(1, 250)} {rng.choice(data.STREETS)}",
                    "city": rng.choice(cities),
                    "state": "",
                    "postcode": f"{rng.randint(1000, 99999)}",
                    "country": country,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            if rng.random() < 0.1:
                rows[-1]["metadata"] = {"crm_id": f"C{rng.randint(10000, 99999)}", "tier": "gold"}
        return rows

    # -- orders and licenses -----------------------------------------------------------------
    def store_id(self, n: int) -> str:
        roll = self.rng.random()
        if roll < 0.7:
            return f"ORD-{100000 + n}"
        if roll < 0.9:
            return f"SHOP-{n:07d}"
        return f"CRM-{2023 + n % 4}-{n:06d}"

    def order(self, n: int, customer_id: int | None) -> dict[str, Any]:
        rng = self.rng
        span = (END - START).total_seconds()
        created = START + timedelta(seconds=span * n / self.orders + rng.randint(0, 3600))
        created = created.replace(microsecond=0)
        updated = created + timedelta(days=rng.randint(1, 90)) if rng.random() < 0.2 else created
        store_id = self.store_id(n)
        reference = f"PO-{rng.randint(10000, 999999)}" if rng.random() < 0.6 else ""
        api_trial = rng.random() < 0.03
        row = {
            "id": n,
            "store_id": store_id,
            "store_id_lc": lc(store_id),
            "reference": reference,
            "reference_lc": lc(reference),
            "campaign_params": rng.choice(data.CAMPAIGNS) if rng.random() < 0.3 else "",
            "download_id": f"dl-{rng.randint(100000, 999999)}" if rng.random() < 0.2 else "",
            "language": rng.choices(*zip(*data.LANGUAGES, strict=True))[0],
            "is_test": rng.random() < 0.03,
            "is_trial": api_trial or rng.random() < 0.05,
            "order_type": "api_trial" if api_trial else "normal",
            "customer_id": customer_id,
            "created_at": created,
            "updated_at": updated,
            "version": 1 if updated == created else rng.randint(2, 4),
        }
        if rng.random() < 0.1:
            row["metadata"] = {
                "source": rng.choice(("webshop", "crm", "reseller")),
                "invoice": f"INV-{rng.randint(1000, 99999)}",
            }
        return row

    def keys(self, count: int) -> list[str]:
        """``count`` unique keys from the seeded generator (80 bits each, our alphabet)."""
        blob = self._symbols(count)
        seen = self.seen_keys
        out = []
        for i in range(0, 16 * count, 16):
            key = f"{blob[i : i + 4]}-{blob[i + 4 : i + 8]}-{blob[i + 8 : i + 12]}-{blob[i + 12 : i + 16]}"
            while key in seen:  # 80 bits: never in practice, but uniqueness must be certain
                s = self._symbols(1)
                key = f"{s[0:4]}-{s[4:8]}-{s[8:12]}-{s[12:16]}"
            seen.add(key)
            out.append(key)
        return out

    def _symbols(self, count: int) -> str:
        """16 alphabet symbols per key: 10 random bytes, base32, mapped onto our alphabet."""
        return base64.b32encode(self.rng.randbytes(10 * count)).translate(_TO_ALPHABET).decode()

    def licenses(
        self, order: dict[str, Any], count: int, customer_email: str | None
    ) -> list[dict[str, Any]]:
        """The order's licenses: one product line, sometimes two, from weighted policies."""
        rng = self.rng
        rows: list[dict[str, Any]] = []
        lines = 2 if count > 3 and rng.random() < 0.2 else 1
        remaining = count
        for line in range(lines):
            size = remaining if line == lines - 1 else rng.randint(1, remaining - 1)
            remaining -= size
            rows.extend(self._line(order, size, customer_email, line))
        return rows

    def _line(
        self, order: dict[str, Any], size: int, customer_email: str | None, line: int
    ) -> list[dict[str, Any]]:
        rng = self.rng
        product = rng.choices(self.products, [p.weight for p in data.PRODUCTS])[0]
        pol_code = rng.choices(*zip(*data.POLICY_WEIGHTS.items(), strict=True))[0]
        policy = next(
            p for p in self.policies if p["product_id"] == product["id"] and p["code"] == pol_code
        )
        created = order["created_at"] + timedelta(days=line * rng.randint(1, 60))
        day = created.date()
        template = {
            **data.LICENSE_DEFAULTS,
            **{k: v for k, v in policy.items() if k in data.LICENSE_DEFAULTS},
            "order_id": order["id"],
            "product_id": product["id"],
            "policy_id": policy["id"],
            "created_at": created,
            "updated_at": created,
            "license_key": None,
            "user_email": None,
        }
        kind = template["license_type"]
        if kind == "time-limited":
            template["validity_period"] = day + timedelta(days=_days(template["valid_duration"]))
        elif kind == "subscription":
            renewed = rng.random() < 0.7
            template["validity_period"] = (
                END.date() + timedelta(days=rng.randint(1, 60))
                if renewed
                else day + timedelta(days=30)
            )
        if template["maintenance_duration"]:
            template["maintenance_period"] = day + timedelta(
                days=_days(template["maintenance_duration"])
            )
        if rng.random() < 0.05:
            template["start_date"] = day + timedelta(days=7)
        # NULL columns without a default are left out of the INSERT (they stay NULL): fewer
        # parameters for SQLAlchemy to process per row, the main cost at a million rows.
        for name in [k for k, v in template.items() if v is None and k in _NULL_BY_DEFAULT]:
            del template[name]
        by_user = product["authorization_method"] == "user"
        keys = [] if by_user else self.keys(size)
        domain = (customer_email or "team@users.example").rsplit("@", 1)[1]
        max_act = template.get("max_activations") or 5
        consumption = kind == "consumption"
        max_cons = template.get("max_consumptions") or 0
        rows = []
        random_ = rng.random
        for i in range(size):
            row = template.copy()
            if by_user:
                row["user_email"] = f"user{order['id']}.{line}.{i}@{domain}"
                row["user_email_lc"] = lc(row["user_email"])
            else:
                row["license_key"] = keys[i]
            if random_() < 0.7:
                row["times_activated"] = 1 + int(random_() * max_act)
            if random_() < 0.03:
                row["enabled"] = False
            if consumption:
                row["total_consumptions"] = int(random_() * max_cons)
            if random_() < 0.01:
                row["note"] = rng.choice(data.NOTES)
            self.devices.add_license(row, created)
            rows.append(row)
        return rows
