"""Demo license managers and their mail, following the rules the service enforces.

What the managers service and the sender do, the demo does (docs/managers.md), so the demo
never shows a state the app could not reach:
- A person gets a password only from a delivered invite: one with no delivered invite has no
  password hash and has not signed in; only someone who received one can have signed in
  ("Login: done"), and then a hash is there.
- A person's first mail is an invite; once one was delivered, later orders send the "added to
  order" notice (no password); after an invite given up on, the next mail is an invite again.
- Nothing is queued (a demo must not send real mail) and no stored body holds a password.

Drafts are drawn in the tasks (any process); ``ManagerDesk`` finishes them in order order in the
parent, since a person's mail depends on their earlier mail. The hashes are argon2id of random secrets nobody knows, with cheap parameters (a demo of
100,000 orders has thousands of managers) and seeded salts, so the same seed gives the same
database row for row.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from argon2.low_level import Type, hash_secret

from orderview.mail import composer
from orderview.mail.outbox import MAX_ATTEMPTS
from orderview.permissions import DISTRIBUTION_CODES, PERMISSION_CODES

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


def permissions(rng: random.Random) -> list[str]:
    codes = set(rng.sample(NON_DISTRIBUTION, rng.randint(1, len(NON_DISTRIBUTION))))
    if rng.random() < 0.15:
        codes.update(rng.sample(sorted(DISTRIBUTION_CODES), rng.randint(1, 3)))
    return [c for c in PERMISSION_CODES if c in codes]


def draft(rng: random.Random, managers: int) -> list[tuple[int, list[str], float, int, str]]:
    """Managers of one order (15 % of orders have 1–3): for each, the permissions and how
    their mail went: (manager id, permissions, mail roll, minutes after the order, error).
    Whether the mail is an invite or a notice depends on the person's earlier mail, so
    ``ManagerDesk`` finishes drafts in order order, in one process."""
    if rng.random() >= 0.15:
        return []
    wanted, picked = rng.randint(1, min(3, managers)), list[int]()
    while len(picked) < wanted:  # skewed: a few people manage many orders, some none at all
        manager_id = 1 + int(managers * rng.random() ** 3)
        if manager_id not in picked:
            picked.append(manager_id)
    out = []
    for manager_id in picked:
        perms = permissions(rng)
        roll = rng.random()
        minutes = rng.randint(1, 600) if roll < 0.8 else 0
        error = rng.choice(ERRORS) if 0.65 <= roll < 0.8 else ""
        out.append((manager_id, perms, roll, minutes, error))
    return out


class ManagerDesk:
    """Turns drafts into assignment, outbox and attempt rows (stored tuples, their tables'
    column order; attempts without id), remembering whom an invite reached."""

    def __init__(self, emails: list[str], st: Any) -> None:
        self.emails = emails
        self.st = st
        self.delivered: set[int] = set()  # people an invite (hence a password) reached
        self.assignment_id = 0

    def finish(
        self, drafts: list[tuple[Any, ...]]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        st = self.st
        assignments, mails, attempts = [], [], []
        for order_id, store_id, created, when, people in drafts:
            for manager_id, perms, roll, minutes, error in people:
                self.assignment_id += 1
                outbox_id = self.assignment_id
                assignments.append(
                    (outbox_id, order_id, manager_id, st.json(perms), created, created, 1)
                )
                if roll >= 0.8:  # added without a mail
                    continue
                at = st.dt(when + timedelta(minutes=minutes))
                sent = roll < 0.65
                notice = manager_id in self.delivered
                if sent and not notice:
                    self.delivered.add(manager_id)
                mails.append(
                    (
                        outbox_id,
                        composer.KIND_ADDED if notice else composer.KIND_INVITE,
                        self.emails[manager_id - 1],
                        f"You now manage order {store_id}"
                        if notice
                        else f"Your license manager access for order {store_id}",
                        DEMO_BODY,
                        "sent" if sent else "failed",
                        1 if sent else MAX_ATTEMPTS,
                        error,
                        at,
                        at,
                        at if sent else None,
                        order_id,
                        manager_id,
                        None,
                    )
                )
                attempts.append((outbox_id, at, st.bool(sent), error))
        return assignments, mails, attempts

    def passwords(self, rng: random.Random) -> list[tuple[str, Any, int]]:
        """For each person an invite reached: (hash, still on the initial password, id) —
        most have signed in since."""
        return [
            (demo_password_hash(rng), self.st.bool(rng.random() < 0.3), person_id)
            for person_id in sorted(self.delivered)
        ]
