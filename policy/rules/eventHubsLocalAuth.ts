import { at, expected, type Rule, TYPES } from "../core";
import { LOCAL_AUTH_REASON_TAG } from "../vocabulary/tags";

// The reason travels with the resource as a tag, so whoever looks at the namespace in Azure sees why SAS is on.

export const eventHubsLocalAuth: Rule = {
  name: "eventhubs-local-auth",
  description:
    `Event Hubs namespaces turn local (SAS) auth off, unless a "${LOCAL_AUTH_REASON_TAG}" tag explains ` +
    "why a sender needs it.",
  appliesTo: [TYPES.eventHubsNamespace],
  check: ({ props }) => {
    const disabled = at(props, "disableLocalAuth");
    if (disabled === true) return [];
    const reason = at(props, `tags.${LOCAL_AUTH_REASON_TAG}`);
    if (typeof reason === "string" && reason.trim().length >= 10) return [];
    return [
      expected(
        "disableLocalAuth",
        `true (or a tags.${LOCAL_AUTH_REASON_TAG} of at least 10 characters saying why SAS is needed)`,
        disabled,
        "set disableLocalAuth: true and send with an Entra identity (eventHubs.senderPrincipalIds)",
      ),
    ];
  },
};
