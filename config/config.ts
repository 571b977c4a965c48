/**
 * The stack config as one typed, frozen object, validated in full before any resource is registered.
 *
 * `parseStackConfig` is pure (plain values in, config or `ConfigError` out) so every rule is testable without
 * Pulumi; `readStackConfig` feeds it from the running stack. Fields are declared once in `schema.ts` (type,
 * range, default per environment, description); each section's parser here reads them by name and adds the
 * rules that tie fields together, writing into one shared problem list.
 */
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT_GROUP, environmentOfStack, GUID, type StackEnvironment } from "../policy/vocabulary/stacks";
import { LOCAL_AUTH_REASON_TAG } from "../policy/vocabulary/tags";
import { type DatabricksConfig, parseDatabricks } from "./databricks";
import { ConfigError, FieldReader, Problems, show } from "./fields";
import {
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  type ConfigKey,
  DEVELOPERS_FIELDS,
  EVENT_HUBS_FIELDS,
  PERSONAL_FIELDS,
  STORAGE_FIELDS,
} from "./schema";

export { ConfigError } from "./fields";
export { CONFIG_KEYS, type ConfigKey } from "./schema";

export type Environment = StackEnvironment;
export type EventHubsSku = "Standard" | "Premium";
export type StorageSku =
  | "Standard_LRS"
  | "Standard_ZRS"
  | "Standard_GRS"
  | "Standard_RAGRS"
  | "Standard_GZRS"
  | "Standard_RAGZRS";
export type NetworkDefaultAction = "Allow" | "Deny";

export interface EventHubsConfig {
  readonly sku: EventHubsSku;
  /** Throughput units (Standard) or processing units (Premium). */
  readonly capacity: number;
  readonly partitionCount: number;
  readonly messageRetentionDays: number;
  readonly hubs: readonly string[];
  readonly captureIntervalSeconds: number;
  readonly captureSizeLimitBytes: number;
  /** Object ids of the backend identities allowed to send, each granted "Azure Event Hubs Data Sender". */
  readonly senderPrincipalIds: readonly string[];
  /** Named override: adds a send-only SAS rule per hub for senders that cannot use Entra ID. */
  readonly allowSasSender: boolean;
  /**
   * Object ids of the service principals that run `pulumi up` (CI). Empty on a personal stack that leaves it to
   * the caller; never empty on a shared stack.
   */
  readonly deployerPrincipalIds: readonly string[];
}

export interface StorageConfig {
  readonly sku: StorageSku;
  /** Days after which raw Capture blobs are deleted; at most `deletionSlaDays`. */
  readonly rawRetentionDays: number;
  readonly networkDefaultAction: NetworkDefaultAction;
  /** Public IPv4 addresses or CIDR ranges let through the storage firewall. */
  readonly allowedIpRanges: readonly string[];
}

export type PersonalMode = "shared" | "full";

/** How a personal stack is built; see `PERSONAL_FIELDS` in schema.ts. */
export interface PersonalConfig {
  readonly mode: PersonalMode;
  /** Fully qualified name of the dev stack a shared personal stack reads. */
  readonly devStack: string;
}

/** The developers a dev stack lets build shared personal stacks on it; see `DEVELOPERS_FIELDS`. */
export interface DevelopersConfig {
  readonly entraGroupObjectId: string;
  readonly accountGroup: string;
}

export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  readonly location: string;
  readonly environment: Environment;
  readonly namePrefix: string;
  /** User tags merged with the tags every resource carries (project, environment, stack). */
  readonly tags: Readonly<Record<string, string>>;
  readonly deletionSlaDays: number;
  /** An existing resource group to deploy into instead of creating one. */
  readonly resourceGroupName: string | undefined;
  readonly eventHubs: EventHubsConfig;
  readonly storage: StorageConfig;
  readonly databricks: DatabricksConfig;
  /** Set on a dev stack that lets personal stacks share it. */
  readonly developers: DevelopersConfig | undefined;
  /** Set on personal stacks only. */
  readonly personal: PersonalConfig | undefined;
}

/** Config values by key, already decoded from JSON where the key holds an object or list. */
export type RawStackConfig = Partial<Record<ConfigKey, unknown>> & Record<string, unknown>;

const ENVIRONMENTS: readonly Environment[] = ["dev", "prod", "personal"];
// Event hub names: letters, digits, '.', '-', '_'; start and end alphanumeric (Azure rule, 1-256 chars).
const HUB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/;
// Storage firewall IP rules take public IPv4 addresses or ranges; /31 and /32 are rejected by Azure.
const IPV4_RANGE =
  /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/(?:[0-9]|[12]\d|30))?$/;

