"""The local SparkSession: Spark + Delta + spark-avro, as Databricks Runtime 17.3 LTS has them built in.

Never used on Databricks, where the notebook's `spark` is passed to the jobs instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from pyspark.sql import SparkSession

JARS_ENV = "H3_JARS_DIR"
_REPO_JARS = Path(__file__).resolve().parents[2] / ".cache" / "jars"
_REQUIRED = ("delta-spark_2.13-", "delta-storage-", "spark-avro_2.13-")


def local_jars(folder: str | None = None) -> list[str]:
    """The jars `scripts/fetch_jars.sh` put in `$H3_JARS_DIR` (default `.cache/jars` in the repository)."""
    where = Path(folder or os.environ.get(JARS_ENV) or _REPO_JARS)
    jars = sorted(str(p.resolve()) for p in where.glob("*.jar"))
    missing = [prefix for prefix in _REQUIRED if not any(Path(j).name.startswith(prefix) for j in jars)]
    if missing:
        raise FileNotFoundError(
            f"{JARS_ENV}={where} lacks {', '.join(p + '*.jar' for p in missing)}: "
            f"run `make install-python` (or scripts/fetch_jars.sh {where})"
        )
    return jars


def local_spark(
    app: str = "h3-ml",
    *,
    shuffle_partitions: int = 4,
    cores: int = 2,
    read_partitions: int | None = None,
    jars_dir: str | None = None,
    warehouse_dir: str | None = None,
    java_options: str | None = None,
) -> SparkSession:
    """`warehouse_dir` holds the managed tables of Spark's session catalog (`spark_catalog`), which keeps its
    table names in memory: the tests run the Unity Catalog code path (`Lake(catalog=...)`) against it.
    `java_options` go to the JVM that Spark starts (`spark.driver.extraJavaOptions`; in local mode the driver
    runs the tasks too). `cores` is how many tasks run at once; `read_partitions`, when given, is
    `spark.default.parallelism`, which otherwise equals `cores`: the fewest partitions Spark splits a file read
    into when the files allow (`spark.sql.files.minPartitionNum` defaults to it through
    `spark.sql.leafNodeDefaultParallelism`; https://spark.apache.org/docs/4.0.1/configuration.html)."""
    builder = SparkSession.builder
    if warehouse_dir:
        builder = builder.config("spark.sql.warehouse.dir", warehouse_dir)
    if java_options:
        builder = builder.config("spark.driver.extraJavaOptions", java_options)
    if read_partitions:
        builder = builder.config("spark.default.parallelism", str(read_partitions))
    spark = (
        builder.master(f"local[{cores}]")
        .appName(app)
        .config("spark.jars", ",".join(local_jars(jars_dir)))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # The UI is off, yet Spark's listeners keep its history of jobs, stages, tasks and queries in the heap, and
        # describe each query's plan for it: keep little of it, and the short description.
        .config("spark.ui.retainedJobs", "20")
        .config("spark.ui.retainedStages", "20")
        .config("spark.ui.retainedTasks", "200")
        .config("spark.sql.ui.retainedExecutions", "20")
        .config("spark.sql.ui.explainMode", "simple")
        .config("spark.driver.memory", "2g")
        # Defaults sized for clusters: Delta state reconstruction and VACUUM's file listing would otherwise
        # schedule 50 and 10,000 tasks on two cores.
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "4")
        # Local files without Hadoop's native library: the default stream checkpoint manager and Delta's default
        # log store for `file:` (HDFSLogStore) rename through Hadoop's FileContext, which starts a `readlink`
        # process for each rename. These rename through the FileSystem API instead, atomic on a local disk; the
        # log store's writes exclude each other within this one JVM, the only writer of a local lake
        # (https://docs.delta.io/delta-storage). Measured in docs/testing.md.
        .config(
            "spark.sql.streaming.checkpointFileManagerClass",
            "org.apache.spark.sql.execution.streaming.FileSystemBasedCheckpointFileManager",
        )
        .config("spark.delta.logStore.file.impl", "io.delta.storage.LocalLogStore")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
