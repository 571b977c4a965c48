import { at, expected, type Rule, TYPES } from "../core";
import { CAPTURE_TIERS } from "../vocabulary/limits";

export const eventHubsSku: Rule = {
  name: "eventhubs-sku",
  description: `Event Hubs namespaces are ${CAPTURE_TIERS.join(" or ")}, the tiers that support Capture.`,
  appliesTo: [TYPES.eventHubsNamespace],
  check: ({ props }) => {
    const value = at(props, "sku.name");
    return typeof value === "string" && (CAPTURE_TIERS as readonly string[]).includes(value)
      ? []
      : [
          expected(
            "sku.name",
            CAPTURE_TIERS.map((tier) => `"${tier}"`).join(" or "),
            value,
            `set eventHubs.sku to ${CAPTURE_TIERS[0]} in the stack config`,
          ),
        ];
  },
};
