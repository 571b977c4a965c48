// Wiring only: read and validate the stack config, build the stack it asks for, export its outputs.
import { readStackConfig } from "./config/config";
import { platform } from "./program/platform";

const config = readStackConfig();
const stack = platform(config);

export const resourceGroupName = stack.resourceGroupName;
export const eventHubsNamespace = stack.eventHubsNamespace;
export const eventHubNames = stack.eventHubNames;
export const eventHubsConsumerGroup = stack.eventHubsConsumerGroup;
export const storageAccountName = stack.storageAccountName;
export const dataLakeDfsEndpoint = stack.dataLakeDfsEndpoint;
export const captureContainerUrl = stack.captureContainerUrl;
/** Only with eventHubs.allowSasSender; a secret. */
export const eventHubsSasSenderConnectionStrings = stack.eventHubsSasSenderConnectionStrings;
export const databricksWorkspaceUrl = stack.databricksWorkspaceUrl;
export const catalogName = stack.catalogName;
export const databricksNotebookFolder = stack.databricksNotebookFolder;
export const ingestJobId = stack.ingestJobId;
export const ingestJobUrl = stack.ingestJobUrl;
export const normalizeJobId = stack.normalizeJobId;
export const normalizeJobUrl = stack.normalizeJobUrl;
export const deleteJobId = stack.deleteJobId;
export const deleteJobUrl = stack.deleteJobUrl;
