import { exitCodeFor } from './exit-codes';

/** Runs an async `main(argv)` as the process entry point: its result is the exit code; errors print one line. */
export function runAsMain(label: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const e = err as Error & { code?: string };
      process.stderr.write(`${label}: ${e.code ? `[${e.code}] ` : ''}${e.message}\n`);
      if (process.env.TRT_LANDMARKER_DEBUG) process.stderr.write(`${e.stack}\n`);
      process.exitCode = exitCodeFor(err);
    },
  );
}
