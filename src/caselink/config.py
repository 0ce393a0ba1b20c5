"""Settings read from the environment, in one place, checked before anything starts.

Every CASELINK_* variable caselink reads is listed in VARIABLES with its default and an
example; `Settings.from_env()` reads them all and raises one ConfigError naming every bad
variable, what is wrong with it and a value that would work. `caselink config check`
prints the effective configuration with secrets hidden.
"""

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///./caselink.db"
DEFAULT_LEDGER_KEY = "var/ledger/signing-key.pem"
# A web tier's connections, shared by its worker processes unless set per process.
WEB_CONNECTION_BUDGET = 40
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("debug", "info", "warning", "error")


class ConfigError(ValueError):
    """One or more CASELINK_* variables are missing or wrong; the message names each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "caselink cannot start: the configuration is not valid.\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("is not a database URL") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"uses {url.get_backend_name()!r}; caselink runs on sqlite or postgresql")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        raise ValueError("must use the psycopg driver (psycopg 3): postgresql+psycopg://...")
    if url.get_backend_name() == "postgresql" and not (url.host and url.database):
        raise ValueError("needs a host and a database name")
    return value


def _path(value: str) -> Path:
    if not value.strip():
        raise ValueError("is empty")
    return Path(value)


def _existing_file(value: str) -> Path:
    path = _path(value)
    if not path.is_file():
        raise ValueError(f"names {path}, which is not a file")
    return path


def _mail_url(value: str) -> str:
    if value.startswith("dir:"):
        if not value[4:].strip():
            raise ValueError("dir: needs a directory")
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtp+starttls") or not parts.hostname:
        raise ValueError("must be smtp://host:port, smtp+starttls://user:pass@host:587 or dir:PATH")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError("has a port that is not a number") from None
    return value


def _address(value: str) -> str:
    _, address = parseaddr(value)
    if "@" not in address:
        raise ValueError("is not a mail address")
    return value


def _proxies(value: str) -> tuple[str, ...]:
    """Addresses or networks of the reverse proxies in front of caselink, comma-separated."""
    proxies = tuple(part.strip() for part in value.split(",") if part.strip())
    for proxy in proxies:
        if proxy == "*":
            raise ValueError("cannot be *: any client could then choose its own address")
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ValueError(f"has {proxy!r}, which is not an IP address or network") from None
    return proxies


def _boolean(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ValueError("must be true or false")
    return value.lower() == "true"


def _count(low: int, high: int) -> Callable[[str], int]:
    def check(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError("is not a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return check


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("is not a number of seconds") from None
    if not 0 < number <= 600:
        raise ValueError("must be more than 0 and at most 600 seconds")
    return number


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value.lower() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value.lower()

    return check


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None  # None: unset means "not used" or "worked out" (see meaning)
    example: str
    meaning: str
    parse: Callable[[str], object]
    secret: bool = False  # shown with its password hidden


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "CASELINK_DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "postgresql+psycopg://caselink:secret@db.internal:5432/caselink",
        "the database (SQLite file, or PostgreSQL in production)",
        _database_url,
        secret=True,
    ),
    Variable(
        "CASELINK_DB_POOL_SIZE",
        None,
        "10",
        f"connections each web process keeps open (default: {WEB_CONNECTION_BUDGET // 2} "
        "shared out among `serve --workers`, at least 2 each)",
        _count(1, 500),
    ),
    Variable(
        "CASELINK_DB_MAX_OVERFLOW",
        None,
        "10",
        "extra connections a process may open under load (default: as the pool size)",
        _count(0, 500),
    ),
    Variable(
        "WEB_CONCURRENCY",
        "1",
        "4",
        "web processes sharing the connection budget (`caselink serve --workers N` sets it)",
        _count(1, 64),
    ),
    Variable(
        "CASELINK_DB_POOL_TIMEOUT",
        "30",
        "30",
        "seconds a request waits for a free connection before failing",
        _seconds,
    ),
    Variable(
        "CASELINK_LEDGER_KEY",
        DEFAULT_LEDGER_KEY,
        "/etc/caselink/ledger/signing-key.pem",
        "Ed25519 key that signs ledger checkpoints (its .pub.pem beside it)",
        _path,
    ),
    Variable(
        "CASELINK_KEPT_CHECKPOINTS",
        None,
        "/mnt/elsewhere/caselink-checkpoints.jsonl",
        "checkpoints kept outside the database; restore and verify check the ledger against them",
        _path,
    ),
    Variable(
        "CASELINK_FIELD_KEYS",
        "var/keys/field-keys.json",
        "/etc/caselink/field-keys.json",
        "keys that encrypt special-category fields at rest",
        _path,
    ),
    Variable(
        "CASELINK_MAIL_URL",
        "dir:var/outbox",
        "smtp+starttls://caselink:secret@smtp.internal:587",
        "where the worker sends mail",
        _mail_url,
        secret=True,
    ),
    Variable(
        "CASELINK_MAIL_FROM",
        "caselink <no-reply@caselink.example>",
        "caselink <no-reply@caselink.police.example>",
        "the From address of every message",
        _address,
    ),
    Variable(
        "CASELINK_DUTY_RULES",
        None,
        "/etc/caselink/duty-rules.json",
        "deadlines and escalation steps (default: the rules shipped with caselink)",
        _existing_file,
    ),
    Variable(
        "CASELINK_COOKIE_SECURE",
        "true",
        "true",
        "session cookies only over HTTPS (false only for a plain-http test host)",
        _boolean,
    ),
    Variable(
        "CASELINK_TRUSTED_PROXIES",
        None,
        "10.0.4.10,10.0.4.11",
        "reverse proxies whose X-Forwarded-For is believed (default: none, not even "
        "loopback); the sign-in throttle counts failures by the client address",
        _proxies,
    ),
    Variable(
        "CASELINK_LOG_FORMAT",
        "text",
        "json",
        "log lines on stderr: json (one object a line, for production) or text",
        _one_of(LOG_FORMATS),
    ),
    Variable(
        "CASELINK_LOG_LEVEL",
        "info",
        "info",
        "the least important log level written",
        _one_of(LOG_LEVELS),
    ),
)
BY_NAME = {v.name: v for v in VARIABLES}


@dataclass(frozen=True)
class Pool:
    """A process's PostgreSQL connection pool (SQLite does not pool)."""

    size: int
    overflow: int
    timeout: float


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Ed25519 key that signs ledger checkpoints; its public half (`*.pub.pem`) verifies them.
    ledger_key: Path
    pool_size: int | None = None  # None: shared out of WEB_CONNECTION_BUDGET (see pool)
    pool_overflow: int | None = None
    pool_timeout: float = 30.0
    web_processes: int = 1
    kept_checkpoints: Path | None = None
    log_format: str = "text"
    log_level: str = "info"
    # Reverse proxies whose X-Forwarded-For names the client; nobody else's is believed.
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        values = read(os.environ if environ is None else environ)
        return cls(
            database_url=str(values["CASELINK_DATABASE_URL"]),
            ledger_key=Path(str(values["CASELINK_LEDGER_KEY"])),
            pool_size=_optional_int(values["CASELINK_DB_POOL_SIZE"]),
            pool_overflow=_optional_int(values["CASELINK_DB_MAX_OVERFLOW"]),
            pool_timeout=float(str(values["CASELINK_DB_POOL_TIMEOUT"])),
            web_processes=int(str(values["WEB_CONCURRENCY"])),
            kept_checkpoints=_optional_path(values["CASELINK_KEPT_CHECKPOINTS"]),
            log_format=str(values["CASELINK_LOG_FORMAT"]),
            log_level=str(values["CASELINK_LOG_LEVEL"]),
            trusted_proxies=_optional_proxies(values["CASELINK_TRUSTED_PROXIES"]),
        )

    def pool(self, processes: int | None = None) -> Pool:
        """The pool for one of `processes` web processes (default: WEB_CONCURRENCY): what
        the operator set, or an even share of the budget so N processes together stay
        within PostgreSQL's max_connections."""
        processes = processes or self.web_processes
        share = max(2, WEB_CONNECTION_BUDGET // 2 // processes)
        size = self.pool_size if self.pool_size is not None else share
        overflow = self.pool_overflow if self.pool_overflow is not None else size
        return Pool(size, overflow, self.pool_timeout)


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _optional_proxies(value: object) -> tuple[str, ...]:
    return () if value is None else tuple(str(p) for p in value)  # type: ignore[attr-defined]


def _optional_path(value: object) -> Path | None:
    return None if value is None else Path(str(value))


def read(environ: Mapping[str, str]) -> dict[str, object]:
    """Every variable's parsed value (its default when unset); ConfigError lists all faults."""
    values: dict[str, object] = {}
    problems = []
    for variable in VARIABLES:
        raw = environ.get(variable.name)
        if raw is None:
            values[variable.name] = (
                None if variable.default is None else variable.parse(variable.default)
            )
            continue
        try:
            values[variable.name] = variable.parse(raw)
        except ValueError as error:
            shown = shown_value(variable, raw)
            problems.append(
                f"{variable.name}={shown!r} {error} (for example "
                f"{variable.name}={variable.example})"
            )
    if problems:
        raise ConfigError(problems)
    return values


def shown_value(variable: Variable, raw: str) -> str:
    """The value with any password replaced by ***."""
    if not variable.secret:
        return raw
    parts = urlsplit(raw)
    if not parts.password:
        return raw
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


@dataclass(frozen=True)
class Effective:
    name: str
    value: str  # secrets hidden
    source: str  # "environment" or "default"
    meaning: str


def effective(environ: Mapping[str, str] | None = None) -> list[Effective]:
    """What each variable is set to, and where that came from (after checking them all)."""
    environ = os.environ if environ is None else environ
    read(environ)
    rows = []
    for variable in VARIABLES:
        raw = environ.get(variable.name)
        if raw is None:
            shown = "(not set)" if variable.default is None else variable.default
            rows.append(Effective(variable.name, shown, "default", variable.meaning))
        else:
            rows.append(
                Effective(
                    variable.name, shown_value(variable, raw), "environment", variable.meaning
                )
            )
    return rows


def unknown(environ: Mapping[str, str] | None = None) -> list[str]:
    """CASELINK_* variables caselink does not read: often a misspelt name."""
    environ = os.environ if environ is None else environ
    return sorted(
        name
        for name in environ
        if name.startswith("CASELINK_")
        and name not in BY_NAME
        and not name.startswith("CASELINK_TEST")
    )
