/** Tag names with a meaning to both the program and the policy pack. Imports nothing. */

/**
 * The tag through which an Event Hubs namespace states why it keeps SAS (local) auth on. The program sets it
 * from its named override (`eventHubs.allowSasSender`) and refuses it as a user tag; the pack lets local auth
 * through only with it.
 */
export const LOCAL_AUTH_REASON_TAG = "h3-ml-local-auth-reason";
