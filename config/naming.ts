/**
 * The Azure name of every resource, derived from namePrefix and the stack name.
 *
 * A stack name that is already a clean token (lowercase letter first, then lowercase letters, digits and
 * single hyphens, at most 20 characters) is used as is: `h3ml-dev-alice-rg`. Anything else (capitals, dots,
 * underscores, a digit first, too long) is slugged and gets a hash of the original, so two stacks that slug
 * alike still get distinct names. Names Azure requires to be unique beyond the stack (storage account and
 * namespace globally, custom role definitions in the tenant) also end in a hash of project + stack + an input
 * unique to the team: the stack's Pulumi organization (unique on Pulumi Cloud) and `nameSeed` (required on a
 * self-managed backend, where every stack's organization is `organization`). Each is a fact of the stack, not of
 * whoever runs it: stable across previews and callers, independent of the subscription, different per team.
 */
import { createHash } from "node:crypto";

export interface NamingInput {
  readonly project: string;
  readonly stack: string;
  readonly namePrefix: string;
  /** `pulumi.getOrganization()`: the stack's owner on Pulumi Cloud, `organization` on a self-managed backend. */
  readonly organization?: string;
  /** The `nameSeed` config key: a word unique to the team. */
  readonly nameSeed?: string;
}

/** The organization a self-managed backend gives every stack, which tells no team from another. */
const SELF_MANAGED_ORGANIZATION = "organization";

/**
 * Refuses a stack whose globally unique names would not be unique to its team: on a self-managed backend the
 * organization is the same for everyone, so `nameSeed` must say whose stack it is.
 */
export function checkTeamInput(input: NamingInput): void {
  if (input.organization === SELF_MANAGED_ORGANIZATION && !input.nameSeed) {
    throw new Error(
      `nameSeed is not set and stack ${input.stack} is on a self-managed backend (its organization is ` +
        `"${SELF_MANAGED_ORGANIZATION}" for every team), so another team deploying ${input.project} would derive ` +
        "the same storage account and Event Hubs namespace names, which Azure requires to be globally unique. " +
        "Fix: pulumi config set nameSeed <a word unique to your team, e.g. your company's domain with hyphens> " +
        "(the same on every stack of the team: dev's and prod's files set it, make stack-new copies dev's)",
    );
  }
}

/** Length and character rules of one Azure name kind; `check` enforces them on every generated name. */
export interface NameRule {
  readonly kind: string;
  readonly pattern: RegExp;
  readonly maxLength: number;
  readonly minLength: number;
}

export const NAME_RULES = {
  resourceGroup: {
    kind: "resource group",
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    minLength: 1,
    maxLength: 90,
  },
  storageAccount: { kind: "storage account", pattern: /^[a-z0-9]+$/, minLength: 3, maxLength: 24 },
  eventHubsNamespace: {
    kind: "Event Hubs namespace",
    pattern: /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/,
    minLength: 6,
    maxLength: 50,
  },
  databricksWorkspace: {
    kind: "Databricks workspace",
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    minLength: 3,
    maxLength: 64,
  },
  accessConnector: {
    kind: "access connector",
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    minLength: 1,
    maxLength: 64,
  },
  catalog: { kind: "Unity Catalog catalog", pattern: /^[a-z][a-z0-9_]*$/, minLength: 1, maxLength: 255 },
  // Virtual network 2-64, NSG, NAT gateway and public IP 1-80: letters, digits, `_`, `.`, `-`; a letter or digit
  // first, a letter, digit or `_` last (Azure naming rules for Microsoft.Network).
  virtualNetwork: {
    kind: "virtual network",
    pattern: /^[a-z0-9][a-z0-9_.-]*[a-z0-9_]$/,
    minLength: 2,
    maxLength: 64,
  },
  // 4-63 letters, digits and hyphens, a letter or digit first and last (Microsoft.OperationalInsights naming rules).
  logAnalyticsWorkspace: {
    kind: "Log Analytics workspace",
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    minLength: 4,
    maxLength: 63,
  },
  networkResource: {
    kind: "network resource",
    pattern: /^[a-z0-9][a-z0-9_.-]*[a-z0-9_]$/,
    minLength: 1,
    maxLength: 80,
  },
} as const satisfies Record<string, NameRule>;

export interface Names {
  readonly resourceGroup: string;
  readonly storageAccount: string;
  readonly eventHubsNamespace: string;
  readonly databricksWorkspace: string;
  /** Azure creates and owns this group for the workspace; it must not exist beforehand. */
  readonly databricksManagedResourceGroup: string;
  readonly accessConnector: string;
  readonly catalog: string;
  readonly virtualNetwork: string;
  readonly networkSecurityGroup: string;
  readonly natGateway: string;
  readonly natPublicIp: string;
  readonly logAnalyticsWorkspace: string;
}

