/**
 * Shared helpers for the queue tests: a private redis-server on a free loopback port (restartable, optionally
 * with an append-only file so a restart keeps the data), worker and CLI child processes running the CLI from
 * source, and test data made from ../shared (a folder of replicated helen-test images, a video of them).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Job, Queue } from 'bullmq';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.TRT_LANDMARKER_REDIS_SERVER || 'redis-server';
export const HAS_REDIS = spawnSync(REDIS_SERVER, ['--version']).status === 0;
export const HAS_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;
export const ROOT = join(__dirname, '../..');
export const HELEN = join(ROOT, '../shared/data/helen-test');
export const PEPPA = join(ROOT, '../shared/models/peppa-slim160/slim_160_latest.onnx');
export const PEPPA_CONTRACT = join(ROOT, 'models/contracts/peppa-slim160.json');
export const HAS_MODEL = existsSync(PEPPA) && existsSync(HELEN);
export const MODEL_ARGS = ['--model', PEPPA, '--config', PEPPA_CONTRACT, '--backend', 'onnxruntime', '--threads', '1'];

/** Why the queue tests cannot run here, or '' when they can. */
export function missing(needFfmpeg = false): string {
  if (!HAS_REDIS) return `no ${REDIS_SERVER} (apt-get install redis-server)`;
  if (!HAS_MODEL) return `no ${PEPPA} or ${HELEN} (../shared)`;
  if (needFfmpeg && !HAS_FFMPEG) return 'no ffmpeg';
  return '';
}

export function tempDir(prefix = 'trtl-queue-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when `pattern` appears in what `read()` returns; rejects after `ms` (with what was read). */
export async function waitFor(read: () => string, pattern: RegExp | string, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const text = read();
    if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return;
    await sleep(50);
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}; output:\n${read().slice(-2000)}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * CPU seconds a process has used, with its children that have exited (ffmpeg runs of a worker): Linux /proc,
 * utime + stime + cutime + cstime at 100 ticks per second.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

export class RedisServer {
  private proc: ChildProcess | null = null;
  private out = '';
  readonly dir = tempDir('trtl-queue-redis-');

  private constructor(readonly port: number, private readonly aof: boolean) {}

  static async start(options: { aof?: boolean } = {}): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), options.aof ?? false);
    await r.startProcess();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** CPU seconds the server has used so far. */
  cpuSeconds(): number {
    return cpuSeconds(this.proc!.pid!);
  }

  private async startProcess(): Promise<void> {
    const persistence = this.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    this.out = '';
    const p = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir, '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    p.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    await waitFor(() => this.out, 'Ready to accept connections', 10000, 'redis-server');
  }

  /** Stops the server (SIGTERM: with AOF it is flushed) and starts it again on the same port and data dir. */
  async restart(downMs = 1000): Promise<void> {
    await this.stop();
    await sleep(downMs);
    await this.startProcess();
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    this.proc = null;
  }
}

/** A child process running the compiled CLI, as `npx trt-landmarker` does. */
export class CliProcess {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve(signal ? null : code)));
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }
}

/** Starts `trt-landmarker worker` and waits until it says it is ready. */
export async function startWorker(url: string, name: string, extra: string[] = [], model: string[] = MODEL_ARGS): Promise<CliProcess> {
  const w = new CliProcess(['worker', '--redis', url, '--name', name, '--lock-ms', '3000', ...model, ...extra]);
  await waitFor(() => w.stderr, `worker ${name} ready`, 90000, `worker ${name}`);
  return w;
}

/** n images in a new folder, copies of helen-test's images in turn, named 0000.jpg, 0001.jpg, ... */
export function imageFolder(n: number, corrupt: number[] = []): string {
  const dir = tempDir('trtl-queue-images-');
  const src = readdirSync(HELEN).filter((f) => f.endsWith('.jpg')).sort();
  for (let i = 0; i < n; i++) {
    const dst = join(dir, `${String(i).padStart(4, '0')}.jpg`);
    if (corrupt.includes(i)) writeFileSync(dst, Buffer.from('this is not a jpeg'));
    else copyFileSync(join(HELEN, src[i % src.length]), dst);
  }
  return dir;
}

/** A constant-frame-rate video of `seconds` at `fps`: helen-test faces, a new face every 5 frames. */
export function makeVideo(seconds: number, fps: number, size = 160): string {
  const dir = tempDir('trtl-queue-video-');
  const frames = join(dir, 'frames');
  mkdirSync(frames);
  const src = readdirSync(HELEN).filter((f) => f.endsWith('.jpg')).sort();
  const images = Math.ceil((seconds * fps) / 5);
  for (let i = 0; i < images; i++) copyFileSync(join(HELEN, src[i % src.length]), join(frames, `${String(i).padStart(4, '0')}.jpg`));
  const out = join(dir, 'video.mp4');
  const r = spawnSync('nice', ['-n', '10', 'ffmpeg', '-v', 'error', '-y', '-framerate', String(fps / 5), '-i', join(frames, '%04d.jpg'),
    '-vf', `scale=${size}:${size},fps=${fps}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', out]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return out;
}

/** JSON lines of a text. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

/** The first active job of `queue` that `accept` takes, polled every 50 ms for at most `ms`; undefined after. */
export async function activeJob(queue: Queue, accept: (job: Job) => boolean, ms = 30000): Promise<Job | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const job = (await queue.getActive()).find(accept);
    if (job) return job;
    await sleep(50);
  }
  return undefined;
}
