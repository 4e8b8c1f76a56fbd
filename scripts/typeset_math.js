// Typesets the site's TeX once, at build time, so that readers' browsers run no MathJax at all.
//
//   node scripts/typeset_math.js < pages.json > typeset.json
//
// Reads {"fontURL": "...", "pages": [[{"tex": "...", "display": true|false}, ...], ...]} (one
// list of formulas per page) and writes, per page, {"html": [...], "errors": [...], "css": "..."}:
// a CommonHTML fragment per formula, with hidden MathML for screen readers (what MathJax's menu
// switches on in a browser), the TeX error of each formula (null if none), and the stylesheet of
// exactly the characters the page uses, its fonts loading from `fontURL`. Called by
// scripts/site_pages.py, which owns the font URL; MathJax is the npm package package.json pins.
"use strict";
const fs = require("fs");
const path = require("path");

const { fontURL, pages } = JSON.parse(fs.readFileSync(0, "utf8"));
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
    chtml: { fontURL, adaptiveCSS: true },
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
      results.push({ html, errors, css: adaptor.textContent(MathJax.chtmlStylesheet()) });
    }
    process.stdout.write(JSON.stringify(results));
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
