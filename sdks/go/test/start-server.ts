// Starts the real server (own database on the real PostgreSQL) for the Go SDK's contract test,
// prints {url, key, token} as one JSON line, and stops it when stdin closes: the Go test owns its
// lifetime through the pipe, so a killed test leaves no server behind.
import { signUp, startTestServer } from '../../../server/test/support/server.ts';

const server = await startTestServer();
const user = await signUp(server.url, `go-sdk-${Date.now()}@example.com`);
const key = await server.newKey();
process.stdout.write(JSON.stringify({ url: server.url, key: key.secret, token: user.access }) + '\n');

process.stdin.resume();
process.stdin.on('end', () => {
  void server.stop().then(() => process.exit(0));
});
