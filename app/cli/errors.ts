/** An error the CLI prints as one line (no stack) with a non-zero exit code: bad input, unreachable service. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Exit code when the input is invalid (validate found errors, bad flags). */
export const EXIT_INVALID = 2;
