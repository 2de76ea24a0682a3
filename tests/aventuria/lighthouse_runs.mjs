// Lighthouse runs for tests/aventuria/test_lighthouse.py, in one Node process and one Chromium.
//
// The command line tool starts a Chromium for every page and then waits some 4 s before it
// exits, about half of each page's 11 s; this runs the pages one after another in one browser
// (Lighthouse clears the origin's storage and caches before each navigation) and exits when
// the last report is written.
//
// Usage: node lighthouse_runs.mjs RUNS.json, where RUNS.json is
// {"categories": [...], "chromeFlags": [...], "runs": [{"url": ..., "output": ...}, ...]}.
// Each run writes its JSON report to `output`; a run in which Lighthouse fails writes
// {"runtimeError": {"code": "NODE_ERROR", "message": ...}} there instead. Prints nothing.
import { readFileSync, writeFileSync } from "node:fs";

import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: plan.chromeFlags,
});
try {
  for (const run of plan.runs) {
    let report;
    try {
      const result = await lighthouse(run.url, {
        port: chrome.port,
        output: "json",
        logLevel: "error",
        onlyCategories: plan.categories,
        // The screenshot of the whole page is for the HTML report only: no score reads it.
        disableFullPageScreenshot: true,
      });
      report = result ? result.report : JSON.stringify({ runtimeError: { code: "NO_RESULT" } });
    } catch (error) {
      report = JSON.stringify({ runtimeError: { code: "NODE_ERROR", message: String(error) } });
    }
    writeFileSync(run.output, report);
  }
} finally {
  chrome.kill();
}
process.exit(0);
