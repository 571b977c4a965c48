"""The delete job as the lake ages, with the production arguments: hourly batches, the daily scheduled run, and a
run-now for one user's request at each age.

Every hour: ingest and normalize one hour of Capture files. Every `daily_every` hours, and at each age, the daily
scheduled run (`run_delete_job` without a request id): it reads the rows added since the last run, deletes any
user whose rows came back, expires rows naming no user, compacts the user tables and vacuums every table. The
generated traffic asks for no deletion, so this run has nothing to delete: its time is the housekeeping the
promise costs each day. At each age, after that run, in one process on the same lake: the run-now for one user's
request event (ingested first, as the operator command's event would be), the command a Delta user would write
instead for another user (`DELETE FROM <table> WHERE userId = '<id>'` on the same tables; it writes the id into
`_delta_log`, so the jobs never use it) and one filtered count of the tables; then `SAMPLES - 1` more run-nows and
plain DELETEs for other users, alternating, so each time is a median. Per table: the files and bytes the
run-now's MERGE reads (the user's bucket partition: Delta prunes the MERGE's target to it by the condition's
bucket literal, see `deletion.remove_users`) and the files it rewrote (its commit's `numTargetFilesRemoved`), as
a share of the table.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

_START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
_WINDOW = timedelta(minutes=15)  # Capture's longest window: four files per partition and hour
SAMPLES = 3  # run-nows and plain DELETEs at each age, for different users
COMPACTED_BYTES = 1024 * 1024
"""The compaction threshold (`layout.MIN_FILE_SIZE`) the scenario sets, scaled to its lake as its data is. A bucket
gets about 4 MB of bronze a day here: at the jobs' `layout.COMPACTED_BYTES` (64 MiB) every file would stay below
it for weeks and be compacted again each day, the regime of a young lake. At 1 MiB a day's compacted file passes
the threshold within the 96 hours, as a production bucket's day of rows passes 64 MiB."""


