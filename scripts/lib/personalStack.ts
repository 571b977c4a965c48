/**
 * Personal stacks: `dev-<name>`, one per person, in one of two modes (`personal.mode`): shared, inside the
 * dev stack's workspace, or a full copy with safe defaults for one developer (schedules paused, smallest
 * sizes, one day of retention, nothing protected). Pure: the CLI lives in scripts/stack.ts.
 *
 * Collisions: the stack name carries the person's normalized name, and the naming module derives every Azure
 * name from the stack name (plus a hash of it where Azure wants global uniqueness), so two people's stacks
 * never share a stack or resource name. The same person on two machines gets the same stack, on purpose.
 */

import {
  CONFIG_KEYS,
  type PersonalConfig,
  parseStackConfig,
  type RawStackConfig,
  type StackConfig,
} from "../../config/config";
import { resourceNames } from "../../config/naming";
import { loadStackConfig, PROJECT_ROOT } from "./stackConfig";

/** Longest normalized name that keeps `dev-<name>` a clean stack token (naming.ts uses it verbatim). */
const MAX_PERSON_LENGTH = 16;

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
 * `shared` (what `stack-new` writes unless asked for a copy): the stack reads the dev stack's outputs through a
 * StackReference and creates only its own schemas, hub, notebooks and paused jobs inside dev's workspace.
 * `full`: a whole copy of the platform.
 */
export type PersonalMode = PersonalConfig["mode"];

/** The config key (`<project>:personal`) holding the mode and the dev stack a shared stack reads. */
export const PERSONAL_KEY = "personal";

