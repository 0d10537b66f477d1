// A CPU on flat memory with a real GDT, TSS and IDT, for instruction-level tests at CPL 0 or 3.
import { Cpu } from "../../src/cpu/cpu.js";
import { PhysicalMemory } from "../../src/mem/physical.js";
import { loadCostModel, cpuCosts } from "../../src/cost/model.js";
import { enterFlatProtectedMode, flatDescriptor } from "../../src/machine/boot-state.js";
import type { DeliveryInfo } from "../../src/cpu/interfaces.js";
import { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, S_GDTR_BASE, S_GDTR_LIMIT, S_HALTED, S_IDTR_BASE, S_IDTR_LIMIT, S_TR_BASE, S_TR_LIMIT, S_TR_SEL } from "../../src/cpu/state.js";
import { commitSegment } from "../../src/cpu/segments.js";

export const GDT_BASE = 0x1000;
export const IDT_BASE = 0x2000;
export const HANDLERS_BASE = 0x3000; // one 16-byte stub per vector: hlt
export const TSS_BASE = 0x5000;
export const KERNEL_STACK_TOP = 0x9000;
export const KERNEL_CS = 0x08;
export const KERNEL_DS = 0x10;
export const USER_CS = 0x1b;
export const USER_DS = 0x23;
export const TSS_SEL = 0x28;

export interface TestCpu {
  cpu: Cpu;
  phys: PhysicalMemory;
  deliveries: DeliveryInfo[];
  /** Port writes seen, in order. */
  portWrites: { port: number; value: number; size: number }[];
}

/** Build a CPU with system tables (all 256 IDT gates: 32-bit interrupt gates, DPL 3, to hlt stubs). */
export function makeTestCpu(opts: { ramBytes?: number; cpl?: 0 | 3; cost?: string } = {}): TestCpu {
  const phys = new PhysicalMemory(opts.ramBytes ?? 16 << 20);
  const portWrites: TestCpu["portWrites"] = [];
  const cpu = new Cpu(
    phys,
    { portIn: () => 0xff, portOut: (port, value, size) => void portWrites.push({ port, value, size }) },
    { acknowledge: () => 0x20 },
    cpuCosts(loadCostModel(opts.cost ?? "icount")),
  );
  const dv = phys.dv;
  const put = (addr: number, lo: number, hi: number): void => {
    dv.setInt32(addr, lo, true);
    dv.setInt32(addr + 4, hi, true);
  };
  const c0 = flatDescriptor(true, 0);
  const d0 = flatDescriptor(false, 0);
  const c3 = flatDescriptor(true, 3);
  const d3 = flatDescriptor(false, 3);
  put(GDT_BASE + 0x08, c0.lo, c0.hi);
  put(GDT_BASE + 0x10, d0.lo, d0.hi);
  put(GDT_BASE + 0x18, c3.lo, c3.hi);
  put(GDT_BASE + 0x20, d3.lo, d3.hi);
  // 32-bit available TSS, limit 0x67 (no I/O bitmap inside the limit).
  put(GDT_BASE + 0x28, ((TSS_BASE & 0xffff) << 16) | 0x67, ((TSS_BASE >>> 16) & 0xff) | 0x00008900 | (TSS_BASE & 0xff000000));
  dv.setInt32(TSS_BASE + 4, KERNEL_STACK_TOP, true);
  dv.setInt32(TSS_BASE + 8, KERNEL_DS, true);
  dv.setUint16(TSS_BASE + 0x66, 0x68, true);
  for (let v = 0; v < 256; v++) {
    const handler = HANDLERS_BASE + v * 16;
    put(IDT_BASE + v * 8, (KERNEL_CS << 16) | (handler & 0xffff), (handler & 0xffff0000) | 0xee00);
    phys.bytes[handler] = 0xf4; // hlt
  }
  const cpl = opts.cpl ?? 0;
  enterFlatProtectedMode(cpu, {
    entry: 0,
    cpl,
    codeSelector: cpl === 3 ? USER_CS : KERNEL_CS,
    dataSelector: cpl === 3 ? USER_DS : KERNEL_DS,
    esp: KERNEL_STACK_TOP - 0x100,
    eflags: 0x200,
  });
  const s = cpu.s;
  s[S_GDTR_BASE] = GDT_BASE;
  s[S_GDTR_LIMIT] = 0x2f;
  s[S_IDTR_BASE] = IDT_BASE;
  s[S_IDTR_LIMIT] = 256 * 8 - 1;
  s[S_TR_SEL] = TSS_SEL;
  s[S_TR_BASE] = TSS_BASE;
  s[S_TR_LIMIT] = 0x67;
  const deliveries: DeliveryInfo[] = [];
  cpu.probe = { onDelivery: (d) => void deliveries.push({ ...d }), onIret: () => {} };
  return { cpu, phys, deliveries, portWrites };
}

/** Put the CPU back at CPL `cpl` with flat selectors (between independent test cases). */
export function resetPrivilege(t: TestCpu, cpl: 0 | 3): void {
  const s = t.cpu.s;
  const code = flatDescriptor(true, cpl);
  const data = flatDescriptor(false, cpl);
  commitSegment(t.cpu, SEG_CS, cpl === 3 ? USER_CS : KERNEL_CS, code.lo, code.hi);
  for (const seg of [SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS]) commitSegment(t.cpu, seg, cpl === 3 ? USER_DS : KERNEL_DS, data.lo, data.hi);
  s[S_HALTED] = 0;
  t.cpu.setCpl(cpl);
  t.cpu.recomputeAttention();
}
