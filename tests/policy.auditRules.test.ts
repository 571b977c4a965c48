/**
 * The pack's audit and access rules over the real program: prod passes them, and each fails where the program
 * would stop giving auditors their evidence or hand out a control-plane role.
 */
import { expect } from "chai";
import { contextFor, evaluateStack } from "../policy/core";
import { prodDiagnosticSettings } from "../policy/rules/prodDiagnosticSettings";
import { prodEventHubsFirewall } from "../policy/rules/prodEventHubsFirewall";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { type Evaluation, evaluateProgram, type Registration } from "./harness/mockProgram";
import { checkRegistrations, factsOf } from "./harness/policyCheck";
import { evaluated, FULL_COPY, resource } from "./support";

const check = (stack: string, registrations: readonly Registration[]) =>
  evaluateStack([prodDiagnosticSettings], factsOf(registrations), contextFor(stack)).map((v) => v.message);

describe("prod-diagnostic-settings over the program", () => {
  let prod: Evaluation;
  before(async () => {
    prod = await evaluated("prod");
  });

  it("passes prod, whose workspace and namespace each send their logs", () => {
    expect(check("prod", prod.registrations)).to.deep.equal([]);
  });

  it("fails when the workspace's setting is gone, naming the workspace", () => {
    const without = prod.registrations.filter((r) => r.name !== "diagnostics-databricks");
    expect(check("prod", without)).to.deep.equal([
      "[prod-diagnostic-settings] databricks-workspace: diagnostic settings must be a setting on this resource " +
        "with a log enabled, got []. Fix: send the resource's logs to the stack's Log Analytics workspace " +
        "(components/diagnostics.ts)",
    ]);
  });

  it("fails when the namespace's setting enables no log", () => {
    const setting = resource(prod, TYPES.diagnosticSetting, "diagnostics-event-hubs");
    const off = {
      ...setting,
      inputs: { ...setting.inputs, logs: [{ categoryGroup: "allLogs", enabled: false }] },
    };
    const found = check(
      "prod",
      prod.registrations.map((r) => (r.urn === setting.urn ? off : r)),
    );
    expect(found).to.deep.equal([
      "[prod-diagnostic-settings] ingestion-namespace: diagnostic settings must be a setting on this resource " +
        "with a log enabled, got [\"diagnostics-event-hubs\"]. Fix: send the resource's logs to the stack's Log " +
        "Analytics workspace (components/diagnostics.ts)",
    ]);
  });

  it("asks nothing of dev or a personal full copy, which send their logs all the same", async () => {
    for (const [stack, options] of [
      ["dev", {}],
      ["dev-alice", { config: FULL_COPY }],
    ] as const) {
      const ev = await evaluated(stack, options);
      expect(
        ev.registrations.filter((r) => r.type === TYPES.diagnosticSetting).map((r) => r.name),
      ).to.have.length(3);
      const without = ev.registrations.filter((r) => r.type !== TYPES.diagnosticSetting);
      expect(check(stack, without), stack).to.deep.equal([]);
    }
  });
});

describe("role-assignment-data-role over the program", () => {
  it("passes every stack: the one key-listing grant (file events) carries its documented reason", async () => {
    for (const stack of ["dev", "prod"]) {
      const ev = await evaluated(stack);
      const grant = resource(ev, TYPES.roleAssignment, "connector-access-account-contributor");
      expect(grant.inputs.description).to.match(/^Needs a control-plane role: Unity Catalog file events/);
      const found = checkRegistrations(stack, ev.registrations).filter(
        (v) => v.rule === "role-assignment-data-role",
      );
      expect(found).to.deep.equal([]);
    }
  });

  it("fails on the file events grant without its reason", async () => {
    const prod = await evaluated("prod");
    const grant = resource(prod, TYPES.roleAssignment, "connector-access-account-contributor");
    const bare = { ...grant, inputs: { ...grant.inputs, description: "file events" } };
    expect(checkRegistrations("prod", [bare]).map((v) => v.rule)).to.deep.equal([
      "role-assignment-data-role",
    ]);
  });
});

describe("prod-eventhubs-firewall over the program", () => {
  const firewall = (stack: string, registrations: readonly Registration[]) =>
    evaluateStack([prodEventHubsFirewall], factsOf(registrations), contextFor(stack)).map((v) => v.message);

  it("passes prod, whose namespace admits its senders' addresses only", async () => {
    expect(firewall("prod", (await evaluated("prod")).registrations)).to.deep.equal([]);
  });

  it("fails when prod's rule set allows by default, or denies with no rule (which Azure reads as open)", async () => {
    const prod = await evaluated("prod");
    const network = resource(prod, TYPES.namespaceNetworkRuleSet, "ingestion-network");
    for (const inputs of [
      { ...network.inputs, defaultAction: "Allow" },
      { ...network.inputs, ipRules: [] },
    ] as Record<string, unknown>[]) {
      const changed = prod.registrations.map((r) => (r.urn === network.urn ? { ...network, inputs } : r));
      expect(firewall("prod", changed)).to.deep.equal([
        "[prod-eventhubs-firewall] ingestion-namespace: network rule set must be defaultAction Deny with at least " +
          `one IP or virtual network rule, got [{"name":"ingestion-network","defaultAction":"${String(inputs.defaultAction)}"}]. ` +
          "Fix: set eventHubs.networkDefaultAction Deny and eventHubs.allowedIpRanges to the senders' addresses",
      ]);
    }
    const without = prod.registrations.filter((r) => r.urn !== network.urn);
    expect(firewall("prod", without)).to.have.length(1);
  });

  it("leaves dev's named override to dev", async () => {
    expect(firewall("dev", (await evaluated("dev")).registrations)).to.deep.equal([]);
  });
});

describe("diagnostics config", () => {
  it("keeps the logs diagnostics.retentionDays, and sends them to a workspace named in config instead of its own", async () => {
    const central =
      "/subscriptions/00000000-0000-4000-8000-0000000000ff/resourceGroups/logs/providers/Microsoft.OperationalInsights/workspaces/central";
    const kept = await evaluateProgram("dev", { config: { diagnostics: { retentionDays: 90 } } });
    expect(
      resource(kept, TYPES.logAnalyticsWorkspace, "diagnostics-workspace").inputs.retentionInDays,
    ).to.equal(90);
    const elsewhere = await evaluateProgram("dev", {
      config: { diagnostics: { logAnalyticsWorkspaceId: central } },
    });
    expect(elsewhere.registrations.filter((r) => r.type === TYPES.logAnalyticsWorkspace)).to.deep.equal([]);
    const settings = elsewhere.registrations.filter((r) => r.type === TYPES.diagnosticSetting);
    expect(settings.map((r) => r.inputs.workspaceId)).to.deep.equal([central, central, central]);
  });
});
