// Lighthouse runs for tests/aventuria/test_lighthouse.py, in one Node process and one Chromium.
//
// The command line tool starts a Chromium for every page and then waits some 4 s before it
// exits, about half of each page's 11 s; this runs the pages one after another in one browser
// (Lighthouse clears the origin's storage and caches before each navigation) and exits when
// the last report is written.
//
// Usage: node lighthouse_runs.mjs RUNS.json, where RUNS.json is {"categories": [...],
// "chromeFlags": [...], "runSeconds": N, "runs": [{"url": ..., "output": ...}, ...]}.
// Each run writes its JSON report to `output`; a run in which Lighthouse fails writes
// {"runtimeError": {"code": "NODE_ERROR", "message": ...}} there instead. A run that takes more
// than runSeconds ends the round (the browser may still be busy with it): its report says
// TIMEOUT, the later runs have none, and the test runs them again. Prints nothing.
import { readFileSync, writeFileSync } from "node:fs";

import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: plan.chromeFlags,
});
class Timeout extends Error {}

function deadline(seconds) {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Timeout(`no result within ${seconds} s`)), seconds * 1000).unref();
  });
}

try {
  for (const run of plan.runs) {
    let report;
    let timedOut = false;
    try {
      const result = await Promise.race([
        lighthouse(run.url, {
          port: chrome.port,
          output: "json",
          logLevel: "error",
          onlyCategories: plan.categories,
          // The screenshot of the whole page is for the HTML report only: no score reads it.
          disableFullPageScreenshot: true,
        }),
        deadline(plan.runSeconds),
      ]);
      report = result ? result.report : JSON.stringify({ runtimeError: { code: "NO_RESULT" } });
    } catch (error) {
      timedOut = error instanceof Timeout;
      const code = timedOut ? "TIMEOUT" : "NODE_ERROR";
      report = JSON.stringify({ runtimeError: { code, message: String(error) } });
    }
    writeFileSync(run.output, report);
    if (timedOut) {
      break;
    }
  }
} finally {
  chrome.kill();
}
process.exit(0);
