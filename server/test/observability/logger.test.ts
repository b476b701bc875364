// Log lines on stdout are written in batches: a quiet server's line still appears within about a
// second, and lines still buffered when the process exits are written before it goes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const LOGGER = new URL('../../src/observability/logger.ts', import.meta.url).href;

/** Runs `body` in a child process whose stdout is the log; resolves with the stdout lines as they come. */
function child(body: string) {
  const script = `import { createLogger, stdoutDestination } from ${JSON.stringify(LOGGER)};\nconst log = createLogger('info', stdoutDestination(4096));\n${body}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  proc.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { proc, lines };
}

describe('stdout log destination', () => {
  it('writes a lone line within the flush interval, without waiting for the buffer to fill', async () => {
    const { proc, lines } = child(`log.info('alone'); setTimeout(() => {}, 10_000);`);
    try {
      const deadline = Date.now() + 5_000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(JSON.parse(lines[0] ?? '{}').msg, 'alone');
    } finally {
      proc.kill();
    }
  });

  it('writes every buffered line when the process exits', async () => {
    const { proc, lines } = child(`for (let i = 0; i < 50; i++) log.info({ i }, 'line'); process.exit(0);`);
    await once(proc, 'close');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).i),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});
