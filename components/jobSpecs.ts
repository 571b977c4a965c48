/**
 * The settings of one pipeline job as a pure function of its inputs, so the rules (one run at a time,
 * retries, timeout, notifications, paused or live, parameters) are stated and tested in one place.
 */
import type * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import JOB_PARAMETERS from "../notebooks/h3_ml/job_parameters.json";
import { jobClusterSpec } from "./clusterSpecs";

/** How a job starts on its own: when files land in a location, or on a Quartz cron. */
export type JobRun = { kind: "fileArrival"; url: pulumi.Input<string> } | { kind: "schedule"; cron: string };

/** Settings shared by every pipeline job. */
export interface JobSettingsArgs {
  /** Prefix of job and notification names, unique per workspace (e.g. `h3ml-dev`). */
  namePrefix: string;
  /** The job cluster policy every job cluster is drawn from. */
  jobPolicyId: pulumi.Input<string>;
  sparkVersion: pulumi.Input<string>;
  nodeTypeId: pulumi.Input<string>;
  /** Workers per job cluster; 0 is single node. */
  workers: number;
  /** Unity Catalog catalog the jobs read and write. */
  catalogName: pulumi.Input<string>;
  /** `abfss://` URL of the capture container. */
  captureRoot: pulumi.Input<string>;
  /** Folder (a Unity Catalog volume path) under which each job keeps its streaming checkpoint. */
  checkpoints: pulumi.Input<string>;
  /** Days within which deleted data must be gone everywhere; the jobs size Delta retention from it. */
  deletionSlaDays: number;
  /**
   * Prefix of the schemas the jobs write (`schema_prefix`: a shared personal stack's `dev_ada_`).
   * @default undefined: the notebooks' default, no prefix
   */
  schemaPrefix?: pulumi.Input<string>;
  /** How the ingest job starts. */
  ingestTrigger: JobRun;
  normalizeCron: string;
  deleteCron: string;
  /** Time zone of the cron expressions (IANA id). */
  timezone: string;
  /** Create schedules and triggers paused (personal stacks); live otherwise. */
  paused: boolean;
  /** Addresses emailed when a run fails. */
  notificationEmails: readonly pulumi.Input<string>[];
  timeoutSeconds: number;
  /** Retries of a failed task before the run fails. */
  maxRetries: number;
  /** Wait before a retry. */
  minRetryIntervalMillis: number;
  /** Tags on jobs and their clusters. */
  tags: Readonly<Record<string, string>>;
}

/** What differs between the jobs. */
export interface JobSpecArgs {
  /** The job as notebooks/h3_ml/job_parameters.json names it: which parameters it takes. */
  job: "ingest" | "normalize" | "delete";
  taskKey: string;
  description: string;
  notebookPath: pulumi.Input<string>;
  run: JobRun;
  /**
   * Service principal (application id) the runs execute as.
   * @default undefined: the job owner (the deploying identity)
   */
  runAs?: pulumi.Input<string>;
}

const JOB_CLUSTER_KEY = "job_cluster";
// Capture commits a file per partition per window; waiting lets one run pick up the whole window.
const FILE_ARRIVAL = { minTimeBetweenTriggersSeconds: 60, waitAfterLastChangeSeconds: 60 };

/** One parameter as notebooks/h3_ml/job_parameters.json declares it. */
interface DeclaredParameter {
  readonly jobs: readonly string[];
  /** true: every job that takes it fails on an empty value; a list: those jobs do. */
  readonly required?: boolean | readonly string[];
  readonly default?: unknown;
}

/** The job parameters' contract: which job takes which parameter, of what type and range, with what default. */
const DECLARED = JOB_PARAMETERS as unknown as Readonly<Record<string, DeclaredParameter>>;

/** A parameter's default as the job's widget takes it: text; no default (`null`) is empty. */
const asText = (value: unknown): string => (value === null || value === undefined ? "" : String(value));

/**
 * Every parameter the contract declares for `spec.job`, with the program's value or the contract's default: the
 * job validates what it gets against the same file (a CAN_MANAGE_RUN holder can override parameters), so the program
 * passes exactly what it declares. Job parameters reach the notebook as widgets of the same name; sorted by name so
 * the API's order never shows as a diff.
 */
