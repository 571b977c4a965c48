import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { assignmentsOf, type GroupAssignments } from "./databricksPrincipals";
import { type JobSettingsArgs, type JobSpecArgs, jobSettings } from "./jobSpecs";

export type { JobSettingsArgs } from "./jobSpecs";

const JOB_KINDS = ["ingest", "normalize", "delete"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface DatabricksJobsArgs extends JobSettingsArgs {
  /** The workspace's Databricks provider. */
  provider: databricks.Provider;
  /** Workspace path of each job's notebook. */
  notebookPaths: Record<JobKind, pulumi.Input<string>>;
  /**
   * HTTPS endpoint told about every failed run (stored as a workspace notification destination).
   * @default undefined: email only
   */
  notificationWebhookUrl?: pulumi.Input<string>;
  /**
   * The service principal each job runs as.
   * @default {}: every job runs as its owner
   */
  runAs?: Partial<Record<JobKind, JobRunAs>>;
  /**
   * Who may see, run and own the jobs, as one authoritative `databricks.Permissions` per job.
   * @default undefined: the creator owns each job; workspace admins manage it; nobody else sees it
   */
  access?: JobAccess;
}

/** A job's run-as identity. */
export interface JobRunAs {
  /** Application id of the service principal. */
  readonly servicePrincipal: pulumi.Input<string>;
  /**
   * What must exist before the job names it: the grant of the servicePrincipal/user role on it to the deployer,
   * which setting `run_as.service_principal_name` requires (Jobs API).
   */
  readonly after: readonly pulumi.Resource[];
}

/**
 * The jobs' permissions (https://learn.microsoft.com/azure/databricks/security/auth/access-control#jobs): CAN_VIEW
 * sees runs and their output, CAN_MANAGE_RUN also starts, repairs and cancels them (with parameter overrides, which
 * the jobs check against notebooks/h3_ml/job_parameters.json), IS_OWNER is the one identity runs fall back to. "A job
 * cannot have a group as an owner" (the provider's documentation of `databricks_permissions`, "Job usage"), so an
 * admin group cannot own them; workspace admins hold CAN_MANAGE whatever the list says.
 */
export interface JobAccess {
  /**
   * Application id of the service principal that owns every job: the deployer, so only it (and workspace admins)
   * can change them.
   * @default undefined: the identity that creates the job
   */
  readonly owner?: pulumi.Input<string>;
  /** Account groups that see every job's runs (on-call). */
  readonly viewerGroups: readonly string[];
  /** Service principals (application ids) that may start every job: the deployer on dev, for the smoke test. */
  readonly runners: readonly pulumi.Input<string>[];
  /** Service principals (application ids) that may start the delete job only: the backend that requests deletions. */
  readonly deleteRunners: readonly pulumi.Input<string>[];
  /** The workspace assignments of the groups named; each job's permissions wait for them. */
  readonly groups: GroupAssignments;
}

/** The access controls of one job. */
function jobAccessControls(
  kind: JobKind,
  access: JobAccess,
): databricks.types.input.PermissionsAccessControl[] {
  const runners = kind === "delete" ? [...access.runners, ...access.deleteRunners] : [...access.runners];
  return [
    ...(access.owner === undefined
      ? []
      : [{ servicePrincipalName: access.owner, permissionLevel: "IS_OWNER" }]),
    ...runners.map((servicePrincipalName) => ({ servicePrincipalName, permissionLevel: "CAN_MANAGE_RUN" })),
    ...access.viewerGroups.map((groupName) => ({ groupName, permissionLevel: "CAN_VIEW" })),
  ];
}

export interface JobOutputs {
  id: pulumi.Output<string>;
  url: pulumi.Output<string>;
}

/**
 * The three pipeline jobs: ingest (capture Avro to bronze, on file arrival or a cron), normalize
 * (bronze to silver, on a cron) and delete (the rows of every user whose deletion was requested, on a daily
 * schedule, or one request now by its `request_id`). Each runs on its own job cluster under the job policy, one run at
 * a time, with retries, a timeout, failure notifications and tags; schedules are paused or live as
 * the environment says.
 */
export class DatabricksJobs extends pulumi.ComponentResource {
  public readonly jobs: Readonly<Record<JobKind, JobOutputs>>;

  constructor(name: string, args: DatabricksJobsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksJobs", name, {}, opts);
    const child = { parent: this, provider: args.provider };

    const webhook =
      args.notificationWebhookUrl === undefined
        ? undefined
        : new databricks.NotificationDestination(
            `${name}-failure-webhook`,
            {
              displayName: `${args.namePrefix} job failures`,
              // Webhook URLs usually embed their credential.
              config: { genericWebhook: { url: pulumi.secret(args.notificationWebhookUrl) } },
            },
            child,
          );

    const specs: Record<JobKind, JobSpecArgs> = {
      ingest: {
        job: "ingest",
        taskKey: "ingest",
        description: "Event Hubs Capture Avro files into bronze.events, exactly once.",
        notebookPath: args.notebookPaths.ingest,
        // When Capture files land; or `databricks.ingestCron`, by default JOB_SCHEDULES.ingest (config/jobSchedules.ts).
        run: args.ingestTrigger,
      },
      normalize: {
        job: "normalize",
        taskKey: "normalize",
        description: "bronze.events into typed, deduplicated silver tables; invalid events to quarantine.",
        notebookPath: args.notebookPaths.normalize,
        // `databricks.normalizeCron`, by default JOB_SCHEDULES.normalize: every hour at minute 30.
        run: { kind: "schedule", cron: args.normalizeCron },
      },
      delete: {
        job: "delete",
        taskKey: "delete_user_data",
        description:
          "Deletes the rows of every user whose deletion was requested (user.deletion_requested events) from " +
          "every registered table and purges the files. The schedule sweeps open requests; run now with " +
          "request_id=<event id> to complete one request.",
        notebookPath: args.notebookPaths.delete,
        // `databricks.deleteCron`, by default JOB_SCHEDULES.delete: every day at 03:00.
        run: { kind: "schedule", cron: args.deleteCron },
      },
    };

    const jobs = {} as Record<JobKind, JobOutputs>;
    for (const kind of JOB_KINDS) {
      const runAs = args.runAs?.[kind];
      const job = new databricks.Job(
        `${name}-${kind}`,
        {
          name: `${args.namePrefix} ${kind}`,
          ...jobSettings(args, { ...specs[kind], runAs: runAs?.servicePrincipal }, webhook?.id),
        },
        { ...child, dependsOn: [...(runAs?.after ?? [])] },
      );
      const controls = args.access === undefined ? [] : jobAccessControls(kind, args.access);
      if (controls.length > 0) {
        new databricks.Permissions(
          `${name}-${kind}-permissions`,
          { jobId: job.id, accessControls: controls },
          { ...child, dependsOn: assignmentsOf(controls, args.access?.groups ?? {}) },
        );
      }
      jobs[kind] = { id: job.id, url: job.url };
    }

    this.jobs = jobs;
    this.registerOutputs({
      jobIds: Object.fromEntries(JOB_KINDS.map((kind) => [kind, jobs[kind].id])),
    });
  }
}
