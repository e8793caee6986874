// Process entry point: `tsx workers/fetch.ts [--config DIR] [--concurrency N] ...` = `ssnews worker fetch ...`.
import { main } from '../src/cli.js';

process.exitCode = await main([...process.argv.slice(0, 2), 'worker', 'fetch', ...process.argv.slice(2)]);
