/**
 * APS fragmentation of a large ASDU and its reassembly (ZigBee spec
 * 2.2.8.4.5). Each block travels in its own APS data frame with the same
 * APS counter and an extended header: the first block says `first` and
 * carries the TOTAL number of blocks in its block-number field; every other
 * block says `subsequent` and carries its own number (1..total-1). With a
 * window of 1 the receiver acks each block (ack bitfield 0x01).
 *
 * Pure: the reassembler holds state but reads no clock; the caller decides
 * when an incomplete transfer has waited too long.
 */
import type { ApsExtendedHeader } from './aps.ts';
import { ZigbeeFragmentError, ZigbeeFragmentMissingError, ZigbeeReassemblyTooLargeError } from './errors.ts';

/** Block numbers are one byte, and block 0's field holds the total. */
export const APS_MAX_BLOCKS = 255;

export interface ApsBlock {
  /** 0 for the first block. */
  blockNumber: number;
  totalBlocks: number;
  payload: Uint8Array;
}

/** Splits an ASDU into blocks of `blockSize` bytes (the last may be shorter). */
export function fragmentAsdu(asdu: Uint8Array, blockSize: number): ApsBlock[] {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`block size ${blockSize}`);
  if (asdu.length === 0) throw new RangeError('nothing to fragment');
  const totalBlocks = Math.ceil(asdu.length / blockSize);
  if (totalBlocks > APS_MAX_BLOCKS)
    throw new RangeError(
      `${asdu.length} bytes in ${blockSize}-byte blocks needs ${totalBlocks} blocks; APS allows ${APS_MAX_BLOCKS}`,
    );
  const out: ApsBlock[] = [];
  for (let i = 0; i < totalBlocks; i++)
    out.push({ blockNumber: i, totalBlocks, payload: asdu.subarray(i * blockSize, (i + 1) * blockSize) });
  return out;
}

/** The extended header a data frame carries for `block`. */
export function blockExtendedHeader(block: Pick<ApsBlock, 'blockNumber' | 'totalBlocks'>): ApsExtendedHeader {
  return block.blockNumber === 0
    ? { fragmentation: 'first', blockNumber: block.totalBlocks }
    : { fragmentation: 'subsequent', blockNumber: block.blockNumber };
}

/** The extended header of the APS ack of one block (window of 1). */
export function blockAckExtendedHeader(blockNumber: number): ApsExtendedHeader {
  return { fragmentation: blockNumber === 0 ? 'first' : 'subsequent', blockNumber, ackBitfield: 0x01 };
}

/** The block number a data frame's extended header refers to (0 for the first block). */
export function blockNumberOf(ext: ApsExtendedHeader): number {
  return ext.fragmentation === 'first' ? 0 : ext.blockNumber;
}

export type ReassemblyStatus = 'added' | 'duplicate' | 'complete';

export interface ReassemblerOptions {
  /** Largest ASDU accepted, in bytes (a CHF sets it from the tunnel's maximum transfer size plus ZCL overhead). */
  maxSize: number;
  /** Default 255 (APS_MAX_BLOCKS). */
  maxBlocks?: number;
}

/**
 * Collects the blocks of one fragmented ASDU (one source, one APS counter).
 * Blocks may arrive in any order and more than once; a duplicate with the
 * same bytes is reported as `duplicate`, one with different bytes, a block
 * outside the announced total, or a second first block announcing another
 * total is a ZigbeeFragmentError; exceeding `maxSize` is a
 * ZigbeeReassemblyTooLargeError.
 */
export class ApsReassembler {
  private readonly blocks = new Map<number, Uint8Array>();
  private total: number | undefined;
  private bytes = 0;
  private readonly maxSize: number;
  private readonly maxBlocks: number;

  constructor(opts: ReassemblerOptions) {
    this.maxSize = opts.maxSize;
    this.maxBlocks = Math.min(opts.maxBlocks ?? APS_MAX_BLOCKS, APS_MAX_BLOCKS);
  }

  /** Total block count, once the first block has arrived. */
  get totalBlocks(): number | undefined {
    return this.total;
  }

  get receivedBlocks(): number {
    return this.blocks.size;
  }

  get receivedBytes(): number {
    return this.bytes;
  }

  get complete(): boolean {
    return this.total !== undefined && this.blocks.size === this.total;
  }

  add(ext: ApsExtendedHeader, payload: Uint8Array): ReassemblyStatus {
    const n = blockNumberOf(ext);
    if (ext.fragmentation === 'first') {
      const total = ext.blockNumber;
      if (total < 1 || total > this.maxBlocks)
        throw new ZigbeeFragmentError(`first block announces ${total} blocks (allowed 1..${this.maxBlocks})`);
      if (this.total !== undefined && this.total !== total)
        throw new ZigbeeFragmentError(`first block announces ${total} blocks, an earlier one ${this.total}`);
      for (const k of this.blocks.keys())
        if (k >= total)
          throw new ZigbeeFragmentError(`block ${k} already received is outside ${total} blocks`);
      this.total = total;
    } else {
      if (n === 0) throw new ZigbeeFragmentError('a subsequent block cannot be block 0');
      if (n >= (this.total ?? this.maxBlocks))
        throw new ZigbeeFragmentError(`block ${n} is outside ${this.total ?? this.maxBlocks} blocks`);
    }
    const prev = this.blocks.get(n);
    if (prev) {
      if (!sameBytes(prev, payload))
        throw new ZigbeeFragmentError(`block ${n} received twice with different bytes`);
      return 'duplicate';
    }
    if (payload.length === 0) throw new ZigbeeFragmentError(`block ${n} is empty`);
    if (this.bytes + payload.length > this.maxSize)
      throw new ZigbeeReassemblyTooLargeError(this.maxSize, this.bytes + payload.length);
    this.blocks.set(n, payload.slice());
    this.bytes += payload.length;
    return this.complete ? 'complete' : 'added';
  }

  /** Block numbers not yet received (all known ones; before the first block, block 0 is missing). */
  missing(): number[] {
    const upTo = this.total ?? Math.max(1, ...[...this.blocks.keys()].map((k) => k + 1));
    const out: number[] = [];
    for (let i = 0; i < upTo; i++) if (!this.blocks.has(i)) out.push(i);
    return out;
  }

  /** The reassembled ASDU. Throws ZigbeeFragmentMissingError when incomplete. */
  finish(): Uint8Array {
    if (!this.complete) throw new ZigbeeFragmentMissingError(this.missing());
    const out = new Uint8Array(this.bytes);
    let o = 0;
    for (let i = 0; i < (this.total as number); i++) {
      const b = this.blocks.get(i) as Uint8Array;
      out.set(b, o);
      o += b.length;
    }
    return out;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
