import { expect } from "chai";
import { PREVIEW_ENTITLEMENTS, RUN_AS_ENTITLEMENTS } from "../components/databricksPrincipals";
import { DEFAULT_SPARK_VERSION } from "../config/databricks";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { DATABRICKS_SIDE } from "./databricksFixtures";
import {
  type Evaluation,
  EvaluationError,
  evaluateProgram,
  MOCK_SUBSCRIPTION_ID,
  MOCK_WORKSPACE_HOST,
} from "./harness/mockProgram";
import { evaluated, expectedNotebookAssets, FULL_COPY, ofType, resource, SHARED_MODE } from "./support";

const SP = "9f0c1d2e-0000-4000-8000-00000000aaaa";
const PREVIEW = "9f0c1d2e-0000-4000-8000-00000000bbbb";
const jobs = (ev: Evaluation) => ofType(ev, TYPES.job);
const pauseStates = (ev: Evaluation) =>
  jobs(ev).map((j) => [j.name, (j.inputs.trigger ?? j.inputs.schedule).pauseStatus]);

describe("program under mocks: Databricks", () => {
  let dev: Evaluation;
  let alice: Evaluation;
  let prod: Evaluation;
  before(async () => {
    [dev, alice, prod] = [
      await evaluated("dev"),
      await evaluated("dev-alice", { config: FULL_COPY }),
      await evaluated("prod"),
    ];
  });

  it("registers the workspace, storage grants, catalog, policies, secrets, one asset per notebooks/ file and three jobs", () => {
    const assets = expectedNotebookAssets();
    const side = dev.registrations
      .filter((r) => DATABRICKS_SIDE.test(r.name))
      .map((r) => `${r.type} ${r.name}`);
    expect(side.sort()).to.deep.equal(
      [
        "h3:databricks:DatabricksWorkspace databricks",
        `${TYPES.accessConnector} databricks-access-connector`,
        `${TYPES.workspace} databricks-workspace`,
        `${TYPES.databricksProvider} databricks-provider`,
        "h3:databricks:DatabricksPrincipals principals",
        "h3:databricks:DatabricksStorageAccess connector-access",
        `${TYPES.roleAssignment} connector-access-lake-blob-contributor`,
        `${TYPES.roleAssignment} connector-access-capture-blob-reader`,
        `${TYPES.roleAssignment} connector-access-account-contributor`,
        `${TYPES.roleAssignment} connector-access-queue-contributor`,
        `${TYPES.roleAssignment} connector-access-event-subscription-contributor`,
        "h3:databricks:UnityCatalog unity-catalog",
        `${TYPES.storageCredential} unity-catalog-credential`,
        `${TYPES.externalLocation} unity-catalog-capture-location`,
        `${TYPES.externalLocation} unity-catalog-lake-location`,
        `${TYPES.catalog} unity-catalog-catalog`,
        `${TYPES.schema} unity-catalog-bronze`,
        `${TYPES.schema} unity-catalog-silver`,
        `${TYPES.schema} unity-catalog-ops`,
        `${TYPES.volume} unity-catalog-checkpoints`,
        "h3:databricks:DatabricksCompute compute",
        `${TYPES.clusterPolicy} compute-job-policy`,
        `${TYPES.clusterPolicy} compute-interactive-policy`,
        `${TYPES.clusterPolicy} compute-personal-job-policy`,
        `${TYPES.cluster} compute-analytics`,
        "h3:databricks:WorkspaceAssets notebooks",
        `${TYPES.directory} notebooks-folder`,
        ...assets,
        "h3:databricks:DatabricksJobs jobs",
        `${TYPES.job} jobs-ingest`,
        `${TYPES.job} jobs-normalize`,
        `${TYPES.job} jobs-delete`,
        // dev names its deployer, which owns (and so runs, for the smoke test) every job.
        `${TYPES.permissions} jobs-ingest-permissions`,
        `${TYPES.permissions} jobs-normalize-permissions`,
        `${TYPES.permissions} jobs-delete-permissions`,
      ].sort(),
    );
  });

  it("creates every Databricks resource through the workspace's explicit provider", () => {
    const provider = resource(dev, TYPES.databricksProvider, "databricks-provider");
    const objects = dev.registrations.filter((r) => r.type.startsWith("databricks:"));
    expect(objects.length).to.be.greaterThan(20);
    for (const r of objects) expect(r.provider, r.name).to.equal(`${provider.urn}::databricks-provider-id`);
    expect(provider.inputs).to.deep.include({
      host: `https://${MOCK_WORKSPACE_HOST}`,
      azureWorkspaceResourceId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/h3ml-dev-rg/providers/Microsoft.Databricks/workspaces/h3ml-dev-dbw`,
    });
  });

  it("admits the access connector through the lake's firewall and grants it before Unity Catalog validates", () => {
    const connector = resource(dev, TYPES.accessConnector, "databricks-access-connector");
    expect(resource(dev, "azure-native:storage:StorageAccount", "lake-account").dependencies).to.include(
      connector.urn,
    );
    const grants = ofType(dev, TYPES.roleAssignment).filter((r) => r.name.startsWith("connector-access-"));
    for (const name of [
      "unity-catalog-credential",
      "unity-catalog-capture-location",
      "unity-catalog-lake-location",
    ]) {
      const registration = dev.registrations.find((r) => r.name === name);
      for (const grant of grants) expect(registration?.dependencies, name).to.include(grant.urn);
    }
  });

  it("pins every cluster to the 17.3 LTS runtime through the policies", () => {
    expect(DEFAULT_SPARK_VERSION).to.equal("17.3.x-scala2.13");
    for (const policy of ofType(prod, TYPES.clusterPolicy)) {
      expect(JSON.parse(policy.inputs.definition).spark_version, policy.name).to.deep.equal({
        type: "fixed",
        value: "17.3.x-scala2.13",
      });
    }
    for (const job of jobs(prod)) {
      expect(job.inputs.jobClusters[0].newCluster.sparkVersion, job.name).to.equal("17.3.x-scala2.13");
      expect(job.inputs.jobClusters[0].newCluster.policyId, job.name).to.equal("compute-job-policy-id");
    }
  });

  // Pulumi.dev.yaml asks for 1..1 workers, which no autoscale range can express (the
  // provider's schema: "maxWorkers must be strictly greater than min_workers"); it becomes a fixed size.
  it("gives dev a small fixed-size analytics cluster that stops when idle, and no other stack one", () => {
    const analytics = resource(dev, TYPES.cluster, "compute-analytics").inputs;
    expect(analytics).to.not.have.property("autoscale");
    expect(analytics).to.deep.include({
      clusterName: "h3ml-dev-analytics",
      sparkVersion: "17.3.x-scala2.13",
      numWorkers: 1,
      autoterminationMinutes: 20,
      dataSecurityMode: "USER_ISOLATION",
      policyId: "compute-interactive-policy-id",
    });
    expect(ofType(alice, TYPES.cluster)).to.deep.equal([]);
    expect(ofType(prod, TYPES.cluster)).to.deep.equal([]);
  });

  it("runs single-node job clusters in dev and personal stacks, multi-node in prod", () => {
    const workers = (ev: Evaluation) => jobs(ev).map((j) => j.inputs.jobClusters[0].newCluster.numWorkers);
    expect(workers(dev)).to.deep.equal([0, 0, 0]);
    expect(workers(alice)).to.deep.equal([0, 0, 0]);
    expect(workers(prod)).to.deep.equal([2, 2, 2]);
  });

  it("keeps schedules live in dev and prod and paused in personal stacks", () => {
    const live = [
      ["jobs-delete", "UNPAUSED"],
      ["jobs-ingest", "UNPAUSED"],
      ["jobs-normalize", "UNPAUSED"],
    ];
    expect(pauseStates(dev)).to.deep.equal(live);
    expect(pauseStates(prod)).to.deep.equal(live);
    expect(pauseStates(alice)).to.deep.equal(live.map(([name]) => [name, "PAUSED"]));
  });

  it("lets dev pause its schedules from config", async () => {
    const paused = await evaluateProgram("dev", {
      config: { databricks: { notificationEmails: ["oncall@example.com"], pauseSchedules: true } },
    });
    expect(pauseStates(paused).map(([, state]) => state)).to.deep.equal(["PAUSED", "PAUSED", "PAUSED"]);
  });

  it("triggers ingest on file arrival in its namespace's folder of the capture location and points every job at its notebook", () => {
    const capture = resource(dev, TYPES.externalLocation, "unity-catalog-capture-location").inputs.url;
    const namespace = resource(dev, TYPES.eventHubsNamespace, "ingestion-namespace").inputs.namespaceName;
    const ingest = resource(dev, TYPES.job, "jobs-ingest").inputs;
    expect(capture).to.equal("abfss://capture@h3mldevst571d3e.dfs.core.windows.net/");
    expect(ingest.trigger.fileArrival.url).to.equal(`${capture}${namespace}/`);
    const folder = "/h3-ml/dev";
    expect(jobs(dev).map((j) => [j.name, j.inputs.tasks[0].notebookTask.notebookPath])).to.deep.equal([
      ["jobs-delete", `${folder}/delete_user_data`],
      ["jobs-ingest", `${folder}/ingest`],
      ["jobs-normalize", `${folder}/normalize`],
    ]);
    expect(resource(dev, TYPES.notebook, "notebooks-ingest.py").inputs.path).to.equal(`${folder}/ingest`);
  });

  it("notifies the recipients a shared stack's config names, and the person who runs a personal stack", () => {
    for (const job of jobs(dev)) {
      expect(job.inputs.emailNotifications.onFailures, job.name).to.deep.equal(["h3-ml-oncall@example.com"]);
    }
    for (const job of jobs(alice)) {
      expect(job.inputs.emailNotifications.onFailures, job.name).to.deep.equal(["deployer@example.com"]);
    }
    expect(resource(alice, TYPES.directory, "notebooks-folder").inputs.path).to.equal(
      "/Users/deployer@example.com/.h3-ml/dev-alice",
    );
  });

  it("runs the jobs as the configured service principals, from the stack's fixed folder, with their grants", async () => {
    const DELETER = SP.replace("aaaa", "dddd");
    const ev = await evaluateProgram("dev", {
      config: {
        databricks: {
          notificationEmails: ["oncall@example.com"],
          runAs: { ingest: SP, normalize: SP, delete: DELETER },
          accountId: "00000000-0000-4000-8000-0000000000ac",
          deployerApplicationId: "00000000-0000-4000-8000-0000000000d1",
          analystsGroup: "h3-analysts",
          previewApplicationIds: [PREVIEW],
        },
      },
    });
    // The run-as principal joins the workspace before anything names it.
    const runAs = resource(ev, TYPES.servicePrincipal, `principals-run-as-${SP}`);
    expect(runAs.inputs).to.deep.equal({
      applicationId: SP,
      active: true,
      force: true,
      ...RUN_AS_ENTITLEMENTS,
    });
    expect(RUN_AS_ENTITLEMENTS).to.deep.equal({
      workspaceAccess: true,
      allowClusterCreate: false,
      allowInstancePoolCreate: false,
      databricksSqlAccess: false,
    });
    for (const [type, name] of [
      [TYPES.job, "jobs-ingest"],
      [TYPES.job, "jobs-normalize"],
      [TYPES.grants, "unity-catalog-catalog-grants"],
      [TYPES.grants, "unity-catalog-capture-grants"],
      [TYPES.permissions, "notebooks-folder-permissions"],
      [TYPES.permissions, "compute-job-policy-permissions"],
    ] as const) {
      expect(resource(ev, type, name).dependencies, name).to.include(runAs.urn);
    }
    const deleter = resource(ev, TYPES.servicePrincipal, `principals-run-as-${DELETER}`).urn;
    expect(resource(ev, TYPES.job, "jobs-delete").dependencies).to.include(deleter);
    expect(resource(ev, TYPES.job, "jobs-delete").dependencies).to.not.include(runAs.urn);
    expect(resource(ev, TYPES.permissions, "compute-job-policy-permissions").inputs).to.deep.equal({
      clusterPolicyId: "compute-job-policy-id",
      accessControls: [
        { servicePrincipalName: SP, permissionLevel: "CAN_USE" },
        { servicePrincipalName: DELETER, permissionLevel: "CAN_USE" },
      ],
    });
    expect(jobs(ev).map((job) => [job.name, job.inputs.runAs])).to.deep.equal([
      ["jobs-delete", { servicePrincipalName: DELETER }],
      ["jobs-ingest", { servicePrincipalName: SP }],
      ["jobs-normalize", { servicePrincipalName: SP }],
    ]);
    expect(resource(ev, TYPES.directory, "notebooks-folder").inputs.path).to.equal("/h3-ml/dev");
    expect(resource(ev, TYPES.permissions, "notebooks-folder-permissions").inputs).to.deep.equal({
      directoryPath: "/h3-ml/dev",
      accessControls: [
        { servicePrincipalName: SP, permissionLevel: "CAN_RUN" },
        { servicePrincipalName: DELETER, permissionLevel: "CAN_RUN" },
        { groupName: "h3-analysts", permissionLevel: "CAN_READ" },
        { servicePrincipalName: PREVIEW, permissionLevel: "CAN_READ" },
      ],
    });
    // A Reader-only preview identity is in the workspace, reads the code and browses the catalog.
    expect(resource(ev, TYPES.servicePrincipal, `principals-preview-${PREVIEW}`).inputs).to.deep.equal({
      applicationId: PREVIEW,
      active: true,
      force: true,
      ...PREVIEW_ENTITLEMENTS,
    });
    const catalogGrants = resource(ev, TYPES.grants, "unity-catalog-catalog-grants").inputs.grants;
    expect(catalogGrants).to.deep.include({ principal: PREVIEW, privileges: ["BROWSE"] });
    expect(catalogGrants.map((g: { principal: string }) => g.principal)).to.deep.equal([
      "h3-analysts",
      SP,
      DELETER,
      PREVIEW,
    ]);
  });

  it("protects the workspace, its connector, the catalog and the checkpoints in prod only, and lets a personal catalog be destroyed", () => {
    const guarded = (ev: Evaluation) =>
      ev.registrations.filter((r) => DATABRICKS_SIDE.test(r.name) && r.protect).map((r) => r.name);
    expect(guarded(prod).sort()).to.deep.equal([
      "databricks-access-connector",
      "databricks-workspace",
      "unity-catalog-catalog",
      "unity-catalog-checkpoints",
    ]);
    expect(guarded(dev)).to.deep.equal([]);
    expect(resource(alice, TYPES.catalog, "unity-catalog-catalog").inputs).to.deep.include({
      name: "h3ml_dev_alice",
      forceDestroy: true,
    });
    expect(resource(prod, TYPES.catalog, "unity-catalog-catalog").inputs.forceDestroy).to.equal(false);
  });

  // The audit salt lives in a Delta table the delete job creates and only its principal reads; a salt in Pulumi state
  // could be decrypted by whoever previews prod, and with the audit's hashes it recovers short user ids.
  it("keeps the audit salt out of Pulumi state and every user id out of job parameters", () => {
    for (const ev of [dev, prod, alice]) {
      const kinds = new Set(ev.registrations.map((r) => r.type));
      for (const type of [TYPES.randomPassword, TYPES.secret, TYPES.secretScope, TYPES.secretAcl]) {
        expect([...kinds], `${ev.stack} registers ${type}`).to.not.include(type);
      }
      for (const job of jobs(ev)) {
        const names = job.inputs.parameters.map((p: { name: string }) => p.name);
        expect(names, `${ev.stack} ${job.name}`).to.not.include.members(["secret_scope"]);
        expect(names, `${ev.stack} ${job.name}`).to.not.include.members(["user_ids"]);
      }
    }
    // The delete job's watchdog lists the folder ingest reads.
    const ingestCaptureRoot = resource(dev, TYPES.job, "jobs-ingest").inputs.parameters.find(
      (p: { name: string }) => p.name === "capture_root",
    ).default;
    expect(ingestCaptureRoot).to.match(
      /^abfss:\/\/capture@h3mldevst[0-9a-f]{6}\.dfs\.core\.windows\.net\/h3ml-dev-evhns-[0-9a-f]{6}\/$/,
    );
    expect(
      resource(dev, TYPES.job, "jobs-delete").inputs.parameters.map(
        (p: { name: string; default: string }) => [p.name, p.default],
      ),
    ).to.deep.equal([
      ["capture_lag_hours", "6"],
      ["capture_root", ingestCaptureRoot],
      ["catalog", "h3ml_dev"],
      ["checkpoints", "/Volumes/h3ml_dev/ops/checkpoints"],
      ["deletion_sla_days", "30"],
      ["open_request_hours", "30"],
      ["request_id", ""],
      ["rotate_salt", "false"],
      ["schema_prefix", ""],
      ["unattributed_days", ""],
    ]);
  });

  // The smoke test runs on dev as the CI deployer: owning the jobs is what lets it start them and read their runs.
  it("has dev's CI deployer own, and so run and read, every dev job", () => {
    for (const job of ["ingest", "normalize", "delete"]) {
      expect(resource(dev, TYPES.permissions, `jobs-${job}-permissions`).inputs, job).to.deep.equal({
        jobId: `jobs-${job}-id`,
        accessControls: [
          { servicePrincipalName: "00000000-0000-0000-0000-0000000000d1", permissionLevel: "IS_OWNER" },
        ],
      });
    }
  });

  it("exports, on dev only, the one versioned object a shared personal stack must match", () => {
    expect(dev.outputs.personalStack).to.deep.equal({
      value: {
        version: 1,
        jobPolicyId: "compute-personal-job-policy-id",
        sparkVersion: DEFAULT_SPARK_VERSION,
        nodeTypeId: "Standard_D4ds_v5",
        maxWorkers: 1,
        fixedTags: { project: "h3-ml", managedBy: "pulumi", environment: "personal" },
        captureContainerUrl: "abfss://capture@h3mldevst571d3e.dfs.core.windows.net/",
      },
      secret: false,
    });
    const policy = resource(dev, TYPES.clusterPolicy, "compute-personal-job-policy").inputs;
    expect(policy.name).to.equal("h3ml-dev personal jobs");
    expect(JSON.parse(policy.definition)).to.deep.include({
      spark_version: { type: "fixed", value: DEFAULT_SPARK_VERSION },
      node_type_id: { type: "fixed", value: "Standard_D4ds_v5" },
      num_workers: { type: "range", minValue: 0, maxValue: 1 },
    });
    for (const other of [prod, alice]) {
      expect(other.outputs).to.not.have.property("personalStack");
      expect(ofType(other, TYPES.clusterPolicy).map((p) => p.name)).to.deep.equal([
        "compute-interactive-policy",
        "compute-job-policy",
      ]);
    }
  });

  it("exports the workspace URL, the catalog and each job's id and URL", () => {
    expect(dev.outputs).to.deep.include({
      databricksWorkspaceUrl: { value: `https://${MOCK_WORKSPACE_HOST}`, secret: false },
      catalogName: { value: "h3ml_dev", secret: false },
      deleteJobId: { value: "jobs-delete-id", secret: false },
      deleteJobUrl: { value: `https://${MOCK_WORKSPACE_HOST}/#job/jobs-delete-id`, secret: false },
    });
  });
});

