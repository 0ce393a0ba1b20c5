"""Published statistics: small counts suppressed as "[c]", secondary suppression, rounding —
and a proof by linear programming that no suppressed count can be recovered from what is
published: for every suppressed figure, an attacker who knows every published (rounded)
figure, that the parts add up to the totals, and that counts are never negative, can only
narrow it to an interval that still holds small values and is several counts wide."""

import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from sqlalchemy import select, update
from typer.testing import CliRunner

from caselink.cli import app as cli
from caselink.ledger import Actor
from caselink.statistics import publication
from caselink.statistics.disclosure import (
    SUPPRESSED,
    Rules,
    full_grid,
    protect,
    round_count,
    rounding_interval,
    suppression_pattern,
)
from caselink.statistics.tables import Period, default_period
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, StatisticsPublication
from caselink.web.app import create_app
from tests.support.oversight import oversight_world

# The figures of the demo: six forces (and reports not yet routed) by four quarters.
DEMO_SHAPED = [
    [0, 7, 10, 3],
    [0, 6, 10, 4],
    [0, 7, 10, 3],
    [0, 6, 11, 3],
    [0, 7, 10, 3],
    [0, 6, 10, 4],
    [0, 0, 0, 1],
]


def attack(
    counts: list[list[int]], published: list[list[int | None]], rules: Rules
) -> dict[tuple[int, int], tuple[float, float]]:
    """The tightest interval an attacker can put on each suppressed figure of the full grid."""
    grid = full_grid(counts)
    rows, cols = len(grid), len(grid[0])
    size = rows * cols

    def at(i: int, j: int) -> int:
        return i * cols + j

    equations = []
    for i in range(rows):  # every row's parts add up to its total
        line = np.zeros(size)
        line[[at(i, j) for j in range(cols - 1)]] = 1
        line[at(i, cols - 1)] = -1
        equations.append(line)
    for j in range(cols):  # and every column's
        line = np.zeros(size)
        line[[at(i, j) for i in range(rows - 1)]] = 1
        line[at(rows - 1, j)] = -1
        equations.append(line)
    bounds: list[tuple[float, float | None]] = []
    for i in range(rows):
        for j in range(cols):
            shown = published[i][j]
            if shown is None:
                bounds.append((0, None))
            else:  # it rounds to what is shown, and is 0 or not small (small is hidden)
                low, high = rounding_interval(shown, rules.rounding)
                if shown == 0:
                    bounds.append((0, high if high >= rules.threshold else 0))
                else:
                    bounds.append((max(low, rules.threshold), high))
    found = {}
    for i in range(rows):
        for j in range(cols):
            if published[i][j] is not None:
                continue
            goal = np.zeros(size)
            goal[at(i, j)] = 1
            low = linprog(goal, A_eq=equations, b_eq=np.zeros(len(equations)), bounds=bounds)
            high = linprog(-goal, A_eq=equations, b_eq=np.zeros(len(equations)), bounds=bounds)
            assert low.status == 0, "the true table must be feasible"
            found[(i, j)] = (low.fun, -high.fun if high.status == 0 else float("inf"))
    return found


def assert_protected(counts: list[list[int]], rules: Rules) -> None:
    grid = full_grid(counts)
    published = protect(counts, rules).grid()
    for (i, j), (low, high) in attack(counts, published, rules).items():
        true = grid[i][j]
        assert low - 1e-6 <= true <= high + 1e-6
        # Never pinned down: several counts wide (more once figures are rounded).
        assert high - low >= (4 if rules.rounding >= 5 else 2) - 1e-6, (counts, (i, j), low, high)
        if true < rules.threshold:
            assert low < rules.threshold  # a small figure stays possibly small
    # Every small count is suppressed, and everything shown is rounded.
    for i, row in enumerate(grid):
        for j, true in enumerate(row):
            if 0 < true < rules.threshold:
                assert published[i][j] is None
            elif published[i][j] is not None:
                assert published[i][j] == round_count(true, rules.rounding)


tables = st.integers(1, 5).flatmap(
    lambda width: st.lists(
        st.lists(
            st.one_of(st.integers(0, 12), st.integers(0, 200), st.just(0)),
            min_size=width,
            max_size=width,
        ),
        min_size=1,
        max_size=6,
    )
)


@settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(tables, st.sampled_from([Rules(10, 5), Rules(10, 1), Rules(5, 5), Rules(3, 10)]))
def test_no_suppressed_figure_can_be_recovered_from_random_tables(
    counts: list[list[int]], rules: Rules
) -> None:
    assert_protected(counts, rules)


@pytest.mark.parametrize("rules", [Rules(10, 5), Rules(10, 1)])
def test_no_suppressed_figure_can_be_recovered_from_the_demo_table(rules: Rules) -> None:
    assert_protected(DEMO_SHAPED, rules)
    assert sum(v is None for row in protect(DEMO_SHAPED, rules).grid() for v in row) > 7


