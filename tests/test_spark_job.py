"""The linkage job for `spark-submit`: pyspark's own spark-submit runs it in local mode, and
it puts the same records together as the DuckDB backend with the same saved model.

Needs a Java runtime; without one the test is skipped on a developer machine and fails when
CI=true. Spark's start-up dominates: one small input, one run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyspark
import pytest

from caselink.linkage.engine import Backend
from caselink.linkage.link import link
from caselink.linkage.model import LinkageModel, load_model, save_model
from caselink.linkage.records import read_records
from caselink.linkage.spark_job import arguments
from tests.support.linkage import PEOPLE, others, write_people

IN_CI = os.environ.get("CI", "").lower() == "true"
JOB = Path(__file__).parents[1] / "src" / "caselink" / "linkage" / "spark_job.py"
SPARK_SUBMIT = Path(pyspark.__file__).parent / "bin" / "spark-submit"


def _groups(persons: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(g["record_id"]) for _, g in persons.groupby("person_id")}


def _jar() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "caselink.linkage.spark_job", "--jar"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_spark_submit_links_the_same_records_as_duckdb(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        if IN_CI:
            pytest.fail("no Java runtime: with CI=true the Spark tests must run, not skip")
        pytest.skip("no Java runtime for Spark (apt-get install default-jre-headless)")
    people = write_people(tmp_path / "person_records.csv", PEOPLE + others(60, seed=9))
    model_file = save_model(LinkageModel(), tmp_path / "models")
    output = tmp_path / "clusters.csv"
    python = sys.executable
    done = subprocess.run(
        [
            str(SPARK_SUBMIT),
            "--master",
            "local[2]",
            "--driver-memory",
            "1g",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=4",
            "--conf",
            "spark.default.parallelism=4",
            "--jars",
            _jar(),
            str(JOB),
            "--input",
            str(people),
            "--output",
            str(output),
            "--model",
            str(model_file),
            "--checkpoint-dir",
            str(tmp_path / "checkpoints"),
        ],
        cwd=tmp_path,  # Spark writes its spark-warehouse folder into the working directory
        env={**os.environ, "PYSPARK_PYTHON": python, "PYSPARK_DRIVER_PYTHON": python},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    on_spark = pd.read_csv(output, dtype=str)
    on_duckdb = link(
        read_records(people).records, Backend("duckdb"), model=load_model(model_file)
    ).persons
    assert len(on_spark) == len(on_duckdb) == len(PEOPLE) + 60
    assert _groups(on_spark) == _groups(on_duckdb)
    assert {frozenset({"L-ELIZ-1", "L-ELIZ-2", "L-ELIZ-3"})} <= _groups(on_spark)


def test_the_job_refuses_bad_arguments_before_starting_spark(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        arguments(["--output", str(tmp_path / "out.csv")])
    with pytest.raises(SystemExit):
        arguments(["--input", str(tmp_path / "missing.csv"), "--output", "x.csv"])
    with pytest.raises(SystemExit):
        arguments(["--input", str(tmp_path), "--output", "x.csv", "--threshold", "1.5"])
    bad_model = tmp_path / "model.json"
    bad_model.write_text('{"format": "something else"}')
    from caselink.linkage.spark_job import main

    assert main(["--input", str(tmp_path), "--output", "x.csv", "--model", str(bad_model)]) == 2
