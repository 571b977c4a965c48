/**
 * Evaluates the program (or one component) under Pulumi mocks for a given stack and returns every
 * registration: type, name, inputs, parent, protect, dependencies and provider. Backs the mocha tests,
 * `make demo` and the offline plan writer; no cloud account and no Pulumi CLI needed.
 *
 * Config is loaded like the CLI does (Pulumi.yaml defaults + Pulumi.<stack>.yaml, see stackConfig.ts) and
 * injected with `runtime.setAllConfig`. The program module is dropped from the require cache before each
 * run, so several stacks can be evaluated in one process; evaluations started together run one after another,
 * since the mocks and the config they set are process-wide.
 */
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { personalJobPolicyDefinition } from "../../components/clusterSpecs";
import { RESOURCE_TYPES } from "../../policy/vocabulary/resourceTypes";
import {
  type ConfigOverrides,
  loadStackConfig,
  PROJECT_ROOT,
  toRuntimeConfig,
} from "../../scripts/lib/stackConfig";
import { type MockBackend, organizationOf, resolveStackReference, SELF_MANAGED } from "./backends";
import {
  checkDatabricksService,
  describeFindings,
  type ServiceFinding,
  type ServiceRuleName,
} from "./databricksService";
import { COMPUTED } from "./unknowns";

export { COMPUTED } from "./unknowns";

/** Resource inputs and outputs are untyped JSON-like values; tests index into them freely. */
// biome-ignore lint/suspicious/noExplicitAny: property bags from the engine have no static type
export type PropertyBag = Record<string, any>;

export const MOCK_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001";
export const MOCK_TENANT_ID = "00000000-0000-4000-8000-000000000002";
export const MOCK_WORKSPACE_HOST = "adb-1234567890123456.7.azuredatabricks.net";

export interface Registration {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The id the mocked provider answered with; undefined for a component, or while unknown in a preview. */
  readonly id: string | undefined;
  /** Inputs as sent to the engine; secret inputs are unwrapped here and listed in `secretInputs`. */
  readonly inputs: PropertyBag;
  readonly secretInputs: readonly string[];
  /** URN of the parent, undefined for top-level resources. */
  readonly parent: string | undefined;
  readonly protect: boolean;
  /** The id of an existing resource the engine adopts instead of creating one (the `import` option). */
  readonly importId?: string;
  /** Left in the cloud when the stack deletes it (the `retainOnDelete` option). */
  readonly retainOnDelete?: boolean;
  /** URNs of explicit and implied dependencies. */
  readonly dependencies: readonly string[];
  readonly provider: string | undefined;
  readonly custom: boolean;
}

export interface ResolvedOutput {
  readonly value: unknown;
  readonly secret: boolean;
}

export interface Evaluation<T = unknown> {
  readonly stack: string;
  readonly registrations: readonly Registration[];
  /** The program's exports (stack outputs), resolved; plain values are reported as not secret. */
  readonly outputs: Readonly<Record<string, ResolvedOutput>>;
  /** What `build` returned, for component-level tests. */
  readonly result: T;
}

/** Computes the provider-side outputs (ids, endpoints, identities) of a mocked resource from its inputs. */
export type StateMock = (inputs: PropertyBag, name: string) => Record<string, unknown>;
export type CallMock = (inputs: PropertyBag) => Record<string, unknown>;

