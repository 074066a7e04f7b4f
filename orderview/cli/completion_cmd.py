"""`orderview completion bash|zsh|fish`: a shell completion script, generated from the parser.

shtab writes it from the same argparse parser the commands use, so a new command or option is
completed as soon as it exists. Install: see the README ("Shell completion").
"""

from __future__ import annotations

import argparse

from orderview.cli.marks import mark

SHELLS = ("bash", "zsh", "fish")


def register(
    parser: argparse.ArgumentParser,
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    cmd = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print the completion script for SHELL on stdout, e.g. "
        "`orderview completion bash > ~/.local/share/bash-completion/completions/"
        "orderview`.",
    )
    cmd.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    cmd.set_defaults(handler=completion_cmd)


def script(shell: str) -> str:
    """The completion script for ``shell``, from the full parser (every command)."""
    import shtab

    from orderview.cli import build_parser

    return shtab.complete(build_parser(), shell=shell)


async def completion_cmd(args: argparse.Namespace, _ctx: None) -> int:
    print(script(args.shell))
    return 0


mark(completion_cmd, needs_context=False)
