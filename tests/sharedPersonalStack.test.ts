import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { CUSTOM_ROLES, type CustomRoleSpec } from "../components/roles";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { personalNames } from "../program/personal";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";
import { checkClusterPolicies } from "./harness/databricksService";
import {
  type Evaluation,
  EvaluationError,
  evaluateProgram,
  MOCK_DEV_OUTPUTS,
  MOCK_DEV_POLICIES,
  MOCK_DEV_STACK,
  MOCK_SUBSCRIPTION_ID,
} from "./harness/mockProgram";
import { checkRegistrations } from "./harness/policyCheck";
import { evaluated, expectedNotebookAssets, FULL_COPY, ofType, resource, SHARED_MODE } from "./support";

const DEV = MOCK_DEV_OUTPUTS as Record<string, string>;
const HOME = "/Users/deployer@example.com";
const CONTRACT = MOCK_DEV_OUTPUTS.personalStack as Record<string, string>;
const CAPTURE_ROOT = `abfss://capture@${DEV.storageAccountName}.dfs.core.windows.net/dev-ada/${DEV.eventHubsNamespaceName}/`;

/**
 * Kinds that cost money while nobody uses them: a namespace bills throughput units and Capture hourly, a
 * workspace its network pieces, a storage account its capacity, a cluster its VMs, a NAT gateway and public IP
 * by the hour. A shared personal stack creates none of them.
 */
const BILLED_WHILE_IDLE = [
  TYPES.resourceGroup,
  TYPES.storageAccount,
  TYPES.eventHubsNamespace,
  TYPES.workspace,
  TYPES.accessConnector,
  TYPES.cluster,
  "azure-native:network:NatGateway",
  "azure-native:network:PublicIPAddress",
  "azure-native:network:PrivateEndpoint",
];

