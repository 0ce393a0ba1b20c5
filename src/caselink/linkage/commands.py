"""`caselink link ...`: link interchange CSV files or the store, and measure accuracy."""

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from caselink.config import Settings
from caselink.ledger import Actor, signing
from caselink.store.db import Database

# pandas, Splink and DuckDB take a second to import: only `caselink link` pays for them.
if TYPE_CHECKING:
    from caselink.linkage.engine import Backend
    from caselink.linkage.evaluate import Evaluation
    from caselink.linkage.model import LinkageModel

app = typer.Typer(
    help="Record linkage: which records, across agencies, are the same person.",
    invoke_without_command=True,
)
console = Console()
errors = Console(stderr=True)
MAX_SHOWN = 50
BACKENDS = ("duckdb", "spark")
FEBRL_SETS = ("febrl1", "febrl2", "febrl3", "febrl4")


class _Steps:
    """Rich progress for a run: a counted task for reading, a spinner per later step."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.current: TaskID | None = None

    def __call__(self, description: str) -> None:
        self.finish()
        self.current = self.progress.add_task(description, total=None)

    def finish(self) -> None:
        if self.current is not None:
            self.progress.update(self.current, total=1, completed=1)
            self.current = None


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@contextmanager
def _backend(name: str) -> Iterator["Backend"]:
    from caselink.linkage.engine import Backend, spark_session

    if name not in BACKENDS:
        errors.print(f"--backend: unknown backend {name!r}; use one of {', '.join(BACKENDS)}")
        raise typer.Exit(2)
    if name == "duckdb":
        yield Backend("duckdb")
        return
    with tempfile.TemporaryDirectory(prefix="caselink-spark-") as checkpoints:
        console.print("Starting Spark (local mode); this takes up to a minute.")
        spark = spark_session(checkpoints)
        try:
            yield Backend("spark", spark=spark)
        finally:
            spark.stop()


def _quiet_splink() -> None:
    # Splink logs every SQL step at INFO and untrained levels at WARNING; progress says enough.
    logging.getLogger("splink").setLevel(logging.ERROR)


def _model(path: Path | None) -> "LinkageModel | None":
    from caselink.linkage.model import load_model

    if path is None:
        return None
    try:
        return load_model(path)
    except (OSError, ValueError, KeyError) as error:
        errors.print(f"--model: cannot use {path}: {error}")
        raise typer.Exit(2) from None


@app.callback(invoke_without_command=True)
def link(
    ctx: typer.Context,
    input: Path | None = typer.Option(
        None, "--input", exists=True, help="An interchange CSV file, or a directory of them."
    ),
    output: Path | None = typer.Option(
        None, "--output", help="Write `record_id, person_id` here, one row per input record."
    ),
    backend: str = typer.Option("duckdb", help="Where Splink runs: duckdb or spark."),
    threshold: float | None = typer.Option(
        None, min=0.0, max=1.0, help="Link pairs with at least this match probability."
    ),
    review_threshold: float | None = typer.Option(
        None, min=0.0, max=1.0, help="Pairs from here up to --threshold go for review."
    ),
    pairs: Path | None = typer.Option(
        None, "--pairs", help="Also write scored pairs (at least the review threshold) here."
    ),
    rejected: Path | None = typer.Option(
        None,
        "--errors",
        help="Where to list rows that could not be linked. Default: beside --output.",
    ),
    model: Path | None = typer.Option(
        None, help="Use this model file (or the newest in this directory) instead of training."
    ),
    save_to: Path | None = typer.Option(
        None, "--save-model", help="Save the model used as the next version in this directory."
    ),
    store: bool = typer.Option(
        False, "--store", help="Link the person records in the database instead of files."
    ),
    retrain: bool = typer.Option(
        False, help="With --store: train a new model version instead of reusing the newest."
    ),
    relink: list[str] = typer.Option(
        [], help="With --store: detach this record (by record_id) and link it afresh."
    ),
) -> None:
    """Link person records: interchange CSV in, `record_id, person_id` out (or into the store)."""
    if ctx.invoked_subcommand is not None:
        return
    _quiet_splink()
    if store:
        if input is not None or output is not None:
            errors.print("--store links the database: do not give --input or --output with it.")
            raise typer.Exit(2)
        _link_store(backend, threshold, review_threshold, retrain, relink)
        return
    if input is None or output is None:
        errors.print("Give --input FILE_OR_DIR and --output clusters.csv (or --store).")
        raise typer.Exit(2)
    _link_files(
        input, output, backend, threshold, review_threshold, pairs, rejected, model, save_to
    )


def _link_files(
    input: Path,
    output: Path,
    backend_name: str,
    threshold: float | None,
    review_threshold: float | None,
    pairs_path: Path | None,
    rejected_path: Path | None,
    model_path: Path | None,
    save_to: Path | None,
) -> None:
    from caselink.linkage.link import link as link_records
    from caselink.linkage.model import save_model
    from caselink.linkage.output import write_clusters, write_pairs, write_rejected
    from caselink.linkage.records import read_records

    chosen = _model(model_path)
    rejected_path = rejected_path or output.with_name(output.stem + ".errors.csv")
    with _progress() as progress, _backend(backend_name) as backend:
        reading = progress.add_task(f"Reading {input.name}", total=None)
        found = read_records(input, lambda n: progress.update(reading, completed=n))
        progress.update(reading, total=found.rows_read, completed=found.rows_read)
        steps = _Steps(progress)
        result = link_records(
            found.records,
            backend,
            model=chosen,
            link_threshold=threshold,
            review_threshold=review_threshold,
            step=steps,
        )
        steps("Writing output")
        write_clusters(output, result.persons)
        if pairs_path is not None:
            write_pairs(pairs_path, result.pairs)
        if found.rejected:
            write_rejected(rejected_path, found.rejected)
        steps.finish()
    if save_to is not None:
        console.print(f"Model saved as {save_model(result.model, save_to)}.")
    persons = result.persons["person_id"].nunique()
    console.print(
        f"{len(result.persons):,} records linked into {persons:,} persons "
        f"(link threshold {result.model.link_threshold}); written to {output}."
    )
    if found.skipped_files:
        console.print(f"Not person records, so not read: {', '.join(found.skipped_files)}.")
    if found.rejected or found.file_problems:
        for problem in found.file_problems:
            errors.print(f"  {problem}", markup=False, highlight=False)
        errors.print(
            f"[bold red]{len(found.rejected):,} rows could not be linked[/]; "
            f"each is listed in {rejected_path}:"
        )
        for row in found.rejected[:MAX_SHOWN]:
            errors.print(f"  {row.problem}", markup=False, highlight=False)
        if len(found.rejected) > MAX_SHOWN:
            errors.print(f"  ... and {len(found.rejected) - MAX_SHOWN:,} more")
        raise typer.Exit(1)


def _link_store(
    backend_name: str,
    threshold: float | None,
    review_threshold: float | None,
    retrain: bool,
    relink: list[str],
) -> None:
    from caselink.linkage.persons import link_stored

    settings = Settings.from_env()
    db = Database(settings.database_url)
    actor = Actor.operator()
    with _progress() as progress, _backend(backend_name) as backend:
        steps = _Steps(progress)
        try:
            run = link_stored(
                db,
                actor,
                backend,
                retrain=retrain,
                relink=relink,
                link_threshold=threshold,
                review_threshold=review_threshold,
                step=steps,
            )
        except LookupError as error:
            errors.print(f"--relink: {error.args[0]}")
            raise typer.Exit(2) from None
        steps.finish()
    if run.run_id is None:
        console.print(
            f"All {run.records_read:,} stored records are already linked "
            f"(model v{run.model_version}); nothing to do."
        )
        return
    table = Table("run", "kind", "model", "records", "linked", "new persons", "for review")
    table.add_row(
        str(run.run_id),
        run.kind,
        f"v{run.model_version}",
        f"{run.records_read:,}",
        f"{run.records_linked:,}",
        f"{run.persons_created:,}",
        f"{run.candidates:,}",
    )
    console.print(table)
    key = signing.load_or_create_key(settings.ledger_key)
    with db.transaction() as session:
        checkpoint = signing.issue(session, key)
    console.print(f"Ledger checkpoint signed: {checkpoint.tree_size:,} entries.")


@app.command("evaluate")
def evaluate_command(
    input: Path | None = typer.Option(
        None,
        "--input",
        exists=True,
        help="Synthetic data: a directory with person_records.csv and truth_clusters.csv.",
    ),
    truth: Path | None = typer.Option(
        None, exists=True, help="The true `record_id, person_id` (default: beside --input)."
    ),
    clusters: Path | None = typer.Option(
        None, exists=True, help="Score this linkage output instead of linking --input again."
    ),
    febrl_sets: list[str] = typer.Option(
        [], "--febrl", help=f"Also link and score a FEBRL data set: {', '.join(FEBRL_SETS)}."
    ),
    backend: str = typer.Option("duckdb", help="Where Splink runs: duckdb or spark."),
    threshold: float | None = typer.Option(None, min=0.0, max=1.0),
    model: Path | None = typer.Option(None, help="Use this model instead of training."),
    breakdown: bool = typer.Option(
        False,
        help="Also say where the errors come from: true pairs never compared (blocking), "
        "scored below the threshold, false pairs above it (scores every compared pair again).",
    ),
) -> None:
    """Precision, recall and F1, pairwise and by cluster, against ground truth."""
    import pandas as pd  # type: ignore[import-untyped]

    from caselink.linkage import febrl
    from caselink.linkage.engine import score
    from caselink.linkage.evaluate import ErrorSources, error_sources, evaluate
    from caselink.linkage.link import Linkage
    from caselink.linkage.link import link as link_records
    from caselink.linkage.normalise import prepare
    from caselink.linkage.records import read_records

    _quiet_splink()
    if input is None and clusters is None and not febrl_sets:
        errors.print("Give --input DIR (synthetic data), --clusters with --truth, or --febrl NAME.")
        raise typer.Exit(2)
    unknown = [name for name in febrl_sets if name not in FEBRL_SETS]
    if unknown:
        errors.print(f"--febrl: unknown data set {unknown[0]!r}; use {', '.join(FEBRL_SETS)}")
        raise typer.Exit(2)
    chosen = _model(model)
    results: list[tuple[str, Evaluation]] = []
    sources: list[tuple[str, ErrorSources]] = []

    def explain(name: str, records: pd.DataFrame, expected: pd.DataFrame, done: Linkage) -> None:
        if breakdown:
            candidates = score(prepare(records), done.model, engine, min_probability=0.0)
            sources.append((name, error_sources(candidates, expected, done.model.link_threshold)))

    with _backend(backend) as engine:
        if input is not None or clusters is not None:
            truth_path = truth or (
                input / "truth_clusters.csv" if input and input.is_dir() else None
            )
            if truth_path is None or not truth_path.is_file():
                errors.print("--truth: give the file of true `record_id, person_id`.")
                raise typer.Exit(2)
            expected = pd.read_csv(truth_path, dtype=str, keep_default_na=False)
            if clusters is not None:
                predicted = pd.read_csv(clusters, dtype=str, keep_default_na=False)
            else:
                assert input is not None
                with _progress() as progress:
                    found = read_records(input)
                    done = link_records(
                        found.records,
                        engine,
                        model=chosen,
                        link_threshold=threshold,
                        step=_Steps(progress),
                    )
                predicted = done.persons
                explain(str(input), found.records, expected, done)
            results.append((str(clusters or input), evaluate(predicted, expected)))
        for name in febrl_sets:
            records, expected = febrl.load(name)
            with _progress() as progress:
                done = link_records(
                    records, engine, model=chosen, link_threshold=threshold, step=_Steps(progress)
                )
            explain(name, records, expected, done)
            results.append((name, evaluate(done.persons, expected)))
    table = Table("data", "records", "measure", "precision", "recall", "F1")
    for name, result in results:
        for measure, scores in (("pairwise", result.pairwise), ("cluster", result.cluster)):
            table.add_row(
                name,
                f"{result.records:,}",
                measure,
                f"{scores.precision:.4f}",
                f"{scores.recall:.4f}",
                f"{scores.f1:.4f}",
            )
    console.print(table)
    for name, found_errors in sources:
        console.print(f"[bold]{name}[/]: where the pairwise errors come from")
        for line in found_errors.lines():
            console.print(f"  {line}", markup=False, highlight=False)
