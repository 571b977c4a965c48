/**
 * The stack config as one typed, frozen object, validated in full before any resource is registered.
 *
 * `parseStackConfig` is pure (plain values in, config or `ConfigError` out) so every rule is testable without
 * Pulumi; `readStackConfig` feeds it from the running stack. Every field is declared once in `schema.ts` and read
 * from its declaration by `ConfigReader`; this file adds only the rules that tie fields together.
 */
import * as pulumi from "@pulumi/pulumi";
import { environmentOfStack, STACK_ENVIRONMENTS } from "../policy/vocabulary/stacks";
import { LOCAL_AUTH_REASON_TAG } from "../policy/vocabulary/tags";
import { databricksRules } from "./databricks";
import { ConfigError, ConfigReader, type Environment, Problems, rmCommand, show } from "./fields";
import {
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  type ConfigKey,
  type ConfigValues,
  EVENT_HUBS_LIMITS,
  orList,
} from "./schema";

export { ConfigError, type Environment } from "./fields";
export { CONFIG_KEYS } from "./schema";

/** The stack config as `schema.ts` declares it, with the project and stack it belongs to. */
export type StackConfig = { readonly project: string; readonly stack: string } & ConfigValues;
/** How a personal stack is built; set on personal stacks only. */
export type PersonalConfig = NonNullable<StackConfig["personal"]>;

/** Config values by key, already decoded from JSON where the key holds an object or list. */
export type RawStackConfig = Partial<Record<ConfigKey, unknown>> & Record<string, unknown>;

/** The stack's environment; undefined when neither the config nor the stack name says it. */
function parseEnvironment(raw: unknown, stack: string, problems: Problems): Environment | undefined {
  const derived = environmentOfStack(stack);
  if (raw === undefined || raw === null || raw === "") {
    if (derived) return derived;
    problems.add(
      `environment is not set and cannot be derived from stack name ${show(stack)} ` +
        `(only "dev", "prod" and "dev-<name>" are recognised). ` +
        `Fix: pulumi config set environment ${STACK_ENVIRONMENTS.join("|")}`,
    );
    return undefined;
  }
  if (typeof raw === "string" && (STACK_ENVIRONMENTS as readonly string[]).includes(raw)) {
    return raw as Environment;
  }
  problems.add(
    `environment must be one of ${STACK_ENVIRONMENTS.join(", ")}, got ${show(raw)}. ` +
      `Fix: pulumi config set environment ${derived ?? "dev"}`,
  );
  return derived ?? "personal";
}

/** The limits of the chosen Event Hubs tier, and the deployers a shared stack names. */
function eventHubsRules(config: ConfigValues, reader: ConfigReader): void {
  const { sku, capacity, messageRetentionDays } = config.eventHubs;
  const units: readonly number[] = EVENT_HUBS_LIMITS.premiumProcessingUnits;
  if (sku === "Premium" && !units.includes(capacity)) {
    reader.fail(
      "eventHubs.capacity",
      reader.given("eventHubs.capacity"),
      `${orList(units)} processing units for Premium`,
      String(units[0]),
    );
  }
  const tierRetention = EVENT_HUBS_LIMITS.retentionDays[sku];
  if (messageRetentionDays > tierRetention) {
    reader.fail(
      "eventHubs.messageRetentionDays",
      reader.given("eventHubs.messageRetentionDays"),
      `an integer in 1..${tierRetention} for ${sku}`,
      "1",
    );
  }
  // A shared stack deploys the same whoever runs it: the identities granted what deploying takes are named, never
  // read from the caller. A section that is not an object already has its problem; its deployers are not asked for.
  const section = reader.given("eventHubs");
  const malformed =
    section !== undefined && section !== null && (typeof section !== "object" || Array.isArray(section));
  if (
    config.environment !== "personal" &&
    !malformed &&
    reader.namesNothing("eventHubs.deployerPrincipalIds")
  ) {
    reader.fail(
      "eventHubs.deployerPrincipalIds",
      reader.given("eventHubs.deployerPrincipalIds"),
      `at least one object id on the shared ${config.environment} stack`,
      "<object id of the CI service principal>",
      "creating an event hub with Capture checks that the caller may write to the capture storage account",
      "eventHubs.deployerPrincipalIds[0]",
    );
  }
}

