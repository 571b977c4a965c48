import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import type { CaptureTier } from "../policy/vocabulary/limits";
import { LOCAL_AUTH_REASON_TAG } from "../policy/vocabulary/tags";
import { captureDescription, JOBS_CONSUMER_GROUP } from "./capture";
import { type CustomRole, grantRole } from "./roles";

export interface EventIngestionArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Globally unique namespace name (see naming.ts). */
  namespaceName: pulumi.Input<string>;
  /** Capture needs Standard or above, so Basic is not offered. */
  sku: CaptureTier;
  /** Throughput units (Standard) or processing units (Premium). */
  capacity: pulumi.Input<number>;
  /** One event hub per name; the backend sends to these. */
  hubs: readonly string[];
  partitionCount: pulumi.Input<number>;
  messageRetentionDays: pulumi.Input<number>;
  captureIntervalSeconds: pulumi.Input<number>;
  captureSizeLimitBytes: pulumi.Input<number>;
  /** Resource id of the storage account Capture writes to. */
  captureStorageAccountId: pulumi.Input<string>;
  /** Container Capture writes to. */
  captureContainerName: pulumi.Input<string>;
  /** Resource id of that container: the scope of the namespace identity's write access. */
  captureContainerId: pulumi.Input<string>;
  /**
   * The identities that create or update the hubs (`deployerPrincipalIds`, or a personal stack's caller), keyed
   * by a stable logical suffix. Each is granted what Event Hubs' check on the caller needs before any hub is written.
   */
  captureDeployers: Readonly<Record<string, CaptureDeployer>>;
  /** The stack's custom role holding exactly the two permissions of Capture's check on the caller. */
  captureCheckRole: CustomRole;
  /**
   * Also grant each deployer Azure Event Hubs Data Sender on each hub: on dev, where the smoke test runs as the
   * CI deployer after each deploy and sends its events (docs/ci.md).
   */
  deployersSend: boolean;
  /**
   * Entra object ids of the backend identities allowed to send, each granted "Azure Event Hubs Data Sender"
   * on each hub.
   */
  senderPrincipalIds: readonly string[];
  /**
   * Named override for senders that cannot use Entra ID: enables SAS on the namespace, tags it with the reason
   * (`SAS_SENDER_REASON`) and adds a send-only rule per hub, whose connection string is exported as a secret.
   */
  allowSasSender: boolean;
  /**
   * The namespace firewall (`eventHubs.networkDefaultAction`, `eventHubs.allowedIpRanges`): Deny admits only the
   * listed senders' addresses; Allow is the named override.
   */
  networkDefaultAction: "Allow" | "Deny";
  allowedIpRanges: readonly string[];
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Protect the namespace from deletion and replacement (prod). */
  protect: boolean;
}

/** An identity that runs `pulumi up` and so sends the requests that create the hubs. */
export interface CaptureDeployer {
  readonly principalId: pulumi.Input<string>;
  readonly principalType: "ServicePrincipal" | "User";
}

/**
 * Why a namespace keeps SAS on, written on it as the `h3-ml-local-auth-reason` tag whenever `allowSasSender`
 * is set: the policy pack lets local auth through only with this marker, and Azure shows it on the resource.
 */
export const SAS_SENDER_REASON =
  "eventHubs.allowSasSender: senders without an Entra identity send through a send-only SAS rule per hub";

/**
 * Event Hubs namespace and hubs the backend sends to, with Capture writing Avro into the data lake under the
 * namespace's own managed identity. Senders authenticate with Entra ID; SAS is off unless overridden.
 */
export class EventIngestion extends pulumi.ComponentResource {
  public readonly namespaceName: pulumi.Output<string>;
  public readonly namespaceId: pulumi.Output<string>;
  /** Host name senders connect to, e.g. `name.servicebus.windows.net`. */
  public readonly fullyQualifiedNamespace: pulumi.Output<string>;
  public readonly hubNames: pulumi.Output<string[]>;
  public readonly consumerGroupName: pulumi.Output<string>;
  /** Principal id of the namespace's system-assigned identity. */
  public readonly principalId: pulumi.Output<string>;
  /** Send-only connection string per hub, secret; undefined unless `allowSasSender`. */
  public readonly sasSenderConnectionStrings: pulumi.Output<Record<string, string>> | undefined;

