// Typesets the site's TeX once, at build time, so that readers' browsers run no MathJax at all.
//
//   node scripts/typeset_math.js < pages.json > typeset.json
//
// Reads one list of formulas per page, [[{"tex": "...", "display": true|false}, ...], ...], and
// writes, per page, {"html": [...], "errors": [...], "css": "..."}: a CommonHTML fragment per
// formula, with hidden MathML for screen readers (what MathJax's menu switches on in a browser),
// the TeX error of each formula (null if none), and the stylesheet of exactly the characters the
// page uses, whose fonts load from the vendored MathJax (`FONT_URL`, relative to the site root,
// which the caller rewrites for the page). Called by scripts/site_pages.py; MathJax is the npm
// package that package.json pins.
"use strict";
const fs = require("fs");
const path = require("path");

const FONT_URL = "_vendor/mathjax/output/chtml/fonts/woff-v2";
const pages = JSON.parse(fs.readFileSync(0, "utf8"));
let lastError = null;

require(path.join(__dirname, "..", "node_modules", "mathjax"))
  .init({
    loader: {
      load: ["input/tex", "output/chtml", "adaptors/liteDOM", "a11y/assistive-mml"],
      versionWarnings: false,
    },
    tex: {
      packages: { "[-]": ["noundefined"] }, // an unknown macro is an error; others autoload
      formatError: (jax, error) => {
        lastError = error.message;
        return jax.formatError(error);
      },
    },
    chtml: { fontURL: FONT_URL, adaptiveCSS: true },
    startup: { typeset: false },
  })
  .then(async (MathJax) => {
    const adaptor = MathJax.startup.adaptor;
    const output = MathJax.startup.output;
    const results = [];
    for (const formulas of pages) {
      output.clearCache(); // each page's stylesheet holds its own characters only
      output.chtmlStyles = null;
      const html = [];
      const errors = [];
      for (const { tex, display } of formulas) {
        lastError = null;
        html.push(adaptor.outerHTML(await MathJax.tex2chtmlPromise(tex, { display })));
        errors.push(lastError);
      }
      const css = formulas.length ? adaptor.textContent(MathJax.chtmlStylesheet()) : "";
      results.push({ html, errors, css });
    }
    process.stdout.write(JSON.stringify(results));
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
