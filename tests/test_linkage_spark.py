"""The Spark backend (PySpark in local mode) runs the very same model as DuckDB and puts
the same records together. One SparkSession for the whole run: it takes ~30-60 s to start.

Needs a Java runtime; without one the test is skipped on a developer machine and fails
when CI=true (CI installs default-jre-headless)."""

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from caselink.linkage.engine import Backend, _register, spark_session
from caselink.linkage.link import link
from caselink.linkage.model import BLOCKING_RULES, LinkageModel
from caselink.linkage.normalise import prepare
from tests.support.linkage import COLUMNS, PEOPLE, others

logging.getLogger("splink").setLevel(logging.ERROR)
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if shutil.which("java") is None:
        if IN_CI:
            pytest.fail("no Java runtime: with CI=true the Spark tests must run, not skip")
        pytest.skip("no Java runtime for Spark (apt-get install default-jre-headless)")
    checkpoints: Path = tmp_path_factory.mktemp("spark-checkpoints")
    session = spark_session(str(checkpoints), cores=2, memory="1g", partitions=8)
    yield session
    session.stop()


def _groups(persons: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(g["record_id"]) for _, g in persons.groupby("person_id")}


def test_spark_and_duckdb_link_the_same_records_together(spark: Any) -> None:
    rows = PEOPLE + others(300, seed=9)
    records = pd.DataFrame(rows, columns=COLUMNS)
    model = LinkageModel()
    on_duckdb = link(records, Backend("duckdb"), model=model)
    on_spark = link(records, Backend("spark", spark=spark), model=model)
    assert _groups(on_spark.persons) == _groups(on_duckdb.persons)
    assert on_spark.persons.equals(on_duckdb.persons), "the same stable person ids, too"
    merged = on_duckdb.pairs.merge(on_spark.pairs, on=["record_id_l", "record_id_r"])
    assert len(merged) == len(on_duckdb.pairs) == len(on_spark.pairs)
    difference = (merged["match_probability_x"] - merged["match_probability_y"]).abs()
    assert difference.max() < 1e-6
    together = {frozenset({"L-ELIZ-1", "L-ELIZ-2", "L-ELIZ-3"})}
    assert together <= _groups(on_spark.persons)


def test_spark_joins_records_read_from_parquet_not_copies_held_by_the_driver(spark: Any) -> None:
    """Arrow data became an in-memory table, and Spark's optimiser evaluates each projection
    of one on the driver: the blocking rules' self-joins held two copies of the records per
    rule in the driver's heap (out of memory at 100,000 records with 31 rules)."""
    backend = Backend("spark", spark=spark)
    records = prepare(pd.DataFrame(PEOPLE, columns=COLUMNS))
    table = _register(backend, backend.api(), records).physical_name
    rule = BLOCKING_RULES[1]
    joined = spark.sql(f"select l.unique_id from {table} l join {table} r on {rule}")
    plan = joined._jdf.queryExecution().optimizedPlan().toString()
    assert "LocalRelation" not in plan
    assert plan.count("parquet") >= 2, plan
