// Zod schemas (and the types inferred from them) for every teaching view's data and its --json output.
//
// The snapshot readers return these types, the text tables render them, and `kdbt inspect --json`,
// `kdbt explain --json` and `kdbt step --json` print them inside a `{ view: ... }` envelope that
// InspectJsonSchema validates. All addresses and raw descriptor words are unsigned 32-bit numbers.
import { z } from "zod";

const u32 = z.number().int().min(0).max(0xffffffff);
const u16 = z.number().int().min(0).max(0xffff);
const dpl = z.number().int().min(0).max(3);

// ---- disassembly

/** iced-x86's flow-control classes, renamed for readers. */
export const FlowSchema = z.enum([
  "next",
  "branch",
  "conditional-branch",
  "indirect-branch",
  "call",
  "indirect-call",
  "return",
  "interrupt",
  "exception",
  "other",
]);
export type Flow = z.infer<typeof FlowSchema>;

export const DisasmLineSchema = z.strictObject({
  /** Linear address of the first byte. */
  address: u32,
  /** The instruction's bytes as lowercase hex pairs separated by spaces: "0f 01 1d 78 56 34 12". */
  bytes: z.string().regex(/^[0-9a-f]{2}( [0-9a-f]{2})*$/),
  length: z.number().int().min(1).max(15),
  /** Intel syntax, lowercase, hex immediates, symbolized: "call trap_dispatch", "lidt [0x12345678]". */
  text: z.string().min(1),
  /** Prefixes and mnemonic: "rep stosd", "mov". */
  mnemonic: z.string().min(1),
  /** Operands as in `text` ("" when there are none). */
  operands: z.string(),
  /** The symbol starting at this address (a label to print above the line), if any. */
  symbol: z.string().nullable(),
  /** Where this address is: "name" or "name+0x12" from the symbol covering it, if any. */
  location: z.string().nullable(),
  /** Direct branch, call or far jump target (offset), if the instruction has one. */
  target: u32.nullable(),
  /** Symbol of an immediate that looks like an address ("gdt+0x8"), for a trailing comment. */
  comment: z.string().nullable(),
  flow: FlowSchema,
  /** The bytes do not decode (iced-x86 and objdump print "(bad)"). */
  invalid: z.boolean(),
});
export type DisasmLine = z.infer<typeof DisasmLineSchema>;

// ---- descriptor tables

export const DescriptorKindSchema = z.enum([
  "null",
  "empty",
  "code",
  "data",
  "tss16",
  "tss16-busy",
  "ldt",
  "call-gate16",
  "task-gate",
  "interrupt-gate16",
  "trap-gate16",
  "tss32",
  "tss32-busy",
  "call-gate32",
  "interrupt-gate32",
  "trap-gate32",
  "reserved",
]);
export type DescriptorKind = z.infer<typeof DescriptorKindSchema>;

export const SegmentRegisterNameSchema = z.enum(["es", "cs", "ss", "ds", "fs", "gs", "tr"]);

export const GdtEntrySchema = z.strictObject({
  index: z.number().int().min(0).max(8191),
  /** index << 3 (TI = 0, RPL = 0); ring-3 users of the entry load it with RPL 3 (0x1b, 0x23). */
  selector: u16,
  /** Raw low and high dwords (SDM 3A Figure 3-8). */
  lo: u32,
  hi: u32,
  kind: DescriptorKindSchema,
  present: z.boolean(),
  dpl,
  /** S flag: true for code/data, false for system descriptors (TSS, LDT, gates). */
  codeOrData: z.boolean(),
  /** The 4-bit type field. */
  type: z.number().int().min(0).max(15),
  base: u32,
  /** Limit in bytes after granularity scaling (0xffffffff for a flat 4 GiB segment). */
  limit: u32,
  /** G flag: limit counted in 4 KiB units. */
  granularity4k: z.boolean(),
  /** D/B flag: a 32-bit segment. */
  big: z.boolean(),
  /** Code: execute/read; data: read/write; null for system descriptors. */
  readable: z.boolean().nullable(),
  writable: z.boolean().nullable(),
  conforming: z.boolean().nullable(),
  expandDown: z.boolean().nullable(),
  accessed: z.boolean().nullable(),
  /** Base 0, limit 4 GiB, 32-bit, expand-up: the only code/data segments kdbt models. */
  flat: z.boolean(),
  /** Segment registers (and TR) whose selector currently points at this entry. */
  inUse: z.array(SegmentRegisterNameSchema),
});
export type GdtEntry = z.infer<typeof GdtEntrySchema>;