function parseEnvironment(raw: unknown, stack: string, problems: Problems): Environment {
  const derived = environmentOfStack(stack);
  if (raw === undefined || raw === null || raw === "") {
    if (derived) return derived;
    problems.add(
      `environment is not set and cannot be derived from stack name ${show(stack)} ` +
        `(only "dev", "prod" and "dev-<name>" are recognised). ` +
        "Fix: pulumi config set environment dev|prod|personal",
    );
    return "personal";
  }
  if (typeof raw === "string" && (ENVIRONMENTS as readonly string[]).includes(raw)) {
    return raw as Environment;
  }
  problems.add(
    `environment must be one of ${ENVIRONMENTS.join(", ")}, got ${show(raw)}. ` +
      `Fix: pulumi config set environment ${derived ?? "dev"}`,
  );
  return derived ?? "personal";
}

function parseEventHubs(raw: unknown, environment: Environment, problems: Problems): EventHubsConfig {
  const f = new FieldReader(problems, raw, "eventHubs", { fields: EVENT_HUBS_FIELDS, environment });
  f.rejectUnknown();
  const sku = f.oneOf<EventHubsSku>(
    "sku",
    f.fallback("sku"),
    ["Standard", "Premium"],
    f.raw("sku") === "Basic" ? "Capture needs Standard or above" : undefined,
  );
  // The declared range is Standard's; Premium sells processing units in powers of two only.
  const capacity =
    sku === "Premium"
      ? f.int("capacity", undefined, {
          min: 1,
          max: 16,
          allowed: "1, 2, 4, 8 or 16 processing units for Premium",
        })
      : f.int("capacity", undefined, {
          min: 1,
          max: 40,
          allowed: "an integer in 1..40 throughput units for Standard",
        });
  if (sku === "Premium" && ![1, 2, 4, 8, 16].includes(capacity)) {
    f.fail("capacity", f.raw("capacity"), "1, 2, 4, 8 or 16 processing units for Premium", "1");
  }
  const maxRetention = sku === "Premium" ? 90 : 7;
  const captureSize = EVENT_HUBS_FIELDS.captureSizeLimitBytes.range;
  return {
    sku,
    capacity,
    partitionCount: f.int("partitionCount"),
    messageRetentionDays: f.int("messageRetentionDays", undefined, {
      min: 1,
      max: maxRetention,
      allowed: `an integer in 1..${maxRetention} for ${sku}`,
    }),
    hubs: parseHubs(f),
    captureIntervalSeconds: f.int("captureIntervalSeconds"),
    captureSizeLimitBytes: f.int("captureSizeLimitBytes", undefined, {
      ...captureSize,
      allowed: `an integer in ${captureSize.min}..${captureSize.max} (10 MiB..500 MiB)`,
    }),
    senderPrincipalIds: f.stringList(
      "senderPrincipalIds",
      f.fallback("senderPrincipalIds"),
      GUID,
      "an Entra object id (GUID)",
      "00000000-0000-0000-0000-000000000000",
    ),
    allowSasSender: f.bool("allowSasSender"),
    // A section that is not an object already has its problem; its deployers are not asked for on top.
    deployerPrincipalIds: parseDeployers(
      f,
      raw === undefined || raw === null || (typeof raw === "object" && !Array.isArray(raw))
        ? environment
        : "personal",
    ),
  };
}

function parseHubs(f: FieldReader): readonly string[] {
  const hubs = f.stringList(
    "hubs",
    f.fallback("hubs"),
    HUB_NAME,
    "an event hub name of 1-256 letters, digits, '.', '-', '_', starting and ending with a letter or digit",
    "events",
  );
  const raw = f.raw("hubs");
  if (Array.isArray(raw) && raw.length === 0) {
    f.fail(
      "hubs",
      raw,
      "a list of at least one event hub name",
      "events",
      "a stack without a hub ingests nothing",
      "hubs[0]",
    );
  }
  // Azure compares entity names without case: "Events" and "events" are one hub. Exact repeats are
  // reported by stringList already.
  const seen = new Map<string, string>();
  (Array.isArray(raw) ? raw : []).forEach((item: unknown, index) => {
    if (typeof item !== "string" || !HUB_NAME.test(item)) return;
    const first = seen.get(item.toLowerCase());
    if (first === undefined) seen.set(item.toLowerCase(), item);
    else if (first !== item)
      f.fail(
        `hubs[${index}]`,
        item,
        "unique in the list, ignoring case",
        "<another name>",
        `Azure takes it for ${show(first)}`,
      );
  });
  return hubs;
}

