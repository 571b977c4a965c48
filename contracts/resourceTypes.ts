/**
 * The type token of every resource kind the program registers, as the engine, the mocks and the policy pack
 * see it. One list, so a token cannot be spelled two ways; imports nothing, so the policy pack can load it.
 */
export const RESOURCE_TYPES = {
  resourceGroup: "azure-native:resources:ResourceGroup",
  storageAccount: "azure-native:storage:StorageAccount",
  blobContainer: "azure-native:storage:BlobContainer",
  managementPolicy: "azure-native:storage:ManagementPolicy",
  eventHubsNamespace: "azure-native:eventhub:Namespace",
  eventHub: "azure-native:eventhub:EventHub",
  consumerGroup: "azure-native:eventhub:ConsumerGroup",
  eventHubAuthorizationRule: "azure-native:eventhub:EventHubAuthorizationRule",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  workspace: "azure-native:databricks:Workspace",
  accessConnector: "azure-native:databricks:AccessConnector",
  databricksProvider: "pulumi:providers:databricks",
  storageCredential: "databricks:index/storageCredential:StorageCredential",
  externalLocation: "databricks:index/externalLocation:ExternalLocation",
  metastoreAssignment: "databricks:index/metastoreAssignment:MetastoreAssignment",
  catalog: "databricks:index/catalog:Catalog",
  schema: "databricks:index/schema:Schema",
  volume: "databricks:index/volume:Volume",
  secretScope: "databricks:index/secretScope:SecretScope",
  secret: "databricks:index/secret:Secret",
  secretAcl: "databricks:index/secretAcl:SecretAcl",
  grants: "databricks:index/grants:Grants",
  clusterPolicy: "databricks:index/clusterPolicy:ClusterPolicy",
  cluster: "databricks:index/cluster:Cluster",
  permissions: "databricks:index/permissions:Permissions",
  servicePrincipal: "databricks:index/servicePrincipal:ServicePrincipal",
  directory: "databricks:index/directory:Directory",
  notebook: "databricks:index/notebook:Notebook",
  workspaceFile: "databricks:index/workspaceFile:WorkspaceFile",
  job: "databricks:index/job:Job",
  notificationDestination: "databricks:index/notificationDestination:NotificationDestination",
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

export type ResourceType = (typeof RESOURCE_TYPES)[keyof typeof RESOURCE_TYPES];
