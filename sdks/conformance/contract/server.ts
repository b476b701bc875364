// The contract environment as a process, for the Python and Go suites: prints
// {"url", "key", "driver_url"} as one JSON line, runs until stdin closes, then prints the
// coverage report on stderr and exits 3 when some operation of the spec was never reached.
import { startContractEnvironment, startDriver } from './environment.ts';

const environment = await startContractEnvironment();
const driver = await startDriver(environment);
process.stdout.write(JSON.stringify({ url: environment.server.url, key: environment.key, driver_url: driver.url }) + '\n');

process.stdin.resume();
process.stdin.on('end', () => {
  driver.server.close();
  environment.stop().then(
    ({ uncovered, report }) => {
      process.stderr.write(report + '\n');
      process.exit(uncovered.length === 0 ? 0 : 3);
    },
    (error: unknown) => {
      process.stderr.write(`stopping the contract environment failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
