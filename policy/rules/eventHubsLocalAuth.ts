import { at, expected, type Rule, TYPES } from "../core";

/**
 * The tag through which a namespace states why it keeps SAS (local) auth on, e.g. for a sender that cannot
 * use Entra ID. The reason travels with the resource, so whoever looks at it in Azure sees why. The program
 * sets it from its named override (`eventHubs.allowSasSender`) and refuses it as a user tag, so the marker
 * cannot be claimed without the override.
 */
export const LOCAL_AUTH_REASON_TAG = "h3-ml-local-auth-reason";

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
