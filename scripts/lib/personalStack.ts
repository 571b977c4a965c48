/**
 * Personal stacks: `dev-<name>`, one per person, with a config of safe defaults for one developer (schedules
 * paused, smallest sizes, one day of retention, nothing protected). Pure: the CLI lives in scripts/stack.ts.
 *
 * Collisions: the stack name carries the person's normalized name, and the naming module derives every Azure
 * name from the stack name (plus a hash of it where Azure wants global uniqueness), so two people's stacks
 * never share a stack or resource name. The same person on two machines gets the same stack, on purpose.
 */

import { CONFIG_KEYS, parseStackConfig, type RawStackConfig, type StackConfig } from "../../config/config";
import { resourceNames } from "../../config/naming";
import { protectsStatefulResources } from "../../lib/stateful";
import { loadStackConfig, PROJECT_ROOT } from "./stackConfig";

/** Longest normalized name that keeps `dev-<name>` a clean stack token (naming.ts uses it verbatim). */
export const MAX_PERSON_LENGTH = 16;

/** `Ada Lovelace`, `ada.lovelace@example.com` and `ADA_LOVELACE` all become `ada-lovelace`. */
export function normalizePerson(raw: string): string {
  const local = raw.trim().split("@")[0] ?? "";
  const name = local
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
  if (name === "") {
    throw new Error(
      `name ${JSON.stringify(raw)} has no letters to build a stack name from. ` +
        "Fix: pass your name, e.g. `npm run stack:new -- ada` (or make stack-new NAME=ada)",
    );
  }
  if (name.length > MAX_PERSON_LENGTH) {
    throw new Error(
      `name ${JSON.stringify(raw)} normalizes to ${JSON.stringify(name)} (${name.length} characters); ` +
        `at most ${MAX_PERSON_LENGTH} keep Azure names readable. Fix: pass a shorter name, e.g. ${JSON.stringify(name.slice(0, 8).replace(/-+$/, ""))}`,
    );
  }
  return name;
}

export function personalStackName(person: string): string {
  return `dev-${normalizePerson(person)}`;
}

/**
 * The stack's config values, keyed without the project namespace, in the order they are written. The sizes
 * and the paused schedules are spelled out so the file documents them, although `environment: personal`
 * alone already pauses the job schedules and turns protection off (config.ts and stateful.ts derive both
 * from it). No `databricks.analyticsCluster`: a personal stack runs its jobs on job clusters only.
 */
export function personalStackConfig(person: string): Record<string, unknown> {
  const owner = normalizePerson(person);
  return {
    environment: "personal",
    tags: { owner },
    // Standard is the smallest tier with Capture; one unit, one partition, one day of retention.
    eventHubs: { sku: "Standard", capacity: 1, partitionCount: 1, messageRetentionDays: 1 },
    storage: { sku: "Standard_LRS", rawRetentionDays: 1 },
    // Single-node job clusters of the program's smallest node type; runs start by hand (databricks jobs run-now).
    databricks: { pauseSchedules: true, nodeType: "Standard_D4ds_v5", maxWorkers: 1, jobWorkers: 0 },
  };
}

function yamlScalar(value: unknown): string {
  return typeof value === "string" && !/^[A-Za-z][\w-]*$/.test(value) ? JSON.stringify(value) : String(value);
}

/** The `Pulumi.dev-<name>.yaml` text: a header saying what it is, then `config:` in the project namespace. */
export function renderPersonalStackFile(person: string, project: string): string {
  const stack = personalStackName(person);
  const lines = [
    `# Personal stack ${stack}, created by \`npm run stack:new -- ${normalizePerson(person)}\`.`,
    "# Safe defaults for one developer: the personal environment pauses schedules and protects nothing;",
    "# sizes are the smallest, retention one day, single-node job clusters and no analytics cluster.",
    "# Change what you need with `pulumi config set --path`; the file stays out of commits (.gitignore);",
    "# tear it all down with",
    `# \`npm run stack:rm -- ${normalizePerson(person)}\`.`,
    "config:",
  ];
  for (const [key, value] of Object.entries(personalStackConfig(person))) {
    if (value && typeof value === "object") {
      lines.push(`  ${project}:${key}:`);
      for (const [field, v] of Object.entries(value)) lines.push(`    ${field}: ${yamlScalar(v)}`);
    } else {
      lines.push(`  ${project}:${key}: ${yamlScalar(value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Config values of a stack as the program reads them (Pulumi.yaml defaults, then the stack's values). */
export function rawConfig(values: Readonly<Record<string, unknown>>, project: string): RawStackConfig {
  const raw: RawStackConfig = {};
  for (const key of CONFIG_KEYS) {
    const value = values[`${project}:${key}`];
    if (value !== undefined) raw[key] = value;
  }
  return raw;
}

/**
 * Validates the generated config with the program's own validator, as the stack would see it, and checks the
 * promises a personal stack makes. Throws the validator's `ConfigError` or an error naming the broken promise.
 */
export function validatePersonalStack(person: string, root = PROJECT_ROOT): StackConfig {
  const stack = personalStackName(person);
  const generated = personalStackConfig(person);
  const unknown = Object.keys(generated).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`personal stack config sets keys the program does not read: ${unknown.join(", ")}`);
  }
  const loaded = loadStackConfig(stack, generated, root);
  const config = parseStackConfig(rawConfig(loaded.values, loaded.project), loaded.project, stack);
  if (config.environment !== "personal" || protectsStatefulResources(config.environment)) {
    throw new Error(`${stack} must be a personal, unprotected environment, got ${config.environment}`);
  }
  const { pauseSchedules, analyticsCluster, jobWorkers } = config.databricks;
  if (!pauseSchedules || analyticsCluster !== undefined || jobWorkers !== 0) {
    throw new Error(
      `${stack} must pause its schedules and run single-node job clusters only, got ` +
        JSON.stringify({ pauseSchedules, analyticsCluster, jobWorkers }),
    );
  }
  resourceNames(config);
  return config;
}
