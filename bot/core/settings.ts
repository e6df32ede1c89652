// One settings load: the environment (and `.env`), content/relay.yml, the sources files and the
// ledger's settings, parsed once in main before anything starts. Every problem of every part is
// collected into one ConfigError whose sentences say how to fix the value; main prints it and
// exits 78 instead of starting half a bot. Nothing else reads process.env or these files.
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { SetupError } from '../errors.ts';
import { DEFAULT_LEDGER_SETTINGS, loadLedgerSettings, type LedgerSettings } from '../ledger/settings.ts';
import { loadRelaySettings, RELAY_SETTINGS_FILE, type RelaySettings } from '../relay/settings.ts';
import { DEFAULT_SOURCES_FILE, loadSources, type SourcesConfig } from '../sources/config.ts';

/** What the running parts read besides the environment's Config: relay, ledger and sources settings. */
export interface Settings {
  sources: SourcesConfig;
  relay: RelaySettings;
  ledger: LedgerSettings;
}

export interface SettingsFiles {
  /** content/relay.yml unless given. */
  relayFile?: string;
  /** content/sources.yml unless given (SOURCES_FILE adds to it). */
  sourcesFile?: string;
}

/** Runs `fn`; an expected failure adds its sentences to `problems` (so all parts are checked). */
function collect<T>(problems: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else if (err instanceof SetupError) problems.push(err.message);
    else throw err;
    return undefined;
  }
}

/**
 * Parses everything once: `env` over the `.env` pairs (the environment wins), the relay file and
 * the sources files. Throws one ConfigError listing every problem.
 */
export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  envFile: Record<string, string> = {},
  files: SettingsFiles = {},
): { config: Config; settings: Settings } {
  const problems: string[] = [];
  const merged = { ...envFile, ...env };
  const config = collect(problems, () => loadConfig(env, envFile));
  const ledger = collect(problems, () => loadLedgerSettings(merged));
  const relay = collect(problems, () => loadRelaySettings(files.relayFile ?? RELAY_SETTINGS_FILE));
  const sources = config ? collect(problems, () => loadSources(config.sourcesFile, files.sourcesFile ?? DEFAULT_SOURCES_FILE)) : undefined;
  if (problems.length || !config || !ledger || !relay || !sources) throw new ConfigError(problems);
  return { config, settings: { sources, relay, ledger } };
}

/**
 * The settings of content/ with the ledger defaults and no environment: for tools and tests that
 * need a context without a deployment's environment.
 */
export function contentSettings(): Settings {
  return { sources: loadSources(undefined, DEFAULT_SOURCES_FILE), relay: loadRelaySettings(), ledger: DEFAULT_LEDGER_SETTINGS };
}
