// Words for what the supplier API returns: routes, states, timeline hops
// (SECMP0038 SU-2), PPMID outcomes and reasons (PP-2), and the six stages a
// command goes through. Pure functions (no DOM): easy to read and to test.

export const ROUTE_LABEL = {
  wan: 'WAN only',
  race: 'race WAN and PPMID',
  ppmid: 'PPMID only',
  dcc: 'DCC (CV 8)',
};

export const ROUTE_CVS = {
  wan: 'CV 1 (critical: CV 4 then 5)',
  race: 'CV 3 (critical: CV 4 then 7)',
  ppmid: 'CV 2 (critical: CV 4 then 6)',
};

export const STATE_LABEL = {
  queued: 'queued',
  sending: 'sending',
  'in-flight': 'in flight',
  'response-overdue': 'response overdue',
  responded: 'responded',
  failed: 'failed',
  expired: 'expired',
  'applied-unconfirmed': 'applied, unconfirmed',
};

export const WAN_LABEL = {
  reliable: 'reliable',
  intermittent: 'intermittent',
  absent: 'absent',
  none: 'no WAN (since installation)',
};

export const PPMID_STATE_LABEL = {
  registered: 'registered',
  'device-log-pending': '8.11 pending',
  'relay-enabled': 'relay enabled',
  revoked: 'revoked',
  failed: 'provisioning failed',
};

export const OUTCOME_LABEL = {
  'accepted-queued': 'PPMID accepted it: checks passed, queued for the HAN',
  forwarded: 'PPMID forwarded it to the Communications Hub over the HAN',
  'delivery-failed': 'PPMID could not deliver it over the HAN',
  expired: 'PPMID let it expire before it could be forwarded',
  rejected: 'PPMID rejected it',
};

/** PP-2 reasons (src/delivery/reasons.ts) in words. */
export const REASON_LABEL = {
  'envelope-malformed': 'the delivery envelope is malformed',
  'unsupported-version': 'unsupported envelope version',
  'wrong-ppmid': 'the envelope is for another PPMID',
  'unknown-supplier': 'the PPMID does not know this supplier',
  'unknown-key': "the PPMID does not trust this supplier's delivery key",
  'bad-signature': 'the envelope signature does not verify',
  'bad-validity': 'the envelope validity period is wrong',
  expired: 'the envelope had expired',
  malformed: 'the GBCS message is malformed',
  'not-a-command': 'the GBCS message is not a Command',
  'no-acb-mac': 'the GBCS command carries no DCC (ACB) MAC',
  'unknown-use-case': 'unknown GBCS use case',
  firmware: 'firmware is never accepted through a PPMID (CH-3)',
  oversize: 'larger than the HAN tunnel allows',
  'target-not-in-home': 'the target device is not in this home',
  'target-is-chf': 'commands to the CHF are not relayed (CH-2)',
  'target-is-gpf': 'commands to the GPF are not relayed (CH-2)',
  'target-is-hht': 'commands to an HHT are not relayed (CH-2)',
  'target-is-ppmid': 'commands to a PPMID are not relayed (CH-2)',
  'target-is-remote-party': 'addressed to a remote party (CH-2)',
  'originator-mismatch': 'the originator is not the supplier that signed the envelope',
  'request-id-mismatch': 'the Request ID does not match the GBCS header',
  duplicate: 'a duplicate of a command it already had',
  'outbox-full': "the PPMID's outbox is full",
  'han-link-down': 'the HAN link to the CH is down',
  'han-tunnel-closed': 'the HAN tunnel to the CH is closed',
  'han-duty-cycle': 'sub-GHz duty cycle is Critical (PP-4)',
  'han-too-large': 'too large for the HAN',
  'han-rejected': 'the CH refused the HAN transfer',
  'han-lost': 'lost on the HAN',
  'han-no-answer': 'the CH did not answer on the HAN',
};

