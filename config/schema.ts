/**
 * Every stack config field, declared once: its type, what it allows, its default per environment and what it
 * does. `ConfigReader` (`fields.ts`) checks every field from its declaration alone; the parsers (`config.ts`,
 * `databricks.ts`) add only the rules that tie fields together (a declaration's `note` says so); the TypeScript
 * types of the parsed config follow from these declarations; the comments in Pulumi.yaml and
 * `docs/configuration.md` are rendered from them (`npm run config:docs`), and a test fails when either differs.
 *
 * Adding a field is one entry here plus its use. A default that derives from other keys reads them through its
 * context, so declare a field after the keys it reads.
 */
import JOB_PARAMETERS from "../notebooks/h3_ml/job_parameters.json";
import { AUTOTERMINATION_MINUTES, CAPTURE_TIERS } from "../policy/vocabulary/limits";
import { isLtsRuntime, isRuntimeKey, LTS_RUNTIME_LIST } from "../policy/vocabulary/runtimes";
import { ACCOUNT_GROUP, GUID, STACK_ENVIRONMENTS } from "../policy/vocabulary/stacks";
import { quartzCronProblem } from "./cron";
import {
  derived,
  type FieldDeclaration,
  type IntegerField,
  perEnvironment,
  required,
  type SectionValue,
  show,
  type TextField,
  unset,
  value,
} from "./fields";
import { JOB_SCHEDULES } from "./jobSchedules";

const MIB = 1024 * 1024;
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

/**
 * `deletion_sla_days` in the jobs' parameter contract: its range and default. The jobs refuse a value outside the
 * range at run time, so the config refuses it before anything is deployed.
 */
const SLA = JOB_PARAMETERS.deletion_sla_days;

/** What each Event Hubs tier allows, as the config checks it. */
export const EVENT_HUBS_LIMITS = {
  /** Throughput units of a Standard namespace. */
  standardThroughputUnits: 40,
  /** The sizes a Premium namespace is sold in. */
  premiumProcessingUnits: [1, 2, 4, 8, 16],
  /** Days a hub keeps each event (learn.microsoft.com/azure/event-hubs/event-hubs-features#event-retention). */
  retentionDays: { Standard: 7, Premium: 90 },
} as const;

/** `1, 2 or 4` */
export const orList = (items: readonly unknown[]) =>
  items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;

// Event hub names: letters, digits, '.', '-', '_'; start and end alphanumeric (Azure rule, 1-256 chars).
const HUB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/;
// Storage firewall IP rules take public IPv4 addresses or ranges; /31 and /32 are rejected by Azure.
const IPV4_RANGE =
  /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/(?:[0-9]|[12]\d|30))?$/;
// Event Hubs IP rules: an IPv4 address or CIDR range (https://learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering).
const IPV4_CIDR =
  /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/(?:[0-9]|[12]\d|3[0-2]))?$/;
// Azure VM sizes: Standard_D4ds_v5, Standard_DS3_v2, Standard_NC4as_T4_v3, Standard_E8_v3.
const NODE_TYPE = /^Standard_[A-Z]+\d+[a-z]*(_[A-Z]\d+)?(_v\d+)?$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/;
const VNET_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+$/i;
const SUBNET_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$/;
const AUTH_TYPE = /^[a-z][a-z0-9-]{1,40}$/;
// A stack of this project (`dev`), or Pulumi's fully qualified <organization>/<project>/<stack>: letters, digits,
// `-`, `_`, `.` in each part.
const DEV_STACK_NAME = /^(?:[\w.-]+\/[\w.-]+\/)?[\w.-]+$/;
const CIDR = /^((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})\/(\d|[12]\d|3[0-2])$/;

/** First and last address of a CIDR as integers, and its prefix length; undefined when not a CIDR. */
export function cidrRange(cidr: string): { first: number; last: number; bits: number } | undefined {
  const match = CIDR.exec(cidr);
  if (!match?.[1] || !match[2]) return undefined;
  const address = match[1].split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const bits = Number(match[2]);
  const size = 2 ** (32 - bits);
  const first = address - (address % size);
  return { first, last: first + size - 1, bits };
}

