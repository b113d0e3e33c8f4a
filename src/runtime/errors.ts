/**
 * The root of every typed error in ppmid-relay. Each subclass has a stable
 * `code` a caller can match on, count and log; messages are for people.
 * (Style: a small hierarchy with stable ids, as matter.js does.)
 */
export class PpmidRelayError extends Error {
  /** Stable machine-readable identifier, e.g. `GBCS_MAC_INVALID`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A caller asked for something the configuration or arguments do not allow. */
export class ConfigError extends PpmidRelayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, options);
  }
}
