/**
 * Every stack config field, declared once: its type, what it allows, its default per environment and what it
 * does. The parsers (`config.ts`, `databricks.ts`) read names, ranges and defaults from here; the unknown-key
 * check lists these names; the comments in Pulumi.yaml and `docs/configuration.md` are rendered from here
 * (`npm run config:docs`), and a test fails when either differs from the rendering.
 *
 * A rule that ties one field to another (Premium capacities, retention capped by the SLA) is checked by the
 * parser; its declaration says so in `allowed`.
 */
import { LTS_RUNTIME_LIST } from "../policy/vocabulary/runtimes";
import type { StackEnvironment } from "../policy/vocabulary/stacks";
import { JOB_SCHEDULES } from "./jobSchedules";

export type Environment = StackEnvironment;

/** How a field's default is decided. */
export type Default =
  /** The same value in every environment. */
  | { readonly kind: "value"; readonly value: unknown }
  /** A value per environment. */
  | { readonly kind: "perEnvironment"; readonly values: Readonly<Record<Environment, unknown>> }
  /** Computed by the parser from other fields, as `text` says. */
  | { readonly kind: "derived"; readonly text: string }
  /** Unset means the feature is off, or another source decides, as `text` says. */
  | { readonly kind: "none"; readonly text: string };

export type FieldType = "string" | "integer" | "boolean" | "list" | "map" | "object";

export interface FieldDeclaration {
  readonly type: FieldType;
  /** The values accepted, as the docs show them. */
  readonly allowed: string;
  readonly default: Default;
  readonly description: string;
  /** Integer bounds checked by the parser, when they do not depend on another field. */
  readonly range?: { readonly min: number; readonly max: number };
  /** The fields of an object-valued field. */
  readonly fields?: Readonly<Record<string, FieldDeclaration>>;
}

const value = (v: unknown): Default => ({ kind: "value", value: v });
const perEnvironment = (values: Record<Environment, unknown>): Default => ({
  kind: "perEnvironment",
  values,
});
const derived = (text: string): Default => ({ kind: "derived", text });
const none = (text: string): Default => ({ kind: "none", text });

const MIB = 1024 * 1024;

const integer = (
  min: number,
  max: number,
  fallback: Default,
  description: string,
  allowed = `${min}..${max}`,
): FieldDeclaration & { readonly range: { readonly min: number; readonly max: number } } => ({
  type: "integer",
  allowed,
  default: fallback,
  description,
  range: { min, max },
});

const cron = (job: keyof typeof JOB_SCHEDULES, description: string): FieldDeclaration => ({
  type: "string",
  allowed: "a Quartz cron expression (6 or 7 fields, `?` in exactly one day field)",
  default: value(JOB_SCHEDULES[job].cron),
  description: `${description} Default: ${JOB_SCHEDULES[job].means}.`,
});

export const EVENT_HUBS_FIELDS = {
  sku: {
    type: "string",
    allowed: "Standard | Premium (Basic has no Capture)",
    default: value("Standard"),
    description: "Event Hubs tier of the namespace.",
  },
  capacity: integer(
    1,
    40,
    value(1),
    "Throughput units (Standard) or processing units (Premium) of the namespace.",
    "Standard 1..40; Premium 1, 2, 4, 8 or 16",
  ),
  partitionCount: integer(
    1,
    32,
    perEnvironment({ prod: 4, dev: 1, personal: 1 }),
    "Partitions of each hub; fixed once the hub exists on Standard.",
  ),
  messageRetentionDays: integer(
    1,
    90,
    perEnvironment({ prod: 7, dev: 1, personal: 1 }),
    "Days a hub keeps events for its consumers (Capture has copied them to the lake within minutes).",
    "1..7 on Standard, 1..90 on Premium",
  ),
  hubs: {
    type: "list",
    allowed:
      "1+ event hub names (1-256 letters, digits, `.`, `-`, `_`; a letter or digit first and last), unique ignoring case",
    default: value(["events"]),
    description: "Event hubs the backend sends to, each captured into the lake.",
  },
  captureIntervalSeconds: integer(
    60,
    900,
    value(300),
    "Capture writes a file per partition at least this often while events arrive.",
  ),
  captureSizeLimitBytes: integer(
    10 * MIB,
    500 * MIB,
    value(300 * MIB),
    "Capture writes a file once this many bytes arrived, whichever comes first with the interval.",
    `${10 * MIB}..${500 * MIB} (10..500 MiB)`,
  ),
  senderPrincipalIds: {
    type: "list",
    allowed: "Entra object ids (GUIDs)",
    default: value([]),
    description: "Backend identities granted Azure Event Hubs Data Sender on each hub.",
  },
  deployerPrincipalIds: {
    type: "list",
    allowed:
      "Entra object ids (GUIDs) of the service principals that run pulumi up (dev and prod: at least one)",
    default: none(
      "personal: the identity that runs pulumi up, as a user; dev and prod: none, the stack is refused",
    ),
    description:
      "Identities that create the event hubs: Event Hubs checks that the caller may write to Capture's storage account, so each gets Storage Blob Data Contributor on it.",
  },
  allowSasSender: {
    type: "boolean",
    allowed: "true | false (named override)",
    default: value(false),
    description:
      "Turns SAS on: a send-only rule per hub, its connection string a secret output, for senders without an Entra identity.",
  },
} as const satisfies Record<string, FieldDeclaration>;

