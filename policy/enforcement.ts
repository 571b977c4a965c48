/**
 * Rule exceptions. Every rule is mandatory; a personal stack (`dev-<name>`) may downgrade a named rule to
 * advisory, and only with a written reason. Exceptions live in `exceptions.json`, reviewed like code; the
 * pack refuses to load when one is malformed, targets a shared stack or names no real rule.
 */
import { contextFor, evaluate, type ResourceFacts, type Rule, show } from "./core";

export interface RuleException {
  /** A personal stack, e.g. `dev-alice`. */
  readonly stack: string;
  /** The rule's name, e.g. `storage-firewall`. */
  readonly rule: string;
  /** Why the rule cannot hold on this stack; printed next to every advisory finding. */
  readonly reason: string;
}

export const MIN_REASON_LENGTH = 20;

export class ExceptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `policy/exceptions.json has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ExceptionsError";
  }
}

/** Validates the exceptions file's content; throws one error listing every problem. */
export function parseExceptions(raw: unknown, ruleNames: readonly string[]): RuleException[] {
  if (!Array.isArray(raw)) {
    throw new ExceptionsError([
      `the file must hold a JSON list of exceptions, got ${show(raw)}. Fix: write []`,
    ]);
  }
  const problems: string[] = [];
  raw.forEach((entry: unknown, i) => {
    const key = `exceptions[${i}]`;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push(`${key} must be an object { stack, rule, reason }, got ${show(entry)}`);
      return;
    }
    const { stack, rule, reason } = entry as Record<string, unknown>;
    if (typeof stack !== "string" || contextFor(stack).kind !== "personal") {
      problems.push(
        `${key}.stack must be a personal stack (dev-<name>), got ${show(stack)}. ` +
          "Fix: shared stacks (dev, prod) take no exceptions; change the program instead",
      );
    }
    if (typeof rule !== "string" || !ruleNames.includes(rule)) {
      problems.push(
        `${key}.rule must name a rule of the pack, got ${show(rule)}. Fix: use one of ${ruleNames.join(", ")}`,
      );
    }
    if (typeof reason !== "string" || reason.trim().length < MIN_REASON_LENGTH) {
      problems.push(
        `${key}.reason must be a written reason of at least ${MIN_REASON_LENGTH} characters, got ${show(reason)}. ` +
          "Fix: say why the rule cannot hold on this stack",
      );
    }
  });
  if (problems.length > 0) throw new ExceptionsError(problems);
  return raw as RuleException[];
}

export function exceptionFor(
  exceptions: readonly RuleException[],
  rule: string,
  stack: string,
): RuleException | undefined {
  return exceptions.find((e) => e.rule === rule && e.stack === stack);
}

export interface Judgement {
  /** Findings that block the deployment. */
  readonly mandatory: readonly string[];
  /** Findings downgraded by an exception, each carrying its reason. */
  readonly advisory: readonly string[];
}

/** What one rule says about one resource on one stack, once exceptions are applied. */
export function judge(
  rule: Rule,
  resource: ResourceFacts,
  stack: string,
  exceptions: readonly RuleException[],
): Judgement {
  const messages = evaluate([rule], resource, contextFor(stack)).map((v) => v.message);
  const exception = exceptionFor(exceptions, rule.name, stack);
  if (!exception) return { mandatory: messages, advisory: [] };
  return {
    mandatory: [],
    advisory: messages.map((m) => `${m} (advisory on ${stack}: ${exception.reason})`),
  };
}
