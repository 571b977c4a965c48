/**
 * One rule for resources that hold data (storage account, Event Hubs namespace, workspace, catalog):
 * protected from `pulumi destroy` and accidental replacement in prod, disposable everywhere else so
 * personal stacks can be torn down in one command.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../config/config";

/** Whether stateful resources of this environment are protected. */
export function protectsStatefulResources(environment: Environment): boolean {
  return environment === "prod";
}

/** `opts` for a stateful child resource: `protect` set from the component's `protect` arg. */
export function statefulOptions(
  protect: boolean,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResourceOptions {
  return { ...opts, protect };
}
