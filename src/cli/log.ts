// pino logging on stderr; -v raises and -q lowers the level. Results never go through the logger.
import { pino, type Logger } from "pino";

export function makeLogger(verbose: number, quiet: boolean): Logger {
  const level = quiet ? "error" : verbose >= 2 ? "debug" : verbose === 1 ? "info" : "warn";
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
}
