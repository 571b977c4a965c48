/**
 * The H3 ML policy pack, as `pulumi preview --policy-pack policy/` loads it. A thin adapter: the rules are
 * pure predicates in `rules/`, exceptions are data in `exceptions.json`; this file only hands them to the
 * Pulumi policy engine.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PolicyPack, type ResourceValidationArgs, type ResourceValidationPolicy } from "@pulumi/policy";
import { type ResourceFacts, type Rule, stackFromUrn } from "./core";
import { judge, parseExceptions, type RuleException } from "./enforcement";
import { RULES } from "./rules";

const exceptions = parseExceptions(
  JSON.parse(readFileSync(join(__dirname, "exceptions.json"), "utf8")),
  RULES.map((r) => r.name),
);

function facts(args: ResourceValidationArgs): ResourceFacts {
  return { type: args.type, name: args.name, props: args.props, protect: args.opts.protect };
}

/**
 * Pulumi fixes a policy's enforcement level when the pack loads, before it knows the stack. A rule with
 * exceptions therefore gets an advisory twin that reports only on the excepted stacks, while the mandatory
 * policy stays silent there and blocks everywhere else.
 */
function policiesFor(rule: Rule, all: readonly RuleException[]): ResourceValidationPolicy[] {
  const validate =
    (pick: "mandatory" | "advisory") =>
    (args: ResourceValidationArgs, report: (message: string) => void): void => {
      if (!rule.appliesTo.includes(args.type)) return;
      for (const message of judge(rule, facts(args), stackFromUrn(args.urn), all)[pick]) report(message);
    };
  const mandatory: ResourceValidationPolicy = {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: validate("mandatory"),
  };
  const excepted = all.filter((e) => e.rule === rule.name);
  if (excepted.length === 0) return [mandatory];
  return [
    mandatory,
    {
      name: `${rule.name}-advisory`,
      description: `${rule.description} Advisory only on ${excepted.map((e) => e.stack).join(", ")}.`,
      enforcementLevel: "advisory",
      validateResource: validate("advisory"),
    },
  ];
}

new PolicyPack("h3-ml", {
  description: "H3 ML guardrails: storage, Event Hubs, Databricks, access and protection rules.",
  enforcementLevel: "mandatory",
  policies: RULES.flatMap((rule) => policiesFor(rule, exceptions)),
});
