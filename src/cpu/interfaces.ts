// The CPU's narrow view of the rest of the machine: ports, the interrupt controller, costs and probes.

/** I/O port space as the CPU sees it (IN/OUT). */
export interface IoPorts {
  portIn(port: number, size: 1 | 2 | 4): number;
  portOut(port: number, value: number, size: 1 | 2 | 4): void;
}

/** The interrupt controller's INTA cycle; its INTR output reaches the CPU through Cpu.setIntr(). */
export interface InterruptController {
  acknowledge(): number;
}

/** Cycle costs the CPU charges itself (a resolved cost model, see src/cost). */
export interface CpuCosts {
  instr: {
    alu: number;
    mul: number;
    div: number;
    branch: number;
    callRet: number;
    string: number;
    io: number;
    rdtsc: number;
    cliSti: number;
    system: number;
    nop: number;
    segmentLoad: number;
  };
  /** Surcharge for an instruction with a memory operand (explicit or implicit, such as PUSH). */
  memOperand: number;
  /** Charge host instructions that retire no guest instruction (DBT glue)? */
  chargeHostOnly: boolean;
  /** A TLB miss that walks the page tables. */
  pageWalk: number;
  tlbEntries: number;
  /** Hardware interrupt/exception delivery through the IDT, without and with a stack switch. */
  deliverSamePl: number;
  deliverPrivChange: number;
  /** IRET's extra cost beyond its instruction class, to the same and to an outer level. */
  iretSamePl: number;
  iretPrivChange: number;
}

/** What a delivery looked like, filled into one preallocated object and handed to probes. */
export interface DeliveryInfo {
  vector: number;
  /** One of EVENT_EXCEPTION / EVENT_EXTERNAL / EVENT_SOFTWARE. */
  kind: number;
  errorCode: number;
  hasErrorCode: boolean;
  /** EIP pushed in the frame (the return address the handler sees). */
  pushedEip: number;
  /** CPL before delivery. */
  fromCpl: number;
  cr2: number;
  /** ESP after the frame was pushed (where the frame starts). */
  frameEsp: number;
  privilegeChange: boolean;
  /** The instruction being executed when the event was raised (an INT n's own address). */
  insnEip: number;
  /** Guest instructions retired before the event (an INT n or a faulting instruction not included). */
  retired: number;
  /** Simulated cycle of the event. */
  cycle: number;
}

/** Observers of architectural events; the default does nothing, so tracing costs nothing when off. */
export interface CpuProbe {
  onDelivery(info: DeliveryInfo): void;
  onIret(fromCpl: number, toCpl: number, eip: number): void;
}

export const NULL_PROBE: CpuProbe = {
  onDelivery() {},
  onIret() {},
};