function parseStorage(
  raw: unknown,
  environment: Environment,
  deletionSlaDays: number,
  problems: Problems,
): StorageConfig {
  const f = new FieldReader(problems, raw, "storage", { fields: STORAGE_FIELDS, environment });
  f.rejectUnknown();
  const networkDefaultAction = f.oneOf<NetworkDefaultAction>(
    "networkDefaultAction",
    f.fallback("networkDefaultAction"),
    ["Allow", "Deny"],
  );
  if (environment === "prod" && networkDefaultAction === "Allow") {
    f.fail(
      "networkDefaultAction",
      "Allow",
      '"Deny" in prod',
      "Deny",
      "prod storage stays behind its firewall",
    );
  }
  return {
    sku: f.oneOf<StorageSku>("sku", f.fallback("sku"), [
      "Standard_LRS",
      "Standard_ZRS",
      "Standard_GRS",
      "Standard_RAGRS",
      "Standard_GZRS",
      "Standard_RAGZRS",
    ]),
    rawRetentionDays: f.int(
      "rawRetentionDays",
      environment === "personal" ? 1 : Math.min(7, deletionSlaDays),
      {
        min: 1,
        max: deletionSlaDays,
        allowed: `an integer in 1..${deletionSlaDays} (at most deletionSlaDays, so raw events age out in time)`,
      },
    ),
    networkDefaultAction,
    allowedIpRanges: f.stringList(
      "allowedIpRanges",
      f.fallback("allowedIpRanges"),
      IPV4_RANGE,
      "a public IPv4 address or CIDR range up to /30",
      "203.0.113.0/24",
    ),
  };
}

// Organization, project and stack: Pulumi's fully qualified stack name (letters, digits, `-`, `_`, `.`).
const QUALIFIED_STACK = /^[\w.-]+\/[\w.-]+\/[\w.-]+$/;

function parsePersonal(
  raw: unknown,
  environment: Environment,
  problems: Problems,
): PersonalConfig | undefined {
  const f = new FieldReader(problems, raw, "personal", { fields: PERSONAL_FIELDS, environment });
  f.rejectUnknown();
  const mode = f.oneOf<PersonalMode>("mode", f.fallback("mode"), ["shared", "full"]);
  const devStack = f.string(
    "devStack",
    f.fallback("devStack"),
    QUALIFIED_STACK,
    "a fully qualified stack name <organization>/<project>/<stack>",
    "organization/h3-ml/dev",
  );
  if (environment !== "personal") {
    if (f.has("mode") || f.has("devStack")) {
      problems.add(
        `personal is read on personal stacks only, got ${show(raw)} on a ${environment} stack. ` +
          "Fix: pulumi config rm personal",
      );
    }
    return undefined;
  }
  return { mode, devStack };
}

function parseDevelopers(
  raw: unknown,
  environment: Environment,
  problems: Problems,
): DevelopersConfig | undefined {
  const f = new FieldReader(problems, raw, "developers", { fields: DEVELOPERS_FIELDS, environment });
  f.rejectUnknown();
  if (!f.has("entraGroupObjectId") && !f.has("accountGroup")) return undefined;
  if (environment !== "dev") {
    problems.add(
      `developers is read on the dev stack only (personal stacks share dev), got ${show(raw)} on a ${environment} stack. ` +
        "Fix: pulumi config rm developers",
    );
    return undefined;
  }
  const required = (field: string, pattern: RegExp, allowed: string, example: string) => {
    if (!f.has(field)) f.fail(field, undefined, allowed, example, "personal stacks need both grants");
    return f.string(field, "", pattern, allowed, example);
  };
  return {
    entraGroupObjectId: required(
      "entraGroupObjectId",
      GUID,
      "an Entra group object id (GUID)",
      "00000000-0000-0000-0000-000000000000",
    ),
    accountGroup: required("accountGroup", ACCOUNT_GROUP, "a Databricks account group name", "h3-developers"),
  };
}

