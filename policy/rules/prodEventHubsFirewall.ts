import { at, expected, type StackRule, TYPES } from "../core";

/**
 * On prod, every Event Hubs namespace has a network rule set that denies by default and admits at least one
 * address or subnet: Azure reads a Deny rule set without IP or virtual network rules as open to every address
 * ("If there are no IP and virtual network rules, the namespace can be accessed over the public internet",
 * https://learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering). A rule set belongs to the namespace its
 * `namespaceName` comes from, which the engine records as a dependency.
 */
export const prodEventHubsFirewall: StackRule = {
  name: "prod-eventhubs-firewall",
  description:
    "On prod, every Event Hubs namespace denies by default and admits at least one sender address or subnet.",
  check: (resources, context) => {
    if (context.kind !== "prod") return [];
    const ruleSets = resources.filter((r) => r.type === TYPES.namespaceNetworkRuleSet);
    const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
    return resources
      .filter((r) => r.type === TYPES.eventHubsNamespace)
      .flatMap((namespace) => {
        const mine = ruleSets.filter(
          (r) => namespace.urn !== undefined && (r.dependencies ?? []).includes(namespace.urn),
        );
        const closed = mine.filter(
          (r) =>
            at(r.props, "defaultAction") === "Deny" &&
            count(at(r.props, "ipRules")) + count(at(r.props, "virtualNetworkRules")) > 0,
        );
        return closed.length > 0
          ? []
          : [
              {
                resource: namespace.name,
                detail: expected(
                  "network rule set",
                  "defaultAction Deny with at least one IP or virtual network rule",
                  mine.map((r) => ({ name: r.name, defaultAction: at(r.props, "defaultAction") })),
                  "set eventHubs.networkDefaultAction Deny and eventHubs.allowedIpRanges to the senders' addresses",
                ),
              },
            ];
      });
  },
};
