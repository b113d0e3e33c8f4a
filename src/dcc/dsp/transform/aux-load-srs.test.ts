/**
 * 6.14.3 (ECS46d) beyond the five templates test/dsp-transform.test.ts pins
 * to their RTDS Pre-Commands: sr:Date wildcards and day-of-week, and bad
 * bodies refused with a typed error (DSP_BODY_INVALID), never a wrong
 * command or a crash. Then the auxiliary load SRs no RTDS template shows
 * (7.6, 7.8, 7.9, 7.14-7.16, and 7.5 for switches other than 1): the use
 * case, script and fields each produces, and its refusals.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { templateXml } from '../../../../test/support/derived-templates.ts';
import { rtdsContext, TEMPLATES_DIR } from '../../../../test/support/dsp-transform.ts';
import { parseDuisRequest, serviceRequest } from '../../../duis/index.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { DspBodyInvalidError, transformServiceRequest } from './index.ts';

const TEMPLATE = readFileSync(
  join(TEMPLATES_DIR, 'ECS46d_6.14.3_IMMEDIATE_APC_INPUT_SUCCESS_REQUEST_DUIS.XML'),
  'utf8',
);

const transform = (xml: string) => transformServiceRequest(parseDuisRequest(xml), rtdsContext());

type Fields = {
  auxiliaryControllerSpecialDays: { entries: { index: number; specialDayDate: string; dayId: number }[] };
  auxiliaryControllerSchedule: {
    entries: { scriptSelector: number; execWeekdays: string; execSpecdays: string; beginDate: string }[];
  };
};

function fieldsOf(xml: string): Fields {
  const m = decodeMessage(transform(xml).gbcs);
  return decodeCommand(m.messageCode, m.content).fields as Fields;
}

describe('6.14.3 Update Device Configuration (Auxiliary Controller Scheduler): ECS46d', () => {
  it('reads sr:Date wildcards (last day of month, day of week) into the COSEM dates', () => {
    const xml = TEMPLATE.replace(
      /<sr:AuxiliaryControllerSpecialDayDefinition identifier="3">[\s\S]*?<\/sr:AuxiliaryControllerSpecialDayDefinition>/,
      `<sr:AuxiliaryControllerSpecialDayDefinition identifier="3"><sr:Year><sr:SpecifiedYear>2016</sr:SpecifiedYear></sr:Year>` +
        `<sr:Month><sr:NonSpecifiedMonth/></sr:Month><sr:DayOfMonth><sr:LastDayOfMonth/></sr:DayOfMonth>` +
        `<sr:DayOfWeek><sr:SpecifiedDayOfWeek>5</sr:SpecifiedDayOfWeek></sr:DayOfWeek></sr:AuxiliaryControllerSpecialDayDefinition>`,
    );
    const f = fieldsOf(xml);
    assert.deepEqual(f.auxiliaryControllerSpecialDays.entries[2], {
      index: 3,
      specialDayDate: '2016-**-254 dow=5',
      dayId: 3,
    });
  });

  it('maps level, input flag, week days and special days of each schedule entry', () => {
    const f = fieldsOf(TEMPLATE);
    const e = f.auxiliaryControllerSchedule.entries;
    assert.equal(e.length, 10);
    assert.equal(e[0].scriptSelector, 0x2180); // controller 1, level 0, input from the controlled load
    assert.equal(e[1].scriptSelector, 0x21b2); // controller 1, level 50
    assert.equal(e[9].scriptSelector, 0x25b2); // controller 5, level 50
    assert.equal(e[0].execWeekdays, '1111100');
    assert.equal(e[1].execSpecdays, '101');
  });

  const bad: [string, (x: string) => string][] = [
    [
      'a special day the definitions do not define',
      (x) =>
        x.replace(
          '<sr:SpecialDaysApplicability identifier="3"/>',
          '<sr:SpecialDaysApplicability identifier="9"/>',
        ),
    ],
    ['a special day definition given twice', (x) => x.replace('identifier="3">', 'identifier="2">')],
    [
      'a day of week given twice',
      (x) => x.replace('<sr:DayOfWeekID>Tuesday</sr:DayOfWeekID>', '<sr:DayOfWeekID>Monday</sr:DayOfWeekID>'),
    ],
    ['a level above 100', (x) => x.replace('<sr:CommandedStateLevel>50<', '<sr:CommandedStateLevel>101<')],
    ['controller 6', (x) => x.replace('auxiliaryControllerN="5"', 'auxiliaryControllerN="6"')],
    [
      'month 13',
      (x) =>
        x.replace('<sr:SpecifiedMonth>12</sr:SpecifiedMonth>', '<sr:SpecifiedMonth>13</sr:SpecifiedMonth>'),
    ],
    ['a switch time that is not a time', (x) => x.replace('09:00:00.00Z', '25:00:00.00Z')],
    [
      'no special day definitions element',
      (x) =>
        x.replace(
          /<sr:AuxiliaryControllerSpecialDayDefinitions>[\s\S]*<\/sr:AuxiliaryControllerSpecialDayDefinitions>/,
          '',
        ),
    ],
  ];
  for (const [what, mutate] of bad)
    it(`refuses ${what} with DSP_BODY_INVALID`, () => {
      const xml = mutate(TEMPLATE);
      assert.notEqual(xml, TEMPLATE, 'the mutation applies');
      assert.throws(
        () => transform(xml),
        (e: unknown) => e instanceof DspBodyInvalidError && e.httpStatus === 400,
      );
    });
});

// ---------------------------------------------------------------- 6.14.2 ECS46c (GBCS V3.1 table)

const ALCS_SCHEDULER = templateXml('ECS46c_6.14.2_DERIVED_REQUEST_DUIS.XML');

describe('6.14.2 Update Device Configuration (ALCS Scheduler): ECS46c (GBCS V3.1 table)', () => {
  it('writes the switch identities, the next ALCS special days and schedule with the scheduled switch scripts, activated now', () => {
    const m = decodeMessage(transform(ALCS_SCHEDULER).gbcs);
    assert.equal(m.messageCode, 0x0054);
    const d = decodeCommand(m.messageCode, m.content);
    assert.equal(d.useCase, 'ECS46c');
    const f = d.fields as Record<
      string,
      { value?: string; entries?: Record<string, unknown>[]; activationTime?: string }
    >;
    assert.deepEqual(Object.keys(f), [
      'alcsDeviceId1',
      'alcsDeviceId2',
      'auxiliaryControllerSpecialDays',
      'auxiliaryControllerSchedule',
      'auxiliaryControllerScheduleActivation',
      'auxiliaryControllerSpecialDaysActivation',
    ]);
    // GBCS V3.1: 0-0:94.44.128.26 activates the calendar, .35 the special days; all zero = now
    assert.equal(f.auxiliaryControllerScheduleActivation.activationTime, '0000-00-00T00:00:00 dow=0');
    assert.equal(f.auxiliaryControllerSpecialDaysActivation.activationTime, '0000-00-00T00:00:00 dow=0');
    assert.equal(f.alcsDeviceId1.value, '0000000000000000'); // an ALCS
    assert.equal(f.alcsDeviceId2.value, '00DB123456789097'); // an HCALCS: its EUI
    assert.deepEqual(f.auxiliaryControllerSpecialDays.entries, [
      { index: 1, specialDayDate: '****-12-25', dayId: 1 },
      { index: 2, specialDayDate: '2027-04-02', dayId: 2 },
    ]);
    const e = f.auxiliaryControllerSchedule.entries ?? [];
    assert.deepEqual(
      e.map((x) => [
        x.index,
        x.scriptLogicalName,
        x.scriptSelector,
        x.switchTime,
        x.execWeekdays,
        x.execSpecdays,
      ]),
      [
        [1, '0-0:10.0.103.255', 0x0201, '18:00:00', '1111100', '00'],
        [2, '0-0:10.0.103.255', 0x0202, '22:00:00', '1111100', '10'],
      ],
    );
    assert.equal(e[0].beginDate, '****-06-21');
    assert.equal(e[0].endDate, '****-09-21');
  });

  it('a future-dated 6.14.2 is future-dated on the device (GBCS V3.1: ECS46c is): both activation times are the ExecutionDateTime', () => {
    const xml = ALCS_SCHEDULER.replace(
      '<sr:UpdateDeviceConfigurationALCScheduler>',
      '<sr:UpdateDeviceConfigurationALCScheduler><sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime>',
    );
    const r = transform(xml);
    assert.equal(r.dspScheduledAt, undefined, 'not held by the DSP');
    const m = decodeMessage(r.kind === 'command' ? r.apdu : r.gbcs);
    assert.equal(m.messageCode, 0x0054);
    const f = decodeCommand(m.messageCode, m.content).fields as Record<string, { activationTime?: string }>;
    const at = f.auxiliaryControllerScheduleActivation.activationTime;
    assert.match(at ?? '', /^2030-01-01T00:00:00/);
    assert.equal(f.auxiliaryControllerSpecialDaysActivation.activationTime, at);
  });

  const bad: [string, (x: string) => string][] = [
    [
      'a special day not defined',
      (x) =>
        x.replace('<sr:SpecialDaysApplicability index="1"/>', '<sr:SpecialDaysApplicability index="7"/>'),
    ],
    [
      'a special day defined twice',
      (x) => x.replace('<sr:ALCSHCALCSSpecialDay index="2">', '<sr:ALCSHCALCSSpecialDay index="1">'),
    ],
    [
      'a switch identity given twice',
      (x) => x.replace('<sr:SwitchTypeAndId index="2">', '<sr:SwitchTypeAndId index="1">'),
    ],
    [
      'switch 6',
      (x) => x.replace('<sr:ActivateDeactivateSwitch index="2">', '<sr:ActivateDeactivateSwitch index="6">'),
    ],
    ['a switch with neither action', (x) => x.replace('<sr:ActivateSwitch/>', '')],
    ['an HCALCS id that is not an EUI', (x) => x.replace('00-DB-12-34-56-78-90-97', 'XYZ')],
    [
      'no connection schedule',
      (x) => x.replace(/<sr:ALCSHCALCSConnectionSchedule>[\s\S]*<\/sr:ALCSHCALCSConnectionSchedule>/, ''),
    ],
  ];
  for (const [what, mutate] of bad)
    it(`refuses ${what} with DSP_BODY_INVALID`, () => {
      const xml = mutate(ALCS_SCHEDULER);
      assert.notEqual(xml, ALCS_SCHEDULER, 'the mutation applies');
      assert.throws(
        () => transform(xml),
        (e: unknown) => e instanceof DspBodyInvalidError && e.httpStatus === 400,
      );
    });
});

// ---------------------------------------------------------------- 7.5-7.16 beyond the RTDS templates

/** A DUIS request for `srv` (CV 1 for a non-critical SR, 4 for a critical one) with `body` as its sr:Body content. */
function request(srv: string, body: string): string {
  const cv = serviceRequest(srv)!.class === 'critical' ? 4 : 1;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">` +
    `<sr:Header><sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000</sr:RequestID>` +
    `<sr:CommandVariant>${cv}</sr:CommandVariant><sr:ServiceReference>${srv.split('.').slice(0, 2).join('.')}</sr:ServiceReference>` +
    `<sr:ServiceReferenceVariant>${srv}</sr:ServiceReferenceVariant></sr:Header><sr:Body>${body}</sr:Body></sr:Request>`
  );
}

