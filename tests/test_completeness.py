"""Data completeness: the share of records with each key field recorded, by force and agency,
including suspects' and victims' ethnicity and nationality — reported, never used."""

import ast
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from caselink.oversight import completeness
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, PersonRecord
from caselink.web.app import create_app
from tests.support.world import build, sign_in

SRC = Path(__file__).resolve().parents[1] / "src" / "caselink"
PROTECTED_WORDS = ("ethnic", "nationalit", "religion")
# The code that scores, links, prioritises or raises alerts. (review/columns.py and the
# loaders only carry the fields into storage, so that they can be counted here.)
DECIDING = ("linkage", "network", "review", "reporting", "access", "cases")
CARRIES_ONLY = {"review/columns.py"}


def test_shares_are_counted_per_force_agency_and_role(db: Database) -> None:
    world = build(db)
    with db.transaction() as s:
        suspect = world.records["N-SUSPECT"]
        s.execute(
            update(PersonRecord)
            .where(PersonRecord.id == suspect)
            .values(ethnicity="Recorded", nationality="")  # empty is not recorded
        )
        sections = completeness.report(s)
    people, review, by_force, by_agency = sections
    north = next(r for r in people.rows if r.name == "F-North")
    assert north.shares["suspect:ethnicity"] == 100.0
    assert north.shares["suspect:nationality"] == 0.0
    assert north.shares["victim:ethnicity"] == 0.0
    assert people.national.shares["suspect:ethnicity"] == 50.0
    north_records = next(r for r in by_force.rows if r.name == "F-North")
    assert north_records.records == 3  # two police records and the school's
    assert north_records.shares["date_of_birth"] == 100.0
    assert north_records.shares["ethnicity"] == 100 / 3
    assert north_records.shares["phone"] == 0.0
    school = next(r for r in by_agency.rows if "SCH-N" in r.name)
    assert school.detail == "school" and school.records == 1
    assert by_force.national.records == 5
    assert review.rows == [] and review.national.shares["victim_ethnicity"] is None


def test_oversight_officer_reads_completeness_and_nobody_else_can(db: Database) -> None:
    world = build(db)
    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        sign_in(c, world, "inspector")
        page = c.get("/oversight/completeness")
        assert page.status_code == 200
        assert "Suspect ethnicity" in page.text and "under 50% recorded" in page.text
        assert "never an input to any score" in page.text
        assert "/oversight/completeness" in c.get("/oversight/comparison").text
    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        assert c.get("/oversight/completeness").status_code == 303
    for username in ("analyst-n", "officer-s"):
        with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
            sign_in(c, world, username)
            assert c.get("/oversight/completeness").status_code == 403
    with db.transaction() as s:
        readers = s.scalars(
            select(LedgerEntry.actor).where(LedgerEntry.object_type == "data_completeness")
        ).all()
    assert readers == ["inspector"]


def _mentions(path: Path) -> list[str]:
    """Names, attributes and string values (not comments or docstrings) that name a
    protected characteristic."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = None if id(node) in docstrings else node.value
        elif isinstance(node, ast.alias):
            text = node.name
        if text and any(word in text.lower() for word in PROTECTED_WORDS):
            found.append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')}: {text}")
    return found


def test_no_scoring_linkage_network_or_alert_code_reads_protected_characteristics() -> None:
    """Completeness counts these fields; nothing that decides anything may even name them."""
    found = []
    for package in DECIDING:
        for path in sorted((SRC / package).rglob("*.py")):
            if str(path.relative_to(SRC / package.split("/")[0]).as_posix()) in {
                c.split("/", 1)[1] for c in CARRIES_ONLY if c.startswith(package + "/")
            }:
                continue
            found += _mentions(path)
    assert found == []
    # The check can see a use: the completeness module itself names them.
    assert _mentions(SRC / "oversight" / "completeness.py")
