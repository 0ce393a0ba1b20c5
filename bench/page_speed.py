"""Server time of every page the journeys visit, at demo scale (issue 10: p95 under 300 ms).

    .venv/bin/python bench/page_speed.py [--repeat 30] [--records 20000] [--cases 3000]
                                         [--rebuild] [--limit-ms 300]

1. Builds a demo-scale SQLite database with the same steps as `make demo` (synth, load,
   link --store, review synth and import, demo-accounts, network detect, the survivor and
   oversight demo steps, the child protection teams, a statistics publication), run through the
   `caselink` CLI, and caches it under var/bench/page-speed/ so later runs start at once
   (--rebuild starts again). The measured runs work on a copy, so the cache stays as built.
2. Signs in every demo account (password, then the security code), finds every HTML page
   from the app's own routes, fills each path's parameters from the database (a case the
   officer may see, the top review case, a network alert...) and picks the first demo
   account the page answers 200 for, starting with the role the page is for.
3. Requests every page --repeat times, round-robin (so noise spreads evenly), in-process:
   the server time is measured around the whole ASGI call (routing, dependencies, the
   query, rendering and the commit of the read's ledger entry). Prints per-page p50 and p95,
   the ratio of each p50 to the trivial baseline `/health` measured in the same run, and the
   pages over --limit-ms at p95. Pages it found but could not fill are listed, not hidden.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench" / "page-speed"
BIN = Path(sys.executable).parent
BASE = "https://testserver"
BASELINE = "/health"
# Pages that are not journeys' pages: machine endpoints, sign-in steps, one-off links.
SKIPPED = re.compile(
    r"^/(openapi\.json|health/|sign-in/code|signed-out|enrol/|reports/id/)|\.json$|\.csv$|\.svg$"
)
# Which demo account to try first for a page, by path prefix (the first that matches a whole
# path segment wins); the others are tried after.
FIRST_CHOICE = (
    ("/report", "teacher"),
    ("/reports/mine", "teacher"),
    ("/reports/{reference}/receipt", "teacher"),
    ("/reports", "officer"),
    ("/cases", "officer"),
    ("/records", "officer"),
    ("/people", "officer"),
    ("/alerts", "officer"),
    ("/network", "analyst"),
    ("/linkage", "analyst"),
    ("/review", "reviewer"),
    ("/oversight", "inspector"),
    ("/statistics", "inspector"),
    ("/my-case", "survivor"),
    ("/right-to-review", "survivor"),
    ("/victim-updates", "survivor"),
    ("/admin", "admin"),
)
ACCOUNTS = (
    "officer",
    "teacher",
    "analyst",
    "reviewer",
    "inspector",
    "survivor",
    "admin",
    "social-worker",
    "supervisor",
)


def environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CASELINK_DATABASE_URL": f"sqlite:///{folder / 'caselink.db'}",
        "CASELINK_FIELD_KEYS": str(CACHE / "keys" / "field-keys.json"),
        "CASELINK_LEDGER_KEY": str(CACHE / "keys" / "ledger" / "signing-key.pem"),
        "CASELINK_MAIL_URL": f"dir:{CACHE / 'outbox'}",
        "CASELINK_LOG_LEVEL": "warning",  # no line per request on the terminal
    }


def build(records: int, cases: int, rebuild: bool) -> Path:
    """The demo-scale database, built once by the CLI (as `make demo` does) and cached."""
    built = CACHE / "built.json"
    wanted = {"records": records, "cases": cases}
    if not rebuild and built.is_file() and json.loads(built.read_text()) == wanted:
        return CACHE / "caselink.db"
    shutil.rmtree(CACHE, ignore_errors=True)
    CACHE.mkdir(parents=True)
    data = CACHE / "data"
    env = environment(CACHE)
    closed = data / "closed-cases.csv"
    steps = [
        ["db", "upgrade"],
        ["synth", "--records", str(records), "--out", str(data), "--seed", "1"],
        ["load", str(data)],
        ["link", "--store"],
        ["review", "synth", "--cases", str(cases), "--out", str(closed), "--seed", "1"],
        ["review", "import", str(closed)],
        ["demo-accounts"],
        ["network", "detect"],
        ["survivors", "demo"],
        ["oversight", "demo-activity"],
        ["teams", "demo"],
        ["statistics", "publish", "--out", str(CACHE / "statistics.csv")],
    ]
    for step in steps:
        started = time.perf_counter()
        print(f"building: caselink {' '.join(step)}", flush=True)
        subprocess.run(
            [str(BIN / "caselink"), *step],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    with _engine(CACHE / "caselink.db") as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    built.write_text(json.dumps(wanted))
    return CACHE / "caselink.db"


class _engine:
    def __init__(self, path: Path) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(f"sqlite:///{path}")

    def __enter__(self) -> Any:
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *_: object) -> None:
        self.connection.close()
        self.engine.dispose()


class Timed:
    """An ASGI wrapper that times each whole HTTP call: what the server spends on a request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                self.last = time.perf_counter() - started


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    if found is None:
        raise SystemExit("no CSRF token on the sign-in page")
    return found.group(1)


