import * as databricks from "@pulumi/databricks";
import { RESOURCE_TYPES } from "../policy/vocabulary/resourceTypes";
import {
  type Evaluation,
  MOCK_DEV_OUTPUTS,
  MOCK_SUBSCRIPTION_ID,
  MOCK_WORKSPACE_HOST,
  type Registration,
} from "./harness/mockProgram";

const TEST_HOST = "https://adb-test.azuredatabricks.net";
export const STORAGE_ACCOUNT_ID = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/h3mldevst`;

/** A stand-in for the workspace's provider, for component tests. */
export function testProvider(): databricks.Provider {
  return new databricks.Provider("dbx", { host: TEST_HOST });
}

/** The provider reference (`urn::id`) resources created through `testProvider()` carry. */
export function providerRef(evaluation: Evaluation, name = "dbx"): string {
  const provider = evaluation.registrations.find(
    (r) => r.type === RESOURCE_TYPES.databricksProvider && r.name === name,
  ) as Registration;
  return `${provider.urn}::${name}-id`;
}

/** Every registration from the Databricks provider package (the provider resources themselves excluded). */
export function databricksResources(evaluation: Evaluation): Registration[] {
  return evaluation.registrations.filter((r) => r.type.startsWith("databricks:"));
}

/** Names of the program's Databricks-side resources: its components and their children. */
export const DATABRICKS_SIDE =
  /^(databricks|principals|connector-access|unity-catalog|compute|notebooks|secrets|jobs)(-|$)/;

/** The dev stack's Databricks outputs. */
export const DATABRICKS_OUTPUTS = {
  databricksWorkspaceUrl: { value: `https://${MOCK_WORKSPACE_HOST}`, secret: false },
  databricksWorkspaceResourceId: {
    value: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/h3ml-dev-rg/providers/Microsoft.Databricks/workspaces/h3ml-dev-dbw`,
    secret: false,
  },
  catalogName: { value: "h3ml_dev", secret: false },
  personalStack: { value: MOCK_DEV_OUTPUTS.personalStack, secret: false },
  databricksNotebookFolder: { value: "/h3-ml/dev", secret: false },
  ...Object.fromEntries(
    ["ingest", "normalize", "delete"].flatMap((job) => [
      [`${job}JobId`, { value: `jobs-${job}-id`, secret: false }],
      [`${job}JobUrl`, { value: `https://${MOCK_WORKSPACE_HOST}/#job/jobs-${job}-id`, secret: false }],
    ]),
  ),
};
