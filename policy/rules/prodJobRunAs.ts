import { at, expected, type Rule, show, TYPES } from "../core";

/**
 * A prod job left without `run_as` runs as its owner, the deployer: every workspace admin can then make the deployer's
 * rights run arbitrary code, and a job's identity changes with whoever deploys. A service principal of the job's own
 * holds exactly the grants its step of the pipeline needs (docs/security.md).
 */
export const prodJobRunAs: Rule = {
  name: "prod-job-run-as",
  description:
    "In prod, every job runs as a service principal (runAs.servicePrincipalName), never as its owner or a user.",
  appliesTo: [TYPES.job],
  check: ({ props }, { kind }) => {
    if (kind !== "prod") return [];
    const principal = at(props, "runAs.servicePrincipalName");
    return typeof principal === "string" && principal !== ""
      ? []
      : [
          expected(
            "runAs.servicePrincipalName",
            "the application id of a service principal the job runs as",
            principal ?? (at(props, "runAs") === undefined ? undefined : show(at(props, "runAs"))),
            "give each prod job its run-as principal in config (databricks.runAs)",
          ),
        ];
  },
};