function timezoneOk(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An IPv4 CIDR whose prefix length is `minBits..maxBits`. */
const cidr = (minBits: number, maxBits: number) => ({
  type: "string" as const,
  pattern: CIDR,
  valid: (text: string) => {
    const bits = cidrRange(text)?.bits ?? -1;
    return bits >= minBits && bits <= maxBits;
  },
});

const VM_SIZE = {
  type: "string",
  allowed: "an Azure VM size such as Standard_D4ds_v5",
  pattern: NODE_TYPE,
  default: value("Standard_D4ds_v5"),
} as const satisfies Partial<TextField>;

const cron = (job: keyof typeof JOB_SCHEDULES, description: string) =>
  ({
    type: "string",
    allowed: "a Quartz cron expression (6 or 7 fields, `?` in exactly one day field)",
    valid: (text: string) => quartzCronProblem(text) === undefined,
    reason: quartzCronProblem,
    default: value(JOB_SCHEDULES[job].cron),
    description: `${description} Default: ${JOB_SCHEDULES[job].means}.`,
  }) as const satisfies TextField;

/** A whole number in `min..max` with the given default. */
const integer = <const F extends Omit<IntegerField, "type">>(field: F) => ({
  type: "integer" as const,
  ...field,
});

/** A firewall's default for traffic no rule admits: Deny, with Allow a named override that prod refuses. */
const firewallDefault = (note: string, whyInProd: string, description: string) =>
  ({
    type: "string",
    choices: ["Deny", "Allow"],
    note,
    inProd: { value: "Deny", why: whyInProd },
    default: value("Deny"),
    description,
  }) as const satisfies FieldDeclaration;

const EVENT_HUBS_FIELDS = {
  sku: {
    type: "string",
    choices: CAPTURE_TIERS,
    note: "Basic has no Capture",
    default: value("Standard"),
    description: "Event Hubs tier of the namespace.",
  },
  capacity: integer({
    min: 1,
    max: EVENT_HUBS_LIMITS.standardThroughputUnits,
    note: `throughput units; Premium: ${orList(EVENT_HUBS_LIMITS.premiumProcessingUnits)} processing units`,
    default: value(1),
    description: "Throughput units (Standard) or processing units (Premium) of the namespace.",
  }),
  partitionCount: integer({
    min: 1,
    max: 32,
    default: perEnvironment({ prod: 4, dev: 1, personal: 1 }),
    description: "Partitions of each hub; fixed once the hub exists on Standard.",
  }),
  messageRetentionDays: integer({
    min: 1,
    // Event Hubs removes an event only once the hub's retention has passed since it was accepted, and nothing can
    // delete it sooner (learn.microsoft.com/azure/event-hubs/event-hubs-features#event-retention): a deleted
    // user's event sent just before the request stays the full retention, which must end within the SLA.
    max: [
      EVENT_HUBS_LIMITS.retentionDays.Premium,
      {
        key: "deletionSlaDays",
        why: "as a hub keeps every event its full retention and nothing deletes it sooner",
      },
    ],
    note: `Standard: at most ${EVENT_HUBS_LIMITS.retentionDays.Standard}`,
    default: perEnvironment({ prod: 7, dev: 1, personal: 1 }),
    description:
      "Days a hub keeps events for its consumers (Capture has copied them to the lake within minutes).",
  }),
  hubs: {
    type: "list",
    item: {
      allowed:
        "an event hub name of 1-256 letters, digits, '.', '-', '_', starting and ending with a letter or digit",
      pattern: HUB_NAME,
      example: "events",
    },
    atLeastOne: "a stack without a hub ingests nothing",
    // Azure compares entity names without case: "Events" and "events" are one hub.
    caseInsensitive: (earlier: string) => `Azure takes it for ${show(earlier)}`,
    default: value(["events"]),
    description: "Event hubs the backend sends to, each captured into the lake.",
  },
  captureIntervalSeconds: integer({
    min: 60,
    max: 900,
    default: value(300),
    description: "Capture writes a file per partition at least this often while events arrive.",
  }),
  captureSizeLimitBytes: integer({
    min: 10 * MIB,
    max: 500 * MIB,
    note: "10 MiB..500 MiB",
    default: value(300 * MIB),
    description:
      "Capture writes a file once this many bytes arrived, whichever comes first with the interval.",
  }),
  senderPrincipalIds: {
    type: "list",
    item: { allowed: "an Entra object id (GUID)", pattern: GUID, example: ZERO_GUID },
    default: value([]),
    description: "Backend identities granted Azure Event Hubs Data Sender on each hub.",
  },
  deployerPrincipalIds: {
    type: "list",
    item: {
      allowed: "an Entra object id (GUID) of a service principal that runs pulumi up",
      pattern: GUID,
      example: ZERO_GUID,
    },
    note: "dev and prod: at least one",
    default: value(
      [],
      "personal: the identity that runs pulumi up, as a user; dev and prod: none, the stack is refused",
    ),
    description:
      "Identities that create the event hubs: Event Hubs checks that the caller may write to Capture's storage account, so each gets the capture check role (container and blob write) on it; on dev, also Azure Event Hubs Data Sender on each hub for the smoke test.",
  },
  networkDefaultAction: firewallDefault(
    "Allow is a named override; Deny needs allowedIpRanges",
    "prod's namespace takes events from its senders' addresses only",
    "Namespace firewall default for senders no rule admits; Capture is Event Hubs writing to storage, not traffic into the namespace.",
  ),
  allowedIpRanges: {
    type: "list",
    item: {
      allowed: "a public IPv4 address or CIDR range",
      pattern: IPV4_CIDR,
      example: "203.0.113.0/24",
    },
    default: value([]),
    description: "Senders' public addresses let through the namespace firewall.",
  },
  allowSasSender: {
    type: "boolean",
    note: "named override",
    default: value(false),
    description:
      "Turns SAS on: a send-only rule per hub, its connection string a secret output, for senders without an Entra identity.",
  },
} as const satisfies Record<string, FieldDeclaration>;

const STORAGE_FIELDS = {
  sku: {
    type: "string",
    choices: [
      "Standard_LRS",
      "Standard_ZRS",
      "Standard_GRS",
      "Standard_RAGRS",
      "Standard_GZRS",
      "Standard_RAGZRS",
    ],
    default: value("Standard_LRS"),
    description: "Replication of the data lake account.",
  },
  rawRetentionDays: integer({
    min: 1,
    max: { key: "deletionSlaDays", why: "so raw events age out in time" },
    default: derived("personal 1, else 7 (at most deletionSlaDays)", (context) =>
      context.environment === "personal" ? 1 : Math.min(7, context.value<number>("deletionSlaDays")),
    ),
    description:
      "Days raw Capture files are kept; lifecycle management runs about daily, so keep it two days under deletionSlaDays.",
  }),
  networkDefaultAction: firewallDefault(
    "Allow is a named override",
    "prod storage stays behind its firewall",
    "Storage firewall default for traffic no rule admits.",
  ),
  allowedIpRanges: {
    type: "list",
    item: {
      allowed: "a public IPv4 address or CIDR range up to /30",
      pattern: IPV4_RANGE,
      example: "203.0.113.0/24",
    },
    default: value([]),
    description: "Addresses let through the storage firewall.",
  },
} as const satisfies Record<string, FieldDeclaration>;

const SUBNET = "a subnet name delegated to Microsoft.Databricks/workspaces";
const VNET_NEEDS_ALL = "VNet injection needs all three fields";

const VNET_FIELDS = {
  virtualNetworkId: {
    type: "string",
    allowed: "a virtual network resource id",
    pattern: VNET_ID,
    example: "'/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>'",
    default: required(VNET_NEEDS_ALL),
    description: "The existing VNet the workspace's clusters join.",
  },
  publicSubnetName: {
    type: "string",
    allowed: SUBNET,
    pattern: SUBNET_NAME,
    example: "databricks-host",
    default: required(VNET_NEEDS_ALL),
    description: "Host (public) subnet of the workspace.",
  },
  privateSubnetName: {
    type: "string",
    allowed: SUBNET,
    pattern: SUBNET_NAME,
    example: "databricks-container",
    default: required(VNET_NEEDS_ALL),
    description: "Container (private) subnet of the workspace.",
  },
} as const satisfies Record<string, FieldDeclaration>;

// https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject: the VNet /16../24, each
// subnet at least /26; subnets lie inside the VNet and apart from each other (checked by the parser).
const NETWORK_FIELDS = {
  addressSpace: {
    ...cidr(16, 24),
    allowed: "an IPv4 CIDR from /16 to /24",
    default: value("10.179.0.0/22"),
    description: "Address space of the VNet the program builds for the workspace.",
  },
  hostSubnetPrefix: {
    ...cidr(16, 26),
    allowed: "an IPv4 CIDR of at least /26",
    note: "inside addressSpace, apart from containerSubnetPrefix",
    default: value("10.179.0.0/24"),
    description: "Host (public) subnet of the workspace: one address per cluster node.",
  },
  containerSubnetPrefix: {
    ...cidr(16, 26),
    allowed: "an IPv4 CIDR of at least /26",
    note: "inside addressSpace, apart from hostSubnetPrefix",
    default: value("10.179.1.0/24"),
    description: "Container (private) subnet of the workspace: one address per cluster node.",
  },
} as const satisfies Record<string, FieldDeclaration>;

const AT_MOST_MAX_WORKERS = { key: "databricks.maxWorkers" } as const;

const ANALYTICS_CLUSTER_FIELDS = {
  nodeType: { ...VM_SIZE, description: "VM size of the analytics cluster's driver and workers." },
  minWorkers: integer({
    min: 1,
    max: AT_MOST_MAX_WORKERS,
    default: value(1),
    description: "Workers the cluster keeps while running.",
  }),
  maxWorkers: integer({
    min: { key: "databricks.analyticsCluster.minWorkers" },
    max: AT_MOST_MAX_WORKERS,
    default: derived("the larger of minWorkers and min(2, databricks.maxWorkers)", (context) =>
      Math.max(
        context.value<number>("databricks.analyticsCluster.minWorkers"),
        Math.min(2, context.value<number>("databricks.maxWorkers")),
      ),
    ),
    description: "Workers the cluster may scale to.",
  }),
  autoterminationMinutes: integer({
    min: AUTOTERMINATION_MINUTES.min,
    max: AUTOTERMINATION_MINUTES.max,
    default: value(20),
    description: "Idle minutes before the cluster stops.",
  }),
} as const satisfies Record<string, FieldDeclaration>;

const RUN_AS_NEEDS_ALL = "each job runs as a principal of its own, or none does";

const runAsPrincipal = (job: string, grants: string) =>
  ({
    type: "string",
    allowed: "a service principal application id (GUID)",
    pattern: GUID,
    example: ZERO_GUID,
    default: required(RUN_AS_NEEDS_ALL),
    description: `Service principal the ${job} job runs and writes as: ${grants}.`,
  }) as const satisfies TextField;

const RUN_AS_FIELDS = {
  ingest: runAsPrincipal("ingest", "reads the capture files, writes bronze"),
  normalize: runAsPrincipal("normalize", "reads bronze, writes silver"),
  delete: runAsPrincipal(
    "delete",
    "deletes from bronze and silver, the only one to read and write ops (requests, audit, salt)",
  ),
} as const satisfies Record<string, FieldDeclaration>;

const PRIVATE_FRONT_END_FIELDS = {
  subnetId: {
    type: "string",
    allowed: "a subnet resource id",
    pattern:
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i,
    example:
      "'/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>'",
    default: required("the endpoint needs a subnet and a DNS zone"),
    description:
      "Subnet, in the workspace's region, of the network users reach the workspace from (a transit VNet).",
  },
  privateDnsZoneId: {
    type: "string",
    allowed: "the resource id of a privatelink.azuredatabricks.net private DNS zone",
    pattern:
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/privatelink\.azuredatabricks\.net$/i,
    example:
      "'/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/privatelink.azuredatabricks.net'",
    default: required("the endpoint needs a subnet and a DNS zone"),
    description: "The zone that resolves the workspace's name to the endpoint, linked to that network.",
  },
} as const satisfies Record<string, FieldDeclaration>;

// A public IPv4 address or CIDR range, as IP access lists take them.
const IPV4_OR_CIDR =
  /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/(?:\d|[12]\d|3[0-2]))?$/;

