// Builds static/dist: GOV.UK Frontend's SCSS compiled with Dart Sass (system font, our asset path),
// its JavaScript, and its images. Run by `make assets`.
import { cpSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import * as sass from "sass";

const out = "static/dist";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const options = {
  importers: [new sass.NodePackageImporter()],
  // MOJ Frontend's SCSS reaches GOV.UK Frontend's by a path from the project's root.
  loadPaths: ["."],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
};
const result = sass.compile("static/src/portal.scss", options);
// MOJ Frontend configures GOV.UK Frontend itself, so its components are compiled on their own.
const moj = sass.compile("static/src/moj.scss", options);
writeFileSync(`${out}/portal.css`, result.css + "\n" + moj.css);

const govuk = "node_modules/govuk-frontend/dist/govuk";
cpSync(`${govuk}/govuk-frontend.min.js`, `${out}/govuk-frontend.min.js`);
cpSync("static/src/portal.mjs", `${out}/portal.js`);
mkdirSync(`${out}/assets`, { recursive: true });
cpSync(`${govuk}/assets/images`, `${out}/assets/images`, { recursive: true });
console.log(`assets: ${out}/portal.css (${result.css.length + moj.css.length + 1} bytes), portal.js, images`);
