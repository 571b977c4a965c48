// Wiring only: read and validate the stack config, build the stack it asks for, export its outputs.
import { readStackConfig } from "./config/config";
import { sharedPersonal } from "./program/personal";
import { platform } from "./program/platform";

const config = readStackConfig();
// A personal stack shares dev's platform or copies it whole, as its `personal.mode` says (it must say).
const stack = config.personal?.mode === "shared" ? sharedPersonal(config, config.personal) : platform(config);

export const resourceGroupName = stack.resourceGroupName;
export const azureSubscriptionId = stack.azureSubscriptionId;
export const eventHubsNamespace = stack.eventHubsNamespace;
export const eventHubsNamespaceName = stack.eventHubsNamespaceName;
export const eventHubNames = stack.eventHubNames;
export const eventHubsConsumerGroup = stack.eventHubsConsumerGroup;
export const eventHubsCaptureIntervalSeconds = stack.eventHubsCaptureIntervalSeconds;
export const storageAccountName = stack.storageAccountName;
export const storageAccountId = stack.storageAccountId;
export const dataLakeDfsEndpoint = stack.dataLakeDfsEndpoint;
export const captureContainerUrl = stack.captureContainerUrl;
/** Only with eventHubs.allowSasSender; a secret. */
export const eventHubsSasSenderConnectionStrings = stack.eventHubsSasSenderConnectionStrings;
export const databricksWorkspaceUrl = stack.databricksWorkspaceUrl;
export const databricksWorkspaceResourceId = stack.databricksWorkspaceResourceId;
export const catalogName = stack.catalogName;
/** Dev only: what a shared personal stack must match. */
export const personalStack = stack.personalStack;
export const schemaPrefix = stack.schemaPrefix;
export const databricksNotebookFolder = stack.databricksNotebookFolder;
export const ingestJobId = stack.ingestJobId;
export const ingestJobUrl = stack.ingestJobUrl;
export const normalizeJobId = stack.normalizeJobId;
export const normalizeJobUrl = stack.normalizeJobUrl;
export const deleteJobId = stack.deleteJobId;
export const deleteJobUrl = stack.deleteJobUrl;
