#!/usr/bin/env bash
# The package as a user gets it: npm pack -> a fresh project -> npm install <tarball> -> the README's example
# (the ```js block after "<!-- consumer-example -->" in README.md) -> 68 points.
#
#   .ci/consumer.sh [--tarball FILE]     (default: npm pack here; its prepack builds the prebuilt variants)
#
# 1. project "prebuilt": `npm install --ignore-scripts <tarball>` compiles nothing; `trt-landmarker info --json`
#    must name a prebuilt variant; the README example must print 68 points.
# 2. project "scripts": `npm install <tarball>` as a user types it: install scripts on, no switch, no environment
#    variable. This package's install script must find the prebuild and compile nothing. ONNX Runtime's CPU runtime
#    is inside the package (vendor/onnxruntime-node, scripts/vendor-ort.js), so onnxruntime-node, whose postinstall
#    downloads a CUDA provider from nuget.org and fails offline, must not be installed at all; every install script
#    that did run is listed. `info` must name the bundled ONNX Runtime, and the detected faces' points must be finite.
#    On this CI machine nuget.org is unreachable (the step line says whether it resolves): npm reaches only its
#    registry.
# Photo: TRTL_CONSUMER_IMAGE (default samples/astronaut.png); the example runs the models shipped in the package.
# Appends "ok|FAIL|skip ..." lines to $TRTL_CI_STEPS. Exit 1 on failure.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
steps=${TRTL_CI_STEPS:-/dev/null}
work=$(mktemp -d /tmp/trtl-consumer.XXXXXX)
record() { echo "$1" >> "$steps"; echo "ci: $1"; }
fail() { record "FAIL consumer: $1"; exit 1; }

tarball=
[ "${1:-}" = --tarball ] && tarball=$(readlink -f "$2")
if [ -z "$tarball" ]; then
  start=$SECONDS
  (cd "$repo" && npm pack --pack-destination "$work" > "$work/pack.log" 2>&1) || { tail -30 "$work/pack.log"; fail "npm pack failed (log $work/pack.log)"; }
  grep '^\[prebuild\]' "$work/pack.log"
  tarball=$(ls "$work"/trt-landmarker-*.tgz)
  record "ok   consumer: npm pack with prebuilt variants ($(tar tzf "$tarball" | grep -c 'prebuilds/.*\.node$') binaries, $(du -m "$tarball" | cut -f1) MiB, $((SECONDS - start)) s)"
fi
tar tzf "$tarball" | grep 'prebuilds/.*\.node$' > /dev/null || fail "$tarball holds no prebuilt binary"
tar tzf "$tarball" | grep -x 'package/vendor/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1' > /dev/null ||
  fail "$tarball holds no bundled ONNX Runtime (vendor/onnxruntime-node: scripts/vendor-ort.js, run by prepack)"

image=${TRTL_CONSUMER_IMAGE:-$repo/samples/astronaut.png}
[ -f "$image" ] || fail "no photo ($image) for the README example"

# The README's example, as a user would copy it.
example=$(awk '/<!-- consumer-example -->/{f=1;next} f&&/^```js/{b=1;next} b&&/^```/{exit} b' "$repo/README.md")
[ -n "$example" ] || fail "README.md has no \`\`\`js block after <!-- consumer-example -->"

project() {  # project <name>: a fresh npm project
  mkdir -p "$work/$1" && (cd "$work/$1" && npm init -y > /dev/null && printf '%s\n' "$example" > example.js)
}

# 1. Nothing compiled: install scripts off.
project prebuilt
start=$SECONDS
(cd "$work/prebuilt" && npm install --ignore-scripts --no-audit --no-fund "$tarball" > install.log 2>&1) ||
  { tail -20 "$work/prebuilt/install.log"; fail "npm install --ignore-scripts failed"; }
