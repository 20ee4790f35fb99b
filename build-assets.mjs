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
// The council's own icon (GOV.UK's favicon is the crown, and a council service is not GOV.UK).
cpSync("static/src/favicon.ico", `${out}/favicon.ico`);
cpSync("static/src/favicon.svg", `${out}/favicon.svg`);
mkdirSync(`${out}/assets`, { recursive: true });
cpSync(`${govuk}/assets/images`, `${out}/assets/images`, { recursive: true });
console.log(`assets: ${out}/portal.css (${result.css.length} bytes), portal.js, images`);
