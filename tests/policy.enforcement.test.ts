import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { ExceptionsError, judge, parseExceptions, type RuleException } from "../policy/enforcement";
import { BASELINE, variant } from "../policy/fixtures";
import { RULES } from "../policy/rules";
import { storageSharedKeyDisabled } from "../policy/rules/storageSharedKeyDisabled";

const NAMES = RULES.map((r) => r.name);
const REASON = "personal stack reached from a laptop without a private endpoint";

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseExceptions(raw, NAMES);
  } catch (error) {
    if (error instanceof ExceptionsError) return error.problems;
    throw error;
  }
  throw new Error("accepted");
}

describe("policy exceptions", () => {
  it("loads the committed exceptions file", () => {
    const raw: unknown = JSON.parse(
      readFileSync(path.join(__dirname, "..", "policy", "exceptions.json"), "utf8"),
    );
    expect(() => parseExceptions(raw, NAMES)).to.not.throw();
  });

  it("accepts a personal stack downgrading a named rule with a reason", () => {
    const entry = { stack: "dev-alice", rule: "storage-shared-key-disabled", reason: REASON };
    expect(parseExceptions([entry], NAMES)).to.deep.equal([entry]);
  });

  it("fails when an exception targets a shared stack, naming the key, the value and the fix", () => {
    expect(problemsOf([{ stack: "prod", rule: "storage-firewall", reason: REASON }])).to.deep.equal([
      'exceptions[0].stack must be a personal stack (dev-<name>), got "prod". ' +
        "Fix: shared stacks (dev, prod) take no exceptions; change the program instead",
    ]);
  });

  it("fails when an exception has no written reason or names no rule", () => {
    const problems = problemsOf([{ stack: "dev-bob", rule: "no-such-rule", reason: "because" }]);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(
      /^exceptions\[0\]\.rule must name a rule of the pack, got "no-such-rule"\. Fix: use one of /,
    );
    expect(problems[1]).to.match(
      /^exceptions\[0\]\.reason must be a written reason of at least 20 characters, got "because"/,
    );
  });

  it("fails when the file is not a list", () => {
    expect(problemsOf({ "dev-alice": "storage-firewall" })[0]).to.match(
      /must hold a JSON list of exceptions/,
    );
  });

  describe("judging", () => {
    const exceptions: RuleException[] = [
      { stack: "dev-alice", rule: "storage-shared-key-disabled", reason: REASON },
    ];
    const sharedKey = (stack: string) =>
      variant("shared key on", "storageAccount", { allowSharedKeyAccess: true }, { stack, protect: false })
        .resource;

    it("downgrades the finding to advisory, with its reason, on the excepted stack only", () => {
      const judgement = judge(storageSharedKeyDisabled, sharedKey("dev-alice"), "dev-alice", exceptions);
      expect(judgement.mandatory).to.deep.equal([]);
      expect(judgement.advisory).to.have.length(1);
      expect(judgement.advisory[0]).to.match(/^\[storage-shared-key-disabled\] lake: allowSharedKeyAccess/);
      expect(judgement.advisory[0]).to.include(`(advisory on dev-alice: ${REASON})`);
    });

    it("keeps it mandatory on every other stack", () => {
      for (const stack of ["dev-bob", "dev"]) {
        const judgement = judge(storageSharedKeyDisabled, sharedKey(stack), stack, exceptions);
        expect(judgement.advisory, stack).to.deep.equal([]);
        expect(judgement.mandatory, stack).to.have.length(1);
      }
    });

    it("says nothing about a compliant resource, excepted or not", () => {
      expect(judge(storageSharedKeyDisabled, BASELINE.storageAccount, "prod", exceptions)).to.deep.equal({
        mandatory: [],
        advisory: [],
      });
    });
  });
});
