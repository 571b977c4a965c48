/**
 * The whole platform of one environment (dev, prod, or a personal stack's full copy): the lake, Event Hubs with
 * Capture, the Databricks workspace with Unity Catalog, compute, code, secrets and the jobs.
 */
import * as azure from "@pulumi/azure-native";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { DatabricksCompute } from "../components/databricksCompute";
import { DatabricksJobs } from "../components/databricksJobs";
import { DatabricksNetwork } from "../components/databricksNetwork";
import { DatabricksPrincipals } from "../components/databricksPrincipals";
import { DatabricksSecrets } from "../components/databricksSecrets";
import { DatabricksStorageAccess } from "../components/databricksStorageAccess";
import { type DatabricksVnetInjection, DatabricksWorkspace } from "../components/databricksWorkspace";
import { DataLake } from "../components/dataLake";
import { DeveloperAccess } from "../components/developerAccess";
import { Diagnostics } from "../components/diagnostics";
import { type CaptureDeployer, EventIngestion } from "../components/eventIngestion";
import type { CustomRoleName } from "../components/roles";
import { StackRoles } from "../components/stackRoles";
import { UnityCatalog } from "../components/unityCatalog";
import { sharedFolderAccess, stackWorkspaceFolder, WorkspaceAssets } from "../components/workspaceAssets";
import { type StackConfig, standardTags } from "../config/config";
import { globalUnique, type Names, resourceNames, stackToken } from "../config/naming";
import { invokedField } from "./invokeResults";
import { configuredJobArgs } from "./jobArgs";
import type { StackOutputs } from "./outputs";

