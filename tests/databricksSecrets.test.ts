import { expect } from "chai";
import { DatabricksSecrets } from "../components/databricksSecrets";
import { RESOURCE_TYPES as T } from "../policy/vocabulary/resourceTypes";
import { databricksResources, providerRef, testProvider } from "./databricksFixtures";
import { evaluate } from "./harness/mockProgram";
import { ofType, resource } from "./support";

const build = (runAsServicePrincipal?: string) =>
  evaluate(
    "dev",
    () => new DatabricksSecrets("secrets", { provider: testProvider(), runAsServicePrincipal }),
  );

describe("DatabricksSecrets", () => {
  it("stores a generated audit salt in the h3-ml scope", async () => {
    const ev = await build();
    expect(resource(ev, T.secretScope, "secrets-scope").inputs).to.deep.equal({ name: "h3-ml" });
    expect(resource(ev, T.randomPassword, "secrets-audit-salt").inputs).to.deep.include({
      length: 48,
      special: false,
    });
    const secret = resource(ev, T.secret, "secrets-audit-salt");
    expect(secret.inputs).to.include({ scope: "h3-ml", key: "audit-salt" });
    expect(secret.secretInputs).to.deep.equal(["stringValue"]);
    expect(ofType(ev, T.secretAcl)).to.deep.equal([]);
    for (const r of databricksResources(ev)) expect(r.provider, r.name).to.equal(providerRef(ev));
  });

  it("lets the run-as service principal read the scope", async () => {
    const sp = "9f0c1d2e-0000-4000-8000-00000000aaaa";
    expect(resource(await build(sp), T.secretAcl, "secrets-run-as-read").inputs).to.deep.equal({
      scope: "h3-ml",
      principal: sp,
      permission: "READ",
    });
  });
});