def test_without_secondary_suppression_a_small_count_could_be_worked_out() -> None:
    """Why secondary suppression is there: hiding only the small cell, its row total gives it
    away exactly; the protected table hides a second cell in each of its lines."""
    counts = [[3, 40], [25, 30]]
    rules = Rules(10, 1)
    grid = full_grid(counts)
    primary_only = [[None if 0 < v < 10 else v for v in row] for row in grid]
    low, high = attack(counts, primary_only, rules)[(0, 0)]
    assert low == pytest.approx(3) and high == pytest.approx(3)
    hidden = suppression_pattern(grid, rules.threshold)
    assert len(hidden) >= 4 and (0, 0) in hidden
    assert_protected(counts, rules)


def test_rounding_and_its_interval_agree() -> None:
    for base in (1, 2, 5, 10):
        for value in range(0, 60):
            low, high = rounding_interval(round_count(value, base), base)
            assert low <= value <= high
    assert round_count(12, 5) == 10 and round_count(13, 5) == 15 and round_count(2, 5) == 0
    with pytest.raises(ValueError, match="same number of columns"):
        full_grid([[1, 2], [3]])
    with pytest.raises(ValueError, match="negative"):
        full_grid([[1, -2]])


def test_default_period_is_four_quarters_to_date() -> None:
    period = default_period(date(2026, 11, 23))
    assert period == Period(date(2026, 1, 1), date(2026, 11, 23))
    assert [q[0] for q in period.quarters()] == ["2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"]
    assert default_period(date(2026, 2, 1)).start == date(2025, 4, 1)


def test_publish_stores_ledgers_and_the_public_page_shows_only_the_publication(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oversight_world(db, per_force=6)
    client = TestClient(create_app(db), base_url="https://testserver", follow_redirects=False)
    empty = client.get("/statistics")
    assert empty.status_code == 200 and "No statistics have been published yet" in empty.text
    assert client.get("/statistics.csv").status_code == 404

    # Published from the command line: the CSV, the stored publication, the ledger entry.
    monkeypatch.setenv("CASELINK_DATABASE_URL", db.url)
    out = tmp_path / "statistics.csv"
    done = CliRunner().invoke(cli, ["statistics", "publish", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "suppressed as [c]" in done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["table"] for r in rows} == {
        "reports_received",
        "case_outcomes",
        "cases_under_review",
        "networks_detected",
    }
    received = [r for r in rows if r["table"] == "reports_received"]
    assert any(r["value"] == SUPPRESSED for r in received)  # 6 reports a force: all small
    assert all(r["value"] == SUPPRESSED or int(r["value"]) % 5 == 0 for r in rows)
    with db.transaction() as s:
        stored = s.scalars(select(StatisticsPublication)).one()
        entry = s.scalars(
            select(LedgerEntry).where(LedgerEntry.object_type == "statistics_publication")
        ).one()
    assert entry.action == "disclose" and entry.after_digest == stored.sha256
    assert entry.object_id == str(stored.id)

    # The public page: no sign-in, suppressed cells marked and explained, the same CSV.
    page = client.get("/statistics")
    assert page.status_code == 200
    assert f'<abbr title="confidential">{SUPPRESSED}</abbr>' in page.text
    assert "fewer than 10, or could be used to work out" in page.text
    assert "rounded to the nearest 5" in page.text
    download = client.get("/statistics.csv")
    assert download.status_code == 200 and download.text == out.read_text()
    assert "attachment" in download.headers["content-disposition"]
    assert "style=" not in page.text

    # It shows the publication, never live counts: a new publication is needed to change it.
    with db.transaction() as s:
        again = publication.publish(
            s, Actor("test"), Period(date(2026, 1, 1), date(2026, 3, 31)), Rules(10, 5)
        )
    assert again.id == stored.id + 1
    assert "1 January 2026 to 31 March 2026" in client.get("/statistics").text
    with db.transaction() as s:
        same = publication.publish(
            s, Actor("test"), Period(date(2026, 1, 1), date(2026, 3, 31)), Rules(10, 5)
        )
    assert same.id == again.id, "identical figures published again release nothing new"

    # A publication can never be quietly changed.
    with pytest.raises(Exception, match="append-only"), db.transaction() as s:
        s.execute(update(StatisticsPublication).values(document="{}"))


def test_publish_refuses_bad_input_and_names_it(
    db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CASELINK_DATABASE_URL", db.url)
    out = tmp_path / "s.csv"
    bad = CliRunner().invoke(
        cli, ["statistics", "publish", "--out", str(out), "--from", "2026-13-01"]
    )
    assert bad.exit_code == 2 and "--from" in bad.output and "YYYY-MM-DD" in bad.output
    backwards = CliRunner().invoke(
        cli,
        ["statistics", "publish", "--out", str(out), "--from", "2026-05-01", "--to", "2026-04-01"],
    )
    assert backwards.exit_code == 2 and "before --from" in backwards.output
    assert not out.exists()
    with db.transaction() as s:
        assert s.scalars(select(StatisticsPublication)).all() == []
