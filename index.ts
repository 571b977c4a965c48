// Wiring only: read and validate the stack config, build the components, export what the backend needs.
import * as azure from "@pulumi/azure-native";
import { readStackConfig, standardTags } from "./components/config";
import { resourceNames } from "./components/naming";

const config = readStackConfig();
const names = resourceNames(config);
const tags = standardTags(config);

const resourceGroupName =
  config.resourceGroupName ??
  new azure.resources.ResourceGroup("rg", {
    resourceGroupName: names.resourceGroup,
    location: config.location,
    tags,
  }).name;

export { resourceGroupName };