/**
 * A namespace firewall that denies must name who it admits: Azure reads a Deny rule set without IP or virtual
 * network rules as no restriction at all ("If there are no IP and virtual network rules, the namespace can be
 * accessed over the public internet", https://learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering).
 * Only stacks that create a namespace are asked (a shared personal stack uses dev's).
 */
function eventHubsNetworkRules(config: ConfigValues, reader: ConfigReader): void {
  const createsNamespace = config.environment !== "personal" || config.personal?.mode === "full";
  const { networkDefaultAction, allowedIpRanges } = config.eventHubs;
  if (!createsNamespace || networkDefaultAction !== "Deny" || allowedIpRanges.length > 0) return;
  // A section or list that is not one already has its problem; the senders are not asked for on top.
  const section = reader.given("eventHubs");
  const ranges = reader.given("eventHubs.allowedIpRanges");
  if ((section !== undefined && !isObjectValue(section)) || (ranges !== undefined && !Array.isArray(ranges)))
    return;
  if (config.environment === "prod") {
    reader.fail(
      "eventHubs.allowedIpRanges",
      reader.given("eventHubs.allowedIpRanges"),
      "at least one sender address while eventHubs.networkDefaultAction is Deny",
      "<the senders' egress address or range>",
      "Azure reads a Deny without rules as open to every address",
      "eventHubs.allowedIpRanges[0]",
    );
    return;
  }
  // Outside prod, the named override is what a stack whose senders have no fixed address (CI's hosted runners,
  // a laptop) sets; listing the senders in eventHubs.allowedIpRanges keeps the firewall closed instead.
  reader.fail(
    "eventHubs.networkDefaultAction",
    reader.given("eventHubs.networkDefaultAction"),
    "Allow (the named override) when eventHubs.allowedIpRanges names no sender",
    "Allow",
    "Azure reads a Deny without rules as open to every address; or list the senders' addresses in eventHubs.allowedIpRanges",
  );
}

/**
 * A shared stack deploys into a resource group that exists before its first `up`: its deployer's rights are on
 * that group only (docs/deployment.md, "Deployer rights"), so it cannot create one.
 */
function resourceGroupRules(config: ConfigValues, reader: ConfigReader): void {
  // A value that is no group name already has its problem.
  if (config.environment === "personal" || reader.given("resourceGroupName") !== undefined) return;
  reader.fail(
    "resourceGroupName",
    reader.given("resourceGroupName"),
    `the existing resource group of the shared ${config.environment} stack`,
    `h3ml-${config.environment}-rg`,
    "its deployer's rights are on that group only, so it cannot create one; npm run deployer-rights -- " +
      `${config.environment} prints the commands that create it`,
  );
}

function isObjectValue(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// The local-auth marker stands for eventHubs.allowSasSender; as a user tag it would let SAS through the pack
// without the override.
function tagRules(config: ConfigValues, reader: ConfigReader): void {
  if (LOCAL_AUTH_REASON_TAG in config.tags) {
    reader.problems.add(
      `tags.${LOCAL_AUTH_REASON_TAG} is reserved: the program sets it on the Event Hubs namespace when ` +
        `eventHubs.allowSasSender is true (set that if a sender needs SAS), got ${show(config.tags[LOCAL_AUTH_REASON_TAG])}. ` +
        `Fix: ${rmCommand(`tags.${LOCAL_AUTH_REASON_TAG}`)}`,
    );
  }
}

/**
 * Validates a stack's raw config and returns it typed and frozen, or throws one `ConfigError` listing every
 * problem. Pure: no Pulumi runtime needed. `schema` is the declaration to read by (tests pass a changed copy).
 */
export function parseStackConfig(
  raw: RawStackConfig,
  project: string,
  stack: string,
  schema: typeof CONFIG_SCHEMA = CONFIG_SCHEMA,
): StackConfig {
  const problems = new Problems();
  const environment = parseEnvironment(raw.environment, stack, problems);
  // Every other rule depends on the environment: checked against a guessed one, the stack would get misleading
  // problems (a shared stack's missing recipients, a personal stack's missing mode).
  if (environment === undefined) throw new ConfigError(stack, problems.list);
  const reader = new ConfigReader(problems, environment, { environment });
  const values = reader.section(schema, raw);
  eventHubsRules(values, reader);
  eventHubsNetworkRules(values, reader);
  resourceGroupRules(values, reader);
  databricksRules(values.databricks, reader);
  tagRules(values, reader);
  if (problems.list.length > 0) throw new ConfigError(stack, problems.list);
  return deepFreeze({ project, stack, ...values });
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
