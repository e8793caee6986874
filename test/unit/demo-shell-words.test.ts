import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWords } from '../../demo/setup.js';

describe('the commands the demo prints', () => {
  it('paste into a shell as the same arguments', () => {
    const args = [
      'classify',
      'Surrey and Sussex police forces to share a joint control room',
      "The forces' £4m saving",
      '--config',
      '/tmp/demo config/x',
      'a"b$c`d\\e',
      '--min-gap',
      '0',
    ];
    const printed = shellWords(args);
    expect(printed.startsWith("classify 'Surrey and Sussex police")).toBe(true);
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${printed}`], { encoding: 'utf8' });
    expect(echoed.split('\n').slice(0, -1)).toEqual(args);
  });
});