export const DATABRICKS_FIELDS = {
  sparkVersion: {
    type: "string",
    allowed: `a Long Term Support Databricks runtime key (${LTS_RUNTIME_LIST}, or a variant such as 17.3.x-photon-scala2.13)`,
    // The pack refuses clusters and policies on any other runtime, so the config does too, before a preview.
    valid: isLtsRuntime,
    reason: (text: string) =>
      isRuntimeKey(text)
        ? "not an LTS runtime in a Scala build it ships; the policy pack blocks it"
        : undefined,
    default: value("17.3.x-scala2.13"),
    description: "Databricks runtime of every cluster.",
  },
  nodeType: { ...VM_SIZE, description: "VM size of the job clusters." },
  maxWorkers: integer({
    min: 1,
    max: 100,
    default: perEnvironment({ prod: 8, dev: 1, personal: 1 }),
    description: "Worker cap the cluster policies enforce.",
  }),
  jobWorkers: integer({
    min: 0,
    max: AT_MOST_MAX_WORKERS,
    note: "0 is single node",
    default: derived("prod min(2, maxWorkers), else 0", (context) =>
      context.environment === "prod" ? Math.min(2, context.value<number>("databricks.maxWorkers")) : 0,
    ),
    description: "Workers per job cluster.",
  }),
  ingestTrigger: {
    type: "string",
    choices: ["fileArrival", "schedule"],
    default: value("fileArrival"),
    description: "How the ingest job starts: when Capture files land, or on ingestCron.",
  },
  ingestCron: cron("ingest", "Schedule of the ingest job when ingestTrigger is schedule."),
  normalizeCron: cron("normalize", "Schedule of the normalize job."),
  deleteCron: cron("delete", "Schedule of the deletion sweep (requests sent as events)."),
  timezone: {
    type: "string",
    allowed: "an IANA time zone such as Europe/Berlin",
    pattern: /^[A-Za-z0-9_+/-]+$/,
    valid: timezoneOk,
    default: value("UTC"),
    description: "Time zone of the crons.",
  },
  pauseSchedules: {
    type: "boolean",
    inProd: { value: false, why: "prod schedules are always live" },
    default: perEnvironment({ prod: false, dev: false, personal: true }),
    description: "Creates schedules and file-arrival triggers paused.",
  },
  notificationEmails: {
    type: "list",
    item: { allowed: "an email address", pattern: EMAIL, example: "oncall@example.com" },
    note: "dev and prod: required unless notificationWebhookUrl is set",
    default: value([], "personal: the person who runs the stack; dev and prod: none, the stack is refused"),
    description: "Addresses told about failed runs.",
  },
  notificationWebhookUrl: {
    type: "string",
    allowed: "an https:// URL",
    pattern: HTTPS_URL,
    example: "https://hooks.example.com/h3-ml",
    default: unset("no webhook"),
    description: "Webhook told about failed runs (stored as a secret notification destination).",
  },
  jobTimeoutMinutes: integer({
    min: 5,
    max: 1440,
    default: value(120),
    description: "Run timeout of every job.",
  }),
  jobMaxRetries: integer({ min: 0, max: 10, default: value(2), description: "Retries of a failed task." }),
  jobRetryIntervalMinutes: integer({
    min: 1,
    max: 60,
    default: value(5),
    description: "Wait before a retry.",
  }),
  runAs: {
    type: "object",
    fields: RUN_AS_FIELDS,
    note: "prod: required, the delete job's principal apart from the others; needs accountId and deployerApplicationId",
    default: unset("the jobs run as their owner"),
    description: "The service principal each job runs as; each gets only what its job reads and writes.",
  },
  accountId: {
    type: "string",
    allowed: "a Databricks account id (GUID)",
    pattern: GUID,
    example: ZERO_GUID,
    default: unset("needed only with runAs"),
    description:
      "The Databricks account of the run-as principals: their rule sets, which grant the deployer the role run_as needs, live in it.",
  },
  deployerApplicationId: {
    type: "string",
    allowed: "a service principal application id (GUID)",
    pattern: GUID,
    example: ZERO_GUID,
    note: "prod: required",
    default: unset("each job is owned by whoever creates it"),
    description:
      "Application id of the service principal that runs pulumi up (CI): it owns the jobs (on dev it also runs them for the smoke test) and may name the run-as principals.",
  },
  adminGroup: {
    type: "string",
    allowed: "an account group name",
    pattern: ACCOUNT_GROUP,
    example: "h3-ml-admins",
    note: "prod: required; the deployer must be a member to keep managing the catalog's grants",
    default: unset("the deployer owns the catalog"),
    description: "Account group that owns the catalog, its schemas and the checkpoint volume.",
  },
  oncallGroup: {
    type: "string",
    allowed: "an account group name",
    pattern: ACCOUNT_GROUP,
    example: "h3-ml-oncall",
    default: unset("nobody but the owner and workspace admins sees the runs"),
    description: "Account group that sees every job's runs and their output (CAN_VIEW).",
  },
  deleteJobRunners: {
    type: "list",
    item: { allowed: "a service principal application id (GUID)", pattern: GUID, example: ZERO_GUID },
    note: "the backend that requests deletions",
    default: value([]),
    description:
      "Service principals that may start, see and cancel the delete job's runs (CAN_MANAGE_RUN), and no other job's.",
  },
  ipAccessList: {
    type: "list",
    item: {
      allowed: "a public IPv4 address or CIDR range",
      pattern: IPV4_OR_CIDR,
      example: "203.0.113.0/24",
    },
    note: "prod: required; include the deployer's egress; the NAT gateway of the VNet the program builds is added",
    default: value([]),
    description:
      "Addresses allowed to reach the workspace's UI and API; with any, IP access lists are on and every other address is refused.",
  },
  privateFrontEnd: {
    type: "object",
    fields: PRIVATE_FRONT_END_FIELDS,
    default: unset("the public endpoint only"),
    description: "A private endpoint for the workspace's UI and API in a network users reach it from.",
  },
  restrictWorkspaceAdmins: {
    type: "boolean",
    inProd: { value: true, why: "prod's jobs run as principals workspace admins must not reassign" },
    default: perEnvironment({ prod: true, dev: false, personal: false }),
    description:
      "Adopts the RestrictWorkspaceAdmins setting an account admin applied: admins may then set a job's run-as only to principals they may use.",
  },
  previewApplicationIds: {
    type: "list",
    item: { allowed: "an Entra application id (GUID)", pattern: GUID, example: ZERO_GUID },
    note: "the pull-request preview identities",
    default: value([]),
    description:
      "Reader-only identities that preview this stack, added to the workspace with read access to the stack's code and catalog.",
  },
  analystsGroup: {
    type: "string",
    allowed: "an account group name",
    pattern: ACCOUNT_GROUP,
    example: "h3-analysts",
    default: unset("no analyst grants"),
    description: "Account group that reads silver and uses the analytics cluster.",
  },
  metastoreId: {
    type: "string",
    allowed: "a Unity Catalog metastore id (GUID)",
    pattern: GUID,
    example: ZERO_GUID,
    default: unset("the metastore Azure assigned to the region"),
    description: "Metastore to assign the workspace to (needs a metastore admin).",
  },
  fileEvents: {
    type: "boolean",
    default: value(true),
    description: "Managed file events on the capture location, which file-arrival triggers scale with.",
  },
  providerAuthType: {
    type: "string",
    allowed: "a Databricks auth type such as azure-cli",
    pattern: AUTH_TYPE,
    example: "azure-cli",
    default: unset("the provider's own chain"),
    description: "How the Databricks provider authenticates (pipelines set it).",
  },
  vnet: {
    type: "object",
    fields: VNET_FIELDS,
    note: "both subnets need the Microsoft.Storage service endpoint while the lake's firewall denies",
    default: unset(
      "storage.networkDefaultAction Deny: the VNet of databricks.network; Allow: a managed VNet",
    ),
    description: "Inject the workspace into an existing VNet.",
  },
  network: {
    type: "object",
    fields: NETWORK_FIELDS,
    default: value({}),
    description:
      "The VNet the program builds and injects the workspace into while the lake's firewall denies and no vnet is given.",
  },
  analyticsCluster: {
    type: "object",
    fields: ANALYTICS_CLUSTER_FIELDS,
    default: unset("no cluster"),
    description: "An interactive cluster for analysts, under the interactive policy.",
  },
} as const satisfies Record<string, FieldDeclaration>;

