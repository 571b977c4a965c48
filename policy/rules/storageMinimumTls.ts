import { at, expected, type Rule, TYPES } from "../core";

const ACCEPTED = ["TLS1_2", "TLS1_3"];

export const storageMinimumTls: Rule = {
  name: "storage-minimum-tls",
  description: "Storage accounts refuse TLS older than 1.2.",
  appliesTo: [TYPES.storageAccount],
  check: ({ props }) => {
    const value = at(props, "minimumTlsVersion");
    return typeof value === "string" && ACCEPTED.includes(value)
      ? []
      : [expected("minimumTlsVersion", '"TLS1_2" or newer', value, 'set minimumTlsVersion: "TLS1_2"')];
  },
};
