"""`caselink network ...`: detect networks, show one, match a new case, export a drawing,
evaluate against ground truth."""

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from caselink.config import Settings
from caselink.ledger import Action, Actor, record, record_read
from caselink.network import explain, reading, sources, view
from caselink.network.evaluate import TruthMissing, evaluate
from caselink.network.match import raise_for_case
from caselink.network.run import run
from caselink.network.settings import Thresholds
from caselink.store.db import Database
from caselink.store.models import Case

app = typer.Typer(help="Networks across cases, forces and local authorities.")
console = Console()
errors = Console(stderr=True)


def _database() -> Database:
    return Database(Settings.from_env().database_url)


@app.command("detect")
def detect_command(
    hub_cases: int | None = typer.Option(None, help="A thing named in more cases is common."),
    split_cases: int | None = typer.Option(None, help="Split larger components with Leiden."),
    min_forces: int | None = typer.Option(
        None, help="Alert when a network spans this many forces."
    ),
    min_authorities: int | None = typer.Option(None, help="...or this many local authorities."),
    resolution: float | None = typer.Option(None, help="Leiden (modularity) resolution."),
) -> None:
    """Build the graph from the store, find networks, raise cross-boundary alerts."""
    t = Thresholds().with_changes(
        hub_cases=hub_cases,
        split_cases=split_cases,
        alert_forces=min_forces,
        alert_authorities=min_authorities,
        resolution=resolution,
    )
    started = time.perf_counter()
    with _database().transaction() as session:
        result = run(session, Actor.operator(), t)
        rows = [(s.network, s.new) for s in result.networks]
        graph = result.graph
        raised = len(result.alerts)
    console.print(
        f"Graph: {graph.node_count:,} nodes, {graph.edge_count:,} edges. "
        f"Run {result.run_id} in {time.perf_counter() - started:.1f} s."
    )
    table = Table(
        "network",
        "method",
        "cases",
        "victims",
        "suspects",
        "forces",
        "local authorities",
        "span",
        "new",
    )
    for network, new in sorted(rows, key=lambda r: -r[0].case_count):
        table.add_row(
            str(network.id),
            network.method,
            str(network.case_count),
            str(network.victim_count),
            str(network.suspect_count),
            network.force_codes.replace(";", ", "),
            network.local_authority_codes.replace(";", ", "),
            f"{network.first_on or '?'} to {network.last_on or '?'}",
            "yes" if new else "",
        )
    console.print(table)
    console.print(f"{len(rows)} networks; {raised} new cross-boundary alerts.")


@app.command("show")
def show_command(network_id: int = typer.Argument(..., help="A network's number.")) -> None:
    """One network: its cases, central people and the paths that connect its cases."""
    with _database().transaction() as session:
        stored = reading.load(session, network_id)
        if stored is None:
            errors.print(f"No network {network_id}.")
            raise typer.Exit(2)
        record_read(session, Actor.operator(), "network", network_id)
        paths = explain.paths(stored.nodes, stored.edges, stored.authority)
    n = stored.network
    console.print(
        f"[bold]Network {n.id}[/] ({n.method}): {n.case_count} cases, "
        f"{n.victim_count} victims, {n.suspect_count} suspects"
    )
    console.print(
        f"Force areas: {n.force_codes.replace(';', ', ')}; local authorities: "
        f"{n.local_authority_codes.replace(';', ', ')}; {n.first_on} to {n.last_on}"
    )
    cases = Table("case", "force", "local authority", "opened", title="Cases")
    for c in sorted(stored.cases, key=lambda c: (str(stored.opened.get(c.id, "")), c.label)):
        cases.add_row(
            c.label,
            c.force_code or "",
            stored.authority.get(c.id) or "",
            str(stored.opened.get(c.id, "")),
        )
    console.print(cases)
    people = Table("suspect", "force", "degree", "betweenness", title="Most central suspects")
    for p in stored.central_people():
        people.add_row(p.label, p.force_code or "", str(p.degree), f"{p.betweenness:.1f}")
    console.print(people)
    for i, path in enumerate(paths, 1):
        console.print(
            f"[bold]Path {i}[/]: {path.start.label} ({path.start.force_code}) "
            f"to {path.end.label} ({path.end.force_code})"
        )
        for step in path.steps:
            console.print(
                f"  {step.source.label} -[{step.kind}]- {step.target.label}"
                f"  ({step.observed_on or 'no date'}; {step.citation})",
                markup=False,
                highlight=False,
            )


@app.command("match")
def match_command(reference: str = typer.Argument(..., help="The new case's reference.")) -> None:
    """Check a newly stored case against every other case; alert on a cross-force match."""
    with _database().transaction() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        if case_id is None:
            errors.print(f"No case {reference!r}.")
            raise typer.Exit(2)
        graph = sources.build(session, leave_out=case_id)
        started = time.perf_counter()
        alert = raise_for_case(session, graph, case_id, Actor.operator())
        took = (time.perf_counter() - started) * 1000
    if alert is None:
        console.print(f"No cross-force match for {reference} ({took:.0f} ms).")
    else:
        console.print(f"Alert {alert.id}: {alert.message} ({took:.0f} ms)")


@app.command("export")
def export_command(
    network_id: int = typer.Argument(..., help="A network's number."),
    out: Path = typer.Option(..., help="The SVG file to write."),
) -> None:
    """Write a static SVG drawing of a network, for a case file (ledgered as an export)."""
    with _database().transaction() as session:
        stored = reading.load(session, network_id)
        if stored is None:
            errors.print(f"No network {network_id}.")
            raise typer.Exit(2)
        record(session, Actor.operator(), Action.EXPORT, "network", network_id, reason=str(out))
    out.write_text(view.svg(stored), encoding="utf-8")
    console.print(f"Wrote {out}.")


@app.command("evaluate")
def evaluate_command(
    truth: Path = typer.Option(
        ..., exists=True, file_okay=False, help="A `caselink synth` directory."
    ),
) -> None:
    """Compare the latest detection run with the generator's planted networks."""
    with _database().transaction() as session:
        try:
            result = evaluate(session, truth)
        except TruthMissing as missing:
            errors.print(str(missing))
            raise typer.Exit(2) from None
    table = Table("planted network", "verdict", "cases found together", "cases planted")
    for network_id, verdict, found, planted in result.per_network:
        table.add_row(network_id, verdict, str(found), str(planted))
    console.print(table)
    console.print(
        f"Planted {result.planted}: {result.whole} whole, {result.fragmented} fragmented, "
        f"{result.missed} missed, {result.merged} merged; {result.planted_alerted} alerted."
    )
    console.print(
        f"Membership: cases precision {result.cases.precision:.3f} "
        f"recall {result.cases.recall:.3f}; "
        f"persons precision {result.persons.precision:.3f} recall {result.persons.recall:.3f}."
    )
    console.print(
        f"Detected {result.detected} networks; {result.alerts} alerted, of which "
        f"{result.false_alerts} hold no planted case (false alerts)."
    )
