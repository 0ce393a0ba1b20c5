"""The ledger through the `caselink` command, as an operator or inspector uses it."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.cli import app
from caselink.store.db import Database
from tests.support.files import write_records, write_reference
from tests.support.ledger import file_report, tamper

runner = CliRunner()


@pytest.fixture
def operator(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with data loaded through the CLI (which ledgers and signs it)."""
    monkeypatch.setenv("CASELINK_DATABASE_URL", db.url)
    monkeypatch.setenv("CASELINK_LEDGER_KEY", str(tmp_path / "keys" / "signing-key.pem"))
    monkeypatch.setenv("COLUMNS", "200")
    data = tmp_path / "data"
    data.mkdir()
    write_reference(data)
    write_records(data / "person_records.csv")
    result = runner.invoke(app, ["load", str(data)])
    assert result.exit_code == 0, result.output
    assert "Ledger checkpoint signed: 4 entries." in result.output
    return tmp_path


def test_verify_an_intact_ledger(operator: Path) -> None:
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "Ledger intact: 4 entries, 1 checkpoints verified" in result.output


def test_verify_names_the_first_bad_entry(operator: Path, db: Database) -> None:
    tamper(db, "UPDATE ledger_entries SET actor = 'someone-else' WHERE seq = 2")
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 1
    assert "First: entry 2: its content does not match its hash" in result.output


def test_verify_finds_a_report_changed_behind_the_ledger(operator: Path, db: Database) -> None:
    report_id = file_report(db)
    tamper(db, f"UPDATE reports SET trigger = 'witnessed' WHERE id = {report_id}")
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 1
    assert f"report {report_id} no longer matches" in result.output


def test_prove_and_check_an_entry_offline(operator: Path) -> None:
    proof = operator / "proof.json"
    assert runner.invoke(app, ["ledger", "prove", "3", "--out", str(proof)]).exit_code == 0
    checked = runner.invoke(app, ["ledger", "check-proof", str(proof)])
    assert checked.exit_code == 0, checked.output
    assert "Proof holds: entry 3 (import import 3" in checked.output

    bundle = json.loads(proof.read_text())
    bundle["entry"]["reason"] = "something else"
    proof.write_text(json.dumps(bundle))
    refused = runner.invoke(app, ["ledger", "check-proof", str(proof)])
    assert refused.exit_code == 1 and "does NOT hold" in refused.output


def test_consistency_with_a_kept_checkpoint(operator: Path) -> None:
    kept = operator / "kept.jsonl"
    assert runner.invoke(app, ["ledger", "checkpoint", "--keep", str(kept)]).exit_code == 0
    assert runner.invoke(app, ["demo-accounts"]).exit_code == 0  # more entries, a new checkpoint
    proof = operator / "consistency.json"
    made = runner.invoke(
        app, ["ledger", "prove-consistency", "--kept", str(kept), "--out", str(proof)]
    )
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["ledger", "check-proof", str(proof)])
    assert checked.exit_code == 0 and "extends the one of 4" in checked.output
    assert runner.invoke(app, ["ledger", "verify", "--kept", str(kept)]).exit_code == 0


def test_export_verifies_offline(operator: Path) -> None:
    out = operator / "export"
    assert runner.invoke(app, ["ledger", "export", "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["ledger", "verify", "--export", str(out)])
    assert result.exit_code == 0, result.output
    assert "Ledger intact: 4 entries" in result.output


def test_history_of_an_object_and_of_a_person(operator: Path) -> None:
    runner.invoke(app, ["demo-accounts"])
    by_object = runner.invoke(app, ["ledger", "history", "--object", "import:4"])
    assert "person_records from person_records.csv" in by_object.output
    by_actor = runner.invoke(app, ["ledger", "history", "--actor", "system:demo"])
    assert by_actor.output.count("create") == 9
    bad = runner.invoke(app, ["ledger", "history", "--object", "report"])
    assert bad.exit_code == 2 and "is not TYPE:ID" in bad.output