/** The use case and named fields of the GBCS command `srv` with `body` becomes. */
function command(
  srv: string,
  body: string,
): { useCase: string; code: number; fields: Record<string, unknown> } {
  const r = transform(request(srv, body));
  const m = decodeMessage(r.kind === 'command' ? r.apdu : r.gbcs);
  const d = decodeCommand(m.messageCode, m.content);
  return { useCase: d.useCase, code: m.messageCode, fields: d.fields as Record<string, unknown> };
}

const switchBody = (el: string, inner: string, index: number, duration?: number) =>
  `<sr:${el}><sr:${inner} index="${index}">${duration === undefined ? '' : `<sr:Duration>${duration}</sr:Duration>`}</sr:${inner}></sr:${el}>`;
const boost = (el: string, inner: string, values: [number, boolean][]) =>
  `<sr:${el}>${values.map(([i, v]) => `<sr:${inner} index="${i}">${v}</sr:${inner}>`).join('')}</sr:${el}>`;
const STATE_BODY =
  '<sr:StartDateTime>2015-01-03T00:00:00.00Z</sr:StartDateTime><sr:EndDateTime>2015-01-03T01:00:00.00Z</sr:EndDateTime>' +
  '<sr:CommandedStateLevel>40</sr:CommandedStateLevel>';

