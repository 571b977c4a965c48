import { expect } from "chai";
import * as fc from "fast-check";
import { checkTeamInput, NAME_RULES, type Names, resourceNames, stackToken } from "../config/naming";

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
    expect(
      resourceNames({
        project: "h3-ml",
        stack: "dev",
        namePrefix: "h3ml",
        organization: "organization",
        nameSeed: "h3-health",
      }),
    ).to.deep.equal({
      resourceGroup: "h3ml-dev-rg",
      storageAccount: "h3mldevst571d3e",
      eventHubsNamespace: "h3ml-dev-evhns-571d3e",
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

  // A second team deploying this project with the default prefix would otherwise derive the same globally
  // unique names and be refused by Azure ("StorageAccountAlreadyTaken").
  it("gives two teams different globally unique names, and the same team the same names whoever runs it", () => {
    const base = { project: "h3-ml", stack: "dev", namePrefix: "h3ml" };
    const teams = [
      { ...base, organization: "organization", nameSeed: "h3-health" },
      { ...base, organization: "organization", nameSeed: "team-b" },
      { ...base, organization: "acme" },
      { ...base, organization: "globex" },
    ].map((input) => resourceNames(input));
    expect(new Set(teams.map((n) => n.storageAccount)).size).to.equal(4);
    expect(new Set(teams.map((n) => n.eventHubsNamespace)).size).to.equal(4);
    // Only the global names carry it: the rest read the same for every team.
    expect(new Set(teams.map((n) => n.resourceGroup))).to.deep.equal(new Set(["h3ml-dev-rg"]));
    const again = resourceNames({ ...base, organization: "acme" });
    expect(again).to.deep.equal(teams[2]);
  });

  it("refuses a self-managed stack without nameSeed, whose organization tells no team apart", () => {
    const base = { project: "h3-ml", stack: "dev", namePrefix: "h3ml" };
    expect(() => checkTeamInput({ ...base, organization: "organization" })).to.throw(
      /^nameSeed is not set and stack dev is on a self-managed backend .* Fix: pulumi config set nameSeed </,
    );
    expect(() =>
      checkTeamInput({ ...base, organization: "organization", nameSeed: "h3-health" }),
    ).to.not.throw();
    expect(() => checkTeamInput({ ...base, organization: "acme" })).to.not.throw();
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
