import { expect } from "chai";
import type { Evaluation, Registration } from "../scripts/lib/mockProgram";

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

export const TYPES = {
  resourceGroup: "azure-native:resources:ResourceGroup",
  storageAccount: "azure-native:storage:StorageAccount",
  blobContainer: "azure-native:storage:BlobContainer",
  managementPolicy: "azure-native:storage:ManagementPolicy",
  namespace: "azure-native:eventhub:Namespace",
  eventHub: "azure-native:eventhub:EventHub",
  consumerGroup: "azure-native:eventhub:ConsumerGroup",
  authorizationRule: "azure-native:eventhub:EventHubAuthorizationRule",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  dataLake: "h3:storage:DataLake",
  eventIngestion: "h3:eventhub:EventIngestion",
} as const;