describe('7.5 / 7.6 / 7.8 Activate, Deactivate, Reset Auxiliary Load: ECS47 with the switch script', () => {
  it('7.5 switch 2 for 90: script 0x0211, the Duration in the selector (RTDS switch 1: 0x0111)', () => {
    const c = command('7.5', switchBody('ActivateAuxiliaryLoad', 'ActivateALCSHCALCS', 2, 90));
    assert.equal(c.useCase, 'ECS47');
    assert.deepEqual(c.fields, {
      alcsStateScriptSelector: { value: 90 },
      alcsStateScripts: { execute: 0x0211 },
    });
  });
  it('7.6 switch 3 for 45: ECS47 (0x0055), script 0x0312', () => {
    const c = command('7.6', switchBody('DeactivateAuxiliaryLoad', 'DeactivateALCSHCALCS', 3, 45));
    assert.equal(c.code, 0x0055);
    assert.deepEqual(c.fields, {
      alcsStateScriptSelector: { value: 45 },
      alcsStateScripts: { execute: 0x0312 },
    });
  });
  it('7.8 switch 5: script 0x0520, selector 0 (Reset has no Duration)', () => {
    const c = command('7.8', switchBody('ResetAuxiliaryLoad', 'ResetALCSHCALCS', 5));
    assert.deepEqual(c.fields, {
      alcsStateScriptSelector: { value: 0 },
      alcsStateScripts: { execute: 0x0520 },
    });
  });
  for (const [what, srv, body] of [
    ['7.6 switch 6', '7.6', switchBody('DeactivateAuxiliaryLoad', 'DeactivateALCSHCALCS', 6, 1)],
    ['7.6 Duration 65536', '7.6', switchBody('DeactivateAuxiliaryLoad', 'DeactivateALCSHCALCS', 1, 65536)],
    ['7.6 without Duration', '7.6', switchBody('DeactivateAuxiliaryLoad', 'DeactivateALCSHCALCS', 1)],
    ['7.8 switch 0', '7.8', switchBody('ResetAuxiliaryLoad', 'ResetALCSHCALCS', 0)],
  ] as const)
    it(`refuses ${what} with DSP_BODY_INVALID`, () => {
      assert.throws(
        () => command(srv, body),
        (e: unknown) => e instanceof DspBodyInvalidError,
      );
    });
});

