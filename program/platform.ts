/**
 * The whole platform of one environment (dev, prod, or a personal stack's full copy): the lake, Event Hubs with
 * Capture, the Databricks workspace with Unity Catalog, compute, code and the jobs.
 *
 * `platform` reads as the order things are built in. The stack config enters once, in `StackBase`, which every
 * step reads; each step returns only what later steps and the outputs use.
 */
import * as azure from "@pulumi/azure-native";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { DatabricksCompute } from "../components/databricksCompute";
import { DatabricksJobs, type JobAccess } from "../components/databricksJobs";
import { DatabricksNetwork } from "../components/databricksNetwork";
import { DatabricksPrincipals } from "../components/databricksPrincipals";
import { DatabricksStorageAccess } from "../components/databricksStorageAccess";
import { type DatabricksVnetInjection, DatabricksWorkspace } from "../components/databricksWorkspace";
import { DatabricksWorkspaceSecurity } from "../components/databricksWorkspaceSecurity";
import { DataLake } from "../components/dataLake";
import { DeveloperAccess } from "../components/developerAccess";
import { Diagnostics } from "../components/diagnostics";
import { type CaptureDeployer, EventIngestion } from "../components/eventIngestion";
import type { CustomRoleName } from "../components/roles";
import { StackRoles } from "../components/stackRoles";
import { UnityCatalog } from "../components/unityCatalog";
import { sharedFolderAccess, stackWorkspaceFolder, WorkspaceAssets } from "../components/workspaceAssets";
import { type StackConfig, standardTags } from "../config/config";
import {
  checkTeamInput,
  globalUnique,
  type Names,
  type NamingInput,
  resourceNames,
  stackToken,
} from "../config/naming";
import { invokedField } from "./invokeResults";
import { configuredJobArgs } from "./jobArgs";
import { jobOutputs, type StackOutputs } from "./outputs";
import {
  PERSONAL_STACK_CONTRACT_VERSION,
  type PersonalStackContract,
  personalFixedTags,
} from "./personalContract";

export function platform(config: StackConfig): StackOutputs {
  const base = stackBase(config);
  const workspace = networkAndWorkspace(base);
  const data = lakeAndIngestion(base, workspace);
  auditLogs(base, workspace, data);
  const catalog = unityCatalog(base, workspace, data);
  const jobs = computeAndJobs(base, workspace, catalog);
  const dbx = base.config.databricks;
  return {
    resourceGroupName: pulumi.output(base.resourceGroupName),
    azureSubscriptionId: base.client.subscriptionId,
    eventHubsNamespace: data.ingestion.fullyQualifiedNamespace,
    eventHubsNamespaceName: data.ingestion.namespaceName,
    eventHubNames: data.ingestion.hubNames,
    eventHubsConsumerGroup: data.ingestion.consumerGroupName,
    eventHubsCaptureIntervalSeconds: pulumi.output(base.config.eventHubs.captureIntervalSeconds),
    storageAccountName: data.lake.accountName,
    storageAccountId: data.lake.accountId,
    dataLakeDfsEndpoint: data.lake.dfsEndpoint,
    captureContainerUrl: data.lake.captureContainerUrl,
    eventHubsSasSenderConnectionStrings: data.ingestion.sasSenderConnectionStrings,
    databricksWorkspaceUrl: workspace.workspace.workspaceUrl,
    databricksWorkspaceResourceId: workspace.workspace.workspaceResourceId,
    catalogName: catalog.catalogName,
    personalStack:
      jobs.personalJobPolicyId &&
      (pulumi.output({
        version: PERSONAL_STACK_CONTRACT_VERSION,
        jobPolicyId: jobs.personalJobPolicyId,
        sparkVersion: dbx.sparkVersion,
        nodeTypeId: dbx.nodeType,
        maxWorkers: dbx.maxWorkers,
        fixedTags: personalFixedTags(base.config),
        captureContainerUrl: catalog.captureUrl,
      } satisfies Record<keyof PersonalStackContract, unknown>) as pulumi.Output<PersonalStackContract>),
    databricksNotebookFolder: jobs.notebookFolder,
    ...jobOutputs(jobs.jobs),
  };
}

