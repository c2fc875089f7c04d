#!/usr/bin/env node
// The README's layout table matches the tree: every path it names exists, and every tracked top-level folder and
// every folder one level under cpp/, src/, tools/, scripts/ and test/ is named in it (as `dir/` or under a named
// parent row such as `entry/`). Exits 1 listing what is missing or stale. Usage: node tools/lint/readme-layout.mjs
// [README.md] [repository root].
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const readme = process.argv[2] ?? 'README.md';
const root = process.argv[3] ?? '.';

export function layoutPaths(markdown) {
  const start = markdown.indexOf('## Layout');
  if (start < 0) throw new Error(`${readme}: no "## Layout" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const rows = markdown.slice(start, end < 0 ? undefined : end).split('\n').filter((l) => l.startsWith('| `'));
  const paths = [];
  for (const row of rows) {
    const first = row.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([^`]+)`/g)) paths.push(m[1]);
  }
  return paths;
}

export function expectedFolders(tracked) {
  const folders = new Set();
  for (const file of tracked) {
    const parts = file.split('/');
    if (parts.length > 1 && !parts[0].startsWith('.')) folders.add(`${parts[0]}/`);
    if (parts.length > 2 && ['cpp', 'src', 'tools', 'scripts', 'test'].includes(parts[0])) {
      folders.add(`${parts[0]}/${parts[1]}/`);
    }
  }
  return [...folders].sort();
}

export function check(markdown, tracked, exists) {
  const named = layoutPaths(markdown);
  const problems = [];
  for (const p of named) if (!exists(p)) problems.push(`named in the layout table but not in the tree: ${p}`);
  const deep = ['cpp/', 'src/', 'tools/'];  // their subfolders each need a row; scripts/ and test/ rows cover theirs
  for (const folder of expectedFolders(tracked)) {
    const parent = `${folder.split('/')[0]}/`;
    const covered = folder === parent
      ? named.some((p) => p.startsWith(parent) || p === parent.slice(0, -1))
      : named.includes(folder) || (!deep.includes(parent) && named.includes(parent));
    if (!covered) problems.push(`in the tree but not in the layout table: ${folder}`);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  const problems = check(readFileSync(resolve(root, readme), 'utf8'), tracked, (p) => existsSync(join(root, p)));
  for (const p of problems) console.log(`${readme}: ${p}`);
  process.exit(problems.length === 0 ? 0 : 1);
}
