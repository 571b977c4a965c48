/**
 * What the Databricks service refuses when `pulumi up` creates a resource, which neither a preview nor the policy
 * pack sees: a cluster spec that breaks its cluster policy, a permission naming an account group the workspace does
 * not know, a job run as a service principal its deployer may not use, external locations that overlap. Each rule is
 * a pure function of the registrations the mock harness records, with its source beside it; `evaluateProgram` checks
 * every program evaluation against all of them and fails with their findings, as the deployment would.
 */
import { RESOURCE_TYPES } from "../../policy/vocabulary/resourceTypes";
import { COMPUTED } from "./unknowns";

/** The part of a harness registration the rules read. */
export interface ServiceResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The id the mocked provider answered with; undefined while it is unknown (a preview of a new resource). */
  readonly id?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly dependencies: readonly string[];
  readonly provider: string | undefined;
}

export type ServiceRuleName = "cluster-policy" | "group-assignment" | "run-as-role" | "location-overlap";

export interface ServiceFinding {
  readonly rule: ServiceRuleName;
  /** Logical name of the resource the service would refuse. */
  readonly resource: string;
  readonly message: string;
}

/** What the rules know beyond the program's own registrations. */
export interface ServiceContext {
  /**
   * Cluster policies the workspace already holds, by policy id, as their definition JSON: another stack's (a
   * shared personal stack's jobs run under dev's).
   */
  readonly foreignPolicies?: Readonly<Record<string, string>>;
  /**
   * The ACL principals (`servicePrincipals/<application id>`, `users/<name>`) `pulumi up` runs as, for the run-as
   * rule; without them that rule cannot tell who needs the role, and requires a grant to someone.
   */
  readonly deployers?: readonly string[];
}

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON-like values
type Bag = Record<string, any>;

const known = (value: unknown): boolean => value !== undefined && value !== COMPUTED;

