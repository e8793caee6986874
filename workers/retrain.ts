// Process entry point: `tsx workers/retrain.ts [--config DIR] ...` = `ssnews worker retrain ...`.
import { main } from '../src/cli.js';

process.exitCode = await main([...process.argv.slice(0, 2), 'worker', 'retrain', ...process.argv.slice(2)]);
