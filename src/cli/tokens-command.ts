import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { createToken, isTokenScope, listTokens, revokeToken, TOKEN_SCOPES, type TokenInfo } from '../server/tokens.ts';
import { addStoreOptions, withStore, type StoreCliOptions } from './evidence-options.ts';
import { printJson, printLines } from './output.ts';

function stateOf(t: TokenInfo, now = Date.now()): string {
  if (t.revokedAt) return `revoked ${t.revokedAt.slice(0, 10)}`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return `expired ${t.expiresAt.slice(0, 10)}`;
  return t.expiresAt ? `active until ${t.expiresAt.slice(0, 10)}` : 'active, no expiry';
}

export function registerTokensCommands(program: Command): void {
  const tokens = program.command('tokens').description('API tokens of airlock serve (only their hashes are stored)');

  addStoreOptions(tokens.command('create').description('create a token and print it once'))
    .requiredOption('--name <name>', 'what the token is for, e.g. falcosidekick-prod')
    .option('--scope <scope>', `${TOKEN_SCOPES.join(' or ')}: ingest posts events, read sees status and metrics`, 'ingest')
    .option('--expires <days>', 'expires after this many days (default: never)')
    .option('--json', 'machine-readable output (holds the token)')
    .action(async (o: StoreCliOptions & { name: string; scope: string; expires?: string; json?: boolean }) => {
      if (!isTokenScope(o.scope)) throw new AirlockError('USAGE', `--scope: ${JSON.stringify(o.scope)} is not one of ${TOKEN_SCOPES.join(', ')}`);
      let expiresDays: number | undefined;
      if (o.expires !== undefined) {
        if (!/^[0-9]{1,5}$/.test(o.expires)) throw new AirlockError('USAGE', `--expires: expected a number of days, got ${JSON.stringify(o.expires)}`);
        expiresDays = Number(o.expires);
      }
      const scope = o.scope;
      await withStore(o, 'optional', async (store) => {
        const t = await createToken(store.sql, { name: o.name, scope, expiresDays });
        if (o.json) return printJson(t);
        // The token alone on stdout, so that TOKEN=$(airlock tokens create ...) works.
        printLines([t.token]);
        process.stderr.write(`token ${t.name} (${t.id}) created: scope ${t.scope}, ${t.expiresAt ? `expires ${t.expiresAt}` : 'no expiry'}. It is shown only this once; the store keeps its hash.\n`);
      });
    });

  addStoreOptions(tokens.command('list').description('every token: name, scope, state (never the secret)'))
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const list = await listTokens(store.sql);
        if (o.json) return printJson(list);
        if (list.length === 0) return printLines(['no tokens (create one with airlock tokens create --name NAME)']);
        printLines(list.map((t) => `${t.id}  ${t.name.padEnd(24)} ${t.scope.padEnd(7)} created ${t.createdAt.slice(0, 10)}  ${stateOf(t)}`));
      });
    });

  addStoreOptions(tokens.command('revoke').description('revoke a token by name or id (a running server stops accepting it at its next token refresh)').argument('<token>', 'token name or id'))
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: StoreCliOptions & { json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const t = await revokeToken(store.sql, ref);
        if (o.json) return printJson(t);
        printLines([`token ${t.name} (${t.id}) revoked at ${t.revokedAt}`]);
      });
    });
}