export const GdtViewSchema = z.strictObject({
  base: u32,
  limit: u16,
  entries: z.array(GdtEntrySchema),
  /** Entries inside the limit that could not be read (linear address not mapped). */
  unreadable: z.array(z.number().int().min(0)),
});
export type GdtView = z.infer<typeof GdtViewSchema>;

export const GateTypeSchema = z.enum(["interrupt", "trap", "task", "invalid"]);
export type GateType = z.infer<typeof GateTypeSchema>;

export const IdtGateSchema = z.strictObject({
  vector: z.number().int().min(0).max(255),
  lo: u32,
  hi: u32,
  present: z.boolean(),
  /** Interrupt gates clear IF on entry, trap gates do not (SDM 3A 6.12.1.3). */
  type: GateTypeSchema,
  /** 32 or 16 for interrupt and trap gates, null for task gates and invalid types. */
  bits: z.union([z.literal(16), z.literal(32)]).nullable(),
  /** The raw 4-bit type field (0xe interrupt gate, 0xf trap gate, 0x5 task gate). */
  typeCode: z.number().int().min(0).max(15),
  /** The privilege `int n` needs to use the gate (SDM 3A 6.12.1.1); ignored for exceptions and IRQs. */
  dpl,
  /** Code segment of the handler (the TSS selector for a task gate). */
  selector: u16,
  /** Handler offset (0 for a task gate). */
  offset: u32,
});
export type IdtGate = z.infer<typeof IdtGateSchema>;

export const IdtViewSchema = z.strictObject({
  base: u32,
  limit: u16,
  /** One gate per vector inside the limit whose 8 bytes could be read. */
  gates: z.array(IdtGateSchema),
  /** Vectors inside the limit whose gate could not be read (linear address not mapped). */
  unreadable: z.array(z.number().int().min(0).max(255)),
});
export type IdtView = z.infer<typeof IdtViewSchema>;

export const TssViewSchema = z.strictObject({
  selector: u16,
  base: u32,
  limit: u32,
  /** The GDT descriptor says busy (the CPU sets it on LTR); null if the descriptor is unreadable. */
  busy: z.boolean().nullable(),
  link: u16,
  esp0: u32,
  ss0: u16,
  esp1: u32,
  ss1: u16,
  esp2: u32,
  ss2: u16,
  cr3: u32,
  eip: u32,
  eflags: u32,
  eax: u32,
  ecx: u32,
  edx: u32,
  ebx: u32,
  esp: u32,
  ebp: u32,
  esi: u32,
  edi: u32,
  es: u16,
  cs: u16,
  ss: u16,
  ds: u16,
  fs: u16,
  gs: u16,
  ldt: u16,
  /** T flag: debug trap on task switch. */
  trap: z.boolean(),
  iomapBase: u16,
  /** An I/O permission bitmap exists (iomapBase inside the limit). */
  ioBitmap: z.boolean(),
});
export type TssView = z.infer<typeof TssViewSchema>;

// ---- paging

export const PageSizeSchema = z.union([z.literal(4096), z.literal(4194304)]);

export const PageMappingSchema = z.strictObject({
  linear: u32,
  physical: u32,
  size: PageSizeSchema,
  /** Effective U/S and R/W: set at both levels for a 4 KiB page. */
  user: z.boolean(),
  writable: z.boolean(),
  /** The leaf entry's A and D bits (PTE, or the PDE of a 4 MiB page). */
  accessed: z.boolean(),
  dirty: z.boolean(),
  pdeIndex: z.number().int().min(0).max(1023),
  pteIndex: z.number().int().min(0).max(1023).nullable(),
  pde: u32,
  pte: u32.nullable(),
  /** The frame lies past guest RAM (reads all-ones on an empty bus). */
  beyondRam: z.boolean(),
});
export type PageMapping = z.infer<typeof PageMappingSchema>;

