"""Settings from ORDERVIEW_* variables and an optional TOML file (pydantic-settings).

Precedence, highest first: explicit overrides (command-line flags), environment variables,
the TOML file (``--config PATH`` or ``<user config dir>/config.toml``), defaults.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from orderview.identity import operator_problem
from orderview.paths import APP_NAME, default_config_path, default_db_path
from orderview.permissions import DEFAULT_PERMISSIONS, PERMISSION_CODES
from orderview.redact import mask_secrets
from orderview.safetext import unsafe_problem

__all__ = [
    "APP_NAME",
    "Settings",
    "SettingsSourceError",
    "default_config_path",
    "default_db_path",
    "load_settings",
]


class Settings(BaseSettings):
    """Everything an operator or a support desk can configure."""

    model_config = SettingsConfigDict(env_prefix="ORDERVIEW_", extra="ignore")

    db: str = Field(default_factory=lambda: str(default_db_path()))
    db_pool: int = Field(5, ge=1, le=100)  # PostgreSQL connections kept per process
    plan: Literal["standard", "enterprise"] = "standard"
    operator: str | None = None
    # The local operator's role (orderview.roles); under ``orderview serve`` the operators
    # file decides it instead, and nothing a client sends can change it.
    role: Literal["viewer", "operator", "admin"] = "admin"

    # Mail (license manager invites).
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(20.0, gt=0, le=600, allow_inf_nan=False)
    mail_from: str = "orderview@localhost"
    portal_url: str = "https://portal.example.com"
    # An invite not delivered this long after it could first be sent expires (docs/managers.md).
    invite_expiry_hours: float = Field(24.0, gt=0, le=24 * 365, allow_inf_nan=False)
    default_manager_permissions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PERMISSIONS)
    )

    # Terminal.
    colors: Literal["auto", "16", "256", "truecolor"] = "auto"
    mouse: bool = True
    animations: bool = False
    # Send the terminal only the cells that changed (orderview.terminal); off = Textual's output.
    minimal_output: bool = True
    # Textual theme name; the app writes it here when the operator picks one in the palette.
    theme: str | None = Field(None, max_length=100)
    # Plain ASCII drawing (no box-drawing or block glyphs); None: when the locale is not UTF-8.
    ascii: bool | None = None

    # ``orderview serve`` (docs/serving.md).
    serve_listen: str = "127.0.0.1:2222"
    serve_operators: str | None = None  # the operators file; default: in the config directory
    serve_host_key: str | None = None  # default: in the user data directory, made on first start
    serve_max_sessions: int = Field(50, ge=1, le=10_000)
    serve_max_sessions_per_operator: int = Field(5, ge=1, le=1_000)
    serve_login_grace: float = Field(30.0, gt=0, le=600, allow_inf_nan=False)
    serve_idle_timeout: float = Field(1800.0, ge=0, le=7 * 86400, allow_inf_nan=False)  # 0: never
    serve_auth_failures: int = Field(10, ge=1, le=10_000)  # per client address per minute
    serve_ban_seconds: float = Field(300.0, ge=0, le=86400, allow_inf_nan=False)
    serve_db_pool: int = Field(2, ge=1, le=100)  # database connections per session
    serve_shutdown_grace: float = Field(5.0, ge=0, le=120, allow_inf_nan=False)

    @field_validator("smtp_host", "smtp_username", "mail_from", "portal_url", "theme")
    @classmethod
    def _plain_text(cls, value: str | None) -> str | None:
        """These go into SMTP commands, mail headers and mail bodies: no controls (a CR LF in
        mail_from was a header injection and stopped every delivery), no undecodable bytes."""
        if value is None:
            return None
        problem = unsafe_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("smtp_host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value and any(ch.isspace() for ch in value):
            raise ValueError("a host name has no spaces")
        return value or None

    @field_validator("mail_from")
    @classmethod
    def _sender(cls, value: str) -> str:
        _, address = parseaddr(value)
        local, _, domain = address.rpartition("@")
        if not local or not domain or any(ch.isspace() for ch in address):
            raise ValueError(
                "an email address, such as licensing@example.com or "
                "Licensing <licensing@example.com>"
            )
        return value

    @field_validator("portal_url")
    @classmethod
    def _portal(cls, value: str) -> str:
        if (
            not value.lower().startswith(("https://", "http://"))
            or any(ch.isspace() for ch in value)
            or len(value) > 500
        ):
            raise ValueError(
                "an http:// or https:// address without spaces, such as https://portal.example.com"
            )
        return value

    @field_validator("operator")
    @classmethod
    def _safe_operator(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        problem = operator_problem(value.strip())
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("default_manager_permissions")
    @classmethod
    def _known_permissions(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in PERMISSION_CODES]
        if unknown:
            raise ValueError(f"unknown permission codes: {', '.join(unknown)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = _CONFIG_PATH or default_config_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.exists():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


_CONFIG_PATH: Path | None = None


class SettingsSourceError(ValueError):
    """A config file that cannot be read or is not TOML, or an ORDERVIEW_* variable that is
    not the JSON its field needs: one line saying which and why, instead of a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(mask_secrets(message))  # a quoted value may hold a database URL


def _file_reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError):
        return (exc.strerror or type(exc).__name__).lower()
    return f"not valid TOML ({exc})"


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Build the settings; ``overrides`` with value None are ignored (flag not given)."""
    global _CONFIG_PATH
    if config is not None:
        path = Path(config).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"config file not found: {path}")
        if path.is_dir():
            raise SettingsSourceError(f"cannot read config file {path}: it is a directory")
        _CONFIG_PATH = path
    else:
        _CONFIG_PATH = None
    path = _CONFIG_PATH or default_config_path()
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError:
        raise
    except SettingsError as exc:  # pydantic-settings could not decode a variable's JSON
        found = re.search(r'field "(\w+)" from source "(\w+)"', str(exc))
        if found is None or found.group(2) != "EnvSettingsSource":
            raise SettingsSourceError(f"invalid setting: {exc}") from exc
        name = found.group(1)
        raise SettingsSourceError(
            f"invalid setting {name}: ORDERVIEW_{name.upper()} is not valid JSON "
            '(a list is written ["reset_device", "issue_license"])'
        ) from exc
    except (OSError, ValueError) as exc:  # tomllib's errors are ValueErrors
        raise SettingsSourceError(f"cannot read config file {path}: {_file_reason(exc)}") from exc
    finally:
        _CONFIG_PATH = None
