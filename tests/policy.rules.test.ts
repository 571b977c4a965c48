import { expect } from "chai";
import { contextFor, evaluate, stackFromUrn, stackKind } from "../policy/core";
import { FIXTURES } from "../policy/fixtures";
import { RULES } from "../policy/rules";

describe("policy pack rules", () => {
  it("has at least 15 rules, each with a unique kebab-case name and a description", () => {
    const names = RULES.map((r) => r.name);
    expect(names.length).to.be.at.least(15);
    expect(new Set(names).size).to.equal(names.length);
    for (const rule of RULES) {
      expect(rule.name, rule.name).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(rule.description.length, rule.name).to.be.greaterThan(20);
      expect(rule.appliesTo.length, rule.name).to.be.greaterThan(0);
    }
  });

  it("has fixtures for exactly the rules of the pack", () => {
    expect(Object.keys(FIXTURES).sort()).to.deep.equal(RULES.map((r) => r.name).sort());
  });

  for (const rule of RULES) {
    describe(rule.name, () => {
      const fixtures = FIXTURES[rule.name] ?? { compliant: [], nonCompliant: [] };

      it("has at least one compliant and one non-compliant fixture", () => {
        expect(fixtures.compliant.length).to.be.at.least(1);
        expect(fixtures.nonCompliant.length).to.be.at.least(1);
      });

      for (const fixture of fixtures.compliant) {
        it(`passes ${fixture.title} (${fixture.stack}), under every rule of the pack`, () => {
          expect(rule.appliesTo).to.include(fixture.resource.type);
          expect(evaluate(RULES, fixture.resource, contextFor(fixture.stack))).to.deep.equal([]);
        });
      }

      for (const fixture of fixtures.nonCompliant) {
        it(`fails when ${fixture.title} (${fixture.stack}), naming the rule and the input`, () => {
          const found = evaluate(RULES, fixture.resource, contextFor(fixture.stack));
          expect(found.length).to.be.greaterThan(0);
          // One reason per fixture: no other rule may fire, or the fixture proves nothing about this one.
          expect(found.map((v) => v.rule)).to.deep.equal(found.map(() => rule.name));
          for (const violation of found) {
            expect(violation.message).to.match(new RegExp(`^\\[${rule.name}\\] ${fixture.resource.name}: `));
            expect(violation.message).to.include("Fix:", violation.message);
          }
          const text = found.map((v) => v.message).join("\n");
          for (const mention of fixture.mentions) expect(text).to.include(mention);
        });
      }
    });
  }
});

describe("policy pack context", () => {
  it("classifies stacks the way the program does", () => {
    expect(["prod", "dev", "dev-alice", "staging"].map(stackKind)).to.deep.equal([
      "prod",
      "dev",
      "personal",
      "other",
    ]);
  });

  it("reads the stack out of a URN", () => {
    expect(stackFromUrn("urn:pulumi:dev-alice::h3-ml::azure-native:storage:StorageAccount::lake")).to.equal(
      "dev-alice",
    );
  });

  it("fails when a URN carries no stack, showing the URN", () => {
    expect(() => stackFromUrn("lake")).to.throw('cannot read the stack name from URN "lake"');
  });
});
