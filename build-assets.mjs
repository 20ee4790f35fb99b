// Builds static/dist: GOV.UK Frontend's SCSS compiled with Dart Sass (system font, our asset path),
// its JavaScript, and its images. Run by `make assets`.
import { cpSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import * as sass from "sass";

const out = "static/dist";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = sass.compile("static/src/portal.scss", {
  importers: [new sass.NodePackageImporter()],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(`${out}/portal.css`, result.css);

const govuk = "node_modules/govuk-frontend/dist/govuk";
cpSync(`${govuk}/govuk-frontend.min.js`, `${out}/govuk-frontend.min.js`);
cpSync("static/src/portal.mjs", `${out}/portal.js`);
mkdirSync(`${out}/assets`, { recursive: true });
cpSync(`${govuk}/assets/images`, `${out}/assets/images`, { recursive: true });
console.log(`assets: ${out}/portal.css (${result.css.length} bytes), portal.js, images`);