// A shared stack deploys the same whoever runs it: the identities granted what deploying takes are named, never
// read from the caller.
function parseDeployers(f: FieldReader, environment: Environment): readonly string[] {
  const ids = f.stringList(
    "deployerPrincipalIds",
    [],
    GUID,
    "an Entra object id (GUID) of a service principal that runs pulumi up",
    "00000000-0000-0000-0000-000000000000",
  );
  if (environment !== "personal" && f.namesNothing("deployerPrincipalIds")) {
    f.fail(
      "deployerPrincipalIds",
      f.raw("deployerPrincipalIds"),
      `at least one object id on the shared ${environment} stack`,
      "<object id of the CI service principal>",
      "creating an event hub with Capture checks that the caller may write to the capture storage account",
      "deployerPrincipalIds[0]",
    );
  }
  return ids;
}

// The local-auth marker stands for eventHubs.allowSasSender; as a user tag it would let SAS through the pack
// without the override.
function parseTags(top: FieldReader, problems: Problems): Readonly<Record<string, string>> {
  const tags = top.stringMap("tags", /^[^<>%&\\?/]{1,512}$/, 256);
  if (LOCAL_AUTH_REASON_TAG in tags) {
    problems.add(
      `tags.${LOCAL_AUTH_REASON_TAG} is reserved: the program sets it on the Event Hubs namespace when ` +
        `eventHubs.allowSasSender is true (set that if a sender needs SAS), got ${show(tags[LOCAL_AUTH_REASON_TAG])}. ` +
        `Fix: pulumi config rm --path 'tags.${LOCAL_AUTH_REASON_TAG}'`,
    );
    const { [LOCAL_AUTH_REASON_TAG]: _reserved, ...rest } = tags;
    return rest;
  }
  return tags;
}

/**
 * Validates a stack's raw config and returns it typed and frozen, or throws one `ConfigError` listing every
 * problem. Pure: no Pulumi runtime needed.
 */
export function parseStackConfig(raw: RawStackConfig, project: string, stack: string): StackConfig {
  const problems = new Problems();
  const environment = parseEnvironment(raw.environment, stack, problems);
  const top = new FieldReader(problems, raw, undefined, { fields: CONFIG_SCHEMA, environment });
  const deletionSlaDays = top.int("deletionSlaDays");
  const config: StackConfig = {
    project,
    stack,
    location: top.string(
      "location",
      top.fallback("location"),
      /^[a-z][a-z0-9]{2,30}$/,
      "an Azure region name such as westeurope",
    ),
    environment,
    namePrefix: top.string(
      "namePrefix",
      top.fallback("namePrefix"),
      /^[a-z][a-z0-9]{1,7}$/,
      "2-8 lowercase letters or digits starting with a letter (it goes into storage account names)",
    ),
    tags: parseTags(top, problems),
    deletionSlaDays,
    resourceGroupName: top.optionalString(
      "resourceGroupName",
      /^[-\w.()]{0,89}[-\w()]$/,
      "an existing resource group name (1-90 letters, digits, '-', '_', '.', '(', ')'; not ending in '.')",
      "my-existing-rg",
    ),
    eventHubs: parseEventHubs(raw.eventHubs, environment, problems),
    storage: parseStorage(raw.storage, environment, deletionSlaDays, problems),
    databricks: parseDatabricks(raw.databricks, environment, problems),
    developers: parseDevelopers(raw.developers, environment, problems),
    personal: parsePersonal(raw.personal, environment, problems),
  };
  if (problems.list.length > 0) throw new ConfigError(stack, problems.list);
  return deepFreeze(config);
}

/** Reads every key of the running stack (`h3-ml:<key>`) and validates it; see `parseStackConfig`. */
export function readStackConfig(): StackConfig {
  const config = new pulumi.Config();
  const raw: RawStackConfig = {};
  const problems: string[] = [];
  for (const key of CONFIG_KEYS) {
    const text = config.get(key);
    if (text === undefined) continue;
    // Objects and lists arrive as JSON text; plain strings stay as they are.
    raw[key] = decode(text, key, problems);
  }
  if (problems.length > 0) throw new ConfigError(pulumi.getStack(), problems);
  return parseStackConfig(raw, pulumi.getProject(), pulumi.getStack());
}

function decode(text: string, key: string, problems: string[]): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    problems.push(
      `${key} must be valid JSON, got ${show(text)}. Fix: pulumi config set --path '${key}.<field>' <value>`,
    );
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** Tags every resource carries, so cost and ownership can be traced back to a stack. */
export function standardTags(config: StackConfig): Record<string, string> {
  return {
    ...config.tags,
    project: config.project,
    environment: config.environment,
    stack: config.stack,
    managedBy: "pulumi",
  };
}
