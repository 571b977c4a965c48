import { at, expected, type Rule, TYPES } from "../core";

// A hung run holds its cluster (and, with maxConcurrentRuns 1, every later run) until someone notices.
export const jobTimeout: Rule = {
  name: "job-timeout",
  description: "Every job has a run timeout (timeoutSeconds > 0; 0 means none).",
  appliesTo: [TYPES.job],
  check: ({ props }) => {
    const value = at(props, "timeoutSeconds");
    return typeof value === "number" && Number.isInteger(value) && value > 0
      ? []
      : [
          expected(
            "timeoutSeconds",
            "a positive integer",
            value,
            "set timeoutSeconds to the longest run you accept",
          ),
        ];
  },
};
