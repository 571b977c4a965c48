import { at, expected, type Rule, TYPES } from "../core";

// Left unset, a slow run and the next scheduled one overlap and race on the same Delta tables.
export const jobMaxConcurrentRuns: Rule = {
  name: "job-max-concurrent-runs",
  description: "Every job states how many runs may overlap (maxConcurrentRuns, a positive integer).",
  appliesTo: [TYPES.job],
  check: ({ props }) => {
    const value = at(props, "maxConcurrentRuns");
    return typeof value === "number" && Number.isInteger(value) && value >= 1
      ? []
      : [expected("maxConcurrentRuns", "a positive integer", value, "set maxConcurrentRuns: 1")];
  },
};