const PERSONAL_FIELDS = {
  mode: {
    type: "string",
    choices: ["shared", "full"],
    // No default: a stack file that lost the key would otherwise turn a full copy into a shared stack, and its next
    // `up` would delete the copy's namespace, workspace, storage and catalog.
    default: required(
      "a personal stack states whether it builds on the dev stack's platform or copies it whole",
    ),
    description:
      "shared: the stack adds its own schemas, hub, code and paused jobs to the dev stack's platform; full: a whole copy.",
  },
  devStack: {
    type: "string",
    allowed: "a stack name of this project (dev), or a fully qualified <organization>/<project>/<stack>",
    pattern: DEV_STACK_NAME,
    default: value("dev"),
    description:
      "The dev stack a shared personal stack reads: a bare name is that stack of this project in the personal stack's own organization (pulumi.getOrganization(): the stack's owner on Pulumi Cloud, `organization` on a self-managed backend); a fully qualified name is read as given.",
  },
} as const satisfies Record<string, FieldDeclaration>;

const DEVELOPERS_NEED_BOTH = "personal stacks need both grants";

const DEVELOPERS_FIELDS = {
  entraGroupObjectId: {
    type: "string",
    allowed: "an Entra group object id (GUID)",
    pattern: GUID,
    example: ZERO_GUID,
    default: required(DEVELOPERS_NEED_BOTH),
    description:
      "Granted, on dev, a custom role to create personal hubs and their consumer groups in the namespace, Azure Event Hubs Data Sender on it, and the capture check role (container and blob write, no read) on the lake account.",
  },
  accountGroup: {
    type: "string",
    allowed: "a Databricks account group name",
    pattern: ACCOUNT_GROUP,
    example: "h3-developers",
    default: required(DEVELOPERS_NEED_BOTH),
    description:
      "Assigned to the workspace; granted USE CATALOG and CREATE SCHEMA on the catalog, READ FILES on the capture location and CAN_USE on the personal job cluster policy.",
  },
} as const satisfies Record<string, FieldDeclaration>;

