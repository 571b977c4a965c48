/**
 * Which kind of stack a stack name is, and the identifier shapes config and guardrails both check. Imports
 * nothing, so the policy pack can load it.
 */

/** `dev-<name>`: one person's stack. */
const PERSONAL_STACK = /^dev-.+/;

/** An Entra object id, application id or Unity Catalog metastore id. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Databricks account group name as the account console shows it. */
export const ACCOUNT_GROUP = /^[^\s`][^`]{0,254}$/;

/** The environments a stack can be: the shared dev and prod stacks, and one person's. */
export const STACK_ENVIRONMENTS = ["dev", "prod", "personal"] as const;
export type StackEnvironment = (typeof STACK_ENVIRONMENTS)[number];

/** The environment a stack name stands for; undefined for a name outside the convention. */
export function environmentOfStack(stack: string): StackEnvironment | undefined {
  if (stack === "prod") return "prod";
  if (stack === "dev") return "dev";
  return PERSONAL_STACK.test(stack) ? "personal" : undefined;
}