export const STORAGE_FIELDS = {
  sku: {
    type: "string",
    allowed: "Standard_LRS | Standard_ZRS | Standard_GRS | Standard_RAGRS | Standard_GZRS | Standard_RAGZRS",
    default: value("Standard_LRS"),
    description: "Replication of the data lake account.",
  },
  rawRetentionDays: {
    type: "integer",
    allowed: "1..deletionSlaDays",
    default: derived("personal 1, else 7 (at most deletionSlaDays)"),
    description:
      "Days raw Capture files are kept; lifecycle management runs about daily, so keep it two days under deletionSlaDays.",
  },
  networkDefaultAction: {
    type: "string",
    allowed: "Deny | Allow (Allow is a named override, refused in prod)",
    default: value("Deny"),
    description: "Storage firewall default for traffic no rule admits.",
  },
  allowedIpRanges: {
    type: "list",
    allowed: "public IPv4 addresses or CIDR ranges up to /30",
    default: value([]),
    description: "Addresses let through the storage firewall.",
  },
} as const satisfies Record<string, FieldDeclaration>;

export const VNET_FIELDS = {
  virtualNetworkId: {
    type: "string",
    allowed: "a virtual network resource id",
    default: none("required with vnet"),
    description: "The existing VNet the workspace's clusters join.",
  },
  publicSubnetName: {
    type: "string",
    allowed: "a subnet delegated to Microsoft.Databricks/workspaces",
    default: none("required with vnet"),
    description: "Host (public) subnet of the workspace.",
  },
  privateSubnetName: {
    type: "string",
    allowed: "a subnet delegated to Microsoft.Databricks/workspaces",
    default: none("required with vnet"),
    description: "Container (private) subnet of the workspace.",
  },
} as const satisfies Record<string, FieldDeclaration>;

export const NETWORK_FIELDS = {
  addressSpace: {
    type: "string",
    allowed: "an IPv4 CIDR from /16 to /24",
    default: value("10.179.0.0/22"),
    description: "Address space of the VNet the program builds for the workspace.",
  },
  hostSubnetPrefix: {
    type: "string",
    allowed: "an IPv4 CIDR of at least /26 inside addressSpace, apart from containerSubnetPrefix",
    default: value("10.179.0.0/24"),
    description: "Host (public) subnet of the workspace: one address per cluster node.",
  },
  containerSubnetPrefix: {
    type: "string",
    allowed: "an IPv4 CIDR of at least /26 inside addressSpace, apart from hostSubnetPrefix",
    default: value("10.179.1.0/24"),
    description: "Container (private) subnet of the workspace: one address per cluster node.",
  },
} as const satisfies Record<string, FieldDeclaration>;

export const ANALYTICS_CLUSTER_FIELDS = {
  nodeType: {
    type: "string",
    allowed: "an Azure VM size such as Standard_D4ds_v5",
    default: value("Standard_D4ds_v5"),
    description: "VM size of the analytics cluster's driver and workers.",
  },
  minWorkers: {
    type: "integer",
    allowed: "1..databricks.maxWorkers",
    default: value(1),
    description: "Workers the cluster keeps while running.",
  },
  maxWorkers: {
    type: "integer",
    allowed: "minWorkers..databricks.maxWorkers",
    default: derived("the larger of minWorkers and min(2, databricks.maxWorkers)"),
    description: "Workers the cluster may scale to.",
  },
  autoterminationMinutes: integer(10, 30, value(20), "Idle minutes before the cluster stops."),
} as const satisfies Record<string, FieldDeclaration>;