const DIAGNOSTICS_FIELDS = {
  retentionDays: integer({
    min: 30,
    max: 730,
    note: "Log Analytics keeps 30 days at no retention charge; longer is billed per GB and month",
    default: perEnvironment({ prod: 365, dev: 30, personal: 30 }),
    description:
      "Days the stack's Log Analytics workspace keeps the resource logs: the audit trail of the workspace, the lake and the namespace.",
  }),
  logAnalyticsWorkspaceId: {
    type: "string",
    allowed: "the resource id of a Log Analytics workspace",
    pattern:
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i,
    example:
      "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>",
    default: unset("the stack creates its own"),
    description:
      "Send the resource logs to this existing workspace (a team's central one) instead of creating one; its retention applies.",
  },
} as const satisfies Record<string, FieldDeclaration>;

/** Every top-level key the program reads (`h3-ml:<key>`), in the order Pulumi.yaml lists them. */
export const CONFIG_SCHEMA = {
  location: {
    type: "string",
    allowed: "an Azure region name such as westeurope",
    pattern: /^[a-z][a-z0-9]{2,30}$/,
    default: value("westeurope"),
    description: "Azure region of every resource.",
  },
  environment: {
    type: "string",
    choices: STACK_ENVIRONMENTS,
    // Read before every other key (`parseEnvironment`): the other defaults depend on it.
    default: derived(
      'from the stack name: "dev", "prod", "dev-<name>" is personal',
      (context) => context.environment,
    ),
    description: "Which rules apply: prod protects and sizes up, personal pauses and shares dev.",
  },
  nameSeed: {
    type: "string",
    allowed: "3-40 lowercase letters, digits and hyphens",
    pattern: /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/,
    note: "set once for the project; changing it renames the storage account and namespace",
    example: "h3-health",
    default: unset(
      "the stack's Pulumi organization alone (unique on Pulumi Cloud); required on a self-managed backend",
    ),
    description:
      "A word unique to the team, hashed with the project, the stack and its organization into the names Azure requires to be globally unique.",
  },
  namePrefix: {
    type: "string",
    allowed: "2-8 lowercase letters or digits starting with a letter",
    pattern: /^[a-z][a-z0-9]{1,7}$/,
    note: "it goes into storage account names",
    default: value("h3ml"),
    description: "Starts every resource name.",
  },
  tags: {
    type: "map",
    key: { allowed: "1-512 characters, none of < > % & \\ ? /", pattern: /^[^<>%&\\?/]{1,512}$/ },
    maxValueLength: 256,
    note: "project, environment, stack and managedBy are always set",
    example: `'{"costCenter": "h3"}'`,
    default: value({}),
    description: "Extra tags on every resource.",
  },
  deletionSlaDays: integer({
    min: SLA.min,
    max: SLA.max,
    note: "the range the jobs accept: at least Delta's 7-day VACUUM minimum plus 2 days of schedule",
    default: value(SLA.default),
    description: "Days within which every copy of a deleted user's data is gone.",
  }),
  resourceGroupName: {
    type: "string",
    allowed:
      "an existing resource group name (1-90 letters, digits, '-', '_', '.', '(', ')'; not ending in '.')",
    pattern: /^[-\w.()]{0,89}[-\w()]$/,
    example: "my-existing-rg",
    default: unset("one is created"),
    description: "Deploy into this resource group instead of creating one.",
  },
  eventHubs: {
    type: "object",
    fields: EVENT_HUBS_FIELDS,
    default: value({}),
    description: "Event Hubs namespace, hubs and Capture.",
  },
  storage: {
    type: "object",
    fields: STORAGE_FIELDS,
    default: value({}),
    description: "The data lake account.",
  },
  databricks: {
    type: "object",
    fields: DATABRICKS_FIELDS,
    default: value({}),
    description: "Workspace, clusters, jobs, identities and Unity Catalog.",
  },
  diagnostics: {
    type: "object",
    fields: DIAGNOSTICS_FIELDS,
    default: value({}),
    description: "Where the resource logs go and how long they are kept.",
  },
  developers: {
    type: "object",
    fields: DEVELOPERS_FIELDS,
    onlyIn: ["dev"],
    note: "personal stacks share dev",
    default: unset("personal stacks must be full copies"),
    description:
      "Who may build shared personal stacks on this dev stack; unset, personal stacks must be full copies.",
  },
  personal: {
    type: "object",
    fields: PERSONAL_FIELDS,
    onlyIn: ["personal"],
    default: value({}),
    description: "How a personal stack is built.",
  },
} as const satisfies Record<string, FieldDeclaration>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

/** The stack config as the schema declares it. */
export type ConfigValues = SectionValue<typeof CONFIG_SCHEMA>;
