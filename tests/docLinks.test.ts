/**
 * Every relative link in the repository's Markdown resolves: `[text](path#anchor)` names a tracked file, and an
 * anchor into a Markdown file names one of its headings (GitHub's anchors: lower case, punctuation dropped,
 * spaces as hyphens).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";

const LINK = /\]\(([^)\s]+)\)/g;

function markdownFiles(): string[] {
  return execFileSync("git", ["ls-files", "*.md"], { cwd: PROJECT_ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "");
}

/** The anchors GitHub gives a Markdown file's headings; headings inside code blocks are not headings. */
function anchors(file: string): Set<string> {
  const found = new Set<string>();
  let inCode = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("```")) inCode = !inCode;
    const heading = inCode ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      found.add(
        heading[1]
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}_\- ]/gu, "")
          .replace(/ /g, "-"),
      );
    }
  }
  return found;
}

/** Each relative link in `text`, the content of the tracked `file`, that does not resolve, as `file: target`. */
function brokenLinks(file: string, text: string): string[] {
  const absolute = path.join(PROJECT_ROOT, file);
  const broken: string[] = [];
  for (const [, target] of text.matchAll(LINK)) {
    if (/^(https?|mailto):/.test(target)) continue;
    const [linked, anchor] = target.split("#", 2);
    const resolved = linked === "" ? absolute : path.resolve(path.dirname(absolute), linked);
    if (!existsSync(resolved)) broken.push(`${file}: ${target} (no such file)`);
    else if (anchor && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) {
      broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  return broken;
}

describe("links between the docs", () => {
  it("find the documentation to check", () => {
    expect(markdownFiles()).to.include.members(["README.md", "docs/ci.md", "docs/deployment.md"]);
  });

  it("name files that exist and headings those files have", () => {
    const broken = markdownFiles().flatMap((f) =>
      brokenLinks(f, readFileSync(path.join(PROJECT_ROOT, f), "utf8")),
    );
    expect(broken).to.deep.equal([]);
  });

  it("fail on a missing file or heading", () => {
    const text =
      "[a](deployment.md#deployer-rights) [b](deployment.md#deployer-right) [c](nowhere.md) [d](#drift)";
    expect(brokenLinks("docs/ci.md", text)).to.deep.equal([
      "docs/ci.md: deployment.md#deployer-right (no such heading)",
      "docs/ci.md: nowhere.md (no such file)",
    ]);
  });
});
