/**
 * The pipeline jobs' arguments both programs take from the stack config alone: notebooks, cluster, triggers,
 * recipients, timeout and retries. Where the jobs run, what they read and as whom stays with each program.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabricksJobsArgs } from "../components/databricksJobs";
import { failureRecipients } from "../components/jobSpecs";
import type { WorkspaceAssets } from "../components/workspaceAssets";
import type { StackConfig } from "../config/config";

export type ConfiguredJobArgs = Pick<
  DatabricksJobsArgs,
  | "notebookPaths"
  | "sparkVersion"
  | "nodeTypeId"
  | "workers"
  | "deletionSlaDays"
  | "ingestTrigger"
  | "normalizeCron"
  | "deleteCron"
  | "timezone"
  | "notificationEmails"
  | "notificationWebhookUrl"
  | "timeoutSeconds"
  | "maxRetries"
  | "minRetryIntervalMillis"
>;

/**
 * `captureUrl` is where the ingest job's file-arrival trigger watches; `personUserName` the person a personal
 * stack emails when its config names no recipient (see `failureRecipients`), undefined on a shared stack.
 */
export function configuredJobArgs(
  config: StackConfig,
  notebooks: WorkspaceAssets,
  captureUrl: pulumi.Input<string>,
  personUserName: pulumi.Input<string> | undefined,
): ConfiguredJobArgs {
  const dbx = config.databricks;
  return {
    notebookPaths: {
      ingest: notebooks.notebookPath("ingest"),
      normalize: notebooks.notebookPath("normalize"),
      delete: notebooks.notebookPath("delete_user_data"),
    },
    sparkVersion: dbx.sparkVersion,
    nodeTypeId: dbx.nodeType,
    workers: dbx.jobWorkers,
    deletionSlaDays: config.deletionSlaDays,
    ingestTrigger:
      dbx.ingestTrigger === "fileArrival"
        ? { kind: "fileArrival", url: captureUrl }
        : { kind: "schedule", cron: dbx.ingestCron },
    normalizeCron: dbx.normalizeCron,
    deleteCron: dbx.deleteCron,
    timezone: dbx.timezone,
    notificationEmails: failureRecipients(
      dbx.notificationEmails,
      dbx.notificationWebhookUrl !== undefined,
      personUserName,
    ),
    notificationWebhookUrl: dbx.notificationWebhookUrl,
    timeoutSeconds: dbx.jobTimeoutMinutes * 60,
    maxRetries: dbx.jobMaxRetries,
    minRetryIntervalMillis: dbx.jobRetryIntervalMinutes * 60_000,
  };
}
