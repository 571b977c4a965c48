/**
 * What the two kinds of Pulumi backend do with a stack reference and which organization they give a program,
 * read from the CLI's source at the SDK's release (github.com/pulumi/pulumi, pkg/v3 v3.248.0), so the harness
 * resolves a `StackReference` the way the engine would and fails where the engine would:
 *
 * - self-managed (file://, azblob://, s3://, gs://; pkg/backend/diy): every stack's organization is the fixed
 *   word `organization` (diy/state.go: `Organization: "organization"`, diy/backend.go `Organization()`); a stack
 *   reference may be `<stack>`, `<org>/<stack>` or `<org>/<project>/<stack>`, where the organization, when given,
 *   must be `organization` and the project defaults to the current one (diy/store.go, `ParseReference`).
 * - Pulumi Cloud (pkg/backend/httpstate): the program's organization is the stack's owner (httpstate/state.go:
 *   `Organization: tokens.Name(stackID.Owner)`), and a stack reference must be fully qualified
 *   `<organization>/<project>/<stack>` (httpstate/backend.go, `GetStackOutputs`); a shorter name is not resolved
 *   against the caller's default organization, as the CLI's `--stack` flag would (pulumi/pulumi#2522).
 */

export type MockBackend =
  | { readonly kind: "self-managed" }
  | { readonly kind: "pulumi-cloud"; readonly organization: string };

export const SELF_MANAGED: MockBackend = { kind: "self-managed" };

/** The organization self-managed backends give every stack. */
export const SELF_MANAGED_ORGANIZATION = "organization";

/**
 * The backend a stack's fully qualified name (`pulumi stack --show-name --fully-qualify-stack-names`) points to:
 * self-managed backends qualify every stack with `organization`, Pulumi Cloud with its owner.
 */
export function backendOfOrganization(organization: string): MockBackend {
  return organization === SELF_MANAGED_ORGANIZATION ? SELF_MANAGED : { kind: "pulumi-cloud", organization };
}

/** What `pulumi.getOrganization()` returns in a program deployed to `backend`. */
export function organizationOf(backend: MockBackend): string {
  return backend.kind === "self-managed" ? SELF_MANAGED_ORGANIZATION : backend.organization;
}

/** The engine's error for a stack reference it cannot resolve; the message is the backend's own. */
export class StackReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackReferenceError";
  }
}

/** The fully qualified name the backend reads a stack reference as, or the backend's error. */
export function resolveStackReference(name: string, backend: MockBackend, project: string): string {
  const parts = name.split("/");
  if (backend.kind === "pulumi-cloud") {
    if (parts.length !== 3) {
      throw new StackReferenceError(
        "a stack reference's name should be of the form '<organization>/<project>/<stack>'. " +
          "See https://www.pulumi.com/docs/using-pulumi/stack-outputs-and-references/#using-stack-references " +
          "for more information.",
      );
    }
    return name;
  }
  if (parts.length > 3 || parts.some((part) => part === "")) {
    throw new StackReferenceError(`could not parse stack reference '${name}'`);
  }
  const [org, stackProject, stack] =
    parts.length === 3
      ? parts
      : parts.length === 2
        ? [parts[0], project, parts[1]]
        : [SELF_MANAGED_ORGANIZATION, project, parts[0]];
  if (org !== SELF_MANAGED_ORGANIZATION) {
    throw new StackReferenceError("organization name must be 'organization'");
  }
  return `${org}/${stackProject}/${stack}`;
}
