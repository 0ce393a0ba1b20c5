"""Training and scoring on a Splink backend: DuckDB on one machine, Spark beyond it.

Both backends receive the same prepared records (normalise.py) and the same model
(model.py); only the SQL dialect differs, which Splink handles.
"""

import logging
import math
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
from splink import Linker

from caselink.linkage.model import (
    COMPARISONS,
    DETERMINISTIC_RULES,
    TF_COLUMNS,
    TRAINING_BLOCKS,
    Level,
    LinkageModel,
    probability_two_random_records_match,
)
from caselink.linkage.normalise import to_arrow

BackendName = Literal["duckdb", "spark"]
MIN_TRAINING_RECORDS = 2_000  # below this, EM has too few matches to learn from: use priors
U_PAIRS = 5e6  # at most this many random pairs sampled to estimate u
PRIOR_SAMPLE = 200_000  # records sampled to fit the prior (see fit_expected_matches)
_QUIET = logging.ERROR  # Splink warns about every level training did not see
Step = Callable[[str], None]


def _no_step(_: str) -> None:
    return None


@dataclass
class Backend:
    """Where Splink runs. A DuckDB backend opens a fresh in-process database per use; a Spark
    backend uses the session it is given (see `spark_session`)."""

    name: BackendName = "duckdb"
    spark: Any = None
    duckdb_memory_limit: str = "10GB"
    duckdb_temp_directory: str = field(default_factory=lambda: tempfile.gettempdir())

    def api(self) -> Any:
        if self.name == "duckdb":
            import duckdb
            from splink.backends.duckdb import DuckDBAPI

            connection = duckdb.connect(":memory:")
            connection.execute(f"SET memory_limit = '{self.duckdb_memory_limit}'")
            connection.execute(f"SET temp_directory = '{self.duckdb_temp_directory}'")
            connection.execute("SET preserve_insertion_order = false")
            return DuckDBAPI(connection=connection)
        if self.spark is None:
            raise ValueError("the Spark backend needs a SparkSession: see spark_session()")
        from splink.backends.spark import SparkAPI

        return SparkAPI(spark_session=self.spark, break_lineage_method="parquet")  # type: ignore[no-untyped-call]


def spark_session(
    checkpoint_dir: str, *, cores: int = 2, memory: str = "8g", partitions: int = 64
) -> Any:
    """A local Spark session with Splink's string-similarity functions loaded."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("caselink-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", memory)
        # Many small partitions: in local mode the driver's heap holds every task's rows.
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(max(cores * 4, 8)))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setCheckpointDir(checkpoint_dir)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _register(backend: Backend, api: Any, records: pd.DataFrame, name: str | None = None) -> Any:
    table: Any = to_arrow(records)
    if backend.name == "spark":
        table = _parquet_frame(backend.spark, table)
    return api.register(table, table_name=name) if name else api.register(table)


def _parquet_frame(spark: Any, table: pa.Table) -> Any:
    """The records as a Parquet scan in the checkpoint directory, not the in-memory table
    Spark makes of Arrow data: its optimiser evaluates every projection of an in-memory
    table on the driver, so each blocking rule's self-join held two more copies of the
    records in the driver's heap (31 rules: out of 8 GiB at 100,000 records)."""
    directory = spark.sparkContext.getCheckpointDir()
    if directory is None:
        raise ValueError("the Spark backend needs a checkpoint directory: see spark_session()")
    path = f"{directory.rstrip('/')}/caselink_records_{uuid.uuid4().hex}"
    spark.createDataFrame(table).write.parquet(path)
    return spark.read.parquet(path)


def _linker(records: pd.DataFrame, model: LinkageModel, backend: Backend, explain: bool) -> Any:
    api = backend.api()
    table = _register(backend, api, records)
    return Linker(table, model.settings(len(records), explain=explain), log_level=_QUIET)