t_prebuilt=$((SECONDS - start))
[ -e "$work/prebuilt/node_modules/trt-landmarker/build" ] && fail "--ignore-scripts install has a build/ directory"
info=$(cd "$work/prebuilt" && npx --no-install trt-landmarker info --json 2>&1) || { echo "$info" | tail; fail "trt-landmarker info failed"; }
variant=$(node -e 'const i=JSON.parse(process.argv[1]);const a=i.addon;if(!a.loaded||!/\/prebuilds\/[^/]+\/[^/]+\/trt_landmarker\.node$/.test(a.path)){console.error(JSON.stringify(a));process.exit(1)}console.log(a.variant+" from "+a.path.split("/trt-landmarker/")[1])' "$info") ||
  fail "info does not name a loaded prebuilt variant"
# Who decodes large JPEGs in the installed package: the prebuild's libjpeg-turbo decoder (loaded at run time) or
# sharp with the reason.
jpeg=$(node -e 'console.log(JSON.parse(process.argv[1]).jpegDecoder)' "$info")
out=$(cd "$work/prebuilt" && node example.js "$image" 2>&1)
echo "$out" | tail -3
echo "$out" | grep '^68 points' > /dev/null || fail "the README example did not print 68 points"
record "ok   consumer (--ignore-scripts): installed in ${t_prebuilt} s, nothing compiled, info: $variant; large JPEGs: $jpeg; README example: $(echo "$out" | grep -m1 '^68 points' | cut -c1-80)"

# 2. Install scripts on, as a user types it.
project scripts
cat > "$work/scripts/finite.js" <<'JS'
// Every detected face: 68 points, all finite (the README example prints the count only).
const { TrtLandmarker } = require('trt-landmarker');
TrtLandmarker.create().then(async (lm) => {
  try {
    const faces = await lm.detectFaces(process.argv[2]);
    const ok = faces.length > 0 && faces.every((f) => f.points.length === 136 && f.points.every(Number.isFinite));
    console.log(JSON.stringify({ faces: faces.length, backend: lm.info.backend, finite: ok }));
    process.exitCode = ok ? 0 : 1;
  } finally {
    await lm.dispose();
  }
});
JS
nuget=unreachable
node -e 'require("node:dns").lookup("api.nuget.org",e=>process.exit(e?1:0))' && nuget=reachable
start=$SECONDS
(cd "$work/scripts" && npm install --foreground-scripts --no-audit --no-fund "$tarball" > install.log 2>&1) ||
  { tail -20 "$work/scripts/install.log"; fail "npm install <tarball> (scripts on, no switch, api.nuget.org $nuget) failed"; }
t_scripts=$((SECONDS - start))
grep '^\[trt-landmarker\]' "$work/scripts/install.log"
grep -q '^\[trt-landmarker\] using the prebuilt addon' "$work/scripts/install.log" || fail "the install script did not use the prebuild"
[ -e "$work/scripts/node_modules/onnxruntime-node" ] && fail "onnxruntime-node was installed (its postinstall downloads from nuget.org)"
scripts_run=$(cd "$work/scripts" && node -e 'const l=require("./package-lock.json");console.log(Object.entries(l.packages).filter(([k,v])=>k&&v.hasInstallScript).map(([k])=>k.replace(/^.*node_modules\//,"")).join(", ")||"none")')
ort=$(cd "$work/scripts" && npx --no-install trt-landmarker info --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).onnxruntime))')
echo "$ort" | grep -q '(CPU, bundled)$' || fail "info does not name the bundled ONNX Runtime: $ort"
out=$(cd "$work/scripts" && node example.js "$image" 2>&1)
echo "$out" | grep '^68 points' > /dev/null || fail "the README example (scripts on) did not print 68 points: $out"
finite=$(cd "$work/scripts" && node finite.js "$image" 2>&1) || fail "68 finite points per face: $finite"
record "ok   consumer (install scripts on, no switch, no env, api.nuget.org $nuget): installed in ${t_scripts} s, no onnxruntime-node, install scripts run: $scripts_run; ONNX Runtime $ort; $(echo "$out" | grep -m1 '^68 points' | cut -c1-80); $finite"
rm -rf "$work"
