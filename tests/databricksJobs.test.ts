import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { DatabricksJobs, type DatabricksJobsArgs } from "../components/databricksJobs";
import { deployerMailbox, failureRecipients } from "../components/jobSpecs";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { databricksResources, providerRef, testProvider } from "./databricksFixtures";
import { checkGroupAssignments, checkRunAsRole } from "./harness/databricksService";
import { evaluate } from "./harness/mockProgram";
import { ofType, resource } from "./support";

const CAPTURE = "abfss://capture@h3mldevst.dfs.core.windows.net/";
const SP = "9f0c1d2e-0000-4000-8000-00000000aaaa";

const ARGS: Omit<DatabricksJobsArgs, "provider"> = {
  namePrefix: "h3ml-dev",
  notebookPaths: {
    ingest: "/Users/d/.h3-ml/dev/ingest",
    normalize: "/Users/d/.h3-ml/dev/normalize",
    delete: "/Users/d/.h3-ml/dev/delete_user_data",
  },
  jobPolicyId: "policy-1",
  sparkVersion: "17.3.x-scala2.13",
  nodeTypeId: "Standard_D4ds_v5",
  workers: 0,
  catalogName: "h3ml_dev",
  captureRoot: CAPTURE,
  checkpoints: "/Volumes/h3ml_dev/ops/checkpoints",
  deletionSlaDays: 30,
  ingestTrigger: { kind: "fileArrival", url: CAPTURE },
  normalizeCron: "0 30 * * * ?",
  deleteCron: "0 0 3 * * ?",
  timezone: "UTC",
  paused: false,
  notificationEmails: ["oncall@example.com"],
  timeoutSeconds: 7200,
  maxRetries: 2,
  minRetryIntervalMillis: 300000,
  tags: { project: "h3-ml" },
};

const build = (overrides: Partial<DatabricksJobsArgs> = {}) =>
  evaluate("dev", () => new DatabricksJobs("jobs", { provider: testProvider(), ...ARGS, ...overrides }));

const job = (ev: Awaited<ReturnType<typeof build>>, kind: string) =>
  resource(ev, TYPES.job, `jobs-${kind}`).inputs;

