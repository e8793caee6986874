import { describe, expect, it } from 'vitest';
import { EditorStore } from '../../src/store/editors.js';
import { keys } from '../../src/store/keys.js';
import { SessionStore } from '../../src/store/sessions.js';
import { runCli } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
let n = 0;
/** The environment for a fresh key prefix, and the stores over it. */
function fresh() {
  const prefix = `editors-cli-${++n}:`;
  return {
    prefix,
    env: { REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: prefix },
    editors: new EditorStore(redis.client, prefix),
    sessions: new SessionStore(redis.client, prefix),
  };
}
const PASSWORD = 'correct horse battery';

describe('ssnews editors', () => {
  it('adds an editor with the password from the first line of stdin', async () => {
    const { env, editors } = fresh();
    const run = await runCli(
      ['editors', 'add', 'Ann@Example.org', '--name', 'Ann Smith', '--admin'],
      env,
      `${PASSWORD}\r\nignored second line\n`,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe('added ann@example.org (Ann Smith), admin');
    expect(await editors.verify('ann@example.org', PASSWORD)).toMatchObject({
      name: 'Ann Smith',
      admin: true,
    });
  });

  it('lists editors as a table and as JSON, never with a hash', async () => {
    const { env } = fresh();
    await runCli(['editors', 'add', 'zoe@example.org'], env, PASSWORD);
    await runCli(['editors', 'add', 'ann@example.org', '--name', 'Ann', '--admin'], env, PASSWORD);
    const table = await runCli(['editors', 'list'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/ann@example\.org.*Ann.*yes[\s\S]*zoe@example\.org/);
    const json = await runCli(['editors', 'list', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual({
      editors: [
        { email: 'ann@example.org', name: 'Ann', admin: true, createdAt: expect.any(String) },
        { email: 'zoe@example.org', name: '', admin: false, createdAt: expect.any(String) },
      ],
    });
    expect(table.stdout + json.stdout).not.toContain('scrypt');
  });

  it('exits 2 for a short or missing password, a bad email and a duplicate, storing nothing new', async () => {
    const { env, editors } = fresh();
    expect(await runCli(['editors', 'add', 'ann@example.org'], env, 'elevenchars\n')).toMatchObject({
      code: 2,
      stderr: 'a password needs at least 12 characters',
    });
    expect(await runCli(['editors', 'add', 'ann@example.org'], env, '')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no password on stdin'),
    });
    expect(await runCli(['editors', 'add', 'ann.example.org'], env, PASSWORD)).toMatchObject({
      code: 2,
      stderr: 'not an email address: "ann.example.org"',
    });
    expect(await editors.list()).toEqual([]);
    await runCli(['editors', 'add', 'ann@example.org'], env, PASSWORD);
    expect(await runCli(['editors', 'add', 'ANN@example.org'], env, 'another password')).toMatchObject({
      code: 2,
      stderr: 'an editor with email ann@example.org already exists',
    });
    expect(await editors.verify('ann@example.org', PASSWORD)).toBeDefined();
  });

  it('changes a password and ends that editor’s sessions only', async () => {
    const { env, editors, sessions } = fresh();
    await editors.add({ email: 'ann@example.org', password: PASSWORD });
    const annSession = await sessions.create('ann@example.org');
    const bobSession = await sessions.create('bob@example.org');

    expect(await runCli(['editors', 'passwd', 'ann@example.org'], env, 'short\n')).toMatchObject({ code: 2 });
    expect(await sessions.get(annSession)).toBeDefined();

    const run = await runCli(['editors', 'passwd', 'ann@example.org'], env, 'a new long password\n');
    expect(run).toMatchObject({ code: 0, stdout: 'password changed for ann@example.org; ended 1 session' });
    expect(await editors.verify('ann@example.org', PASSWORD)).toBeUndefined();
    expect(await editors.verify('ann@example.org', 'a new long password')).toBeDefined();
    expect(await sessions.get(annSession)).toBeUndefined();
    expect(await sessions.get(bobSession)).toBeDefined();
  });

  it('removes an editor and ends their sessions', async () => {
    const { env, editors, sessions, prefix } = fresh();
    await editors.add({ email: 'ann@example.org', password: PASSWORD });
    const session = await sessions.create('ann@example.org');
    const run = await runCli(['editors', 'remove', 'Ann@example.org', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ removed: 'ann@example.org', sessionsEnded: 1 });
    expect(await editors.get('ann@example.org')).toBeUndefined();
    expect(await sessions.get(session)).toBeUndefined();
    expect(await redis.client.exists(keys(prefix).editorSessions('ann@example.org'))).toBe(0);
  });

  it('exits 2 for an unknown editor on remove and passwd', async () => {
    const { env } = fresh();
    for (const command of ['remove', 'passwd'])
      expect(await runCli(['editors', command, 'nobody@example.org'], env, PASSWORD)).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('no editor with email nobody@example.org'),
      });
  });
});
