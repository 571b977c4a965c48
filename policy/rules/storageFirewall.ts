import { at, expected, type Rule, TYPES } from "../core";

export const storageFirewall: Rule = {
  name: "storage-firewall",
  description:
    "Prod storage denies network access by default; whenever the firewall is on, trusted Azure services " +
    "(Event Hubs Capture) are let through.",
  appliesTo: [TYPES.storageAccount],
  check: ({ props }, { kind }) => {
    const problems: string[] = [];
    const action = at(props, "networkRuleSet.defaultAction");
    if (kind === "prod" && action !== "Deny") {
      problems.push(
        expected(
          "networkRuleSet.defaultAction",
          '"Deny" in prod',
          action,
          'set networkRuleSet.defaultAction: "Deny" (storage.networkDefaultAction in the stack config)',
        ),
      );
    }
    // Capture writes through the trusted-services bypass: without it, a Deny firewall silently stops ingestion.
    const bypass = at(props, "networkRuleSet.bypass");
    if (
      action === "Deny" &&
      !(typeof bypass === "string" && bypass.split(/\s*,\s*/).includes("AzureServices"))
    ) {
      problems.push(
        expected(
          "networkRuleSet.bypass",
          'to include "AzureServices" when defaultAction is "Deny"',
          bypass,
          'set networkRuleSet.bypass: "AzureServices"',
        ),
      );
    }
    return problems;
  },
};
