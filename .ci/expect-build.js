#!/usr/bin/env node
/*
 * Checks that a fresh addon build is the configuration CI asked for, from the addon's own buildInfo():
 *
 *   node .ci/expect-build.js <trt_landmarker.node> <variant: cpu | cuda | cuda13 ...> <tensorrt: none | 10 | 11> [jpeg: yes | no]
 *
 * "cuda" accepts any cuda<major>. jpeg: whether the addon's JPEG decoder must be there (jpegDecoder().available;
 * unchecked when absent). Prints one line describing the build; exit 1 (with what differs) otherwise.
 */
'use strict';
const [file, variant, tensorrt, jpeg] = process.argv.slice(2);
if (!file || !variant || !tensorrt) {
  console.error('usage: node .ci/expect-build.js <addon.node> <variant> <tensorrt major | none>');
  process.exit(2);
}
const addon = require(require('node:path').resolve(file));
const b = addon.buildInfo();
const g = addon.gpuStatus();
const trt = b.tensorrtMajor === undefined ? 'none' : String(b.tensorrtMajor);
const variantOk = variant === 'cuda' ? /^cuda\d+$/.test(b.variant) : b.variant === variant;
const j = addon.jpegDecoder();
const line =
  `variant ${b.variant}, CUDA ${b.cuda ? b.cudaVersion : 'no'}, TensorRT ${trt === 'none' ? 'no' : g.tensorrtHeaders || trt}` +
  (trt === 'none' ? ` (${g.tensorrtReason || g.reason})` : '') +
  `; JPEG decoder: ${j.available ? j.detail : `no (${j.detail})`}`;
const jpegOk = jpeg === undefined || (jpeg === 'yes') === j.available;
if (!variantOk || trt !== tensorrt || !jpegOk) {
  console.error(`expect-build: wanted variant ${variant} with TensorRT ${tensorrt}${jpeg ? ` and JPEG decoder ${jpeg}` : ''}; got ${line}`);
  process.exit(1);
}
console.log(`expect-build: ${line}`);
