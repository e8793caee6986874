// Process entry point: `tsx workers/send.ts [--config DIR] [--concurrency N] [--lock-ms MS]` = `ssnews worker send ...`.
import { main } from '../src/cli.js';

process.exitCode = await main([...process.argv.slice(0, 2), 'worker', 'send', ...process.argv.slice(2)]);