/** CH discard reasons (devices/chf) a supplier's operator will meet, in words. */
export const CH_REASON_LABEL = {
  'standalone-mode': 'the CH is in standalone mode (Block Buffer Feed, CH-6)',
  'rate-limited': 'PPMID relay rate limit (CH-7)',
  'not-in-device-log': 'target not in the CHF Device Log (CH-2)',
  oversize: 'over the tunnel size (CH-2)',
};

const CV_ENDPOINT = { serviceS: 'sendCommand', serviceD: 'local delivery', serviceT: 'transform' };

function reasonWords(r) {
  return r ? (REASON_LABEL[r] ?? r) : '';
}

/**
 * One hop of the supplier's timeline in words.
 * Returns { stage, title, lines: string[], tone: 'ok'|'bad'|'warn'|'info' }.
 */
export function describeHop(h) {
  const d = h.detail ?? {};
  switch (h.kind) {
    case 'created':
      return {
        stage: 'route',
        title: `Command created: SR ${d.srv} to ${d.target}`,
        lines: d.requestId ? [`Request ID ${d.requestId}`] : [],
        tone: 'info',
      };
    case 'route-chosen': {
      const lines = [...(d.reasons ?? [])];
      if (d.ppmid) lines.push(`through enhanced PPMID ${d.ppmid}`);
      return {
        stage: 'route',
        title: `Route chosen: ${ROUTE_LABEL[d.route] ?? d.route} (CV ${(d.commandVariants ?? []).join(' then ')})`,
        lines: [`WAN class ${d.wanClass}`, ...lines],
        tone: 'info',
      };
    }
    case 'queued-behind':
      return {
        stage: 'route',
        title: `Waiting behind command ${d.command ?? 'another'} to the same device`,
        lines: [
          'one command at a time per device: GBCS devices refuse an Originator Counter lower than the last one',
        ],
        tone: 'warn',
      };
    case 'request-id':
      return { stage: 'duis', title: `Request ID assigned: ${d.requestId}`, lines: [], tone: 'info' };
    case 'in-flight':
      if (d.assumed)
        return {
          stage: 'duis',
          title: 'Assumed accepted by the DSP',
          lines: [d.assumed, d.note].filter(Boolean),
          tone: 'warn',
        };
      return {
        stage: 'duis',
        title: `Accepted by the DSP${d.code ? ` (${d.code})` : ''}: ${d.onWan === false ? 'for local delivery' : d.onWan ? 'on the SM WAN' : 'in flight'}`,
        lines: [],
        tone: 'ok',
      };
    case 'dispatched':
      return { stage: 'duis', title: 'Dispatching to the DSP', lines: [], tone: 'info' };
    case 'duis-sent':
      return {
        stage: 'duis',
        title: `DUIS request sent: CV ${d.cv}${d.endpoint ? ` (${CV_ENDPOINT[d.endpoint] ?? d.endpoint})` : ''}${d.resent ? ', sent again after a restart' : ''}`,
        lines: d.size ? [`${d.size} bytes of signed XML`] : [],
        tone: 'info',
      };
    case 'duis-answer': {
      if (d.error)
        return { stage: 'duis', title: `DSP not reached: ${d.error}`, lines: [d.message ?? ''], tone: 'bad' };
      if (d.httpStatus && d.httpStatus !== 200)
        return {
          stage: 'duis',
          title: `DSP refused CV ${d.cv}: HTTP ${d.httpStatus}`,
          lines: d.detail ? [String(d.detail).slice(0, 300)] : [],
          tone: 'bad',
        };
      if (d.via === 'receive-response-service')
        return {
          stage: 'duis',
          title: `DSP acknowledgement ${d.code} (via the Receive Response Service)`,
          lines: [],
          tone: 'info',
        };
      if (d.assumed)
        return {
          stage: 'duis',
          title: 'Assumed accepted by the DSP',
          lines: [d.assumed, d.note].filter(Boolean),
          tone: 'warn',
        };
      if (d.accepted)
        return {
          stage: 'duis',
          title: `Accepted by the DSP (${d.code}): ${d.onWan ? 'on the SM WAN' : 'for local delivery'}`,
          lines: [],
          tone: 'ok',
        };
      if (d.cv !== undefined) {
        const what = d.payload ? ` with ${d.payload}` : '';
        const bad = typeof d.code === 'string' && /^E/.test(d.code);
        return {
          stage: 'duis',
          title: `DUIS acknowledgement: ${d.code}${what} (CV ${d.cv})`,
          lines: [],
          tone: bad ? 'bad' : 'ok',
        };
      }
      return { stage: 'duis', title: `DSP answered ${d.code ?? ''}`.trim(), lines: [], tone: 'info' };
    }
    case 'pre-command-received':
      return {
        stage: 'duis',
        title: `Pre-Command received from the DSP (${d.size} bytes)`,
        lines: [],
        tone: 'info',
      };
    case 'pre-command-signed':
      return {
        stage: 'duis',
        title: "Pre-Command signed with the supplier's DS key",
        lines: [],
        tone: 'info',
      };
    case 'local-command-received':
      if (d.missing)
        return { stage: 'ppmid', title: 'No Local Command returned', lines: [d.note ?? ''], tone: 'warn' };
      if (d.dropped)
        return { stage: 'ppmid', title: 'Local Command not delivered', lines: [d.dropped], tone: 'warn' };
      return {
        stage: 'ppmid',
        title: `Local Command received (${d.size} bytes of GBCS) for PPMID ${d.ppmid}`,
        lines: d.envelopeId ? [`delivery envelope ${d.envelopeId}`] : [],
        tone: 'info',
      };
    case 'envelope-published':
      return {
        stage: 'ppmid',
        title: 'Delivery envelope published to the PPMID (MQTT, QoS 1)',
        lines: [`${d.topic} · ${d.bytes} bytes`],
        tone: 'info',
      };
    case 'envelope-resent':
      return {
        stage: 'ppmid',
        title: 'Delivery envelope sent again: the PPMID came online without having reported on it',
        lines: [`envelope ${d.envelopeId} · presence ${d.presence}`],
        tone: 'info',
      };
    case 'envelope-publish-failed':
      return {
        stage: 'ppmid',
        title: 'Could not publish the delivery envelope',
        lines: [d.error ?? ''],
        tone: 'bad',
      };
    case 'ppmid-status': {
      const bad = d.outcome === 'rejected' || d.outcome === 'delivery-failed' || d.outcome === 'expired';
      const lines = [];
      if (d.reason) lines.push(reasonWords(d.reason));
      if (d.attempts) lines.push(`attempts ${d.attempts}`);
      if (d.detail) lines.push(String(d.detail));
      if (d.creditReadRefused) lines.push(`credit read not taken as evidence: ${d.creditReadRefused}`);
      if (d.creditRead)
        return {
          stage: 'ppmid',
          title: `PPMID read the meter's credit over the HAN: ${pounds(d.creditRead.creditRemaining)}`,
          lines: [`evidence: ${creditReadLine(d.creditRead)}`, d.creditRead.basis ?? ''].filter(Boolean),
          tone: d.creditRead.matches === false ? 'warn' : 'ok',
        };
      return {
        stage: 'ppmid',
        title: `${OUTCOME_LABEL[d.outcome] ?? `PPMID: ${d.outcome}`}${d.reason && bad ? `: ${d.reason}` : ''}`,
        lines,
        tone: bad ? 'bad' : d.outcome === 'forwarded' ? 'ok' : 'info',
      };
    }
    case 'ppmid-status-refused':
      return {
        stage: 'ppmid',
        title: 'A PPMID status report was refused',
        lines: [d.reason ?? ''],
        tone: 'warn',
      };
    case 'device-response': {
      const bad = typeof d.code === 'string' && /^E/.test(d.code);
      return {
        stage: 'response',
        title: `Response via the WAN: ${d.code}`,
        lines: [d.how, d.gbcsSize ? `${d.gbcsSize} bytes of GBCS` : null].filter(Boolean),
        tone: bad ? 'bad' : 'ok',
      };
    }
    case 'duplicate-response':
      return {
        stage: 'response',
        title: `Second response (${d.code}) recorded, not applied`,
        lines: ['one answer per request (DSP-6): the meter applied the first copy'],
        tone: 'info',
      };
    case 'local-response-returned':
      return {
        stage: 'response',
        title: `Local response returned to the DCC (8.13, command ${d.returnedBy})`,
        lines: [],
        tone: 'info',
      };
    case 'reloaded':
      return { stage: 'duis', title: 'Reloaded after a restart', lines: [d.note ?? ''], tone: 'warn' };
    case 'responded':
      return { stage: 'final', title: 'Responded', lines: [d.reason ?? ''], tone: 'ok' };
    case 'failed':
      return { stage: 'final', title: `Failed: ${d.reason ?? ''}`, lines: [], tone: 'bad' };
    case 'expired':
      return {
        stage: 'final',
        title: `Expired: ${d.reason ?? ''}`,
        lines: d.expiresAt ? [`expiry ${d.expiresAt}`] : [],
        tone: 'warn',
      };
    case 'applied-unconfirmed': {
      const e = d.evidence ?? {};
      const f = e.forwarded ?? {};
      return {
        stage: 'final',
        title: 'Applied, unconfirmed: forwarded by the PPMID into a home without WAN, no device response yet',
        lines: [
          d.reason ?? '',
          `evidence: PPMID ${f.ppmid ?? '?'} reported forwarded at ${f.at ? new Date(f.at).toISOString() : '?'} (report ${f.sequence ?? '?'}, ${f.attempts ?? '?'} HAN transfer(s))`,
          `WAN class when routed: ${e.wanClass ?? 'unknown'}; the buffered response, if it arrives, decides (CH-4)`,
          ...(e.creditRead ? [`evidence: ${creditReadLine(e.creditRead)}`] : []),
        ],
        tone: 'warn',
      };
    }
    case 'late-response':
      return {
        stage: 'response',
        title: `Late response via the WAN: ${d.code} (was ${d.was}, now ${d.now})`,
        lines: ["the meter's response is the truth: it overrides the supplier's own conclusion"],
        tone: d.now === 'responded' ? 'ok' : 'bad',
      };
    case 'response-overdue':
      return {
        stage: 'response',
        title: 'Response overdue',
        lines: [
          'no device response in time: alert raised, later commands to the device no longer wait for it',
          d.expiresAt ? `still open until ${d.expiresAt}` : null,
        ].filter(Boolean),
        tone: 'warn',
      };
    case 'late-event':
      return {
        stage: 'final',
        title: `Late: ${d.reason ?? d.wanted}`,
        lines: [`already ${d.already}`],
        tone: 'info',
      };
    default:
      return { stage: 'final', title: h.kind, lines: [], tone: 'info' };
  }
}