def train(
    records: pd.DataFrame,
    backend: Backend,
    *,
    start: LinkageModel | None = None,
    step: Step = _no_step,
    seed: int = 1,
) -> LinkageModel:
    """Estimate the model's parameters from the records themselves (no labels needed).

    u comes from random pairs (almost all non-matches); m from expectation maximisation in
    two sessions whose blocking each leave the other's comparisons free; the prior from
    pairs that deterministic rules call certain, scaled by their assumed recall.
    """
    start = start or LinkageModel()
    n = len(records)
    if n < MIN_TRAINING_RECORDS:
        return LinkageModel(
            link_threshold=start.link_threshold,
            review_threshold=start.review_threshold,
            training={"note": f"{n} records are too few to train on: prior parameters used"},
        )
    linker = _linker(records, start, backend, explain=False)
    step("Estimating how many records match")
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=0.7
    )
    prior = float(linker._settings_obj._probability_two_random_records_match)
    step("Estimating u from random pairs")
    linker.training.estimate_u_using_random_sampling(max_pairs=_u_pairs(n), seed=seed)
    sessions: list[dict[str, Any]] = []
    for rule in TRAINING_BLOCKS:
        step(f"Expectation maximisation on {rule}")
        try:
            session = linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=3e6
            )
        except Exception as error:
            sessions.append({"blocking": rule, "skipped": str(error)[:200]})
            continue
        history = getattr(session, "_core_model_settings_history", [])
        sessions.append({"blocking": rule, "iterations": len(history)})
    trained = linker.misc.save_model_to_json()
    parameters = _parameters(trained, start)
    step("Estimating how many records match, from the trained model")
    rough = LinkageModel(parameters=parameters, expected_matches_per_record=prior * (n - 1))
    expected = fit_expected_matches(records, rough, backend, seed=seed)
    # Random pairs include a few matches, which inflate u for the rarest agreements (the
    # same address and family name) until they say almost nothing: take them out.
    sampled = min(_u_pairs(n), n * (n - 1) / 2)
    parameters = without_matches(parameters, expected / max(n - 1, 1), sampled)
    rough = LinkageModel(parameters=parameters, expected_matches_per_record=expected)
    expected = fit_expected_matches(records, rough, backend, seed=seed)
    return LinkageModel(
        parameters=parameters,
        expected_matches_per_record=expected,
        link_threshold=start.link_threshold,
        review_threshold=start.review_threshold,
        trained_on_records=n,
        training={
            "sessions": sessions,
            "deterministic_rules": list(DETERMINISTIC_RULES),
            "assumed_recall_of_deterministic_rules": 0.7,
            "expected_matches_per_record_from_deterministic_rules": prior * (n - 1),
            "seed": seed,
            "backend": backend.name,
        },
    )


def _u_pairs(records: int) -> float:
    """Random pairs for u: enough that each record is in hundreds of them, at most U_PAIRS."""
    return float(min(U_PAIRS, max(1e6, 400 * records)))


def without_matches(
    parameters: dict[str, list[list[float]]], prior: float, sampled_pairs: float
) -> dict[str, list[list[float]]]:
    """u from random pairs, less the share the matches among them contributed:
    u_observed = prior * m + (1 - prior) * u. Never below what the sample could resolve."""
    floor = max(0.5 / max(sampled_pairs, 1.0), 1e-9)
    corrected: dict[str, list[list[float]]] = {}
    for name, levels in parameters.items():
        us = [max((u - prior * m) / (1 - prior), min(u, floor)) for m, u in levels]
        total = sum(us)
        corrected[name] = [[m, u / total] for (m, _), u in zip(levels, us, strict=True)]
    return corrected


def fit_expected_matches(
    records: pd.DataFrame,
    model: LinkageModel,
    backend: Backend,
    *,
    sample: int = PRIOR_SAMPLE,
    seed: int = 1,
    iterations: int = 50,
) -> float:
    """The prior (matches per record) that agrees with the trained m and u: the expected
    number of matching pairs is the sum of the pairs' match probabilities, which in turn
    depend on the prior, so iterate to the fixed point (EM on the prior alone).

    Deterministic rules only give a floor (they miss every pair with an error in a name or
    the date of birth), which made the model too sceptical of data sets with many errors.
    Candidate pairs come from the blocking rules, on a random sample for large data sets.
    """
    n = len(records)
    if n > sample:
        records = records.sample(sample, random_state=seed)
    k = len(records)
    if k < 2:
        return model.expected_matches_per_record
    pairs = score(records, model, backend, min_probability=1e-5)
    if pairs.empty:
        return model.expected_matches_per_record
    start = probability_two_random_records_match(model.expected_matches_per_record, k)
    # Bayes factor of each pair: its match weight without the prior.
    bayes = (2.0 ** pairs["match_weight"].astype(float)) * (1 - start) / start
    all_pairs = k * (k - 1) / 2
    prior = start
    for _ in range(iterations):
        odds = bayes * prior / (1 - prior)
        updated = float((odds / (1 + odds)).sum()) / all_pairs
        updated = min(max(updated, 1e-12), 0.5)
        if abs(updated - prior) <= 1e-4 * prior:
            prior = updated
            break
        prior = updated
    # The chance that two random records match does not depend on the sample's size.
    return prior * (n - 1)


