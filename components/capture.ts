/**
 * How every hub of the platform is captured into the lake, as one pure function shared by the platform's own
 * hubs (`EventIngestion`) and a shared personal stack's hub (`PersonalHub`).
 */
import * as azure from "@pulumi/azure-native";
import type * as pulumi from "@pulumi/pulumi";

/** Capture's archive layout, part of the contract with the ingest job (docs/pipeline.md). */
export const CAPTURE_ARCHIVE_NAME_FORMAT =
  "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}";

/** Consumer group created on every hub for the platform's own readers. */
export const JOBS_CONSUMER_GROUP = "h3-ml-jobs";

export interface CaptureArgs {
  intervalInSeconds: pulumi.Input<number>;
  sizeLimitInBytes: pulumi.Input<number>;
  /** Resource id of the storage account Capture writes to. */
  storageAccountResourceId: pulumi.Input<string>;
  /** Container Capture writes to. */
  blobContainer: pulumi.Input<string>;
}

/** Avro files under the archive layout, written with the namespace's system-assigned identity (no keys). */
export function captureDescription(args: CaptureArgs): azure.types.input.eventhub.CaptureDescriptionArgs {
  return {
    enabled: true,
    encoding: azure.eventhub.EncodingCaptureDescription.Avro,
    intervalInSeconds: args.intervalInSeconds,
    sizeLimitInBytes: args.sizeLimitInBytes,
    // Without it Capture writes header-only files for idle windows.
    skipEmptyArchives: true,
    destination: {
      name: "EventHubArchive.AzureBlockBlob",
      storageAccountResourceId: args.storageAccountResourceId,
      blobContainer: args.blobContainer,
      archiveNameFormat: CAPTURE_ARCHIVE_NAME_FORMAT,
      identity: { type: azure.eventhub.CaptureIdentityType.SystemAssigned },
    },
  };
}

/** The `abfss://` folder one hub's Capture files land in, for the ingest job and its file-arrival trigger. */
export function hubCaptureRoot(
  storageAccountName: string,
  container: string,
  namespaceName: string,
  hubName: string,
): string {
  return `abfss://${container}@${storageAccountName}.dfs.core.windows.net/${namespaceName}/${hubName}/`;
}
