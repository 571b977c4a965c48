import { type Rule, TYPES } from "../core";

/**
 * Resources whose loss loses data or identity (events, lake files, notebooks, table grants, the audit trail of
 * resource logs). A container or a
 * hub is deleted with everything in it when a refactor renames or drops it, even under a protected parent:
 * `protect` guards only the resource that carries it.
 */
export const STATEFUL_TYPES: readonly string[] = [
  TYPES.storageAccount,
  TYPES.blobContainer,
  TYPES.eventHubsNamespace,
  TYPES.eventHub,
  TYPES.workspace,
  TYPES.catalog,
  TYPES.logAnalyticsWorkspace,
];

export const prodStatefulProtected: Rule = {
  name: "prod-stateful-protected",
  description:
    "In prod, stateful resources (storage account and its containers, Event Hubs namespace and hubs, workspace, catalog, Log Analytics workspace) are protected.",
  appliesTo: STATEFUL_TYPES,
  check: ({ protect }, { kind }) =>
    kind === "prod" && !protect
      ? [
          "protect must be true in prod, got false. Fix: pass { protect: true } to this resource when the environment is prod",
        ]
      : [],
};
