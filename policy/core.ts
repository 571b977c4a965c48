/**
 * The vocabulary every guardrail speaks. Rules are pure predicates over one resource as the engine sees it
 * before an update (type, name, resolved inputs, options), so the same code runs inside
 * `pulumi preview --policy-pack policy/` and in the project's mocha tests over mocked registrations.
 *
 * Nothing here imports `@pulumi/policy` or `@pulumi/pulumi`: the root test run has neither installed in
 * `policy/`, and a predicate that needs no runtime is one that cannot hide a runtime dependency.
 */
import { RESOURCE_TYPES } from "./vocabulary/resourceTypes";
import { environmentOfStack } from "./vocabulary/stacks";

/** One resource as a policy sees it: the inputs the program gave it, after every Output resolved. */
export interface ResourceFacts {
  /** The resource type token, e.g. `azure-native:storage:StorageAccount`. */
  readonly type: string;
  /** The logical name given in the program (not the physical Azure name). */
  readonly name: string;
  readonly props: Readonly<Record<string, unknown>>;
  /** Whether the resource carries `protect: true`. */
  readonly protect: boolean;
  /** URN, and the URNs the resource depends on; read by stack rules, which relate resources. */
  readonly urn?: string;
  readonly dependencies?: readonly string[];
}

/** How a stack is treated. Mirrors the program's own rule so the pack needs no access to stack config. */
export type StackKind = "prod" | "dev" | "personal" | "other";

export interface RuleContext {
  readonly stack: string;
  readonly kind: StackKind;
}

export interface Violation {
  readonly rule: string;
  readonly resource: string;
  readonly message: string;
}

export interface Rule {
  /** Kebab-case id, unique in the pack; shown by Pulumi next to every violation. */
  readonly name: string;
  readonly description: string;
  /** Resource types the rule reads; any other type passes without being looked at. */
  readonly appliesTo: readonly string[];
  /** Returns one message per offending input, each naming the input, the value found and the fix. */
  readonly check: (resource: ResourceFacts, context: RuleContext) => readonly string[];
}

/**
 * A rule over the whole stack, for a constraint between resources (a firewall and the subnets it must admit, a
 * hub and the grant its creation needs). Served as a stack validation policy.
 */
export interface StackRule {
  readonly name: string;
  readonly description: string;
  /** One finding per offending resource, each naming the resource. */
  readonly check: (
    resources: readonly ResourceFacts[],
    context: RuleContext,
  ) => readonly { resource: string; detail: string }[];
}

/** `evaluateAll` for stack rules. */
export function evaluateStack(
  rules: readonly StackRule[],
  resources: readonly ResourceFacts[],
  context: RuleContext,
): Violation[] {
  return rules.flatMap((rule) =>
    rule.check(resources, context).map(({ resource, detail }) => ({
      rule: rule.name,
      resource,
      message: `[${rule.name}] ${resource}: ${detail}`,
    })),
  );
}

/** The type tokens rules name in `appliesTo`; owned by the pack's vocabulary, which the program imports too. */
export const TYPES = RESOURCE_TYPES;

export function stackKind(stack: string): StackKind {
  return environmentOfStack(stack) ?? "other";
}

export function contextFor(stack: string): RuleContext {
  return { stack, kind: stackKind(stack) };
}

/** URNs read `urn:pulumi:<stack>::<project>::<type>::<name>`; the engine hands every policy one. */
export function stackFromUrn(urn: string): string {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  if (!match?.[1]) throw new Error(`cannot read the stack name from URN ${JSON.stringify(urn)}`);
  return match[1];
}

/** Reads a dotted path (`networkRuleSet.defaultAction`) out of resolved inputs; undefined when absent. */
export function at(props: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = props;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Renders a value as the program would have written it, so a message shows exactly what was found. */
export function show(value: unknown): string {
  if (value === undefined) return "unset";
  return JSON.stringify(value) ?? String(value);
}

/** The one message shape of the pack: input, expectation, what was found, the fix. */
export function expected(path: string, requirement: string, value: unknown, fix: string): string {
  return `${path} must be ${requirement}, got ${show(value)}. Fix: ${fix}`;
}

/** Runs every rule that applies to the resource's type. */
export function evaluate(rules: readonly Rule[], resource: ResourceFacts, context: RuleContext): Violation[] {
  const found: Violation[] = [];
  for (const rule of rules) {
    if (!rule.appliesTo.includes(resource.type)) continue;
    for (const detail of rule.check(resource, context)) {
      found.push({
        rule: rule.name,
        resource: resource.name,
        message: `[${rule.name}] ${resource.name}: ${detail}`,
      });
    }
  }
  return found;
}

/** `evaluate` over a whole stack. */
export function evaluateAll(
  rules: readonly Rule[],
  resources: readonly ResourceFacts[],
  context: RuleContext,
): Violation[] {
  return resources.flatMap((resource) => evaluate(rules, resource, context));
}
