#!/usr/bin/env node
/**
 * Marks the package's `bin` files executable after tsc wrote them. tsc writes plain 0644 files; `npm install` of the
 * packed tarball sets the mode for a consumer, but in a clone `npx trt-landmarker` runs dist/src/cli/main.js as it is,
 * and a 0644 file fails with "Permission denied" (the README's first command on a fresh clone).
 */
'use strict';
const { chmodSync, existsSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const rel of typeof bin === 'string' ? [bin] : Object.values(bin ?? {})) {
  const file = join(root, rel);
  if (!existsSync(file)) {
    console.error(`bin-executable: ${rel} is missing: did tsc compile it?`);
    process.exit(1);
  }
  chmodSync(file, statSync(file).mode | 0o111);
}