  constructor(name: string, args: EventIngestionArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:eventhub:EventIngestion", name, {}, opts);
    const allowSas = args.allowSasSender;
    const sku = args.sku;

    const namespace = new azure.eventhub.Namespace(
      `${name}-namespace`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        namespaceName: args.namespaceName,
        sku: { name: sku, tier: sku, capacity: args.capacity },
        minimumTlsVersion: azure.eventhub.TlsVersion.TlsVersion_1_2,
        disableLocalAuth: !allowSas,
        identity: { type: azure.eventhub.ManagedServiceIdentityType.SystemAssigned },
        tags: allowSas
          ? pulumi
              .output(args.tags)
              .apply((tags) => ({ ...tags, [LOCAL_AUTH_REASON_TAG]: SAS_SENDER_REASON }))
          : args.tags,
      },
      { parent: this, protect: args.protect },
    );
    // Who may send: the senders' addresses while the firewall denies. No trusted-service bypass: nothing of
    // Azure's sends into this namespace; Capture is the namespace writing to storage, which the storage
    // firewall's trusted-services bypass admits (learn.microsoft.com/azure/storage/common/storage-network-security-trusted-azure-services).
    // Azure reads Deny without a rule as open, so config refuses that
    // (learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering).
    new azure.eventhub.NamespaceNetworkRuleSet(
      `${name}-network`,
      {
        resourceGroupName: args.resourceGroupName,
        namespaceName: namespace.name,
        defaultAction: args.networkDefaultAction,
        publicNetworkAccess: azure.eventhub.PublicNetworkAccessFlag.Enabled,
        ipRules: args.allowedIpRanges.map((range) => ({
          ipMask: range,
          action: azure.eventhub.NetworkRuleIPAction.Allow,
        })),
        virtualNetworkRules: [],
        trustedServiceAccessEnabled: false,
      },
      { parent: this },
    );

    const principalId = namespace.identity.apply((identity) => {
      if (!identity?.principalId) throw new Error(`${name}: the namespace has no system-assigned identity`);
      return identity.principalId;
    });

    // Capture validates its destination when the hub is written, so the grant must exist first.
    const captureWriter = grantRole(
      `${name}-capture-writer`,
      {
        principalId,
        role: "storageBlobDataContributor",
        scope: args.captureContainerId,
        description: "Event Hubs Capture writes Avro files into the capture container",
      },
      { parent: this },
    );

    // Event Hubs runs a linked access check on whoever sends the create or update request of a capturing hub,
    // on the destination *account* (the error names the account id: "Linked access check failed for capture
    // storage destination <account id> ... Please enable .../containers/write, .../containers/blobs/write
    // permission(s) on above resource", Azure/azure-sdk-for-js#30204, Azure/azure-synapse-analytics-end2end#11).
    // Role assignments apply to their scope and the scopes below it
    // (https://learn.microsoft.com/azure/role-based-access-control/scope-overview), so a grant on the container
    // is not seen by a check on the account: the grant is on the account, of a custom role holding those two
    // permissions only (no read, list or delete of any blob).
    const deployerGrants = Object.entries(args.captureDeployers).map(([suffix, deployer]) =>
      grantRole(
        `${name}-capture-deployer-${suffix}`,
        {
          principalId: deployer.principalId,
          principalType: deployer.principalType,
          role: args.captureCheckRole,
          scope: args.captureStorageAccountId,
          description:
            "Event Hubs checks that whoever creates a hub with Capture may write to its storage account",
        },
        { parent: this },
      ),
    );