// With identity federation an account group must be assigned to the workspace before a workspace permission can
// name it (databricks/terraform-provider-databricks#1458, #1705); the harness refuses the evaluation otherwise, so
// these stacks would fail to evaluate without the assignments.
describe("program under mocks: account groups in the workspace", () => {
  const GROUPS = {
    databricks: {
      notificationEmails: ["oncall@example.com"],
      analystsGroup: "h3-analysts",
      analyticsCluster: { minWorkers: 1, maxWorkers: 1, autoterminationMinutes: 20 },
    },
    developers: { entraGroupObjectId: "6a1f6b2c-0000-4000-8000-0000000000d1", accountGroup: "h3-developers" },
  };
  let ev: Evaluation;
  before(async () => {
    ev = await evaluateProgram("dev", { config: GROUPS });
  });

  it("assigns the analysts' and the developers' account groups to the workspace as users", () => {
    const provider = resource(ev, TYPES.databricksProvider, "databricks-provider").urn;
    expect(
      ofType(ev, TYPES.permissionAssignment).map((a) => [a.name, a.inputs, a.provider?.startsWith(provider)]),
    ).to.deep.equal([
      ["principals-group-h3-analysts", { groupName: "h3-analysts", permissions: ["USER"] }, true],
      ["principals-group-h3-developers", { groupName: "h3-developers", permissions: ["USER"] }, true],
    ]);
  });

  it("makes every permission naming a group wait for that group's assignment", () => {
    const assignment = (group: string) =>
      resource(ev, TYPES.permissionAssignment, `principals-group-${group}`).urn;
    const naming = ofType(ev, TYPES.permissions).map((p) => [
      p.name,
      p.inputs.accessControls
        .map((c: { groupName?: string }) => c.groupName)
        .filter((g: string | undefined) => g !== undefined),
    ]);
    expect(naming).to.deep.equal([
      ["compute-analytics-permissions", ["h3-analysts"]],
      ["compute-interactive-policy-permissions", ["h3-analysts"]],
      ["compute-personal-job-policy-permissions", ["h3-developers"]],
      ["notebooks-folder-permissions", ["h3-analysts"]],
    ]);
    for (const [name, groups] of naming) {
      const permission = resource(ev, TYPES.permissions, name);
      for (const group of groups)
        expect(permission.dependencies, `${name} ${group}`).to.include(assignment(group));
    }
  });

  it("assigns no group the config does not name", async () => {
    expect(ofType(await evaluated("dev"), TYPES.permissionAssignment)).to.deep.equal([]);
    // Prod names its on-call group, which sees the jobs' runs; its admin group owns Unity Catalog objects only.
    expect(
      ofType(await evaluated("prod"), TYPES.permissionAssignment).map((a) => a.inputs.groupName),
    ).to.deep.equal(["h3-ml-oncall"]);
  });
});