/** What every step reads: the config, the names and tags derived from it, the resource group, the caller. */
interface StackBase {
  readonly config: StackConfig;
  /** What the names derive from: the config and the stack's organization. */
  readonly naming: NamingInput;
  readonly names: Names;
  readonly tags: Record<string, string>;
  /** Resources that hold data are protected from `destroy` and replacement in prod, disposable elsewhere. */
  readonly protect: boolean;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly resourceGroupId: pulumi.Output<string>;
  readonly client: pulumi.Output<azure.authorization.GetClientConfigResult>;
}

function stackBase(config: StackConfig): StackBase {
  const naming: NamingInput = { ...config, organization: pulumi.getOrganization() };
  checkTeamInput(naming);
  const names = resourceNames(naming);
  const tags = standardTags(config);
  const resourceGroupName =
    config.resourceGroupName ??
    new azure.resources.ResourceGroup("rg", {
      resourceGroupName: names.resourceGroup,
      location: config.location,
      tags,
    }).name;
  const client = azure.authorization.getClientConfigOutput();
  return {
    config,
    naming,
    names,
    tags,
    protect: config.environment === "prod",
    resourceGroupName,
    resourceGroupId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/${resourceGroupName}`,
    client,
  };
}

/** The workspace, the network its classic compute runs in, and the principals the workspace knows. */
interface Workspace {
  readonly workspace: DatabricksWorkspace;
  readonly injection: WorkspaceInjection | undefined;
  /**
   * The jobs' run-as principals, the preview identities and the account groups, each as it is in the workspace:
   * whatever names one waits for it.
   */
  readonly principals: DatabricksPrincipals;
  readonly previewIds: pulumi.Output<string>[];
}

function networkAndWorkspace(base: StackBase): Workspace {
  const { config, names, tags, protect, resourceGroupName, client } = base;
  const injection = workspaceInjection(base);
  // Before the lake: its firewall admits Unity Catalog through a resource-instance rule naming the connector.
  const workspace = new DatabricksWorkspace(
    "databricks",
    {
      resourceGroupName,
      location: config.location,
      subscriptionId: client.subscriptionId,
      workspaceName: names.databricksWorkspace,
      managedResourceGroupName: names.databricksManagedResourceGroup,
      accessConnectorName: names.accessConnector,
      vnet: injection?.vnet,
      privateFrontEnd: config.databricks.privateFrontEnd,
      providerAuthType: config.databricks.providerAuthType,
      tags,
      protect,
    },
    { dependsOn: injection?.after ?? [] },
  );
  workspaceSecurity(base, workspace, injection);
  const principals = workspacePrincipals(config, workspace);
  // Everything that names a principal takes its id from the ServicePrincipal resource, so it waits until the
  // principal is in the workspace.
  return {
    workspace,
    injection,
    principals,
    previewIds: principals.previewers.map((p) => p.applicationId),
  };
}

/** The workspace's IP access list (with the clusters' own egress) and the adopted RestrictWorkspaceAdmins setting. */
function workspaceSecurity(
  { config }: StackBase,
  workspace: DatabricksWorkspace,
  injection: WorkspaceInjection | undefined,
): void {
  const dbx = config.databricks;
  if (dbx.ipAccessList.length === 0 && !dbx.restrictWorkspaceAdmins) return;
  const egress = injection?.egressIpAddress;
  new DatabricksWorkspaceSecurity("workspace-security", {
    provider: workspace.provider,
    namePrefix: `${config.namePrefix}-${config.stack}`,
    // The clusters' egress too: secure cluster connectivity reaches the control plane through it.
    allowedIpRanges:
      dbx.ipAccessList.length === 0
        ? undefined
        : [...dbx.ipAccessList, ...(egress === undefined ? [] : [egress])],
    restrictWorkspaceAdmins: dbx.restrictWorkspaceAdmins,
  });
}

/** The jobs' run-as principals with the deployer's role on them, the preview identities and the account groups. */
function workspacePrincipals(config: StackConfig, workspace: DatabricksWorkspace): DatabricksPrincipals {
  const dbx = config.databricks;
  const deployer = dbx.deployerApplicationId;
  return new DatabricksPrincipals("principals", {
    provider: workspace.provider,
    jobPrincipals: dbx.runAs,
    // The config requires both with runAs.
    runAsGrant:
      dbx.runAs === undefined || dbx.accountId === undefined || deployer === undefined
        ? undefined
        : { accountId: dbx.accountId, deployers: [`servicePrincipals/${deployer}`] },
    previewApplicationIds: dbx.previewApplicationIds,
    accountGroups: [dbx.analystsGroup, config.developers?.accountGroup, dbx.oncallGroup].filter(
      (g) => g !== undefined,
    ),
  });
}

/**
 * The data lake and the Event Hubs that Capture into it, with the developers' grants on both, and the stack's
 * custom roles those grants and the deployers' need.
 */
interface LakeAndIngestion {
  readonly lake: DataLake;
  readonly ingestion: EventIngestion;
}

function lakeAndIngestion(base: StackBase, { workspace, injection }: Workspace): LakeAndIngestion {
  const { config, naming, names, tags, protect, resourceGroupName, resourceGroupId, client } = base;
  const { storage, eventHubs } = config;
  const customRoles: CustomRoleName[] = ["captureDestinationCheck"];
  if (config.developers !== undefined) customRoles.push("personalHubAuthor");
  const roles = new StackRoles("roles", {
    subscriptionId: client.subscriptionId,
    resourceGroupId,
    displayPrefix: `${config.namePrefix}-${stackToken(config.stack)}`,
    unique: globalUnique(naming),
    roles: customRoles,
  });
  const lake = new DataLake(
    "lake",
    {
      resourceGroupName,
      location: config.location,
      accountName: names.storageAccount,
      sku: storage.sku,
      rawRetentionDays: storage.rawRetentionDays,
      networkDefaultAction: storage.networkDefaultAction,
      allowedIpRanges: [...storage.allowedIpRanges],
      resourceAccessRules: [{ resourceId: workspace.accessConnectorId, tenantId: client.tenantId }],
      // The job clusters' subnets: without them a Deny firewall answers every job's read with 403.
      virtualNetworkSubnetIds: injection?.subnetIds ?? [],
      tags,
      protect,
    },
    { dependsOn: injection?.after ?? [] },
  );
  const ingestion = new EventIngestion("ingestion", {
    resourceGroupName,
    location: config.location,
    namespaceName: names.eventHubsNamespace,
    sku: eventHubs.sku,
    capacity: eventHubs.capacity,
    hubs: eventHubs.hubs,
    partitionCount: eventHubs.partitionCount,
    messageRetentionDays: eventHubs.messageRetentionDays,
    captureIntervalSeconds: eventHubs.captureIntervalSeconds,
    captureSizeLimitBytes: eventHubs.captureSizeLimitBytes,
    captureStorageAccountId: lake.accountId,
    captureContainerName: lake.captureContainerName,
    captureContainerId: lake.captureContainerId,
    captureDeployers: captureDeployers(eventHubs.deployerPrincipalIds, client.objectId),
    captureCheckRole: roles.role("captureDestinationCheck"),
    // The smoke test runs on dev as the CI deployer after each deploy.
    deployersSend: config.environment === "dev",
    senderPrincipalIds: eventHubs.senderPrincipalIds,
    allowSasSender: eventHubs.allowSasSender,
    networkDefaultAction: eventHubs.networkDefaultAction,
    allowedIpRanges: eventHubs.allowedIpRanges,
    tags,
    protect,
  });
  if (config.developers !== undefined) {
    new DeveloperAccess("developers", {
      entraGroupObjectId: config.developers.entraGroupObjectId,
      namespaceId: ingestion.namespaceId,
      captureStorageAccountId: lake.accountId,
      hubAuthorRole: roles.role("personalHubAuthor"),
      captureCheckRole: roles.role("captureDestinationCheck"),
    });
  }
  return { lake, ingestion };
}

/** Resource logs for auditors: the workspace's, the lake's blobs' and the namespace's, in Log Analytics. */
function auditLogs(base: StackBase, { workspace }: Workspace, { lake, ingestion }: LakeAndIngestion): void {
  const { config, names, tags, protect, resourceGroupName } = base;
  new Diagnostics("diagnostics", {
    resourceGroupName,
    location: config.location,
    workspaceName: names.logAnalyticsWorkspace,
    existingWorkspaceId: config.diagnostics.logAnalyticsWorkspaceId,
    retentionDays: config.diagnostics.retentionDays,
    databricksWorkspaceId: workspace.workspaceResourceId,
    storageAccountId: lake.accountId,
    eventHubsNamespaceId: ingestion.namespaceId,
    tags,
    protect,
  });
}

/** Unity Catalog over the lake: the connector's access to the storage, the locations, catalog and grants. */
function unityCatalog(
  base: StackBase,
  workspace: Workspace,
  { lake, ingestion }: LakeAndIngestion,
): UnityCatalog {
  const { config, names, protect, resourceGroupName, resourceGroupId, client } = base;
  const dbx = config.databricks;
  const storageAccess = new DatabricksStorageAccess("connector-access", {
    principalId: workspace.workspace.accessConnectorPrincipalId,
    storageAccountId: lake.accountId,
    resourceGroupId,
    lakeContainerName: lake.lakeContainerName,
    captureContainerName: lake.captureContainerName,
    fileEvents: dbx.fileEvents,
  });
  return new UnityCatalog("unity-catalog", {
    provider: workspace.workspace.provider,
    accessConnectorId: workspace.workspace.accessConnectorId,
    storageAccess: storageAccess.roleAssignments,
    subscriptionId: client.subscriptionId,
    storageResourceGroupName: resourceGroupName,
    storageAccountName: lake.accountName,
    lakeContainerName: lake.lakeContainerName,
    captureContainerName: lake.captureContainerName,
    captureFolder: ingestion.namespaceName,
    catalogName: names.catalog,
    metastoreId: dbx.metastoreId,
    workspaceId: workspace.workspace.workspaceId,
    fileEvents: dbx.fileEvents,
    analystsGroup: dbx.analystsGroup,
    jobPrincipals: workspace.principals.jobPrincipals,
    previewPrincipals: workspace.previewIds,
    developersGroup: config.developers?.accountGroup,
    ownerGroup: dbx.adminGroup,
    forceDestroy: config.environment === "personal",
    protect,
  });
}

/** The cluster policies (and analytics cluster), the code in the workspace and the three jobs. */
interface ComputeAndJobs {
  /** Dev's policy for shared personal stacks' jobs. */
  readonly personalJobPolicyId: pulumi.Output<string> | undefined;
  readonly notebookFolder: pulumi.Output<string>;
  readonly jobs: DatabricksJobs["jobs"];
}

function computeAndJobs(base: StackBase, workspace: Workspace, catalog: UnityCatalog): ComputeAndJobs {
  const { config, tags } = base;
  const { provider } = workspace.workspace;
  const { principals, previewIds } = workspace;
  const runAsIds = principals.runAsPrincipals;
  const dbx = config.databricks;
  const namePrefix = `${config.namePrefix}-${config.stack}`;
  const compute = new DatabricksCompute("compute", {
    provider,
    namePrefix,
    sparkVersion: dbx.sparkVersion,
    nodeTypeId: dbx.nodeType,
    maxWorkers: dbx.maxWorkers,
    customTags: tags,
    analyticsCluster: dbx.analyticsCluster && {
      ...dbx.analyticsCluster,
      nodeTypeId: dbx.analyticsCluster.nodeType,
    },
    analystsGroup: dbx.analystsGroup,
    jobPrincipals: runAsIds,
    // Dev's workspace is where shared personal stacks run their jobs.
    personalJobs: config.environment === "dev" ? { fixedTags: personalFixedTags(config) } : undefined,
    developersGroup: config.developers?.accountGroup,
    groups: principals.groups,
  });

  // Only a personal stack reads who runs it (its folder, its mailbox); a shared stack deploys the same whoever does.
  const person =
    config.environment === "personal" ? databricks.getCurrentUserOutput({}, { provider }) : undefined;
  const notebooks = new WorkspaceAssets("notebooks", {
    provider,
    workspaceFolder: stackWorkspaceFolder(config.stack, person && invokedField(person, "home")),
    accessControls: person === undefined ? sharedFolderAccess(runAsIds, dbx.analystsGroup, previewIds) : [],
    groups: principals.groups,
  });
  const jobs = new DatabricksJobs(
    "jobs",
    {
      provider,
      namePrefix,
      ...configuredJobArgs(
        config,
        notebooks,
        catalog.captureRoot,
        person && invokedField(person, "userName"),
      ),
      jobPolicyId: compute.jobPolicyId,
      catalogName: catalog.catalogName,
      captureRoot: catalog.captureRoot,
      checkpoints: catalog.checkpointsPath,
      paused: dbx.pauseSchedules,
      runAs: principals.runAs,
      access: jobAccess(dbx, principals),
      tags,
    },
    { dependsOn: [notebooks, catalog] },
  );
  return {
    personalJobPolicyId: compute.personalJobPolicyId,
    notebookFolder: notebooks.folder,
    jobs: jobs.jobs,
  };
}

/**
 * Who may see, run and own the jobs: the deployer owns them (on dev it runs them for the smoke test as their owner),
 * on-call sees every run, the backend's principals may start the delete job and no other. Nothing configured leaves
 * each job to its creator.
 */
function jobAccess(dbx: StackConfig["databricks"], principals: DatabricksPrincipals): JobAccess | undefined {
  const access: JobAccess = {
    owner: dbx.deployerApplicationId,
    viewerGroups: dbx.oncallGroup === undefined ? [] : [dbx.oncallGroup],
    runners: [],
    deleteRunners: dbx.deleteJobRunners,
    groups: principals.groups,
  };
  const empty =
    access.owner === undefined && access.viewerGroups.length === 0 && access.deleteRunners.length === 0;
  return empty ? undefined : access;
}

/**
 * Who creates the hubs: on a shared stack the service principals its config names (the parser refuses an empty
 * list there), so the grant does not change with who runs `pulumi up`; on a personal stack that names none, the
 * person who runs it.
 */
function captureDeployers(
  deployerPrincipalIds: readonly string[],
  callerObjectId: pulumi.Input<string>,
): Record<string, CaptureDeployer> {
  if (deployerPrincipalIds.length === 0)
    return { caller: { principalId: callerObjectId, principalType: "User" } };
  return Object.fromEntries(
    deployerPrincipalIds.map((id) => [id, { principalId: id, principalType: "ServicePrincipal" as const }]),
  );
}

/** Where the workspace's classic compute runs, and what the lake's firewall must admit for it. */
interface WorkspaceInjection {
  readonly vnet: DatabricksVnetInjection;
  /** Both subnets' ids, for the storage firewall's virtual network rules. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Resources the workspace and the lake wait for (the program-built subnets). */
  readonly after: pulumi.Resource[];
  /** The public address the clusters' traffic leaves through, when the program builds the network. */
  readonly egressIpAddress?: pulumi.Output<string>;
}

/**
 * The VNet the workspace is injected into: the existing one `databricks.vnet` names; else, while the lake's
 * firewall denies by default, one the program builds (`databricks.network`); else none (the managed VNet, which no
 * storage network rule can admit, so only with the firewall's `Allow` override).
 */
function workspaceInjection({
  config,
  names,
  resourceGroupName,
  client,
  tags,
}: StackBase): WorkspaceInjection | undefined {
  const existing = config.databricks.vnet;
  if (existing !== undefined) {
    return {
      vnet: existing,
      subnetIds: [existing.publicSubnetName, existing.privateSubnetName].map(
        (subnet) => `${existing.virtualNetworkId}/subnets/${subnet}`,
      ),
      after: [],
    };
  }
  if (config.storage.networkDefaultAction !== "Deny") return undefined;
  const network = new DatabricksNetwork("network", {
    resourceGroupName,
    location: config.location,
    subscriptionId: client.subscriptionId,
    names,
    ...config.databricks.network,
    tags,
  });
  return {
    vnet: {
      virtualNetworkId: network.virtualNetworkId,
      publicSubnetName: network.hostSubnetName,
      privateSubnetName: network.containerSubnetName,
    },
    subnetIds: network.subnetIds,
    after: network.subnets,
    egressIpAddress: network.egressIpAddress,
  };
}
