/**
 * One worker thread of the DSP's front (dsp-workers.ts): runs checks 0-2 of
 * DUIS requests (front.ts: cheap checks, XSD in process, XML-DSig verify and
 * parse) and builds and signs DUIS Responses, for the DSP on the main thread.
 * It holds a copy of the users and their XML-signing certificates, replaced
 * whenever the DSP's change (each outcome says which generation it used).
 * Calls come in batches and are answered with one message per batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  buildDuisResponseDocument,
  type DuisXsdValidation,
  signBuiltDuis,
  XmlSigningCertificateStore,
  xmlSigner,
} from '../../duis/index.ts';
import { InProcessDuisXsdValidator } from '../../duis/xsd-inprocess.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type {
  FrontWorkerCall,
  FrontWorkerInit,
  FrontWorkerReply,
  FrontWorkerRequest,
} from './dsp-workers.ts';
import { errText, type FrontChecks, frontChecks } from './front.ts';

const port = parentPort;
if (!port) throw new Error('front-worker.ts runs as a worker thread');
const init = workerData as FrontWorkerInit;
const signer = xmlSigner(init.signerKey, new Uint8Array(init.signerCertDer));
const xsd: DuisXsdValidation | undefined = init.xsd ? InProcessDuisXsdValidator.shared() : undefined;
let users = new Set<Eui>();
let generation = -1;
const checks: FrontChecks = {
  knownUser: (eui) => users.has(eui),
  limits: init.limits,
  xsd,
  trust: new XmlSigningCertificateStore(),
};

function answer(m: FrontWorkerCall): FrontWorkerReply {
  switch (m.type) {
    case 'check': {
      const outcome = frontChecks(m.input, checks, m.tlsUser, m.now);
      if (outcome.kind === 'verified') delete outcome.request.definition;
      return { id: m.id, generation, outcome };
    }
    case 'sign':
      try {
        return { id: m.id, xml: signBuiltDuis(buildDuisResponseDocument(m.response), signer) };
      } catch (e) {
        return { id: m.id, error: errText(e) };
      }
  }
}

port.on('message', (m: FrontWorkerRequest) => {
  if (m.type === 'users') {
    users = new Set(m.users.map((u) => u.eui));
    checks.trust = new XmlSigningCertificateStore(m.users.flatMap((u) => u.certificates));
    generation = m.generation;
    return;
  }
  // a batch: one message back with every answer
  port.postMessage(m.calls.map(answer));
});
port.postMessage({ ready: true });