describe('7.9 Add Auxiliary Load to Boost Button: ECS62, the five associations as given', () => {
  const all = (v: (i: number) => boolean) => [1, 2, 3, 4, 5].map((i) => [i, v(i)] as [number, boolean]);
  it('adds switches 1, 3 and 5 (any document order)', () => {
    const c = command(
      '7.9',
      boost('AddAuxiliaryLoadToBoostButton', 'AddToBoostButton', all((i) => i % 2 === 1).reverse()),
    );
    assert.equal(c.useCase, 'ECS62');
    assert.deepEqual(c.fields, {
      boostButtonAlcs1: { value: true },
      boostButtonAlcs2: { value: false },
      boostButtonAlcs3: { value: true },
      boostButtonAlcs4: { value: false },
      boostButtonAlcs5: { value: true },
    });
  });
  it('7.10 with the same values gives the negation (remove)', () => {
    const c = command(
      '7.10',
      boost(
        'RemoveAuxiliaryLoadFromBoostButton',
        'RemoveFromBoostButton',
        all((i) => i % 2 === 1),
      ),
    );
    assert.deepEqual(c.fields.boostButtonAlcs1, { value: false });
    assert.deepEqual(c.fields.boostButtonAlcs2, { value: true });
  });
  it('refuses an index given twice, and four entries', () => {
    const twice = all(() => true);
    twice[4] = [1, false];
    assert.throws(
      () => command('7.9', boost('AddAuxiliaryLoadToBoostButton', 'AddToBoostButton', twice)),
      DspBodyInvalidError,
    );
    assert.throws(
      () =>
        command(
          '7.9',
          boost('AddAuxiliaryLoadToBoostButton', 'AddToBoostButton', all(() => true).slice(0, 4)),
        ),
      DspBodyInvalidError,
    );
  });
});

