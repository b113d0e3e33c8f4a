/**
 * The gas mirror: the GSME's data the GPF (inside the Communications Hub)
 * holds so that reads need not wake the sleepy GSME (GBCS: GCS13a, GCS13b,
 * GCS13c, GCS14 may target the GPF). The GSME writes it on every wake
 * (Gsme option `mirror`); the GPF answers reads from the last copy and
 * knows when it was taken.
 */
import { copySharingFrozen } from '../../runtime/freeze.ts';
import { defaultGsmeState, type GsmeState } from '../gsme/gsme.ts';

export interface GasMirrorSnapshot {
  state: GsmeState;
  /** device time of the GSME's last update (epoch ms); null: never updated (the installed defaults) */
  updatedAt: number | null;
}

/**
 * The installed defaults every mirror starts from, built once and shared
 * (an estate of N homes holds one copy until each GSME first writes its
 * own); frozen, so a read that tried to change it would fail loudly.
 */
let installedDefaults: GsmeState | undefined;
function sharedDefaults(): GsmeState {
  installedDefaults ??= deepFreeze(defaultGsmeState());
  return installedDefaults;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class GasMirror {
  private data: GsmeState;
  private at: number | null = null;
  /** how many times the GSME wrote the mirror */
  updates = 0;

  /** Starts with `initial` (copied) or the RTDS GSME's values (what a GPF commissioned with that GSME holds; shared). */
  constructor(initial?: GsmeState) {
    this.data = initial ? structuredClone(initial) : sharedDefaults();
  }

  /**
   * The GSME writes its current data (on each wake): a copy, sharing with
   * the GSME what cannot change (the frozen RTDS tables it still holds, the
   * closed entries of its metrology logs), so a wake does not copy 13
   * months of half-hour profile again.
   */
  update(state: GsmeState, at: number): void {
    this.data = copySharingFrozen(state);
    this.at = at;
    this.updates++;
  }

  /** The mirrored data (the GPF's read view: do not change it). */
  get state(): GsmeState {
    return this.data;
  }

  get updatedAt(): number | null {
    return this.at;
  }

  snapshot(): GasMirrorSnapshot {
    return { state: structuredClone(this.data), updatedAt: this.at };
  }

  restore(s: GasMirrorSnapshot): void {
    this.data = { ...defaultGsmeState(), ...structuredClone(s.state) };
    this.at = s.updatedAt;
  }
}
