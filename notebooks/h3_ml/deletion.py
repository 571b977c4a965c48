"""The delete job: every row of each user who asked, gone from every table; the proof in `ops.deletion_audit`.

A request is a `user.deletion_requested` event, read from bronze (so it never waits for normalize); its eventId
is the request id. No user id ever reaches the job as a parameter: the Jobs service keeps a run's parameters
with the run ("Runs are automatically removed after 60 days", databricks/databricks-sdk-go `service/jobs`,
`GetRunOutput`), and the jobs system table `system.lakeflow.job_run_timeline`, whose rows carry each run's
`job_parameters`, for 365 days (https://learn.microsoft.com/azure/databricks/admin/system-tables/jobs): beyond the
deletion SLA and any deletion's reach. `run_delete_job` is the job, for the notebook and the local runner
alike; `DeleteSettings.request_id` makes a run-now for one request, without it the run is the daily one.

Ids and the audit salt enter Spark only as DataFrames that are joined, never as literals: a literal would be
printed in query plans (Spark UI, event logs). Rows are removed with a MERGE against such a DataFrame rather than
`DELETE ... WHERE userId IN (...)`, because Delta records a DELETE's predicate, literals included, in
`_delta_log`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from h3_ml import faults as fp
from h3_ml import salt as audit_salt
from h3_ml import tables as tables_registry
from h3_ml import watchdog
from h3_ml.commits import retry_on_conflict
from h3_ml.faults import NO_FAULTS, Faults
from h3_ml.lake import Lake, TableRef, TableRefused, repair_buckets, without_bucket
from h3_ml.layout import optimize, session_settings
from h3_ml.parallel import TABLES_AT_ONCE, side_by_side
from h3_ml.registry import DELETION_REQUESTED
from h3_ml.scan import scan_new_rows
from h3_ml.tables import BUCKET, CAPTURE_FILES, DELETION_AUDIT, EVENTS, all_tables, user_bucket, user_tables
from h3_ml.watchdog import DeletionAlarm

EVENT = "event"
# A completed request applied again to rows of its user that arrived after it (a late Capture file, or an append
# that committed beside the deletion's MERGE without conflicting with it).
REAPPLIED = "reapplied"


@dataclass(frozen=True)
class DeleteSettings:
    """The delete job's parameters beyond where its tables are (`job_parameters.json`)."""

    request_id: str | None = None
    capture_root: str | None = None
    open_request_hours: int = 30
    capture_lag_hours: int = 6
    rotate_salt: bool = False

    @classmethod
    def from_parameters(cls, params: dict[str, object]) -> DeleteSettings:
        return cls(
            request_id=params["request_id"] or None,
            capture_root=params["capture_root"],
            open_request_hours=params["open_request_hours"],
            capture_lag_hours=params["capture_lag_hours"],
            rotate_salt=params["rotate_salt"],
        )

    @property
    def scheduled(self) -> bool:
        return self.request_id is None


@dataclass
class DeletionSummary:
    # Audit rows this run completed (requests, and users whose rows came back after their request).
    requests: int = 0
    # Request events seen again whose request was completed before (a re-send).
    already_completed: int = 0
    # Rows the run read: those added to the user tables since the last run (and rows of files rewritten since in
    # silver tables), never the whole lake.
    scanned: int = 0
    # table key -> rows removed in this run, for every user table that exists
    rows_removed: dict[str, int] = field(default_factory=dict)
    # table key -> rows naming no user, deleted because they were older than `unattributed_days`
    expired: dict[str, int] = field(default_factory=dict)
    # table key -> rows with a user and no bucket, given theirs
    repaired: dict[str, int] = field(default_factory=dict)
    # Every table of the stack's schemas, vacuumed at its retention (the daily run).
    vacuumed: list[str] = field(default_factory=list)
    # From the start of the run to the committed audit completion; housekeeping comes after it.
    seconds_to_completed_audit: float | None = None
    # table key -> files the daily compaction merged
    compacted: dict[str, int] = field(default_factory=dict)
    salt_version: int | None = None
    # The audit row of the run's `request_id`: requestId, source, requestedAt, completedAt, rowsRemoved.
    request: dict | None = None