export interface EvaluateOptions {
  /** Replace (or with `undefined` remove) stack config keys; bare keys get the project namespace. */
  readonly config?: ConfigOverrides;
  /** Extra or replacement state mocks by resource type token. */
  readonly states?: Readonly<Record<string, StateMock>>;
  /** Extra or replacement call mocks by function token. */
  readonly calls?: Readonly<Record<string, CallMock>>;
  /**
   * Evaluate as the engine previews a stack that does not exist yet: what a provider computes on create (ids,
   * identities' principal ids, endpoints, the workspace URL) stays unknown and shows as `COMPUTED`, in inputs
   * and outputs alike; an invoke through a provider whose configuration holds an unknown value (the Databricks
   * provider, configured from the workspace's URL) answers `{}`, as the engine does (see `unconfigured`).
   * @default false: the state mocks compute every output and every call is answered, as if the stack existed
   */
  readonly preview?: boolean;
  /**
   * Outputs of the stacks the program reads through a StackReference, by fully qualified name. The engine reads
   * them from the backend in a preview too, so they stay known in preview mode.
   * @default { [mockDevStack(backend)]: MOCK_DEV_OUTPUTS }
   */
  readonly stackOutputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Cluster policies the workspace holds that another stack created, by id, as definition JSON: what a shared
   * personal stack's jobs run under.
   * @default MOCK_DEV_POLICIES
   */
  readonly foreignPolicies?: Readonly<Record<string, string>>;
  /**
   * The backend the stack lives in: the organization the program is given and how a StackReference's name is
   * resolved, or refused, as that backend does (backends.ts).
   * @default SELF_MANAGED
   */
  readonly backend?: MockBackend;
}