    const consumerGroupName = JOBS_CONSUMER_GROUP;
    const connectionStrings: Record<string, pulumi.Output<string>> = {};
    const hubs = args.hubs.map((hubName) => {
      const hub = new azure.eventhub.EventHub(
        `${name}-${hubName}`,
        {
          resourceGroupName: args.resourceGroupName,
          namespaceName: namespace.name,
          eventHubName: hubName,
          partitionCount: args.partitionCount,
          messageRetentionInDays: args.messageRetentionDays,
          captureDescription: captureDescription({
            intervalInSeconds: args.captureIntervalSeconds,
            sizeLimitInBytes: args.captureSizeLimitBytes,
            storageAccountResourceId: args.captureStorageAccountId,
            blobContainer: args.captureContainerName,
          }),
        },
        // A dropped hub loses the events not yet captured and its Capture settings: protected with the namespace.
        { parent: this, dependsOn: [captureWriter, ...deployerGrants], protect: args.protect },
      );

      new azure.eventhub.ConsumerGroup(
        `${name}-${hubName}-jobs`,
        {
          resourceGroupName: args.resourceGroupName,
          namespaceName: namespace.name,
          eventHubName: hub.name,
          consumerGroupName,
        },
        { parent: this },
      );

      if (args.deployersSend) {
        for (const [suffix, deployer] of Object.entries(args.captureDeployers)) {
          grantRole(
            `${name}-${hubName}-deployer-sender-${suffix}`,
            {
              principalId: deployer.principalId,
              principalType: deployer.principalType,
              role: "azureEventHubsDataSender",
              scope: hub.id,
              description: `The smoke test sends its events to ${hubName} as the deployer`,
            },
            { parent: this },
          );
        }
      }

      for (const senderId of args.senderPrincipalIds) {
        grantRole(
          `${name}-${hubName}-sender-${senderId}`,
          {
            principalId: senderId,
            role: "azureEventHubsDataSender",
            scope: hub.id,
            description: `Backend identity sends events to ${hubName}`,
          },
          { parent: this },
        );
      }

      if (allowSas) {
        connectionStrings[hubName] = this.sasSender(
          name,
          hubName,
          args.resourceGroupName,
          namespace.name,
          hub.name,
        );
      }
      return hub;
    });

    this.namespaceName = namespace.name;
    this.namespaceId = namespace.id;
    this.fullyQualifiedNamespace = pulumi.interpolate`${namespace.name}.servicebus.windows.net`;
    this.hubNames = pulumi.all(hubs.map((hub) => hub.name));
    this.consumerGroupName = pulumi.output(consumerGroupName);
    this.principalId = principalId;
    this.sasSenderConnectionStrings = allowSas ? pulumi.secret(pulumi.all(connectionStrings)) : undefined;
    this.registerOutputs({
      namespaceName: this.namespaceName,
      fullyQualifiedNamespace: this.fullyQualifiedNamespace,
      hubNames: this.hubNames,
      consumerGroupName: this.consumerGroupName,
      sasSenderConnectionStrings: this.sasSenderConnectionStrings,
    });
  }

  /** A send-only SAS rule on one hub and its primary connection string, as a secret. */
  private sasSender(
    name: string,
    hubName: string,
    resourceGroupName: pulumi.Input<string>,
    namespaceName: pulumi.Output<string>,
    eventHubName: pulumi.Output<string>,
  ): pulumi.Output<string> {
    const rule = new azure.eventhub.EventHubAuthorizationRule(
      `${name}-${hubName}-send`,
      {
        resourceGroupName,
        namespaceName,
        eventHubName,
        authorizationRuleName: "send",
        rights: [azure.eventhub.AccessRights.Send],
      },
      { parent: this },
    );
    const keys = azure.eventhub.listEventHubKeysOutput(
      { resourceGroupName, namespaceName, eventHubName, authorizationRuleName: rule.name },
      { parent: this },
    );
    return pulumi.secret(keys.primaryConnectionString.apply((value) => value ?? ""));
  }
}
