/**
 * The radio timing model of the SMHAN (HAN.md "Radio figures"). Pure: turns
 * frame sizes into microseconds of airtime.
 *
 * What is on air for one APS frame (the APS frame itself is real bytes,
 * produced by src/zigbee; the layers below it are counted, not built):
 *
 * | layer | bytes | what |
 * |---|---|---|
 * | PHY SHR + PHR | 6 (2.4 GHz) | preamble 4, SFD 1, frame length 1 |
 * | MAC header | 9 | frame control 2, sequence 1, PAN id 2, destination 2, source 2 (PAN id compression) |
 * | NWK header | 8 | frame control 2, destination 2, source 2, radius 1, sequence 1 |
 * | NWK auxiliary security header | 14 | security control 1, frame counter 4, source IEEE 8, key sequence 1 |
 * | APS frame | real | header, extended header, APS auxiliary header, payload, APS MIC |
 * | NWK MIC | 4 | network-key MIC (level 5) |
 * | MAC FCS | 2 | CRC-16 |
 *
 * So the PSDU is the APS frame + 37 bytes and may not exceed 127
 * (aMaxPHYPacketSize): an APS frame is at most 90 bytes, and a fragment with
 * an APS header (8), extended header (2) and APS security with extended
 * nonce (13 + 4) carries at most 63 payload bytes. HAN.md's "about 61" is
 * the default block size (2 bytes of margin, e.g. for a NWK source route).
 *
 * Each MAC transmission: unslotted CSMA-CA random backoff of 0..2^macMinBE-1
 * unit backoff periods, a CCA, the frame, then either the MAC ack after the
 * turnaround time or, when the frame or its ack is lost, the ack wait time
 * before the next attempt (IEEE 802.15.4 macAckWaitDuration).
 */

export type HanBand = '2.4GHz' | 'subGHz';

export interface PhyProfile {
  band: HanBand;
  /** Bits per second on air. */
  bitRate: number;
  /** Synchronisation header + PHY header (preamble, SFD, length) in bytes. */
  phyOverheadBytes: number;
  /** aMaxPHYPacketSize. */
  maxPsduBytes: number;
  /** aUnitBackoffPeriod in microseconds. */
  unitBackoffUs: number;
  /** Clear channel assessment time. */
  ccaUs: number;
  /** RX-to-TX turnaround before the MAC ack. */
  turnaroundUs: number;
  /** How long a sender waits for a MAC ack before retrying (macAckWaitDuration). */
  macAckWaitUs: number;
  /** MAC ack PSDU: frame control 2, sequence 1, FCS 2. */
  macAckPsduBytes: number;
  /** macMinBE: backoff is 0..2^minBE-1 unit periods. */
  macMinBE: number;
}

/**
 * 2.4 GHz O-QPSK, IEEE 802.15.4: 250 kbit/s (32 us per byte), 16 us symbols;
 * unit backoff 20 symbols, CCA 8, turnaround 12, macAckWaitDuration 54.
 * A full 127-byte PSDU is (127 + 6) x 32 us = 4.256 ms on air.
 */
export const PHY_2_4_GHZ: PhyProfile = {
  band: '2.4GHz',
  bitRate: 250_000,
  phyOverheadBytes: 6,
  maxPsduBytes: 127,
  unitBackoffUs: 320,
  ccaUs: 128,
  turnaroundUs: 192,
  macAckWaitUs: 864,
  macAckPsduBytes: 5,
  macMinBE: 3,
};

/**
 * Sub-GHz (868 MHz in GB), modelled as IEEE 802.15.4 SUN 2-FSK at
 * 100 kbit/s (80 us per byte, 10 us symbols), the rate the ZigBee sub-GHz
 * PHY uses: SHR + PHR = 12 bytes (8 preamble, 2 SFD, 2 PHR), 127-byte PSDU
 * kept for ZigBee compatibility, turnaround 1 ms, unit backoff = turnaround
 * + CCA. These are modelling choices, not confirmed GB figures: they are
 * configuration, like the duty-cycle thresholds.
 */
export const PHY_SUB_GHZ: PhyProfile = {
  band: 'subGHz',
  bitRate: 100_000,
  phyOverheadBytes: 12,
  maxPsduBytes: 127,
  unitBackoffUs: 1_128,
  ccaUs: 128,
  turnaroundUs: 1_000,
  macAckWaitUs: 3_408,
  macAckPsduBytes: 5,
  macMinBE: 3,
};

export function phyProfile(band: HanBand, overrides: Partial<PhyProfile> = {}): PhyProfile {
  return { ...(band === 'subGHz' ? PHY_SUB_GHZ : PHY_2_4_GHZ), ...overrides, band };
}

/** Bytes the layers under APS add to every APS frame (table above). */
export interface StackOverheads {
  macHeader: number;
  macFcs: number;
  nwkHeader: number;
  nwkAuxHeader: number;
  nwkMic: number;
}

export const DEFAULT_OVERHEADS: StackOverheads = {
  macHeader: 9,
  macFcs: 2,
  nwkHeader: 8,
  nwkAuxHeader: 14,
  nwkMic: 4,
};

export function belowApsBytes(o: StackOverheads = DEFAULT_OVERHEADS): number {
  return o.macHeader + o.macFcs + o.nwkHeader + o.nwkAuxHeader + o.nwkMic;
}

/** The MAC PSDU that carries an APS frame of `apsFrameBytes`. */
export function psduBytes(apsFrameBytes: number, o: StackOverheads = DEFAULT_OVERHEADS): number {
  return apsFrameBytes + belowApsBytes(o);
}

/** The largest APS frame one PHY frame carries. */
export function maxApsFrameBytes(phy: PhyProfile, o: StackOverheads = DEFAULT_OVERHEADS): number {
  return phy.maxPsduBytes - belowApsBytes(o);
}

/** Microseconds on air for a PSDU (SHR + PHR + PSDU at the bit rate). */
export function frameAirtimeUs(psdu: number, phy: PhyProfile): number {
  return ((psdu + phy.phyOverheadBytes) * 8 * 1e6) / phy.bitRate;
}

export function macAckAirtimeUs(phy: PhyProfile): number {
  return frameAirtimeUs(phy.macAckPsduBytes, phy);
}

/** Longest CSMA-CA backoff of one attempt. */
export function maxBackoffUs(phy: PhyProfile): number {
  return (2 ** phy.macMinBE - 1) * phy.unitBackoffUs;
}

/**
 * Duration of one successful MAC transaction (no loss) with a given backoff:
 * backoff + CCA + frame + turnaround + MAC ack.
 */
export function macTransactionUs(psdu: number, phy: PhyProfile, backoffUs: number): number {
  return backoffUs + phy.ccaUs + frameAirtimeUs(psdu, phy) + phy.turnaroundUs + macAckAirtimeUs(phy);
}
