"""Structured logs on stderr: one JSON object a line in production, plain text otherwise.

A request line carries the request id (echoed in `X-Request-ID`), method, the route's path
template (`/reports/{reference}`, never the filled-in path), status, duration and the user's
numeric id. Nothing else: no names, no report content, no query strings, and for a failure
only the exception's type and where it was raised (messages can quote stored values).
"""

import json
import logging
import os
import re
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# Fields a log line may carry besides time, level and event: an allow-list, so a stray
# `extra=` can never put personal data into the logs.
FIELDS = (
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "user_id",
    "escalated",
    "mailed",
    "mail_failed",
    "checkpointed",
    "workers",
    "revision",
)
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Polled every few seconds by load balancers: kept out of the info-level log.
QUIET_PATHS = ("/health", "/health/live", "/health/ready")
request_log = logging.getLogger("caselink.request")


def _failure(record: logging.LogRecord) -> str | None:
    if not record.exc_info or record.exc_info[1] is None:
        return None
    error = record.exc_info[1]
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
        }
        for name in FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        failure = _failure(record)
        if failure:
            line["error"] = failure
        return json.dumps(line, separators=(",", ":"), default=str)


class Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        fields = " ".join(f"{n}={record.__dict__[n]}" for n in FIELDS if n in record.__dict__)
        failure = _failure(record)
        tail = f" error={failure}" if failure else ""
        return f"{moment} {record.levelname:<7} {record.getMessage()} {fields}{tail}".rstrip()


def configure(log_format: str = "text", level: str = "info") -> None:
    """Send every log record to stderr in the chosen format (replacing earlier handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else Text())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own access log would repeat each request without the request id.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl ..." per check


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's request id if it is a sensible token, else a new one."""
    for name, value in headers:
        if name.lower() == REQUEST_ID_HEADER.lower().encode():
            given = value.decode("latin-1")
            if _GOOD_ID.fullmatch(given):
                return given
    return os.urandom(16).hex()  # as random as uuid4's, at a tenth of its cost


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/reports/{reference}`), never the filled-in path."""
    path = getattr(scope.get("route"), "path", None)
    if path is not None:
        return str(path)
    if scope.get("root_path"):  # inside a mount (static files): its prefix only
        return f"{scope['root_path']}/..."
    return "unmatched"


class RequestLog:
    """ASGI middleware: a request id for every request, and one log line when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", []))
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            _log(scope, request_id, 500, started, failed=True)
            raise
        _log(scope, request_id, status, started)


def _log(scope: Scope, request_id: str, status: int, started: float, failed: bool = False) -> None:
    fields = {
        "request_id": request_id,
        "method": scope.get("method"),
        "path": route_template(scope),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": scope.get("state", {}).get("user_id"),
    }
    if failed:
        request_log.error("request failed", exc_info=True, extra=fields)
    elif status >= 500:
        request_log.error("request", extra=fields)
    elif scope.get("path") in QUIET_PATHS:
        request_log.debug("request", extra=fields)
    else:
        request_log.info("request", extra=fields)
