import { at, expected, type Rule, TYPES } from "../core";

// Azure's default for this flag changed across API versions; the rule wants it stated, not inherited.
export const storageHttpsOnly: Rule = {
  name: "storage-https-only",
  description: "Storage accounts accept HTTPS traffic only.",
  appliesTo: [TYPES.storageAccount],
  check: ({ props }) => {
    const value = at(props, "enableHttpsTrafficOnly");
    return value === true
      ? []
      : [expected("enableHttpsTrafficOnly", "true", value, "set enableHttpsTrafficOnly: true")];
  },
};
