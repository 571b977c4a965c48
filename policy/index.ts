/**
 * The H3 ML policy pack, as `pulumi preview --policy-pack policy/` loads it. A thin adapter: the rules are
 * pure predicates in `rules/`; this file only hands them to the Pulumi policy engine. Every policy is mandatory;
 * Pulumi's own policy pack config (`--policy-pack-config <file>`, a JSON object of policy name to enforcement
 * level) lowers one where someone needs that on a personal stack (docs/security.md).
 */
import { PolicyPack, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import {
  contextFor,
  evaluate,
  evaluateStack,
  type ResourceFacts,
  type Rule,
  type StackRule,
  stackFromUrn,
} from "./core";
import { RULES, STACK_RULES } from "./rules";

function resourcePolicyFor(rule: Rule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    validateResource: (args, report) => {
      const resource: ResourceFacts = {
        type: args.type,
        name: args.name,
        props: args.props,
        protect: args.opts.protect,
      };
      for (const v of evaluate([rule], resource, contextFor(stackFromUrn(args.urn)))) report(v.message);
    },
  };
}

function stackPolicyFor(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
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
  policies: [...RULES.map(resourcePolicyFor), ...STACK_RULES.map(stackPolicyFor)],
});
