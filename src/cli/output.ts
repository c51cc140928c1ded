/** Output helpers shared by commands: JSON for machines, plain lines for people. */

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
}

/** Warnings go to stderr so that stdout stays machine-readable. */
export function warn(message: string): void {
  process.stderr.write(`airlock: warning: ${message}\n`);
}

export const useColor = (): boolean => process.stdout.isTTY === true && !process.env.NO_COLOR;

export function color(code: number, text: string): string {
  return useColor() ? `\u001b[${code}m${text}\u001b[0m` : text;
}
