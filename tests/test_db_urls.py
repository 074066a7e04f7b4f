"""Database URLs: libpq's parameters work as operators write them, and no secret in a URL ever
reaches a message (issue 16, sections 4 and 7).

Every error path that can quote a URL is driven with a URL carrying a secret in each place a
URL can hold one: the user-info password, ``?password=``, ``sslpassword=`` and ``sslkey=``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from orderview.cli import exit_codes, main
from orderview.cli.context import CLIError
from orderview.db import faults
from orderview.db.engine import DatabaseURLError, open_database
from orderview.redact import mask_secrets
from orderview.settings import SettingsSourceError

SECRETS = ("S3CRET-U", "S3CRET-Q", "S3CRET-S", "S3CRET-K")


def with_secrets(base: str, path: str = "/test", port: int | str = 5432, extra: str = "") -> str:
    """``base`` like ``postgresql://postgres`` with every kind of secret added."""
    return (
        f"{base}:S3CRET-U@127.0.0.1:{port}{path}?password=S3CRET-Q&sslpassword=S3CRET-S"
        f"&sslkey=/keys/S3CRET-K.key{extra}"
    )


def assert_masked(line: str) -> None:
    assert not any(secret in line for secret in SECRETS), line
    assert "***" in line or "127.0.0.1" not in line, line  # a line quoting the URL masks it


@pytest.mark.parametrize(
    "message",
    [
        "cannot use database postgresql+asyncpg://postgres:pw-1@h:5432/x?password=pw-2: gone",
        "malformed database URL: 'postgres://u:p@ss/w@h/db?sslpassword=pw-3&sslkey=/k/pw-4.key'",
        "host=h password=pw-5 dbname=x",
        "database postgresql://u@h/db?sslmode=require&PASSWORD=pw-6&api_token=pw-7 refused",
    ],
)
def test_every_secret_in_every_url_is_masked(message: str) -> None:
    masked = mask_secrets(message)
    assert "pw-" not in masked and "***" in masked
    assert mask_secrets(masked) == masked


def test_lines_without_secrets_are_untouched() -> None:
    for line in (
        "no orders match a=b",
        "mail to ada@example.com",
        "https://portal.example.com/x",
        "database postgresql://postgres@h/test?sslmode=require: refused",
    ):
        assert mask_secrets(line) == line


def _cli(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main(["search", "x", "--db", url, *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out + err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # refused before connecting: an unknown parameter, a bad sslmode, a bad connect_timeout
        (
            with_secrets("postgresql://postgres", extra="&foo=1"),
            "unsupported database URL parameter",
        ),
        (with_secrets("postgresql://postgres", extra="&sslmode=sometimes"), "sslmode 'sometimes'"),
        (with_secrets("postgresql://postgres", extra="&connect_timeout=soon"), "connect_timeout"),
        # a URL SQLAlchemy cannot parse
        (with_secrets("postgresql://postgres", port="notaport"), "malformed database URL"),
        (with_secrets("post gres://postgres"), "malformed database URL"),  # quoted whole
        # connecting: no server there; SSL required from a server without it
        (with_secrets("postgresql://postgres", port=1), "cannot be reached"),
        (
            with_secrets("postgresql://postgres", extra="&sslmode=require"),
            "the database server does not support SSL",
        ),
        # the server answers: the database does not exist (the driver's own line)
        (
            with_secrets("postgresql://postgres", path="/no_such_db_here").replace(
                "&sslkey=/keys/S3CRET-K.key", "&application_name=orderview&sslmode=disable"
            ),
            "password authentication failed|does not exist",
        ),
    ],
)
def test_secrets_never_reach_a_cli_error(capsys, url: str, expected: str) -> None:
    code, output = _cli(capsys, url)
    assert code in (exit_codes.USAGE, exit_codes.DB_UNAVAILABLE)
    assert len(output.strip().splitlines()) == 1, output
    assert_masked(output)
    assert re.search(expected, output), output


def test_secrets_in_argparse_errors_are_masked(capsys) -> None:
    with pytest.raises(SystemExit):
        main([with_secrets("postgresql://postgres")])  # the URL typed where the command goes
    assert_masked(capsys.readouterr().err)


def test_secrets_in_every_error_type_are_masked() -> None:
    url = with_secrets("postgresql://postgres")
    assert "127.0.0.1" in url
    assert_masked(str(CLIError(f"cannot use database {url}: gone")))
    assert_masked(str(SettingsSourceError(f"invalid setting db: {url}")))
    # a driver error quoting the URL, as the app's notification and dialogs show it
    driver = OperationalError("SELECT 1", {}, Exception(f"server at {url} refused"))
    assert_masked(faults.describe(driver) or "")
    db = open_database(url.replace("&sslkey=/keys/S3CRET-K.key", ""))
    assert_masked(db.display)


def test_sslmode_disable_works_and_libpq_parameters_are_applied(pg_url: str, capsys) -> None:
    url = pg_url.replace("postgresql+asyncpg", "postgresql")
    code, output = _cli(
        capsys, f"{url}?sslmode=disable&connect_timeout=7&application_name=orderview-test"
    )
    assert code == 0 and output.startswith("no orders match"), output

    async def settings() -> tuple[str, str]:
        db = open_database(f"{url}?sslmode=disable&application_name=orderview-test")
        try:
            async with db.engine.connect() as conn:
                name = (await conn.execute(text("SHOW application_name"))).scalar_one()
                lock = (await conn.execute(text("SHOW lock_timeout"))).scalar_one()
                return name, lock
        finally:
            await db.dispose()

    import asyncio

    assert asyncio.run(settings()) == ("orderview-test", "5s")


def test_dbname_parameter_names_the_database(pg_url: str, capsys) -> None:
    base, name = pg_url.replace("postgresql+asyncpg", "postgresql").rsplit("/", 1)
    code, output = _cli(capsys, f"{base}/?dbname={name}")
    assert code == 0 and output.startswith("no orders match"), output


def test_sslmode_require_against_a_server_without_ssl_is_one_line(pg_url: str) -> None:
    """The local server has no SSL (``psql "sslmode=require …"``: "server does not support
    SSL"); asked for it, the command says so in one line and exits 1. It was a TypeError
    traceback from the driver."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    url = pg_url.replace("postgresql+asyncpg", "postgresql") + "?sslmode=require"
    done = subprocess.run(
        [sys.executable, "-m", "orderview", "search", "x", "--db", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == exit_codes.DB_UNAVAILABLE and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "the database server does not support SSL, but the URL's sslmode requires it" in (
        done.stderr
    )


def test_verify_ca_without_a_root_certificate_is_one_line(
    pg_url: str, capsys, tmp_path: Path
) -> None:
    url = pg_url.replace("postgresql+asyncpg", "postgresql")
    code, output = _cli(capsys, f"{url}?sslmode=verify-ca&sslrootcert={tmp_path}/none.crt")
    assert code == exit_codes.DB_UNAVAILABLE and len(output.strip().splitlines()) == 1
    assert "SSL settings cannot be used" in output or "cannot be read" in output, output


def test_url_errors_name_the_parameter() -> None:
    with pytest.raises(DatabaseURLError, match="given twice"):
        open_database("postgresql://h/db?sslmode=require&sslmode=disable")
    with pytest.raises(DatabaseURLError, match="two databases"):
        open_database("postgresql://h/db?dbname=other")
