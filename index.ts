// Wiring only: read and validate the stack config, build the components, export what the backend needs.
import * as azure from "@pulumi/azure-native";
import { readStackConfig, standardTags } from "./components/config";
import { DataLake } from "./components/dataLake";
import { EventIngestion } from "./components/eventIngestion";
import { resourceNames } from "./components/naming";
import { protectsStatefulResources } from "./components/stateful";

const config = readStackConfig();
const names = resourceNames(config);
const tags = standardTags(config);
const protect = protectsStatefulResources(config.environment);

const resourceGroupName =
  config.resourceGroupName ??
  new azure.resources.ResourceGroup("rg", {
    resourceGroupName: names.resourceGroup,
    location: config.location,
    tags,
  }).name;

const lake = new DataLake("lake", {
  resourceGroupName,
  location: config.location,
  accountName: names.storageAccount,
  sku: config.storage.sku,
  rawRetentionDays: config.storage.rawRetentionDays,
  networkDefaultAction: config.storage.networkDefaultAction,
  allowedIpRanges: [...config.storage.allowedIpRanges],
  tags,
  protect,
});

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
  senderPrincipalIds: config.eventHubs.senderPrincipalIds,
  allowSasSender: config.eventHubs.allowSasSender,
  tags,
  protect,
});

export { resourceGroupName };
export const eventHubsNamespace = ingestion.fullyQualifiedNamespace;
export const eventHubNames = ingestion.hubNames;
export const eventHubsConsumerGroup = ingestion.consumerGroupName;
export const storageAccountName = lake.accountName;
export const dataLakeDfsEndpoint = lake.dfsEndpoint;
export const captureContainerUrl = lake.captureContainerUrl;
/** Only with eventHubs.allowSasSender; a secret. */
export const eventHubsSasSenderConnectionStrings = ingestion.sasSenderConnectionStrings;
