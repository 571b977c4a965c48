/**
 * Runs a command-line entry point: its result is the exit status, and a failure prints only its message (the
 * messages name the key or argument and the fix; a stack trace would bury that).
 */
export function runMain(main: () => Promise<number | undefined> | number | undefined): void {
  Promise.resolve()
    .then(main)
    .then(
      (status) => {
        process.exitCode = status ?? 0;
      },
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
}
