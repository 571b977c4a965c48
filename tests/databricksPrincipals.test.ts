import { expect } from "chai";
import { DatabricksPrincipals, RUN_AS_ENTITLEMENTS } from "../components/databricksPrincipals";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { databricksResources, providerRef, testProvider } from "./databricksFixtures";
import { evaluate, resolveOutput } from "./harness/mockProgram";
import { ofType, resource } from "./support";

const ACCOUNT = "33333333-0000-4000-8000-000000000003";
const DEPLOYER = "servicePrincipals/22222222-0000-4000-8000-000000000002";
const [SHARED, DELETER] = ["aaaa", "dddd"].map((x) => `9f0c1d2e-0000-4000-8000-0000000${x}0`) as [
  string,
  string,
];

describe("DatabricksPrincipals: the jobs' run-as principals", () => {
  const build = (runAsGrant?: { accountId: string; deployers: string[] }) =>
    evaluate(
      "prod",
      () =>
        new DatabricksPrincipals("principals", {
          provider: testProvider(),
          jobPrincipals: { ingest: SHARED, normalize: SHARED, delete: DELETER },
          runAsGrant,
          previewApplicationIds: [],
        }),
    );

  it("adds each distinct principal to the workspace once, with workspace access only", async () => {
    const ev = await build({ accountId: ACCOUNT, deployers: [DEPLOYER] });
    expect(ofType(ev, TYPES.servicePrincipal).map((p) => [p.name, p.inputs])).to.deep.equal([
      [
        `principals-run-as-${SHARED}`,
        { applicationId: SHARED, active: true, force: true, ...RUN_AS_ENTITLEMENTS },
      ],
      [
        `principals-run-as-${DELETER}`,
        { applicationId: DELETER, active: true, force: true, ...RUN_AS_ENTITLEMENTS },
      ],
    ]);
    for (const r of databricksResources(ev)) expect(r.provider, r.name).to.equal(providerRef(ev));
  });

  it("grants the deployers Service Principal User and Manager on each, and has each job wait for its grant", async () => {
    const ev = await build({ accountId: ACCOUNT, deployers: [DEPLOYER] });
    for (const id of [SHARED, DELETER]) {
      const ruleSet = resource(ev, TYPES.accessControlRuleSet, `principals-run-as-${id}`);
      expect(ruleSet.inputs).to.deep.equal({
        name: `accounts/${ACCOUNT}/servicePrincipals/${id}/ruleSets/default`,
        grantRules: [
          { role: "roles/servicePrincipal.user", principals: [DEPLOYER] },
          { role: "roles/servicePrincipal.manager", principals: [DEPLOYER] },
        ],
      });
      expect(ruleSet.dependencies).to.include(
        resource(ev, TYPES.servicePrincipal, `principals-run-as-${id}`).urn,
      );
    }
    const principals = ev.result as DatabricksPrincipals;
    const runAs = principals.runAs;
    expect(runAs.ingest, "ingest and normalize share one principal and one grant").to.equal(runAs.normalize);
    expect((await resolveOutput(principals.jobPrincipals.delete)).value).to.equal(DELETER);
    expect(principals.runAsPrincipals).to.have.length(2);
  });

  it("creates no rule set when the deployers hold the role some other way", async () => {
    const ev = await build();
    expect(ofType(ev, TYPES.accessControlRuleSet)).to.deep.equal([]);
    expect((ev.result as DatabricksPrincipals).runAs.delete?.after).to.deep.equal([]);
  });
});
