// Process entry point: `tsx workers/enrich.ts [--config DIR] ...` = `ssnews worker enrich ...`.
import { main } from '../src/cli.js';

process.exitCode = await main([...process.argv.slice(0, 2), 'worker', 'enrich', ...process.argv.slice(2)]);