/** URNs `resource` depends on, directly or through the resources it depends on. */
function dependencyClosure(
  resource: ServiceResource,
  byUrn: ReadonlyMap<string, ServiceResource>,
): Set<string> {
  const seen = new Set<string>();
  const pending = [...resource.dependencies];
  while (pending.length > 0) {
    const urn = pending.pop() as string;
    if (seen.has(urn)) continue;
    seen.add(urn);
    pending.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------------------------
// (i) Cluster policies
//
// Databricks' compute policy reference (https://learn.microsoft.com/azure/databricks/admin/clusters/policy-definition,
// "Compute policy reference"): a definition maps attribute paths (the Clusters API's names, nested ones joined by
// dots: `autoscale.max_workers`, `custom_tags.<tag>`, `spark_conf.<key>`, `init_scripts.*.volumes.destination`)
// to one limitation each; attributes it does not name are not limited. Its limitation types and common fields:
//   fixed      the value is the given one; `hidden` only removes the field from the UI;
//   forbidden  the attribute may not be set;
//   allowlist  the value is one of `values`;       blocklist  the value is none of `values`;
//   regex      the value matches `pattern`, "always anchored to the beginning and end of the string value";
//   range      a number within `minValue`..`maxValue`, either bound optional;
//   unlimited  any value (with `defaultValue` or `isOptional` it sets a default or makes the attribute optional);
//   a limited attribute is required unless `isOptional: true`; `defaultValue` fills it only when the request sets
//   `apply_policy_default_values`, while fixed values are applied to an omitted field always (Clusters API,
//   `apply_policy_default_values`: "When set to false, only fixed values from the policy will be applied").
// Virtual paths: `cluster_type` is `job` for a job's cluster and `all-purpose` for a Clusters API cluster;
// `dbus_per_hour` depends on prices the harness does not know, so a definition using it is refused here.
// The service names a violation as "Validation failed for <path>, the value must be <value> (is "<actual>")" and a
// missing tag as "Validation failed for custom_tags, <tag> must be present" (terraform-provider-databricks#403,
// #458: a job whose cluster's custom tags contradicted its policy was refused when it was created).
// ---------------------------------------------------------------------------------------------------------------

export interface PolicyLimit {
  readonly type?: unknown;
  readonly value?: unknown;
  readonly values?: unknown;
  readonly pattern?: unknown;
  readonly minValue?: unknown;
  readonly maxValue?: unknown;
  readonly defaultValue?: unknown;
  readonly isOptional?: unknown;
  readonly hidden?: unknown;
}

export type PolicyDefinition = Readonly<Record<string, PolicyLimit>>;

/** A cluster as the service sees it when it checks the cluster against its policy. */
export interface ClusterRequest {
  /** `job` for a job's cluster (`new_cluster`), `all-purpose` for a cluster created through the Clusters API. */
  readonly clusterType: "job" | "all-purpose";
  /** The cluster's inputs as the program gives them (the provider's camelCase names). */
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Attributes whose keys are user data, kept verbatim: a tag or Spark setting name may hold dots and capitals. */
const MAP_ATTRIBUTES = new Set(["custom_tags", "spark_conf", "spark_env_vars"]);
/** Inputs of the provider's cluster block that are no cluster attribute. */
const NOT_ATTRIBUTES = new Set([
  "policy_id",
  "apply_policy_default_values",
  "no_wait",
  "is_pinned",
  "libraries",
  "provider_config",
]);
const VIRTUAL = new Set(["cluster_type", "dbus_per_hour"]);
const LIMIT_TYPES = new Set(["fixed", "forbidden", "allowlist", "blocklist", "regex", "range", "unlimited"]);

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The cluster's attributes by policy path (`autoscale.max_workers`, `custom_tags.stack`, `init_scripts.0.volumes.destination`). */
export function policyAttributes(spec: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const walk = (value: unknown, at: string) => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${at}.${i}`);
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) walk(item, `${at}.${snake(key)}`);
    } else if (value !== undefined) found.set(at, value);
  };
  for (const [key, value] of Object.entries(spec)) {
    const attribute = snake(key);
    if (NOT_ATTRIBUTES.has(attribute) || value === undefined) continue;
    if (MAP_ATTRIBUTES.has(attribute) && value !== null && typeof value === "object") {
      for (const [name, item] of Object.entries(value)) found.set(`${attribute}.${name}`, item);
    } else walk(value, attribute);
  }
  return found;
}

/** Values the service treats as equal: "values other than numeric and boolean must be convertible to a string". */
const same = (a: unknown, b: unknown) => a === b || (typeof a !== typeof b && String(a) === String(b));
const quote = (value: unknown) => JSON.stringify(value) ?? String(value);

/** A cluster sized by `autoscale` sets no `num_workers`, and the other way round: neither is then missing. */
function sizedTheOtherWay(path: string, attributes: ReadonlyMap<string, unknown>): boolean {
  const autoscaled = [...attributes.keys()].some((k) => k.startsWith("autoscale."));
  if (path === "num_workers") return autoscaled;
  return path.startsWith("autoscale.") && attributes.has("num_workers");
}

function missing(path: string): string {
  const [head, ...rest] = path.split(".");
  return MAP_ATTRIBUTES.has(head as string) && rest.length > 0
    ? `Validation failed for ${head}, ${rest.join(".")} must be present`
    : `Validation failed for ${path}, the value must be present`;
}

/** Why the service refuses `value` for `path` under `limit`; undefined when it accepts it. */
function refusal(path: string, limit: PolicyLimit, value: unknown): string | undefined {
  const failed = (requirement: string) =>
    `Validation failed for ${path}, the value must ${requirement} (is ${quote(value)})`;
  const values = Array.isArray(limit.values) ? limit.values : [];
  switch (limit.type) {
    case "fixed":
      return same(value, limit.value) ? undefined : failed(`be ${String(limit.value)}`);
    case "forbidden":
      return failed("not be set");
    case "allowlist":
      return values.some((v) => same(value, v)) ? undefined : failed(`be one of ${quote(values)}`);
    case "blocklist":
      return values.some((v) => same(value, v)) ? failed(`be none of ${quote(values)}`) : undefined;
    case "regex":
      return new RegExp(`^(?:${String(limit.pattern)})$`).test(String(value))
        ? undefined
        : failed(`match ${String(limit.pattern)}`);
    case "range": {
      const n = typeof value === "number" ? value : Number(value);
      if (typeof value === "boolean" || Number.isNaN(n)) return failed("be a number");
      if (typeof limit.minValue === "number" && n < limit.minValue)
        return failed(`be at least ${limit.minValue}`);
      if (typeof limit.maxValue === "number" && n > limit.maxValue)
        return failed(`be at most ${limit.maxValue}`);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Every refusal of `cluster` under `definition`, in the service's words; empty when the cluster is accepted. */
export function policyViolations(definition: PolicyDefinition, cluster: ClusterRequest): string[] {
  const attributes = policyAttributes(cluster.spec);
  const applyDefaults = cluster.spec.applyPolicyDefaultValues === true;
  const problems: string[] = [];
  for (const [path, limit] of Object.entries(definition)) {
    if (!LIMIT_TYPES.has(String(limit.type))) {
      problems.push(`Policy attribute ${path} has type ${quote(limit.type)}, which is no limitation type`);
      continue;
    }
    if (path === "dbus_per_hour") {
      throw new Error("the harness cannot evaluate dbus_per_hour (it depends on VM and DBU prices)");
    }
    const present: [string, unknown][] =
      path === "cluster_type"
        ? [[path, cluster.clusterType]]
        : path.includes("*")
          ? [...attributes].filter(([key]) =>
              new RegExp(`^${path.split("*").map(regexText).join("[^.]+")}$`).test(key),
            )
          : attributes.has(path)
            ? [[path, attributes.get(path)]]
            : [];
    // An unknown value (a preview of a new resource) is decided at apply time.
    for (const [key, value] of present.filter(([, v]) => v !== COMPUTED)) {
      const problem = refusal(key, limit, value);
      if (problem) problems.push(problem);
    }
    if (present.length > 0 || path.includes("*") || VIRTUAL.has(path)) continue;
    if (limit.type === "fixed" || limit.type === "forbidden" || limit.isOptional === true) continue;
    if (sizedTheOtherWay(path, attributes)) continue;
    if (applyDefaults && limit.defaultValue !== undefined) {
      const problem = refusal(path, limit, limit.defaultValue);
      if (problem) problems.push(`${problem} (the policy's defaultValue)`);
      continue;
    }
    problems.push(missing(path));
  }
  return problems;
}

function regexText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every cluster a resource asks for: a Cluster itself, each of a Job's job clusters and task clusters. */
function clusterRequests(r: ServiceResource): { where: string; request: ClusterRequest }[] {
  if (r.type === RESOURCE_TYPES.cluster)
    return [{ where: "cluster", request: { clusterType: "all-purpose", spec: r.inputs } }];
  if (r.type !== RESOURCE_TYPES.job) return [];
  const inputs = r.inputs as Bag;
  const jobClusters = (Array.isArray(inputs.jobClusters) ? inputs.jobClusters : []) as Bag[];
  const tasks = (Array.isArray(inputs.tasks) ? inputs.tasks : []) as Bag[];
  return [
    ...jobClusters
      .filter((c) => c.newCluster)
      .map((c) => ({
        where: `job cluster ${quote(c.jobClusterKey)}`,
        request: { clusterType: "job" as const, spec: c.newCluster },
      })),
    ...tasks
      .filter((t) => t.newCluster)
      .map((t) => ({
        where: `task ${quote(t.taskKey)}'s cluster`,
        request: { clusterType: "job" as const, spec: t.newCluster },
      })),
  ];
}

export function checkClusterPolicies(
  resources: readonly ServiceResource[],
  context: ServiceContext = {},
): ServiceFinding[] {
  const policies = resources.filter((r) => r.type === RESOURCE_TYPES.clusterPolicy);
  const findings: ServiceFinding[] = [];
  for (const r of resources) {
    for (const { where, request } of clusterRequests(r)) {
      const policyId = request.spec.policyId;
      if (policyId === undefined) continue;
      // A policy created in this update has no id yet: the cluster names it through its dependency on it.
      const local =
        policyId === COMPUTED
          ? policies.filter((p) => r.dependencies.includes(p.urn))
          : policies.filter((p) => p.id === policyId);
      // Ids are the workspace's: one this program creates is never another stack's.
      const foreign =
        local.length === 0 && typeof policyId === "string" ? context.foreignPolicies?.[policyId] : undefined;
      const definitions: [string, unknown][] = [
        ...local.map((p): [string, unknown] => [p.name, p.inputs.definition]),
        ...(foreign === undefined ? [] : [[`policy ${policyId}`, foreign] as [string, unknown]]),
      ];
      if (definitions.length === 0) {
        if (policyId !== COMPUTED) {
          findings.push({
            rule: "cluster-policy",
            resource: r.name,
            message: `${where}: policy ${quote(policyId)} does not exist in the workspace`,
          });
        }
        continue;
      }
      for (const [policyName, text] of definitions) {
        if (!known(text)) continue;
        const definition = JSON.parse(String(text)) as PolicyDefinition;
        for (const problem of policyViolations(definition, request)) {
          findings.push({
            rule: "cluster-policy",
            resource: r.name,
            message: `${where} under ${policyName}: ${problem}`,
          });
        }
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------------------
// (ii) Account groups in workspace permissions
//
// With identity federation (every Unity Catalog workspace), groups are account groups, and a workspace permission
// can name one only once it is assigned to the workspace: "In order to create workspace permissions for these
// users/groups, they need to first be assigned to the workspace" (terraform-provider-databricks#1458); creating the
// group in the workspace instead makes a workspace-local group of the same name with no members (#1705). The
// assignment is `databricks.PermissionAssignment` through the workspace's provider (by `groupName`). Unity Catalog
// grants are not workspace permissions: "Account-level principal grants can be assigned with any valid workspace as
// the Unity Catalog is decoupled from specific workspaces" (docs/resources/grant.md of the provider), so they need no
// assignment; but the workspace-local `users` and `admins` groups cannot hold Unity Catalog privileges ("You cannot
// grant users privileges on securable objects in the Unity Catalog because it is a workspace-local group",
// https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-principal).
// ---------------------------------------------------------------------------------------------------------------

/** The groups every workspace has of its own. */
export const WORKSPACE_LOCAL_GROUPS = ["admins", "users"] as const;

const EMAIL = /@/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Account groups a workspace-level resource names; a secret ACL's principal is a group unless a user or an SP. */
function groupsNamed(r: ServiceResource): string[] {
  const inputs = r.inputs as Bag;
  if (r.type === RESOURCE_TYPES.permissions) {
    return ((inputs.accessControls ?? []) as Bag[])
      .map((c) => c.groupName)
      .filter((g) => typeof g === "string");
  }
  if (r.type === RESOURCE_TYPES.secretAcl && typeof inputs.principal === "string") {
    return EMAIL.test(inputs.principal) || GUID.test(inputs.principal) ? [] : [inputs.principal];
  }
  return [];
}

export function checkGroupAssignments(resources: readonly ServiceResource[]): ServiceFinding[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const assignments = resources.filter(
    (r) =>
      r.type === RESOURCE_TYPES.permissionAssignment &&
      Array.isArray(r.inputs.permissions) &&
      (r.inputs.permissions as unknown[]).some((p) => p === "USER" || p === "ADMIN"),
  );
  const findings: ServiceFinding[] = [];
  for (const r of resources) {
    const groups = groupsNamed(r).filter(
      (g) => g !== COMPUTED && !(WORKSPACE_LOCAL_GROUPS as readonly string[]).includes(g),
    );
    if (groups.length === 0) continue;
    const before = dependencyClosure(r, byUrn);
    for (const group of [...new Set(groups)]) {
      const assigned = assignments.filter((a) => a.inputs.groupName === group && a.provider === r.provider);
      if (assigned.length === 0) {
        findings.push({
          rule: "group-assignment",
          resource: r.name,
          message: `names account group ${quote(group)}, which is not assigned to the workspace (no PermissionAssignment of it through the same provider)`,
        });
      } else if (!assigned.some((a) => before.has(a.urn))) {
        findings.push({
          rule: "group-assignment",
          resource: r.name,
          message: `names account group ${quote(group)} without depending on its assignment (${assigned.map((a) => a.name).join(", ")}): it may be created first`,
        });
      }
    }
  }
  for (const r of resources.filter((x) => x.type === RESOURCE_TYPES.grants)) {
    for (const grant of ((r.inputs as Bag).grants ?? []) as Bag[]) {
      if ((WORKSPACE_LOCAL_GROUPS as readonly string[]).includes(grant.principal)) {
        findings.push({
          rule: "group-assignment",
          resource: r.name,
          message: `grants Unity Catalog privileges to the workspace-local group ${quote(grant.principal)}, which cannot hold them`,
        });
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------------------
// (iii) Jobs run as a service principal
//
// Jobs API, `run_as.service_principal_name`: "Setting this field requires the `servicePrincipal/user` role"
// (the Databricks provider's schema for `JobRunAs`). Workspace admins may set it only to "a service principal
// on which they have the Service Principal User role", whether or not RestrictWorkspaceAdmins is on
// (https://learn.microsoft.com/azure/databricks/admin/workspace-settings/restrict-workspace-admins). The role is an
// account-level grant on the principal's rule set, `accounts/<account>/servicePrincipals/<application id>/ruleSets/
// default`, held by `databricks.AccessControlRuleSet` (authoritative; principals written `servicePrincipals/<id>`,
// `users/<name>`, `groups/<name>`).
// ---------------------------------------------------------------------------------------------------------------

export const SERVICE_PRINCIPAL_USER = "roles/servicePrincipal.user";

export function checkRunAsRole(
  resources: readonly ServiceResource[],
  context: ServiceContext = {},
): ServiceFinding[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const ruleSets = resources.filter((r) => r.type === RESOURCE_TYPES.accessControlRuleSet);
  const findings: ServiceFinding[] = [];
  for (const job of resources.filter((r) => r.type === RESOURCE_TYPES.job)) {
    const principal = (job.inputs as Bag).runAs?.servicePrincipalName;
    if (!known(principal)) continue;
    const name = new RegExp(
      `^accounts/[^/]+/servicePrincipals/${regexText(String(principal))}/ruleSets/default$`,
    );
    const granting = ruleSets.filter(
      (s) =>
        name.test(String(s.inputs.name)) &&
        ((s.inputs.grantRules ?? []) as Bag[]).some(
          (g) =>
            g.role === SERVICE_PRINCIPAL_USER &&
            Array.isArray(g.principals) &&
            (context.deployers === undefined
              ? g.principals.length > 0
              : context.deployers.every((d) => (g.principals as unknown[]).includes(d))),
        ),
    );
    const who = context.deployers === undefined ? "its deployer" : context.deployers.join(", ");
    if (granting.length === 0) {
      findings.push({
        rule: "run-as-role",
        resource: job.name,
        message: `runs as service principal ${quote(principal)}, but no AccessControlRuleSet grants ${who} ${SERVICE_PRINCIPAL_USER} on it`,
      });
    } else if (!granting.some((s) => dependencyClosure(job, byUrn).has(s.urn))) {
      findings.push({
        rule: "run-as-role",
        resource: job.name,
        message: `runs as service principal ${quote(principal)} without depending on ${granting.map((s) => s.name).join(", ")}, which grants ${who} the role it needs`,
      });
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------------------
// (iv) External locations
//
// Unity Catalog refuses a path that overlaps another external location, table or volume
// (`INVALID_PARAMETER_VALUE.LOCATION_OVERLAP`, elementary-data/elementary#1635; the open-source server's rule,
// unitycatalog/unitycatalog#1284): no location's URL may lie inside another's.
// ---------------------------------------------------------------------------------------------------------------

const folder = (url: string) => (url.endsWith("/") ? url : `${url}/`);

export function checkLocationOverlap(resources: readonly ServiceResource[]): ServiceFinding[] {
  const locations = resources.filter(
    (r) => r.type === RESOURCE_TYPES.externalLocation && known(r.inputs.url),
  );
  const findings: ServiceFinding[] = [];
  for (const a of locations) {
    for (const b of locations) {
      if (a === b) continue;
      const [inner, outer] = [folder(String(a.inputs.url)), folder(String(b.inputs.url))];
      if (inner.startsWith(outer) && (inner !== outer || a.urn > b.urn)) {
        findings.push({
          rule: "location-overlap",
          resource: a.name,
          message: `url ${inner} overlaps external location ${b.name} (${outer})`,
        });
      }
    }
  }
  return findings;
}

/** Every rule over one program's registrations. */
export function checkDatabricksService(
  resources: readonly ServiceResource[],
  context: ServiceContext = {},
): ServiceFinding[] {
  return [
    ...checkClusterPolicies(resources, context),
    ...checkGroupAssignments(resources),
    ...checkRunAsRole(resources, context),
    ...checkLocationOverlap(resources),
  ];
}

export function describeFindings(findings: readonly ServiceFinding[]): string {
  return findings.map((f) => `[${f.rule}] ${f.resource}: ${f.message}`).join("\n");
}
