import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../config/config";
import { loadStackConfig, PROJECT_ROOT, toRuntimeConfig } from "../scripts/lib/stackConfig";

const project = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml", () => {
  it("runs TypeScript through tsx, which the deploy installs as a dependency", () => {
    expect(project.name).to.equal("h3-ml");
    expect(project.runtime).to.deep.equal({
      name: "nodejs",
      options: { typescript: false, nodeargs: "--import tsx" },
    });
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(pkg.dependencies).to.have.property("tsx");
    expect(pkg.main).to.equal("index.ts");
  });

  it("declares exactly the keys the program reads", () => {
    expect(Object.keys(project.config).sort()).to.deep.equal([...CONFIG_KEYS].sort());
  });

  it("gives every scalar key a type, a default and a description", () => {
    for (const [key, entry] of Object.entries(project.config as Record<string, Record<string, unknown>>)) {
      if ("value" in entry) continue;
      expect(entry, key).to.have.all.keys("type", "default", "description");
    }
  });
});

describe("stack config loading", () => {
  it("merges Pulumi.yaml defaults with the stack file, the stack winning key by key", () => {
    const prod = loadStackConfig("prod");
    expect(prod.project).to.equal("h3-ml");
    expect(prod.values["h3-ml:location"]).to.equal("westeurope");
    expect(prod.values["h3-ml:deletionSlaDays"]).to.equal(30);
    expect(prod.values["h3-ml:tags"]).to.deep.equal({ costCenter: "h3-platform" });
    expect(prod.values["h3-ml:storage"]).to.deep.include({
      sku: "Standard_ZRS",
      networkDefaultAction: "Deny",
    });
  });

  it("gives a stack without a file the defaults only", () => {
    expect(loadStackConfig("dev-nobody").values["h3-ml:eventHubs"]).to.deep.equal({});
  });

  it("applies overrides last and removes keys set to undefined", () => {
    const loaded = loadStackConfig("dev", { location: "northeurope", "h3-ml:tags": undefined });
    expect(loaded.values["h3-ml:location"]).to.equal("northeurope");
    expect(loaded.values).to.not.have.property("h3-ml:tags");
  });

  it("hands objects to the program as JSON and strings as they are", () => {
    expect(
      toRuntimeConfig({
        "h3-ml:location": "westeurope",
        "h3-ml:storage": { sku: "Standard_LRS" },
        "h3-ml:n": 3,
      }),
    ).to.deep.equal({
      "h3-ml:location": "westeurope",
      "h3-ml:storage": '{"sku":"Standard_LRS"}',
      "h3-ml:n": "3",
    });
  });
});
