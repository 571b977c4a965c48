/**
 * A stack's state as `pulumi stack export` lists it after a full deploy, built from the program under mocks: what the
 * code-only deploy's target planning reads, shared by its unit tests and its real-CLI tests.
 */
import { expect } from "chai";
import type { StateResource } from "../scripts/lib/codeTargets";
import { providerUrn } from "../scripts/lib/codeTargets";
import type { Registration } from "./harness/mockProgram";

/** The stack's state after a full deploy of `registrations`, as `pulumi stack export` lists it. */
export function deployedState(stack: string, registrations: readonly Registration[]): StateResource[] {
  const root = `urn:pulumi:${stack}::h3-ml::pulumi:pulumi:Stack::h3-ml-${stack}`;
  const urns = new Set(registrations.map((r) => r.urn));
  const providerIds = new Map(
    registrations
      .filter((r) => r.provider)
      .map((r) => [providerUrn(r.provider), r.provider?.split("::").at(-1)]),
  );
  return registrations.map((r) => ({
    urn: r.urn,
    type: r.type,
    custom: r.custom,
    ...(r.custom ? { id: providerIds.get(r.urn) ?? `${r.name}-id` } : {}),
    parent: r.parent ?? root,
    ...(r.provider ? { provider: r.provider } : {}),
    dependencies: r.dependencies.filter((d) => urns.has(d)),
  }));
}

export const urnOf = (registrations: readonly Registration[], type: string, name: string): string => {
  const found = registrations.find((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).not.to.equal(undefined);
  return found?.urn ?? "";
};
export const NOTEBOOK = "databricks:index/notebook:Notebook";
export const FILE = "databricks:index/workspaceFile:WorkspaceFile";
export const DIRECTORY = "databricks:index/directory:Directory";
export const JOB = "databricks:index/job:Job";

/** A state entry for a code resource of `like`'s kind and folder under another logical name. */
export function renamed(like: StateResource, name: string): StateResource {
  return { ...like, urn: `${like.urn.slice(0, like.urn.lastIndexOf("::"))}::${name}` };
}
