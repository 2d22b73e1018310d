/**
 * The CLI's exit codes, one table for every command and for single files and folders alike (docs/api.md "CLI"):
 *   0  everything asked for was done;
 *   1  the run finished but some inputs failed (images that could not be read or decoded, an eval expectation not
 *      met); each failure was reported on stderr;
 *   2  the run could not be done: bad usage, a model, contract, backend, output folder or capture problem
 *      (any error with an ERR_ code), printed as `trt-landmarker: [CODE] message`;
 *   3  an internal error (an error without a code: a bug, please report it).
 * Ctrl+C during `webcam` is the way to stop it and exits 0 when the run was otherwise fine.
 */
export const EXIT_OK = 0;
export const EXIT_SOME_FAILED = 1;
export const EXIT_CANNOT_RUN = 2;
export const EXIT_INTERNAL = 3;

/** The exit code for an error that ended a command. */
export function exitCodeFor(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') ? EXIT_CANNOT_RUN : EXIT_INTERNAL;
}
