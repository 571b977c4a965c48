/**
 * The `databricks` config section: runtime and sizing of the clusters, job schedules, notifications and
 * identities. Pure; called from `parseStackConfig` with the shared problem list.
 */

import { isLtsRuntime, isRuntimeKey, LTS_RUNTIME_LIST } from "../policy/vocabulary/runtimes";
import { ACCOUNT_GROUP, GUID } from "../policy/vocabulary/stacks";
import type { Environment } from "./config";
import { quartzCronProblem } from "./cron";
import { FieldReader, type Problems } from "./fields";
import {
  ANALYTICS_CLUSTER_FIELDS,
  DATABRICKS_FIELDS,
  defaultOf,
  NETWORK_FIELDS,
  VNET_FIELDS,
} from "./schema";

export type IngestTrigger = "fileArrival" | "schedule";

export interface DatabricksVnetConfig {
  readonly virtualNetworkId: string;
  readonly publicSubnetName: string;
  readonly privateSubnetName: string;
}

/** Address ranges of the VNet the program builds; see `NETWORK_FIELDS`. */
export interface DatabricksNetworkConfig {
  readonly addressSpace: string;
  readonly hostSubnetPrefix: string;
  readonly containerSubnetPrefix: string;
}

export interface AnalyticsClusterConfig {
  readonly nodeType: string;
  readonly minWorkers: number;
  readonly maxWorkers: number;
  readonly autoterminationMinutes: number;
}

export interface DatabricksConfig {
  /** Databricks runtime of every cluster, e.g. `17.3.x-scala2.13`. */
  readonly sparkVersion: string;
  /** Azure VM size of the job clusters. */
  readonly nodeType: string;
  /** Cap on workers per cluster, enforced by the cluster policies. */
  readonly maxWorkers: number;
  /** Workers per job cluster; 0 runs single node. */
  readonly jobWorkers: number;
  readonly ingestTrigger: IngestTrigger;
  readonly ingestCron: string;
  readonly normalizeCron: string;
  readonly deleteCron: string;
  readonly timezone: string;
  /** Schedules and triggers created paused. */
  readonly pauseSchedules: boolean;
  readonly notificationEmails: readonly string[];
  readonly notificationWebhookUrl: string | undefined;
  readonly jobTimeoutMinutes: number;
  readonly jobMaxRetries: number;
  readonly jobRetryIntervalMinutes: number;
  /** Application id of the service principal the jobs run as. */
  readonly runAsServicePrincipal: string | undefined;
  /** Application ids of the Reader-only identities that run pull-request previews. */
  readonly previewApplicationIds: readonly string[];
  readonly analystsGroup: string | undefined;
  readonly metastoreId: string | undefined;
  readonly fileEvents: boolean;
  readonly providerAuthType: string | undefined;
  readonly vnet: DatabricksVnetConfig | undefined;
  readonly network: DatabricksNetworkConfig;
  readonly analyticsCluster: AnalyticsClusterConfig | undefined;
}

/** The runtime every cluster runs unless `databricks.sparkVersion` says otherwise. */
export const DEFAULT_SPARK_VERSION = defaultOf<string>(DATABRICKS_FIELDS.sparkVersion, "dev");
// Azure VM sizes: Standard_D4ds_v5, Standard_DS3_v2, Standard_NC4as_T4_v3, Standard_E8_v3.
const NODE_TYPE = /^Standard_[A-Z]+\d+[a-z]*(_[A-Z]\d+)?(_v\d+)?$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/;
const VNET_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+$/i;
const SUBNET_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$/;
const AUTH_TYPE = /^[a-z][a-z0-9-]{1,40}$/;

const CRON_EXAMPLE = "'0 0 3 * * ?'";