function chReason(r) {
  return CH_REASON_LABEL[r] ?? r;
}

/** An observed hop (the simulated home: CH routing, meter decision, CH response handling) in words. */
export function describeObserved(o) {
  const d = o.detail ?? {};
  switch (o.kind) {
    case 'ch-route': {
      const from =
        d.source === 'ppmid'
          ? `from PPMID ${d.from}`
          : d.source === 'wan'
            ? 'from the SM WAN'
            : `from ${d.source}`;
      if (d.decision === 'discarded')
        return {
          stage: 'ch',
          title: `CH discarded the command ${from}: ${chReason(d.reason)}`,
          lines: [],
          tone: 'bad',
        };
      return {
        stage: 'ch',
        title: `CH routed the command ${from} to ${d.targetType ?? 'the device'} ${d.target}: ${d.decision}`,
        lines: d.reason && d.reason !== 'ok' ? [chReason(d.reason)] : [],
        tone: 'ok',
      };
    }
    case 'meter-decision':
      return d.decision === 'accepted'
        ? {
            stage: 'meter',
            title: `Meter accepted it${d.useCase ? ` (${d.useCase})` : ''}: ${d.reason ?? 'OK'}`,
            lines: [],
            tone: 'ok',
          }
        : {
            stage: 'meter',
            title: `Meter rejected it: ${d.reason ?? ''}`,
            lines: ['GBCS security checks failed: no response, a security alert instead'],
            tone: 'bad',
          };
    case 'ch-response':
      if (d.decision === 'discarded')
        return {
          stage: 'response',
          title: `CH withheld the response: ${chReason(d.reason)}`,
          lines: [],
          tone: 'bad',
        };
      return d.wan === 'buffered' || d.decision === 'queued'
        ? {
            stage: 'response',
            title: "Response waiting in the CH's WAN buffer: the WAN is down (CH-4)",
            lines: ['it goes to the DCC when the WAN is back, never back to the PPMID'],
            tone: 'warn',
          }
        : { stage: 'response', title: 'CH sent the response over the SM WAN', lines: [], tone: 'info' };
    default:
      return { stage: 'ch', title: o.kind, lines: [], tone: 'info' };
  }
}

