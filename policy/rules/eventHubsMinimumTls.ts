import { at, expected, type Rule, TYPES } from "../core";

export const eventHubsMinimumTls: Rule = {
  name: "eventhubs-minimum-tls",
  description: "Event Hubs namespaces refuse TLS older than 1.2.",
  appliesTo: [TYPES.eventHubsNamespace],
  check: ({ props }) => {
    const value = at(props, "minimumTlsVersion");
    return value === "1.2" || value === "1.3"
      ? []
      : [expected("minimumTlsVersion", '"1.2" or newer', value, 'set minimumTlsVersion: "1.2"')];
  },
};
