import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";

describe("toolchain", () => {
  it("runs TypeScript tests with chai", () => {
    expect(typeof pulumi.Config).to.equal("function");
  });
});
