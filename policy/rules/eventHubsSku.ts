import { at, expected, type Rule, TYPES } from "../core";

// Basic has no Capture and no consumer groups beyond $Default: the lake would never receive an event.
const CAPTURE_CAPABLE = ["Standard", "Premium"];

export const eventHubsSku: Rule = {
  name: "eventhubs-sku",
  description: "Event Hubs namespaces are Standard or Premium, the tiers that support Capture.",
  appliesTo: [TYPES.eventHubsNamespace],
  check: ({ props }) => {
    const value = at(props, "sku.name");
    return typeof value === "string" && CAPTURE_CAPABLE.includes(value)
      ? []
      : [
          expected(
            "sku.name",
            '"Standard" or "Premium"',
            value,
            "set eventHubs.sku to Standard in the stack config",
          ),
        ];
  },
};
