import 'reflect-metadata';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliConfig, ConfigError, loadConfig } from '@app/config';
import { AdminClient, CliError } from './admin-client';
import { Checked, parseApiUrl, parseEventData, parseEventList, parseForwardTo } from './forward-target';
import { listen } from './listen.command';

/** A commander argument parser from a pure check: a bad value is a usage error naming the flag. */
function checked<T>(check: (raw: string) => Checked<T>): (raw: string) => T {
  return (raw) => {
    const result = check(raw);
    if (!result.ok) throw new InvalidArgumentError(result.error);
    return result.value;
  };
}

function connectionOptions(command: Command, env: CliConfig): Command {
  return command
    .addOption(new Option('--api <url>', 'the admin API base URL (env SOURCEHUB_API_URL)').argParser(checked(parseApiUrl)).default(env.SOURCEHUB_API_URL ?? 'http://127.0.0.1:3000'))
    .addOption(new Option('--key <apiKey>', "an organization's API key, shk_... (env SOURCEHUB_API_KEY)"));
}

function client(options: { api: string; key?: string }, env: CliConfig): AdminClient {
  const key = options.key ?? env.SOURCEHUB_API_KEY;
  if (!key) throw new CliError("an API key is needed: pass --key <apiKey> (an organization's key, shk_...) or set SOURCEHUB_API_KEY");
  return new AdminClient(options.api, key);
}

function program(env: CliConfig): Command {
  const root = new Command('sourcehub-webhooks')
    .description('Receive Sourcehub test-mode webhooks on this machine, and send test events')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true });

  connectionOptions(root.command('listen'), env)
    .description('forward test-mode events of the organization to a local URL, signed as a public endpoint gets them')
    .requiredOption('--forward-to <url>', 'the local URL to POST to (localhost or a loopback address only)', checked(parseForwardTo))
    .option('--events <types>', 'comma-separated event types (default: every type)', checked(parseEventList))
    .action(async (opts: { api: string; key?: string; forwardTo: URL; events?: string[] }) => {
      process.exitCode = await listen({ client: client(opts, env), forwardTo: opts.forwardTo, eventTypes: opts.events, out: process.stdout, err: process.stderr });
      // The session is over: leave even if a socket of the aborted stream or a forward still holds the event
      // loop (seen once as a CLI that did not exit after Ctrl-C). Unreferenced, so a clean exit is not delayed.
      setTimeout(() => process.exit(), 2_000).unref();
    });

  connectionOptions(root.command('trigger'), env)
    .description("send a test-mode event of that type through the ordinary pipeline (the catalog's example of the type as data unless --data; a seeded type without one has a built-in example)")
    .argument('<type>', 'an event type of the catalog, e.g. order.new')
    .option('--data <json>', "the event's data, a JSON object", checked(parseEventData))
    .action(async (type: string, opts: { api: string; key?: string; data?: Record<string, unknown> }) => {
      const event = await client(opts, env).trigger({ type, data: opts.data });
      const source = opts.data ? 'with the given data' : `with the example data for ${type}`;
      process.stdout.write(`> Triggered ${event.type} ${event.eventId} (test mode) ${source}: ${JSON.stringify(event.data)}\n`);
    });
  return root;
}

async function main(): Promise<void> {
  let env: CliConfig;
  try {
    env = loadConfig(CliConfig);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message}\n`);
    process.exit(1);
  }
  try {
    await program(env).parseAsync(process.argv);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof CliError ? err.message : (err as Error).stack}\n`);
    process.exit(1);
  }
}

void main();
