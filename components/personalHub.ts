import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import {
  captureDescription,
  JOBS_CONSUMER_GROUP,
  PERSONAL_CAPTURE_ARCHIVE_NAME_FORMAT,
  personalCaptureRoot,
} from "./capture";

export interface PersonalHubArgs {
  /** Resource group of the dev stack's namespace. */
  resourceGroupName: pulumi.Input<string>;
  /** The dev stack's Event Hubs namespace (its resource name). */
  namespaceName: pulumi.Input<string>;
  /** The hub's name, unique in the namespace: the stack's name. */
  hubName: string;
  partitionCount: pulumi.Input<number>;
  messageRetentionDays: pulumi.Input<number>;
  captureIntervalSeconds: pulumi.Input<number>;
  captureSizeLimitBytes: pulumi.Input<number>;
  /** The dev stack's data lake account: Capture's destination. */
  storageAccountId: pulumi.Input<string>;
  /** The container Capture writes to in that account, by name and as its `abfss://` URL. */
  captureContainerName: string;
  captureContainerUrl: pulumi.Input<string>;
}

/**
 * A personal stack's own input: one hub in the dev stack's namespace, captured into dev's capture container under
 * its own folder, `<hub>/<namespace>/` (`PERSONAL_CAPTURE_ARCHIVE_NAME_FORMAT`), which no other stack's jobs read,
 * with the jobs' consumer group. It adds nothing billed: Standard namespaces bill throughput units and Capture per namespace,
 * which dev already pays. A Standard namespace holds at most 10 hubs; the eleventh is refused with
 * `The maximum number of resources of type EventHub has been reached or exceeded`
 * (https://learn.microsoft.com/azure/event-hubs/event-hubs-quotas,
 * https://learn.microsoft.com/azure/event-hubs/resource-manager-exceptions).
 */
export class PersonalHub extends pulumi.ComponentResource {
  public readonly hubName: pulumi.Output<string>;
  public readonly consumerGroupName: pulumi.Output<string>;
  /** `abfss://` folder of this hub's Capture files. */
  public readonly captureRoot: pulumi.Output<string>;

  constructor(name: string, args: PersonalHubArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:eventhub:PersonalHub", name, {}, opts);
    const hub = new azure.eventhub.EventHub(
      `${name}-hub`,
      {
        resourceGroupName: args.resourceGroupName,
        namespaceName: args.namespaceName,
        eventHubName: args.hubName,
        partitionCount: args.partitionCount,
        messageRetentionInDays: args.messageRetentionDays,
        captureDescription: captureDescription({
          intervalInSeconds: args.captureIntervalSeconds,
          sizeLimitInBytes: args.captureSizeLimitBytes,
          storageAccountResourceId: args.storageAccountId,
          blobContainer: args.captureContainerName,
          archiveNameFormat: PERSONAL_CAPTURE_ARCHIVE_NAME_FORMAT,
        }),
      },
      { parent: this },
    );
    const group = new azure.eventhub.ConsumerGroup(
      `${name}-jobs`,
      {
        resourceGroupName: args.resourceGroupName,
        namespaceName: args.namespaceName,
        eventHubName: hub.name,
        consumerGroupName: JOBS_CONSUMER_GROUP,
      },
      { parent: this },
    );

    this.hubName = hub.name;
    this.consumerGroupName = group.name;
    this.captureRoot = pulumi
      .all([args.captureContainerUrl, args.namespaceName])
      .apply(([containerUrl, namespace]) => personalCaptureRoot(containerUrl, namespace, args.hubName));
    this.registerOutputs({ hubName: this.hubName, captureRoot: this.captureRoot });
  }
}
