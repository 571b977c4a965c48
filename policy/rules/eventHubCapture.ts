import { at, expected, type Rule, TYPES } from "../core";

// The lake's only way in is Capture: these are the settings the ingest job and the DESIGN rely on.
export const eventHubCapture: Rule = {
  name: "eventhub-capture",
  description:
    "Every event hub captures to storage as Avro, skips empty archives and writes with a managed identity.",
  appliesTo: [TYPES.eventHub],
  check: ({ props }) => {
    const problems: string[] = [];
    const enabled = at(props, "captureDescription.enabled");
    if (enabled !== true) {
      problems.push(expected("captureDescription.enabled", "true", enabled, "turn Capture on for this hub"));
    }
    const encoding = at(props, "captureDescription.encoding");
    if (encoding !== "Avro") {
      problems.push(
        expected(
          "captureDescription.encoding",
          '"Avro"',
          encoding,
          'set captureDescription.encoding: "Avro"',
        ),
      );
    }
    // Without it Capture writes a header-only file every window, which the ingest job must then list and skip.
    const skip = at(props, "captureDescription.skipEmptyArchives");
    if (skip !== true) {
      problems.push(
        expected(
          "captureDescription.skipEmptyArchives",
          "true",
          skip,
          "set captureDescription.skipEmptyArchives: true",
        ),
      );
    }
    // Storage refuses shared keys, so Capture can only write as the namespace's identity.
    const identity = at(props, "captureDescription.destination.identity.type");
    if (identity !== "SystemAssigned" && identity !== "UserAssigned") {
      problems.push(
        expected(
          "captureDescription.destination.identity.type",
          '"SystemAssigned" or "UserAssigned"',
          identity,
          "give Capture the namespace identity (granted Storage Blob Data Contributor on the account)",
        ),
      );
    }
    return problems;
  },
};
