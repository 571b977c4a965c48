import { at, expected, type Rule, TYPES } from "../core";

// The lake holds personal health events: no container may ever be readable anonymously.
export const storageNoPublicBlobAccess: Rule = {
  name: "storage-no-public-blob-access",
  description: "Storage accounts forbid anonymous (public) blob access.",
  appliesTo: [TYPES.storageAccount],
  check: ({ props }) => {
    const value = at(props, "allowBlobPublicAccess");
    return value === false
      ? []
      : [expected("allowBlobPublicAccess", "false", value, "set allowBlobPublicAccess: false")];
  },
};
