#!/usr/bin/env bash
# The package as a user gets it: npm pack -> a fresh project -> npm install <tarball> -> the README's example
# (the ```js block after "<!-- consumer-example -->" in README.md) -> 68 points.
#
#   .ci/consumer.sh [--tarball FILE]     (default: npm pack here; its prepack builds the prebuilt variants)
#
# 1. project "prebuilt": `npm install --ignore-scripts <tarball>` compiles nothing; `trt-landmarker info --json`
#    must name a prebuilt variant; the README example must print 68 points.
# 2. project "scripts": `npm install <tarball>` with install scripts on: this package's install script must find
#    the prebuild and compile nothing. onnxruntime-node's own postinstall downloads its CUDA provider from nuget.org
#    (not the npm registry) in every version we can use; where nuget.org is unreachable this step passes
#    --onnxruntime-node-install=skip and says so.
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
out=$(cd "$work/prebuilt" && node example.js "$image" 2>&1)
echo "$out" | tail -3
echo "$out" | grep '^68 points' > /dev/null || fail "the README example did not print 68 points"
record "ok   consumer (--ignore-scripts): installed in ${t_prebuilt} s, nothing compiled, info: $variant; README example: $(echo "$out" | grep -m1 '^68 points' | cut -c1-80)"

# 2. Install scripts on.
project scripts
ort_flag=()
if ! node -e 'require("node:dns").lookup("api.nuget.org",e=>process.exit(e?1:0))'; then
  ort_flag=(--onnxruntime-node-install=skip)
fi
start=$SECONDS
(cd "$work/scripts" && npm install --foreground-scripts --no-audit --no-fund "${ort_flag[@]}" "$tarball" > install.log 2>&1) ||
  { tail -20 "$work/scripts/install.log"; fail "npm install (scripts on${ort_flag:+, ${ort_flag[*]}}) failed"; }
t_scripts=$((SECONDS - start))
grep '^\[trt-landmarker\]' "$work/scripts/install.log"
grep -q '^\[trt-landmarker\] using the prebuilt addon' "$work/scripts/install.log" || fail "the install script did not use the prebuild"
out=$(cd "$work/scripts" && node example.js "$image" 2>&1)
echo "$out" | grep '^68 points' > /dev/null || fail "the README example (scripts on) did not print 68 points: $out"
record "ok   consumer (install scripts on${ort_flag:+, ${ort_flag[*]}: nuget.org unreachable}): installed in ${t_scripts} s, prebuild used, 68 points"
rm -rf "$work"
