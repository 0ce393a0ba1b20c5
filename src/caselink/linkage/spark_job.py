"""Record linkage as a Spark application, for `spark-submit` on a cluster (or local[N]).

The same reading, model, scoring, clustering and output as `caselink link --backend spark`;
only who creates the SparkSession differs (spark-submit says where it runs). Splink's
string-similarity functions are Scala UDFs in a jar that must be on the driver's classpath,
so pass it with --jars:

    spark-submit --master local[4] \\
      --jars "$(python -m caselink.linkage.spark_job --jar)" \\
      src/caselink/linkage/spark_job.py \\
      --input records/ --output clusters.csv --model models/ --threshold 0.9

With no --model, the model is trained on the input (on Spark) and, with --save-model DIR,
kept as the next version there.
"""

import sys
from pathlib import Path

# spark-submit runs this file as a script, which puts its folder first on sys.path, where
# linkage/queue.py would shadow the standard library's `queue` (py4j needs it).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import logging
import tempfile
from typing import Any

LOG = logging.getLogger("caselink.linkage.spark_job")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="spark_job.py", description="Link interchange CSV person records on Spark."
    )
    parser.add_argument("--jar", action="store_true", help="Print the UDF jar's path and stop.")
    parser.add_argument("--input", type=Path, help="An interchange CSV file, or a directory.")
    parser.add_argument("--output", type=Path, help="Where to write record_id,person_id.")
    parser.add_argument("--model", type=Path, help="A model file, or a directory of versions.")
    parser.add_argument("--save-model", type=Path, help="Keep the model used in this directory.")
    parser.add_argument("--threshold", type=_probability, help="Link threshold (0-1).")
    parser.add_argument("--review-threshold", type=_probability, help="Review from here (0-1).")
    parser.add_argument("--pairs", type=Path, help="Also write the scored pairs here.")
    parser.add_argument(
        "--checkpoint-dir",
        help="Spark checkpoint directory (shared storage, e.g. hdfs://..., on a cluster).",
    )
    parsed = parser.parse_args(argv)
    if not parsed.jar and (parsed.input is None or parsed.output is None):
        parser.error("--input and --output are required")
    if parsed.input is not None and not parsed.input.exists():
        parser.error(f"--input: {parsed.input} does not exist")
    return parsed


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def submitted_session(checkpoint_dir: str) -> Any:
    """The session spark-submit set up (master, memory, jars), with the settings Splink's
    results depend on."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("caselink-linkage").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    spark.sparkContext.setCheckpointDir(checkpoint_dir)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run(args: argparse.Namespace, spark: Any) -> int:
    from caselink.linkage.engine import Backend
    from caselink.linkage.link import link
    from caselink.linkage.model import load_model, save_model
    from caselink.linkage.output import write_clusters, write_pairs, write_rejected
    from caselink.linkage.records import read_records

    model = load_model(args.model) if args.model else None
    found = read_records(args.input)
    result = link(
        found.records,
        Backend("spark", spark=spark),
        model=model,
        link_threshold=args.threshold,
        review_threshold=args.review_threshold,
        step=LOG.info,
    )
    write_clusters(args.output, result.persons)
    if args.pairs:
        write_pairs(args.pairs, result.pairs)
    if args.save_model:
        LOG.info("model saved as %s", save_model(result.model, args.save_model))
    persons = result.persons["person_id"].nunique()
    print(f"{len(result.persons)} records linked into {persons} persons; written to {args.output}")
    if found.rejected or found.file_problems:
        rejected = args.output.with_name(args.output.stem + ".errors.csv")
        write_rejected(rejected, found.rejected)
        for problem in found.file_problems:
            print(problem, file=sys.stderr)
        print(f"{len(found.rejected)} rows could not be linked; see {rejected}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.jar:
        from splink.backends.spark import similarity_jar_location

        print(similarity_jar_location())
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("splink").setLevel(logging.ERROR)
    try:
        model_problem = _check_model(args.model)
    except OSError as error:
        model_problem = str(error)
    if model_problem:
        print(f"--model: {model_problem}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="caselink-spark-") as scratch:
        spark = submitted_session(args.checkpoint_dir or scratch)
        try:
            return run(args, spark)
        finally:
            spark.stop()


def _check_model(path: Path | None) -> str | None:
    """Fail before Spark starts (a minute) on a model that cannot be used."""
    from caselink.linkage.model import load_model

    if path is None:
        return None
    try:
        load_model(path)
    except (ValueError, KeyError) as error:
        return f"cannot use {path}: {error}"
    return None


if __name__ == "__main__":
    sys.exit(main())
