"""What an exec request (``ssh alice@desk show ORD-1 --json``) may run: orderview's own
commands, parsed into an argument list (never a shell), without the options that would let
the client choose another database, config file or operator, or write files on the server.

The command line is split like a shell splits words (quotes work) but nothing is expanded or
run by a shell. Anything else is refused with one line saying why.
"""

from __future__ import annotations

import shlex

# Commands an operator may run over SSH; each still checks the role in the service layer.
ALLOWED = ("search", "show", "history", "export", "issue", "order", "products", "outbox", "license")
# Options the server decides for the session (argparse also accepts any unambiguous prefix,
# so a prefix of these is refused too).
FIXED_OPTIONS = ("--db", "--config", "--operator", "--log-file", "--log-level")
MAX_COMMAND = 4096


class Refused(ValueError):
    """The command line is not one an exec request may run."""


def _refuse_fixed(word: str) -> None:
    name = word.split("=", 1)[0]
    if len(name) > 2 and any(option.startswith(name) for option in FIXED_OPTIONS):
        raise Refused(f"{name} is set by the server, not by the client")


def _export_to_stdout(words: list[str]) -> list[str]:
    """``export`` writes to the channel only: ``-o -`` is added, any other path refused."""
    out: list[str] = []
    skip = False
    for at, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word in ("-o", "--output") or (
            word.startswith("--o")
            and "--output".startswith(word.split("=", 1)[0])
            and len(word.split("=", 1)[0]) > 2
        ):
            value = (
                word.split("=", 1)[1]
                if "=" in word
                else (words[at + 1] if at + 1 < len(words) else "")
            )
            skip = "=" not in word
            if value != "-":
                raise Refused("export over SSH writes to your terminal only (-o -)")
            continue
        if word.startswith("-o") and word != "-o":
            if word[2:] != "-":
                raise Refused("export over SSH writes to your terminal only (-o -)")
            continue
        out.append(word)
    return [*out, "-o", "-"]


def parse(command: str) -> list[str]:
    """The argument list to run for ``command``, or raise ``Refused``."""
    if len(command) > MAX_COMMAND:
        raise Refused("command line too long")
    if any(ord(ch) < 32 and ch not in "\t" for ch in command):
        raise Refused("control characters in the command line")
    try:
        words = shlex.split(command, comments=False, posix=True)
    except ValueError as exc:
        raise Refused(f"cannot parse the command line ({exc})") from None
    if words and words[0] == "orderview":
        words = words[1:]
    if not words:
        raise Refused("no command (for the app, connect with a terminal: ssh -t)")
    name = words[0]
    if name not in ALLOWED:
        raise Refused(
            f"not an orderview command: {shlex.quote(name)[:40]} (commands: {', '.join(ALLOWED)})"
        )
    for word in words[1:]:
        if word == "--":
            break
        if word.startswith("--"):
            _refuse_fixed(word)
    if name == "export":
        return ["export", *_export_to_stdout(words[1:])]
    return words
