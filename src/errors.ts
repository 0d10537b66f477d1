// Host-side errors: named Error subclasses, each with the documented exit status the CLI uses.
// Guest faults are data inside the CPU; these are for bad input, guest stops and simulator bugs.

/** Exit statuses, sysexits(3)-style for kdbt's own failures; documented in README "Exit status". */
export const ExitCode = {
  ok: 0,
  usage: 64, // EX_USAGE: bad flag or argument
  dataErr: 65, // EX_DATAERR: malformed input file (ELF, trace, JSON)
  noInput: 66, // EX_NOINPUT: input file missing or unreadable
  unavailable: 69, // EX_UNAVAILABLE: a required external tool is missing
  software: 70, // EX_SOFTWARE: internal error (a kdbt bug)
  ioErr: 74, // EX_IOERR: cannot write an output file
  config: 78, // EX_CONFIG: invalid cost model or configuration
  // Runs that the guest could not finish; above the sysexits range so they never collide with it.
  tripleFault: 112,
  unsupported: 113, // the guest used a feature kdbt does not model (a non-flat descriptor, a task gate, ...)
  maxCycles: 114,
  guestHung: 115, // hlt with interrupts disabled and nothing left to wake it
  divergence: 116, // replay or differential check found the guest saw something different
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error kdbt reports to the user: one line, a named kind, an exit status. */
export class KdbtError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends KdbtError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** Malformed input: the message names the file and the field, offset or line at fault. */
export class InputError extends KdbtError {
  constructor(message: string) {
    super(message, ExitCode.dataErr);
  }
}

export class MissingInputError extends KdbtError {
  constructor(message: string) {
    super(message, ExitCode.noInput);
  }
}

export class ConfigError extends KdbtError {
  constructor(message: string) {
    super(message, ExitCode.config);
  }
}

/** The guest ran into something that ends the run (triple fault, unsupported feature, budget). */
export class GuestStop extends KdbtError {
  constructor(
    message: string,
    exitCode: ExitCodeValue,
    readonly reason: "triple-fault" | "unsupported" | "max-cycles" | "hung",
  ) {
    super(message, exitCode);
  }
}

/** A broken internal invariant: always a kdbt bug, never the guest's fault. */
export class InternalError extends KdbtError {
  constructor(message: string) {
    super(message, ExitCode.software);
  }
}
