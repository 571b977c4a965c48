/**
 * The offline plan of a stack: the program evaluated under mocks as a preview of a new stack, written as
 * text for review (plans/<stack>.txt) and as JSON for tools (plans/<stack>.json). Deterministic: resources
 * sorted by URN, keys sorted, secrets as `[secret]`, values known only after deployment as `[computed]`.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { type Evaluation, evaluateProgram, type PropertyBag } from "../../tests/harness/mockProgram";
import { renderPlan } from "./planText";
import { PROJECT_ROOT } from "./stackConfig";

export const SECRET = "[secret]";
export const PLANS_DIR = path.join(PROJECT_ROOT, "plans");
/** The stacks whose plans are committed and checked by the tests. */
export const COMMITTED_STACKS = ["dev", "prod"] as const;

export interface PlanFiles {
  readonly text: string;
  readonly json: string;
}

/** A copy of `value` with every path listed in `secrets` (harness notation `a.b[0].c`) replaced. */
export function redact(value: unknown, secrets: ReadonlySet<string>, at = ""): unknown {
  if (at !== "" && secrets.has(at)) return SECRET;
  if (Array.isArray(value)) return value.map((item, i) => redact(item, secrets, `${at}[${i}]`));
  if (value && typeof value === "object") {
    const entries = Object.entries(value as PropertyBag).sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([k, v]) => [k, redact(v, secrets, at ? `${at}.${k}` : k)]));
  }
  return value;
}

/** A provider reference is `<urn>::<id>`; the id is a deployment detail, the URN says which provider. */
function providerUrn(reference: string | undefined): string | undefined {
  return reference?.split("::").slice(0, -1).join("::") || undefined;
}

export function planJson(evaluation: Evaluation): string {
  const resources = [...evaluation.registrations]
    .sort((a, b) => a.urn.localeCompare(b.urn))
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      protect: r.protect,
      provider: providerUrn(r.provider) ?? null,
      dependsOn: [...r.dependencies].sort(),
      inputs: redact(r.inputs, new Set(r.secretInputs)),
    }));
  const outputs = Object.fromEntries(
    Object.entries(evaluation.outputs)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, output]) => [key, output.secret ? SECRET : redact(output.value, new Set())]),
  );
  return `${JSON.stringify({ stack: evaluation.stack, resources, outputs }, null, 2)}\n`;
}

export async function buildPlan(stack: string): Promise<PlanFiles> {
  const evaluation = await evaluateProgram(stack, { preview: true });
  return { text: renderPlan(evaluation, "full"), json: planJson(evaluation) };
}

export function planPaths(stack: string, dir = PLANS_DIR): { text: string; json: string } {
  return { text: path.join(dir, `${stack}.txt`), json: path.join(dir, `${stack}.json`) };
}

/** The committed files that differ from `plan`, relative to the project root. */
export function stalePlanFiles(stack: string, plan: PlanFiles, dir = PLANS_DIR): string[] {
  const files = planPaths(stack, dir);
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : undefined);
  return [
    ...(read(files.text) === plan.text ? [] : [files.text]),
    ...(read(files.json) === plan.json ? [] : [files.json]),
  ].map((f) => path.relative(PROJECT_ROOT, f));
}

export function regenerateCommand(stack: string): string {
  return `npm run plan -- ${stack}   (or: make plan STACK=${stack})`;
}