describe('7.14 / 7.15 reads and 7.16 Limit APC Level (ECS61d, ECS61e, ECS47e: GBCS later use-case table, c5d22f4e)', () => {
  it('7.14 reads the descriptions and the current (channel 0) calendar (ECS61d 0x011C)', () => {
    const c = command('7.14', '<sr:ReadAuxiliaryControllerConfigurationData/>');
    assert.equal(c.code, 0x011c);
    assert.deepEqual(Object.keys(c.fields), [
      'alcsLabel1',
      'alcsLabel2',
      'alcsLabel3',
      'alcsLabel4',
      'alcsLabel5',
      'alcsSpecialDays',
      'alcsSchedule',
    ]);
  });
  it('7.15 reads the type and identifier and the state information of each controller (ECS61e 0x011D)', () => {
    const c = command('7.15', '<sr:ReadAuxiliaryControllerOperationalData/>');
    assert.equal(c.code, 0x011d);
    assert.equal(Object.keys(c.fields).length, 10);
    assert.deepEqual(c.fields.auxControllerStateInformation3, { value: null });
    assert.equal(c.fields.alcs3, undefined);
  });
  it("7.16 sets APC N's limit period and runs its own script (ECS47e 0x011F); 7.13 the setting period of controller N", () => {
    const body = `<sr:LimitAPCLevel auxiliaryControllerN="2">${STATE_BODY}</sr:LimitAPCLevel>`;
    const limit = command('7.16', body);
    const set = command('7.13', body.replaceAll('LimitAPCLevel', 'SetAuxiliaryControllerState'));
    assert.equal(limit.code, 0x011f);
    assert.equal(limit.useCase, 'ECS47e');
    assert.deepEqual(Object.keys(limit.fields), ['apcLimitStart2', 'apcLimitEnd2', 'apcLimitScripts']);
    assert.deepEqual(limit.fields.apcLimitScripts, { execute: 0x1228 });
    assert.equal(set.useCase, 'ECS47a');
    assert.deepEqual(Object.keys(set.fields), [
      'auxControllerSettingStart2',
      'auxControllerSettingEnd2',
      'alcsStateScripts',
    ]);
    assert.deepEqual(set.fields.alcsStateScripts, { execute: 0x1228 });
  });
  it('7.16 refuses an end before the start (DSP_BODY_INVALID)', () => {
    const reversed = STATE_BODY.replace('T00:00:00.00Z</sr:Start', 'T02:00:00.00Z</sr:Start');
    assert.throws(
      () => command('7.16', `<sr:LimitAPCLevel auxiliaryControllerN="1">${reversed}</sr:LimitAPCLevel>`),
      DspBodyInvalidError,
    );
  });
});