class _Phases(list):
    """A run's progress log as (seconds since the log began, message); called as the run's `progress`."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        self.append((round(time.perf_counter() - self.started, 2), message))


def hourly_capture(cache: Path, users: int, per_hour: int, hours: int, seed: int) -> list[Path]:
    """One folder of Capture files per hour, generated once per parameter set and reused; no deletion requests."""
    from h3_ml.generate import generate

    folder = cache / f"aging-u{users}-e{per_hour}-s{seed}-norequests"
    out = []
    for hour in range(hours):
        target, done = folder / f"hour-{hour:03d}", folder / f"hour-{hour:03d}.done"
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            generate(
                target,
                users=users,
                events=per_hour,
                seed=seed + hour,
                window=_WINDOW,
                start=_START + timedelta(hours=hour),
                spacing=timedelta(hours=1) / per_hour,
                deletion_requests=False,
            )
            # The generator closes every run with a header-only file two windows later; inside the hour it stays.
            done.write_text("")
        out.append(target)
    return out


def arrive(hour: Path, capture: Path, left: set[str]) -> None:
    """One hour's Capture files into the capture folder, without the messages of users who left: a deleted user's
    app sends nothing more, so the daily runs after a deletion have nothing to delete (late rows of a deleted user
    are the tests' case, `test_deletion.py`). A message counts as the user's where its body holds the quoted id,
    so a malformed one goes too."""
    import fastavro

    quoted = [f'"{user}"'.encode() for user in left]
    for source in sorted(hour.rglob("*.avro")):
        target = capture / source.relative_to(hour)
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as f:
            reader = fastavro.reader(f)
            schema, codec = reader.writer_schema, reader.codec
            kept = [r for r in reader if not any(q in (r["Body"] or b"") for q in quoted)]
        with target.open("wb") as out:
            fastavro.writer(out, schema, kept, codec=codec)


def _table_files(spark, table) -> list[tuple[str, int, int | None]]:
    """(path, bytes, bucket) of every live file of a table."""
    from h3_ml.tables import BUCKET

    rows = table.delta(spark).toDF().select("_metadata.file_path", "_metadata.file_size", BUCKET).distinct()
    return [(r.file_path, r.file_size, r[BUCKET]) for r in rows.collect()]


def _files_rewritten(spark, table, since: int) -> int:
    rows = table.delta(spark).history().filter(f"version > {since} AND operation = 'MERGE'").collect()
    return sum(int(r.operationMetrics["numTargetFilesRemoved"]) for r in rows)


def pick_users(spark, lake, count: int, exclude: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Users with rows in bronze, spread over the id range; the same ones on every run of one data set."""
    from pyspark.sql import functions as F

    from h3_ml.tables import EVENTS

    users = sorted(
        r.userId
        for r in lake.table(EVENTS)
        .read(spark)
        .filter(F.col("eventType") == "measurement.recorded")
        .select("userId")
        .distinct()
        .collect()
        if r.userId not in exclude
    )
    step = max(1, len(users) // (count + 1))
    return [users[step * (i + 1)] for i in range(count)]


def request_deletion(spark, lake, capture: Path, user: str) -> str:
    """The user's request as production receives it: an event in a Capture file, ingested (not timed)."""
    from h3_ml.generate import write_deletion_request
    from h3_ml.ingest import run_ingest

    request_id = write_deletion_request(capture, user)
    run_ingest(spark, str(capture), lake, progress=lambda _: None)
    return request_id


def measure_at(spark, lake, capture: Path, age: int, batches_since_compaction: int, deleted: set[str], log) -> dict:
    from pyspark.sql import functions as F

    from h3_ml.deletion import DeleteSettings, run_delete_job
    from h3_ml.tables import BUCKET, USER_BUCKETS, user_bucket, user_tables

    tables = lake.existing(spark, user_tables())
    # One user for the run-now whose files are counted, and SAMPLES - 1 more run-nows and SAMPLES plain DELETEs
    # for other users, alternating: the times are medians of SAMPLES.
    picked = pick_users(spark, lake, 2 * SAMPLES, deleted)
    deleted.update(picked)
    mine, others, theirs = picked[0], picked[1:SAMPLES], picked[SAMPLES:]
    (bucket,) = [
        r.b for r in spark.createDataFrame([(mine,)], "u string").select(user_bucket(F.col("u")).alias("b")).collect()
    ]
    request_id = request_deletion(spark, lake, capture, mine)
    before = {t.label: _table_files(spark, t) for t in tables}
    versions = {t.label: t.delta(spark).history(1).first().version for t in tables}

    started = time.perf_counter()
    rows = sum(t.read(spark).filter(F.col(t.spec.user_column) == mine).count() for t in tables)
    scan = time.perf_counter() - started

    started = time.perf_counter()
    phases = _Phases()
    settings = DeleteSettings(request_id=request_id, capture_root=str(capture))
    summary = run_delete_job(spark, lake, settings, progress=phases)
    run_now = [time.perf_counter() - started]

    def plain_delete(user: str) -> float:
        started = time.perf_counter()
        for t in tables:
            spark.sql(f"DELETE FROM {t.sql} WHERE `{t.spec.user_column}` = '{user}'")
        return time.perf_counter() - started

    plain = [plain_delete(theirs[0])]
    files_after = {t.label: _files_rewritten(spark, t, versions[t.label]) for t in tables}
    for other, plain_user in zip(others, theirs[1:], strict=True):
        settings = DeleteSettings(request_id=request_deletion(spark, lake, capture, other), capture_root=str(capture))
        started = time.perf_counter()
        run_delete_job(spark, lake, settings, progress=lambda _: None)
        run_now.append(time.perf_counter() - started)
        plain.append(plain_delete(plain_user))

    per_table = {}
    for t in tables:
        files = before[t.label]
        in_bucket = [f for f in files if f[2] == bucket]
        small = [f for f in in_bucket if f[1] < COMPACTED_BYTES]
        rewritten = files_after[t.label]
        total_bytes = sum(size for _, size, _ in files) or 1
        # One user's run-now MERGEs every table: it reads the bucket's files even where the user has no row.
        per_table[t.label] = {
            "files": len(files),
            "bucket_files": len(in_bucket),
            "files_read": len(in_bucket),
            "small_files_read": len(small),
            "files_rewritten": rewritten,
            "bytes_read_share": sum(size for _, size, _ in in_bucket) / total_bytes,
            "files_rewritten_share": rewritten / max(1, len(files)),
        }
    return {
        "age_hours": age,
        "batches_since_compaction": batches_since_compaction,
        "user": mine,
        "bucket": bucket,
        "rows": rows,
        "rows_removed": sum(summary.rows_removed.values()),
        # The run-now's whole run: it ends with the completed audit (VACUUM is the daily run's).
        "delete_seconds": statistics.median(run_now),
        "delete_samples": run_now,
        "delete_to_completed_audit_seconds": summary.seconds_to_completed_audit,
        "plain_delete_seconds": statistics.median(plain),
        "plain_delete_samples": plain,
        "phases": phases,
        "scan_seconds": scan,
        "tables": per_table,
        "bound_after_compaction": 2 / USER_BUCKETS,
        "bucket_column": BUCKET,
    }


def daily_run(spark, lake, capture: Path) -> tuple[float, object, list[tuple[float, str]]]:
    """The scheduled run, timed whole: requests, the re-deletion of rows that came back, expiry, OPTIMIZE, VACUUM;
    with its progress log, seconds since its start."""
    from h3_ml.deletion import DeleteSettings, run_delete_job

    started = time.perf_counter()
    phases = _Phases()
    summary = run_delete_job(spark, lake, DeleteSettings(capture_root=str(capture)), progress=phases)
    return time.perf_counter() - started, summary, phases


def bench_aging(
    spark, work: Path, cache: Path, *, users: int, per_hour: int, ages: list[int], daily_every: int, seed: int, log
) -> dict:
    from h3_ml.ingest import run_ingest
    from h3_ml.lake import Lake
    from h3_ml.layout import MIN_FILE_SIZE, session_settings
    from h3_ml.normalize import run_normalize

    hours = hourly_capture(cache, users, per_hour, max(ages), seed)
    lake = Lake.local(str(work / "aging-lake"))
    capture = work / "aging-capture"
    samples, deleted, cycle_seconds, since = [], set(), [], 0
    quiet = lambda _: None  # noqa: E731
    with session_settings(spark, {MIN_FILE_SIZE: str(COMPACTED_BYTES)}):
        for hour, folder in enumerate(hours, start=1):
            arrive(folder, capture, deleted)
            started = time.perf_counter()
            run_ingest(spark, str(capture), lake, progress=quiet)
            run_normalize(spark, lake, progress=quiet)
            cycle_seconds.append(time.perf_counter() - started)
            since += 1
            if hour % daily_every and hour not in ages:
                log(f"aging {hour} h: ingest + normalize {cycle_seconds[-1]:.1f} s")
                continue
            hours_read = since
            daily_seconds, daily, daily_phases = daily_run(spark, lake, capture)
            since = 0
            if hour not in ages:
                log(f"aging {hour} h: ingest + normalize {cycle_seconds[-1]:.1f} s, daily run {daily_seconds:.1f} s")
                continue
            # Right after the daily run's compaction; the request's own ingest is one batch since.
            sample = measure_at(spark, lake, capture, hour, 1, deleted, log)
            sample.update(
                daily_seconds=daily_seconds,
                daily_hours_read=hours_read,
                daily_to_completed_audit_seconds=daily.seconds_to_completed_audit,
                daily_rows_removed=sum(daily.rows_removed.values()),
                daily_vacuumed=len(daily.vacuumed),
                daily_phases=daily_phases,
            )
            samples.append(sample)
            log(
                f"aging {hour} h: daily run {daily_seconds:.1f} s; run-now {sample['delete_seconds']:.1f} s, "
                f"plain DELETE {sample['plain_delete_seconds']:.1f} s, scan {sample['scan_seconds']:.1f} s"
            )
    return {
        "users": users,
        "events_per_hour": per_hour,
        "daily_every_hours": daily_every,
        "ages": ages,
        "cycle_seconds_median": statistics.median(cycle_seconds),
        "samples": samples,
    }


def report(aging: dict, bucket_count: int) -> list[str]:
    """The scenario's lines for the benchmark's output, goals checked from the figures."""
    lines = [
        f"  the delete job by lake age: users={aging['users']} events/hour={aging['events_per_hour']} hourly ingest "
        f"+ normalize (median {aging['cycle_seconds_median']:.1f} s), the daily run every "
        f"{aging['daily_every_hours']} h and at each age, buckets={bucket_count}"
    ]
    bound = 2 / bucket_count
    met_bytes, met_files = True, True
    for s in aging["samples"]:
        lines.append(
            f"  age {s['age_hours']:3d} h: daily run {s['daily_seconds']:.1f} s over {s['daily_hours_read']} h of new "
            f"rows ({s['daily_rows_removed']} rows removed, {s['daily_vacuumed']} tables vacuumed); run-now for user "
            f"{s['user']} bucket {s['bucket']}, {s['rows_removed']} rows: "
            f"{s['delete_to_completed_audit_seconds']:.1f} s to the completed audit; filtered scan "
            f"{s['scan_seconds']:.1f} s"
        )
        lines.append(
            f"    medians of {len(s['delete_samples'])} users: run-now {s['delete_seconds']:.1f} s "
            f"({', '.join(f'{x:.1f}' for x in s['delete_samples'])}), plain DELETE {s['plain_delete_seconds']:.1f} s "
            f"({', '.join(f'{x:.1f}' for x in s['plain_delete_samples'])})"
        )
        lines.append("    the daily run:")
        lines += [f"    {at:7.2f} s  {message}" for at, message in s["daily_phases"]]
        lines.append("    the run-now:")
        lines += [f"    {at:7.2f} s  {message}" for at, message in s["phases"]]
        for table, t in s["tables"].items():
            lines.append(
                f"    {table:32} files {t['files']:5}  read {t['files_read']:4} ({t['small_files_read']} small) "
                f"({t['bytes_read_share']:6.1%} of bytes)  rewritten {t['files_rewritten']:4} "
                f"({t['files_rewritten_share']:6.1%} of files)"
            )
            if t["files_rewritten"] > t["bucket_files"]:
                met_files = False
            if t["bytes_read_share"] > bound:
                met_bytes = False
            if t["small_files_read"] > s["batches_since_compaction"] + 1:
                met_files = False
    first, mid, last = aging["samples"][0], aging["samples"][len(aging["samples"]) // 2], aging["samples"][-1]
    growth = last["delete_seconds"] / first["delete_seconds"]
    vs_plain = last["delete_seconds"] / last["plain_delete_seconds"]
    daily_growth = last["daily_seconds"] / first["daily_seconds"]
    daily_same_day = last["daily_seconds"] / mid["daily_seconds"]
    a, m, z = first["age_hours"], mid["age_hours"], last["age_hours"]
    lines += [
        f"FILES delete_reads_only_its_bucket {'ok' if met_files else 'MISSED'} (target: the files of the user's "
        "bucket: the compacted ones and at most one smaller than the threshold per batch since the last compaction, "
        f"plus the one compacted last; threshold {COMPACTED_BYTES} bytes)",
        f"RATIO delete_bytes_read {'ok' if met_bytes else 'MISSED'} (target <= 2/B = {bound:.1%} of each table)",
        f"RATIO run_now_at_{z}h_vs_{a}h {growth:.2f}x (target <= 1.3x) {'ok' if growth <= 1.3 else 'MISSED'}",
        f"RATIO run_now_vs_plain_delete_at_{z}h {vs_plain:.2f}x (target <= 1.0x) "
        f"{'ok' if vs_plain <= 1.0 else 'MISSED'}",
        f"RATIO daily_run_at_{z}h_vs_{a}h {daily_growth:.2f}x (target <= 1.3x, VACUUM of every table included) "
        f"{'ok' if daily_growth <= 1.3 else 'MISSED'}",
        f"RATIO daily_run_at_{z}h_vs_{m}h {daily_same_day:.2f}x (both over a day of new rows; no target)",
        f"RATIO run_now_vs_scan_at_{z}h {last['delete_seconds'] / last['scan_seconds']:.2f}x (no target)",
    ]
    return lines


def dump(aging: dict) -> str:
    return json.dumps(aging, indent=2, default=str)