export const DATABRICKS_FIELDS = {
  sparkVersion: {
    type: "string",
    allowed: `a Long Term Support runtime key (${LTS_RUNTIME_LIST}) or a variant such as 17.3.x-photon-scala2.13`,
    default: value("17.3.x-scala2.13"),
    description: "Databricks runtime of every cluster.",
  },
  nodeType: {
    type: "string",
    allowed: "an Azure VM size such as Standard_D4ds_v5",
    default: value("Standard_D4ds_v5"),
    description: "VM size of the job clusters.",
  },
  maxWorkers: integer(
    1,
    100,
    perEnvironment({ prod: 8, dev: 1, personal: 1 }),
    "Worker cap the cluster policies enforce.",
  ),
  jobWorkers: {
    type: "integer",
    allowed: "0..maxWorkers (0 is single node)",
    default: derived("prod min(2, maxWorkers), else 0"),
    description: "Workers per job cluster.",
  },
  ingestTrigger: {
    type: "string",
    allowed: "fileArrival | schedule",
    default: value("fileArrival"),
    description: "How the ingest job starts: when Capture files land, or on ingestCron.",
  },
  ingestCron: cron("ingest", "Schedule of the ingest job when ingestTrigger is schedule."),
  normalizeCron: cron("normalize", "Schedule of the normalize job."),
  deleteCron: cron("delete", "Schedule of the deletion sweep (requests sent as events)."),
  timezone: {
    type: "string",
    allowed: "an IANA time zone such as Europe/Berlin",
    default: value("UTC"),
    description: "Time zone of the crons.",
  },
  pauseSchedules: {
    type: "boolean",
    allowed: "true | false (true is refused in prod)",
    default: perEnvironment({ prod: false, dev: false, personal: true }),
    description: "Creates schedules and file-arrival triggers paused.",
  },
  notificationEmails: {
    type: "list",
    allowed: "email addresses (dev and prod: required unless notificationWebhookUrl is set)",
    default: none("personal: the person who runs the stack; dev and prod: none, the stack is refused"),
    description: "Addresses told about failed runs.",
  },
  notificationWebhookUrl: {
    type: "string",
    allowed: "an https:// URL",
    default: none("no webhook"),
    description: "Webhook told about failed runs (stored as a secret notification destination).",
  },
  jobTimeoutMinutes: integer(5, 1440, value(120), "Run timeout of every job."),
  jobMaxRetries: integer(0, 10, value(2), "Retries of a failed task."),
  jobRetryIntervalMinutes: integer(1, 60, value(5), "Wait before a retry."),
  runAsServicePrincipal: {
    type: "string",
    allowed: "a service principal application id (GUID)",
    default: none("the jobs run as their owner"),
    description: "Identity the jobs run and write as.",
  },
  previewApplicationIds: {
    type: "list",
    allowed: "Entra application ids (GUIDs) of the pull-request preview identities",
    default: value([]),
    description:
      "Reader-only identities that preview this stack, added to the workspace with read access to the stack's code and catalog.",
  },
  analystsGroup: {
    type: "string",
    allowed: "an account group name",
    default: none("no analyst grants"),
    description: "Account group that reads silver and uses the analytics cluster.",
  },
  metastoreId: {
    type: "string",
    allowed: "a Unity Catalog metastore id (GUID)",
    default: none("the metastore Azure assigned to the region"),
    description: "Metastore to assign the workspace to (needs a metastore admin).",
  },
  fileEvents: {
    type: "boolean",
    allowed: "true | false",
    default: value(true),
    description: "Managed file events on the capture location, which file-arrival triggers scale with.",
  },
  providerAuthType: {
    type: "string",
    allowed: "a Databricks auth type such as azure-cli",
    default: none("the provider's own chain"),
    description: "How the Databricks provider authenticates (pipelines set it).",
  },
  vnet: {
    type: "object",
    allowed:
      "{virtualNetworkId, publicSubnetName, privateSubnetName}; both subnets need the Microsoft.Storage service endpoint while the lake's firewall denies",
    default: none("storage.networkDefaultAction Deny: the VNet of databricks.network; Allow: a managed VNet"),
    description: "Inject the workspace into an existing VNet.",
    fields: VNET_FIELDS,
  },
  network: {
    type: "object",
    allowed: "{addressSpace, hostSubnetPrefix, containerSubnetPrefix}",
    default: value({}),
    description:
      "The VNet the program builds and injects the workspace into while the lake's firewall denies and no vnet is given.",
    fields: NETWORK_FIELDS,
  },
  analyticsCluster: {
    type: "object",
    allowed: "{nodeType, minWorkers, maxWorkers, autoterminationMinutes}",
    default: none("no cluster"),
    description: "An interactive cluster for analysts, under the interactive policy.",
    fields: ANALYTICS_CLUSTER_FIELDS,
  },
} as const satisfies Record<string, FieldDeclaration>;