export const STAGES = [
  ['duis', 'DUIS'],
  ['route', 'Route'],
  ['ppmid', 'PPMID delivery'],
  ['ch', 'CH routing'],
  ['meter', 'Meter decision'],
  ['response', 'Response via WAN'],
];

/**
 * The six stages of a command from its record, its hops and what was
 * observed in the home. Each: { id, label, status: pending|active|done|failed|skipped|unknown, note }.
 */
export function computeStages(command, hopsIn, observedIn, observedAvailable) {
  // In the order they happened (seq), whatever order they reached the page in: a
  // hop that came over SSE while the GET was loading is held before older ones.
  const bySeq = (a, b) => a.seq - b.seq;
  const hops = [...hopsIn].sort(bySeq);
  const observed = [...observedIn].sort(bySeq);
  const s = Object.fromEntries(
    STAGES.map(([id, label]) => [id, { id, label, status: 'pending', note: 'waiting' }]),
  );
  const set = (id, status, note) => Object.assign(s[id], { status, note });
  const route = command.route;
  const terminal = command.terminal;
  // Route
  const rc = hops.find((h) => h.kind === 'route-chosen');
  if (rc) set('route', 'done', ROUTE_LABEL[rc.detail.route] ?? rc.detail.route);
  // DUIS: the delivering CV's answer
  const cvs = command.commandVariants ?? [];
  const delivering = cvs[cvs.length - 1];
  for (const h of hops) {
    const d = h.detail ?? {};
    if (h.kind === 'duis-sent') set('duis', 'active', `CV ${d.cv} sent`);
    if (h.kind === 'in-flight')
      set('duis', 'done', `${d.code ?? 'accepted'}${delivering ? ` · CV ${delivering}` : ''}`);
    if (h.kind === 'duis-answer') {
      if (d.error || (d.httpStatus && d.httpStatus !== 200))
        set('duis', 'failed', d.error ?? `HTTP ${d.httpStatus}`);
      else if (typeof d.code === 'string' && /^E/.test(d.code)) set('duis', 'failed', d.code);
      else if (d.accepted || d.assumed || d.cv === delivering || d.via)
        set('duis', 'done', `${d.code ?? 'accepted'}${d.cv ? ` · CV ${d.cv}` : ''}`);
    }
  }
  // PPMID delivery
  if (route === 'wan' || route === 'dcc') set('ppmid', 'skipped', 'not used (WAN only)');
  else if (route) {
    for (const h of hops) {
      const d = h.detail ?? {};
      if (h.kind === 'local-command-received')
        set(
          'ppmid',
          d.missing || d.dropped ? 'failed' : 'active',
          d.missing || d.dropped ? 'no Local Command' : 'Local Command',
        );
      if (h.kind === 'envelope-published') set('ppmid', 'active', 'envelope published');
      if (h.kind === 'envelope-publish-failed') set('ppmid', 'failed', 'publish failed');
      if (h.kind === 'ppmid-status') {
        if (d.outcome === 'forwarded') set('ppmid', 'done', 'forwarded to the CH');
        else if (d.outcome === 'accepted-queued') set('ppmid', 'active', 'accepted, queued');
        else set('ppmid', 'failed', `${d.outcome}${d.reason ? `: ${d.reason}` : ''}`);
      }
    }
  }
  // CH routing and meter decision: observed in the simulated home only
  if (!observedAvailable) {
    set('ch', 'unknown', 'not visible to a supplier');
    set('meter', 'unknown', 'not visible to a supplier');
  }
  for (const o of observed) {
    const d = o.detail ?? {};
    if (o.kind === 'ch-route') {
      if (d.decision === 'discarded') set('ch', 'failed', `discarded: ${d.reason}`);
      else if (s.ch.status !== 'done') set('ch', 'done', `${d.decision} from ${d.source}`);
    }
    if (o.kind === 'meter-decision')
      set(
        'meter',
        d.decision === 'accepted' ? 'done' : 'failed',
        `${d.decision}${d.reason ? `: ${d.reason}` : ''}`,
      );
    if (o.kind === 'ch-response' && s.response.status === 'pending')
      set(
        'response',
        'active',
        d.wan === 'buffered' || d.decision === 'queued' ? 'in the CH buffer (WAN down)' : 'sent by the CH',
      );
  }
  // Response
  const resp = hops.find((h) => h.kind === 'device-response' || h.kind === 'late-response');
  if (resp) {
    const bad = /^E/.test(resp.detail?.code ?? '');
    set('response', bad ? 'failed' : 'done', resp.detail?.code ?? 'received');
    if (s.meter.status === 'pending' || s.meter.status === 'unknown')
      set('meter', 'done', 'answered (from the response)');
    if (s.ch.status === 'pending' || s.ch.status === 'unknown')
      set('ch', 'done', 'delivered (from the response)');
  }
  if (terminal && command.state !== 'responded' && command.state !== 'applied-unconfirmed') {
    // The stage under way when the command ended failed there; later ones were never reached.
    for (const x of Object.values(s)) {
      if (x.status === 'active') set(x.id, 'failed', `${command.state}: ${x.note}`);
      else if (x.status === 'pending') set(x.id, 'skipped', 'not reached');
    }
  }
  return STAGES.map(([id]) => s[id]);
}