export const PageRangeSchema = z.strictObject({
  linear: u32,
  physical: u32,
  /** Bytes covered (a multiple of the page size; up to 4 GiB, so not a u32). */
  bytes: z.number().int().min(4096).max(0x1_0000_0000),
  pageSize: PageSizeSchema,
  pages: z.number().int().min(1),
  user: z.boolean(),
  writable: z.boolean(),
  /** How many of the range's pages have A (resp. D) set. */
  accessed: z.number().int().min(0),
  dirty: z.number().int().min(0),
  beyondRam: z.boolean(),
});
export type PageRange = z.infer<typeof PageRangeSchema>;

export const PdeViewSchema = z.strictObject({
  index: z.number().int().min(0).max(1023),
  linear: u32,
  value: u32,
  /** PS set with CR4.PSE: maps a 4 MiB page itself. */
  large: z.boolean(),
  /** Physical address of the page table (or of the 4 MiB page). */
  physical: u32,
  user: z.boolean(),
  writable: z.boolean(),
  accessed: z.boolean(),
  /** Present PTEs in the table (1 for a 4 MiB page). */
  presentEntries: z.number().int().min(0).max(1024),
});
export type PdeView = z.infer<typeof PdeViewSchema>;

export const MonitorViewSchema = z.strictObject({ linear: u32, physical: u32, bytes: z.number().int().min(0) });

export const PageTablesViewSchema = z.strictObject({
  cr3: u32,
  /** CR0.PG: when false, linear = physical and the tables below are not in use. */
  paging: z.boolean(),
  pse: z.boolean(),
  writeProtect: z.boolean(),
  directory: z.array(PdeViewSchema),
  ranges: z.array(PageRangeSchema),
  /** Every present page, only when asked for (it can be thousands of rows). */
  mappings: z.array(PageMappingSchema).optional(),
  /** The DBT's monitor region, mapped by the MMU outside the guest's tables (supervisor only). */
  monitor: MonitorViewSchema.nullable(),
});
export type PageTablesView = z.infer<typeof PageTablesViewSchema>;

// ---- registers

export const SegmentViewSchema = z.strictObject({
  selector: u16,
  /** Cached descriptor, as loaded (not re-read from the GDT). */
  base: u32,
  limit: u32,
  dpl,
  kind: z.enum(["code", "data", "null", "system"]),
});

export const FlagsViewSchema = z.strictObject({
  cf: z.boolean(),
  pf: z.boolean(),
  af: z.boolean(),
  zf: z.boolean(),
  sf: z.boolean(),
  tf: z.boolean(),
  if: z.boolean(),
  df: z.boolean(),
  of: z.boolean(),
  nt: z.boolean(),
  rf: z.boolean(),
  ac: z.boolean(),
  id: z.boolean(),
  iopl: dpl,
});

const TableRegisterSchema = z.strictObject({ base: u32, limit: u32 });

export const RegistersViewSchema = z.strictObject({
  eax: u32,
  ecx: u32,
  edx: u32,
  ebx: u32,
  esp: u32,
  ebp: u32,
  esi: u32,
  edi: u32,
  eip: u32,
  /** With the lazy arithmetic flags computed. */
  eflags: u32,
  flags: FlagsViewSchema,
  cpl: dpl,
  es: SegmentViewSchema,
  cs: SegmentViewSchema,
  ss: SegmentViewSchema,
  ds: SegmentViewSchema,
  fs: SegmentViewSchema,
  gs: SegmentViewSchema,
  cr0: u32,
  cr2: u32,
  cr3: u32,
  cr4: u32,
  gdtr: TableRegisterSchema,
  idtr: TableRegisterSchema,
  tr: z.strictObject({ selector: u16, base: u32, limit: u32 }),
  halted: z.boolean(),
  cycles: z.number().min(0),
  retired: z.number().min(0),
});
export type RegistersView = z.infer<typeof RegistersViewSchema>;

// ---- code cache and translations (produced by the DBT, rendered here)

