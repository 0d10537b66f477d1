// The registry of vector families, in output order. Each family becomes test/vectors/data/<name>.json.
import type { Family } from "./case.js";
import { aluFamily, incDecFamily, notNegFamily } from "./fam-alu.js";
import { bitFamily } from "./fam-bit.js";
import { callRetFamily, jccLoopFamily, stackFamily } from "./fam-control.js";
import { exceptionsFamily, flagsMiscFamily } from "./fam-misc.js";
import { cbwFamily, leaFamily, movFamily, movzxFamily, setccFamily, xchgFamily } from "./fam-move.js";
import { mulDivFamily } from "./fam-muldiv.js";
import { doubleShiftFamily, shiftRotateFamily } from "./fam-shift.js";
import { stringFamily } from "./fam-string.js";
import { segmentFamily } from "./fam-segment.js";

export const FAMILIES: readonly Family[] = [
  aluFamily, incDecFamily, notNegFamily, mulDivFamily, shiftRotateFamily, doubleShiftFamily,
  bitFamily, movFamily, movzxFamily, xchgFamily, leaFamily, cbwFamily, setccFamily,
  jccLoopFamily, callRetFamily, stackFamily, stringFamily, flagsMiscFamily, exceptionsFamily, segmentFamily,
];
