/**
 * The harness's model of the two Pulumi backends (tests/harness/backends.ts), against the rules it pins from
 * the CLI's source: each rule fails where the backend would.
 */
import { expect } from "chai";
import { devStackReference } from "../config/naming";
import { organizationOf, resolveStackReference, SELF_MANAGED, StackReferenceError } from "./harness/backends";

const CLOUD = { kind: "pulumi-cloud", organization: "acme" } as const;

describe("Pulumi backends as the harness models them", () => {
  it("gives a program `organization` on a self-managed backend and the stack's owner on Pulumi Cloud", () => {
    expect(organizationOf(SELF_MANAGED)).to.equal("organization");
    expect(organizationOf(CLOUD)).to.equal("acme");
  });

  it("reads every short form on a self-managed backend in the current project, under `organization`", () => {
    for (const name of ["dev", "organization/dev", "organization/h3-ml/dev"]) {
      expect(resolveStackReference(name, SELF_MANAGED, "h3-ml"), name).to.equal("organization/h3-ml/dev");
    }
    expect(resolveStackReference("organization/other/dev", SELF_MANAGED, "h3-ml")).to.equal(
      "organization/other/dev",
    );
  });

  it("refuses another organization on a self-managed backend, with the backend's words", () => {
    for (const name of ["acme/h3-ml/dev", "acme/dev"]) {
      expect(() => resolveStackReference(name, SELF_MANAGED, "h3-ml"), name).to.throw(
        StackReferenceError,
        "organization name must be 'organization'",
      );
    }
  });

  it("refuses anything but <organization>/<project>/<stack> on Pulumi Cloud, with the backend's words", () => {
    expect(resolveStackReference("acme/h3-ml/dev", CLOUD, "h3-ml")).to.equal("acme/h3-ml/dev");
    for (const name of ["dev", "acme/dev", "a/b/c/d"]) {
      expect(() => resolveStackReference(name, CLOUD, "h3-ml"), name).to.throw(
        StackReferenceError,
        "a stack reference's name should be of the form '<organization>/<project>/<stack>'",
      );
    }
  });

  it("qualifies a bare dev stack with the stack's own organization, so it resolves on both backends", () => {
    for (const backend of [SELF_MANAGED, CLOUD]) {
      const name = devStackReference("dev", organizationOf(backend), "h3-ml");
      expect(resolveStackReference(name, backend, "h3-ml")).to.equal(`${organizationOf(backend)}/h3-ml/dev`);
    }
    expect(devStackReference("h3/h3-ml/dev", "acme", "h3-ml")).to.equal("h3/h3-ml/dev");
  });
});