function timezoneOk(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cron(f: FieldReader, field: string): string {
  const fallback = f.fallback<string>(field);
  const raw = f.raw(field);
  if (raw === undefined || raw === null) return fallback;
  const problem = typeof raw === "string" ? quartzCronProblem(raw) : "it is not text";
  if (problem === undefined) return (raw as string).trim();
  f.fail(field, raw, "a Quartz cron expression", CRON_EXAMPLE, problem);
  return fallback;
}

// The pack refuses clusters and policies on any other runtime, so the config does too, before a preview.
function sparkVersion(f: FieldReader): string {
  const raw = f.raw("sparkVersion");
  if (raw === undefined || raw === null) return DEFAULT_SPARK_VERSION;
  if (isLtsRuntime(raw)) return raw as string;
  f.fail(
    "sparkVersion",
    raw,
    `a Long Term Support Databricks runtime key (${LTS_RUNTIME_LIST}, or a variant such as 17.3.x-photon-scala2.13)`,
    DEFAULT_SPARK_VERSION,
    isRuntimeKey(raw) ? "not an LTS runtime in a Scala build it ships; the policy pack blocks it" : undefined,
  );
  return DEFAULT_SPARK_VERSION;
}

function parseVnet(raw: unknown, problems: Problems): DatabricksVnetConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  const f = new FieldReader(problems, raw, "databricks.vnet", { fields: VNET_FIELDS, environment: "dev" });
  f.rejectUnknown();
  const required = (field: string, pattern: RegExp, allowed: string, example: string) => {
    if (!f.has(field)) f.fail(field, undefined, allowed, example, "VNet injection needs all three fields");
    return f.string(field, "", pattern, allowed, example);
  };
  const subnet = "a subnet name delegated to Microsoft.Databricks/workspaces";
  return {
    virtualNetworkId: required(
      "virtualNetworkId",
      VNET_ID,
      "a virtual network resource id",
      "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>",
    ),
    publicSubnetName: required("publicSubnetName", SUBNET_NAME, subnet, "databricks-host"),
    privateSubnetName: required("privateSubnetName", SUBNET_NAME, subnet, "databricks-container"),
  };
}

const CIDR = /^((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})\/(\d|[12]\d|3[0-2])$/;

/** First and last address of a CIDR as integers, and its prefix length; undefined when not a CIDR. */
function cidrRange(cidr: string): { first: number; last: number; bits: number } | undefined {
  const match = CIDR.exec(cidr);
  if (!match?.[1] || !match[2]) return undefined;
  const address = match[1].split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const bits = Number(match[2]);
  const size = 2 ** (32 - bits);
  const first = address - (address % size);
  return { first, last: first + size - 1, bits };
}

// https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject: the VNet /16../24, each
// subnet at least /26; subnets lie inside the VNet and apart from each other.
function parseNetwork(raw: unknown, problems: Problems): DatabricksNetworkConfig {
  const f = new FieldReader(problems, raw, "databricks.network", {
    fields: NETWORK_FIELDS,
    environment: "dev",
  });
  f.rejectUnknown();
  const read = (field: keyof typeof NETWORK_FIELDS, minBits: number, maxBits: number, allowed: string) => {
    const value = f.string(field, f.fallback(field), CIDR, allowed);
    const range = cidrRange(value);
    if (range && (range.bits < minBits || range.bits > maxBits)) {
      f.fail(field, value, allowed, f.fallback(field));
      return f.fallback<string>(field);
    }
    return value;
  };
  const addressSpace = read("addressSpace", 16, 24, "an IPv4 CIDR from /16 to /24");
  const host = read("hostSubnetPrefix", 16, 26, "an IPv4 CIDR of at least /26 (/16 to /26)");
  const container = read("containerSubnetPrefix", 16, 26, "an IPv4 CIDR of at least /26 (/16 to /26)");
  const [vnet, hostRange, containerRange] = [addressSpace, host, container].map(cidrRange);
  for (const [field, value, range] of [
    ["hostSubnetPrefix", host, hostRange],
    ["containerSubnetPrefix", container, containerRange],
  ] as const) {
    if (vnet && range && (range.first < vnet.first || range.last > vnet.last)) {
      f.fail(field, value, `inside addressSpace ${addressSpace}`, f.fallback(field));
    }
  }
  if (
    hostRange &&
    containerRange &&
    hostRange.first <= containerRange.last &&
    containerRange.first <= hostRange.last
  ) {
    f.fail(
      "containerSubnetPrefix",
      container,
      `apart from hostSubnetPrefix ${host}`,
      f.fallback("containerSubnetPrefix"),
    );
  }
  return { addressSpace, hostSubnetPrefix: host, containerSubnetPrefix: container };
}

function parseAnalyticsCluster(raw: unknown, maxWorkers: number, problems: Problems) {
  if (raw === undefined || raw === null) return undefined;
  const f = new FieldReader(problems, raw, "databricks.analyticsCluster", {
    fields: ANALYTICS_CLUSTER_FIELDS,
    environment: "dev",
  });
  f.rejectUnknown();
  const cap = { min: 1, max: maxWorkers, allowed: `an integer in 1..${maxWorkers} (databricks.maxWorkers)` };
  const minWorkers = f.int("minWorkers", undefined, cap);
  const clusterMax = f.int("maxWorkers", Math.max(minWorkers, Math.min(2, maxWorkers)), cap);
  if (clusterMax < minWorkers) {
    f.fail("maxWorkers", f.raw("maxWorkers"), `at least minWorkers (${minWorkers})`, String(minWorkers));
  }
  return {
    nodeType: f.string(
      "nodeType",
      f.fallback("nodeType"),
      NODE_TYPE,
      "an Azure VM size such as Standard_D4ds_v5",
    ),
    minWorkers,
    maxWorkers: clusterMax,
    autoterminationMinutes: f.int("autoterminationMinutes"),
  };
}

