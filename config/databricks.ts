/**
 * The `databricks` config section's rules that tie its fields together: recipients on shared stacks, and the
 * program-built VNet's subnets. Every field itself is declared in `schema.ts` (`DATABRICKS_FIELDS`).
 */
import { ConfigReader, type Environment, type Problems, type SectionValue } from "./fields";
import { cidrRange, DATABRICKS_FIELDS } from "./schema";

export type DatabricksConfig = SectionValue<typeof DATABRICKS_FIELDS>;
export type IngestTrigger = DatabricksConfig["ingestTrigger"];

/** The runtime every cluster runs unless `databricks.sparkVersion` says otherwise. */
export const DEFAULT_SPARK_VERSION = DATABRICKS_FIELDS.sparkVersion.default.value;

/** Checks the rules that span the section's fields; `dbx` is what the reader read for it. */
export function databricksRules(dbx: DatabricksConfig, reader: ConfigReader): void {
  // A shared stack deploys the same whoever runs it: its recipients cannot fall back to the caller's mailbox.
  // A malformed value already has its own problem; only a stack that names nobody gets this one.
  const namesNobody =
    reader.namesNothing("databricks.notificationEmails") && !reader.has("databricks.notificationWebhookUrl");
  if (reader.environment !== "personal" && namesNobody) {
    reader.fail(
      "databricks.notificationEmails",
      reader.given("databricks.notificationEmails"),
      `at least one address on the shared ${reader.environment} stack (or set databricks.notificationWebhookUrl)`,
      "oncall@example.com",
      "nothing read from the deploying identity decides a shared stack's recipients",
      "databricks.notificationEmails[0]",
    );
  }
  networkRules(dbx.network, reader);
}

// https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject: subnets lie inside the VNet
// and apart from each other.
function networkRules(network: DatabricksConfig["network"], reader: ConfigReader): void {
  const { addressSpace, hostSubnetPrefix: host, containerSubnetPrefix: container } = network;
  const [vnet, hostRange, containerRange] = [addressSpace, host, container].map(cidrRange);
  const fallback = (field: keyof typeof network) => DATABRICKS_FIELDS.network.fields[field].default.value;
  for (const [field, subnet, range] of [
    ["hostSubnetPrefix", host, hostRange],
    ["containerSubnetPrefix", container, containerRange],
  ] as const) {
    if (vnet && range && (range.first < vnet.first || range.last > vnet.last)) {
      reader.fail(
        `databricks.network.${field}`,
        subnet,
        `inside addressSpace ${addressSpace}`,
        fallback(field),
      );
    }
  }
  if (
    hostRange &&
    containerRange &&
    hostRange.first <= containerRange.last &&
    containerRange.first <= hostRange.last
  ) {
    reader.fail(
      "databricks.network.containerSubnetPrefix",
      container,
      `apart from hostSubnetPrefix ${host}`,
      fallback("containerSubnetPrefix"),
    );
  }
}

/** The `databricks` section of a stack in `environment`, read and checked on its own (its problems in `problems`). */
export function parseDatabricks(
  raw: unknown,
  environment: Environment,
  problems: Problems,
): DatabricksConfig {
  const reader = new ConfigReader(problems, environment);
  const dbx = reader.section(DATABRICKS_FIELDS, raw, "databricks");
  databricksRules(dbx, reader);
  return dbx;
}