/** Raised when the program throws; carries what was registered before it did. */
export class EvaluationError extends Error {
  constructor(
    readonly cause: unknown,
    readonly registrations: readonly Registration[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "EvaluationError";
  }
}

/** Raised when the program registers what the Databricks service would refuse at `pulumi up` (databricksService.ts). */
export class ServiceRefusal extends EvaluationError {
  constructor(
    readonly findings: readonly ServiceFinding[],
    registrations: readonly Registration[],
  ) {
    super(new Error(`the Databricks service would refuse:\n${describeFindings(findings)}`), registrations);
    this.name = "ServiceRefusal";
  }
}

/** The service rules every program evaluation is held to. */
const ENFORCED_SERVICE_RULES: readonly ServiceRuleName[] = [
  "cluster-policy",
  "group-assignment",
  "run-as-role",
  "location-overlap",
];

/**
 * Who runs `pulumi up` on `stack`, as ACL principals: the pipeline deploys a shared stack as the service principal
 * its config names (`databricks.deployerApplicationId`); undefined when it names none (a personal stack's person).
 */
function deployersOf(stack: string, overrides?: ConfigOverrides): string[] | undefined {
  const databricks = loadStackConfig(stack, overrides).values["h3-ml:databricks"] as
    | { deployerApplicationId?: unknown }
    | undefined;
  const id = databricks?.deployerApplicationId;
  return typeof id === "string" ? [`servicePrincipals/${id}`] : undefined;
}

/** The dev stack of the project in the organization the backend gives a stack: where a personal stack looks. */
function mockDevStack(backend: MockBackend = SELF_MANAGED): string {
  return `${organizationOf(backend)}/h3-ml/dev`;
}

/** The dev stack on a self-managed backend, the harness's default. */
export const MOCK_DEV_STACK = mockDevStack(SELF_MANAGED);

/** The contract dev exports for shared personal stacks (its `personalStack` output). */
const PERSONAL_STACK = {
  version: 1,
  jobPolicyId: "compute-personal-job-policy-id",
  sparkVersion: "17.3.x-scala2.13",
  nodeTypeId: "Standard_D4ds_v5",
  maxWorkers: 1,
  fixedTags: { project: "h3-ml", managedBy: "pulumi", environment: "personal" },
  captureContainerUrl: "abfss://capture@h3mldevst571d3e.dfs.core.windows.net/",
};

/**
 * What the dev stack exports, as the program evaluated under mocks for `dev` gives it (a test keeps the two
 * equal): the outputs a shared personal stack reads.
 */
export const MOCK_DEV_OUTPUTS: Readonly<Record<string, unknown>> = {
  resourceGroupName: "h3ml-dev-rg",
  azureSubscriptionId: MOCK_SUBSCRIPTION_ID,
  eventHubsNamespace: "h3ml-dev-evhns-571d3e.servicebus.windows.net",
  eventHubsNamespaceName: "h3ml-dev-evhns-571d3e",
  storageAccountName: "h3mldevst571d3e",
  storageAccountId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/h3ml-dev-rg/providers/Microsoft.Storage/storageAccounts/h3mldevst571d3e`,
  databricksWorkspaceUrl: `https://${MOCK_WORKSPACE_HOST}`,
  databricksWorkspaceResourceId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/h3ml-dev-rg/providers/Microsoft.Databricks/workspaces/h3ml-dev-dbw`,
  catalogName: "h3ml_dev",
  personalStack: PERSONAL_STACK,
};

/**
 * The cluster policies the dev stack creates, by the id the mocked provider gives them, as their definition JSON,
 * drawn from the contract above by the function the program uses (a test keeps them equal to what the program
 * registers for `dev`): the workspace a shared personal stack's jobs are checked against.
 */
export const MOCK_DEV_POLICIES: Readonly<Record<string, string>> = {
  [PERSONAL_STACK.jobPolicyId]: personalJobPolicyDefinition(PERSONAL_STACK),
};

const resourceGroupId = (inputs: PropertyBag) =>
  `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}`;

/** Azure-shaped outputs for the resource types this program creates; others echo their inputs. */
const DEFAULT_STATES: Readonly<Record<string, StateMock>> = {
  // Filled in by `evaluate` from `EvaluateOptions.stackOutputs`.
  "pulumi:pulumi:StackReference": (i) => ({ name: i.name, secretOutputNames: [] }),
  [RESOURCE_TYPES.resourceGroup]: (i) => ({ id: resourceGroupId(i), name: i.resourceGroupName }),
  [RESOURCE_TYPES.storageAccount]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Storage/storageAccounts/${i.accountName}`,
    name: i.accountName,
    primaryEndpoints: {
      blob: `https://${i.accountName}.blob.core.windows.net/`,
      dfs: `https://${i.accountName}.dfs.core.windows.net/`,
    },
  }),
  [RESOURCE_TYPES.blobContainer]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Storage/storageAccounts/${i.accountName}/blobServices/default/containers/${i.containerName}`,
    name: i.containerName,
  }),
  [RESOURCE_TYPES.eventHubsNamespace]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.EventHub/namespaces/${i.namespaceName}`,
    name: i.namespaceName,
    identity: { ...i.identity, principalId: `principal-of-${i.namespaceName}`, tenantId: MOCK_TENANT_ID },
  }),
  [RESOURCE_TYPES.eventHub]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.EventHub/namespaces/${i.namespaceName}/eventhubs/${i.eventHubName}`,
    name: i.eventHubName,
  }),
  [RESOURCE_TYPES.consumerGroup]: (i) => ({ name: i.consumerGroupName }),
  [RESOURCE_TYPES.eventHubAuthorizationRule]: (i) => ({ name: i.authorizationRuleName }),
  [RESOURCE_TYPES.managementPolicy]: (i) => ({ name: i.managementPolicyName }),
  [RESOURCE_TYPES.workspace]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Databricks/workspaces/${i.workspaceName}`,
    workspaceUrl: MOCK_WORKSPACE_HOST,
    workspaceId: "1234567890123456",
  }),
  [RESOURCE_TYPES.accessConnector]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Databricks/accessConnectors/${i.connectorName}`,
    identity: { ...i.identity, principalId: `principal-of-${i.connectorName}` },
  }),
  [RESOURCE_TYPES.virtualNetwork]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Network/virtualNetworks/${i.virtualNetworkName}`,
    name: i.virtualNetworkName,
  }),
  [RESOURCE_TYPES.subnet]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Network/virtualNetworks/${i.virtualNetworkName}/subnets/${i.subnetName}`,
    name: i.subnetName,
  }),
  [RESOURCE_TYPES.logAnalyticsWorkspace]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.OperationalInsights/workspaces/${i.workspaceName}`,
    name: i.workspaceName,
  }),
  [RESOURCE_TYPES.diagnosticSetting]: (i) => ({
    id: `${i.resourceUri}/providers/Microsoft.Insights/diagnosticSettings/${i.name}`,
  }),
  [RESOURCE_TYPES.roleDefinition]: (i) => ({
    id: `${i.scope}/providers/Microsoft.Authorization/roleDefinitions/${i.roleDefinitionId}`,
    name: i.roleDefinitionId,
  }),
  [RESOURCE_TYPES.publicIpAddress]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Network/publicIPAddresses/${i.publicIpAddressName}`,
    // A documentation address (RFC 5737): what Azure allocates is known only after the deployment.
    ipAddress: "203.0.113.10",
  }),
  [RESOURCE_TYPES.privateEndpoint]: (i) => ({
    id: `${resourceGroupId(i)}/providers/Microsoft.Network/privateEndpoints/${i.privateEndpointName}`,
    name: i.privateEndpointName,
  }),
  [RESOURCE_TYPES.schema]: (i) => ({ id: `${i.catalogName}.${i.name}` }),
  [RESOURCE_TYPES.job]: (_i, name) => ({ url: `https://${MOCK_WORKSPACE_HOST}/#job/${name}-id` }),
};