export const CodeCacheLinkSchema = z.strictObject({
  /** The code-cache address the exit jumps to (the linked block, or its exit stub when unlinked). */
  toCache: u32,
  /** The guest PC the exit leads to. */
  guestTarget: u32,
  linked: z.boolean(),
});

export const CodeCacheBlockSchema = z.strictObject({
  /** Code-cache range [cacheStart, cacheEnd). */
  cacheStart: u32,
  cacheEnd: u32,
  /** Guest linear range [guestStart, guestEnd) the block translates. */
  guestStart: u32,
  guestEnd: u32,
  cpl: dpl,
  paging: z.boolean(),
  hostInstructions: z.number().int().min(0),
  guestInstructions: z.number().int().min(0),
  links: z.array(CodeCacheLinkSchema),
});

/** One translated block as the code-cache views show it. The DBT fills these from its code cache. */
export interface CodeCacheBlockView {
  cacheStart: number;
  cacheEnd: number;
  guestStart: number;
  guestEnd: number;
  cpl: number;
  paging: boolean;
  hostInstructions: number;
  guestInstructions: number;
  links: { toCache: number; guestTarget: number; linked: boolean }[];
}

export const TranslationPairSchema = z.strictObject({
  /** The guest instruction, or null for host-only glue (exit stubs, dispatcher calls). */
  guest: DisasmLineSchema.nullable(),
  /** Its translation in the code cache (empty if it was elided). */
  host: z.array(DisasmLineSchema),
  note: z.string().optional(),
});
/** A guest instruction beside the host instructions that translate it (Compiler Explorer style). */
export interface TranslationPair {
  guest: DisasmLine | null;
  host: DisasmLine[];
  note?: string;
}

// ---- the --json envelopes

export const IdtJsonSchema = z.strictObject({
  view: z.literal("idt"),
  guest: IdtViewSchema,
  /** The DBT's shadow IDT (what the real IDTR points at), when there is one. */
  shadow: IdtViewSchema.nullable(),
});
export const GdtJsonSchema = z.strictObject({ view: z.literal("gdt"), gdt: GdtViewSchema });
export const TssJsonSchema = z.strictObject({ view: z.literal("tss"), tss: TssViewSchema.nullable() });
export const PageTablesJsonSchema = z.strictObject({ view: z.literal("page-tables"), pageTables: PageTablesViewSchema });
export const RegistersJsonSchema = z.strictObject({
  view: z.literal("registers"),
  registers: RegistersViewSchema,
  /** Names of registers that differ from the previous snapshot (when one was given). */
  changed: z.array(z.string()),
});
export const CodeCacheJsonSchema = z.strictObject({ view: z.literal("code-cache"), blocks: z.array(CodeCacheBlockSchema) });
export const DisasmJsonSchema = z.strictObject({ view: z.literal("disasm"), lines: z.array(DisasmLineSchema) });
export const TranslationJsonSchema = z.strictObject({ view: z.literal("translation"), pairs: z.array(TranslationPairSchema) });

// ---- kdbt explain

/** One 32-bit word of an interrupt frame: where it is, what the CPU pushed there, and what it means. */
export const FrameWordSchema = z.strictObject({
  address: u32,
  /** "eip", "cs", "eflags", "esp", "ss" or "error code". */
  name: z.string(),
  value: u32,
  note: z.string().nullable(),
});
export type FrameWord = z.infer<typeof FrameWordSchema>;

/** A register or memory word the dispatcher's rollback put back. */
export const RestoredSchema = z.strictObject({ what: z.string(), before: u32, after: u32 });
export type Restored = z.infer<typeof RestoredSchema>;

/** One numbered part of the narration: a title and its text (tables included, as printed). */
export const ExplainStepSchema = z.strictObject({ title: z.string(), lines: z.array(z.string()) });
export type ExplainStep = z.infer<typeof ExplainStepSchema>;