describe("DatabricksJobs", () => {
  it("runs ingest on file arrival in the capture location, one run at a time on its policy's job cluster", async () => {
    const ev = await build();
    const ingest = job(ev, "ingest");
    // What the service, the notebook and on-call rely on; plans/ records every other input.
    expect(ingest).to.deep.include({
      name: "h3ml-dev ingest",
      maxConcurrentRuns: 1,
      queue: { enabled: true },
      timeoutSeconds: 7200,
      trigger: {
        pauseStatus: "UNPAUSED",
        fileArrival: { url: CAPTURE, minTimeBetweenTriggersSeconds: 60, waitAfterLastChangeSeconds: 60 },
      },
      emailNotifications: { onFailures: ["oncall@example.com"], noAlertForSkippedRuns: true },
    });
    expect(ingest.jobClusters).to.have.length(1);
    expect(ingest.jobClusters[0]).to.deep.include({ jobClusterKey: "job_cluster" });
    expect(ingest.jobClusters[0].newCluster).to.deep.include({
      policyId: "policy-1",
      sparkVersion: "17.3.x-scala2.13",
      numWorkers: 0,
      dataSecurityMode: "SINGLE_USER",
    });
    expect(ingest.tasks).to.have.length(1);
    expect(ingest.tasks[0]).to.deep.include({
      taskKey: "ingest",
      jobClusterKey: "job_cluster",
      notebookTask: { notebookPath: "/Users/d/.h3-ml/dev/ingest", source: "WORKSPACE" },
    });
    // The values the program sets; which parameters each job gets is tests/jobParameters.test.ts's.
    expect(ingest.parameters).to.deep.include.members([
      { name: "capture_root", default: CAPTURE },
      { name: "catalog", default: "h3ml_dev" },
      { name: "checkpoints", default: "/Volumes/h3ml_dev/ops/checkpoints" },
      { name: "deletion_sla_days", default: "30" },
    ]);
  });

  it("runs ingest on a cron instead when configured", async () => {
    const ev = await build({ ingestTrigger: { kind: "schedule", cron: "0 0/15 * * * ?" } });
    expect(job(ev, "ingest").schedule).to.deep.equal({
      quartzCronExpression: "0 0/15 * * * ?",
      timezoneId: "UTC",
      pauseStatus: "UNPAUSED",
    });
    expect(job(ev, "ingest")).to.not.have.property("trigger");
  });

  it("schedules normalize and the daily delete sweep, and gives delete a request_id parameter for run-now, never a user id", async () => {
    const ev = await build({ timezone: "Europe/Berlin" });
    expect(job(ev, "normalize").schedule).to.deep.equal({
      quartzCronExpression: "0 30 * * * ?",
      timezoneId: "Europe/Berlin",
      pauseStatus: "UNPAUSED",
    });
    const remove = job(ev, "delete");
    expect(remove.schedule).to.deep.equal({
      quartzCronExpression: "0 0 3 * * ?",
      timezoneId: "Europe/Berlin",
      pauseStatus: "UNPAUSED",
    });
    expect(remove.tasks.map((t: { taskKey: string }) => t.taskKey)).to.deep.equal(["delete_user_data"]);
    expect(remove.tasks[0].notebookTask.notebookPath).to.equal("/Users/d/.h3-ml/dev/delete_user_data");
    expect(remove.parameters).to.deep.equal([
      { name: "capture_lag_hours", default: "6" },
      { name: "capture_root", default: CAPTURE },
      { name: "catalog", default: "h3ml_dev" },
      { name: "checkpoints", default: "/Volumes/h3ml_dev/ops/checkpoints" },
      { name: "deletion_sla_days", default: "30" },
      { name: "open_request_hours", default: "30" },
      { name: "request_id", default: "" },
      { name: "rotate_salt", default: "false" },
      { name: "schema_prefix", default: "" },
      { name: "unattributed_days", default: "" },
    ]);
    expect(job(ev, "normalize").parameters.map((p: { name: string }) => p.name)).to.deep.equal([
      "catalog",
      "checkpoints",
      "deletion_sla_days",
      "schema_prefix",
      "unattributed_days",
    ]);
  });

  it("pauses every schedule and trigger when asked", async () => {
    const ev = await build({ paused: true });
    expect(job(ev, "ingest").trigger.pauseStatus).to.equal("PAUSED");
    expect(job(ev, "normalize").schedule.pauseStatus).to.equal("PAUSED");
    expect(job(ev, "delete").schedule.pauseStatus).to.equal("PAUSED");
  });

  it("runs each job as its own service principal, once the resources that let the deployer name it exist", async () => {
    const principals = {
      ingest: SP,
      normalize: SP.replace("aaaa", "bbbb"),
      delete: SP.replace("aaaa", "cccc"),
    };
    const ev = await evaluate("dev", () => {
      const provider = testProvider();
      const grants = Object.fromEntries(
        Object.entries(principals).map(([kind, sp]) => [
          kind,
          new databricks.AccessControlRuleSet(
            `grant-${kind}`,
            {
              name: `accounts/a/servicePrincipals/${sp}/ruleSets/default`,
              grantRules: [
                { role: "roles/servicePrincipal.user", principals: ["servicePrincipals/deployer"] },
              ],
            },
            { provider },
          ),
        ]),
      );
      return new DatabricksJobs("jobs", {
        ...ARGS,
        provider,
        runAs: Object.fromEntries(
          Object.entries(principals).map(([kind, sp]) => [
            kind,
            { servicePrincipal: sp, after: [grants[kind]] },
          ]),
        ),
      });
    });
    for (const [kind, sp] of Object.entries(principals)) {
      expect(job(ev, kind).runAs, kind).to.deep.equal({ servicePrincipalName: sp });
      expect(resource(ev, TYPES.job, `jobs-${kind}`).dependencies, kind).to.include(
        resource(ev, TYPES.accessControlRuleSet, `grant-${kind}`).urn,
      );
    }
    expect(checkRunAsRole(ev.registrations, { deployers: ["servicePrincipals/deployer"] })).to.deep.equal([]);
    const asOwner = await build();
    expect(job(asOwner, "ingest")).to.not.have.property("runAs");
  });

  it("grants per job: the owner, runners of every job, runners of the delete job only, viewer groups", async () => {
    const BACKEND = "9f0c1d2e-0000-4000-8000-00000000bac0";
    const ev = await evaluate("dev", () => {
      const provider = testProvider();
      const oncall = new databricks.PermissionAssignment(
        "oncall",
        { groupName: "h3-oncall", permissions: ["USER"] },
        { provider },
      );
      return new DatabricksJobs("jobs", {
        ...ARGS,
        provider,
        access: {
          owner: SP,
          viewerGroups: ["h3-oncall"],
          runners: [],
          deleteRunners: [BACKEND],
          groups: { "h3-oncall": oncall },
        },
      });
    });
    const controls = (kind: string) => resource(ev, TYPES.permissions, `jobs-${kind}-permissions`).inputs;
    expect(controls("delete")).to.deep.equal({
      jobId: "jobs-delete-id",
      accessControls: [
        { servicePrincipalName: SP, permissionLevel: "IS_OWNER" },
        { servicePrincipalName: BACKEND, permissionLevel: "CAN_MANAGE_RUN" },
        { groupName: "h3-oncall", permissionLevel: "CAN_VIEW" },
      ],
    });
    for (const kind of ["ingest", "normalize"]) {
      expect(controls(kind).accessControls, kind).to.deep.equal([
        { servicePrincipalName: SP, permissionLevel: "IS_OWNER" },
        { groupName: "h3-oncall", permissionLevel: "CAN_VIEW" },
      ]);
    }
    expect(checkGroupAssignments(ev.registrations)).to.deep.equal([]);
    expect(ofType(await build(), TYPES.permissions)).to.deep.equal([]);
  });

  it("sends failures to a webhook destination holding the URL as a secret", async () => {
    const ev = await build({ notificationEmails: [], notificationWebhookUrl: "https://hooks.example.com/x" });
    const destination = resource(ev, TYPES.notificationDestination, "jobs-failure-webhook");
    expect(destination.inputs).to.deep.equal({
      displayName: "h3ml-dev job failures",
      config: { genericWebhook: { url: "https://hooks.example.com/x" } },
    });
    expect(destination.secretInputs).to.deep.equal(["config"]);
    for (const kind of ["ingest", "normalize", "delete"]) {
      expect(job(ev, kind).webhookNotifications, kind).to.deep.equal({
        onFailures: [{ id: "jobs-failure-webhook-id" }],
      });
      expect(job(ev, kind), kind).to.not.have.property("emailNotifications");
    }
  });

  it("draws multi-node clusters when given workers", async () => {
    const ev = await build({ workers: 2 });
    const cluster = job(ev, "normalize").jobClusters[0].newCluster;
    expect(cluster.numWorkers).to.equal(2);
    expect(cluster).to.not.have.property("sparkConf");
  });

  it("exposes each job's id and URL and creates everything through the explicit provider", async () => {
    const ev = await build({ notificationWebhookUrl: "https://hooks.example.com/x" });
    expect(ofType(ev, TYPES.job).map((j) => j.name)).to.deep.equal([
      "jobs-delete",
      "jobs-ingest",
      "jobs-normalize",
    ]);
    for (const r of databricksResources(ev)) expect(r.provider, r.name).to.equal(providerRef(ev));
    const url = await new Promise((done) => ev.result.jobs.delete.url.apply(done));
    expect(url).to.equal("https://adb-1234567890123456.7.azuredatabricks.net/#job/jobs-delete-id");
  });
});

