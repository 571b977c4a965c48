import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";

export interface DatabricksNetworkArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Subscription of the resource group: subnet ids are built from names so a first preview shows them. */
  subscriptionId: pulumi.Input<string>;
  /** Names from naming.ts. */
  names: {
    readonly virtualNetwork: string;
    readonly networkSecurityGroup: string;
    readonly natGateway: string;
    readonly natPublicIp: string;
  };
  /** `databricks.network.addressSpace`, a /16../24 CIDR. */
  addressSpace: string;
  /** `databricks.network.hostSubnetPrefix`: the host (public) subnet, at least /26. */
  hostSubnetPrefix: string;
  /** `databricks.network.containerSubnetPrefix`: the container (private) subnet, at least /26. */
  containerSubnetPrefix: string;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Subnet names inside the program-built VNet; the workspace refers to its subnets by name. */
const HOST_SUBNET = "databricks-host";
const CONTAINER_SUBNET = "databricks-container";

/**
 * The VNet the workspace's classic compute is injected into when the lake's firewall denies by default: job
 * clusters in the Databricks-managed VNet cannot be admitted by any storage network rule, and Databricks supports a
 * storage firewall only with VNet injection or serverless
 * (https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/azure-managed-identities).
 *
 * Per https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject: a /16../24 VNet with two
 * subnets of at least /26, both delegated to `Microsoft.Databricks/workspaces` and associated with a network
 * security group (Databricks adds the rules it needs through the delegation). Cluster nodes have no public IP
 * (secure cluster connectivity), so outbound traffic leaves through a NAT gateway with a Standard static public IP
 * (https://learn.microsoft.com/azure/databricks/security/network/classic/secure-cluster-connectivity). Both subnets
 * carry the `Microsoft.Storage` service endpoint, which lets the lake's firewall admit them by subnet id.
 */
export class DatabricksNetwork extends pulumi.ComponentResource {
  public readonly virtualNetworkId: pulumi.Output<string>;
  public readonly hostSubnetName: string = HOST_SUBNET;
  public readonly containerSubnetName: string = CONTAINER_SUBNET;
  /** Ids of both subnets, for the storage firewall's virtual network rules. */
  public readonly subnetIds: pulumi.Output<string>[];
  /** The subnets: whatever names them by id must wait for them (delegation, service endpoints). */
  public readonly subnets: azure.network.Subnet[];
  /**
   * The NAT gateway's public address: the clusters' egress, through which secure cluster connectivity reaches the
   * control plane, so an IP access list must admit it.
   */
  public readonly egressIpAddress: pulumi.Output<string>;

  constructor(name: string, args: DatabricksNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:network:DatabricksNetwork", name, {}, opts);
    const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    const publicIp = new azure.network.PublicIPAddress(
      `${name}-nat-ip`,
      {
        ...common,
        publicIpAddressName: args.names.natPublicIp,
        sku: { name: azure.network.PublicIPAddressSkuName.Standard },
        publicIPAllocationMethod: azure.network.IPAllocationMethod.Static,
      },
      { parent: this },
    );
    const nat = new azure.network.NatGateway(
      `${name}-nat`,
      {
        ...common,
        natGatewayName: args.names.natGateway,
        sku: { name: azure.network.NatGatewaySkuName.Standard },
        publicIpAddresses: [{ id: publicIp.id }],
      },
      { parent: this },
    );
    // No rules of its own: the workspace's delegation adds the ones Databricks needs.
    const nsg = new azure.network.NetworkSecurityGroup(
      `${name}-nsg`,
      { ...common, networkSecurityGroupName: args.names.networkSecurityGroup },
      { parent: this },
    );
    // Subnets are their own resources and the VNet names none: azure-native keeps them on a VNet update
    // (pulumi/pulumi-azure-native#611).
    const vnet = new azure.network.VirtualNetwork(
      `${name}-vnet`,
      {
        ...common,
        virtualNetworkName: args.names.virtualNetwork,
        addressSpace: { addressPrefixes: [args.addressSpace] },
      },
      { parent: this },
    );

    const subnet = (subnetName: string, addressPrefix: string, after: pulumi.Resource[]) =>
      new azure.network.Subnet(
        `${name}-${subnetName}`,
        {
          resourceGroupName: args.resourceGroupName,
          // By name, so a first preview shows it; the dependency on the VNet is explicit below.
          virtualNetworkName: args.names.virtualNetwork,
          subnetName,
          addressPrefix,
          delegations: [{ name: "databricks", serviceName: "Microsoft.Databricks/workspaces" }],
          networkSecurityGroup: { id: nsg.id },
          natGateway: { id: nat.id },
          serviceEndpoints: [{ service: "Microsoft.Storage" }],
        },
        // After the VNet, and one subnet write at a time on it.
        { parent: this, dependsOn: [vnet, ...after] },
      );
    const host = subnet(HOST_SUBNET, args.hostSubnetPrefix, []);
    const container = subnet(CONTAINER_SUBNET, args.containerSubnetPrefix, [host]);
    this.subnets = [host, container];

    this.egressIpAddress = publicIp.ipAddress.apply((ip) => ip ?? "");
    this.virtualNetworkId = pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}/providers/Microsoft.Network/virtualNetworks/${args.names.virtualNetwork}`;
    this.subnetIds = [HOST_SUBNET, CONTAINER_SUBNET].map(
      (subnetName) => pulumi.interpolate`${this.virtualNetworkId}/subnets/${subnetName}`,
    );
    this.registerOutputs({ virtualNetworkId: this.virtualNetworkId });
  }
}