// A stack of this project (`dev`), or `<org>/<project>/<stack>`.
const DEV_STACK_NAME = /^(?:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/;

/**
 * The dev stack a shared stack reads when DEV_STACK is not given: the project's `dev` in the personal stack's own
 * organization (the program qualifies it with `pulumi.getOrganization()`, config/naming.ts `devStackReference`).
 */
export const DEFAULT_DEV_STACK = "dev";

/** The organization every stack has on a self-managed backend (pulumi/pulumi pkg/backend/diy/state.go). */
export const SELF_MANAGED_ORGANIZATION = "organization";

export type BackendKind = "self-managed" | "pulumi-cloud";

/**
 * The kind of backend `pulumi whoami --json` reports: Pulumi Cloud (or a self-hosted Pulumi service) answers
 * over http(s); a self-managed backend is a bucket or folder URL (file://, azblob://, s3://, gs://).
 */
export function backendKind(url: string): BackendKind {
  return /^https?:\/\//.test(url) ? "pulumi-cloud" : "self-managed";
}

/**
 * The name `pulumi stack init` gets for a personal stack: in the organization of the dev stack it reads, so the
 * program's `pulumi.getOrganization()` (the stack's owner) finds dev there. A dev stack given without an
 * organization is the one in the organization the stack is created in. On a self-managed backend every stack's
 * organization is `organization`; naming another is refused there as the backend would refuse it.
 */
export function personalStackInitName(
  person: string,
  devStack: string | undefined,
  kind: BackendKind,
  project: string,
): string {
  const stack = personalStackName(person);
  const parts = (devStack ?? "").split("/");
  if (devStack === undefined || parts.length === 1) return stack;
  const [organization, devProject] = parts.length === 3 ? parts : [parts[0], project];
  if (devProject !== project) {
    throw new Error(
      `DEV_STACK ${devStack} is a stack of the project ${devProject}; a personal stack of ${project} reads ` +
        `${project}'s dev stack. Fix: DEV_STACK=${organization}/${project}/dev`,
    );
  }
  if (kind === "pulumi-cloud") return `${organization}/${stack}`;
  if (organization !== SELF_MANAGED_ORGANIZATION) {
    throw new Error(
      `DEV_STACK ${devStack} names the organization ${organization}, but this backend is self-managed, where ` +
        `every stack's organization is "${SELF_MANAGED_ORGANIZATION}" (it refuses any other). Fix: leave ` +
        `DEV_STACK out, or DEV_STACK=${SELF_MANAGED_ORGANIZATION}/${project}/dev`,
    );
  }
  return stack;
}

/**
 * On a self-managed backend, refuses a backend that holds prod next to dev: every developer can read dev's state
 * (a shared personal stack reads dev's outputs), and the backend's access is per container, so prod's state would
 * be theirs to read and overwrite (docs/deployment.md, "State and secrets").
 */
export function checkStateSeparation(kind: BackendKind, backendUrl: string, stacks: readonly string[]): void {
  if (kind !== "self-managed" || !stacks.includes("prod")) return;
  throw new Error(
    `the backend ${backendUrl} holds the prod stack: whoever may read dev's state there to build a personal ` +
      "stack could read and overwrite prod's. Nothing was created. Fix: move prod to a state container of its " +
      'own (docs/deployment.md, "State and secrets"), then run this again logged in to dev\'s',
  );
}

/**
 * Refuses a secrets provider that is dev's or prod's (the `secretsprovider` their stack files record): a
 * developer who can use dev's or prod's key can decrypt that stack's secrets.
 */
export function checkSecretsProvider(
  provider: string | undefined,
  sharedProviders: Readonly<Record<string, string>>,
): void {
  if (provider === undefined || provider === "") return;
  for (const [stack, shared] of Object.entries(sharedProviders)) {
    if (shared.replace(/\/+$/, "") === provider.replace(/\/+$/, "")) {
      throw new Error(
        `PULUMI_SECRETS_PROVIDER is ${provider}, the secrets provider of ${stack} (Pulumi.${stack}.yaml): a ` +
          `personal stack keeps its secrets with a key of its own, or whoever can use it decrypts ${stack}'s. ` +
          "Nothing was created. Fix: PULUMI_SECRETS_PROVIDER=azurekeyvault://<vault>.vault.azure.net/keys/<the " +
          "personal stacks' key> (docs/personal-stacks.md)",
      );
    }
  }
}

export interface PersonalStackOptions {
  /** @default "shared" */
  readonly mode?: PersonalMode;
  /** The dev stack a shared stack reads: `dev`, or `<org>/<project>/<stack>`. @default DEFAULT_DEV_STACK */
  readonly devStack?: string;
  /** A full copy's `nameSeed`: the team's, from dev's stack file. */
  readonly nameSeed?: string;
}

/** Checks a `DEV_STACK` given on the command line; returns it. */
export function checkDevStack(devStack: string): string {
  if (!DEV_STACK_NAME.test(devStack)) {
    throw new Error(
      `DEV_STACK must be a stack name of this project (dev) or the fully qualified <org>/<project>/<stack> of the ` +
        `dev stack, got ${JSON.stringify(devStack)}. Fix: leave DEV_STACK out (the project's dev stack in your ` +
        "stack's organization), or DEV_STACK=<org>/h3-ml/dev where dev lives in another organization (Pulumi Cloud)",
    );
  }
  return devStack;
}

/**
 * The stack's config values, keyed without the project namespace, in the order they are written.
 *
 * Shared: the environment, the owner tag and the `personal` block; everything else comes from dev or from the
 * personal environment's defaults. Full: the sizes and the paused schedules are spelled out so the file
 * documents them, although `environment: personal` alone already pauses the job schedules and turns protection
 * off (config.ts and stateful.ts derive both from it). No `databricks.analyticsCluster`: a personal stack runs
 * its jobs on job clusters only.
 */
export function personalStackConfig(
  person: string,
  options: PersonalStackOptions = {},
): Record<string, unknown> {
  const owner = normalizePerson(person);
  const base = { environment: "personal", tags: { owner } };
  if ((options.mode ?? "shared") === "shared") {
    const devStack = checkDevStack(options.devStack ?? DEFAULT_DEV_STACK);
    return { ...base, [PERSONAL_KEY]: { mode: "shared", devStack } };
  }
  return {
    ...base,
    // The team's word in globally unique names, as dev's stack file sets it.
    ...(options.nameSeed === undefined ? {} : { nameSeed: options.nameSeed }),
    // Standard is the smallest tier with Capture; one unit, one partition, one day of retention.
    // Named override: its developer sends from a laptop whose address changes; nothing else is ever sent there.
    eventHubs: {
      sku: "Standard",
      capacity: 1,
      partitionCount: 1,
      messageRetentionDays: 1,
      networkDefaultAction: "Allow",
    },
    storage: { sku: "Standard_LRS", rawRetentionDays: 1 },
    // Single-node job clusters of the program's smallest node type; runs start by hand (databricks jobs run-now).
    databricks: { pauseSchedules: true, nodeType: "Standard_D4ds_v5", maxWorkers: 1, jobWorkers: 0 },
    [PERSONAL_KEY]: { mode: "full" },
  };
}

function yamlScalar(value: unknown): string {
  return typeof value === "string" && !/^[A-Za-z][\w-]*$/.test(value) ? JSON.stringify(value) : String(value);
}

/** The `Pulumi.dev-<name>.yaml` text: a header saying what it is, then `config:` in the project namespace. */
export function renderPersonalStackFile(
  person: string,
  project: string,
  options: PersonalStackOptions = {},
): string {
  const name = normalizePerson(person);
  const stack = personalStackName(person);
  const mode = options.mode ?? "shared";
  const what =
    mode === "shared"
      ? [
          "# Shared mode: reads the dev stack's outputs and creates only this stack's schemas, hub, notebooks and",
          "# paused `[dev <name>]` jobs inside dev's workspace; nothing is billed while it is idle.",
        ]
      : [
          "# Full mode: a whole copy of the platform. Safe defaults for one developer: the personal environment",
          "# pauses schedules and protects nothing; sizes are the smallest, retention one day, single-node job",
          "# clusters and no analytics cluster.",
        ];
  const lines = [
    `# Personal stack ${stack}, created by \`make stack-new NAME=${name}${mode === "full" ? " FULL=1" : ""}\`.`,
    ...what,
    "# Change what you need with `pulumi config set --path`; the file stays out of commits (.gitignore);",
    `# tear it all down with \`make stack-rm NAME=${name}\`.`,
    "config:",
  ];
  for (const [key, value] of Object.entries(personalStackConfig(person, options))) {
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
export function validatePersonalStack(
  person: string,
  options: PersonalStackOptions = {},
  root = PROJECT_ROOT,
): StackConfig {
  const stack = personalStackName(person);
  const generated = personalStackConfig(person, options);
  const read: readonly string[] = [...CONFIG_KEYS, PERSONAL_KEY];
  const unknown = Object.keys(generated).filter((k) => !read.includes(k));
  if (unknown.length > 0) {
    throw new Error(`personal stack config sets keys the program does not read: ${unknown.join(", ")}`);
  }
  const loaded = loadStackConfig(stack, generated, root);
  const config = parseStackConfig(rawConfig(loaded.values, loaded.project), loaded.project, stack);
  if (config.environment !== "personal") {
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