function parameters(args: JobSettingsArgs, spec: JobSpecArgs): databricks.types.input.JobParameter[] {
  const values: Record<string, pulumi.Input<string>> = {
    catalog: args.catalogName,
    checkpoints: args.checkpoints,
    deletion_sla_days: String(args.deletionSlaDays),
    capture_root: args.captureRoot,
    ...(args.schemaPrefix === undefined ? {} : { schema_prefix: args.schemaPrefix }),
  };
  const declared = Object.entries(DECLARED)
    .filter(([, parameter]) => parameter.jobs.includes(spec.job))
    .sort(([a], [b]) => a.localeCompare(b));
  return declared.map(([name, parameter]) => {
    const value = values[name];
    const required = parameter.required === true || (parameter.required || []).includes(spec.job);
    if (value === undefined && required) {
      throw new Error(
        `notebooks/h3_ml/job_parameters.json requires ${name} for the ${spec.job} job, which the program does not set`,
      );
    }
    return { name, default: value ?? asText(parameter.default) };
  });
}

function start(args: JobSettingsArgs, run: JobRun): Pick<databricks.JobArgs, "schedule" | "trigger"> {
  const pauseStatus = args.paused ? "PAUSED" : "UNPAUSED";
  if (run.kind === "fileArrival") {
    return { trigger: { pauseStatus, fileArrival: { url: run.url, ...FILE_ARRIVAL } } };
  }
  return { schedule: { quartzCronExpression: run.cron, timezoneId: args.timezone, pauseStatus } };
}

/** A personal stack's owner as a failure recipient; a service principal has no mailbox to write to. */
export function deployerMailbox(userName: string): string {
  if (!userName.includes("@")) {
    throw new Error(
      `databricks.notificationEmails must name who hears about failed runs when the deployer (${JSON.stringify(userName)}) ` +
        "has no email address. Fix: pulumi config set --path 'databricks.notificationEmails[0]' oncall@example.com",
    );
  }
  return userName;
}

/**
 * Who is emailed when a run fails: the configured addresses; with neither addresses nor a webhook, the person
 * whose personal stack it is (`personUserName`). A shared stack passes no person: its config must name the
 * recipients (`parseDatabricks` refuses it otherwise), so nothing read from the caller decides them.
 */
export function failureRecipients(
  configured: readonly string[],
  webhookConfigured: boolean,
  personUserName: pulumi.Input<string> | undefined,
): pulumi.Input<string>[] {
  if (configured.length > 0 || webhookConfigured) return [...configured];
  if (personUserName === undefined) {
    throw new Error("a shared stack names its failure recipients in config (databricks.notificationEmails)");
  }
  return [pulumi.output(personUserName).apply(deployerMailbox)];
}

/** Everything but the name of a pipeline job's `databricks.Job` inputs. */
export function jobSettings(
  args: JobSettingsArgs,
  spec: JobSpecArgs,
  webhookDestinationId?: pulumi.Input<string>,
): Omit<databricks.JobArgs, "name"> {
  const tags = { ...args.tags, job: spec.taskKey };
  return {
    description: spec.description,
    // A second run would race the first on the same checkpoint and tables; queue it instead of skipping.
    maxConcurrentRuns: 1,
    queue: { enabled: true },
    timeoutSeconds: args.timeoutSeconds,
    jobClusters: [
      {
        jobClusterKey: JOB_CLUSTER_KEY,
        newCluster: jobClusterSpec({
          policyId: args.jobPolicyId,
          sparkVersion: args.sparkVersion,
          nodeTypeId: args.nodeTypeId,
          workers: args.workers,
          customTags: tags,
        }),
      },
    ],
    tasks: [
      {
        taskKey: spec.taskKey,
        jobClusterKey: JOB_CLUSTER_KEY,
        notebookTask: { notebookPath: spec.notebookPath, source: "WORKSPACE" },
        maxRetries: args.maxRetries,
        minRetryIntervalMillis: args.minRetryIntervalMillis,
        retryOnTimeout: false,
        timeoutSeconds: args.timeoutSeconds,
      },
    ],
    parameters: parameters(args, spec),
    ...start(args, spec.run),
    ...(args.notificationEmails.length > 0
      ? { emailNotifications: { onFailures: [...args.notificationEmails], noAlertForSkippedRuns: true } }
      : {}),
    ...(webhookDestinationId === undefined
      ? {}
      : { webhookNotifications: { onFailures: [{ id: webhookDestinationId }] } }),
    ...(spec.runAs === undefined ? {} : { runAs: { servicePrincipalName: spec.runAs } }),
    tags,
  };
}