export function platform(config: StackConfig): StackOutputs {
  const names = resourceNames(config);
  const tags = standardTags(config);
  // Resources that hold data are protected from `destroy` and replacement in prod, disposable elsewhere.
  const protect = config.environment === "prod";

  const resourceGroupName =
    config.resourceGroupName ??
    new azure.resources.ResourceGroup("rg", {
      resourceGroupName: names.resourceGroup,
      location: config.location,
      tags,
    }).name;

  const client = azure.authorization.getClientConfigOutput();
  const dbx = config.databricks;
  const resourceGroupId = pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/${resourceGroupName}`;
  const customRoles: CustomRoleName[] = ["captureDestinationCheck"];
  if (config.developers !== undefined) customRoles.push("personalHubAuthor");
  const roles = new StackRoles("roles", {
    subscriptionId: client.subscriptionId,
    resourceGroupId,
    displayPrefix: `${config.namePrefix}-${stackToken(config.stack)}`,
    unique: globalUnique(config),
    roles: customRoles,
  });

  const injection = workspaceInjection(config, names, resourceGroupName, client.subscriptionId, tags);

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
      providerAuthType: dbx.providerAuthType,
      tags,
      protect,
    },
    { dependsOn: injection?.after ?? [] },
  );

  const principals = new DatabricksPrincipals("principals", {
    provider: workspace.provider,
    runAsApplicationId: dbx.runAsServicePrincipal,
    previewApplicationIds: dbx.previewApplicationIds,
  });
  // Everything that names a principal takes its id from the ServicePrincipal resource, so it waits until the
  // principal is in the workspace.
  const runAsId = principals.runAs?.applicationId;
  const previewIds = principals.previewers.map((p) => p.applicationId);

  const lake = new DataLake(
    "lake",
    {
      resourceGroupName,
      location: config.location,
      accountName: names.storageAccount,
      sku: config.storage.sku,
      rawRetentionDays: config.storage.rawRetentionDays,
      networkDefaultAction: config.storage.networkDefaultAction,
      allowedIpRanges: [...config.storage.allowedIpRanges],
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
    sku: config.eventHubs.sku,
    capacity: config.eventHubs.capacity,
    hubs: config.eventHubs.hubs,
    partitionCount: config.eventHubs.partitionCount,
    messageRetentionDays: config.eventHubs.messageRetentionDays,
    captureIntervalSeconds: config.eventHubs.captureIntervalSeconds,
    captureSizeLimitBytes: config.eventHubs.captureSizeLimitBytes,
    captureStorageAccountId: lake.accountId,
    captureContainerName: lake.captureContainerName,
    captureContainerId: lake.captureContainerId,
    captureDeployers: captureDeployers(config.eventHubs.deployerPrincipalIds, client.objectId),
    captureCheckRole: roles.role("captureDestinationCheck"),
    // The smoke test runs on dev as the CI deployer after each deploy.
    deployersSend: config.environment === "dev",
    senderPrincipalIds: config.eventHubs.senderPrincipalIds,
    allowSasSender: config.eventHubs.allowSasSender,
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

  new Diagnostics("diagnostics", {
    resourceGroupName,
    location: config.location,
    workspaceName: names.logAnalyticsWorkspace,
    existingWorkspaceId: undefined,
    retentionDays: config.environment === "prod" ? 365 : 30,
    databricksWorkspaceId: workspace.workspaceResourceId,
    storageAccountId: lake.accountId,
    eventHubsNamespaceId: ingestion.namespaceId,
    tags,
    protect,
  });

  const storageAccess = new DatabricksStorageAccess("connector-access", {
    principalId: workspace.accessConnectorPrincipalId,
    storageAccountId: lake.accountId,
    resourceGroupId,
    lakeContainerName: lake.lakeContainerName,
    captureContainerName: lake.captureContainerName,
    fileEvents: dbx.fileEvents,
  });

  const catalog = new UnityCatalog("unity-catalog", {
    provider: workspace.provider,
    accessConnectorId: workspace.accessConnectorId,
    storageAccess: storageAccess.roleAssignments,
    subscriptionId: client.subscriptionId,
    storageResourceGroupName: resourceGroupName,
    storageAccountName: lake.accountName,
    lakeContainerName: lake.lakeContainerName,
    captureContainerName: lake.captureContainerName,
    catalogName: names.catalog,
    metastoreId: dbx.metastoreId,
    workspaceId: workspace.workspaceId,
    fileEvents: dbx.fileEvents,
    analystsGroup: dbx.analystsGroup,
    jobsPrincipal: runAsId,
    previewPrincipals: previewIds,
    developersGroup: config.developers?.accountGroup,
    forceDestroy: config.environment === "personal",
    protect,
  });

  const compute = new DatabricksCompute("compute", {
    provider: workspace.provider,
    namePrefix: `${config.namePrefix}-${config.stack}`,
    sparkVersion: dbx.sparkVersion,
    nodeTypeId: dbx.nodeType,
    maxWorkers: dbx.maxWorkers,
    customTags: tags,
    analyticsCluster: dbx.analyticsCluster && {
      ...dbx.analyticsCluster,
      nodeTypeId: dbx.analyticsCluster.nodeType,
    },
    analystsGroup: dbx.analystsGroup,
    jobsPrincipal: runAsId,
    developersGroup: config.developers?.accountGroup,
  });

  // Only a personal stack reads who runs it (its folder, its mailbox); a shared stack deploys the same whoever does.
  const person =
    config.environment === "personal"
      ? databricks.getCurrentUserOutput({}, { provider: workspace.provider })
      : undefined;
  const notebooks = new WorkspaceAssets("notebooks", {
    provider: workspace.provider,
    workspaceFolder: stackWorkspaceFolder(config.stack, person && invokedField(person, "home")),
    accessControls: person === undefined ? sharedFolderAccess(runAsId, dbx.analystsGroup, previewIds) : [],
  });

  const secrets = new DatabricksSecrets("secrets", {
    provider: workspace.provider,
    runAsServicePrincipal: runAsId,
  });

  const jobs = new DatabricksJobs(
    "jobs",
    {
      provider: workspace.provider,
      namePrefix: `${config.namePrefix}-${config.stack}`,
      ...configuredJobArgs(config, notebooks, catalog.captureUrl, person && invokedField(person, "userName")),
      jobPolicyId: compute.jobPolicyId,
      catalogName: catalog.catalogName,
      captureRoot: catalog.captureUrl,
      checkpoints: catalog.checkpointsPath,
      paused: dbx.pauseSchedules,
      runAsServicePrincipal: runAsId,
      tags,
    },
    { dependsOn: [notebooks, catalog, secrets] },
  );

  return {
    resourceGroupName: pulumi.output(resourceGroupName),
    azureSubscriptionId: client.subscriptionId,
    eventHubsNamespace: ingestion.fullyQualifiedNamespace,
    eventHubsNamespaceName: ingestion.namespaceName,
    eventHubNames: ingestion.hubNames,
    eventHubsConsumerGroup: ingestion.consumerGroupName,
    eventHubsCaptureIntervalSeconds: pulumi.output(config.eventHubs.captureIntervalSeconds),
    storageAccountName: lake.accountName,
    storageAccountId: lake.accountId,
    dataLakeDfsEndpoint: lake.dfsEndpoint,
    captureContainerUrl: lake.captureContainerUrl,
    eventHubsSasSenderConnectionStrings: ingestion.sasSenderConnectionStrings,
    databricksWorkspaceUrl: workspace.workspaceUrl,
    databricksWorkspaceResourceId: workspace.workspaceResourceId,
    catalogName: catalog.catalogName,
    jobClusterPolicyId: compute.jobPolicyId,
    databricksNotebookFolder: notebooks.folder,
    ingestJobId: jobs.jobs.ingest.id,
    ingestJobUrl: jobs.jobs.ingest.url,
    normalizeJobId: jobs.jobs.normalize.id,
    normalizeJobUrl: jobs.jobs.normalize.url,
    deleteJobId: jobs.jobs.delete.id,
    deleteJobUrl: jobs.jobs.delete.url,
  };
}

/**
 * Who creates the hubs: on a shared stack the service principals its config names (the parser refuses an empty
 * list there), so the grant does not change with who runs `pulumi up`; on a personal stack that names none, the
 * person who runs it.
 */
export function captureDeployers(
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
}

/**
 * The VNet the workspace is injected into: the existing one `databricks.vnet` names; else, while the lake's
 * firewall denies by default, one the program builds (`databricks.network`); else none (the managed VNet, which no
 * storage network rule can admit, so only with the firewall's `Allow` override).
 */
function workspaceInjection(
  config: StackConfig,
  names: Names,
  resourceGroupName: pulumi.Input<string>,
  subscriptionId: pulumi.Input<string>,
  tags: Record<string, string>,
): WorkspaceInjection | undefined {
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
    subscriptionId,
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
  };
}
