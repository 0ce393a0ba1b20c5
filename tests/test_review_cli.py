"""`caselink review ...` on the command line: synth, import (good and bad), score, queue,
progress."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.cli import app
from caselink.store.db import Database
from tests.support.review import ROWS, add_forces, write_cases


def test_the_review_commands_from_file_to_progress(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASELINK_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    add_forces(db)
    runner = CliRunner()
    bad = write_cases(tmp_path / "bad.csv", {"REV/1": {**ROWS["REV/1"], "victim_age": "-3"}})
    refused = runner.invoke(app, ["review", "import", str(bad)])
    assert refused.exit_code == 1
    assert "bad.csv:2: victim_age: -3 is outside 0-120" in refused.output
    good = write_cases(tmp_path / "closed.csv")
    done = runner.invoke(app, ["review", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert "3 cases; 3 added" in done.output and "2 high" in done.output
    again = runner.invoke(app, ["review", "import", str(good)])
    assert "already imported" in again.output and "0 scores new or changed" in again.output
    queue = runner.invoke(app, ["review", "queue", "--top", "2"])
    assert queue.exit_code == 0 and "REV/1" in queue.output and "REV/2" not in queue.output
    csv_path = tmp_path / "progress.csv"
    progress = runner.invoke(app, ["review", "progress", "--csv", str(csv_path)])
    assert progress.exit_code == 0, progress.output
    assert "3 cases under review; 2 high priority; 1 rape allegation" in progress.output
    assert csv_path.read_text().startswith("force,priority_band,status,outcome")
    synth = runner.invoke(
        app, ["review", "synth", "--cases", "50", "--out", str(tmp_path / "s.parquet")]
    )
    assert synth.exit_code == 0 and (tmp_path / "s-truth.csv").is_file()
