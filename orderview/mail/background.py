"""The app's background sender: delivers the outbox while the app runs.

It sleeps until the earliest pending message is due (or ``IDLE_POLL`` seconds, to notice mail
queued by another operator or process), and wakes at once when this app queues something.
It calls ``on_change`` only when a delivery changed a message's status, so an idle app
repaints nothing. It may run beside other senders (another desk, ``orderview outbox send``):
``delivery`` claims one message at a time, so each is delivered once. With no mail server configured it does not run at all.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from orderview.db.engine import Database
from orderview.mail import delivery, outbox
from orderview.mail.smtp import mail_configured, send
from orderview.safetext import visible
from orderview.settings import Settings

IDLE_POLL = 30.0
MIN_SLEEP = 0.5
ERROR_SLEEP = 30.0


class BackgroundSender:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        on_change: Callable[[list[outbox.DeliveryResult]], None],
        idle_poll: float = IDLE_POLL,
        sender: outbox.Sender = send,
        actor: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.on_change = on_change
        self.idle_poll = idle_poll
        self.sender = sender
        self.actor = actor  # who the audit trail names for passwords made at sending
        self.last_error = ""  # why the sender itself could not work (database trouble)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the outbox now (something was just queued)."""
        self._wake.set()

    async def run(self) -> None:
        if not mail_configured(self.settings):
            return  # invites stay queued; the manager tab says why
        while True:
            delay = await self.step()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    async def step(self) -> float:
        """Deliver what is due; return how long to sleep."""
        try:
            results = await delivery.deliver_due(
                self.db, self.settings, sender=self.sender, actor=self.actor
            )
            due = await outbox.next_due_at(self.db)
        except Exception as exc:  # the database went away: keep the app alive, try later
            self.last_error = visible(f"{type(exc).__name__}: {exc}", 200)
            return ERROR_SLEEP
        self.last_error = ""
        if results:
            self.on_change(results)
        return self._delay(due)

    def _delay(self, due: datetime | None) -> float:
        if due is None:
            return self.idle_poll
        wait = (due - outbox.now_utc()).total_seconds()
        return min(max(wait, MIN_SLEEP), self.idle_poll)