describe("failureRecipients", () => {
  const resolve = (values: pulumi.Input<string>[]) =>
    Promise.all(values.map((v) => new Promise((done) => pulumi.output(v).apply(done))));

  it("fails when a shared stack reaches it without configured recipients", () => {
    expect(() => failureRecipients([], false, undefined)).to.throw(
      "a shared stack names its failure recipients in config (databricks.notificationEmails)",
    );
  });

  it("emails the configured addresses, else the person whose stack it is", async () => {
    expect(
      await resolve(failureRecipients(["oncall@example.com"], false, "alice@example.com")),
    ).to.deep.equal(["oncall@example.com"]);
    expect(await resolve(failureRecipients([], false, "alice@example.com"))).to.deep.equal([
      "alice@example.com",
    ]);
    expect(failureRecipients([], true, "alice@example.com")).to.deep.equal([]);
  });

  it("fails when nobody with a mailbox would hear about a failure, naming the key", () => {
    expect(() => deployerMailbox("9f0c1d2e-0000-4000-8000-00000000aaaa")).to.throw(
      'databricks.notificationEmails must name who hears about failed runs when the deployer ("9f0c1d2e-0000-4000-8000-00000000aaaa") has no email address. ' +
        "Fix: pulumi config set --path 'databricks.notificationEmails[0]' oncall@example.com",
    );
    expect(deployerMailbox("alice@example.com")).to.equal("alice@example.com");
  });
});
