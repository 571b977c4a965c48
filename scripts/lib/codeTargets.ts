/**
 * What a code-only deploy updates: the notebooks, the shared package's files and the jobs that run them.
 * Everything else (storage, Event Hubs, the workspace, Unity Catalog, identities) is left as it is, so a
 * notebook fix ships in a minute and cannot touch stateful infrastructure.
 */

import { RESOURCE_TYPES } from "../../contracts/resourceTypes";
import type { Registration } from "./mockProgram";

export const CODE_RESOURCE_TYPES = [
  RESOURCE_TYPES.notebook,
  RESOURCE_TYPES.workspaceFile,
  RESOURCE_TYPES.job,
] as const;

/** URNs of the code resources among `registrations`, sorted, for `pulumi up --target`. */
export function codeTargets(registrations: readonly Registration[]): string[] {
  const types: readonly string[] = CODE_RESOURCE_TYPES;
  return registrations
    .filter((r) => types.includes(r.type))
    .map((r) => r.urn)
    .sort();
}

/** `pulumi up` arguments updating only `targets` of `stack`, checked by the policy pack like any update. */
export function codeDeployArgs(
  stack: string,
  targets: readonly string[],
  extra: readonly string[] = [],
): string[] {
  return [
    "up",
    "--stack",
    stack,
    "--policy-pack",
    "policy",
    ...targets.flatMap((t) => ["--target", t]),
    ...extra,
  ];
}
