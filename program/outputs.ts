/**
 * The stack outputs: what the backend, the deploy tooling (`make settings`, `make smoke`) and personal stacks
 * (through a StackReference) read from a deployed stack. An output a stack does not have is left undefined,
 * and the engine then exports nothing under its name.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabricksJobs } from "../components/databricksJobs";
import type { PersonalStackContract } from "./personalContract";

export interface StackOutputs {
  readonly resourceGroupName?: pulumi.Output<string>;
  /**
   * The subscription the stack's Azure resources are in: a shared personal stack creates its hub there, whatever
   * subscription the developer's `az account` has selected.
   */
  readonly azureSubscriptionId?: pulumi.Output<string>;
  /** Host name senders connect to, e.g. `name.servicebus.windows.net`. */
  readonly eventHubsNamespace: pulumi.Output<string>;
  /** The namespace's resource name; shared personal stacks create their hub in it. */
  readonly eventHubsNamespaceName: pulumi.Output<string>;
  readonly eventHubNames: pulumi.Output<string[]>;
  readonly eventHubsConsumerGroup: pulumi.Output<string>;
  /**
   * Capture's time window in seconds (`eventHubs.captureIntervalSeconds`): an event reaches the lake at most this
   * long after it was sent, unless the size limit closes the window first; the smoke test waits on it.
   */
  readonly eventHubsCaptureIntervalSeconds: pulumi.Output<number>;
  readonly storageAccountName: pulumi.Output<string>;
  /** The data lake account's resource id: Capture's destination. */
  readonly storageAccountId?: pulumi.Output<string>;
  readonly dataLakeDfsEndpoint?: pulumi.Output<string>;
  readonly captureContainerUrl?: pulumi.Output<string>;
  /** Only with eventHubs.allowSasSender; a secret. */
  readonly eventHubsSasSenderConnectionStrings?: pulumi.Output<Record<string, string>>;
  readonly databricksWorkspaceUrl: pulumi.Output<string>;
  /** With the URL, what a Databricks provider for the workspace needs. */
  readonly databricksWorkspaceResourceId?: pulumi.Output<string>;
  readonly catalogName: pulumi.Output<string>;
  /** Dev only: what a shared personal stack must match (program/personalContract.ts). */
  readonly personalStack?: pulumi.Output<PersonalStackContract>;
  /** Shared personal stacks only: the prefix of the stack's schemas in the dev catalog (`dev_ada_`). */
  readonly schemaPrefix?: pulumi.Output<string>;
  readonly databricksNotebookFolder: pulumi.Output<string>;
  readonly ingestJobId: pulumi.Output<string>;
  readonly ingestJobUrl: pulumi.Output<string>;
  readonly normalizeJobId: pulumi.Output<string>;
  readonly normalizeJobUrl: pulumi.Output<string>;
  readonly deleteJobId: pulumi.Output<string>;
  readonly deleteJobUrl: pulumi.Output<string>;
}

/** The jobs' ids and URLs, as every stack exports them. */
export function jobOutputs(
  jobs: DatabricksJobs["jobs"],
): Pick<
  StackOutputs,
  "ingestJobId" | "ingestJobUrl" | "normalizeJobId" | "normalizeJobUrl" | "deleteJobId" | "deleteJobUrl"
> {
  return {
    ingestJobId: jobs.ingest.id,
    ingestJobUrl: jobs.ingest.url,
    normalizeJobId: jobs.normalize.id,
    normalizeJobUrl: jobs.normalize.url,
    deleteJobId: jobs.delete.id,
    deleteJobUrl: jobs.delete.url,
  };
}