/** Object id of the identity that runs the mocked program (`getClientConfig`). */
export const MOCK_CALLER_OBJECT_ID = "00000000-0000-4000-8000-00000000ca11";

const DEFAULT_CALLS: Readonly<Record<string, CallMock>> = {
  "azure-native:authorization:getClientConfig": () => ({
    subscriptionId: MOCK_SUBSCRIPTION_ID,
    tenantId: MOCK_TENANT_ID,
    clientId: "mock-client",
    objectId: MOCK_CALLER_OBJECT_ID,
  }),
  "azure-native:eventhub:listEventHubKeys": (i) => ({
    primaryConnectionString:
      `Endpoint=sb://${i.namespaceName}.servicebus.windows.net/;SharedAccessKeyName=${i.authorizationRuleName};` +
      `SharedAccessKey=mock-key;EntityPath=${i.eventHubName}`,
  }),
  "databricks:index/getCurrentUser:getCurrentUser": () => ({
    home: "/Users/deployer@example.com",
    userName: "deployer@example.com",
  }),
};

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Unwraps secret markers, recording the path of each, so tests compare plain values. */
function unwrapSecrets(value: unknown, at: string, secrets: string[]): unknown {
  if (value === pulumi.unknown) return COMPUTED;
  if (Array.isArray(value)) return value.map((item, i) => unwrapSecrets(item, `${at}[${i}]`, secrets));
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
      secrets.push(at);
      return unwrapSecrets(record.value, at, secrets);
    }
    return Object.fromEntries(
      Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v, at ? `${at}.${k}` : k, secrets)]),
    );
  }
  return value;
}

type RegisterCallback = (err: unknown, response?: RegisterResourceResponse) => void;
interface MonitorWithRegister {
  registerResource(req: RegisterResourceRequest, callback: RegisterCallback): Promise<void>;
}

function recordRegistrations(into: Registration[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithRegister;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, response) => {
      if (!err && response) {
        const secretInputs: string[] = [];
        const raw = req.getObject();
        const inputs = raw ? pulumi.runtime.deserializeProperties(raw) : {};
        into.push({
          urn: response.getUrn(),
          type: req.getType(),
          name: req.getName(),
          id: response.getId() || undefined,
          inputs: unwrapSecrets(inputs, "", secretInputs) as PropertyBag,
          secretInputs,
          parent: req.getParent() || undefined,
          protect: req.getProtect() ?? false,
          ...(req.getImportid() ? { importId: req.getImportid() } : {}),
          ...(req.getRetainondelete() ? { retainOnDelete: true } : {}),
          dependencies: req.getDependenciesList(),
          provider: req.getProvider() || undefined,
          custom: req.getCustom(),
        });
      }
      callback(err, response);
    });
}

