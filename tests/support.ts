import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { skipped } from "../components/workspaceAssetFiles";
import { type Names, type NamingInput, resourceNames } from "../config/naming";
import { RESOURCE_TYPES } from "../policy/vocabulary/resourceTypes";
import { loadStackConfig, PROJECT_ROOT } from "../scripts/lib/stackConfig";
import {
  type EvaluateOptions,
  type Evaluation,
  evaluateProgram,
  type Registration,
} from "./harness/mockProgram";

/** The one registration of `type` named `name`; fails the test when there is none or several. */
export function resource(evaluation: Evaluation, type: string, name: string): Registration {
  const matches = evaluation.registrations.filter((r) => r.type === type && r.name === name);
  expect(
    matches,
    `${type} ${name} among ${evaluation.registrations.map((r) => r.name).join(", ")}`,
  ).to.have.length(1);
  return matches[0] as Registration;
}

/** Every registration of `type`, in a stable order. */
export function ofType(evaluation: Evaluation, type: string): Registration[] {
  return evaluation.registrations.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
}

const evaluations = new Map<string, Promise<Evaluation<Record<string, unknown>>>>();

/**
 * The program evaluated for `stack` with `options`, once per test process: tests that only read an evaluation
 * share it instead of paying for the same one in every file. Options must be plain data (no mocks as functions).
 */
export function evaluated(
  stack: string,
  options: Pick<EvaluateOptions, "config" | "preview" | "stackOutputs" | "backend"> = {},
): Promise<Evaluation<Record<string, unknown>>> {
  const key = JSON.stringify([stack, options]);
  let found = evaluations.get(key);
  if (found === undefined) {
    found = evaluateProgram(stack, options);
    evaluations.set(key, found);
  }
  return found;
}

/**
 * What prod's `databricks` section must set beyond its recipients (its access model, docs/security.md): a config
 * under test about something else gets it.
 */
export const PROD_ACCESS = {
  runAs: {
    ingest: "00000000-0000-4000-8000-0000000000a1",
    normalize: "00000000-0000-4000-8000-0000000000a2",
    delete: "00000000-0000-4000-8000-0000000000a3",
  },
  accountId: "00000000-0000-4000-8000-0000000000ac",
  deployerApplicationId: "00000000-0000-4000-8000-0000000000d2",
  adminGroup: "h3-ml-admins",
  ipAccessList: ["203.0.113.0/24"],
} as const;

/** `section` with every key of `musts` it does not set itself. */
export function withDefaults(section: Record<string, unknown>, musts: Record<string, unknown>) {
  return { ...Object.fromEntries(Object.entries(musts).filter(([key]) => !(key in section))), ...section };
}

/**
 * Config that makes a personal stack a full copy of the platform instead of sharing dev's, with its namespace open
 * to its developer's sends as `make stack-new FULL=1` writes it (the named override).
 */
export const FULL_COPY = {
  personal: { mode: "full" },
  eventHubs: { networkDefaultAction: "Allow" },
  nameSeed: "h3-health",
} as const;

/** The word Pulumi.dev.yaml and Pulumi.prod.yaml give `nameSeed`, which `make stack-new FULL=1` copies. */
const TEAM_SEED = "h3-health";

/** The names the program gives `stack` on a self-managed backend (the harness's default) with the team's seed. */
export function namesOf(stack: string, namePrefix = "h3ml"): Names {
  return resourceNames({
    project: "h3-ml",
    stack,
    namePrefix,
    organization: "organization",
    nameSeed: TEAM_SEED,
  });
}

/** The same input, for the stack's custom role ids. */
export function namingOf(stack: string): NamingInput {
  return { project: "h3-ml", stack, namePrefix: "h3ml", organization: "organization", nameSeed: TEAM_SEED };
}

/** Config of a personal stack that builds on the dev stack's platform (what `make stack-new` writes). */
export const SHARED_MODE = { personal: { mode: "shared" } } as const;

/** Resource type tokens, plus the component types the tests look for. */
export const TYPES = {
  ...RESOURCE_TYPES,
  dataLake: "h3:storage:DataLake",
  eventIngestion: "h3:eventhub:EventIngestion",
} as const;

/**
 * `<type> notebooks-<file>` of the asset each file under notebooks/ should become, from a walk of the folder
 * that shares only the skip rule with the component (caches, dotfiles, compiled Python are not code).
 */
export function expectedNotebookAssets(): string[] {
  const root = path.join(PROJECT_ROOT, "notebooks");
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep))
    .filter((parts) => !parts.some(skipped))
    .map((parts) => {
      const file = parts.join("/");
      const notebook = readFileSync(path.join(root, file), "utf8").startsWith("# Databricks notebook source");
      return `databricks:index/${notebook ? "notebook:Notebook" : "workspaceFile:WorkspaceFile"} notebooks-${file}`;
    })
    .sort();
}

/**
 * A config override for `section` that keeps what the stack's files set there and changes `changes`: a stack value
 * replaces a whole section, and shared stacks must keep what they are required to set (deployers, recipients).
 */
export function sectionWith(
  stack: string,
  section: string,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const current = loadStackConfig(stack).values[`h3-ml:${section}`];
  return { [section]: { ...(current && typeof current === "object" ? current : {}), ...changes } };
}
