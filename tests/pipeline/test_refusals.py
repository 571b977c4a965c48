"""What the delete job refuses before it deletes anything, so a user's rows are never silently missed, on both
table paths: a table the pipeline does not know, and a table bucketed with another count than the code's."""

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from h3_ml import tables
from h3_ml.lake import TableRefused
from h3_ml.tables import BUCKET, DELETION_AUDIT, EVENTS, TableSpec

from .helpers import T0, body, bronze_frame, delete_run, request_deletion
from .scenario import ALICE, BOB


def user_rows(spark, lake, user):
    return lake.table(EVENTS).read(spark).filter(F.col("userId") == user).count()


def test_a_table_the_pipeline_does_not_know_is_refused_before_anything_is_deleted(spark, any_lake):
    request_deletion(spark, any_lake, ALICE, "req-1")
    # An event type removed from the registry leaves its silver table and rows behind.
    gone = TableSpec("silver", "measurement_deleted", T.StructType([]), user_column="userId", stats_columns=())
    spark.sql(f"CREATE TABLE {any_lake.table(gone).sql} (userId string) USING DELTA")
    removed = f"{any_lake.schema_prefix}silver.measurement_deleted"
    with pytest.raises(TableRefused, match=rf"tables the pipeline does not know: {removed}\. .* Fix: if an event"):
        delete_run(spark, any_lake, request_id="req-1")
    assert user_rows(spark, any_lake, ALICE) == 1
    assert not any_lake.table(DELETION_AUDIT).exists(spark)


def test_rows_without_their_bucket_are_repaired_and_another_bucket_count_is_refused(spark, any_lake, monkeypatch):
    mine = [body(event_id=f"e-{i}", user_id=BOB, occurred_at=T0) for i in range(2)]
    bronze = any_lake.table(EVENTS).ensure(spark, any_lake)
    assert bronze.properties(spark)["h3_ml.userBuckets"] == "16"
    # A writer that left the bucket out: the MERGE, which looks in Bob's bucket, would miss the row.
    bronze.append(bronze_frame(spark, mine[:1]).withColumn(BUCKET, F.lit(None).cast("int")))
    bronze.append(bronze_frame(spark, mine[1:], first_seq=1))
    request_deletion(spark, any_lake, BOB, "req-b")
    summary = delete_run(spark, any_lake, request_id="req-b")
    assert (summary.repaired, summary.rows_removed["bronze.events"]) == ({"bronze.events": 1}, 3)
    assert user_rows(spark, any_lake, BOB) == 0

    # The code now buckets into 8: it would look for Alice in the wrong partition. Refused, not missed.
    request_deletion(spark, any_lake, ALICE, "req-a")
    monkeypatch.setattr(tables, "USER_BUCKETS", 8)
    message = r"bronze.events holds rows bucketed into 16 user buckets .* this code buckets users into 8: .* Fix: keep"
    with pytest.raises(TableRefused, match=message):
        delete_run(spark, any_lake, request_id="req-a")
    assert user_rows(spark, any_lake, ALICE) == 1
    assert [r.requestId for r in any_lake.table(DELETION_AUDIT).read(spark).collect()] == ["req-b"]
