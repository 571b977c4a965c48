/**
 * What a code-only deploy changes: the notebooks, the shared package's files and the folder that holds them,
 * including the ones deleted or renamed since the last deploy. Jobs are not code: their crons, clusters and
 * notifications only change with a full `pulumi up`. Everything else (storage, Event Hubs, the workspace,
 * Unity Catalog, identities) is left as it is.
 *
 * `pulumi up --target` plans no delete of a resource it was not given (pulumi/pkg resource/deploy
 * step_generator.go, GenerateDeletes), so a file removed from notebooks/ is found in the stack's state and
 * targeted by URN. It also refuses, or leaves things half done, where a targeted resource needs an untargeted
 * one that is new (pulumi/pulumi#5869) or an untargeted resource needs a targeted one that is new or gone:
 * those cases are refused here, before Pulumi runs, with the reason and the full `pulumi up` to run instead.
 */

import { RESOURCE_TYPES } from "../../policy/vocabulary/resourceTypes";
import type { Registration } from "../../tests/harness/mockProgram";

const CODE_RESOURCE_TYPES = [
  RESOURCE_TYPES.directory,
  RESOURCE_TYPES.notebook,
  RESOURCE_TYPES.workspaceFile,
] as const;

/** A resource of the stack's state, as `pulumi stack export` writes it (the fields read here). */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly parent?: string;
  readonly provider?: string;
  readonly dependencies?: readonly string[];
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface CodeDeployPlan {
  /** Every URN to pass as `--target`, sorted: what the program has and what it no longer has. */
  readonly targets: readonly string[];
  /** The targets only the state has: Pulumi deletes them. */
  readonly deletes: readonly string[];
}

/** A code-only deploy cannot do what the change needs; the message lists each reason. */
export class CodeDeployRefused extends Error {
  constructor(
    stack: string,
    readonly reasons: readonly string[],
  ) {
    super(
      `a code-only deploy of ${stack} cannot ship this change:\n${reasons.map((r) => `  - ${r}`).join("\n")}\n` +
        `Fix: deploy it whole with \`pulumi up --stack ${stack} --policy-pack policy\` (or let CI deploy it).`,
    );
    this.name = "CodeDeployRefused";
  }
}

/** `<urn>::<id>` -> `<urn>`: how the engine refers to a provider instance. */
export function providerUrn(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  const at = reference.lastIndexOf("::");
  return at > 0 ? reference.slice(0, at) : reference;
}

type Dependent = Pick<StateResource, "parent" | "provider" | "dependencies" | "propertyDependencies">;

/** The URNs a resource needs: parent, provider, explicit and property dependencies. */
function needs(resource: Dependent): string[] {
  return [
    resource.parent,
    providerUrn(resource.provider),
    ...(resource.dependencies ?? []),
    ...Object.values(resource.propertyDependencies ?? {}).flat(),
  ].filter((urn): urn is string => typeof urn === "string" && urn !== "");
}

const short = (urn: string) => urn.split("::").at(-1) ?? urn;
const typeName = (type: string) =>
  type.startsWith("pulumi:providers:") ? "provider" : (type.split(":").at(-1) ?? type);

/**
 * The targets of a code-only deploy of the program's `registrations` over the stack's `state`, or
 * `CodeDeployRefused` naming each reason it cannot be done by code alone.
 */
export function codeDeployPlan(
  stack: string,
  registrations: readonly Registration[],
  state: readonly StateResource[],
): CodeDeployPlan {
  const codeTypes: readonly string[] = CODE_RESOURCE_TYPES;
  const inState = new Map(state.map((r) => [r.urn, r]));
  const inProgram = new Map(registrations.map((r) => [r.urn, r]));
  if (!state.some((r) => r.custom)) {
    throw new CodeDeployRefused(stack, [`${stack} has never been deployed: its state holds no resource`]);
  }

  const kept = registrations.filter((r) => codeTypes.includes(r.type)).map((r) => r.urn);
  const deletes = state
    .filter((r) => codeTypes.includes(r.type) && !inProgram.has(r.urn))
    .map((r) => r.urn)
    .sort();
  const targets = new Set([...kept, ...deletes]);
  const isNew = (urn: string) => inProgram.has(urn) && !inState.has(urn);
  const reasons: string[] = [];

  for (const registration of registrations) {
    for (const needed of needs(registration)) {
      const targeted = targets.has(registration.urn);
      if (targeted && !targets.has(needed) && isNew(needed)) {
        reasons.push(
          `${typeName(registration.type)} ${short(registration.urn)} needs ${typeName(inProgram.get(needed)?.type ?? "")} ` +
            `${short(needed)}, which is new: only a full deploy creates it (pulumi/pulumi#5869)`,
        );
      }
      // A component only groups resources: nothing of it changes with what it depends on.
      if (!targeted && registration.custom && targets.has(needed) && isNew(needed)) {
        reasons.push(
          `${typeName(registration.type)} ${short(registration.urn)} would use the new ` +
            `${typeName(inProgram.get(needed)?.type ?? "")} ${short(needed)}: the ${typeName(registration.type)} itself must change`,
        );
      }
    }
  }
  for (const gone of deletes) {
    for (const resource of state) {
      const untargeted = resource.custom && !targets.has(resource.urn) && inProgram.has(resource.urn);
      if (untargeted && needs(resource).includes(gone)) {
        reasons.push(
          `${typeName(resource.type)} ${short(resource.urn)} uses ${typeName(inState.get(gone)?.type ?? "")} ` +
            `${short(gone)}, which the program no longer has: the ${typeName(resource.type)} itself must change`,
        );
      }
    }
  }
  if (reasons.length > 0) throw new CodeDeployRefused(stack, [...new Set(reasons)]);
  return { targets: [...targets].sort(), deletes };
}

/** Steps of `pulumi preview --json` (pulumi/pkg display/json.go, PreviewDigest), the fields read here. */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly replaceReasons?: readonly string[];
}

const REPLACING = new Set(["replace", "create-replacement", "delete-replaced"]);

/**
 * Refuses what only a targeted preview shows: a folder or notebook replaced means its workspace path changed
 * (another deployer's home, say), and the jobs, which are not targeted, would keep running the old path.
 */
export function refuseReplacedPaths(steps: readonly PreviewStep[], stack: string): void {
  const pathTypes: readonly string[] = [RESOURCE_TYPES.directory, RESOURCE_TYPES.notebook];
  const replaced = steps.filter(
    (s) => REPLACING.has(s.op) && pathTypes.some((type) => s.urn.includes(`${type}::`)),
  );
  const reasons = [...new Set(replaced.map((s) => s.urn))].map(
    (urn) =>
      `${short(urn)} would be replaced (${(replaced.find((s) => s.urn === urn)?.replaceReasons ?? []).join(", ") || "replacement"}): ` +
      "its workspace path changes, and the jobs would keep running the old one",
  );
  if (reasons.length > 0) throw new CodeDeployRefused(stack, reasons);
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
