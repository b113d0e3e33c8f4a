/**
 * Device SRs by which the DCC replaces credentials it holds on a device
 * (DUIS 6.21, 6.23, 8.5): non-critical for the user, but the GBCS command
 * is originated by a DCC party with its own counter and no Supplementary
 * Remote Party, and signed by it where GBCS requires a KRP signature. The
 * fields are those of every CS02b (credentials.ts).
 *
 * Facts used (RTDS commands next to the DUIS templates; MAC by the ACB in
 * all three):
 * - 6.21 Request Handover of DCC Controlled Device: CS02bNOByNOHandover
 *   (mode 3), originated and signed by the ACB (the DCC as network operator
 *   of the device, authorising cell NetworkOperator/DS), floors as
 *   replacing its own role. Only RemotePartyRole NetworkOperator has a
 *   use case here; other roles are DSP_BODY_INVALID.
 * - 6.23 Update Security Credentials (CoS): CS02bSupplierByTransCoS (mode 7)
 *   originated and signed by the transitional CoS party (authorising cell
 *   TransCoS/DS), the supplier's floors in remotePartySeqNumberChanges, the
 *   supplier's certificates; device future dating (GeneralizedTime, as
 *   6.15.1); a cancellation carries no floors (RTDS CANCELLATION). ImportMPxN is the DCC's check and is not in the command.
 * - 8.5 Service Opt Out: CS02bACBByACB (mode 4), originated by the ACB,
 *   not signed (null signature: the ACB's MAC authorises), no authorising
 *   cell; the ACB's new floor in newRemotePartyFloorSeqNumber. Mandatory
 *   future dating, held by the DSP (no execution time in the RTDS command).
 */
import type { DeviceType } from '../../../duis/index.ts';
import { base64, bool, group, one, opt, str } from './body-reader.ts';
import {
  byRole,
  CERTIFICATION_PATH,
  type CredentialsBody,
  certificates,
  floor,
  ROLE_NUMBER,
  remotePartyRole,
  updateCredentials,
} from './credentials.ts';
import { deviceSrv } from './device-srs.ts';
import { DUIS_CANCELLATION_DATE_TIME } from './encoding.ts';
import { DspBodyInvalidError } from './errors.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';

// biome-ignore lint/suspicious/noExplicitAny: body types are per row
type B = any;

const CREDENTIAL_TARGETS: DeviceType[] = ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID'];
const path = one('CertificationPathCertificates', CERTIFICATION_PATH);
const apply = one('ApplyTimeBasedCPVChecks', bool);

const credentialsOf =
  (role: (b: B) => CredentialsBody['role']) =>
  (b: B): CredentialsBody => ({
    role: role(b),
    floor: b.floor,
    topUpFloor: b.topUpFloor,
    certs: b.certs,
    path: b.path.certs,
    applyTimeBasedCpvChecks: b.applyTimeBasedCpvChecks,
  });

const SIGNED = { originator: 'dcc' as const, acbSigns: true as const };

/** 8.5's ExecutionDateTime is mandatory (DUIS MandatoryFutureDatedAbstractType). */
function mandatoryDate<T>(f: (i: BuildInput<B>) => T) {
  return (i: BuildInput<B>) => {
    if (i.body.executionDateTime === undefined)
      throw new DspBodyInvalidError('ExecutionDateTime is mandatory for 8.5', 'ServiceOptOut');
    return f(i);
  };
}

export const CREDENTIALS_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<B>('6.21', {
    futureDating: 'device',
    body: {
      role: one('RemotePartyRole', remotePartyRole),
      floor: opt('RemotePartyFloorSeqNumber', floor),
      topUpFloor: opt('RemotePartyPrepaymentTopUpFloorSeqNumber', floor),
      certs: one('ReplacementCertificates', certificates),
      path,
      applyTimeBasedCpvChecks: apply,
    },
    useCases: [
      {
        useCase: 'CS02bNOByNOHandover',
        targets: CREDENTIAL_TARGETS,
        ...SIGNED,
        dccParty: 'acb',
        when: (b) => b.role === 'NetworkOperator',
        whenText: 'RemotePartyRole NetworkOperator: the ACB (the DCC as network operator) signs',
        fields: updateCredentials(
          0x03,
          byRole(ROLE_NUMBER.NetworkOperator),
          credentialsOf((b) => b.role),
        ),
      },
    ],
  }),
  deviceSrv<B>('6.23', {
    futureDating: 'device',
    body: {
      floor: one('SupplierFloorSeqNumber', floor),
      topUpFloor: opt('SupplierPrepaymentTopUpFloorSeqNumber', floor),
      certs: one('SupplierReplacementCertificates', certificates),
      path,
      applyTimeBasedCpvChecks: apply,
      importMpxn: one('ImportMPxN', str(1, 13)),
    },
    useCases: [
      {
        useCase: 'CS02bSupplierByTransCoS',
        targets: CREDENTIAL_TARGETS,
        ...SIGNED,
        dccParty: 'transitionalCoS',
        whenText: 'the transitional CoS party originates and signs',
        fields: updateCredentials(0x07, byRole(ROLE_NUMBER.TransCoS), (b) => {
          const c = credentialsOf(() => 'Supplier')(b);
          // a cancellation changes no floors (RTDS 6.23 CANCELLATION; 6.15.1's keeps them)
          return b.executionDateTime?.getTime() === DUIS_CANCELLATION_DATE_TIME
            ? { ...c, floor: undefined, topUpFloor: undefined }
            : c;
        }),
      },
    ],
  }),
  deviceSrv<B>('8.5', {
    body: {
      floor: one('ACBFloorSeqNumber', floor),
      certs: one(
        'ReplacementCertificates',
        group({ ds: opt('DigitalSigningCertificate', base64), ka: one('KeyAgreementCertificate', base64) }),
      ),
      path,
      applyTimeBasedCpvChecks: apply,
    },
    useCases: [
      {
        useCase: 'CS02bACBByACB',
        targets: ['ESME'],
        originator: 'dcc',
        dccParty: 'acb',
        whenText: 'the ACB originates (MAC only, no signature); the DSP holds it until ExecutionDateTime',
        fields: mandatoryDate(
          updateCredentials(
            0x04,
            byRole(null),
            credentialsOf(() => 'ACB'),
          ),
        ),
      },
    ],
  }),
];
