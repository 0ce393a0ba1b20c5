"""`caselink review ...`: generate a closed-case file, import it, score, show the queue and
the progress of the review."""

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from caselink.config import Settings
from caselink.ledger import Action, Actor, record, record_read, signing
from caselink.loading.problems import LoadRejected
from caselink.review import importing, priorities, queue
from caselink.review import progress as review_progress
from caselink.review import weights as review_weights
from caselink.store.db import Database
from caselink.store.models import Area, ReviewCase

app = typer.Typer(help="Historical case review: import closed cases, score, queue, progress.")
console = Console()
errors = Console(stderr=True)
MAX_SHOWN = 50


def _database() -> Database:
    return Database(Settings.from_env().database_url)


def _checkpoint(db: Database) -> None:
    key = signing.load_or_create_key(Settings.from_env().ledger_key)
    with db.transaction() as session:
        cp = signing.issue(session, key)
    console.print(f"Ledger checkpoint signed: {cp.tree_size:,} entries.")


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _weights(path: Path | None) -> review_weights.Weights:
    try:
        return review_weights.load(path)
    except review_weights.WeightsError as error:
        errors.print(f"--weights: {error}", markup=False)
        raise typer.Exit(2) from None


@app.command("synth")
def synth(
    cases: int = typer.Option(5000, min=1, help="How many closed cases to write."),
    out: Path = typer.Option(..., help="The file to write: .csv, or .parquet."),
    seed: int = typer.Option(1, help="The same seed always gives the same file."),
) -> None:
    """Write a synthetic closed-case file, and its ground truth beside it (-truth.csv)."""
    from caselink.synth.closed_cases import write_closed_cases

    written = write_closed_cases(out, cases, seed)
    console.print(
        f"Wrote {written.cases:,} closed cases to {written.path} "
        f"({written.planted:,} planted for priority); ground truth in {written.truth_path}."
    )


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .parquet file."),
    score: bool = typer.Option(True, help="Score every review case once the file is in."),
    weights: Path | None = typer.Option(None, help="A weights file (default: the packaged one)."),
) -> None:
    """Import closed cases for review. All or nothing; running it again is safe."""
    db = _database()
    chosen = _weights(weights) if score else None
    try:
        with _bar() as bar:
            task = bar.add_task(path.name, total=None)
            result = importing.import_file(
                db, path, Actor.operator(), lambda n: bar.update(task, completed=n)
            )
    except LoadRejected as rejected:
        errors.print(f"[bold red]{rejected}[/]")
        for problem in rejected.problems[:MAX_SHOWN]:
            errors.print(f"  {problem}", markup=False, highlight=False)
        if len(rejected.problems) > MAX_SHOWN:
            errors.print(f"  ... and {len(rejected.problems) - MAX_SHOWN:,} more")
        raise typer.Exit(1) from None
    if result.skipped_identical_file:
        console.print(f"{result.file}: this identical file is already imported; nothing to do.")
    else:
        console.print(
            f"{result.file}: {result.rows_in_file:,} cases; {result.inserted:,} added, "
            f"{result.already_present:,} already stored."
        )
    if chosen is not None:
        _score(db, chosen)
    _checkpoint(db)


def _score(db: Database, weights: review_weights.Weights) -> None:
    with _bar() as bar:
        task = bar.add_task("Scoring", total=None)
        run = priorities.score_store(
            db, weights, Actor.operator(), progress=lambda n: bar.update(task, completed=n)
        )
    console.print(
        f"Scored {run.cases:,} review cases with weights {run.weights_version}: "
        f"{run.bands['high']:,} high, {run.bands['medium']:,} medium, {run.bands['low']:,} low "
        f"priority; {run.changed:,} scores new or changed."
    )


@app.command("score")
def score_command(
    weights: Path | None = typer.Option(None, help="A weights file (default: the packaged one)."),
) -> None:
    """(Re)score every review case. Unchanged scores are kept; changed ones get a new row."""
    db = _database()
    _score(db, _weights(weights))
    _checkpoint(db)


@app.command("queue")
def queue_command(top: int = typer.Option(20, min=1, max=1000, help="How many cases.")) -> None:
    """The next cases in the review queue, highest priority first."""
    from caselink.review.scoring import factors_from_json
    from caselink.store.models import ReviewScore

    db = _database()
    table = Table("rank", "case", "force", "score", "band", "closed", "top factors")
    with db.transaction() as session:
        rows = session.execute(
            select(ReviewCase, Area.name, ReviewScore.factors)
            .join(Area, Area.id == ReviewCase.force_area_id)
            .join(ReviewScore, ReviewScore.id == ReviewCase.score_id)
            .where(ReviewCase.status == "unreviewed")
            .order_by(*queue.queue_order())
            .limit(top)
        ).all()
        for rank, (case, force, factors) in enumerate(rows, 1):
            best = sorted(factors_from_json(factors), key=lambda f: -f.points)[:3]
            table.add_row(
                str(rank),
                case.reference,
                force,
                str(case.score),
                case.band or "",
                case.closed_on.isoformat(),
                ", ".join(f"{f.label} +{f.points}" for f in best),
            )
    console.print(table)


@app.command("progress")
def progress_command(
    csv_out: Path | None = typer.Option(
        None, "--csv", help="Also write the grouped counts as CSV."
    ),
) -> None:
    """How many cases, how many high priority, how many reviewed and referred."""
    db = _database()
    with db.transaction() as session:
        found = review_progress.all_groups(session)
        totals = review_progress.totals(found)
        record_read(session, Actor.operator(), "review_progress", "all", reason="console")
        if csv_out:
            csv_out.write_text(review_progress.to_csv(found), encoding="utf-8")
            record(
                session,
                Actor.operator(),
                Action.EXPORT,
                "review_progress",
                "all",
                reason=str(csv_out),
            )
    console.print(
        f"{totals.cases:,} cases under review; {totals.bands['high']:,} high priority; "
        f"{totals.rape_allegations:,} rape allegation{'s' * (totals.rape_allegations != 1)}; "
        f"{totals.statuses['reviewed']:,} reviewed; "
        f"{totals.referred:,} referred."
    )
    table = Table("force", "cases", "high priority", "reviewed", "referred")
    for force in totals.forces.values():
        table.add_row(
            force.force,
            f"{force.cases:,}",
            f"{force.high:,}",
            f"{force.reviewed:,}",
            f"{force.referred:,}",
        )
    console.print(table)
    status = Table("status", "cases")
    for name in review_progress.STATUSES:
        status.add_row(name.replace("_", " "), f"{totals.statuses[name]:,}")
    console.print(status)
    if csv_out:
        console.print(f"Grouped counts written to {csv_out}.")