export const ExplainJsonSchema = z.strictObject({
  view: z.literal("explain"),
  mode: z.enum(["precise", "relaxed"]),
  cmdline: z.string(),
  /** How the event was chosen (--event N, or the rule --vector V applies). */
  selection: z.string(),
  event: z.strictObject({
    /** Delivery sequence number, 0, 1, 2, ... as in trace records. */
    seq: z.number().int().min(0),
    vector: z.number().int().min(0).max(255),
    name: z.string(),
    kind: z.enum(["fault", "trap", "abort", "external", "software"]),
    retired: z.number().int().min(0),
    cycle: z.number().min(0),
    /** CPL of the interrupted code. */
    fromCpl: dpl,
    errorCode: u32.nullable(),
    /** CR2 for a page fault, null otherwise. */
    cr2: u32.nullable(),
    /** The EIP in the frame the guest's handler sees (native in precise mode). */
    framePc: u32,
    /** The guest instruction boundary the event belongs to. */
    nativePc: u32,
    /** The code-cache PC the hardware pushed, when the event interrupted translated code. */
    cachePc: u32.nullable(),
    /** Relaxed: the guest's frame holds the code-cache PC. */
    leak: z.boolean(),
  }),
  /** Where in translated code the event landed (null: ring 3, which runs untranslated, or a dispatcher entry). */
  landed: z
    .strictObject({
      block: CodeCacheBlockSchema,
      /** Index in the block of the host instruction that had not run yet (the pushed PC). */
      hostIndex: z.number().int().min(0),
      /** The guest instruction it belongs to. */
      guest: DisasmLineSchema.nullable(),
      /** Host instructions of that guest instruction's translation that had run, and how many it has. */
      hostDone: z.number().int().min(0),
      hostTotal: z.number().int().min(0),
      /** The translation template cut short (its first host instruction's), or null at a boundary. */
      template: z.string().nullable(),
      pairs: z.array(TranslationPairSchema),
    })
    .nullable(),
  shadowGate: IdtGateSchema.nullable(),
  guestGate: IdtGateSchema.nullable(),
  /** Precise: the frame the hardware pushed through the shadow IDT, before the dispatcher rewound it. */
  hardwareFrame: z.array(FrameWordSchema).nullable(),
  rollback: z.array(z.strictObject({ undoes: z.string(), restores: z.string() })),
  restored: z.array(RestoredSchema),
  /** The frame the guest's handler sees. */
  guestFrame: z.array(FrameWordSchema),
  handler: z.strictObject({
    guestPc: u32,
    /** Its translation (null: the gate led to a dispatcher stub that translates it first). */
    cachePc: u32.nullable(),
    translatedNow: z.boolean(),
    pairs: z.array(TranslationPairSchema),
  }),
  /** Relaxed: code-cache entries the DBT registered in the kernel's exception-table extension. */
  extable: z.array(z.strictObject({ faultPc: u32, fixupPc: u32, nativeFault: u32, nativeFixup: u32 })),
  /** The IRET that popped this frame, if the handler returned within the explain window. */
  wayBack: z
    .strictObject({
      /** The IRET instruction: its native PC (precise) or its copy's code-cache PC (relaxed). */
      iretPc: u32,
      /** dispatcher: emulated at its native PC; direct: the copied IRET ran in the code cache. */
      via: z.enum(["dispatcher", "direct"]),
      /** The EIP it popped, and where execution went on (its translation, or itself in ring 3). */
      toPc: u32,
      toCpl: dpl,
      continuesAt: u32,
      /** The handler changed the frame's EIP (a fixup or a skipped instruction). */
      frameEipChanged: z.boolean(),
      guestInstructions: z.number().int().min(0),
      nestedDeliveries: z.number().int().min(0),
      pairs: z.array(TranslationPairSchema),
    })
    .nullable(),
  steps: z.array(ExplainStepSchema),
});
export type ExplainJson = z.infer<typeof ExplainJsonSchema>;

/** Any one teaching view's --json document. */
export const InspectJsonSchema = z.discriminatedUnion("view", [
  IdtJsonSchema,
  GdtJsonSchema,
  TssJsonSchema,
  PageTablesJsonSchema,
  RegistersJsonSchema,
  CodeCacheJsonSchema,
  DisasmJsonSchema,
  TranslationJsonSchema,
  ExplainJsonSchema,
]);
export type InspectJson = z.infer<typeof InspectJsonSchema>;
