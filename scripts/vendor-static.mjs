// Copy the front-end libraries installed by `npm ci` into Django's static files.
//
// The copies are committed (docs/adr/0005-frontend-from-npm.md): `make` and CI need no npm.
// VERSIONS.json records each file's package, version and SHA-256, so a test can check that the
// committed files are the ones package-lock.json names.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "thuocdo", "web", "static", "vendor");
const files = [
  // [package, file inside the package, name under static/vendor/]
  ["htmx.org", "dist/htmx.min.js", "htmx.min.js"],
  ["htmx-ext-sse", "dist/sse.min.js", "htmx-ext-sse.js"],
];

mkdirSync(target, { recursive: true });
const manifest = {};
for (const [pkg, source, name] of files) {
  const packageDir = join(root, "node_modules", pkg);
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  copyFileSync(join(packageDir, source), join(target, name));
  const sha256 = createHash("sha256").update(readFileSync(join(target, name))).digest("hex");
  manifest[name] = { package: pkg, version, source, sha256 };
  console.log(`${name} ← ${pkg}@${version}/${source}`);
}
writeFileSync(join(target, "VERSIONS.json"), JSON.stringify(manifest, null, 2) + "\n");
