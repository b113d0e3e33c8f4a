/**
 * One worker thread of the DSP's front (dsp-workers.ts): runs checks 0-2 of
 * DUIS requests (front.ts: cheap checks, XSD in process, XML-DSig verify and
 * parse) and builds and signs DUIS Responses, for the DSP on the main thread.
 * It holds a copy of the users and their XML-signing certificates, replaced
 * whenever the DSP's change (each outcome says which generation it used).
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
import type { FrontWorkerInit, FrontWorkerReply, FrontWorkerRequest } from './dsp-workers.ts';
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

port.on('message', (m: FrontWorkerRequest) => {
  let reply: FrontWorkerReply;
  switch (m.type) {
    case 'users':
      users = new Set(m.users.map((u) => u.eui));
      checks.trust = new XmlSigningCertificateStore(m.users.flatMap((u) => u.certificates));
      generation = m.generation;
      return;
    case 'check': {
      const outcome = frontChecks(m.input, checks, m.tlsUser, m.now);
      if (outcome.kind === 'verified') delete outcome.request.definition;
      reply = { id: m.id, generation, outcome };
      break;
    }
    case 'sign':
      try {
        reply = { id: m.id, xml: signBuiltDuis(buildDuisResponseDocument(m.response), signer) };
      } catch (e) {
        reply = { id: m.id, error: errText(e) };
      }
      break;
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