describe("shared personal stack (personal.mode: shared)", () => {
  let ada: Evaluation;
  let adaPreview: Evaluation;
  before(async () => {
    ada = await evaluated("dev-ada", { config: SHARED_MODE });
    adaPreview = await evaluated("dev-ada", { config: SHARED_MODE, preview: true });
  });

  it("names its schemas, hub and jobs after the person", () => {
    expect(personalNames("dev-ada")).to.deep.equal({
      person: "ada",
      jobPrefix: "[dev ada]",
      hubName: "dev-ada",
      schemaPrefix: "dev_ada_",
    });
  });

  it("creates exactly its own schemas, hub, code and jobs", () => {
    const custom = ada.registrations.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`);
    expect(custom.sort()).to.deep.equal(
      [
        `${TYPES.databricksProvider} dev-workspace`,
        "pulumi:providers:azure-native dev-subscription",
        `${TYPES.eventHub} hub-hub`,
        `${TYPES.consumerGroup} hub-jobs`,
        `${TYPES.schema} schemas-bronze`,
        `${TYPES.schema} schemas-silver`,
        `${TYPES.schema} schemas-ops`,
        `${TYPES.volume} schemas-checkpoints`,
        `${TYPES.directory} notebooks-folder`,
        ...expectedNotebookAssets(),
        `${TYPES.job} jobs-ingest`,
        `${TYPES.job} jobs-normalize`,
        `${TYPES.job} jobs-delete`,
      ].sort(),
    );
  });

  it("creates nothing that is billed while idle", () => {
    const billed = ada.registrations.filter((r) => BILLED_WHILE_IDLE.includes(r.type));
    expect(billed.map((r) => `${r.type} ${r.name}`)).to.deep.equal([]);
    expect(ada.registrations.filter((r) => r.protect)).to.deep.equal([]);
  });

  it("registers as many resources as docs/personal-stacks.md says, against a full copy", async () => {
    const full = await evaluated("dev-ada", { config: FULL_COPY });
    const counts = (ev: Evaluation) => [
      ev.registrations.length,
      ev.registrations.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length,
    ];
    const doc = readFileSync(path.join(PROJECT_ROOT, "docs", "personal-stacks.md"), "utf8").replace(
      /\s+/g,
      " ",
    );
    const stated =
      /A shared stack registers (\d+) resources \((\d+) of them cloud resources\); a full copy (\d+) \((\d+)\)/
        .exec(doc)
        ?.slice(1)
        .map(Number);
    expect(stated, "docs/personal-stacks.md states the counts").to.deep.equal([
      ...counts(ada),
      ...counts(full),
    ]);
  });

  it("fails this check when it would create a namespace, a workspace or a storage account", async () => {
    // The same list over a full copy: the check is not vacuous.
    const full = await evaluated("dev-ada", { config: FULL_COPY });
    const billed = new Set(
      full.registrations.filter((r) => BILLED_WHILE_IDLE.includes(r.type)).map((r) => r.type),
    );
    expect([...billed]).to.include.members([TYPES.eventHubsNamespace, TYPES.workspace, TYPES.storageAccount]);
  });

  it("works in the dev stack's workspace, read through a StackReference to personal.devStack", () => {
    const provider = resource(ada, TYPES.databricksProvider, "dev-workspace");
    expect(provider.inputs).to.deep.equal({
      host: DEV.databricksWorkspaceUrl,
      azureWorkspaceResourceId: DEV.databricksWorkspaceResourceId,
    });
    const databricksSide = ada.registrations.filter((r) => r.custom && r.type.startsWith("databricks:"));
    for (const r of databricksSide) expect(r.provider, r.name).to.match(/::dev-workspace::/);
  });

  // The subscription comes from dev, not from whatever `az account` has selected on the developer's machine.
  it("creates its hub and consumer group in dev's subscription, read from dev's outputs", async () => {
    // `environment` is the provider SDK's default (ARM_ENVIRONMENT, else the public cloud).
    expect(resource(ada, "pulumi:providers:azure-native", "dev-subscription").inputs).to.deep.equal({
      environment: "public",
      subscriptionId: DEV.azureSubscriptionId,
    });
    const azureSide = ada.registrations.filter((r) => r.custom && r.type.startsWith("azure-native:"));
    expect(azureSide.map((r) => r.name).sort()).to.deep.equal(["hub-hub", "hub-jobs"]);
    for (const r of azureSide) expect(r.provider, r.name).to.match(/::dev-subscription::/);
    const other = "00000000-0000-4000-8000-0000000000aa";
    const elsewhere = await evaluateProgram("dev-ada", {
      config: SHARED_MODE,
      stackOutputs: { [MOCK_DEV_STACK]: { ...MOCK_DEV_OUTPUTS, azureSubscriptionId: other } },
    });
    expect(
      resource(elsewhere, "pulumi:providers:azure-native", "dev-subscription").inputs.subscriptionId,
    ).to.equal(other);
  });

  it("adds its hub to dev's namespace, captured into its own folder of dev's capture container", () => {
    const hub = resource(ada, TYPES.eventHub, "hub-hub").inputs;
    expect(hub).to.deep.include({
      resourceGroupName: DEV.resourceGroupName,
      namespaceName: DEV.eventHubsNamespaceName,
      eventHubName: "dev-ada",
      partitionCount: 1,
      messageRetentionInDays: 1,
    });
    expect(hub.captureDescription).to.deep.equal({
      enabled: true,
      encoding: "Avro",
      intervalInSeconds: 300,
      sizeLimitInBytes: 314572800,
      skipEmptyArchives: true,
      destination: {
        name: "EventHubArchive.AzureBlockBlob",
        storageAccountResourceId: DEV.storageAccountId,
        blobContainer: "capture",
        archiveNameFormat:
          "{EventHub}/{Namespace}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}",
        identity: { type: "SystemAssigned" },
      },
    });
    expect(resource(ada, TYPES.consumerGroup, "hub-jobs").inputs).to.deep.include({
      namespaceName: DEV.eventHubsNamespaceName,
      eventHubName: "dev-ada",
      consumerGroupName: "h3-ml-jobs",
    });
  });

  it("keeps its data in its own schemas of dev's catalog, dropped with the stack", () => {
    for (const schema of ["bronze", "silver", "ops"]) {
      expect(resource(ada, TYPES.schema, `schemas-${schema}`).inputs).to.deep.include({
        catalogName: DEV.catalogName,
        name: `dev_ada_${schema}`,
        forceDestroy: true,
      });
    }
    expect(resource(ada, TYPES.volume, "schemas-checkpoints").inputs).to.deep.include({
      catalogName: DEV.catalogName,
      schemaName: "dev_ada_ops",
      name: "checkpoints",
      volumeType: "MANAGED",
    });
  });

  it("deploys its code into the person's home", () => {
    expect(resource(ada, TYPES.directory, "notebooks-folder").inputs.path).to.equal(`${HOME}/.h3-ml/dev-ada`);
    expect(resource(ada, TYPES.notebook, "notebooks-ingest.py").inputs.path).to.equal(
      `${HOME}/.h3-ml/dev-ada/ingest`,
    );
  });

  it("names its jobs [dev ada], tags them with the person, pauses them and runs them as the person", () => {
    const jobs = ofType(ada, TYPES.job);
    expect(jobs.map((j) => j.inputs.name)).to.deep.equal([
      "[dev ada] delete",
      "[dev ada] ingest",
      "[dev ada] normalize",
    ]);
    for (const job of jobs) {
      const start = job.inputs.schedule ?? job.inputs.trigger;
      expect(start.pauseStatus, job.name).to.equal("PAUSED");
      expect(job.inputs.tags, job.name).to.include({
        owner: "ada",
        environment: "personal",
        stack: "dev-ada",
      });
      expect(job.inputs, job.name).to.not.have.property("runAs");
      expect(job.inputs.jobClusters[0].newCluster, job.name).to.deep.include({
        policyId: CONTRACT.jobPolicyId,
        sparkVersion: CONTRACT.sparkVersion,
        nodeTypeId: CONTRACT.nodeTypeId,
        driverNodeTypeId: CONTRACT.nodeTypeId,
      });
      expect(job.inputs.emailNotifications.onFailures, job.name).to.deep.equal(["deployer@example.com"]);
    }
    expect(resource(ada, TYPES.job, "jobs-ingest").inputs.trigger.fileArrival.url).to.equal(CAPTURE_ROOT);
  });

  // A job cluster that contradicts a value its policy fixes is refused when the job is created
  // (terraform-provider-databricks#458); dev's own job policy fixes environment and stack to dev's.
  it("runs its jobs under dev's personal job policy, which accepts them where dev's own job policy refuses them", () => {
    expect(checkClusterPolicies(ada.registrations, { foreignPolicies: MOCK_DEV_POLICIES })).to.deep.equal([]);
    const devJobPolicy = JSON.parse(MOCK_DEV_POLICIES[CONTRACT.jobPolicyId as string] as string);
    const ownJobPolicy = {
      ...devJobPolicy,
      "custom_tags.environment": { type: "fixed", value: "dev" },
      "custom_tags.stack": { type: "fixed", value: "dev" },
    };
    const refused = checkClusterPolicies(ada.registrations, {
      foreignPolicies: { [CONTRACT.jobPolicyId as string]: JSON.stringify(ownJobPolicy) },
    });
    // In no particular order: the registrations' order follows when each job's inputs resolve.
    expect(refused.map((f) => `${f.resource}: ${f.message}`).sort()).to.deep.equal(
      ["jobs-delete", "jobs-ingest", "jobs-normalize"].flatMap((job) => [
        `${job}: job cluster "job_cluster" under policy ${CONTRACT.jobPolicyId}: Validation failed for custom_tags.environment, the value must be dev (is "personal")`,
        `${job}: job cluster "job_cluster" under policy ${CONTRACT.jobPolicyId}: Validation failed for custom_tags.stack, the value must be dev (is "dev-ada")`,
      ]),
    );
  });

  it("refuses a dev stack that exports no personal stack contract, or one of another version, saying what to do", async () => {
    const { personalStack, ...older } = MOCK_DEV_OUTPUTS;
    for (const outputs of [
      older,
      { ...older, personalStack: { ...(personalStack as object), version: 2 } },
    ]) {
      const failure = await evaluateProgram("dev-ada", {
        config: SHARED_MODE,
        stackOutputs: { [MOCK_DEV_STACK]: outputs },
      }).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(EvaluationError);
      expect((failure as EvaluationError).message).to.match(
        /dev stack organization\/h3-ml\/dev exports (no personalStack output|personalStack version 2), and this stack reads version 1\. Fix: deploy dev from the revision you are on/,
      );
    }
  });

  it("refuses more workers than dev's personal job policy allows", async () => {
    const failure = await evaluateProgram("dev-ada", {
      config: { ...SHARED_MODE, databricks: { maxWorkers: 4, jobWorkers: 2 } },
    }).catch((e: unknown) => e);
    expect((failure as EvaluationError).message).to.include(
      "databricks.jobWorkers must be at most 1 (dev's personal job policy), got 2. Fix: pulumi config set --path databricks.jobWorkers 1",
    );
  });

  it("hands the jobs its catalog, schema prefix, checkpoints and capture folder", () => {
    const parameters = Object.fromEntries(
      resource(ada, TYPES.job, "jobs-ingest").inputs.parameters.map(
        (p: { name: string; default: string }) => [p.name, p.default],
      ),
    );
    expect(parameters).to.deep.equal({
      capture_root: CAPTURE_ROOT,
      catalog: DEV.catalogName,
      checkpoints: `/Volumes/${DEV.catalogName}/dev_ada_ops/checkpoints`,
      deletion_sla_days: "30",
      schema_prefix: "dev_ada_",
      unattributed_days: "",
    });
    const deleteParameters = resource(ada, TYPES.job, "jobs-delete").inputs.parameters.map(
      (p: { name: string; default: string }) => `${p.name}=${p.default}`,
    );
    expect(deleteParameters).to.deep.equal([
      "capture_lag_hours=6",
      `capture_root=${CAPTURE_ROOT}`,
      "catalog=h3ml_dev",
      "checkpoints=/Volumes/h3ml_dev/dev_ada_ops/checkpoints",
      "deletion_sla_days=30",
      "open_request_hours=30",
      "request_id=",
      "rotate_salt=false",
      "schema_prefix=dev_ada_",
      "unattributed_days=",
    ]);
  });

  it("passes the policy pack", () => {
    expect(checkRegistrations("dev-ada", ada.registrations).map((v) => v.message)).to.deep.equal([]);
  });

  it("exports what `make settings` and the smoke test read", () => {
    expect(ada.outputs).to.deep.equal({
      resourceGroupName: { value: DEV.resourceGroupName, secret: false },
      eventHubsNamespace: { value: DEV.eventHubsNamespace, secret: false },
      eventHubsNamespaceName: { value: DEV.eventHubsNamespaceName, secret: false },
      eventHubNames: { value: ["dev-ada"], secret: false },
      eventHubsConsumerGroup: { value: "h3-ml-jobs", secret: false },
      eventHubsCaptureIntervalSeconds: { value: 300, secret: false },
      storageAccountName: { value: DEV.storageAccountName, secret: false },
      databricksWorkspaceUrl: { value: DEV.databricksWorkspaceUrl, secret: false },
      catalogName: { value: DEV.catalogName, secret: false },
      schemaPrefix: { value: "dev_ada_", secret: false },
      databricksNotebookFolder: { value: `${HOME}/.h3-ml/dev-ada`, secret: false },
      ...Object.fromEntries(
        ["ingest", "normalize", "delete"].flatMap((job) => [
          [`${job}JobId`, { value: `jobs-${job}-id`, secret: false }],
          [`${job}JobUrl`, { value: `${DEV.databricksWorkspaceUrl}/#job/jobs-${job}-id`, secret: false }],
        ]),
      ),
    });
  });

  it("exports its own hub's Capture interval, from its own config", async () => {
    const slow = await evaluateProgram("dev-ada", {
      config: { ...SHARED_MODE, eventHubs: { captureIntervalSeconds: 120 } },
    });
    expect(slow.outputs.eventHubsCaptureIntervalSeconds).to.deep.equal({ value: 120, secret: false });
    expect(resource(slow, TYPES.eventHub, "hub-hub").inputs.captureDescription.intervalInSeconds).to.equal(
      120,
    );
  });

  it("previews before its first deployment: dev's outputs are known, its own ids are not", () => {
    expect(resource(adaPreview, TYPES.eventHub, "hub-hub").inputs.namespaceName).to.equal(
      DEV.eventHubsNamespaceName,
    );
    expect(adaPreview.outputs.schemaPrefix).to.deep.equal({ value: "dev_ada_", secret: false });
    expect(adaPreview.outputs.ingestJobId).to.deep.equal({ value: "[computed]", secret: false });
  });

  // The default `dev` is the project's dev stack in the personal stack's own organization: on Pulumi Cloud the
  // stack's owner, which a literal `organization/h3-ml/dev` would miss (pulumi/pulumi#2522).
  it("reads dev in its own organization on Pulumi Cloud, by the default name", async () => {
    const cloud = await evaluateProgram("dev-ada", {
      config: SHARED_MODE,
      backend: { kind: "pulumi-cloud", organization: "acme" },
      stackOutputs: { "acme/h3-ml/dev": { ...MOCK_DEV_OUTPUTS, catalogName: "h3ml_acme" } },
    });
    expect(resource(cloud, TYPES.schema, "schemas-bronze").inputs.catalogName).to.equal("h3ml_acme");
    // The harness answers only under the name the backend resolves: acme's dev, not `organization/h3-ml/dev`.
    expect(MOCK_DEV_STACK).to.equal("organization/h3-ml/dev");
  });

  it("reads a dev stack named in personal.devStack, in another organization on Pulumi Cloud", async () => {
    const other = await evaluateProgram("dev-ada", {
      config: { personal: { mode: "shared", devStack: "h3/h3-ml/dev" } },
      backend: { kind: "pulumi-cloud", organization: "h3-people" },
      stackOutputs: { "h3/h3-ml/dev": { ...MOCK_DEV_OUTPUTS, catalogName: "h3ml_team" } },
    });
    expect(resource(other, TYPES.schema, "schemas-bronze").inputs.catalogName).to.equal("h3ml_team");
  });

  it("fails as a self-managed backend does when personal.devStack names another organization", async () => {
    const failure = await evaluateProgram("dev-ada", {
      config: { personal: { mode: "shared", devStack: "h3/h3-ml/dev" } },
      stackOutputs: { "h3/h3-ml/dev": MOCK_DEV_OUTPUTS },
    }).catch((e: unknown) => e);
    expect((failure as EvaluationError).message).to.match(
      /failed to read resource #h3\/h3-ml\/dev 'dev' \[pulumi:pulumi:StackReference\]: organization name must be 'organization'$/,
    );
  });

  it("fails, naming the stack, when the dev stack it reads has no outputs", async () => {
    const failure = await evaluateProgram("dev-ada", { config: SHARED_MODE, stackOutputs: {} }).catch(
      (e: unknown) => e,
    );
    expect(failure).to.be.instanceOf(EvaluationError);
    expect((failure as EvaluationError).message).to.include(`unknown stack "${MOCK_DEV_STACK}"`);
  });
});

