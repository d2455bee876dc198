// The console (Nexus.Proxy/wwwroot) is served as plain files with no build step, so it carries a copy of this
// package's compiled ESM output in wwwroot/js/nexus-client/, committed. `write` (run by `npm run build`) refreshes the
// copy; `check` (and test/package.test.js, which ./test.sh runs after `npm run compile`, a build that leaves the copy
// alone) fails when the copy differs from dist/, so a source change whose copy was not refreshed and committed cannot pass.
import { readdir, readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../dist');
export const consoleCopy = path.resolve(here, '../../../Nexus.Proxy/wwwroot/js/nexus-client');
const header = '// Generated from clients/typescript/src by `npm run build` (do not edit; see docs/console.md).\n';

/** The files the console gets: the compiled modules, without type declarations. */
export async function expectedFiles() {
  const names = (await readdir(dist)).filter((n) => n.endsWith('.js')).sort();
  return Promise.all(names.map(async (name) => ({ name, text: header + (await readFile(path.join(dist, name), 'utf8')) })));
}

/** Differences between dist/ and the console's copy, as sentences; empty when they match. */
export async function differences() {
  const expected = await expectedFiles();
  let actual = [];
  try {
    actual = (await readdir(consoleCopy)).sort();
  } catch {
    return [`${consoleCopy} does not exist`];
  }
  const problems = [];
  for (const { name, text } of expected) {
    let copy = null;
    try {
      copy = await readFile(path.join(consoleCopy, name), 'utf8');
    } catch {
      problems.push(`${name} is missing from the console's copy`);
      continue;
    }
    if (copy !== text) problems.push(`${name} differs from the build`);
  }
  for (const name of actual) if (!expected.some((e) => e.name === name)) problems.push(`${name} is in the console's copy but not in the build`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === 'write') {
    await rm(consoleCopy, { recursive: true, force: true });
    await mkdir(consoleCopy, { recursive: true });
    for (const { name, text } of await expectedFiles()) await writeFile(path.join(consoleCopy, name), text);
    console.log(`console copy written: ${path.relative(process.cwd(), consoleCopy)}`);
  } else if (mode === 'check') {
    const problems = await differences();
    if (problems.length) {
      console.error(`The console's copy of the client is out of date (run npm run build in clients/typescript and commit):\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log('console copy matches the build');
  } else {
    console.error('usage: node scripts/console-copy.mjs write|check');
    process.exit(2);
  }
}
