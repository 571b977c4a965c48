/**
 * A shared personal stack (`personal.mode: shared`, the default for `dev-<name>`): the person's own schemas,
 * hub, code and paused `[dev <name>]` jobs inside what the dev stack already runs, read through a
 * StackReference. Nothing here is billed while idle: no namespace, workspace, storage account or cluster that
 * stays up; the jobs' clusters exist only while a run started by hand lasts.
 */
import * as azure from "@pulumi/azure-native";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { DatabricksJobs } from "../components/databricksJobs";
import { CAPTURE_CONTAINER } from "../components/dataLake";
import { PersonalHub } from "../components/personalHub";
import { PersonalSchemas } from "../components/personalSchemas";
import { stackWorkspaceFolder, WorkspaceAssets } from "../components/workspaceAssets";
import { type PersonalConfig, type StackConfig, standardTags } from "../config/config";
import { devStackReference, stackToken } from "../config/naming";
import { invokedField } from "./invokeResults";
import { configuredJobArgs } from "./jobArgs";
import { jobOutputs, type StackOutputs } from "./outputs";
import { checkedContract, PERSONAL_STACK_OUTPUT } from "./personalContract";

/** What a shared personal stack calls itself: `dev-ada` gives the person `ada`, jobs `[dev ada] ...`. */
export function personalNames(stack: string) {
  const token = stackToken(stack);
  const person = token.replace(/^dev-/, "");
  return {
    person,
    jobPrefix: `[dev ${person}]`,
    hubName: token,
    schemaPrefix: `${token.replace(/-/g, "_")}_`,
  };
}

export function sharedPersonal(config: StackConfig, personal: PersonalConfig): StackOutputs {
  const names = personalNames(config.stack);
  const tags = { ...standardTags(config), owner: config.tags.owner ?? names.person };
  const dbx = config.databricks;
  const devStack = devStackReference(personal.devStack, pulumi.getOrganization(), pulumi.getProject());
  const dev = new pulumi.StackReference("dev", { name: devStack });
  const fromDev = (output: string) => dev.requireOutput(output) as pulumi.Output<string>;
  // What dev's workspace holds for personal stacks: the jobs' cluster policy and what it fixes, the capture container.
  const contract = checkedContract(dev.getOutput(PERSONAL_STACK_OUTPUT), devStack, {
    workers: dbx.jobWorkers,
    tags,
  });

  const provider = new databricks.Provider("dev-workspace", {
    // Both, as for the platform's own provider: host alone makes Azure auth guess the workspace.
    host: fromDev("databricksWorkspaceUrl"),
    azureWorkspaceResourceId: fromDev("databricksWorkspaceResourceId"),
    ...(dbx.providerAuthType === undefined ? {} : { authType: dbx.providerAuthType }),
  });

  // Dev's subscription, not the one `az account` has selected: the hub goes into dev's namespace.
  const azureProvider = new azure.Provider("dev-subscription", {
    subscriptionId: fromDev("azureSubscriptionId"),
  });
  const hub = new PersonalHub(
    "hub",
    {
      resourceGroupName: fromDev("resourceGroupName"),
      namespaceName: fromDev("eventHubsNamespaceName"),
      hubName: names.hubName,
      partitionCount: config.eventHubs.partitionCount,
      messageRetentionDays: config.eventHubs.messageRetentionDays,
      captureIntervalSeconds: config.eventHubs.captureIntervalSeconds,
      captureSizeLimitBytes: config.eventHubs.captureSizeLimitBytes,
      storageAccountId: fromDev("storageAccountId"),
      captureContainerName: CAPTURE_CONTAINER,
      captureContainerUrl: contract.captureContainerUrl,
    },
    { providers: [azureProvider] },
  );

  const schemas = new PersonalSchemas("schemas", {
    provider,
    catalogName: fromDev("catalogName"),
    schemaPrefix: names.schemaPrefix,
  });

  // The person's home: only they (and workspace admins) can change the code their jobs run as them.
  const person = databricks.getCurrentUserOutput({}, { provider });
  const notebooks = new WorkspaceAssets("notebooks", {
    provider,
    workspaceFolder: stackWorkspaceFolder(config.stack, invokedField(person, "home")),
  });

  const jobs = new DatabricksJobs(
    "jobs",
    {
      provider,
      namePrefix: names.jobPrefix,
      ...configuredJobArgs(config, notebooks, hub.captureRoot, invokedField(person, "userName")),
      // Dev's runtime and VM size, which its personal job policy fixes; this stack's own settings would be refused.
      sparkVersion: contract.sparkVersion,
      nodeTypeId: contract.nodeTypeId,
      jobPolicyId: contract.jobPolicyId,
      catalogName: fromDev("catalogName"),
      captureRoot: hub.captureRoot,
      checkpoints: schemas.checkpointsPath,
      schemaPrefix: names.schemaPrefix,
      // Runs start by hand (databricks jobs run-now); a paused trigger costs nothing.
      paused: true,
      tags,
    },
    { dependsOn: [notebooks, schemas] },
  );

  return {
    resourceGroupName: fromDev("resourceGroupName"),
    eventHubsNamespace: fromDev("eventHubsNamespace"),
    eventHubsNamespaceName: fromDev("eventHubsNamespaceName"),
    eventHubNames: hub.hubName.apply((name) => [name]),
    eventHubsConsumerGroup: hub.consumerGroupName,
    eventHubsCaptureIntervalSeconds: pulumi.output(config.eventHubs.captureIntervalSeconds),
    storageAccountName: fromDev("storageAccountName"),
    databricksWorkspaceUrl: fromDev("databricksWorkspaceUrl"),
    catalogName: fromDev("catalogName"),
    schemaPrefix: schemas.schemaPrefix,
    databricksNotebookFolder: notebooks.folder,
    ...jobOutputs(jobs.jobs),
  };
}