const CLEAN_STACK = /^[a-z](?:[a-z0-9]|-(?!-))*$/;
const MAX_STACK_TOKEN = 20;

/** A short, stable hash; 6 hex digits keep names short while collisions stay negligible per project. */
function shortHash(...parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("/")).digest("hex").slice(0, 6);
}

/** The stack's contribution to every name: lowercase letters, digits and single hyphens, at most 20 chars. */
export function stackToken(stack: string): string {
  if (CLEAN_STACK.test(stack) && !stack.endsWith("-") && stack.length <= MAX_STACK_TOKEN) return stack;
  const slug = stack
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, MAX_STACK_TOKEN - 7)
    .replace(/-+$/, "");
  const hash = shortHash("stack", stack);
  return slug ? `${slug}-${hash}` : `s${hash}`;
}

function check(rule: NameRule, name: string): string {
  if (name.length < rule.minLength || name.length > rule.maxLength || !rule.pattern.test(name)) {
    throw new Error(
      `generated ${rule.kind} name ${JSON.stringify(name)} breaks Azure's rule ` +
        `(${rule.minLength}-${rule.maxLength} chars, ${rule.pattern}); shorten namePrefix or the stack name`,
    );
  }
  return name;
}

/** Joins parts with hyphens and trims to `max`, keeping the required suffix intact. */
function fitName(head: string, suffix: string, max: number): string {
  return `${head.slice(0, max - suffix.length).replace(/-+$/, "")}${suffix}`;
}

/**
 * The suffix of every name Azure requires to be unique beyond the stack: globally (storage account, namespace)
 * or in the tenant (custom role definitions).
 */
export function globalUnique(input: NamingInput): string {
  return shortHash(input.project, input.stack, input.organization ?? "", input.nameSeed ?? "");
}

export function resourceNames(input: NamingInput): Names {
  const token = stackToken(input.stack);
  const base = `${input.namePrefix}-${token}`;
  const unique = globalUnique(input);
  return {
    resourceGroup: check(NAME_RULES.resourceGroup, `${base}-rg`),
    storageAccount: check(
      NAME_RULES.storageAccount,
      fitName(
        `${input.namePrefix}${token.replace(/-/g, "")}`,
        `st${unique}`,
        NAME_RULES.storageAccount.maxLength,
      ),
    ),
    eventHubsNamespace: check(
      NAME_RULES.eventHubsNamespace,
      fitName(base, `-evhns-${unique}`, NAME_RULES.eventHubsNamespace.maxLength),
    ),
    databricksWorkspace: check(NAME_RULES.databricksWorkspace, `${base}-dbw`),
    databricksManagedResourceGroup: check(NAME_RULES.resourceGroup, `${base}-dbw-managed-rg`),
    accessConnector: check(NAME_RULES.accessConnector, `${base}-dbac`),
    catalog: check(NAME_RULES.catalog, `${input.namePrefix}_${token.replace(/-/g, "_")}`),
    virtualNetwork: check(NAME_RULES.virtualNetwork, `${base}-vnet`),
    networkSecurityGroup: check(NAME_RULES.networkResource, `${base}-dbw-nsg`),
    natGateway: check(NAME_RULES.networkResource, `${base}-nat`),
    natPublicIp: check(NAME_RULES.networkResource, `${base}-nat-ip`),
    logAnalyticsWorkspace: check(NAME_RULES.logAnalyticsWorkspace, `${base}-log`),
  };
}

/**
 * The fully qualified name a shared personal stack's StackReference to its dev stack uses. A bare stack name
 * (`dev`, the default) is the project's stack of that name in the personal stack's own organization
 * (`pulumi.getOrganization()`: the stack's owner on Pulumi Cloud, the word `organization` on a self-managed
 * backend); a fully qualified `<organization>/<project>/<stack>` is used as given. The name is qualified here
 * because Pulumi Cloud resolves only fully qualified stack references (pkg/backend/httpstate/backend.go,
 * `GetStackOutputs`), and a shorter one would otherwise depend on who runs the program.
 */
export function devStackReference(devStack: string, organization: string, project: string): string {
  const parts = devStack.split("/");
  if (parts.length === 1) return `${organization}/${project}/${devStack}`;
  if (parts.length === 2) return `${parts[0]}/${project}/${parts[1]}`;
  return devStack;
}
