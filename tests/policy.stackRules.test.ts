/**
 * The pack's stack rules over the real program: each passes dev, prod and a personal stack, and each fails when
 * the relation it guards is broken.
 */
import { expect } from "chai";
import { contextFor, evaluateStack } from "../policy/core";
import { eventHubCaptureCallerAccess } from "../policy/rules/eventHubCaptureCallerAccess";
import { prodJobPermissions } from "../policy/rules/prodJobPermissions";
import { storageFirewallAdmitsWorkspace } from "../policy/rules/storageFirewallAdmitsWorkspace";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { type Evaluation, evaluateProgram, type Registration } from "./harness/mockProgram";
import { checkRegistrations, factsOf } from "./harness/policyCheck";
import { evaluated, FULL_COPY, resource, SHARED_MODE } from "./support";

const replaced = (ev: Evaluation, changed: Registration): Registration[] =>
  ev.registrations.map((r) => (r.urn === changed.urn ? changed : r));

describe("policy pack stack rules over the program", () => {
  const evaluations = new Map<string, Evaluation>();
  before(async () => {
    for (const stack of ["dev", "prod", "dev-alice"]) {
      evaluations.set(stack, await evaluated(stack, stack === "dev-alice" ? { config: FULL_COPY } : {}));
    }
  });
  const of = (stack: string) => evaluations.get(stack) as Evaluation;

  for (const stack of ["dev", "prod", "dev-alice"]) {
    it(`passes both stack rules on ${stack}`, () => {
      const found = checkRegistrations(stack, of(stack).registrations).filter((v) =>
        [storageFirewallAdmitsWorkspace.name, eventHubCaptureCallerAccess.name].includes(v.rule),
      );
      expect(found).to.deep.equal([]);
    });
  }

  // Job clusters in the managed VNet cannot pass a Deny firewall; Databricks supports a storage
  // firewall only with VNet injection or serverless
  // (learn.microsoft.com/azure/databricks/data-governance/unity-catalog/azure-managed-identities).
  describe("storage-firewall-admits-workspace", () => {
    const check = (registrations: readonly Registration[]) =>
      evaluateStack([storageFirewallAdmitsWorkspace], factsOf(registrations), contextFor("dev")).map(
        (v) => v.message,
      );

    it("fails when the firewall denies and the job clusters' subnets are not admitted", () => {
      const account = resource(of("dev"), TYPES.storageAccount, "lake-account");
      const closed = {
        ...account,
        inputs: {
          ...account.inputs,
          networkRuleSet: { ...account.inputs.networkRuleSet, virtualNetworkRules: [] },
        },
      };
      const found = check(replaced(of("dev"), closed));
      expect(found).to.have.length(2);
      expect(found[0]).to.match(
        /^\[storage-firewall-admits-workspace\] lake-account: networkRuleSet\.virtualNetworkRules must be to admit databricks-workspace's subnet \/subscriptions\/.+\/virtualNetworks\/h3ml-dev-vnet\/subnets\/databricks-host/,
      );
      expect(found[1]).to.include("subnets/databricks-container");
    });

    it("fails when the firewall denies and the workspace runs in the managed VNet", () => {
      const workspace = resource(of("dev"), TYPES.workspace, "databricks-workspace");
      const managed = {
        ...workspace,
        inputs: { ...workspace.inputs, parameters: { enableNoPublicIp: { value: true } } },
      };
      expect(check(replaced(of("dev"), managed))).to.deep.equal([
        "[storage-firewall-admits-workspace] databricks-workspace: parameters.customVirtualNetworkId.value must be " +
          "a VNet the firewall of lake-account admits (it denies by default), got unset. Fix: inject the workspace " +
          "into a VNet (databricks.vnet, or storage.networkDefaultAction Deny builds one)",
      ]);
    });

    it("admits the subnets of an existing VNet named in databricks.vnet", async () => {
      const vnetId = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub";
      const ev = await evaluateProgram("dev-alice", {
        config: {
          ...FULL_COPY,
          databricks: { vnet: { virtualNetworkId: vnetId, publicSubnetName: "h", privateSubnetName: "c" } },
        },
      });
      expect(
        resource(ev, TYPES.storageAccount, "lake-account").inputs.networkRuleSet.virtualNetworkRules,
      ).to.deep.equal([
        { virtualNetworkResourceId: `${vnetId}/subnets/h`, action: "Allow" },
        { virtualNetworkResourceId: `${vnetId}/subnets/c`, action: "Allow" },
      ]);
      expect(ev.registrations.filter((r) => r.type === TYPES.virtualNetwork)).to.deep.equal([]);
      expect(check(ev.registrations)).to.deep.equal([]);
    });

    it("builds no VNet when a personal stack opens its firewall by override", async () => {
      const ev = await evaluateProgram("dev-alice", {
        config: { ...FULL_COPY, storage: { networkDefaultAction: "Allow" } },
      });
      expect(ev.registrations.filter((r) => r.type.startsWith("azure-native:network:"))).to.deep.equal([]);
      expect(check(ev.registrations)).to.deep.equal([]);
    });
  });

  // Event Hubs checks the caller's blob write on the destination (Azure/azure-sdk-for-js#30204).
  describe("eventhub-capture-caller-access", () => {
    it("fails when a capturing hub is created without a grant for its deployer on the capture account", () => {
      const hub = resource(of("dev"), TYPES.eventHub, "ingestion-events");
      const deployerGrant = of("dev").registrations.find((r) =>
        r.name.startsWith("ingestion-capture-deployer-"),
      );
      const early = { ...hub, dependencies: hub.dependencies.filter((d) => d !== deployerGrant?.urn) };
      expect(
        evaluateStack(
          [eventHubCaptureCallerAccess],
          factsOf(replaced(of("dev"), early)),
          contextFor("dev"),
        ).map((v) => v.message),
      ).to.deep.equal([
        `[eventhub-capture-caller-access] ingestion-events: dependsOn must be to include a grant on ` +
          `${hub.inputs.captureDescription.destination.storageAccountResourceId}, for the identity that creates ` +
          "the hub, of a role holding Microsoft.Storage/storageAccounts/blobServices/containers/write and " +
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write, got ["ingestion-capture-writer"]. ' +
          "Fix: grant the deploying principals (deployerPrincipalIds) on the capture account and create the hub after it",
      ]);
    });

    it("fails when the grant's role lacks a permission the check names, or the grant is on the container", () => {
      const ev = of("dev");
      const definition = resource(ev, TYPES.roleDefinition, "roles-capture-destination-check");
      const readOnly = {
        ...definition,
        inputs: {
          ...definition.inputs,
          permissions: [{ ...definition.inputs.permissions[0], dataActions: [] }],
        },
      };
      const grant = ev.registrations.find((r) =>
        r.name.startsWith("ingestion-capture-deployer-"),
      ) as Registration;
      const onContainer = {
        ...grant,
        inputs: { ...grant.inputs, scope: `${grant.inputs.scope}/blobServices/default/containers/capture` },
      };
      for (const broken of [replaced(ev, readOnly), replaced(ev, onContainer)]) {
        const found = evaluateStack([eventHubCaptureCallerAccess], factsOf(broken), contextFor("dev"));
        expect(found.map((v) => v.resource)).to.deep.equal(["ingestion-events"]);
      }
    });

    it("leaves a hub capturing into another stack's account to that stack's grant (a shared personal stack)", async () => {
      const ada = await evaluated("dev-ada", { config: SHARED_MODE });
      expect(resource(ada, TYPES.eventHub, "hub-hub").dependencies).to.deep.equal([
        "urn:pulumi:dev-ada::h3-ml::pulumi:pulumi:StackReference::dev",
      ]);
      expect(
        evaluateStack([eventHubCaptureCallerAccess], factsOf(ada.registrations), contextFor("dev-ada")),
      ).to.deep.equal([]);
    });
  });

  // Prod's jobs state who owns, runs and sees them, and none runs as its owner.
  describe("prod-job-permissions", () => {
    const check = (registrations: readonly Registration[], stack = "prod") =>
      evaluateStack([prodJobPermissions], factsOf(registrations), contextFor(stack)).map((v) => v.message);
    const permissionsOf = (job: string) => resource(of("prod"), TYPES.permissions, `jobs-${job}-permissions`);

    it("passes prod, whose every job is owned by the deployer and runs as its own principal", () => {
      expect(check(of("prod").registrations)).to.deep.equal([]);
    });

    it("leaves other stacks alone", () => {
      const withoutPermissions = of("dev").registrations.filter((r) => r.type !== TYPES.permissions);
      expect(check(withoutPermissions, "dev")).to.deep.equal([]);
    });

    it("fails when a prod job has no permissions, naming the job", () => {
      const gone = permissionsOf("delete").urn;
      expect(check(of("prod").registrations.filter((r) => r.urn !== gone))).to.deep.equal([
        "[prod-job-permissions] jobs-delete: its permissions must be one databricks.Permissions whose jobId is " +
          "this job's, got []. Fix: name the service principal that owns the jobs (config: databricks.deployerApplicationId)",
      ]);
    });

    it("fails when a prod job's owner is not a service principal", () => {
      const permissions = permissionsOf("ingest");
      const controls = permissions.inputs.accessControls as Record<string, string>[];
      const groupOwned = {
        ...permissions,
        inputs: {
          ...permissions.inputs,
          accessControls: controls.map((c) =>
            c.permissionLevel === "IS_OWNER" ? { groupName: "h3-ml-admins", permissionLevel: "IS_OWNER" } : c,
          ),
        },
      };
      const found = check(replaced(of("prod"), groupOwned));
      expect(found).to.have.length(1);
      expect(found[0]).to.match(
        /^\[prod-job-permissions\] jobs-ingest: jobs-ingest-permissions\.accessControls IS_OWNER must be one service principal \(the deployer\), got .*h3-ml-admins/,
      );
    });

    it("fails when a prod job runs as its owner", () => {
      const job = resource(of("prod"), TYPES.job, "jobs-normalize");
      const owner = (permissionsOf("normalize").inputs.accessControls as Record<string, string>[]).find(
        (c) => c.permissionLevel === "IS_OWNER",
      )?.servicePrincipalName;
      const asOwner = { ...job, inputs: { ...job.inputs, runAs: { servicePrincipalName: owner } } };
      expect(check(replaced(of("prod"), asOwner))).to.deep.equal([
        `[prod-job-permissions] jobs-normalize: runAs.servicePrincipalName must be a principal other than the ` +
          `job's owner ${owner}, got "${owner}". Fix: run each job as a service principal of its own, not the deployer`,
      ]);
    });
  });
});
