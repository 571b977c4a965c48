/**
 * The H3 ML policy pack, as `pulumi preview --policy-pack policy/` loads it. A thin adapter: the rules are
 * pure predicates in `rules/`, exceptions are data in `exceptions.json`; this file only hands them to the
 * Pulumi policy engine.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  PolicyPack,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import {
  contextFor,
  evaluateStack,
  type ResourceFacts,
  type Rule,
  type StackRule,
  stackFromUrn,
} from "./core";
import { judge, parseExceptions, type RuleException } from "./enforcement";
import { RULES, STACK_RULES } from "./rules";

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

/** A stack rule as a mandatory stack validation policy; it takes no exceptions. */
function stackPolicyFor(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const [first] = args.resources;
      if (first === undefined) return;
      const resources: ResourceFacts[] = args.resources.map((r) => ({
        type: r.type,
        name: r.name,
        props: r.props,
        protect: r.opts.protect,
        urn: r.urn,
        dependencies: r.dependencies.map((d) => d.urn),
      }));
      for (const v of evaluateStack([rule], resources, contextFor(stackFromUrn(first.urn))))
        report(v.message);
    },
  };
}

new PolicyPack("h3-ml", {
  description: "H3 ML guardrails: storage, Event Hubs, Databricks, access and protection rules.",
  enforcementLevel: "mandatory",
  policies: [...RULES.flatMap((rule) => policiesFor(rule, exceptions)), ...STACK_RULES.map(stackPolicyFor)],
});
