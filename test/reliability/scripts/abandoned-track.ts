/**
 * Child script: pulls 3 results from lm.track() with next(), abandons the iterator (no return()), disposes the
 * landmarker and then lets the process end by itself. Before dispose() ended the captures it started, ffmpeg kept
 * running, the reader thread's port stayed open and this process never exited. Prints the ffmpeg children still
 * alive after dispose().
 * argv: <model.onnx>
 */
import { execFileSync } from 'node:child_process';
import { TrtLandmarker } from '../../../src/landmarker';

function ffmpegChildren(): string[] {
  const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && Number(f[1]) === process.pid && f.slice(2).join(' ').includes('ffmpeg'))
    .map((f) => f.join(' '));
}

async function main(): Promise<void> {
  const lm = await TrtLandmarker.create({ model: process.argv[2]!, backend: 'onnxruntime' });
  const it = lm.track({ lavfi: 'testsrc2=size=160x120:rate=30' }, { tracking: false });
  for (let i = 0; i < 3; i++) await it.next();
  const before = ffmpegChildren().length;
  await lm.dispose();
  console.log(JSON.stringify({ ffmpegBefore: before, ffmpegAfter: ffmpegChildren().length }));
}

main().catch((e) => {
  console.error(e);
  process.exit(3);
});