export const PERSONAL_FIELDS = {
  mode: {
    type: "string",
    allowed: "shared | full",
    default: value("shared"),
    description:
      "shared: the stack adds its own schemas, hub, code and paused jobs to the dev stack's platform; full: a whole copy.",
  },
  devStack: {
    type: "string",
    allowed: "a fully qualified stack name <organization>/<project>/<stack>",
    default: value("organization/h3-ml/dev"),
    description:
      "The dev stack a shared personal stack reads (self-managed backends name it organization/h3-ml/dev).",
  },
} as const satisfies Record<string, FieldDeclaration>;

export const DEVELOPERS_FIELDS = {
  entraGroupObjectId: {
    type: "string",
    allowed: "an Entra group object id (GUID)",
    default: none("required with developers"),
    description:
      "Granted Azure Event Hubs Data Owner on the namespace (to create personal hubs) and Storage Blob Data Contributor on the lake account (Capture's check on whoever creates a hub).",
  },
  accountGroup: {
    type: "string",
    allowed: "a Databricks account group name",
    default: none("required with developers"),
    description:
      "Granted USE CATALOG and CREATE SCHEMA on the catalog, READ FILES on the capture location and CAN_USE on the job cluster policy.",
  },
} as const satisfies Record<string, FieldDeclaration>;

/** Every top-level key the program reads (`h3-ml:<key>`), in the order Pulumi.yaml lists them. */
export const CONFIG_SCHEMA = {
  location: {
    type: "string",
    allowed: "an Azure region name such as westeurope",
    default: value("westeurope"),
    description: "Azure region of every resource.",
  },
  environment: {
    type: "string",
    allowed: "dev | prod | personal",
    default: derived('from the stack name: "dev", "prod", "dev-<name>" is personal'),
    description: "Which rules apply: prod protects and sizes up, personal pauses and shares dev.",
  },
  namePrefix: {
    type: "string",
    allowed: "2-8 lowercase letters or digits, a letter first",
    default: value("h3ml"),
    description: "Starts every resource name.",
  },
  tags: {
    type: "map",
    allowed: "names to text (project, environment, stack and managedBy are always set)",
    default: value({}),
    description: "Extra tags on every resource.",
  },
  deletionSlaDays: integer(
    1,
    30,
    value(30),
    "Days within which every copy of a deleted user's data is gone.",
  ),
  resourceGroupName: {
    type: "string",
    allowed: "an existing resource group name",
    default: none("one is created"),
    description: "Deploy into this resource group instead of creating one.",
  },
  eventHubs: {
    type: "object",
    allowed: "the fields below",
    default: value({}),
    description: "Event Hubs namespace, hubs and Capture.",
    fields: EVENT_HUBS_FIELDS,
  },
  storage: {
    type: "object",
    allowed: "the fields below",
    default: value({}),
    description: "The data lake account.",
    fields: STORAGE_FIELDS,
  },
  databricks: {
    type: "object",
    allowed: "the fields below",
    default: value({}),
    description: "Workspace, clusters, jobs, identities and Unity Catalog.",
    fields: DATABRICKS_FIELDS,
  },
  developers: {
    type: "object",
    allowed: "the fields below (dev stack only)",
    default: value({}),
    description:
      "Who may build shared personal stacks on this dev stack; unset, personal stacks must be full copies.",
    fields: DEVELOPERS_FIELDS,
  },
  personal: {
    type: "object",
    allowed: "the fields below (read on personal stacks only)",
    default: value({}),
    description: "How a personal stack is built.",
    fields: PERSONAL_FIELDS,
  },
} as const satisfies Record<string, FieldDeclaration>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

/** The declared default of a field in `environment`; only for value and per-environment defaults. */
export function defaultOf<T>(field: FieldDeclaration, environment: Environment): T {
  switch (field.default.kind) {
    case "value":
      return field.default.value as T;
    case "perEnvironment":
      return field.default.values[environment] as T;
    default:
      throw new Error(`the default of this field is ${field.default.kind}: ${field.default.text}`);
  }
}

/** The default as the docs state it. */
export function describeDefault(fallback: Default): string {
  const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  switch (fallback.kind) {
    case "value":
      return show(fallback.value);
    case "perEnvironment": {
      const { prod, dev, personal } = fallback.values;
      if (show(dev) === show(personal)) return `prod ${show(prod)}, else ${show(dev)}`;
      if (show(prod) === show(dev)) return `personal ${show(personal)}, else ${show(dev)}`;
      return `prod ${show(prod)}, dev ${show(dev)}, personal ${show(personal)}`;
    }
    default:
      return fallback.text;
  }
}
