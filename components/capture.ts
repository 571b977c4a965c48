/**
 * How every hub of the platform is captured into the lake, as one pure function shared by the platform's own
 * hubs (`EventIngestion`) and a shared personal stack's hub (`PersonalHub`).
 */
import * as azure from "@pulumi/azure-native";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Capture's archive layout of a stack's own hubs, part of the contract with the ingest job (docs/pipeline.md): every
 * file under `<namespace>/`, the folder a stack's jobs read (`captureFolderUrl`).
 */
export const CAPTURE_ARCHIVE_NAME_FORMAT =
  "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}";

/**
 * The layout of a shared personal stack's hub, which lives in dev's namespace: hub first, so its files land under
 * `<hub>/<namespace>/`, outside dev's `<namespace>/` folder, and dev's jobs never read them. Capture takes the
 * placeholders in any order ("all the parameters (Namespace, EventHub .. etc) are mandatory irrespective of order",
 * Microsoft.EventHub Destination.archiveNameFormat); the ingest job reads the partition from the last seven segments,
 * which stay the same.
 */
export const PERSONAL_CAPTURE_ARCHIVE_NAME_FORMAT =
  "{EventHub}/{Namespace}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}";

/** Consumer group created on every hub for the platform's own readers. */
export const JOBS_CONSUMER_GROUP = "h3-ml-jobs";

export interface CaptureArgs {
  intervalInSeconds: pulumi.Input<number>;
  sizeLimitInBytes: pulumi.Input<number>;
  /** Resource id of the storage account Capture writes to. */
  storageAccountResourceId: pulumi.Input<string>;
  /** Container Capture writes to. */
  blobContainer: pulumi.Input<string>;
  /** @default CAPTURE_ARCHIVE_NAME_FORMAT */
  archiveNameFormat?: pulumi.Input<string>;
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
      archiveNameFormat: args.archiveNameFormat ?? CAPTURE_ARCHIVE_NAME_FORMAT,
      identity: { type: azure.eventhub.CaptureIdentityType.SystemAssigned },
    },
  };
}

/** The `abfss://` URL of a folder of a container (`folder` "" for the container itself), with a trailing slash. */
export function captureFolderUrl(storageAccountName: string, container: string, folder: string): string {
  const path = folder === "" ? "" : `${folder.replace(/^\/+|\/+$/g, "")}/`;
  return `abfss://${container}@${storageAccountName}.dfs.core.windows.net/${path}`;
}

/**
 * The folder a shared personal stack's hub captures into under `PERSONAL_CAPTURE_ARCHIVE_NAME_FORMAT`, for its ingest
 * job and file-arrival trigger.
 */
export function personalCaptureRoot(containerUrl: string, namespaceName: string, hubName: string): string {
  return `${containerUrl.replace(/\/*$/, "/")}${hubName}/${namespaceName}/`;
}
