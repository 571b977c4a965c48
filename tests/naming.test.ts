import { expect } from "chai";
import * as fc from "fast-check";
import { NAME_RULES, type Names, resourceNames, stackToken } from "../config/naming";

// Pulumi stack names: letters, digits, '-', '_' and '.', up to 100 characters.
const stackName = fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/);
const namePrefix = fc.stringMatching(/^[a-z][a-z0-9]{1,7}$/);
const RULE_OF: Record<keyof Names, (typeof NAME_RULES)[keyof typeof NAME_RULES]> = {
  resourceGroup: NAME_RULES.resourceGroup,
  storageAccount: NAME_RULES.storageAccount,
  eventHubsNamespace: NAME_RULES.eventHubsNamespace,
  databricksWorkspace: NAME_RULES.databricksWorkspace,
  databricksManagedResourceGroup: NAME_RULES.resourceGroup,
  accessConnector: NAME_RULES.accessConnector,
  catalog: NAME_RULES.catalog,
  virtualNetwork: NAME_RULES.virtualNetwork,
  networkSecurityGroup: NAME_RULES.networkResource,
  natGateway: NAME_RULES.networkResource,
  natPublicIp: NAME_RULES.networkResource,
  logAnalyticsWorkspace: NAME_RULES.logAnalyticsWorkspace,
};

describe("naming", () => {
  it("names the dev stack's resources", () => {
    expect(resourceNames({ project: "h3-ml", stack: "dev", namePrefix: "h3ml" })).to.deep.equal({
      resourceGroup: "h3ml-dev-rg",
      storageAccount: "h3mldevst6ce348",
      eventHubsNamespace: "h3ml-dev-evhns-6ce348",
      databricksWorkspace: "h3ml-dev-dbw",
      databricksManagedResourceGroup: "h3ml-dev-dbw-managed-rg",
      accessConnector: "h3ml-dev-dbac",
      catalog: "h3ml_dev",
      virtualNetwork: "h3ml-dev-vnet",
      networkSecurityGroup: "h3ml-dev-dbw-nsg",
      natGateway: "h3ml-dev-nat",
      natPublicIp: "h3ml-dev-nat-ip",
      logAnalyticsWorkspace: "h3ml-dev-log",
    });
  });

  it("carries a personal stack's name", () => {
    const names = resourceNames({ project: "h3-ml", stack: "dev-alice", namePrefix: "h3ml" });
    expect(names.resourceGroup).to.equal("h3ml-dev-alice-rg");
    expect(names.storageAccount).to.match(/^h3mldevalicest[0-9a-f]{6}$/);
    expect(names.catalog).to.equal("h3ml_dev_alice");
  });

  it("slugs and hashes a stack name that is not a clean token", () => {
    expect(stackToken("Dev.Alice")).to.match(/^dev-alice-[0-9a-f]{6}$/);
    expect(stackToken("9lives")).to.match(/^lives-[0-9a-f]{6}$/);
    expect(stackToken("1234")).to.match(/^s[0-9a-f]{6}$/);
    expect(stackToken("dev-a-very-long-personal-stack-name")).to.have.length.at.most(20);
  });

  it("depends on the stack, not on anything that changes between previews", () => {
    const input = { project: "h3-ml", stack: "dev-bob", namePrefix: "h3ml" };
    expect(resourceNames(input)).to.deep.equal(resourceNames({ ...input }));
  });

  it("gives every stack name valid Azure names", () => {
    fc.assert(
      fc.property(stackName, namePrefix, (stack, prefix) => {
        const names = resourceNames({ project: "h3-ml", stack, namePrefix: prefix });
        for (const [kind, name] of Object.entries(names) as [keyof Names, string][]) {
          const rule = RULE_OF[kind];
          expect(name.length, `${kind} ${name}`).to.be.within(rule.minLength, rule.maxLength);
          expect(name, kind).to.match(rule.pattern);
        }
        expect(names.eventHubsNamespace).to.not.match(/-(sb|mgmt)$/);
      }),
      { numRuns: 500 },
    );
  });

  it("gives distinct stacks distinct names of every kind", () => {
    fc.assert(
      fc.property(stackName, stackName, (a, b) => {
        fc.pre(a !== b);
        const first = resourceNames({ project: "h3-ml", stack: a, namePrefix: "h3ml" });
        const second = resourceNames({ project: "h3-ml", stack: b, namePrefix: "h3ml" });
        for (const kind of Object.keys(first) as (keyof Names)[]) {
          expect(first[kind], `${kind} for ${a} and ${b}`).to.not.equal(second[kind]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("gives stacks that slug alike distinct names", () => {
    const stacks = ["dev-alice", "Dev-Alice", "dev.alice", "dev_alice", "dev--alice"];
    const groups = stacks.map(
      (stack) => resourceNames({ project: "h3-ml", stack, namePrefix: "h3ml" }).resourceGroup,
    );
    expect(new Set(groups).size).to.equal(stacks.length);
  });
});