describe("the dev stack a shared personal stack reads", () => {
  let dev: Evaluation;
  let withDevelopers: Evaluation;
  const GROUP_ID = "6a1f6b2c-0000-4000-8000-0000000000d1";
  before(async () => {
    dev = await evaluated("dev");
    withDevelopers = await evaluateProgram("dev", {
      config: { developers: { entraGroupObjectId: GROUP_ID, accountGroup: "h3-developers" } },
    });
  });

  it("exports every output the harness's dev fixture stands for, with the same values", () => {
    const exported = Object.fromEntries(
      Object.keys(MOCK_DEV_OUTPUTS).map((key) => [key, dev.outputs[key]?.value]),
    );
    expect(exported).to.deep.equal(MOCK_DEV_OUTPUTS);
  });

  it("holds the cluster policies the harness's dev fixture stands for, under the same ids", () => {
    const policies = ofType(dev, TYPES.clusterPolicy).filter(
      (p) => MOCK_DEV_POLICIES[p.id as string] !== undefined,
    );
    expect(Object.fromEntries(policies.map((p) => [p.id, JSON.parse(p.inputs.definition)]))).to.deep.equal(
      Object.fromEntries(Object.entries(MOCK_DEV_POLICIES).map(([id, text]) => [id, JSON.parse(text)])),
    );
  });

  // What a shared personal stack needs from dev on the Azure side, and no more: its own hub and consumer group,
  // sending to its hub, and Capture's linked access check (no Azure Event Hubs Data Owner, whose
  // `Microsoft.EventHub/*` reaches the namespace itself; no Storage Blob Data Contributor on the lake account,
  // which reads dev's tables and audit).
  it("grants the developers' Entra group exactly these Azure roles, each with its scope", () => {
    const definitions = new Map(
      ofType(withDevelopers, TYPES.roleDefinition).map((d) => [
        `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${d.inputs.roleDefinitionId}`,
        d.inputs,
      ]),
    );
    const roleOf = (id: string) => {
      const custom = definitions.get(id);
      if (custom !== undefined) {
        return { custom: custom.roleName.replace(/^h3ml-dev | \(.*\)$/g, ""), ...custom.permissions[0] };
      }
      return id ===
        `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/2b629674-e913-4c01-ae53-ef4638d8f975`
        ? "Azure Event Hubs Data Sender"
        : id;
    };
    const asDefined = (role: CustomRoleSpec) => ({
      custom: role.title,
      actions: [...role.actions],
      dataActions: [...role.dataActions],
      notActions: [],
      notDataActions: [],
    });
    const namespaceId = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/h3ml-dev-rg/providers/Microsoft.EventHub/namespaces/${DEV.eventHubsNamespaceName}`;
    const grants = ofType(withDevelopers, TYPES.roleAssignment).filter(
      (r) => r.inputs.principalId === GROUP_ID,
    );
    expect(
      grants.map((g) => ({
        name: g.name,
        principalType: g.inputs.principalType,
        role: roleOf(g.inputs.roleDefinitionId),
        scope: g.inputs.scope,
      })),
    ).to.deep.equal([
      {
        name: "developers-capture-check",
        principalType: "Group",
        role: asDefined(CUSTOM_ROLES.captureDestinationCheck),
        scope: DEV.storageAccountId,
      },
      {
        name: "developers-hub-author",
        principalType: "Group",
        role: asDefined(CUSTOM_ROLES.personalHubAuthor),
        scope: namespaceId,
      },
      {
        name: "developers-sender",
        principalType: "Group",
        role: "Azure Event Hubs Data Sender",
        scope: namespaceId,
      },
    ]);
    expect(checkRegistrations("dev", withDevelopers.registrations).map((v) => v.message)).to.deep.equal([]);
  });

  it("defines the developers' hub role in dev only when it has developers", () => {
    expect(ofType(dev, TYPES.roleDefinition).map((d) => d.name)).to.deep.equal([
      "roles-capture-destination-check",
    ]);
    expect(ofType(withDevelopers, TYPES.roleDefinition).map((d) => d.name)).to.deep.equal([
      "roles-capture-destination-check",
      "roles-personal-hub-author",
    ]);
  });

  it("grants the developers' account group its own schemas, the capture files and the personal job policy", () => {
    expect(
      resource(withDevelopers, TYPES.grants, "unity-catalog-catalog-grants").inputs.grants,
    ).to.deep.include({
      principal: "h3-developers",
      privileges: ["USE_CATALOG", "CREATE_SCHEMA"],
    });
    expect(
      resource(withDevelopers, TYPES.grants, "unity-catalog-capture-grants").inputs.grants,
    ).to.deep.equal([{ principal: "h3-developers", privileges: ["READ_FILES"] }]);
    expect(
      resource(withDevelopers, TYPES.permissions, "compute-personal-job-policy-permissions").inputs,
    ).to.deep.include({ accessControls: [{ groupName: "h3-developers", permissionLevel: "CAN_USE" }] });
    // Dev's own job policy is not theirs: a personal job's tags could not pass it.
    expect(ofType(withDevelopers, TYPES.permissions).map((p) => p.name)).to.not.include(
      "compute-job-policy-permissions",
    );
  });

  it("grants nothing to developers unless configured", () => {
    expect(dev.registrations.filter((r) => r.name.startsWith("developers"))).to.deep.equal([]);
  });
});
