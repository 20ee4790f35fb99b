// Builds static/dist: GOV.UK Frontend's SCSS compiled with Dart Sass (system font, our asset path),
// its JavaScript, and its images; accessible-autocomplete's script and styles. Run by `make assets`.
import { cpSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
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
// accessible-autocomplete's styles first, so that ours (portal.scss) can adjust them.
const autocomplete = "node_modules/accessible-autocomplete/dist";
const autocompleteCss = readFileSync(`${autocomplete}/accessible-autocomplete.min.css`, "utf8").replace(/\/\*# sourceMappingURL=[^*]*\*\//, "");
writeFileSync(`${out}/portal.css`, `${autocompleteCss}\n${result.css}\n${moj.css}`);

const govuk = "node_modules/govuk-frontend/dist/govuk";
cpSync(`${govuk}/govuk-frontend.min.js`, `${out}/govuk-frontend.min.js`);
cpSync("static/src/portal.mjs", `${out}/portal.js`);
// Imported by portal.js only on a page with a search box or a long list to enhance.
cpSync(`${autocomplete}/accessible-autocomplete.min.js`, `${out}/accessible-autocomplete.min.js`);
// The council's own icon (GOV.UK's favicon is the crown, and a council service is not GOV.UK).
cpSync("static/src/favicon.ico", `${out}/favicon.ico`);
cpSync("static/src/favicon.svg", `${out}/favicon.svg`);
mkdirSync(`${out}/assets`, { recursive: true });
cpSync(`${govuk}/assets/images`, `${out}/assets/images`, { recursive: true });
console.log(`assets: ${out}/portal.css (${autocompleteCss.length + result.css.length + moj.css.length + 2} bytes), portal.js, images`);