class RequestNotFound(RuntimeError):
    """A run-now for a request that is not in bronze (nor in the audit) yet."""


@dataclass(frozen=True)
class Request:
    request_id: str
    user_id: str
    requested_at: datetime
    source: str


def run_delete_job(
    spark: SparkSession,
    lake: Lake,
    settings: DeleteSettings = DeleteSettings(),
    *,
    faults: Faults = NO_FAULTS,
    progress: Callable[[str], None] = print,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DeletionSummary:
    """The delete job, as the notebook and the local runner both run it.

    Every run: refuses tables it does not know and tables bucketed differently (before deleting anything); gives
    rows with a user and no bucket theirs; reads the rows added since the last run, opening an audit row for each
    new request event and for each user of a completed request whose rows came back; completes every open audit
    row by deleting its user's rows from every user table, including rows whose body names the user but did not
    parse. The daily run (no `request_id`) also deletes rows naming no user once older than `unattributed_days`,
    compacts the user tables, vacuums every table of the stack's schemas at its retention, and fails at its end
    when the watchdog finds the promise at risk.

    Idempotent: a completed request is never redone; a run that crashed leaves its audit rows open and the next
    run completes them, even when the request events are already gone from bronze.
    """
    started, clock = now(), time.monotonic()
    summary = DeletionSummary()
    tables = _checked_user_tables(spark, lake, summary, progress)
    progress(f"delete: {len(tables)} user tables checked (all known, bucketed into {tables_registry.USER_BUCKETS})")
    audit = lake.table(DELETION_AUDIT).ensure(spark, lake)
    lake.table(CAPTURE_FILES).ensure(spark, lake)
    summary.salt_version = audit_salt.ensure_salt(spark, lake, now=now)
    progress(f"delete: audit ready, salt version {summary.salt_version}")
    ids = _IdsOfRun(spark, lake, summary.salt_version)

    _Scan(spark, lake, audit, ids, summary, started).run(tables, progress)
    if settings.request_id is not None:
        _require_request(spark, lake, audit, settings.request_id)

    _complete_open_requests(spark, lake, audit, ids, tables, summary, faults, progress, now)
    summary.seconds_to_completed_audit = time.monotonic() - clock
    if settings.scheduled:
        _expire_unattributed(spark, lake, tables, summary, started, progress)
        _upkeep(spark, lake, tables, summary, progress)
        progress(f"delete: compacted {len(summary.compacted)} tables, {sum(summary.compacted.values())} files merged")
        progress(f"delete: vacuumed {len(summary.vacuumed)} tables at their retention")
    if settings.rotate_salt:
        summary.salt_version = audit_salt.rotate(spark, lake, now=now)
        progress(f"delete: audit salt rotated: version {summary.salt_version} for the requests to come")
    if settings.request_id is not None:
        summary.request = request_row(spark, audit, settings.request_id)
    if settings.scheduled:
        _watch(spark, lake, settings, summary, started, now(), progress)
    return summary


def _watch(
    spark: SparkSession,
    lake: Lake,
    settings: DeleteSettings,
    summary: DeletionSummary,
    started: datetime,
    finished: datetime,
    progress: Callable[[str], None],
) -> None:
    """Fails the daily run, after its work, when the promise is at risk (`watchdog`)."""
    alarms = watchdog.check(
        spark,
        lake,
        capture_root=settings.capture_root,
        seen_capture_files=lambda: lake.table(CAPTURE_FILES).read(spark).select("captureFile"),
        open_request_hours=settings.open_request_hours,
        capture_lag_hours=settings.capture_lag_hours,
        started=started,
        now=finished,
    )
    if alarms:
        progress(f"delete: done, with {len(alarms)} alarms")
        raise DeletionAlarm(
            "the daily delete run did its work and found the deletion promise at risk:\n- " + "\n- ".join(alarms),
            summary,
        )


def _checked_user_tables(
    spark: SparkSession, lake: Lake, summary: DeletionSummary, progress: Callable[[str], None]
) -> list[TableRef]:
    """The existing user tables, each checked (refusing another bucket count), after refusing unknown tables."""
    unknown = lake.unknown_tables(spark)
    if unknown:
        raise TableRefused(
            f"the stack's schemas hold tables the pipeline does not know: {', '.join(unknown)}. The delete job "
            "deletes users' rows only from the tables in notebooks/h3_ml/tables.py, so rows in these would stay. "
            "Fix: if an event type was removed from the registry, keep it registered until its table is dropped "
            "(delete its rows first); drop a table that holds no user data, or register it with its user column"
        )
    # Checked, not ensured: ingest and normalize own the user tables and alone change their metadata.
    tables = side_by_side(lambda t: t.check(spark), lake.existing(spark, user_tables()), at_most=TABLES_AT_ONCE)
    if not tables:
        return tables
    # A writer that left a row's bucket null hid it from the MERGE, which looks in the user's bucket only. Counted
    # in one Spark job over the null buckets, repaired where any is found.
    unbucketed = reduce(
        DataFrame.unionByName,
        [t.read(spark).filter(without_bucket(t)).select(F.lit(t.label).alias("table")) for t in tables],
    )
    summary.repaired = {r.table: r["count"] for r in unbucketed.groupBy("table").count().collect()}
    for table in (t for t in tables if t.label in summary.repaired):
        repair_buckets(spark, table)
        progress(f"delete: {table.label}: {summary.repaired[table.label]} rows with a user and no bucket given theirs")
    return tables


class _IdsOfRun:
    """The user ids this run deletes, by the hash the audit keeps for them; in driver memory only."""

    def __init__(self, spark: SparkSession, lake: Lake, salt_version: int) -> None:
        self.spark, self.lake, self.salt_version = spark, lake, salt_version
        self.by_hash: dict[str, str] = {}

    def current_salt(self) -> DataFrame:
        salts = audit_salt.salts(self.spark, self.lake)
        return salts.filter(F.col("saltVersion") == self.salt_version)

    def add(self, user_ids: Iterable[str]) -> None:
        """Hashes the ids with the current salt in Spark (the salt never leaves it) and remembers them."""
        new = sorted(set(user_ids) - set(self.by_hash.values()))
        if not new:
            return
        frame = self.spark.createDataFrame([(u,) for u in new], "userId string")
        for r in audit_salt.with_hashes(frame, self.current_salt()).collect():
            self.by_hash[r.userHash] = r.userId


class _Scan:
    """Reads the rows added to the user tables since the last run (`scan`) and records, per batch, in one
    idempotent append to the audit: an open row per new request event, and a `reapplied` row per user of a
    completed request whose rows are among them. Also records the batch's Capture files for the watchdog.

    Open rows first: event requests vanish from bronze with the user's rows, so a crash after that point would
    otherwise forget them. The next run resumes from these rows.
    """

    def __init__(
        self,
        spark: SparkSession,
        lake: Lake,
        audit: TableRef,
        ids: _IdsOfRun,
        summary: DeletionSummary,
        started: datetime,
    ) -> None:
        self.spark, self.lake, self.audit, self.ids, self.summary = spark, lake, audit, ids, summary
        self.started = started
        self.reapplied = f"{REAPPLIED}:{started:%Y%m%dT%H%M%S.%fZ}"

    def run(self, tables: list[TableRef], progress: Callable[[str], None]) -> None:
        self.summary.scanned = scan_new_rows(self.spark, self.lake, tables, self.batch, progress)
        progress(f"delete: read {self.summary.scanned} rows added to the user tables since the last run")

    def batch(self, rows: DataFrame, query_id: str, batch_id: int) -> None:
        rows = rows.persist()
        try:
            txn = {"txnAppId": f"h3_ml.delete:{query_id}", "txnVersion": str(batch_id)}
            self._open(rows, txn)
            bronze = rows.filter((F.col("table") == EVENTS.key) & F.col("captureFile").isNotNull())
            files = sorted(r.captureFile for r in bronze.select("captureFile").distinct().collect())
            if files:
                seen = self.spark.createDataFrame([(f, self.started) for f in files], CAPTURE_FILES.columns)
                self.lake.table(CAPTURE_FILES).append(seen, **txn)
        finally:
            rows.unpersist()

    def _open(self, rows: DataFrame, txn: dict[str, str]) -> None:
        asked = rows.filter(
            (F.col("table") == EVENTS.key) & (F.col("eventType") == DELETION_REQUESTED) & F.col("userId").isNotNull()
        )
        requests = {r.request_id: r for r in map(_request, asked.select(*_REQUEST_COLUMNS).collect())}
        known = {
            r.requestId: r.completedAt for r in self.audit.read(self.spark).select("requestId", "completedAt").collect()
        }
        self.summary.already_completed += sum(1 for rid in requests if known.get(rid) is not None)
        new = [r for rid, r in sorted(requests.items()) if rid not in known]
        users = rows.filter(F.col("userId").isNotNull()).select("userId").distinct()
        late = _completed_users(self.spark, self.lake, self.audit, users) - {r.user_id for r in new}
        new += [Request(self.reapplied, u, self.started, REAPPLIED) for u in sorted(late)]
        if not new:
            return
        self.ids.add(r.user_id for r in new)
        hash_of = {u: h for h, u in self.ids.by_hash.items()}
        audit_rows = [
            (r.request_id, hash_of[r.user_id], r.source, r.requested_at, None, None, self.ids.salt_version) for r in new
        ]
        # Appended with the batch's transaction id: a batch replayed after a crash appends nothing twice.
        self.audit.append(self.spark.createDataFrame(audit_rows, DELETION_AUDIT.columns), **txn)


def event_requests(spark: SparkSession, lake: Lake) -> list[Request]:
    """Deletion-request events in bronze, one per event: its eventId is the request id."""
    bronze = lake.table(EVENTS)
    if not bronze.exists(spark):
        return []
    rows = bronze.read(spark).filter((F.col("eventType") == DELETION_REQUESTED) & F.col("userId").isNotNull())
    return [_request(r) for r in rows.select(*_REQUEST_COLUMNS).collect()]


_REQUEST_COLUMNS = ("eventId", "userId", "occurredAt", "enqueuedTime", "ingestedAt", "partitionId", "sequenceNumber")


def _request(r) -> Request:
    # An event without a usable eventId is still a request: its place in Event Hubs names it.
    rid = (r.eventId or "").strip() or f"event:{r.partitionId}:{r.sequenceNumber}"
    # The deletion SLA runs from when the request reached Event Hubs; a device's own clock decides nothing.
    at = r.enqueuedTime or r.occurredAt or r.ingestedAt
    return Request(rid, r.userId, at.replace(tzinfo=UTC), EVENT)


def _require_request(spark: SparkSession, lake: Lake, audit: TableRef, request_id: str) -> None:
    if audit.read(spark).filter(F.col("requestId") == request_id).limit(1).count():
        return
    raise RequestNotFound(
        f"deletion request {request_id} is not in {lake.table(EVENTS).label} yet, so this run deleted nothing. "
        "Fix: wait until the ingest job has picked up the request event (it starts when Capture writes the "
        "file), then run again with the same request_id; the daily run picks it up in any case"
    )


def _completed_users(spark: SparkSession, lake: Lake, audit: TableRef, user_ids: DataFrame) -> set[str]:
    """The ids among `user_ids` (a frame of `userId`) that a completed audit row holds, under any salt version."""
    completed = (
        audit.read(spark)
        .filter(F.col("completedAt").isNotNull())
        .select(F.coalesce("saltVersion", F.lit(audit_salt.UNVERSIONED)).alias("saltVersion"), "userHash")
        .distinct()
    )
    hashed = audit_salt.with_hashes(user_ids, audit_salt.salts(spark, lake))
    matched = hashed.join(completed, ["saltVersion", "userHash"], "left_semi").select("userId").distinct()
    return {r.userId for r in matched.collect()}


def _complete_open_requests(
    spark: SparkSession,
    lake: Lake,
    audit: TableRef,
    ids: _IdsOfRun,
    tables: list[TableRef],
    summary: DeletionSummary,
    faults: Faults,
    progress: Callable[[str], None],
    now: Callable[[], datetime],
) -> None:
    """Deletes the rows of every open audit row's user, then completes the rows with what was removed."""
    open_rows = audit.read(spark).filter(F.col("completedAt").isNull()).select("requestId", "userHash").collect()
    summary.rows_removed = {t.label: 0 for t in tables}
    if not open_rows:
        progress("delete: nothing to do")
        return
    _find_ids(spark, lake, ids, tables, open_rows)
    hashes = {r.userHash for r in open_rows}
    users = {h: u for h, u in ids.by_hash.items() if h in hashes}
    targets = _targets(spark, ids, users)
    try:
        if len(hashes) == 1 == len(users):
            # One user (a run-now, say): each MERGE's own count is the user's, so nothing is read before the MERGEs,
            # which then run on every table (one that holds none of the rows commits nothing) and look in the
            # null bucket of every table that may hold damaged bodies.
            per_hash = {h: {t.label: 0 for t in tables} for h in hashes}
            holding, damaged = tables, {t.label for t in tables if t.spec.unattributed}
        else:
            per_hash, damaged = _count_rows(spark, tables, targets, hashes, summary)
            holding = [t for t in tables if summary.rows_removed[t.label]]
            progress(f"delete: rows of {len(open_rows)} open requests counted")
        faults.check(fp.DELETE_BEFORE_MERGE)
        _remove_from_tables(spark, holding, targets, users, per_hash, damaged, summary, progress)
        faults.check(fp.DELETE_BEFORE_AUDIT)
    finally:
        targets.unpersist()
    _complete_audit(spark, audit, per_hash, now())
    summary.requests = len(open_rows)
    progress(f"delete: {len(open_rows)} requests completed in {audit.label}")


def _find_ids(spark: SparkSession, lake: Lake, ids: _IdsOfRun, tables: list[TableRef], open_rows: list) -> None:
    """The ids of open rows that an earlier run left: from their request events in bronze, else (a crash after
    the events were deleted) by hashing the ids in the user tables."""
    missing = {r.userHash for r in open_rows} - set(ids.by_hash)
    if not missing:
        return
    requests = {r.request_id: r.user_id for r in event_requests(spark, lake)}
    ids.add(requests[r.requestId] for r in open_rows if r.userHash in missing and r.requestId in requests)
    missing -= set(ids.by_hash)
    if missing and tables:
        present = reduce(
            DataFrame.unionByName,
            [t.read(spark).select(F.col(t.spec.user_column).alias("userId")) for t in tables],
        ).filter(F.col("userId").isNotNull())
        wanted = spark.createDataFrame([(h,) for h in sorted(missing)], "userHash string")
        found = audit_salt.with_hashes(present.distinct(), ids.current_salt()).join(wanted, "userHash", "left_semi")
        ids.add(r.userId for r in found.select("userId").collect())


def _targets(spark: SparkSession, ids: _IdsOfRun, users: dict[str, str]) -> DataFrame:
    """The users to delete as a frame of `userId`, `userHash`, `userBucket` and the quoted id that a body holds."""
    rows = [(u, h) for h, u in sorted(users.items())]
    frame = spark.createDataFrame(rows, "userId string, userHash string")
    quoted = F.concat(F.lit('"'), F.col("userId"), F.lit('"'))
    return (
        frame.withColumn(BUCKET, user_bucket(F.col("userId")))
        .withColumn("needle", quoted)
        .withColumn("needleBytes", quoted.cast("binary"))
        .cache()
    )


def buckets(ids: DataFrame) -> list[int]:
    return sorted({r[BUCKET] for r in ids.select(BUCKET).distinct().collect()})


def _damaged(table: TableRef, rows: DataFrame, targets: DataFrame) -> DataFrame:
    """Rows of the null bucket (no user id parsed) whose raw body holds a target's id as a JSON string."""
    nameless = rows.filter(F.col(BUCKET).isNull() & F.col(table.spec.user_column).isNull())
    holds = F.contains(F.col("body"), F.col("needle")) | F.contains(F.col("bodyBytes"), F.col("needleBytes"))
    return nameless.join(F.broadcast(targets.select("userHash", "needle", "needleBytes")), holds)


def _count_rows(
    spark: SparkSession, tables: list[TableRef], targets: DataFrame, hashes: set[str], summary: DeletionSummary
) -> tuple[dict[str, dict[str, int]], set[str]]:
    """Rows per audit hash and table (what each audit row records, with several users), read in one Spark job over
    the users' buckets and the null bucket, and the tables where damaged bodies hold any of the users. The totals
    go to `summary.rows_removed` until each MERGE replaces them with its own."""
    per_hash: dict[str, dict[str, int]] = {h: {t.label: 0 for t in tables} for h in hashes}
    if not tables:
        return per_hash, set()
    in_buckets = buckets(targets)
    parts = []
    for t in tables:
        rows = t.read(spark)
        found = rows.filter(F.col(BUCKET).isin(in_buckets)).join(
            F.broadcast(targets.select(F.col("userId").alias("_target"), "userHash")),
            F.col(t.spec.user_column) == F.col("_target"),
        )
        parts.append(found.select(F.lit(t.label).alias("table"), F.lit(False).alias("damaged"), "userHash"))
        if t.spec.unattributed:
            damaged = _damaged(t, rows, targets)
            parts.append(damaged.select(F.lit(t.label).alias("table"), F.lit(True).alias("damaged"), "userHash"))
    counts = reduce(DataFrame.unionByName, parts).groupBy("table", "damaged", "userHash").count().collect()
    for r in counts:
        per_hash[r.userHash][r.table] += r["count"]
    for t in tables:
        summary.rows_removed[t.label] = sum(removed[t.label] for removed in per_hash.values())
    return per_hash, {r.table for r in counts if r.damaged}


def remove_users(
    spark: SparkSession,
    table: TableRef,
    targets: DataFrame,
    in_buckets: list[int],
    *,
    damaged: bool,
    log: Callable[[str], None],
) -> int:
    """Deletes the users' rows from one table, rewriting the files that held them; returns the rows deleted.

    The condition names the buckets as literals: Delta's MERGE prunes the target's files by the condition's
    target-only conjuncts before it joins (delta-io/delta, `ClassicMergeExecutor.findTouchedFiles` with
    `MergeIntoCommandBase.getTargetOnlyPredicates`), so only the users' bucket partitions are read. The log keeps
    the condition, which holds bucket numbers, and never the ids, which come from the source DataFrame.
    """
    column = table.spec.user_column
    listed = ", ".join(str(b) for b in in_buckets)
    condition = f"t.{BUCKET} IN ({listed}) AND t.{BUCKET} = d.{BUCKET} AND t.`{column}` = d.userId"
    deleted = _merge_delete(spark, table, targets, condition, log=log)
    if damaged:
        # The null bucket alone (a target-only conjunct again). A body may hold several users' ids: "Multiple
        # matches are allowed when matches are unconditionally deleted"
        # (https://learn.microsoft.com/azure/databricks/sql/language-manual/delta-merge-into).
        damaged = (
            f"t.{BUCKET} IS NULL AND t.`{column}` IS NULL AND "
            "(contains(t.body, d.needle) OR contains(t.bodyBytes, d.needleBytes))"
        )
        deleted += _merge_delete(spark, table, targets, damaged, log=log)
    return deleted


def _merge_delete(spark: SparkSession, table: TableRef, source: DataFrame, condition: str, *, log) -> int:
    def attempt() -> int:
        merge = table.delta(spark).alias("t").merge(source.alias("d"), condition)
        return merge.whenMatchedDelete().execute().first()["num_deleted_rows"]

    return retry_on_conflict(attempt, what=f"delete {table.label}", log=log)


# MERGE rewrites the files holding the users even on a table that still has vectors on (not yet ensured).
_REWRITE_FILES = {"spark.databricks.delta.merge.deletionVectors.persistent": "false"}


def _remove_from_tables(
    spark: SparkSession,
    holding: list[TableRef],
    targets: DataFrame,
    users: dict[str, str],
    per_hash: dict[str, dict[str, int]],
    damaged: set[str],
    summary: DeletionSummary,
    progress: Callable[[str], None],
) -> None:
    """MERGEs per table, side by side, on the tables that may hold any of the rows; each table's count in `summary`
    becomes the MERGEs' own, so a row appended between the count and the MERGE is counted too."""
    in_buckets = buckets(targets)

    def remove(table: TableRef) -> None:
        deleted = remove_users(spark, table, targets, in_buckets, damaged=table.label in damaged, log=progress)
        summary.rows_removed[table.label] = deleted
        if len(users) == 1:
            # One user: the MERGE's count is that user's. With several, the audit keeps the counts per user
            # from the read before the MERGE.
            (only,) = users
            per_hash[only][table.label] = deleted
        progress(f"delete: {table.label}: {deleted} rows removed")

    with session_settings(spark, _REWRITE_FILES):
        side_by_side(remove, holding, at_most=TABLES_AT_ONCE)


def _complete_audit(
    spark: SparkSession, audit: TableRef, per_hash: dict[str, dict[str, int]], finished: datetime
) -> None:
    """Completing by hash closes this run's rows and any a crashed run left open."""
    done = spark.createDataFrame(
        [(h, finished, removed) for h, removed in per_hash.items()],
        "userHash string, completedAt timestamp, rowsRemoved map<string, bigint>",
    )

    def complete() -> None:
        (
            audit.delta(spark)
            .alias("t")
            .merge(done.alias("s"), "t.userHash = s.userHash AND t.completedAt IS NULL")
            .whenMatchedUpdate(set={"completedAt": "s.completedAt", "rowsRemoved": "s.rowsRemoved"})
            .execute()
        )

    retry_on_conflict(complete, what=f"delete {audit.label}")


def request_row(spark: SparkSession, audit: TableRef, request_id: str) -> dict | None:
    """The audit row of one request as the run summary carries it."""
    row = (
        audit.read(spark)
        .filter(F.col("requestId") == request_id)
        .select("requestId", "source", "requestedAt", "completedAt", "rowsRemoved")
        .first()
    )
    return None if row is None else row.asDict()


def _expire_unattributed(
    spark: SparkSession,
    lake: Lake,
    tables: list[TableRef],
    summary: DeletionSummary,
    started: datetime,
    progress: Callable[[str], None],
) -> None:
    """Deletes rows naming no user that arrived more than `unattributed_days` ago (the null bucket's partition).

    The predicate kept in `_delta_log` names columns and a time, never a value of a row.
    """
    cutoff = started - timedelta(days=lake.unattributed)
    for table in (t for t in tables if t.spec.unattributed):
        arrived = F.least(F.col("enqueuedTime"), F.col(table.spec.arrival_column))
        old = F.col(BUCKET).isNull() & F.col(table.spec.user_column).isNull() & (arrived < F.lit(cutoff))
        expired = table.read(spark).filter(old).count()
        if expired:
            retry_on_conflict(lambda t=table, c=old: t.delta(spark).delete(c), what=f"expire {table.label}")
            summary.expired[table.label] = expired
            progress(f"delete: {table.label}: {expired} rows naming no user expired")


def _upkeep(
    spark: SparkSession,
    lake: Lake,
    to_compact: list[TableRef],
    summary: DeletionSummary,
    progress: Callable[[str], None],
) -> None:
    """The daily run's upkeep of every table of the stack's schemas, the tables side by side: `OPTIMIZE` on each of
    `to_compact` (`layout.optimize`), then `vacuum` on every table. One table's two commands run one after the
    other."""
    compacted = {t.label for t in to_compact}
    # Listed again: this run may have created the ops tables.
    tables = lake.existing(spark, all_tables())

    def upkeep(table: TableRef) -> int | None:
        merged = optimize(spark, table, log=progress) if table.label in compacted else None
        vacuum(spark, table)
        return merged

    merged = side_by_side(upkeep, tables, at_most=TABLES_AT_ONCE)
    summary.compacted = {t.label: m for t, m in zip(tables, merged, strict=True) if m is not None}
    summary.vacuumed = [t.label for t in tables]


def vacuum(spark: SparkSession, table: TableRef) -> None:
    """VACUUM at its retention, whatever the run deleted.

    Databricks: "Running VACUUM regularly is important for cost and compliance": files it removes "might contain
    records that have been modified or deleted" (https://docs.databricks.com/gcp/en/tables/operations/vacuum.md).
    Predictive optimization would run it on Unity Catalog managed tables, but on its own schedule and only where
    it is enabled (https://docs.databricks.com/aws/en/optimizations/predictive-optimization.md), so the daily run
    does it for every table, whatever it deleted. No RETAIN: the table's `delta.deletedFileRetentionDuration`.
    """
    spark.sql(f"VACUUM {table.sql}")
