#!/usr/bin/env node
// Keeps the workspace packages' graph honest and acyclic, tests included. Fails (exit 1, one line per
// finding) when
//   - a package's shipped code (src/, bin/, its "main") imports a package not in its dependencies,
//   - any other file of it (test/, scripts/, …) imports one not in its dependencies or
//     devDependencies (or the root's devDependencies: the shared jest/TypeScript tooling),
//   - a relative import leaves its package's folder (`../../synth/src`), or a bare one reaches into
//     a package's src/ or dist/ by path (`@gazecoder/synth/src/face`),
//   - a tsconfig.json "references" a package that is not a dependency (devDependency for test/),
//   - the workspace packages' dependencies + devDependencies have a cycle (printed a → b → a).
// Imports are read with regexes over the source with its comments, template literals and other
// strings blanked: import/export … from, import(), require(), require.resolve(),
// createRequire(…).resolve(), with a string literal as the specifier.
// node: builtins (with or without the prefix) are always allowed.
//
// Usage: node scripts/check-package-graph.mjs [repository root]   (default: this script's repository)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const rootPackage = readJson(join(root, 'package.json'));

const SOURCE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'models', 'coverage']);
const skipDir = (name) => name.startsWith('.') || SKIP_DIRS.has(name) || name.startsWith('build-');
const builtins = new Set(builtinModules.flatMap((m) => [m, m.replace(/^node:/, '')]));

/** The workspace folders the root's "workspaces" globs name (`dir` or `dir/*`). */
function workspaceDirs() {
  const dirs = [];
  for (const pattern of rootPackage.workspaces ?? []) {
    if (!pattern.endsWith('/*')) {
      if (existsSync(join(root, pattern, 'package.json'))) dirs.push(join(root, pattern));
      continue;
    }
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true }))
      if (entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json'))) dirs.push(join(parent, entry.name));
  }
  return dirs;
}

const packages = workspaceDirs().map((dir) => {
  const json = readJson(join(dir, 'package.json'));
  const prod = new Set(Object.keys({ ...json.dependencies, ...json.peerDependencies, ...json.optionalDependencies }));
  const dev = new Set([...prod, ...Object.keys(json.devDependencies ?? {})]);
  return { dir, name: json.name, json, prod, dev };
});
const byName = new Map(packages.map((p) => [p.name, p]));
const rootDev = Object.keys({ ...rootPackage.devDependencies, ...rootPackage.dependencies });

/** The package whose folder holds `path` (the deepest, for nested workspaces such as native/prebuilt/*). */
function ownerOf(path) {
  let best;
  for (const p of packages)
    if ((path === p.dir || path.startsWith(p.dir + sep)) && (!best || p.dir.length > best.dir.length)) best = p;
  return best;
}

/** A package's source files, not descending into nested workspaces. */
function sourceFiles(pkg) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipDir(entry.name) && !existsSync(join(path, 'package.json'))) walk(path);
      } else if (SOURCE.test(entry.name)) files.push(path);
    }
  };
  walk(pkg.dir);
  return files;
}

/** Whether a file ships: under src/ or bin/, or the package's "main". */
function ships(pkg, file) {
  const rel = relative(pkg.dir, file).split(sep).join('/');
  const main = (pkg.json.main ?? '').replace(/^\.\//, '');
  return rel.startsWith('src/') || rel.startsWith('bin/') || (main !== '' && rel === main);
}

/**
 * The source with comments and template literals blanked and each string literal replaced by
 * \0N\0 (N: its index in `strings`), so that import-like text inside strings or comments is not
 * read; newlines are kept, for line numbers.
 */
function tokens(text) {
  const strings = [];
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, (m) => {
    if (m[0] !== "'" && m[0] !== '"') return m.replace(/[^\n]/g, ' ');
    strings.push(m.slice(1, -1));
    return `\0${strings.length - 1}\0`;
  });
  return { code, strings };
}

