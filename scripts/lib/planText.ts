/**
 * Renders an evaluation as a resource tree (type, logical name, inputs) in a stable order, so the same
 * program and config always print the same text: `make demo` shows key inputs, plan files show all.
 */

import { RESOURCE_TYPES } from "../../policy/vocabulary/resourceTypes";
import type { Evaluation, PropertyBag, Registration } from "../../tests/harness/mockProgram";

/** Inputs worth a glance per resource type; types not listed show their name-like inputs only. */
const KEY_INPUTS: Readonly<Record<string, readonly string[]>> = {
  [RESOURCE_TYPES.resourceGroup]: ["resourceGroupName", "location"],
  [RESOURCE_TYPES.storageAccount]: [
    "accountName",
    "kind",
    "sku.name",
    "isHnsEnabled",
    "minimumTlsVersion",
    "enableHttpsTrafficOnly",
    "allowBlobPublicAccess",
    "allowSharedKeyAccess",
    "networkRuleSet.defaultAction",
    "networkRuleSet.bypass",
  ],
  [RESOURCE_TYPES.blobContainer]: ["containerName", "publicAccess"],
  [RESOURCE_TYPES.managementPolicy]: [
    "policy.rules[0].name",
    "policy.rules[0].definition.filters.prefixMatch[0]",
    "policy.rules[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan",
  ],
  [RESOURCE_TYPES.eventHubsNamespace]: [
    "namespaceName",
    "sku.name",
    "sku.capacity",
    "minimumTlsVersion",
    "disableLocalAuth",
    "identity.type",
  ],
  [RESOURCE_TYPES.eventHub]: [
    "eventHubName",
    "partitionCount",
    "messageRetentionInDays",
    "captureDescription.encoding",
    "captureDescription.intervalInSeconds",
    "captureDescription.sizeLimitInBytes",
    "captureDescription.destination.blobContainer",
    "captureDescription.destination.identity.type",
  ],
  [RESOURCE_TYPES.roleAssignment]: ["roleDefinitionId", "scope", "principalType"],
  [RESOURCE_TYPES.workspace]: ["workspaceName", "sku.name", "parameters.enableNoPublicIp.value"],
  [RESOURCE_TYPES.accessConnector]: ["connectorName", "identity.type"],
  [RESOURCE_TYPES.storageCredential]: ["name", "isolationMode"],
  [RESOURCE_TYPES.externalLocation]: ["name", "readOnly", "enableFileEvents", "isolationMode"],
  [RESOURCE_TYPES.catalog]: ["name", "isolationMode"],
  [RESOURCE_TYPES.schema]: ["name"],
  [RESOURCE_TYPES.volume]: ["name", "schemaName", "volumeType"],
  [RESOURCE_TYPES.clusterPolicy]: ["name"],
  [RESOURCE_TYPES.cluster]: ["clusterName", "sparkVersion", "autoterminationMinutes", "dataSecurityMode"],
  [RESOURCE_TYPES.notebook]: ["path", "language"],
  [RESOURCE_TYPES.workspaceFile]: ["path"],
  [RESOURCE_TYPES.secretScope]: ["name"],
  [RESOURCE_TYPES.secret]: ["key"],
  [RESOURCE_TYPES.job]: [
    "name",
    "maxConcurrentRuns",
    "timeoutSeconds",
    "trigger.pauseStatus",
    "schedule.quartzCronExpression",
    "schedule.pauseStatus",
    "jobClusters[0].newCluster.sparkVersion",
    "jobClusters[0].newCluster.numWorkers",
    "tasks[0].maxRetries",
  ],
};

/** Every leaf of a property bag as `path=value`, in key order. */
function flatten(value: unknown, at = ""): [string, unknown][] {
  if (Array.isArray(value)) {
    return value.length === 0 ? [[at, []]] : value.flatMap((item, i) => flatten(item, `${at}[${i}]`));
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value as PropertyBag).sort(([a], [b]) => a.localeCompare(b));
    return entries.length === 0 ? [[at, {}]] : entries.flatMap(([k, v]) => flatten(v, at ? `${at}.${k}` : k));
  }
  return [[at, value]];
}

function describe(registration: Registration, detail: "key" | "full"): string[] {
  // A component has no inputs: nothing to list, not an empty-path leaf.
  const leaves = flatten(registration.inputs).filter(([path]) => path !== "");
  const wanted = KEY_INPUTS[registration.type];
  const shown =
    detail === "full"
      ? leaves
      : leaves.filter(([path]) =>
          wanted ? wanted.includes(path) : /Name$/.test(path) && !path.includes("."),
        );
  const secret = new Set(registration.secretInputs);
  const lines = shown.map(
    ([path, value]) => `${path} = ${secret.has(path) ? "[secret]" : JSON.stringify(value)}`,
  );
  if (registration.protect) lines.unshift("protect = true");
  if (detail === "full" && registration.dependencies.length > 0) {
    lines.push(`dependsOn = ${JSON.stringify([...registration.dependencies].sort())}`);
  }
  return lines;
}

export function renderPlan(evaluation: Evaluation, detail: "key" | "full" = "key"): string {
  const byParent = new Map<string | undefined, Registration[]>();
  for (const registration of evaluation.registrations) {
    const siblings = byParent.get(registration.parent) ?? [];
    siblings.push(registration);
    byParent.set(registration.parent, siblings);
  }
  const out: string[] = [`stack ${evaluation.stack}: ${evaluation.registrations.length} resources`];
  const walk = (parent: string | undefined, depth: number) => {
    const children = [...(byParent.get(parent) ?? [])].sort((a, b) => a.urn.localeCompare(b.urn));
    for (const child of children) {
      const indent = "  ".repeat(depth);
      out.push(`${indent}${child.type}  ${child.name}`);
      for (const line of describe(child, detail)) out.push(`${indent}    ${line}`);
      walk(child.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  const outputs = Object.entries(evaluation.outputs).sort(([a], [b]) => a.localeCompare(b));
  out.push("outputs:");
  for (const [key, output] of outputs) {
    out.push(`  ${key} = ${output.secret ? "[secret]" : JSON.stringify(output.value)}`);
  }
  return `${out.join("\n")}\n`;
}
