// Starts the real server on the real PostgreSQL for the Python contract test: prints
// {"url", "key", "token"} as one JSON line on stdout and stays up until stdin closes.
import { signUp, startTestServer } from '../../../../server/test/support/server.ts';

const server = await startTestServer();
const key = await server.newKey();
const user = await signUp(server.url, 'python-sdk-contract@example.com');
process.stdout.write(JSON.stringify({ url: server.url, key: key.secret, token: user.access }) + '\n');

process.stdin.resume();
process.stdin.on('end', () => {
  server.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`stop failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
