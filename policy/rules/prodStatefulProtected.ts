import { type Rule, TYPES } from "../core";

/** Resources whose loss loses data or identity (events, lake files, notebooks, table grants). */
export const STATEFUL_TYPES: readonly string[] = [
  TYPES.storageAccount,
  TYPES.eventHubsNamespace,
  TYPES.workspace,
  TYPES.catalog,
];

export const prodStatefulProtected: Rule = {
  name: "prod-stateful-protected",
  description:
    "In prod, stateful resources (storage account, Event Hubs namespace, workspace, catalog) are protected.",
  appliesTo: STATEFUL_TYPES,
  check: ({ protect }, { kind }) =>
    kind === "prod" && !protect
      ? [
          "protect must be true in prod, got false. Fix: pass { protect: true } to this resource when the environment is prod",
        ]
      : [],
};
