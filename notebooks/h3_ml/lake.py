"""Where tables and checkpoints live: Unity Catalog names on Databricks, plain folders locally.

This and `capture.read_capture_stream` are the seam between Databricks and local runs; every job takes a
`Lake` and never builds a table location itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml.tables import BUCKET, TableSpec, user_bucket

DEFAULT_DELETION_SLA_DAYS = 30
VECTORS = "delta.enableDeletionVectors"
# Set once no deletion vector is left in the table's current files (see `TableRef.ensure`).
VECTORS_PURGED = "h3_ml.deletionVectorsPurged"
# A deletion waits for the next daily run, then for VACUUM's retention, then for the run after that.
_SCHEDULE_SLACK_DAYS = 2
_SCHEMA_PREFIX = re.compile(r"(?:[a-z][a-z0-9_]*_)?")
_MIN_RETENTION_DAYS = 7  # Delta refuses shorter VACUUM retention by default: readers may still need files.


@dataclass(frozen=True)
class Lake:
    """Exactly one of `root` (local folder) or `catalog` (Unity Catalog) is set."""

    checkpoints: str
    root: str | None = None
    catalog: str | None = None
    # Put before every schema name, so stacks that share one catalog keep their tables apart (`dev_ada_bronze`).
    schema_prefix: str = ""
    deletion_sla_days: int = DEFAULT_DELETION_SLA_DAYS

    def __post_init__(self) -> None:
        if (self.root is None) == (self.catalog is None):
            raise ValueError(
                f"Lake needs exactly one of root (a folder) or catalog (a Unity Catalog name), "
                f"got root={self.root!r} catalog={self.catalog!r}"
            )
        if not _SCHEMA_PREFIX.fullmatch(self.schema_prefix):
            raise ValueError(
                "schema_prefix must be empty or start with a lowercase letter and hold only lowercase letters, "
                f"digits and underscores, ending with '_' (e.g. 'dev_ada_'), got {self.schema_prefix!r}: fix the "
                "job parameter schema_prefix"
            )
        minimum = _MIN_RETENTION_DAYS + _SCHEDULE_SLACK_DAYS
        if self.deletion_sla_days < minimum:
            raise ValueError(
                f"deletion_sla_days must be at least {minimum} (VACUUM keeps files {_MIN_RETENTION_DAYS} days "
                f"at least, plus {_SCHEDULE_SLACK_DAYS} days of schedule), got {self.deletion_sla_days}"
            )

    @classmethod
    def local(cls, root: str, **kwargs) -> Lake:
        root = root.rstrip("/")
        return cls(checkpoints=f"{root}/_checkpoints", root=root, **kwargs)

    def schema(self, spec: TableSpec) -> str:
        return f"{self.schema_prefix}{spec.schema}"

    def table(self, spec: TableSpec) -> TableRef:
        if self.root is not None:
            return TableRef(spec, path=f"{self.root}/{self.schema(spec)}/{spec.name}")
        return TableRef(spec, name=f"{self.catalog}.{self.schema(spec)}.{spec.name}")

    def existing(self, spark: SparkSession, specs: Iterable[TableSpec]) -> list[TableRef]:
        """The tables of `specs` that exist, in order."""
        return [t for t in (self.table(spec) for spec in specs) if t.exists(spark)]

    def checkpoint(self, job: str) -> str:
        return f"{self.checkpoints.rstrip('/')}/{job}"

    def properties(self, spec: TableSpec) -> dict[str, str]:
        """Set explicitly on every table so OSS Delta and Databricks (whose defaults differ) behave alike."""
        retention = f"interval {self.deletion_sla_days - _SCHEDULE_SLACK_DAYS} days"
        return {
            # Off: every writer rewrites the files it deletes or updates rows in, so a deleted row's bytes leave
            # the current files in the same commit, with no `REORG ... APPLY (PURGE)` pass to rewrite them again
            # (with vectors on, a hidden old copy of a row can sit in a file deletion never touches).
            VECTORS: "false",
            VECTORS_PURGED: "true",  # a table created with vectors off has none
            # Off on purpose: `_change_data` files would be one more copy of deleted rows to purge.
            "delta.enableChangeDataFeed": "false",
            "delta.deletedFileRetentionDuration": retention,
            "delta.logRetentionDuration": retention,
            "delta.dataSkippingStatsColumns": ",".join(spec.stats_columns),
        }


@dataclass(frozen=True)
class TableRef:
    spec: TableSpec
    path: str | None = None
    name: str | None = None

    @property
    def sql(self) -> str:
        """The identifier to use in SQL text."""
        return f"delta.`{self.path}`" if self.path is not None else self.name

    @property
    def label(self) -> str:
        return self.spec.key

    def exists(self, spark: SparkSession) -> bool:
        if self.path is not None:
            return DeltaTable.isDeltaTable(spark, self.path)
        return spark.catalog.tableExists(self.name)

    def delta(self, spark: SparkSession) -> DeltaTable:
        if self.path is not None:
            return DeltaTable.forPath(spark, self.path)
        return DeltaTable.forName(spark, self.name)

    def read(self, spark: SparkSession) -> DataFrame:
        return spark.read.format("delta").load(self.path) if self.path else spark.read.table(self.name)

    def read_stream(self, spark: SparkSession, **options: str) -> DataFrame:
        reader = spark.readStream.format("delta").options(**options)
        return reader.load(self.path) if self.path else reader.table(self.name)

    def append(self, df: DataFrame, **options: str) -> None:
        writer = df.write.format("delta").mode("append").options(**options)
        if self.path is not None:
            writer.save(self.path)
        else:
            writer.saveAsTable(self.name)

    def ensure(self, spark: SparkSession, lake: Lake) -> TableRef:
        """Creates the table, or brings an existing one up to the registry: new columns, current properties."""
        wanted = lake.properties(self.spec)
        partitioned = self.spec.partition_columns
        if not self.exists(spark):
            columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in self.spec.columns.fields)
            props = ", ".join(f"'{k}' = '{v}'" for k, v in wanted.items())
            by = f" PARTITIONED BY ({', '.join(partitioned)})" if partitioned else ""
            spark.sql(f"CREATE TABLE IF NOT EXISTS {self.sql} ({columns}) USING DELTA{by} TBLPROPERTIES ({props})")
            return self
        have = set(self.delta(spark).toDF().columns)
        missing = [f for f in self.spec.columns.fields if f.name not in have and f.name not in partitioned]
        if missing:
            added = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in missing)
            spark.sql(f"ALTER TABLE {self.sql} ADD COLUMNS ({added})")
        if not set(partitioned) <= have:
            self._partition_by_bucket(spark)
        properties = self.properties(spark)
        changed = {k: v for k, v in wanted.items() if k != VECTORS_PURGED and properties.get(k) != v}
        if changed:
            props = ", ".join(f"'{k}' = '{v}'" for k, v in changed.items())
            spark.sql(f"ALTER TABLE {self.sql} SET TBLPROPERTIES ({props})")
        if _may_hold_vectors(properties):
            # Vectors written while they were on still hide rows whose bytes sit in current files. Marked only
            # once purged, so a run that stops in between purges on the next run.
            spark.sql(f"REORG TABLE {self.sql} APPLY (PURGE)")
            spark.sql(f"ALTER TABLE {self.sql} SET TBLPROPERTIES ('{VECTORS_PURGED}' = 'true')")
        return self

    def _partition_by_bucket(self, spark: SparkSession) -> None:
        """A table written before the bucket layout: every row rewritten once with its bucket, partitioned by it.

        Table properties and the log (ingest's transaction ids among it) stay; the overwrite is a change commit,
        which the normalize stream skips (`skipChangeCommits`), so no row is read twice.
        """
        rows = self.read(spark).withColumn(BUCKET, user_bucket(F.col(self.spec.user_column)))
        writer = (
            rows.write.format("delta")
            .mode("overwrite")
            .option("overwriteSchema", "true")
            .partitionBy(*self.spec.partition_columns)
        )
        if self.path is not None:
            writer.save(self.path)
        else:
            writer.saveAsTable(self.name)

    def properties(self, spark: SparkSession) -> dict[str, str]:
        # Not `DeltaTable.detail()`: it also sums the table's files, a Spark job over the whole log state.
        return {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {self.sql}").collect()}

    def may_hold_deletion_vectors(self, spark: SparkSession) -> bool:
        """False once `ensure` turned vectors off and purged the ones written before."""
        return _may_hold_vectors(self.properties(spark))


def _may_hold_vectors(properties: dict[str, str]) -> bool:
    return properties.get(VECTORS, "false") != "false" or properties.get(VECTORS_PURGED) != "true"