const STRING = '\\0(\\d+)\\0';
const IMPORT = [
  `\\b(?:import|export)\\s[^;\\0]*?\\bfrom\\s*${STRING}`,
  `\\bimport\\s*${STRING}`,
  `\\bimport\\s*\\(\\s*${STRING}`,
  `\\brequire(?:\\.resolve)?\\s*\\(\\s*${STRING}`,
  `\\bcreateRequire\\([^)]*\\)\\.resolve\\(\\s*${STRING}`,
].map((re) => new RegExp(re, 'g'));

/** [specifier, line] for every static import in `text`. */
function importsOf(text) {
  const { code, strings } = tokens(text);
  const found = [];
  for (const re of IMPORT)
    for (const m of code.matchAll(re)) found.push([strings[Number(m[1])], code.slice(0, m.index + m[0].length).split('\n').length]);
  return found.sort((a, b) => a[1] - b[1]);
}

const problems = [];
const rel = (path) => relative(root, path).split(sep).join('/');

for (const pkg of packages) {
  for (const file of sourceFiles(pkg)) {
    const shipped = ships(pkg, file);
    for (const [spec, line] of importsOf(readFileSync(file, 'utf8'))) {
      const where = `${rel(file)}:${line}`;
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolve(dirname(file), spec);
        const owner = ownerOf(target);
        if (owner !== pkg)
          problems.push(`${where}: '${spec}' leaves ${pkg.name}'s folder (into ${owner ? owner.name : rel(target)}); import the package by name`);
        continue;
      }
      if (builtins.has(spec) || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      const subpath = parts.slice(spec.startsWith('@') ? 2 : 1);
      if (byName.has(name) && (subpath[0] === 'src' || subpath[0] === 'dist'))
        problems.push(`${where}: '${spec}' reaches into ${name}'s ${subpath[0]}/ by path; import '${name}'`);
      if (name === pkg.name) continue;
      if (shipped ? pkg.prod.has(name) : pkg.dev.has(name) || rootDev.includes(name)) continue;
      problems.push(`${where}: imports '${name}', which is not in ${pkg.name}'s ${shipped ? 'dependencies' : 'dependencies or devDependencies'}`);
    }
  }
  // tsconfig references are build edges too: they must follow declared dependencies.
  for (const [config, allowed, kind] of [
    [join(pkg.dir, 'tsconfig.json'), pkg.prod, 'dependencies'],
    [join(pkg.dir, 'test', 'tsconfig.json'), pkg.dev, 'dependencies or devDependencies'],
  ]) {
    if (!existsSync(config)) continue;
    let references;
    try {
      references = new Function(`return (${readFileSync(config, 'utf8')});`)().references ?? []; // JSON with comments
    } catch {
      continue;
    }
    for (const { path } of references) {
      let target = resolve(dirname(config), path);
      if (existsSync(target) && statSync(target).isFile()) target = dirname(target);
      const owner = ownerOf(target);
      if (owner && owner !== pkg && !allowed.has(owner.name))
        problems.push(`${rel(config)}: references ${owner.name}, which is not in ${pkg.name}'s ${kind}`);
    }
  }
}

// Cycles among the workspace packages, over dependencies + devDependencies (what turbo's ^build follows).
const edges = new Map(packages.map((p) => [p.name, [...p.dev].filter((d) => byName.has(d) && d !== p.name).sort()]));
const state = new Map(); // name → 'open' | 'done'
const stack = [];
const cycles = new Set();
function visit(name) {
  state.set(name, 'open');
  stack.push(name);
  for (const next of edges.get(name)) {
    if (state.get(next) === 'open') cycles.add([...stack.slice(stack.indexOf(next)), next].join(' → '));
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(name, 'done');
}
for (const name of [...edges.keys()].sort()) if (!state.has(name)) visit(name);
for (const cycle of cycles) problems.push(`dependency cycle: ${cycle}`);

if (problems.length > 0) {
  console.error(`check-package-graph: ${problems.length} problem(s) in ${root}`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-package-graph: ${packages.length} packages, no undeclared, path or cyclic imports`);
