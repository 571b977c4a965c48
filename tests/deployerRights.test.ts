/**
 * The deployers' rights, derived from the program: what `npm run deployer-rights -- <stack>` prints lets the
 * deployer assign exactly the roles the stack's plan assigns, on the stack's resource group, and nothing on the
 * subscription (docs/deployment.md, "Deployer rights").
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { BUILT_IN_ROLES, roleGuid } from "../policy/vocabulary/roles";
import { deployerRightsFor } from "../scripts/deployerRights";
import {
  assignedRoles,
  deployerCommands,
  ROLE_DEFINITION_WRITER_ACTIONS,
  rbacAdministratorCondition,
} from "../scripts/lib/deployerRights";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";
import { evaluateProgram } from "./harness/mockProgram";
import { evaluated } from "./support";

/** The GUID sets a condition allows for writes and for deletes. */
function allowedBy(condition: string): { write: string[]; delete: string[] } {
  const sets = [...condition.matchAll(/GuidEquals \{([^}]*)\}/g)].map((m) =>
    (m[1] ?? "").split(",").map((g) => g.trim()),
  );
  expect(sets, condition).to.have.length(2);
  expect(condition).to.match(
    /^\(\(!\(ActionMatches\{'Microsoft\.Authorization\/roleAssignments\/write'\}\)\) OR \(@Request\[/,
  );
  expect(condition).to.include(
    " AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[",
  );
  return { write: sets[0] ?? [], delete: sets[1] ?? [] };
}

describe("deployer rights", () => {
  for (const stack of ["dev", "prod"]) {
    it(`let the ${stack} deployers assign exactly the roles the ${stack} plan assigns`, async () => {
      const ev = await evaluated(stack);
      const inPlan = [
        ...new Set(
          ev.registrations
            .filter((r) => r.type === TYPES.roleAssignment)
            .map((r) => roleGuid(r.inputs.roleDefinitionId)),
        ),
      ].sort();
      expect(assignedRoles(ev.registrations)).to.deep.equal(inPlan);
      const allowed = allowedBy(rbacAdministratorCondition(assignedRoles(ev.registrations)));
      expect(allowed.write).to.deep.equal(inPlan);
      expect(allowed.delete).to.deep.equal(inPlan);
    });
  }

  it("cover the roles dev assigns only with developers: the hub author role and Event Hubs Data Sender", async () => {
    const dev = await evaluateProgram("dev", {
      config: {
        developers: { entraGroupObjectId: "6a1f6b2c-0000-4000-8000-0000000000d1", accountGroup: "devs" },
      },
    });
    const hubAuthor = dev.registrations.find((r) => r.name === "roles-personal-hub-author");
    expect(assignedRoles(dev.registrations)).to.include.members([
      String(hubAuthor?.inputs.roleDefinitionId),
      BUILT_IN_ROLES.azureEventHubsDataSender,
    ]);
  });

  it("never name a role that hands out access or the subscription as a scope", async () => {
    const text = await deployerRightsFor("prod");
    const assignments = text.split("\n").filter((line) => line.startsWith("az role assignment create"));
    expect(assignments).to.have.length(3);
    for (const line of assignments) {
      expect(line).to.include(`--scope "/subscriptions/$SUBSCRIPTION_ID/resourceGroups/h3ml-prod-rg"`);
      expect(line).to.include("--assignee-object-id 00000000-0000-0000-0000-000000000002");
    }
    expect(assignments.map((l) => /--role '([^']+)'/.exec(l)?.[1])).to.deep.equal([
      "Contributor",
      "Role Based Access Control Administrator",
      "h3-ml prod role definition writer (h3ml-prod-rg)",
    ]);
    expect(text).to.not.match(/--role '(User Access Administrator|Owner)'/);
    expect(text).to.include(
      '"AssignableScopes": [\n    "/subscriptions/$SUBSCRIPTION_ID/resourceGroups/h3ml-prod-rg"',
    );
    for (const action of ROLE_DEFINITION_WRITER_ACTIONS) expect(text).to.include(`"${action}"`);
  });

  it("print one set of assignments per deployer", () => {
    const text = deployerCommands({
      stack: "dev",
      location: "westeurope",
      resourceGroup: "h3ml-dev-rg",
      deployers: ["a", "b"],
      registrations: [],
    });
    expect(text.split("\n").filter((l) => l.startsWith("az role assignment create"))).to.have.length(6);
  });

  it("are where docs/deployment.md says, the one list docs/ci.md points to", () => {
    const doc = readFileSync(path.join(PROJECT_ROOT, "docs", "deployment.md"), "utf8");
    expect(doc).to.include("npm run deployer-rights -- dev");
    expect(doc).to.include("Role Based Access Control Administrator");
  });
});
