/** An error the user can fix: printed as `journey: <message>` with this exit code, no stack. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