export function parseDatabricks(
  raw: unknown,
  environment: Environment,
  problems: Problems,
): DatabricksConfig {
  const f = new FieldReader(problems, raw, "databricks", { fields: DATABRICKS_FIELDS, environment });
  f.rejectUnknown();
  const prod = environment === "prod";
  const maxWorkers = f.int("maxWorkers");
  const pauseSchedules = f.bool("pauseSchedules");
  if (prod && pauseSchedules) {
    f.fail(
      "pauseSchedules",
      f.raw("pauseSchedules"),
      "false in prod",
      "false",
      "prod schedules are always live",
    );
  }
  const timezone = f.string(
    "timezone",
    f.fallback("timezone"),
    /^[A-Za-z0-9_+/-]+$/,
    "an IANA time zone such as Europe/Berlin",
  );
  if (!timezoneOk(timezone)) f.fail("timezone", timezone, "an IANA time zone such as Europe/Berlin", "UTC");
  const notificationEmails = f.stringList(
    "notificationEmails",
    [],
    EMAIL,
    "an email address",
    "data-oncall@example.com",
  );
  const notificationWebhookUrl = f.optionalString(
    "notificationWebhookUrl",
    HTTPS_URL,
    "an https:// URL",
    "https://hooks.example.com/h3-ml",
  );
  // A shared stack deploys the same whoever runs it: its recipients cannot fall back to the caller's mailbox.
  // A malformed value already has its own problem; only a stack that names nobody gets this one.
  const namesNobody = f.namesNothing("notificationEmails") && !f.has("notificationWebhookUrl");
  if (environment !== "personal" && namesNobody) {
    f.fail(
      "notificationEmails",
      f.raw("notificationEmails"),
      `at least one address on the shared ${environment} stack (or set databricks.notificationWebhookUrl)`,
      "oncall@example.com",
      "nothing read from the deploying identity decides a shared stack's recipients",
      "notificationEmails[0]",
    );
  }
  return {
    sparkVersion: sparkVersion(f),
    nodeType: f.string(
      "nodeType",
      f.fallback("nodeType"),
      NODE_TYPE,
      "an Azure VM size such as Standard_D4ds_v5",
    ),
    maxWorkers,
    jobWorkers: f.int("jobWorkers", prod ? Math.min(2, maxWorkers) : 0, {
      min: 0,
      max: maxWorkers,
      allowed: `an integer in 0..${maxWorkers} (0 is single node; at most databricks.maxWorkers)`,
    }),
    ingestTrigger: f.oneOf<IngestTrigger>("ingestTrigger", f.fallback("ingestTrigger"), [
      "fileArrival",
      "schedule",
    ]),
    ingestCron: cron(f, "ingestCron"),
    normalizeCron: cron(f, "normalizeCron"),
    deleteCron: cron(f, "deleteCron"),
    timezone,
    pauseSchedules,
    notificationEmails,
    notificationWebhookUrl,
    jobTimeoutMinutes: f.int("jobTimeoutMinutes"),
    jobMaxRetries: f.int("jobMaxRetries"),
    jobRetryIntervalMinutes: f.int("jobRetryIntervalMinutes"),
    runAsServicePrincipal: f.optionalString(
      "runAsServicePrincipal",
      GUID,
      "a service principal application id (GUID)",
      "00000000-0000-0000-0000-000000000000",
    ),
    previewApplicationIds: f.stringList(
      "previewApplicationIds",
      f.fallback("previewApplicationIds"),
      GUID,
      "an Entra application id (GUID)",
      "00000000-0000-0000-0000-000000000000",
    ),
    analystsGroup: f.optionalString("analystsGroup", ACCOUNT_GROUP, "an account group name", "h3-analysts"),
    metastoreId: f.optionalString(
      "metastoreId",
      GUID,
      "a Unity Catalog metastore id (GUID)",
      "00000000-0000-0000-0000-000000000000",
    ),
    fileEvents: f.bool("fileEvents"),
    providerAuthType: f.optionalString(
      "providerAuthType",
      AUTH_TYPE,
      "a Databricks auth type such as azure-cli",
      "azure-cli",
    ),
    vnet: parseVnet(f.raw("vnet"), problems),
    network: parseNetwork(f.raw("network"), problems),
    analyticsCluster: parseAnalyticsCluster(f.raw("analyticsCluster"), maxWorkers, problems),
  };
}
