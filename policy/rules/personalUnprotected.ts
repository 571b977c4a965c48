import type { Rule } from "../core";
import { STATEFUL_TYPES } from "./prodStatefulProtected";

// A personal stack is throw-away by design; a protected resource makes `pulumi destroy` fail half-way and
// leaves a developer paying for it.
export const personalUnprotected: Rule = {
  name: "personal-unprotected",
  description: "In personal (dev-<name>) stacks nothing is protected, so the stack can always be destroyed.",
  appliesTo: STATEFUL_TYPES,
  check: ({ protect }, { kind, stack }) =>
    kind === "personal" && protect
      ? [
          `protect must be false in personal stack ${JSON.stringify(stack)}, got true. Fix: protect only in prod`,
        ]
      : [],
};
