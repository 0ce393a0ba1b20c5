"""Server time of the oversight and statistics pages at demo scale (target: under 300 ms).

    .venv/bin/python bench/oversight_pages.py [--repeat 30] [--records 20000] [--cases 3000]
                                              [--database sqlite:///PATH] [--rebuild]

Builds (once, cached under var/bench/oversight/) a demo-scale SQLite database with the
`caselink` CLI — synth, load, review synth and import, demo-accounts, network detect, the
oversight demo activity and a statistics publication (`link --store` is skipped: these pages
do not read links) — or uses --database. Then signs in the demo inspector and requests each
page --repeat times round-robin, in-process, timing the whole ASGI call (routing, queries,
rendering and the ledger entry's commit). Prints p50 and p95 per page and the ratio of each
p50 to the trivial baseline /health measured in the same run.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench" / "oversight"
BIN = Path(sys.executable).parent
PAGES = (
    "/health",
    "/oversight/comparison",
    "/oversight/comparison?by=local_authority",
    "/oversight/comparison?from=2026-06-01&to=2026-11-30",
    "/oversight/comparison.csv",
    "/oversight/completeness",
    "/statistics",
    "/statistics.csv",
)


def build(records: int, cases: int, rebuild: bool) -> str:
    db = CACHE / "demo.db"
    url = f"sqlite:///{db}"
    if db.exists() and not rebuild:
        return url
    shutil.rmtree(CACHE, ignore_errors=True)
    CACHE.mkdir(parents=True)
    env = {**os.environ, "CASELINK_DATABASE_URL": url}
    data = CACHE / "data"
    steps = [
        ["db", "upgrade"],
        ["synth", "--records", str(records), "--out", str(data), "--seed", "1"],
        ["load", str(data)],
        [
            "review",
            "synth",
            "--cases",
            str(cases),
            "--out",
            str(data / "closed.csv"),
            "--seed",
            "1",
        ],
        ["review", "import", str(data / "closed.csv")],
        ["demo-accounts"],
        ["network", "detect"],
        ["oversight", "demo-activity"],
        ["statistics", "publish", "--out", str(CACHE / "statistics.csv")],
    ]
    for step in steps:
        print("caselink", *step, flush=True)
        subprocess.run([BIN / "caselink", *step], env=env, check=True, stdout=subprocess.DEVNULL)
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--database")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = args.database or build(args.records, args.cases, args.rebuild)

    from fastapi.testclient import TestClient

    from caselink.access.demo_accounts import DEMO_PASSWORD, current_code
    from caselink.store.db import Database
    from caselink.web.app import create_app

    db = Database(url)
    client = TestClient(create_app(db), base_url="https://testserver", follow_redirects=False)

    def csrf(html: str) -> str:
        marker = 'name="csrf_token" value="'
        start = html.index(marker) + len(marker)
        return html[start : html.index('"', start)]

    form = {"username": "inspector", "password": DEMO_PASSWORD}
    client.post("/sign-in", data={**form, "csrf_token": csrf(client.get("/sign-in").text)})
    with db.transaction() as s:
        code = current_code(s, "inspector")
    page = client.get("/sign-in/code")
    done = client.post("/sign-in/code", data={"code": code, "csrf_token": csrf(page.text)})
    assert done.status_code == 303, "the inspector could not sign in"

    times: dict[str, list[float]] = {p: [] for p in PAGES}
    for p in PAGES:  # warm up
        assert client.get(p).status_code == 200, p
    for _ in range(args.repeat):
        for p in PAGES:
            start = time.perf_counter()
            response = client.get(p)
            times[p].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, p
    base = statistics.median(times["/health"])
    print(f"\n{url}, {args.repeat} requests a page, in-process server time")
    print(f"{'page':55} {'p50 ms':>8} {'p95 ms':>8} {'x /health':>10}")
    for p, found in times.items():
        found.sort()
        p50 = statistics.median(found)
        p95 = found[min(len(found) - 1, int(0.95 * len(found)))]
        print(f"{p:55} {p50:8.1f} {p95:8.1f} {p50 / base:10.1f}")


if __name__ == "__main__":
    main()
