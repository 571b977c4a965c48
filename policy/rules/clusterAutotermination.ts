import { at, expected, type Rule, TYPES } from "../core";
import { isLtsRuntime, LTS_RUNTIME_LIST } from "../vocabulary/runtimes";

/** The longest a cluster may sit idle before Databricks stops paying for it. */
export const MAX_AUTOTERMINATION_MINUTES = 120;

// An all-purpose cluster is the one thing in the workspace that bills while nobody uses it.
export const clusterAutotermination: Rule = {
  name: "cluster-autotermination",
  description: `All-purpose clusters run an LTS runtime and stop after at most ${MAX_AUTOTERMINATION_MINUTES} idle minutes.`,
  appliesTo: [TYPES.cluster],
  check: ({ props }) => {
    const problems: string[] = [];
    const minutes = at(props, "autoterminationMinutes");
    if (!(typeof minutes === "number" && minutes >= 1 && minutes <= MAX_AUTOTERMINATION_MINUTES)) {
      problems.push(
        expected(
          "autoterminationMinutes",
          `1..${MAX_AUTOTERMINATION_MINUTES}`,
          minutes,
          "set autoterminationMinutes: 30",
        ),
      );
    }
    const version = at(props, "sparkVersion");
    if (!isLtsRuntime(version)) {
      problems.push(
        expected(
          "sparkVersion",
          `an LTS runtime (${LTS_RUNTIME_LIST})`,
          version,
          'set sparkVersion: "17.3.x-scala2.13"',
        ),
      );
    }
    return problems;
  },
};
