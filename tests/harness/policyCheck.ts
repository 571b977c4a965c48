/**
 * The pack applied to a whole stack as the project's mock harness records it, for the tests that run the
 * program (and fuzzed configs) under mocks. `pulumi preview --policy-pack` does the same through index.ts.
 */
import {
  contextFor,
  evaluateAll,
  evaluateStack,
  type ResourceFacts,
  type Violation,
} from "../../policy/core";
import { RULES, STACK_RULES } from "../../policy/rules";

/** The part of a harness registration the rules read. */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly protect: boolean;
  readonly urn?: string;
  readonly dependencies?: readonly string[];
}

/** Harness registrations as the rules see resources. */
export function factsOf(registrations: readonly RegisteredResource[]): ResourceFacts[] {
  return registrations.map((r) => ({
    type: r.type,
    name: r.name,
    props: r.inputs,
    protect: r.protect,
    urn: r.urn,
    dependencies: r.dependencies,
  }));
}

export function checkRegistrations(stack: string, registrations: readonly RegisteredResource[]): Violation[] {
  const resources = factsOf(registrations);
  const context = contextFor(stack);
  return [...evaluateAll(RULES, resources, context), ...evaluateStack(STACK_RULES, resources, context)];
}

/** How many of `registrations` at least one rule looks at. */
export function checkedCount(registrations: readonly RegisteredResource[]): number {
  return registrations.filter((r) => RULES.some((rule) => rule.appliesTo.includes(r.type))).length;
}
