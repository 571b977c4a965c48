import { at, expected, type Rule, show, TYPES } from "../core";

/** Tags every Azure resource carries so cost and ownership trace back to one stack. */
const REQUIRED_TAGS: readonly string[] = ["project", "environment", "stack", "managedBy"];

export const requiredTags: Rule = {
  name: "required-tags",
  description: `Azure resources carry the tags ${REQUIRED_TAGS.join(", ")}, and "stack" names their own stack.`,
  appliesTo: [
    TYPES.resourceGroup,
    TYPES.storageAccount,
    TYPES.eventHubsNamespace,
    TYPES.workspace,
    TYPES.accessConnector,
    TYPES.logAnalyticsWorkspace,
  ],
  check: ({ props }, { stack }) => {
    const tags = at(props, "tags");
    const present = tags && typeof tags === "object" ? (tags as Record<string, unknown>) : {};
    const missing = REQUIRED_TAGS.filter((key) => typeof present[key] !== "string" || present[key] === "");
    if (missing.length > 0) {
      return [
        expected(
          "tags",
          `to include ${REQUIRED_TAGS.join(", ")}`,
          tags,
          `add ${missing.map(show).join(", ")} (standardTags(config) in config/config.ts supplies them)`,
        ),
      ];
    }
    return present.stack === stack
      ? []
      : [expected("tags.stack", show(stack), present.stack, "tag resources with the stack they belong to")];
  },
};
