import { at, expected, type Rule, TYPES } from "../core";
import { AUTOTERMINATION_MINUTES } from "../vocabulary/limits";
import { isLtsRuntime, LTS_RUNTIME_LIST } from "../vocabulary/runtimes";

const { min, max } = AUTOTERMINATION_MINUTES;

/** True for an idle time the pack admits. */
export function autoterminationInRange(minutes: unknown): boolean {
  return typeof minutes === "number" && minutes >= min && minutes <= max;
}

// An all-purpose cluster is the one thing in the workspace that bills while nobody uses it.
export const clusterAutotermination: Rule = {
  name: "cluster-autotermination",
  description: `All-purpose clusters run an LTS runtime and stop after ${min}..${max} idle minutes.`,
  appliesTo: [TYPES.cluster],
  check: ({ props }) => {
    const problems: string[] = [];
    const minutes = at(props, "autoterminationMinutes");
    if (!autoterminationInRange(minutes)) {
      problems.push(
        expected("autoterminationMinutes", `${min}..${max}`, minutes, `set autoterminationMinutes: ${max}`),
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
