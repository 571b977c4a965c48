import { expect } from "chai";
import {
  BLOB_LOG_CATEGORIES,
  DATABRICKS_LOG_CATEGORIES,
  EVENT_HUBS_LOG_GROUP,
} from "../components/diagnostics";
import { SAS_SENDER_REASON } from "../components/eventIngestion";
import { BUILT_IN_ROLES, CUSTOM_ROLES, customRoleGuid } from "../components/roles";
import { ConfigError } from "../config/config";
import { globalUnique, resourceNames } from "../config/naming";
import { CAPTURE_CHECK_PERMISSIONS } from "../policy/vocabulary/roles";
import { loadStackConfig } from "../scripts/lib/stackConfig";
import { DATABRICKS_OUTPUTS, DATABRICKS_SIDE } from "./databricksFixtures";
import {
  type Evaluation,
  EvaluationError,
  evaluateProgram,
  MOCK_CALLER_OBJECT_ID,
  MOCK_SUBSCRIPTION_ID,
  MOCK_TENANT_ID,
} from "./harness/mockProgram";
import { evaluated, FULL_COPY, namesOf, namingOf, ofType, resource, sectionWith, TYPES } from "./support";

const roleId = (guid: string) =>
  `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const SENDER = "11111111-2222-3333-4444-555555555555";
/** The deployer Pulumi.dev.yaml names. */
const DEV_DEPLOYER = "00000000-0000-0000-0000-000000000001";
/** The id of a stack's custom role definition, as role assignments name it. */
const customRoleId = (stack: string, role: keyof typeof CUSTOM_ROLES) =>
  roleId(customRoleGuid(globalUnique(namingOf(stack)), role));

describe("program under mocks", () => {
  describe("dev stack", () => {
    let dev: Evaluation;
    const names = namesOf("dev");
    const rgId = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${names.resourceGroup}`;
    const accountId = `${rgId}/providers/Microsoft.Storage/storageAccounts/${names.storageAccount}`;
    const captureId = `${accountId}/blobServices/default/containers/capture`;
    const vnetId = `${rgId}/providers/Microsoft.Network/virtualNetworks/${names.virtualNetwork}`;

    before(async () => {
      dev = await evaluated("dev");
    });

    it("registers exactly the expected resources", () => {
      // The Databricks side is asserted resource by resource in databricksProgram.test.ts.
      const azureSide = dev.registrations.filter((r) => !DATABRICKS_SIDE.test(r.name));
      expect(azureSide.map((r) => `${r.type} ${r.name}`).sort()).to.deep.equal(
        [
          `${TYPES.dataLake} lake`,
          `${TYPES.storageAccount} lake-account`,
          `${TYPES.blobContainer} lake-capture`,
          `${TYPES.blobContainer} lake-lake`,
          `${TYPES.managementPolicy} lake-lifecycle`,
          `${TYPES.eventIngestion} ingestion`,
          `${TYPES.eventHubsNamespace} ingestion-namespace`,
          `${TYPES.namespaceNetworkRuleSet} ingestion-network`,
          `${TYPES.roleAssignment} ingestion-capture-writer`,
          `${TYPES.roleAssignment} ingestion-capture-deployer-${DEV_DEPLOYER}`,
          `${TYPES.roleAssignment} ingestion-events-deployer-sender-${DEV_DEPLOYER}`,
          `${TYPES.eventHub} ingestion-events`,
          "h3:access:StackRoles roles",
          `${TYPES.roleDefinition} roles-capture-destination-check`,
          "h3:monitor:Diagnostics diagnostics",
          `${TYPES.logAnalyticsWorkspace} diagnostics-workspace`,
          `${TYPES.diagnosticSetting} diagnostics-databricks`,
          `${TYPES.diagnosticSetting} diagnostics-lake-blobs`,
          `${TYPES.diagnosticSetting} diagnostics-event-hubs`,
          `${TYPES.consumerGroup} ingestion-events-jobs`,
          "h3:network:DatabricksNetwork network",
          `${TYPES.publicIpAddress} network-nat-ip`,
          `${TYPES.natGateway} network-nat`,
          `${TYPES.networkSecurityGroup} network-nsg`,
          `${TYPES.virtualNetwork} network-vnet`,
          `${TYPES.subnet} network-databricks-host`,
          `${TYPES.subnet} network-databricks-container`,
        ].sort(),
      );
    });

    // The firewall denies by default, so the job clusters must run in subnets it admits
    // (learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject).
    it("injects the workspace into a VNet of two delegated subnets with an NSG, NAT egress and storage endpoints", () => {
      expect(resource(dev, TYPES.virtualNetwork, "network-vnet").inputs).to.deep.include({
        virtualNetworkName: "h3ml-dev-vnet",
        addressSpace: { addressPrefixes: ["10.179.0.0/22"] },
      });
      expect(resource(dev, TYPES.publicIpAddress, "network-nat-ip").inputs).to.deep.include({
        publicIpAddressName: "h3ml-dev-nat-ip",
        sku: { name: "Standard" },
        publicIPAllocationMethod: "Static",
      });
      const nat = resource(dev, TYPES.natGateway, "network-nat");
      expect(nat.inputs).to.deep.include({ natGatewayName: "h3ml-dev-nat", sku: { name: "Standard" } });
      for (const [subnet, prefix] of [
        ["databricks-host", "10.179.0.0/24"],
        ["databricks-container", "10.179.1.0/24"],
      ]) {
        expect(resource(dev, TYPES.subnet, `network-${subnet}`).inputs).to.deep.include({
          resourceGroupName: "h3ml-dev-rg",
          virtualNetworkName: "h3ml-dev-vnet",
          subnetName: subnet,
          addressPrefix: prefix,
          delegations: [{ name: "databricks", serviceName: "Microsoft.Databricks/workspaces" }],
          networkSecurityGroup: { id: "network-nsg-id" },
          natGateway: { id: "network-nat-id" },
          serviceEndpoints: [{ service: "Microsoft.Storage" }],
        });
      }
      const workspace = resource(dev, TYPES.workspace, "databricks-workspace");
      expect(workspace.inputs.parameters).to.deep.equal({
        enableNoPublicIp: { value: true },
        customVirtualNetworkId: { value: vnetId },
        customPublicSubnetName: { value: "databricks-host" },
        customPrivateSubnetName: { value: "databricks-container" },
      });
      const subnets = ofType(dev, TYPES.subnet).map((s) => s.urn);
      for (const dependent of [workspace, resource(dev, TYPES.storageAccount, "lake-account")]) {
        expect(dependent.dependencies, dependent.name).to.include.members(subnets);
      }
    });

    // Its deployer's rights are on the group only (docs/deployment.md, "Deployer rights"), so the group exists
    // before the first `up` and the stack file names it.
    it("deploys into the resource group its file names, creating none", () => {
      expect(ofType(dev, TYPES.resourceGroup)).to.deep.equal([]);
      expect(resource(dev, TYPES.storageAccount, "lake-account").inputs.resourceGroupName).to.equal(
        "h3ml-dev-rg",
      );
    });

    it("makes the storage account ADLS Gen2, Entra-only, TLS 1.2+, closed to the public", () => {
      const account = resource(dev, TYPES.storageAccount, "lake-account");
      expect(account.inputs).to.deep.include({
        accountName: names.storageAccount,
        resourceGroupName: "h3ml-dev-rg",
        kind: "StorageV2",
        sku: { name: "Standard_LRS" },
        isHnsEnabled: true,
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
      });
      expect(account.inputs.networkRuleSet).to.deep.equal({
        defaultAction: "Deny",
        bypass: "AzureServices",
        ipRules: [],
        resourceAccessRules: [
          {
            resourceId: `${rgId}/providers/Microsoft.Databricks/accessConnectors/${names.accessConnector}`,
            tenantId: MOCK_TENANT_ID,
          },
        ],
        virtualNetworkRules: ["databricks-host", "databricks-container"].map((subnet) => ({
          virtualNetworkResourceId: `${vnetId}/subnets/${subnet}`,
          action: "Allow",
        })),
      });
      expect(account.protect).to.equal(false);
    });

    it("creates the capture and lake containers at the ARM level, private", () => {
      for (const name of ["capture", "lake"]) {
        expect(resource(dev, TYPES.blobContainer, `lake-${name}`).inputs).to.deep.equal({
          resourceGroupName: "h3ml-dev-rg",
          accountName: names.storageAccount,
          containerName: name,
          publicAccess: "None",
        });
      }
    });

    it("deletes raw Capture blobs after storage.rawRetentionDays", () => {
      expect(resource(dev, TYPES.managementPolicy, "lake-lifecycle").inputs).to.deep.equal({
        resourceGroupName: "h3ml-dev-rg",
        accountName: names.storageAccount,
        managementPolicyName: "default",
        policy: {
          rules: [
            {
              name: "delete-raw-capture",
              enabled: true,
              type: "Lifecycle",
              definition: {
                filters: { blobTypes: ["blockBlob"], prefixMatch: ["capture/"] },
                actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 7 } } },
              },
            },
          ],
        },
      });
    });

    it("makes the namespace Standard, TLS 1.2, SAS off, with a system identity", () => {
      const namespace = resource(dev, TYPES.eventHubsNamespace, "ingestion-namespace");
      expect(namespace.inputs).to.deep.include({
        namespaceName: names.eventHubsNamespace,
        sku: { name: "Standard", tier: "Standard", capacity: 1 },
        minimumTlsVersion: "1.2",
        disableLocalAuth: true,
        identity: { type: "SystemAssigned" },
      });
      // Without the override there is no local-auth marker for the pack to accept.
      expect(namespace.inputs.tags).to.not.have.property("h3-ml-local-auth-reason");
      expect(namespace.protect).to.equal(false);
    });

    it("leaves dev's namespace open by its named override: the smoke test sends from CI's hosted runners", () => {
      expect(resource(dev, TYPES.namespaceNetworkRuleSet, "ingestion-network").inputs).to.deep.include({
        defaultAction: "Allow",
        ipRules: [],
        trustedServiceAccessEnabled: false,
      });
    });

    it("turns on Avro Capture into the capture container with the namespace identity", () => {
      const hub = resource(dev, TYPES.eventHub, "ingestion-events");
      // What ingest reads (the container, the path layout, Avro) and how Capture writes (the namespace identity).
      expect(hub.inputs.captureDescription).to.deep.include({
        enabled: true,
        encoding: "Avro",
        skipEmptyArchives: true,
      });
      expect(hub.inputs.captureDescription.destination).to.deep.include({
        storageAccountResourceId: accountId,
        blobContainer: "capture",
        archiveNameFormat:
          "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}",
        identity: { type: "SystemAssigned" },
      });
    });

    it("grants the namespace identity Storage Blob Data Contributor on the capture container only", () => {
      expect(resource(dev, TYPES.roleAssignment, "ingestion-capture-writer").inputs).to.deep.include({
        principalId: `principal-of-${names.eventHubsNamespace}`,
        principalType: "ServicePrincipal",
        roleDefinitionId: roleId("ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
        scope: captureId,
      });
    });

    it("creates the hub only after the capture role assignment", () => {
      const grant = resource(dev, TYPES.roleAssignment, "ingestion-capture-writer");
      expect(resource(dev, TYPES.eventHub, "ingestion-events").dependencies).to.include(grant.urn);
    });

    // Event Hubs checks the caller of the create request, not only the namespace identity, on the destination
    // account: "Linked access check failed for capture storage destination <account id> ... Please enable
    // .../containers/write, .../containers/blobs/write permission(s) on above resource"
    // (Azure/azure-sdk-for-js#30204, Azure/azure-synapse-analytics-end2end#11).
    it("defines the capture check role: exactly the permissions the check names, assignable in the resource group only", () => {
      const guid = customRoleGuid(globalUnique(namingOf("dev")), "captureDestinationCheck");
      expect(resource(dev, TYPES.roleDefinition, "roles-capture-destination-check").inputs).to.deep.equal({
        scope: `/subscriptions/${MOCK_SUBSCRIPTION_ID}`,
        roleDefinitionId: guid,
        roleName: `h3ml-dev capture destination check (${guid.slice(0, 8)})`,
        description: CUSTOM_ROLES.captureDestinationCheck.description,
        roleType: "CustomRole",
        permissions: [
          {
            actions: [...CAPTURE_CHECK_PERMISSIONS.actions],
            dataActions: [...CAPTURE_CHECK_PERMISSIONS.dataActions],
            notActions: [],
            notDataActions: [],
          },
        ],
        assignableScopes: [rgId],
      });
    });

    it("grants the configured deployer the capture check role on the capture account before any hub is created", () => {
      const grant = resource(dev, TYPES.roleAssignment, `ingestion-capture-deployer-${DEV_DEPLOYER}`);
      expect(grant.inputs).to.deep.include({
        principalId: DEV_DEPLOYER,
        principalType: "ServicePrincipal",
        roleDefinitionId: customRoleId("dev", "captureDestinationCheck"),
        scope: accountId,
      });
      expect(grant.dependencies).to.include(
        resource(dev, TYPES.roleDefinition, "roles-capture-destination-check").urn,
      );
      expect(resource(dev, TYPES.eventHub, "ingestion-events").dependencies).to.include(grant.urn);
    });

    // The smoke test runs on dev as the CI deployer and sends its events (docs/ci.md).
    it("grants the deployer Azure Event Hubs Data Sender on each of dev's hubs, for the smoke test", () => {
      expect(
        resource(dev, TYPES.roleAssignment, `ingestion-events-deployer-sender-${DEV_DEPLOYER}`).inputs,
      ).to.deep.include({
        principalId: DEV_DEPLOYER,
        principalType: "ServicePrincipal",
        roleDefinitionId: roleId(BUILT_IN_ROLES.azureEventHubsDataSender),
        scope: `${rgId}/providers/Microsoft.EventHub/namespaces/${names.eventHubsNamespace}/eventhubs/events`,
      });
    });

    it("adds a consumer group for the jobs", () => {
      expect(resource(dev, TYPES.consumerGroup, "ingestion-events-jobs").inputs).to.deep.equal({
        resourceGroupName: "h3ml-dev-rg",
        namespaceName: names.eventHubsNamespace,
        eventHubName: "events",
        consumerGroupName: "h3-ml-jobs",
      });
    });

    it("parents every resource to its component", () => {
      const components = dev.registrations.filter((r) => r.type.startsWith("h3:"));
      for (const r of dev.registrations) {
        const owner = components.find((c) => r.name.startsWith(`${c.name}-`));
        expect(r.parent, r.name).to.equal(owner?.urn);
      }
    });

    it("has no SAS rule and exports no connection string", () => {
      expect(ofType(dev, TYPES.eventHubAuthorizationRule)).to.deep.equal([]);
      expect(dev.outputs).to.not.have.property("eventHubsSasSenderConnectionStrings");
    });

    it("exports what the backend needs", () => {
      expect(dev.outputs).to.deep.equal({
        resourceGroupName: { value: "h3ml-dev-rg", secret: false },
        azureSubscriptionId: { value: MOCK_SUBSCRIPTION_ID, secret: false },
        eventHubsNamespace: { value: `${names.eventHubsNamespace}.servicebus.windows.net`, secret: false },
        eventHubsNamespaceName: { value: names.eventHubsNamespace, secret: false },
        eventHubNames: { value: ["events"], secret: false },
        eventHubsConsumerGroup: { value: "h3-ml-jobs", secret: false },
        // A number, which the smoke test reads to wait for Capture (`pulumi stack output --json`).
        eventHubsCaptureIntervalSeconds: { value: 300, secret: false },
        storageAccountName: { value: names.storageAccount, secret: false },
        storageAccountId: { value: accountId, secret: false },
        dataLakeDfsEndpoint: {
          value: `https://${names.storageAccount}.dfs.core.windows.net/`,
          secret: false,
        },
        captureContainerUrl: {
          value: `https://${names.storageAccount}.blob.core.windows.net/capture`,
          secret: false,
        },
        ...DATABRICKS_OUTPUTS,
      });
    });
  });

  describe("prod stack", () => {
    let prod: Evaluation;
    before(async () => {
      // A sender added on top of Pulumi.prod.yaml's eventHubs section, which a stack value replaces whole.
      const eventHubs = loadStackConfig("prod").values["h3-ml:eventHubs"] as object;
      prod = await evaluateProgram("prod", {
        config: { eventHubs: { ...eventHubs, senderPrincipalIds: [SENDER] } },
      });
    });

    // A refactor that renames or drops `lake` or `capture` deletes every table's files.
    it("protects the storage account, its containers, the namespace, its hubs, the workspace, its connector, the catalog and the checkpoints, and nothing else", () => {
      const protectedNames = prod.registrations.filter((r) => r.protect).map((r) => r.name);
      expect(protectedNames.sort()).to.deep.equal([
        "databricks-access-connector",
        "databricks-workspace",
        "diagnostics-workspace",
        "ingestion-events",
        "ingestion-namespace",
        "lake-account",
        "lake-capture",
        "lake-lake",
        "unity-catalog-catalog",
        "unity-catalog-checkpoints",
      ]);
    });

    // Evidence for auditors: the workspace's audit categories, the lake's blob reads, writes and deletes and the
    // namespace's logs, in a Log Analytics workspace the stack keeps for a year (Azure Policy built-ins
    // 138ff14d-b687-4faa-a81c-898c91a87fa2 and 83a214f7-d01a-484b-91a9-ed54470c9a6a look for these settings).
    it("sends the workspace's, the lake's and the namespace's logs to its own Log Analytics workspace", () => {
      const names = namesOf("prod");
      const rgId = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${names.resourceGroup}`;
      const logs = resource(prod, TYPES.logAnalyticsWorkspace, "diagnostics-workspace");
      // Entra-only access, a year of retention; plans/ records the rest.
      expect(logs.inputs).to.deep.include({
        workspaceName: "h3ml-prod-log",
        retentionInDays: 365,
        features: { disableLocalAuth: true, enableLogAccessUsingOnlyResourcePermissions: true },
      });
      expect(logs.protect).to.equal(true);
      const workspaceId = `${rgId}/providers/Microsoft.OperationalInsights/workspaces/h3ml-prod-log`;
      const settings = Object.fromEntries(
        ofType(prod, TYPES.diagnosticSetting).map((d) => [d.name, d.inputs]),
      );
      const common = { name: "h3-ml-audit", workspaceId, logAnalyticsDestinationType: "Dedicated" };
      expect(settings).to.deep.equal({
        "diagnostics-databricks": {
          ...common,
          resourceUri: `${rgId}/providers/Microsoft.Databricks/workspaces/h3ml-prod-dbw`,
          logs: DATABRICKS_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
        },
        "diagnostics-lake-blobs": {
          ...common,
          resourceUri: `${rgId}/providers/Microsoft.Storage/storageAccounts/${names.storageAccount}/blobServices/default`,
          logs: BLOB_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
        },
        "diagnostics-event-hubs": {
          ...common,
          resourceUri: `${rgId}/providers/Microsoft.EventHub/namespaces/${names.eventHubsNamespace}`,
          logs: [{ categoryGroup: EVENT_HUBS_LOG_GROUP, enabled: true }],
        },
      });
      // Each setting waits for (and so belongs to) the resource it watches.
      for (const [setting, target] of [
        ["diagnostics-databricks", resource(prod, TYPES.workspace, "databricks-workspace")],
        ["diagnostics-event-hubs", resource(prod, TYPES.eventHubsNamespace, "ingestion-namespace")],
        ["diagnostics-lake-blobs", resource(prod, TYPES.storageAccount, "lake-account")],
      ] as const) {
        expect(resource(prod, TYPES.diagnosticSetting, setting).dependencies, setting).to.include(target.urn);
      }
    });

    // The namespace took every address; Azure reads a Deny rule set without rules as open
    // (learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering), so prod names its senders' addresses.
    it("admits only its senders' addresses to the namespace, with no trusted-service bypass", () => {
      const names = namesOf("prod");
      const network = resource(prod, TYPES.namespaceNetworkRuleSet, "ingestion-network");
      expect(network.inputs).to.deep.equal({
        resourceGroupName: names.resourceGroup,
        namespaceName: names.eventHubsNamespace,
        defaultAction: "Deny",
        publicNetworkAccess: "Enabled",
        ipRules: [{ ipMask: "203.0.113.0/24", action: "Allow" }],
        virtualNetworkRules: [],
        trustedServiceAccessEnabled: false,
      });
      expect(network.dependencies).to.include(
        resource(prod, TYPES.eventHubsNamespace, "ingestion-namespace").urn,
      );
    });

    it("exports the Capture interval it deploys, as a number", () => {
      expect(prod.outputs.eventHubsCaptureIntervalSeconds).to.deep.equal({ value: 300, secret: false });
      expect(
        resource(prod, TYPES.eventHub, "ingestion-events").inputs.captureDescription.intervalInSeconds,
      ).to.equal(300);
    });

    it("uses prod capacity, partitions, retention and zone-redundant storage", () => {
      expect(resource(prod, TYPES.eventHubsNamespace, "ingestion-namespace").inputs.sku).to.deep.equal({
        name: "Standard",
        tier: "Standard",
        capacity: 2,
      });
      expect(resource(prod, TYPES.eventHub, "ingestion-events").inputs).to.deep.include({
        partitionCount: 8,
        messageRetentionInDays: 7,
      });
      expect(resource(prod, TYPES.storageAccount, "lake-account").inputs.sku).to.deep.equal({
        name: "Standard_ZRS",
      });
      expect(
        resource(prod, TYPES.storageAccount, "lake-account").inputs.networkRuleSet.defaultAction,
      ).to.equal("Deny");
    });

    it("grants the deployers no data role on its hubs: no smoke test runs on prod", () => {
      const grants = ofType(prod, TYPES.roleAssignment).filter(
        (r) => r.inputs.roleDefinitionId === roleId(BUILT_IN_ROLES.azureEventHubsDataSender),
      );
      expect(grants.map((g) => g.name)).to.deep.equal([`ingestion-events-sender-${SENDER}`]);
    });

    it("grants each sender Azure Event Hubs Data Sender on its hub", () => {
      const names = namesOf("prod");
      const grant = resource(prod, TYPES.roleAssignment, `ingestion-events-sender-${SENDER}`);
      expect(grant.inputs).to.deep.include({
        principalId: SENDER,
        principalType: "ServicePrincipal",
        roleDefinitionId: roleId(BUILT_IN_ROLES.azureEventHubsDataSender),
        scope: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${names.resourceGroup}/providers/Microsoft.EventHub/namespaces/${names.eventHubsNamespace}/eventhubs/events`,
      });
      expect(BUILT_IN_ROLES.azureEventHubsDataSender).to.equal("2b629674-e913-4c01-ae53-ef4638d8f975");
    });
  });

  describe("personal stack", () => {
    it("carries the stack name, creates its resource group, protects nothing and keeps raw events one day", async () => {
      const alice = await evaluated("dev-alice", { config: FULL_COPY });
      expect(resource(alice, TYPES.resourceGroup, "rg").inputs).to.deep.include({
        resourceGroupName: "h3ml-dev-alice-rg",
        location: "westeurope",
        tags: {
          project: "h3-ml",
          environment: "personal",
          stack: "dev-alice",
          managedBy: "pulumi",
        },
      });
      expect(alice.registrations.filter((r) => r.protect)).to.deep.equal([]);
      const policy = resource(alice, TYPES.managementPolicy, "lake-lifecycle").inputs;
      expect(policy.policy.rules[0].definition.actions.baseBlob.delete).to.deep.equal({
        daysAfterModificationGreaterThan: 1,
      });
      expect(resource(alice, TYPES.eventHub, "ingestion-events").inputs.partitionCount).to.equal(1);
    });

    it("grants the person who runs it, as a user, the capture check role before the hubs", async () => {
      const alice = await evaluated("dev-alice", { config: FULL_COPY });
      const grant = resource(alice, TYPES.roleAssignment, "ingestion-capture-deployer-caller");
      expect(grant.inputs).to.deep.include({
        principalId: MOCK_CALLER_OBJECT_ID,
        principalType: "User",
        roleDefinitionId: customRoleId("dev-alice", "captureDestinationCheck"),
      });
      expect(resource(alice, TYPES.eventHub, "ingestion-events").dependencies).to.include(grant.urn);
    });

    it("can open its storage firewall to named IP ranges by explicit override", async () => {
      const alice = await evaluateProgram("dev-alice", {
        config: {
          ...FULL_COPY,
          storage: { networkDefaultAction: "Allow", allowedIpRanges: ["203.0.113.0/24"] },
        },
      });
      expect(resource(alice, TYPES.storageAccount, "lake-account").inputs.networkRuleSet).to.deep.include({
        defaultAction: "Allow",
        bypass: "AzureServices",
        ipRules: [{ iPAddressOrRange: "203.0.113.0/24", action: "Allow" }],
      });
    });
  });

  describe("existing resource group", () => {
    it("deploys into it instead of creating one", async () => {
      const evaluation = await evaluateProgram("dev", { config: { resourceGroupName: "team-rg" } });
      expect(ofType(evaluation, TYPES.resourceGroup)).to.deep.equal([]);
      expect(resource(evaluation, TYPES.storageAccount, "lake-account").inputs.resourceGroupName).to.equal(
        "team-rg",
      );
      expect(evaluation.outputs.resourceGroupName).to.deep.equal({ value: "team-rg", secret: false });
    });
  });

  describe("SAS sender override", () => {
    let sas: Evaluation;
    before(async () => {
      sas = await evaluateProgram("dev", {
        config: sectionWith("dev", "eventHubs", { hubs: ["events", "audit"], allowSasSender: true }),
      });
    });

    it("enables local auth, names the override on the namespace and adds one send-only rule per hub", () => {
      const namespace = resource(sas, TYPES.eventHubsNamespace, "ingestion-namespace");
      expect(namespace.inputs.disableLocalAuth).to.equal(false);
      expect(namespace.inputs.tags).to.deep.equal({
        project: "h3-ml",
        environment: "dev",
        stack: "dev",
        managedBy: "pulumi",
        "h3-ml-local-auth-reason": SAS_SENDER_REASON,
      });
      for (const hub of ["events", "audit"]) {
        expect(
          resource(sas, TYPES.eventHubAuthorizationRule, `ingestion-${hub}-send`).inputs,
        ).to.deep.include({
          eventHubName: hub,
          authorizationRuleName: "send",
          rights: ["Send"],
        });
      }
    });

    it("exports the connection strings as a secret", () => {
      const output = sas.outputs.eventHubsSasSenderConnectionStrings ?? expect.fail("no SAS output");
      const strings = output.value as Record<string, string>;
      expect(output.secret).to.equal(true);
      expect(Object.keys(strings).sort()).to.deep.equal(["audit", "events"]);
      expect(strings.audit).to.contain("SharedAccessKeyName=send;");
    });
  });

  describe("globally unique names", () => {
    it("refuses a self-managed stack without nameSeed, registering nothing", async () => {
      const failure = await evaluateProgram("dev", { config: { nameSeed: undefined } }).catch(
        (e: unknown) => e,
      );
      expect(failure).to.be.instanceOf(EvaluationError);
      expect((failure as EvaluationError).message).to.match(
        /^nameSeed is not set and stack dev is on a self-managed/,
      );
      expect((failure as EvaluationError).registrations).to.deep.equal([]);
    });

    it("names a Pulumi Cloud stack after its organization, with or without nameSeed", async () => {
      const cloud = await evaluateProgram("dev", {
        config: { nameSeed: undefined },
        backend: { kind: "pulumi-cloud", organization: "acme" },
      });
      const expected = resourceNames({
        project: "h3-ml",
        stack: "dev",
        namePrefix: "h3ml",
        organization: "acme",
      });
      expect(resource(cloud, TYPES.storageAccount, "lake-account").inputs.accountName).to.equal(
        expected.storageAccount,
      );
      expect(expected.storageAccount).to.not.equal(namesOf("dev").storageAccount);
    });
  });

  describe("invalid config", () => {
    it("fails with every problem and registers no resource", async () => {
      const failure = await evaluateProgram("dev", {
        config: {
          ...sectionWith("dev", "eventHubs", { sku: "Basic", captureIntervalSeconds: 30 }),
          storage: { rawRetentionDays: 45 },
        },
      }).catch((err: unknown) => err);
      expect(failure).to.be.instanceOf(EvaluationError);
      const { cause, registrations } = failure as EvaluationError;
      expect(cause).to.be.instanceOf(ConfigError);
      expect((cause as ConfigError).problems.map((p) => p.split(" ")[0])).to.deep.equal([
        "eventHubs.sku",
        "eventHubs.captureIntervalSeconds",
        "storage.rawRetentionDays",
      ]);
      expect(registrations).to.deep.equal([]);
    });

    it("fails when an object section is not valid JSON", async () => {
      const failure = await evaluateProgram("dev", { config: { storage: "{not json" } }).catch(
        (err: unknown) => err,
      );
      expect((failure as EvaluationError).message).to.contain('storage must be valid JSON, got "{not json"');
      expect((failure as EvaluationError).registrations).to.deep.equal([]);
    });
  });
});
