import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";

export interface DataLakeArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Globally unique storage account name (see naming.ts). */
  accountName: pulumi.Input<string>;
  /** Replication of the account (`storage.sku`). Hierarchical namespace rules out the Premium SKUs. */
  sku: pulumi.Input<azure.types.enums.storage.SkuName>;
  /**
   * Days after which blobs under `capture/` are deleted, so raw events of a deleted user age out within the
   * deletion SLA. A plain number: it is checked against the SLA before anything is registered.
   */
  rawRetentionDays: number;
  /**
   * Storage firewall default (`storage.networkDefaultAction`). Azure services (Event Hubs Capture) always pass
   * through the trusted-services bypass; "Allow" is an explicit override for dev only.
   */
  networkDefaultAction: pulumi.Input<azure.types.enums.storage.DefaultAction>;
  /** Public IPv4 addresses or CIDR ranges let through the firewall (`storage.allowedIpRanges`). */
  allowedIpRanges: pulumi.Input<string>[];
  /** Resource instances let through the firewall, e.g. the Databricks access connector for Unity Catalog. */
  resourceAccessRules: pulumi.Input<azure.types.input.storage.ResourceAccessRuleArgs>[];
  /**
   * Subnets let through the firewall (they carry the `Microsoft.Storage` service endpoint): the workspace's two
   * subnets, where the job clusters run. The component's `dependsOn` reaches the account, so the subnets exist first.
   */
  virtualNetworkSubnetIds: pulumi.Input<string>[];
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Protect the account from deletion and replacement (prod). */
  protect: boolean;
}

/** Container names are fixed by the contract with Capture (`capture`) and the Databricks jobs (`lake`). */
export const CAPTURE_CONTAINER = "capture";
const LAKE_CONTAINER = "lake";

/**
 * The ADLS Gen2 account of the platform: raw Capture files in `capture`, Delta tables in `lake`.
 * Entra ID only (shared keys off), TLS 1.2+, HTTPS only, no anonymous access, firewall closed by default.
 */
export class DataLake extends pulumi.ComponentResource {
  public readonly accountName: pulumi.Output<string>;
  public readonly accountId: pulumi.Output<string>;
  public readonly dfsEndpoint: pulumi.Output<string>;
  public readonly captureContainerName: pulumi.Output<string>;
  /** Resource id of the `capture` container: the scope of Capture's role assignment. */
  public readonly captureContainerId: pulumi.Output<string>;
  /** https URL of the `capture` container, for readers that list Capture files. */
  public readonly captureContainerUrl: pulumi.Output<string>;
  public readonly lakeContainerName: pulumi.Output<string>;
  public readonly lakeContainerId: pulumi.Output<string>;

  constructor(name: string, args: DataLakeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:storage:DataLake", name, {}, opts);

    const account = new azure.storage.StorageAccount(
      `${name}-account`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        accountName: args.accountName,
        kind: azure.storage.Kind.StorageV2,
        sku: { name: args.sku },
        accessTier: azure.storage.AccessTier.Hot,
        isHnsEnabled: true,
        minimumTlsVersion: azure.storage.MinimumTlsVersion.TLS1_2,
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        isLocalUserEnabled: false,
        isSftpEnabled: false,
        // The firewall, not public network access, gates traffic: Capture needs the trusted-services bypass.
        publicNetworkAccess: azure.storage.PublicNetworkAccess.Enabled,
        networkRuleSet: {
          defaultAction: args.networkDefaultAction,
          bypass: azure.storage.Bypass.AzureServices,
          ipRules: pulumi
            .output(args.allowedIpRanges)
            .apply((ranges) =>
              ranges.map((range) => ({ iPAddressOrRange: range, action: azure.storage.Action.Allow })),
            ),
          resourceAccessRules: args.resourceAccessRules,
          virtualNetworkRules: args.virtualNetworkSubnetIds.map((id) => ({
            virtualNetworkResourceId: id,
            action: azure.storage.Action.Allow,
          })),
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: opts.dependsOn, protect: args.protect },
    );

    // ARM-level containers: with shared keys off, the data-plane API would need a data role for the deployer.
    const container = (containerName: string) =>
      new azure.storage.BlobContainer(
        `${name}-${containerName}`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: account.name,
          containerName,
          publicAccess: azure.storage.PublicAccess.None,
        },
        // Deleting a container deletes every file in it (every table's, every raw event's): protected with the account.
        { parent: this, protect: args.protect },
      );
    const capture = container(CAPTURE_CONTAINER);
    const lake = container(LAKE_CONTAINER);

    new azure.storage.ManagementPolicy(
      `${name}-lifecycle`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        // Azure allows exactly one policy per account, and it must be called "default".
        managementPolicyName: "default",
        policy: {
          rules: [
            {
              name: "delete-raw-capture",
              enabled: true,
              type: azure.storage.RuleType.Lifecycle,
              definition: {
                filters: { blobTypes: ["blockBlob"], prefixMatch: [`${CAPTURE_CONTAINER}/`] },
                actions: {
                  baseBlob: { delete: { daysAfterModificationGreaterThan: args.rawRetentionDays } },
                },
              },
            },
          ],
        },
      },
      { parent: this, dependsOn: [capture] },
    );

    this.accountName = account.name;
    this.accountId = account.id;
    this.dfsEndpoint = account.primaryEndpoints.dfs;
    this.captureContainerName = capture.name;
    this.captureContainerId = capture.id;
    this.captureContainerUrl = pulumi.interpolate`${account.primaryEndpoints.blob}${capture.name}`;
    this.lakeContainerName = lake.name;
    this.lakeContainerId = lake.id;
    this.registerOutputs({
      accountName: this.accountName,
      accountId: this.accountId,
      dfsEndpoint: this.dfsEndpoint,
      captureContainerName: this.captureContainerName,
      captureContainerUrl: this.captureContainerUrl,
      lakeContainerName: this.lakeContainerName,
    });
  }
}