def sign_in(client: Any, username: str, secret: str) -> None:
    import pyotp

    from caselink.access.demo_accounts import DEMO_PASSWORD

    page = client.get("/sign-in")
    done = client.post(
        "/sign-in",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    if done.status_code != 303:
        raise SystemExit(f"{username}: password refused ({done.status_code})")
    # A code cannot be used twice: a re-run within 30 s takes the next step's code.
    for step in (0, 1):
        code_page = client.get("/sign-in/code")
        code = pyotp.TOTP(secret).at(time.time() + 30 * step)
        finished = client.post(
            "/sign-in/code", data={"code": code, "csrf_token": csrf_from(code_page.text)}
        )
        if finished.status_code == 303:
            return
    raise SystemExit(f"{username}: security code refused")


def page_routes(app: Any) -> dict[str, re.Pattern[str]]:
    """Every GET page the app serves (HTML, not the API), from its own routes: path pattern
    -> the regular expression that matches its URLs."""
    from starlette.routing import compile_path

    def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's included router
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "methods"):
                yield prefix + route.path, route

    found = {}
    for path, route in walk(list(app.routes)):
        if "GET" not in (route.methods or ()) or path.startswith("/api/"):
            continue
        if getattr(route, "include_in_schema", True) or SKIPPED.search(path):
            continue
        found[path] = compile_path(path)[0]
    return found


def pattern_of(url: str, routes: dict[str, re.Pattern[str]]) -> str | None:
    # Literal paths first (/review/progress), then parametrised ones (/review/cases/{ref}).
    for pattern in sorted(routes, key=lambda p: ("{" in p, -len(p))):
        if routes[pattern].match(url):
            return pattern
    return None


def crawl(client: Any, routes: dict[str, re.Pattern[str]], limit: int = 80) -> dict[str, str]:
    """The pages one signed-in user reaches by following links from their home page: one
    URL for each route pattern, with parameters this user may see."""
    reached: dict[str, str] = {}
    queue = ["/home"]
    fetched = 0
    while queue and fetched < limit:
        url = queue.pop(0)
        pattern = pattern_of(url, routes)
        if pattern is None or pattern in reached:
            continue
        answer = client.get(url)
        fetched += 1
        if answer.status_code != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        reached[pattern] = url
        for href in re.findall(r'href="(/[^"#?]*)', answer.text):
            if not href.startswith(("/static/", "/assets/")) and href not in queue:
                queue.append(href)
    return reached


def samples(session: Any) -> dict[str, str]:
    """Values for the pages no link leads to in the demo data, from the database."""
    from sqlalchemy import select

    from caselink.access.accounts import find_user
    from caselink.store import models as m

    officer = find_user(session, "officer")
    force = session.scalar(
        select(m.Agency.area_id).where(m.Agency.id == (officer.agency_id if officer else None))
    )
    found = {
        "other_case": session.scalar(
            select(m.Case.reference).where(m.Case.force_area_id != force).order_by(m.Case.id)
        ),
        "import": session.scalar(
            select(m.Import.id).where(m.Import.kind == "review_cases").order_by(m.Import.id)
        ),
        "case_id": session.scalar(
            select(m.Case.id).where(m.Case.force_area_id == force).order_by(m.Case.id)
        ),
    }
    return {k: str(v) for k, v in found.items() if v is not None}


# Which sample fills a page's parameter: (path pattern, parameter) -> sample name.
FILLS: dict[tuple[str, str], str] = {
    ("/cases/{reference:path}/break-glass", "reference"): "other_case",
    ("/review/imports/{import_id}", "import_id"): "import",
}


def with_queries(pages: list[tuple[str, str]], values: dict[str, str]) -> list[tuple[str, str]]:
    """Pages the journeys open with a query or a script: a case's ledger history, a user's
    access history, and the data the network view draws."""
    extra = [("/oversight/history?actor=officer", "inspector")]
    if "case_id" in values:
        case = values["case_id"]
        extra.append((f"/oversight/history?object_type=case&object_id={case}", "inspector"))
    for path, user in pages:
        if re.fullmatch(r"/network/networks/\d+", path):
            extra.append((f"{path}/graph.json", user))
    return extra


