// Entry point of the `ssnews` command; everything else is importable without side effects.
import { main } from './cli.js';

process.exitCode = await main(process.argv);
