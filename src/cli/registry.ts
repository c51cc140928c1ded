/**
 * Where command groups are registered. Each group lives in its own file next to this
 * one and is added here in one line, so that work on different groups never collides.
 */
import type { Command } from 'commander';
import { registerScanCommands } from './scan-command.ts';
import { registerVulndbCommands } from './vulndb-command.ts';

export function registerExtraCommands(program: Command): void {
  registerVulndbCommands(program);
  registerScanCommands(program);
}
