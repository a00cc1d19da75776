import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { RoleSchema, sha256Hex } from '@satcast/core';
import { createStore } from '@satcast/adapter-store-libsql';
import { loadConfig } from '../config.js';

async function openStore(opts: { config?: string }) {
  const { config } = await loadConfig({ path: opts.config });
  return createStore({ url: config.store.url });
}

/** `satcast keys …`: API keys for callers. The secret is printed once; only its SHA-256 is stored. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys (admin)');
  keys
    .command('create')
    .description('create an API key and print it once')
    .requiredOption('--owner <name>', 'who the key is for (shown in the audit log)')
    .option('--role <role>', 'viewer | operator | admin', (v) => {
      if (!RoleSchema.safeParse(v).success) throw new InvalidArgumentError('expected viewer, operator or admin');
      return v;
    }, 'viewer')
    .option('-c, --config <file>', 'config file (for the store URL)')
    .action(async (o: { owner: string; role: 'viewer' | 'operator' | 'admin'; config?: string }) => {
      const store = await openStore(o);
      const id = `key_${randomBytes(6).toString('hex')}`;
      const secret = `sk_${randomBytes(24).toString('base64url')}`;
      await store.putApiKey({ id, hash: await sha256Hex(secret), owner: o.owner, role: o.role, createdAt: Date.now() });
      await store.appendAudit({ at: Date.now(), actor: 'cli', action: 'apikey.create', target: id, detail: { owner: o.owner, role: o.role } });
      await store.close();
      console.log(`[satcast] created ${id} (${o.role}) for ${o.owner}. The key is shown only now:\n${secret}`);
    });
  keys
    .command('list')
    .description('list API keys (ids, owners, roles; never the secrets)')
    .option('-c, --config <file>', 'config file (for the store URL)')
    .action(async (o: { config?: string }) => {
      const store = await openStore(o);
      for (const k of await store.listApiKeys()) {
        console.log(`${k.id}  ${k.role.padEnd(8)} ${k.owner}  created ${new Date(k.createdAt).toISOString()}${k.revokedAt ? `  REVOKED ${new Date(k.revokedAt).toISOString()}` : ''}`);
      }
      await store.close();
    });
  keys
    .command('revoke <id>')
    .description('revoke an API key')
    .option('-c, --config <file>', 'config file (for the store URL)')
    .action(async (id: string, o: { config?: string }) => {
      const store = await openStore(o);
      const ok = await store.revokeApiKey(id, Date.now());
      if (ok) await store.appendAudit({ at: Date.now(), actor: 'cli', action: 'apikey.revoke', target: id });
      await store.close();
      if (!ok) {
        console.error(`[satcast] no API key with id "${id}" (see satcast keys list)`);
        process.exit(1);
      }
      console.log(`[satcast] revoked ${id}`);
    });
}
