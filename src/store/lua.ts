import type { Redis } from 'ioredis';

type Arg = string | number;

/** What one run of a script sends: every key it touches (KEYS), then its arguments (ARGV). */
export interface LuaCall {
  keys: string[];
  args: Arg[];
}

/**
 * A Lua script as an ioredis custom command (`defineCommand`), defined on a client the first
 * time it runs there. ioredis runs it by SHA1 and sends the text only when Redis does not
 * know it yet (first use on a connection, a restart, SCRIPT FLUSH).
 *
 * `toCall` turns the script's named options into KEYS and ARGV, in the order the Lua reads
 * them: it is the one place those positions are written down. The command is defined without
 * a fixed number of keys; each call passes `keys.length`, so a batch script can take as many
 * keys as it has items. `Reply` is what the script returns, as ioredis decodes it.
 */
export function luaScript<Options, Reply>(
  name: string,
  lua: string,
  toCall: (options: Options) => LuaCall,
): (redis: Redis, options: Options) => Promise<Reply> {
  return (redis, options) => {
    const client = redis as unknown as Record<string, ((...args: Arg[]) => Promise<Reply>) | undefined>;
    if (typeof client[name] !== 'function') redis.defineCommand(name, { lua });
    const { keys, args } = toCall(options);
    return client[name]!(keys.length, ...keys, ...args);
  };
}
