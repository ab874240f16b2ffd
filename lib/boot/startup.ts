// Loading the configuration in an entry point: a wrong environment stops it with one line.
import { ConfigError, loadConfig, type Config } from './config.ts';

// Entry points stop with one clear line when the environment is wrong.
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
