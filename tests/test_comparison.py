"""Force comparison: per force and local authority, time to acknowledge and to first action,
overdue and escalated reports, closures, charge and no-further-action rates, break-glass use;
outliers named with the size of the gap; date filters; oversight officers only, ledgered."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from caselink.oversight import demo
from caselink.oversight.comparison import By, Comparison, Window, compare
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, Report
from caselink.web.app import create_app
from tests.support.oversight import DUTY, add_closed_cases, oversight_world
from tests.support.world import sign_in


def _figure(found: Comparison, metric: str, place: str) -> tuple[float | None, str | None]:
    m = next(m for m in found.metrics if m.key == metric)
    p = next(p for p in found.places if p.name == place)
    return m.figures[p.id].value, m.figures[p.id].gap


def test_forces_are_compared_and_the_outliers_named_with_their_gap(db: Database) -> None:
    oversight_world(db)
    add_closed_cases(db, "F-SOUTH", {"no_further_action": 19, "charged": 1})
    add_closed_cases(db, "F-NORTH", {"no_further_action": 8, "charged": 12})
    add_closed_cases(db, "F-EAST", {"no_further_action": 8, "charged": 12})
    with db.transaction() as s:
        found = compare(s, By.FORCE, Window())
    # North acknowledges in ~40 hours where the others take 3-5: many times the median.
    value, gap = _figure(found, "time_to_acknowledge", "F-North")
    assert value is not None and value > 24
    assert gap is not None and gap.endswith("times the national median")
    assert float(gap.split()[0]) >= 1.5
    assert _figure(found, "time_to_acknowledge", "F-East")[1] is None
    assert _figure(found, "time_to_first_action", "F-East")[0] is not None
    # Its reports go overdue and get escalated: percentage points above the national rate.
    _, overdue = _figure(found, "overdue", "F-North")
    assert overdue is not None and overdue.startswith("+") and overdue.endswith("points")
    assert _figure(found, "escalated", "F-North")[1] is not None
    # South closes most reports without a case, and most cases with no further action.
    assert (_figure(found, "reports_closed", "F-South")[1] or "").startswith("+")
    value, gap = _figure(found, "cases_nfa", "F-South")
    assert value is not None and value > 80 and (gap or "").startswith("+")
    assert (_figure(found, "charge_rate", "F-South")[1] or "").startswith("-")
    assert _figure(found, "cases_nfa", "F-East")[1] is None
    # The reasons given are listed, and those that blame the child are marked.
    south = next(p for p in found.places if p.name == "F-South")
    assert ("consent", 19, True) in found.reasons[south.id]
    # North's officer broke glass (into the one case outside North): counted in North.
    assert _figure(found, "break_glass", "F-North")[0] == 1

    # Date filters choose what is counted.
    soon = date.today() + timedelta(days=10)
    recent = Window(date.today() - timedelta(days=60), date.today())
    with db.transaction() as s:
        nothing = compare(s, By.FORCE, Window(soon, soon + timedelta(days=10)))
        some = compare(s, By.FORCE, recent)
        by_authority = compare(s, By.LOCAL_AUTHORITY, Window())

    def counted(c: Comparison) -> int:
        return sum(
            f.base for f in next(m for m in c.metrics if m.key == "overdue").figures.values()
        )

    assert counted(nothing) == 0 < counted(some) < counted(found) == 36  # 12 police routes a force

    # Local authorities are compared on their own routes: social care is steady everywhere.
    assert {p.name for p in by_authority.places} >= {"La-North", "La-East"}
    value, gap = _figure(by_authority, "time_to_acknowledge", "La-East")
    assert value is not None and value < 10 and gap is None
    assert "review_poor_reason" not in {m.key for m in by_authority.metrics}

    # The demo activity runs once.
    with db.transaction() as s:
        before = len(s.scalars(select(Report.id)).all())
        assert demo.seed_activity(s, DUTY, utcnow(), per_force=3) == 0
        assert len(s.scalars(select(Report.id)).all()) == before


def _client(db: Database) -> TestClient:
    return TestClient(create_app(db), base_url="https://testserver", follow_redirects=False)


def test_oversight_officer_sees_charts_tables_and_outliers_and_it_is_ledgered(
    db: Database,
) -> None:
    world = oversight_world(db)
    with _client(db) as client:
        sign_in(client, world, "inspector")
        assert 'href="/oversight"' in client.get("/home").text  # the menu's Oversight item
        assert 'href="/oversight/comparison"' in client.get("/oversight").text
        page = client.get("/oversight/comparison", params={"from": "2020-01-01"})
        assert page.status_code == 200
        assert "<svg" in page.text and 'role="img"' in page.text
        assert "times the national median" in page.text
        assert "Outlier" in page.text and 'id="table-time_to_acknowledge"' in page.text
        assert "style=" not in page.text and "<script>" not in page.text  # CSP
        download = client.get("/oversight/comparison.csv", params={"by": "local_authority"})
        assert download.status_code == 200
        assert download.text.startswith("area,measure,value,based_on,national,outlier")
        bad = client.get("/oversight/comparison", params={"from": "2026-02-30", "to": "x"})
        assert bad.status_code == 400
        assert "From must be a real date" in bad.text and "govuk-error-summary" in bad.text
    with db.transaction() as s:
        entries = s.execute(
            select(LedgerEntry.action, LedgerEntry.object_id).where(
                LedgerEntry.object_type == "force_comparison", LedgerEntry.actor == "inspector"
            )
        ).all()
    assert ("read", "force_area:2020-01-01..today") in entries
    assert ("export", "local_authority:start..today") in entries

    # Nobody else may compare forces, and a refusal reads nothing.
    with _client(db) as anonymous:
        refused = anonymous.get("/oversight/comparison")
        assert refused.status_code == 303 and "/sign-in" in refused.headers["location"]
        assert anonymous.get("/oversight/comparison.csv").status_code == 303
    for username in ("officer-n", "analyst-n", "admin", "survivor"):
        with _client(db) as client:
            sign_in(client, world, username)
            assert client.get("/oversight/comparison").status_code == 403, username
            assert client.get("/oversight/comparison.csv").status_code == 403, username
            assert "Compare forces" not in client.get("/home").text
    with db.transaction() as s:
        readers = s.scalars(
            select(LedgerEntry.actor).where(LedgerEntry.object_type == "force_comparison")
        ).all()
    assert set(readers) == {"inspector"}