def fill(path: str, values: dict[str, str]) -> str | None:
    """The path with its parameters filled, or None if the bench has no value for one."""
    filled = path
    for name in re.findall(r"\{([^}:]+)(?::[^}]*)?\}", path):
        value = values.get(FILLS.get((path, name), ""))
        if value is None:
            return None
        filled = re.sub(r"\{" + name + r"(:[^}]*)?\}", value, filled)
    return filled


def first_choice(path: str) -> list[str]:
    chosen = next(
        (u for prefix, u in FIRST_CHOICE if path == prefix or path.startswith(prefix + "/")),
        "officer",
    )
    return [chosen, *[a for a in ACCOUNTS if a != chosen]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--limit-ms", type=float, default=300.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()

    cached = build(args.records, args.cases, args.rebuild)
    if args.build_only:
        return
    run = CACHE / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    shutil.copy(cached, run / "caselink.db")
    os.environ.update(environment(run))
    # The cache may predate a newer migration: bring the copy to the code's schema.
    subprocess.run(
        [str(BIN / "caselink"), "db", "upgrade"],
        env=os.environ,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )

    from starlette.testclient import TestClient

    from caselink.access.accounts import find_user
    from caselink.store.db import Database
    from caselink.web.app import create_app

    db = Database(os.environ["CASELINK_DATABASE_URL"])
    app = create_app(db)
    timed = Timed(app)
    with db.transaction() as session:
        secrets = {name: find_user(session, name).totp_secret for name in ACCOUNTS}  # type: ignore[union-attr]
        values = samples(session)
    clients: dict[str, Any] = {}
    for name in ACCOUNTS:
        client = TestClient(timed, base_url=BASE, follow_redirects=False)
        sign_in(client, name, str(secrets[name]))
        clients[name] = client
    anonymous = TestClient(timed, base_url=BASE, follow_redirects=False)

    routes = page_routes(app)
    reached = {name: crawl(client, routes) for name, client in clients.items()}
    clients["anonymous"] = anonymous  # public pages: tried after every account
    pages: list[tuple[str, str, Any]] = [(BASELINE, "anonymous", anonymous)]
    unfilled: list[str] = []
    refused: list[str] = []
    for pattern in routes:
        if pattern in ("/", "/sign-in"):
            pages.append((pattern, "anonymous", anonymous))
            continue
        users = first_choice(pattern)
        by = next((u for u in users if pattern in reached[u]), None)
        if by is not None:
            pages.append((reached[by][pattern], by, clients[by]))
            continue
        path = fill(pattern, values)
        if path is None:
            unfilled.append(pattern)
            continue
        answers = {}
        for user in [*users, "anonymous"]:
            answers[user] = clients[user].get(path).status_code
            if answers[user] == 200:
                break
        by = next((u for u, status in answers.items() if status == 200), None)
        if by is None:
            refused.append(f"{path} ({', '.join(sorted({str(s) for s in answers.values()}))})")
        else:
            pages.append((path, by, clients[by]))
    for path, by in with_queries([(p, u) for p, u, _ in pages], values):
        pages.append((path, by, clients[by]))

    times: dict[str, list[float]] = {path: [] for path, _, _ in pages}
    started = time.perf_counter()
    for _ in range(args.repeat):
        for path, _user, client in pages:
            answer = client.get(path)
            if answer.status_code != 200:
                raise SystemExit(f"{path}: {answer.status_code} during the run")
            times[path].append(timed.last * 1000)
    elapsed = time.perf_counter() - started

    base_p50 = statistics.median(times[BASELINE])
    print(
        f"\nServer time per page at demo scale ({args.records:,} records, {args.cases:,} "
        f"closed cases), {args.repeat} requests each, in-process, SQLite; {elapsed:.0f} s"
    )
    print(f"{'page':<52} {'as':<10} {'p50 ms':>8} {'p95 ms':>8} {'p50/base':>9}")
    slow = []
    for path, user, _ in pages:
        p50, p95 = statistics.median(times[path]), percentile(times[path], 0.95)
        print(f"{path[:52]:<52} {user:<10} {p50:8.1f} {p95:8.1f} {p50 / base_p50:8.1f}x")
        if p95 > args.limit_ms:
            slow.append(path)
    worst = max(pages[1:], key=lambda p: percentile(times[p[0]], 0.95), default=None)
    if worst:
        print(f"\nslowest page at p95: {worst[0]} {percentile(times[worst[0]], 0.95):.1f} ms")
    print(f"pages over {args.limit_ms:.0f} ms at p95: {', '.join(slow) or 'none'}")
    if unfilled:
        print(f"found but not measured (no sample value in the demo data): {', '.join(unfilled)}")
    if refused:
        print(f"found but not 200 for any account or anonymously: {', '.join(refused)}")
    for client in clients.values():
        client.close()
    db.dispose()


if __name__ == "__main__":
    main()
