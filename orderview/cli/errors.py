"""``CLIError``: its own light module, so the top-level command line can catch and print it
without importing the data layer (``orderview.cli.context`` re-exports it for every command)."""

from __future__ import annotations

from orderview.cli import exit_codes
from orderview.redact import mask_secrets


class CLIError(Exception):
    """One clear line for the operator; no traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(mask_secrets(message))  # a database URL may be in it
        self.exit_code = exit_code


FORBIDDEN_EXIT = exit_codes.FORBIDDEN  # 77, EX_NOPERM: the role does not allow the action


def exit_code_for(exc: BaseException) -> int:
    """The exit status for a service's refusal (``orderview.cli.exit_codes``)."""
    return exit_codes.for_service_error(exc)
