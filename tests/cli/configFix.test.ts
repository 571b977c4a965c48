/**
 * Every config error ends with the command that fixes it. These tests paste that command into the real
 * Pulumi CLI, on a stack file holding the bad value, and hand the file the CLI wrote back to the program:
 * the fix must produce a config the program accepts, whatever types `config set --path` writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse, stringify } from "yaml";
import { evaluateProgram } from "../harness/mockProgram";
import { PROD_ACCESS } from "../support";
import { type RealPulumiProject, realPulumiProject } from "./realPulumi";

const STACK = "dev-fixtest";

/**
 * The words of the first `pulumi config ...` command after `Fix:` in `message`, as a person reads it (the
 * command ends at ", ", "; " or " and " outside quotes) and a shell splits it (quotes join, then go).
 */
function fixCommand(message: string): string[] {
  const line = /Fix: (?:[^\n]*?)(pulumi config (?:set|rm) [^\n]*)/.exec(message)?.[1];
  expect(line, `no Fix command in: ${message}`).not.to.equal(undefined);
  const words: string[] = [];
  for (const token of (line ?? "").matchAll(/((?:'[^']*'|[^\s',;])+)([,;]?)(\s|$)/g)) {
    if (token[1] === "and") break;
    words.push((token[1] ?? "").replace(/'([^']*)'/g, "$1"));
    if (token[2]) break;
  }
  return words.slice(1);
}

function stackConfig(project: RealPulumiProject): Record<string, unknown> {
  return parse(readFileSync(path.join(project.root, `Pulumi.${STACK}.yaml`), "utf8")).config ?? {};
}

async function problemOf(config: Record<string, unknown>): Promise<string> {
  return evaluateProgram(STACK, { config }).then(
    () => "",
    (err: Error) => err.message,
  );
}

/** A personal stack's file as `make stack-new` writes it: it states its mode. */
const personal = (config: Record<string, unknown>) => ({ personal: { mode: "shared" }, ...config });

/** Bad values, by key, with what the error must say; each gives exactly one problem. */
const CASES: { name: string; config: Record<string, unknown>; says: string }[] = [
  {
    // A file that lost the key must not silently become a shared stack: refused, with the command that sets it.
    name: "a personal stack file without personal.mode",
    config: { tags: { owner: "fixtest" } },
    says: "personal.mode must be set to one of shared, full",
  },
  {
    name: "capture interval below 60",
    config: personal({ eventHubs: { captureIntervalSeconds: 30 } }),
    says: "eventHubs.captureIntervalSeconds",
  },
  {
    name: "Basic Event Hubs",
    config: personal({ eventHubs: { sku: "Basic" } }),
    says: "Basic has no Capture",
  },
  { name: "no event hub", config: personal({ eventHubs: { hubs: [] } }), says: "eventHubs.hubs" },
  {
    name: "an unknown eventHubs field",
    config: personal({ eventHubs: { partitions: 2 } }),
    says: "eventHubs.partitions is not a known setting",
  },
  {
    name: "a sender that is no object id",
    config: personal({ eventHubs: { senderPrincipalIds: ["ci-bot"] } }),
    says: "senderPrincipalIds",
  },
  {
    name: "storage open in prod",
    // With what a shared stack must name anyway, so the firewall is the one problem.
    config: {
      environment: "prod",
      nameSeed: "h3-health",
      resourceGroupName: "h3ml-prod-rg",
      storage: { networkDefaultAction: "Allow" },
      eventHubs: {
        deployerPrincipalIds: ["00000000-0000-4000-8000-00000000000a"],
        allowedIpRanges: ["203.0.113.0/24"],
      },
      databricks: { notificationEmails: ["oncall@example.com"], ...PROD_ACCESS },
    },
    says: '"Deny" in prod',
  },
  {
    name: "a namespace firewall denying with no sender named",
    config: personal({ personal: { mode: "full" }, nameSeed: "h3-health" }),
    says: "eventHubs.networkDefaultAction must be Allow (the named override)",
  },
  {
    name: "raw retention beyond the SLA",
    config: personal({ storage: { rawRetentionDays: 45 } }),
    says: "storage.rawRetentionDays",
  },
  {
    name: "a hub keeping events past the deletion SLA",
    config: personal({ eventHubs: { sku: "Premium", messageRetentionDays: 45 } }),
    says: "at most deletionSlaDays",
  },
  { name: "a region with spaces", config: personal({ location: "West Europe" }), says: "location must be" },
  { name: "an upper-case name prefix", config: personal({ namePrefix: "H3" }), says: "namePrefix must be" },
  {
    name: "a job timeout of zero",
    config: personal({ databricks: { jobTimeoutMinutes: 0 } }),
    says: "databricks.jobTimeoutMinutes",
  },
  {
    name: "a runtime that is not LTS",
    config: personal({ databricks: { sparkVersion: "13.1.x-scala2.12" } }),
    says: "databricks.sparkVersion",
  },
  {
    name: "the reserved local-auth tag",
    config: personal({ tags: { "h3-ml-local-auth-reason": "x" } }),
    says: "is reserved",
  },
];

describe("config errors' Fix commands, run by the real Pulumi CLI", () => {
  for (const c of CASES) {
    it(`${c.name}: the Fix command gives a stack file the program accepts`, async () => {
      const project = realPulumiProject();
      expect(project.pulumi(["stack", "init", STACK]).status).to.equal(0);
      const file = path.join(project.root, `Pulumi.${STACK}.yaml`);
      const bad = Object.fromEntries(Object.entries(c.config).map(([k, v]) => [`h3-ml:${k}`, v]));
      writeFileSync(file, stringify({ ...parse(readFileSync(file, "utf8")), config: bad }));

      const problem = await problemOf(stackConfig(project));
      expect(problem).to.contain("has 1 config problem(s)").and.contain(c.says);
      const fix = fixCommand(problem);
      const result = project.pulumi([...fix, "--stack", STACK], { capture: true });
      expect(result.status, `${fix.join(" ")}: ${result.stderr}`).to.equal(0);

      expect(await problemOf(stackConfig(project)), `after ${fix.join(" ")}`).to.equal("");
    });
  }

  it("reads the command out of a message, quotes and all", () => {
    expect(fixCommand("x must be y, got 1. Fix: pulumi config set --path 'a.b[0]' v")).to.deep.equal([
      "config",
      "set",
      "--path",
      "a.b[0]",
      "v",
    ]);
    expect(
      fixCommand("x is not known. Fix: pulumi config rm --path 'a.c' and set the intended one"),
    ).to.deep.equal(["config", "rm", "--path", "a.c"]);
  });
});