def _parameters(
    splink_model: dict[str, Any], fallback: LinkageModel
) -> dict[str, list[list[float]]]:
    """[m, u] per non-null level; a level never seen in training keeps its prior."""
    by_name = {c["output_column_name"]: c for c in splink_model["comparisons"]}
    parameters: dict[str, list[list[float]]] = {}
    for comparison in COMPARISONS:
        if comparison.name not in by_name:
            parameters[comparison.name] = fallback.parameters[comparison.name]
            continue
        levels = [
            level
            for level in by_name[comparison.name]["comparison_levels"]
            if not level.get("is_null_level")
        ]
        values = []
        for index, level in enumerate(levels):
            prior_m, prior_u = fallback.parameters[comparison.name][index]
            m = _probability(level.get("m_probability"), prior_m)
            u = _probability(level.get("u_probability"), prior_u)
            values.append([max(m, comparison.levels[index].min_m), max(u, 1e-7)])
        parameters[comparison.name] = _bounded(values, comparison.levels)
    return parameters


def _bounded(values: list[list[float]], levels: tuple[Level, ...]) -> list[list[float]]:
    """m capped at each level's max_m, the rest of the mass shared out among the others."""
    capped = [i for i, level in enumerate(levels) if values[i][0] > level.max_m]
    if not capped:
        return values
    fixed = sum(levels[i].max_m for i in capped)
    free = sum(values[i][0] for i in range(len(levels)) if i not in capped)
    scale = (1 - fixed) / free if free > 0 else 1.0
    return [
        [levels[i].max_m if i in capped else values[i][0] * scale, values[i][1]]
        for i in range(len(levels))
    ]


def _probability(value: Any, fallback: float) -> float:
    if value is None or not isinstance(value, int | float) or math.isnan(value):
        return fallback
    return min(max(float(value), 1e-9), 1.0)


def score(
    records: pd.DataFrame,
    model: LinkageModel,
    backend: Backend,
    *,
    min_probability: float,
    explain: bool = False,
    step: Step = _no_step,
) -> pd.DataFrame:
    """Every candidate pair (blocking rules) scoring at least `min_probability`."""
    if len(records) < 2:
        return _empty_pairs()
    step("Scoring candidate pairs")
    linker = _linker(records, model, backend, explain)
    predictions = linker.inference.predict(
        threshold_match_probability=min_probability, warning_mode="never"
    )
    return _pairs(predictions.as_pandas_dataframe())


def score_new(
    existing: pd.DataFrame,
    new: pd.DataFrame,
    model: LinkageModel,
    backend: Backend,
    *,
    min_probability: float,
    explain: bool = False,
    step: Step = _no_step,
) -> pd.DataFrame:
    """Pairs between new records and existing ones, and among the new records, without
    re-scoring pairs of existing records (incremental linkage)."""
    if new.empty:
        return _empty_pairs()
    step("Scoring new records")
    everyone = pd.concat([existing, new], ignore_index=True)
    api = backend.api()
    # Term frequencies come from all records, as a full run would compute them.
    all_table = _register(backend, api, everyone, "caselink_all_records")
    linker = Linker(all_table, model.settings(len(everyone), explain=explain), log_level=_QUIET)
    for column in TF_COLUMNS:
        linker.table_management.compute_tf_table(column)
    new_table = _register(backend, api, new, "caselink_new_records")
    frames = [
        linker.inference.predict_within(
            new_table, threshold_match_probability=min_probability, warning_mode="never"
        ).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    ]
    if not existing.empty:
        existing_table = _register(backend, api, existing, "caselink_existing_records")
        frames.append(
            linker.inference.predict_between(
                existing_table,
                new_table,
                threshold_match_probability=min_probability,
                warning_mode="never",
            ).as_pandas_dataframe()  # type: ignore[no-untyped-call]
        )
    return _pairs(pd.concat(frames, ignore_index=True))


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id_l": pd.Series(dtype=object),
            "unique_id_r": pd.Series(dtype=object),
            "match_probability": pd.Series(dtype=float),
            "match_weight": pd.Series(dtype=float),
        }
    )


def _pairs(predictions: pd.DataFrame) -> pd.DataFrame:
    """One row per unordered pair, lower id on the left, in a stable order."""
    if predictions.empty:
        return _empty_pairs()
    left = predictions["unique_id_l"].astype(str)
    right = predictions["unique_id_r"].astype(str)
    swap = left > right
    out = predictions.copy()
    out["unique_id_l"] = left.where(~swap, right)
    out["unique_id_r"] = right.where(~swap, left)
    if swap.any():
        # Evidence columns named *_l / *_r describe the records: swap them along with ids.
        for column in [c for c in out.columns if c.endswith("_l") and c != "unique_id_l"]:
            twin = column[:-2] + "_r"
            if twin in out.columns:
                l_values, r_values = out[column].copy(), out[twin].copy()
                out.loc[swap, column] = r_values[swap]
                out.loc[swap, twin] = l_values[swap]
    out = out.sort_values(
        ["unique_id_l", "unique_id_r", "match_probability"], ascending=[True, True, False]
    )
    out = out.drop_duplicates(["unique_id_l", "unique_id_r"])
    return out.reset_index(drop=True)
