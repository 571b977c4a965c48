import { type Rule, TYPES } from "../core";

/**
 * Resources whose loss loses data or identity (events, lake files, notebooks, table grants, streaming progress, the audit trail of resource logs). A
 * container or a hub is deleted with everything in it when a refactor renames or drops it, even under a protected
 * parent: `protect` guards only the resource that carries it. A managed volume's files go with it (the jobs'
 * checkpoints: without them ingest starts over); a replaced access connector gets a new identity, and the storage
 * credential keeps naming the deleted one.
 */
export const STATEFUL_TYPES: readonly string[] = [
  TYPES.storageAccount,
  TYPES.blobContainer,
  TYPES.eventHubsNamespace,
  TYPES.eventHub,
  TYPES.workspace,
  TYPES.accessConnector,
  TYPES.catalog,
  TYPES.volume,
  TYPES.logAnalyticsWorkspace,
];

export const prodStatefulProtected: Rule = {
  name: "prod-stateful-protected",
  description:
    "In prod, stateful resources (storage account and its containers, Event Hubs namespace and hubs, workspace and access connector, catalog and volumes, Log Analytics workspace) are protected.",
  appliesTo: STATEFUL_TYPES,
  check: ({ protect }, { kind }) =>
    kind === "prod" && !protect
      ? [
          "protect must be true in prod, got false. Fix: pass { protect: true } to this resource when the environment is prod",
        ]
      : [],
};
