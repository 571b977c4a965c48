import { at, expected, type Rule, TYPES } from "../core";

function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

// A failed deletion job is a missed legal deadline: someone must hear about it the moment it happens.
export const jobFailureNotifications: Rule = {
  name: "job-failure-notifications",
  description: "Every job notifies someone on failure (e-mail or webhook).",
  appliesTo: [TYPES.job],
  check: ({ props }) => {
    const email = at(props, "emailNotifications.onFailures");
    const webhook = at(props, "webhookNotifications.onFailures");
    return nonEmptyList(email) || nonEmptyList(webhook)
      ? []
      : [
          expected(
            "emailNotifications.onFailures",
            "a non-empty list (or webhookNotifications.onFailures)",
            email,
            "set emailNotifications: { onFailures: [<on-call address>] }",
          ),
        ];
  },
};
