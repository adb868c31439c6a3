import { HELP, parseSimArgs } from './config.js';
import { Logger, stderrSink } from '../src/log.js';
import { startSimServer } from './server.js';
import { VERSION } from '../src/version.js';
import { UsageError } from '../src/usage.js';


async function main(argv: string[]): Promise<void> {
  const parsed = parseSimArgs(argv);
  if (!parsed.ok) throw new UsageError(parsed.error);
  if (parsed.value.kind === 'help') return void process.stdout.write(HELP);
  if (parsed.value.kind === 'version') return void process.stdout.write(`kinfer-sim ${VERSION}\n`);
  const config = parsed.value.config;

  const log = new Logger(config.logLevel, stderrSink);
  for (const warning of config.warnings) log.warn(warning);
  const running = await startSimServer({ ...config, log }, config.host, config.port);
  const { engine } = config;
  log.info('kinfer-sim listening', {
    url: running.url, model: config.modelName, dialect: config.dialect, profile: config.profile,
    numGpuBlocks: engine.numGpuBlocks, blockSize: engine.blockSize, maxNumSeqs: engine.maxNumSeqs, maxNumSeqsFrom: config.maxNumSeqsFrom, maxModelLen: engine.maxModelLen,
    speed: engine.speed, speedup: config.speedup, seed: config.seed,
  });

  const shutdown = (signal: string): void => {
    log.info('shutting down', { signal });
    void running.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`kinfer-sim: ${error.message}\n`);
  if (error instanceof UsageError) process.stderr.write('Run kinfer-sim --help for usage.\n');
  process.exit(error instanceof UsageError ? 2 : 1);
});