/** Milli-pence as pounds: 5150000 -> "£51.50" (a meter in debt reads negative). */
export function pounds(millipence) {
  const p = Math.round(Math.abs(millipence) / 1000);
  return `${millipence < 0 ? '-' : ''}£${Math.floor(p / 100)}.${String(p % 100).padStart(2, '0')}`;
}

/** The PPMID's own HAN read of the meter's credit (evidence.creditRead), in one line; null without one. */
export function creditReadLine(cr) {
  if (!cr) return null;
  const at = new Date(cr.readAt).toISOString();
  const check =
    cr.matches === true
      ? 'as expected'
      : cr.matches === false
        ? `expected ${pounds(cr.expected)}, ${cr.difference < 0 ? 'less' : 'more'} by ${pounds(Math.abs(cr.difference))}`
        : 'nothing to compare with';
  return `PPMID read credit ${pounds(cr.creditRemaining)} at ${at} (${check})`;
}

/** A command's outcome in one line for the command list. */
export function outcomeLine(c) {
  const credit = creditReadLine(c.evidence?.creditRead);
  if (c.state === 'responded') {
    const line = `responded ${c.response?.code ?? ''}`.trim();
    // the device response confirmed what the supplier had only as evidence
    return c.evidence ? `${line}: confirmed; was applied, unconfirmed${credit ? `; ${credit}` : ''}` : line;
  }
  if (c.state === 'applied-unconfirmed')
    return `applied, unconfirmed: forwarded by PPMID ${c.evidence?.forwarded?.ppmid ?? ''}, no response yet (no WAN)${credit ? `; ${credit}` : ''}`;
  if (c.reason) return c.reason;
  if (c.ppmid) return `PPMID: ${c.ppmid.status}${c.ppmid.reason ? ` (${c.ppmid.reason})` : ''}`;
  return STATE_LABEL[c.state] ?? c.state;
}

/** Of two views of one command, the newer (`version`: hops recorded so far); `a` if they tie or `b` is absent. */
export function newerView(a, b) {
  return !b || (a.version ?? 0) >= (b.version ?? 0) ? a : b;
}
