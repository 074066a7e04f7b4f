"""Demo license managers and their mail, following the rules the service enforces.

What the managers service and the sender do, the demo does (docs/managers.md), so the demo
never shows a state the app could not reach:
- A person gets a password only from a delivered invite: one with no delivered invite has no
  password hash and has not signed in; only someone who received one can have signed in
  ("Login: done"), and then a hash is there.
- A person's first mail is an invite; once one was delivered, later orders send the "added to
  order" notice (no password); after an invite given up on, the next mail is an invite again.
- Nothing is queued (a demo must not send real mail) and no stored body holds a password.

The hashes are argon2id of random secrets nobody knows, with cheap parameters (a demo of
100,000 orders has thousands of managers) and seeded salts, so the same seed gives the same
database row for row.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from argon2.low_level import Type, hash_secret

from orderview import demo_data as data
from orderview.mail import composer
from orderview.mail.outbox import MAX_ATTEMPTS
from orderview.permissions import DISTRIBUTION_CODES, PERMISSION_CODES
from orderview.services.normalize import lc

NON_DISTRIBUTION = tuple(c for c in PERMISSION_CODES if c not in DISTRIBUTION_CODES)
DEMO_BODY = "(demo data: the body of this message was not kept)"
ERRORS = (
    "550 5.1.1 mailbox unavailable",
    "connection refused (smtp.example.com:587)",
    "535 5.7.8 authentication failed",
)


def demo_password_hash(rng: random.Random) -> str:
    """An argon2id hash of a random secret: a password nobody can type."""
    return hash_secret(
        rng.randbytes(24),
        rng.randbytes(16),
        time_cost=1,
        memory_cost=8,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    ).decode()


class DemoManagers:
    """People, their permissions per order, their mail; then who holds a password."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.delivered: set[int] = set()  # people an invite (hence a password) reached

    def people(self, count: int, unique_email: Any, slug: Any, start: Any) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        for i in range(1, count + 1):
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            domain = slug(rng.choice(data.COMPANY_WORDS)) + ".example"
            email = unique_email(slug(f"{first} {last}", "."), domain)
            created = start + timedelta(days=rng.randint(0, 1200))
            rows.append(
                {
                    "id": i,
                    "email": email,
                    "email_lc": lc(email),
                    "first_name": first,
                    "last_name": last,
                    "phone_number": f"+1 555 {rng.randint(1000, 9999)}"
                    if rng.random() < 0.4
                    else "",
                    "password_hash": None,
                    "is_initial_password": True,  # until an invite arrives
                    "is_active": rng.random() < 0.95,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
        return rows

    def permissions(self) -> list[str]:
        rng = self.rng
        codes = set(rng.sample(NON_DISTRIBUTION, rng.randint(1, len(NON_DISTRIBUTION))))
        if rng.random() < 0.15:
            codes.update(rng.sample(sorted(DISTRIBUTION_CODES), rng.randint(1, 3)))
        return [c for c in PERMISSION_CODES if c in codes]

    def mail(
        self, outbox_id: int, order: dict[str, Any], manager: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The manager's mail about this order as the outbox would hold it: mostly sent, some
        failed for good, some managers added without one."""
        roll = self.rng.random()
        if roll >= 0.8:
            return None
        at = order["created_at"] + timedelta(minutes=self.rng.randint(1, 600))
        sent = roll < 0.65
        error = "" if sent else self.rng.choice(ERRORS)
        notice = manager["id"] in self.delivered
        if sent and not notice:
            self.delivered.add(manager["id"])
        store_id = order["store_id"]
        mail = {
            "id": outbox_id,
            "kind": composer.KIND_ADDED if notice else composer.KIND_INVITE,
            "to_address": manager["email"],
            "subject": f"You now manage order {store_id}"
            if notice
            else f"Your license manager access for order {store_id}",
            "body": DEMO_BODY,
            "status": "sent" if sent else "failed",
            "attempts": 1 if sent else MAX_ATTEMPTS,
            "last_error": error,
            "created_at": at,
            "next_attempt_at": at,
            "sent_at": at if sent else None,
            "order_id": order["id"],
            "manager_id": manager["id"],
        }
        return mail, {"outbox_id": outbox_id, "at": at, "ok": sent, "error": error}

    def passwords(self) -> list[dict[str, Any]]:
        """For each person an invite reached: their password hash, and whether they have
        signed in since (most have)."""
        return [
            {
                "person_id": person_id,
                "hash": demo_password_hash(self.rng),
                "initial": self.rng.random() < 0.3,
            }
            for person_id in sorted(self.delivered)
        ]
