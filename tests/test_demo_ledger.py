"""After every step of `make demo`, the ledger verifies: whatever caselink itself writes, it
writes with the entries the state audit expects, so `caselink ledger verify` never cries wolf
on the normal path (issue 21). The steps are read from the Makefile's own `demo` target, so a
step added there is covered here without anyone remembering to add it."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from caselink.store.db import Database

MAKEFILE = Path(__file__).parents[1] / "Makefile"
# Small enough for well under a minute a database; big enough that every step has work.
SMALL = {"DEMO_RECORDS": "600", "--cases": "300"}


def demo_steps() -> list[tuple[list[str], str | None]]:
    """The `caselink` commands of the demo target, in order, at a small size, without the
    final `serve` (that one only reads); each with the file whose presence skips it."""
    makefile = MAKEFILE.read_text()
    variables = dict(re.findall(r"^(\w+) \?*:?= *(\S+)$", makefile, re.MULTILINE))
    variables["DEMO_RECORDS"] = SMALL["DEMO_RECORDS"]
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")

    def expand(words: str) -> str:
        return re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)], words)

    steps: list[tuple[list[str], str | None]] = []
    for line in recipe.splitlines()[1:]:
        guard = re.search(r"if \[ ! -f (\S+) \]", line)
        for command in re.findall(r"\$\(BIN\)/caselink ([^;>\n]*)", line):
            words = shlex.split(expand(command))
            if "--cases" in words:
                words[words.index("--cases") + 1] = SMALL["--cases"]
            if words[0] != "serve":
                steps.append((words, expand(guard.group(1)) if guard else None))
    return steps


def _caselink(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASELINK_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "caselink", *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
    )


def _run_demo(url: str, cwd: Path) -> None:
    for step, unless in demo_steps():
        if unless and (cwd / unless).exists():
            continue
        done = _caselink(url, cwd, *step)
        assert done.returncode == 0, f"caselink {' '.join(step)}:\n{done.stdout}{done.stderr}"


def _verify(url: str, cwd: Path) -> str:
    done = _caselink(url, cwd, "ledger", "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ledger intact" in done.stdout
    return done.stdout


def test_the_steps_are_the_makefiles() -> None:
    steps = demo_steps()
    names = [" ".join(step[:2]) for step, _ in steps]
    for expected in (
        "db upgrade",
        "load var/demo-data",
        "link --store",
        "review import",
        "network detect",
        "survivors demo",
        "oversight demo-activity",
        "statistics publish",
    ):
        assert expected in names
    synth = next((step, unless) for step, unless in steps if step[0] == "synth")
    assert synth == (
        ["synth", "--records", "600", "--out", "var/demo-data", "--seed", "1"],
        "var/demo-data/manifest.json",
    )


def test_a_fresh_demo_ledger_verifies_intact(database_url: str, tmp_path: Path) -> None:
    _run_demo(database_url, tmp_path)
    _verify(database_url, tmp_path)
    # The demo wrote rows of the audited kinds, so the audit above had something to match.
    db = Database(database_url)
    with db.engine.connect() as connection:
        for table in ("cases", "case_participants", "events", "decisions", "report_actions"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one(), table
    db.dispose()
    # `make demo` again on the same database (as a newcomer does the next morning).
    _run_demo(database_url, tmp_path)
    _verify(database_url, tmp_path)