/** True when `value` holds an unknown anywhere (recorded inputs show unknowns as `COMPUTED`). */
function holdsUnknown(value: unknown): boolean {
  if (value === COMPUTED) return true;
  if (Array.isArray(value)) return value.some(holdsUnknown);
  return value !== null && typeof value === "object" && Object.values(value).some(holdsUnknown);
}

/**
 * Whether an invoke goes through an explicit provider whose configuration is not fully known. The engine does
 * not configure such a provider and answers every invoke on it with an empty result
 * (sdk/go/common/resource/plugin/provider_plugin.go, `Invoke`: "If the provider is not fully configured,
 * return an empty property map"; pulumi/pulumi#10209, pulumi/pulumi#24169). A provider reference is
 * `<urn>::<id>`; default providers are configured from the environment and are never in `registrations`.
 */
function unconfigured(providerRef: string | undefined, registrations: readonly Registration[]): boolean {
  if (!providerRef) return false;
  const urn = providerRef.split("::").slice(0, -1).join("::");
  const provider = registrations.find((r) => r.urn === urn);
  return provider !== undefined && holdsUnknown(provider.inputs);
}

// The runtime tracks every in-flight registration; `waitForRPCs` is exported at run time but not typed.
const waitForRegistrations = (): Promise<void> =>
  (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

/** The value and secrecy of an Output (or a plain value) once it has resolved. */
export async function resolveOutput(value: unknown): Promise<ResolvedOutput> {
  if (!pulumi.Output.isInstance(value)) return { value, secret: false };
  const output = value as pulumi.Output<unknown>;
  // `apply` never calls back on an unknown value; `isKnown` is internal but stable across SDK releases.
  if (!(await (output as unknown as { isKnown: Promise<boolean> }).isKnown)) {
    return { value: COMPUTED, secret: await pulumi.isSecret(output) };
  }
  const [resolved, secret] = await Promise.all([
    new Promise<unknown>((done) => output.apply((v) => done(v))),
    pulumi.isSecret(output),
  ]);
  return { value: resolved, secret };
}

/**
 * Runs `build` under mocks with the stack's config and returns every registration once all have settled.
 * Use it for one component; `evaluateProgram` runs the whole program.
 */
/** The evaluation running now: the mocks and the config are process-wide, so evaluations take turns. */
let running: Promise<unknown> = Promise.resolve();

export function evaluate<T>(
  stack: string,
  build: () => T,
  options: EvaluateOptions = {},
): Promise<Evaluation<T>> {
  const turn = running.then(() => evaluateAlone(stack, build, options));
  running = turn.catch(() => {});
  return turn;
}

async function evaluateAlone<T>(
  stack: string,
  build: () => T,
  options: EvaluateOptions,
): Promise<Evaluation<T>> {
  const config = loadStackConfig(stack, options.config);
  const backend = options.backend ?? SELF_MANAGED;
  const stackOutputs = options.stackOutputs ?? { [mockDevStack(backend)]: MOCK_DEV_OUTPUTS };
  const states: Record<string, StateMock> = {
    ...DEFAULT_STATES,
    "pulumi:pulumi:StackReference": (inputs) => {
      const resolved = resolveStackReference(inputs.name, backend, config.project);
      const outputs = stackOutputs[resolved];
      if (outputs === undefined) {
        // The engine's words (pkg/backend/backend.go, GetStackOutputs), then what the harness knows.
        throw new Error(
          `unknown stack "${inputs.name}" (read as ${resolved}; the harness knows ` +
            `${Object.keys(stackOutputs).join(", ") || "no stack"}: pass outputs with EvaluateOptions.stackOutputs)`,
        );
      }
      return { name: inputs.name, outputs, secretOutputNames: [] };
    },
    ...options.states,
  };
  const calls = { ...DEFAULT_CALLS, ...options.calls };
  const registrations: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const computed = states[args.type]?.(args.inputs, args.name) ?? {};
        // A read (a StackReference, an existing resource) is answered from the backend in a preview too.
        if (options.preview && !args.id) {
          // Inputs come back as sent; whatever the provider would add or change is unknown until deployed.
          const planned: PropertyBag = { ...args.inputs };
          for (const [key, value] of Object.entries(computed)) {
            if (!isDeepStrictEqual(value, args.inputs[key])) planned[key] = pulumi.unknown;
          }
          return { id: undefined, state: planned };
        }
        const state = { ...args.inputs, ...computed };
        const id = typeof state.id === "string" ? state.id : `${args.name}-id`;
        return { id: args.custom ? id : undefined, state };
      },
      call: (args) => {
        if (options.preview && unconfigured(args.provider, registrations)) return {};
        const mock = calls[args.token];
        if (!mock) throw new Error(`no mock for call ${args.token}; add one with EvaluateOptions.calls`);
        return mock(args.inputs);
      },
    },
    config.project,
    stack,
    options.preview ?? false,
    organizationOf(backend),
  );
  recordRegistrations(registrations);
  pulumi.runtime.setAllConfig(toRuntimeConfig(config.values));

  // An error thrown inside an `apply` never reaches `build`: the runtime drops the resource whose input
  // failed and leaves the error unhandled, which fails a real deployment. Here it fails the evaluation,
  // instead of leaving the resource out and the outputs that depend on it pending forever.
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  const onUnhandled = (reason: unknown) => fail(reason);
  // The SDK takes a stack trace for every promise and resource it creates (for leak reports and source
  // positions); with source maps on, that takes about two thirds of an evaluation's time. Under mocks neither is read.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = Number(process.env.H3_HARNESS_STACK_FRAMES ?? 0);
  process.on("unhandledRejection", onUnhandled);
  const settled = <V>(work: Promise<V>): Promise<V> => Promise.race([work, failed]);
  try {
    let result: T;
    try {
      result = build();
    } catch (err) {
      await settled(waitForRegistrations());
      throw new EvaluationError(err, registrations);
    }
    const outputs: Record<string, ResolvedOutput> = {};
    // Only a module's exports are stack outputs; a component's fields are read by the test that built it.
    const proto = result && typeof result === "object" ? Object.getPrototypeOf(result) : undefined;
    if (proto === Object.prototype || proto === null) {
      // Like the engine, an export that is undefined is no stack output at all.
      for (const [key, value] of Object.entries(result as object)) {
        if (value !== undefined) outputs[key] = await settled(resolveOutput(value));
      }
    }
    await settled(waitForRegistrations());
    // Rejections are reported on a later turn than the failure itself.
    await settled(new Promise((done) => setImmediate(done)));
    return { stack, registrations, outputs, result };
  } catch (err) {
    throw err instanceof EvaluationError ? err : new EvaluationError(err, registrations);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * Evaluates index.ts for `stack`; its exports become `outputs`. Fails with a `ServiceRefusal` when the program
 * registers what the Databricks service would refuse (`ENFORCED_SERVICE_RULES`), as `pulumi up` would.
 */
export async function evaluateProgram(
  stack: string,
  options: EvaluateOptions = {},
): Promise<Evaluation<Record<string, unknown>>> {
  const program = path.join(PROJECT_ROOT, "index.ts");
  const evaluation = await evaluate(
    stack,
    () => {
      delete require.cache[require.resolve(program)];
      return require(program) as Record<string, unknown>;
    },
    options,
  );
  const findings = checkDatabricksService(evaluation.registrations, {
    foreignPolicies: options.foreignPolicies ?? MOCK_DEV_POLICIES,
    deployers: deployersOf(stack, options.config),
  }).filter((f) => ENFORCED_SERVICE_RULES.includes(f.rule));
  if (findings.length > 0) throw new ServiceRefusal(findings, evaluation.registrations);
  return evaluation;
}
