/**
 * Where command groups are registered. Each group lives in its own file next to this
 * one and is added here in one line, so that work on different groups never collides.
 */
import type { Command } from 'commander';
import { registerAuditCommands } from './audit-command.ts';
import { registerBundleCommands } from './bundle-command.ts';
import { registerEvidenceCommands } from './evidence-command.ts';
import { registerFrameworksCommands } from './frameworks-command.ts';
import { registerMirrorCommands } from './mirror-command.ts';
import { registerOscalCommands } from './oscal-command.ts';
import { registerPolicyCommands } from './policy-command.ts';
import { registerReportCommands } from './report-command.ts';
import { registerScanCommands } from './scan-command.ts';
import { registerServeCommands } from './serve-command.ts';
import { registerTokensCommands } from './tokens-command.ts';
import { registerVulndbCommands } from './vulndb-command.ts';

export function registerExtraCommands(program: Command): void {
  registerBundleCommands(program);
  registerMirrorCommands(program);
  registerPolicyCommands(program);
  registerFrameworksCommands(program);
  registerVulndbCommands(program);
  registerScanCommands(program);
  registerEvidenceCommands(program);
  registerOscalCommands(program);
  registerAuditCommands(program);
  registerServeCommands(program);
  registerTokensCommands(program);
  registerReportCommands(program);
}
