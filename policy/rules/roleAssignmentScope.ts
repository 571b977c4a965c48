import { at, expected, type Rule, TYPES } from "../core";

// Subscription-wide (or wider) grants reach every other workload in the subscription, not just this one.
const TOO_BROAD = [
  /^\/?$/,
  /^\/subscriptions\/[^/]+\/?$/i,
  /^\/providers\/Microsoft\.Management\/managementGroups\//i,
];

export const roleAssignmentScope: Rule = {
  name: "role-assignment-scope",
  description: "Role assignments are scoped to a resource group or narrower, never a subscription or above.",
  appliesTo: [TYPES.roleAssignment],
  check: ({ props }) => {
    const scope = at(props, "scope");
    return typeof scope === "string" && scope !== "" && !TOO_BROAD.some((re) => re.test(scope))
      ? []
      : [
          expected(
            "scope",
            "a resource group or a resource inside it",
            scope,
            "scope the assignment to the resource the identity uses (e.g. the storage account's id)",
          ),
        ];
  },
};
