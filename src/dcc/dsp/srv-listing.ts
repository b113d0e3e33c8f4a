/**
 * `dsp srs --json`: the SRV table as one object per SRV, with what the
 * transforms build and, from the DSP's GBCS role check (access.ts), why an
 * SRV is refused to every user. Kept apart from srv-table.ts because
 * access.ts reads the table: the table must not import the check back.
 */
import { useCaseById } from '../../gbcs/use-cases/index.ts';
import { gbcsRefusalForEveryUser, gbcsRoleMayRequest, userGbcsRoles } from './access.ts';
import { signerCellRefusal } from './signer-cells.ts';
import { srvSupported, srvTable } from './srv-table.ts';
import { acbFrontedTargets } from './transform/acb-fronting.ts';
import { notBuiltReason, srvTransform } from './transform/registered.ts';

/** `dsp srs --json`: one object per SRV. */
export function srvListing(): Record<string, unknown>[] {
  return srvTable().map((e) => {
    const t = srvTransform(e.srv);
    const o: Record<string, unknown> = {
      srv: e.srv,
      name: e.name,
      supported: srvSupported(e.srv),
      kind: e.kind,
      class: e.class,
      bodyElement: e.bodyElement,
      futureDating: e.futureDating,
      targets: [...e.targets],
      roles: [...e.roles],
      commandVariants: [...e.commandVariants],
      useCases: e.useCases.map((u) => ({
        useCase: u.useCase,
        messageCode: `0x${u.messageCode.toString(16).toUpperCase().padStart(4, '0')}`,
        targets: [...u.targets],
        critical: u.critical,
      })),
    };
    const everyUser = e.class === 'non-device' ? undefined : gbcsRefusalForEveryUser(e.srv);
    if (everyUser) o.gbcsRoleRefusal = everyUser;
    // the target types that hold no cell for the command's originator (signer-cells.ts): refused with E11 for
    // every user the GBCS role check lets through on that type (the others are refused before, gbcsRoleRefusal)
    const noCell =
      e.class === 'non-device'
        ? []
        : e.targets.flatMap((t) => {
            const may = e.roles.filter((r) => gbcsRoleMayRequest(e.srv, t, r));
            return may.length === 0 ? [] : (signerCellRefusal(e.srv, t, userGbcsRoles(may, may)) ?? []);
          });
    if (noCell.length > 0)
      o.trustAnchorRefusal = `refused with E11 (DSP_DEVICE_TYPE_MISMATCH): ${noCell.join('; ')}`;
    if (e.refused.length > 0)
      o.refused = e.refused.map((r) => {
        const x: Record<string, unknown> = { cvs: [...r.cvs], reason: r.reason };
        if (r.unlessPolicy) x.unlessPolicy = r.unlessPolicy;
        return x;
      });
    if (t) {
      o.transform = {
        originator: t.originator,
        futureDating: t.futureDating,
        useCases: t.useCases.map((u) => {
          const x: Record<string, unknown> = {
            useCase: u.useCase,
            messageCode: `0x${u.messageCode.toString(16).toUpperCase().padStart(4, '0')}`,
            target: [...u.targets],
            payload: u.payload,
          };
          if (u.whenText) x.when = u.whenText;
          // who is the GBCS Originator: the rule's kind; for a user-originated rule, the ACB where it fronts
          // for the user (acb-fronting.ts: the one rule the transform, CV 5/6/7 and signer-cells.ts follow)
          const kind = u.originator ?? t.originator;
          x.originator = kind;
          if (kind === 'user') {
            const fronted = acbFrontedTargets(u.useCase, u.targets, userGbcsRoles(e.roles, e.roles));
            if (fronted.length > 0)
              x.originatorByTarget = Object.fromEntries(
                fronted.map((f) => [f.target, { originator: 'acb', for: f.for, reason: f.reason }]),
              );
          }
          return x;
        }),
      };
      if (t.notTransformed)
        o.notTransformed = { ...t.notTransformed, targets: [...t.notTransformed.targets] };
    } else if (!o.supported) {
      const unknown = e.useCases.filter((u) => useCaseById(u.useCase)?.payloadUnknown);
      o.reason =
        e.class === 'non-device'
          ? 'no non-device handler in this DSP: refused with E11 (DSP_UNSUPPORTED_SERVICE_REQUEST)'
          : notBuiltReason(e.srv)
            ? `no GBCS transform for this SRV in this DSP yet (${notBuiltReason(e.srv)}): refused with E11 (DSP_UNSUPPORTED_SERVICE_REQUEST)`
            : unknown.length > 0 && unknown.length === e.useCases.length
              ? `${unknown.map((u) => `${u.useCase} (${u.targets.join(', ')})`).join(', ')}: the catalogue row has no payload (payloadUnknown: no RTDS example or confirmed row establishes its objects); refused with E11 (DSP_UNSUPPORTED_SERVICE_REQUEST)`
              : 'no GBCS transform for this SRV in this DSP yet: refused with E11 (DSP_UNSUPPORTED_SERVICE_REQUEST)';
    }
    return o;
  });
}
