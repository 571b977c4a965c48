import { expect } from "chai";
import {
  DatabricksWorkspaceSecurity,
  type DatabricksWorkspaceSecurityArgs,
} from "../components/databricksWorkspaceSecurity";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { databricksResources, providerRef, testProvider } from "./databricksFixtures";
import { evaluate } from "./harness/mockProgram";
import { resource } from "./support";

const build = (args: Omit<DatabricksWorkspaceSecurityArgs, "provider" | "namePrefix">) =>
  evaluate(
    "prod",
    () =>
      new DatabricksWorkspaceSecurity("security", {
        provider: testProvider(),
        namePrefix: "h3ml-prod",
        ...args,
      }),
  );

describe("DatabricksWorkspaceSecurity", () => {
  it("turns IP access lists on only once the allow list exists", async () => {
    const ev = await build({
      allowedIpRanges: ["203.0.113.0/24", "198.51.100.7"],
      restrictWorkspaceAdmins: false,
    });
    const list = resource(ev, TYPES.ipAccessList, "security-allowed");
    expect(list.inputs).to.deep.equal({
      label: "h3ml-prod allowed",
      listType: "ALLOW",
      ipAddresses: ["203.0.113.0/24", "198.51.100.7"],
    });
    const feature = resource(ev, TYPES.workspaceConf, "security-ip-access-lists");
    expect(feature.inputs).to.deep.equal({ customConfig: { enableIpAccessLists: "true" } });
    expect(feature.dependencies).to.include(list.urn);
    for (const r of databricksResources(ev)) expect(r.provider, r.name).to.equal(providerRef(ev));
  });

  it("leaves IP access lists alone without an allow list", async () => {
    const ev = await build({ restrictWorkspaceAdmins: false });
    expect(ev.registrations.filter((r) => r.custom && r.type !== TYPES.databricksProvider)).to.deep.equal([]);
  });

  it("adopts the RestrictWorkspaceAdmins setting an account admin applied, and leaves it behind on destroy", async () => {
    const ev = await build({ restrictWorkspaceAdmins: true });
    const setting = resource(ev, TYPES.restrictWorkspaceAdminsSetting, "security-restrict-admins");
    expect(setting.inputs).to.deep.equal({
      restrictWorkspaceAdmins: { status: "RESTRICT_TOKENS_AND_JOB_RUN_AS" },
    });
    expect(setting.importId).to.equal("global");
    expect(setting.retainOnDelete).to.equal(true);
  });
});