// A shared stack deploys the same whoever runs it (nothing read from the caller decides a
// folder or a recipient); a personal stack uses the home and the mailbox of the person who runs it.
describe("program under mocks: who runs pulumi up", () => {
  // Both what Databricks and what Azure say about the caller change with who runs it.
  const as = (userName: string) => ({
    "databricks:index/getCurrentUser:getCurrentUser": () => ({ home: `/Users/${userName}`, userName }),
    "azure-native:authorization:getClientConfig": () => ({
      subscriptionId: MOCK_SUBSCRIPTION_ID,
      tenantId: "00000000-0000-4000-8000-000000000002",
      clientId: userName,
      objectId:
        userName === SP ? "00000000-0000-4000-8000-0000000000c1" : "00000000-0000-4000-8000-0000000000a1",
    }),
  });
  const plan = (ev: Evaluation) => ev.registrations.map((r) => [r.urn, r.inputs]);

  for (const stack of ["dev", "prod"]) {
    it(`deploys ${stack} identically whether CI or a person from a laptop runs it`, async () => {
      const [ci, person] = [
        await evaluateProgram(stack, { calls: as(SP) }),
        await evaluateProgram(stack, { calls: as("alice@example.com") }),
      ];
      expect(plan(person)).to.deep.equal(plan(ci));
      expect(resource(ci, TYPES.directory, "notebooks-folder").inputs.path).to.equal(`/h3-ml/${stack}`);
    });

    it(`refuses ${stack} without databricks.notificationEmails, before any resource, giving the command`, async () => {
      const failure = await evaluateProgram(stack, {
        config: { databricks: { notificationEmails: [] } },
      }).catch((err: unknown) => err);
      expect(failure).to.be.instanceOf(EvaluationError);
      const { message, registrations } = failure as EvaluationError;
      expect(message).to.include(
        `databricks.notificationEmails must be at least one address on the shared ${stack} stack (or set ` +
          "databricks.notificationWebhookUrl), got []: nothing read from the deploying identity decides a shared " +
          "stack's recipients. Fix: pulumi config set --path 'databricks.notificationEmails[0]' oncall@example.com",
      );
      expect(registrations).to.deep.equal([]);
    });
  }

  it("fails a personal stack run by a service principal without databricks.notificationEmails, naming the key", async () => {
    const failure = await evaluateProgram("dev-alice", { calls: as(SP), config: SHARED_MODE }).catch(
      (err: unknown) => err,
    );
    expect(failure).to.be.instanceOf(EvaluationError);
    expect((failure as EvaluationError).message).to.include(
      `databricks.notificationEmails must name who hears about failed runs when the deployer (${JSON.stringify(SP)}) ` +
        "has no email address. Fix: pulumi config set --path 'databricks.notificationEmails[0]' oncall@example.com",
    );
  });
});
