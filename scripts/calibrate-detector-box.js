#!/usr/bin/env node
/**
 * Calibrates the map from the built-in detector's box to the box the landmark model's crop policy expects (the
 * contract's `detectorBox`, docs/detector.md). Training data ONLY: ../shared/data/helen-train and ../shared/data/afw
 * by default (never a test set). For every annotated face the detector finds (src/eval/face-match.ts), with
 * detector box (x, y, w, h) and ground-truth landmark box (gx, gy, gw, gh) of the 68 points:
 *   shiftX = (gx + gw/2 - x - w/2) / w,  shiftY = (gy + gh/2 - y - h/2) / h,  scale = max(gw, gh) / max(w, h)
 * and the map is the median of each over the faces. Then it reports the inter-ocular NME on the same training
 * faces with the identity map and with the calibrated one.
 *
 * Usage (after `npm run build:ts`):
 *   node scripts/calibrate-detector-box.js [--data DIR ...] [--contract models/contracts/peppa-slim160.json] [--write]
 * --write stores the result in the contract's `detectorBox`.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const dist = (p) => require(join(root, 'dist', 'src', p));

function args(argv) {
  const o = { data: [], contract: join(root, 'models', 'contracts', 'peppa-slim160.json'), write: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data') o.data.push(argv[++i]);
    else if (argv[i] === '--contract') o.contract = argv[++i];
    else if (argv[i] === '--write') o.write = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (o.data.length === 0) o.data = [join(root, '..', 'shared', 'data', 'helen-train'), join(root, '..', 'shared', 'data', 'afw')];
  if (o.data.some((d) => /test/i.test(d))) throw new Error('calibrate on training data only (a --data path names a test set)');
  return o;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const o = args(process.argv.slice(2));
  const { TrtLandmarker } = dist('index');
  const { loadDataset } = dist('eval/datasets');
  const { boundingBox, normalizer, pointErrors, nme } = dist('eval/metrics');
  const { matchFace } = dist('eval/face-match');
  const { landmarkBox } = dist('detector/faces');
  const contract = JSON.parse(readFileSync(o.contract, 'utf8'));
  const { detectorBox: _old, ...plain } = contract;
  const lm = await TrtLandmarker.create({ config: undefined, threads: 2 });
  const samples = o.data.flatMap((d) => loadDataset(d).samples);
  const found = [];
  let missed = 0;
  for (const [i, s] of samples.entries()) {
    const faces = await lm.detectFaces(s.image, { minScore: 0.5 });
    const k = matchFace(faces.map((f) => f.box), s.points);
    if (k < 0) missed++;
    else found.push({ s, box: faces[k].box });
    if (i % 200 === 0) process.stderr.write(`detect ${i}/${samples.length}\n`);
  }
  const shiftX = median(found.map(({ s, box: [x, , w] }) => { const [gx, , gw] = boundingBox(s.points, 68); return (gx + gw / 2 - x - w / 2) / w; }));
  const shiftY = median(found.map(({ s, box: [, y, , h] }) => { const [, gy, , gh] = boundingBox(s.points, 68); return (gy + gh / 2 - y - h / 2) / h; }));
  const scale = median(found.map(({ s, box: [, , w, h] }) => { const [, , gw, gh] = boundingBox(s.points, 68); return Math.max(gw, gh) / Math.max(w, h); }));
  const map = { shiftX: +shiftX.toFixed(4), shiftY: +shiftY.toFixed(4), scale: +scale.toFixed(4) };
  const score = async (m) => {
    const nmes = [];
    for (const { s, box } of found) {
      const r = await lm.detect(s.image, { box: landmarkBox(box, m) });
      nmes.push(nme(pointErrors(r.points, s.points, 68), normalizer(s.points, 'inter-ocular', 68)));
    }
    return (100 * nmes.reduce((a, b) => a + b, 0)) / nmes.length;
  };
  const identity = await score(undefined);
  const calibrated = await score(map);
  await lm.dispose();
  const result = {
    data: o.data.map((d) => d.replace(/.*\/shared\//, '../shared/')),
    faces: samples.length,
    found: found.length,
    missed,
    ...map,
    trainNmePct: { identity: +identity.toFixed(3), calibrated: +calibrated.toFixed(3) },
  };
  console.log(JSON.stringify(result));
  if (o.write) {
    contract.detectorBox = {
      detector: 'ultraface-rfb-320',
      ...map,
      calibration:
        `scripts/calibrate-detector-box.js: medians over the ${found.length} of ${samples.length} faces of ${result.data.join(' + ')} ` +
        `found by the detector (minScore 0.5); inter-ocular NME on them ${result.trainNmePct.identity} % (identity map) -> ${result.trainNmePct.calibrated} %`,
    };
    writeFileSync(o.contract, JSON.stringify(contract, null, 2) + '\n');
    console.error(`wrote detectorBox to ${o.contract}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
