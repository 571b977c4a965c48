/**
 * When each pipeline job runs by default. `databricks.<job>Cron` in the stack config overrides one; the
 * config schema takes its defaults from here, so a job's schedule is found next to the job's name.
 *
 * Quartz fields: second minute hour day-of-month month day-of-week, in `databricks.timezone` (UTC by default).
 */
export const JOB_SCHEDULES = {
  /** Only when `databricks.ingestTrigger` is `schedule`; by default ingest starts when Capture files land. */
  ingest: { cron: "0 0/15 * * * ?", means: "every 15 minutes" },
  /** Half an hour after the hour, so the hour's Capture files have been ingested. */
  normalize: { cron: "0 30 * * * ?", means: "every hour at minute 30" },
  /** Deletion requests sent as events are swept once a day, well inside the deletion SLA. */
  delete: { cron: "0 0 3 * * ?", means: "every day at 03:00" },
} as const;
