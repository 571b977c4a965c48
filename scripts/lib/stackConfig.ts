/**
 * Loads a stack's config the way the Pulumi CLI does, without the CLI: the project's `config:` block in
 * Pulumi.yaml supplies defaults, `Pulumi.<stack>.yaml` overrides them key by key (a stack value replaces
 * the whole key, objects included). A stack without a file (a fresh personal stack) gets the defaults only.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface LoadedStackConfig {
  readonly project: string;
  readonly stack: string;
  /** Values by namespaced key (`h3-ml:eventHubs`), decoded from YAML. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** Values that replace or, when `undefined`, remove keys; bare keys are put in the project namespace. */
export type ConfigOverrides = Readonly<Record<string, unknown>>;

interface ProjectFile {
  name: string;
  config?: Record<string, unknown>;
}

function readYaml(file: string): Record<string, unknown> {
  const parsed: unknown = parse(readFileSync(file, "utf8"));
  if (!parsed || typeof parsed !== "object") throw new Error(`${file} is not a YAML mapping`);
  return parsed as Record<string, unknown>;
}

function namespaced(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** A project config entry is a plain value, `{ value }`, or a typed declaration with an optional `default`. */
function projectDefault(entry: unknown): { present: boolean; value?: unknown } {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry))
    return { present: true, value: entry };
  const declaration = entry as Record<string, unknown>;
  if ("value" in declaration) return { present: true, value: declaration.value };
  if ("type" in declaration) {
    return "default" in declaration ? { present: true, value: declaration.default } : { present: false };
  }
  return { present: true, value: entry };
}

export function loadStackConfig(
  stack: string,
  overrides: ConfigOverrides = {},
  root = PROJECT_ROOT,
): LoadedStackConfig {
  const project = readYaml(path.join(root, "Pulumi.yaml")) as unknown as ProjectFile;
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(project.config ?? {})) {
    const fallback = projectDefault(entry);
    if (fallback.present) values[namespaced(project.name, key)] = fallback.value;
  }
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (existsSync(stackFile)) {
    const stackConfig = (readYaml(stackFile).config ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(stackConfig)) values[namespaced(project.name, key)] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    const full = namespaced(project.name, key);
    if (value === undefined) delete values[full];
    else values[full] = value;
  }
  return { project: project.name, stack, values };
}

/** Config as the Pulumi engine hands it to a program: strings stay strings, everything else is JSON. */
export function toRuntimeConfig(values: Readonly<Record<string, unknown>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    result[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return result;
}
