/**
 * 6.14.3 (ECS46d) beyond the five templates test/dsp-transform.test.ts pins
 * to their RTDS Pre-Commands: sr:Date wildcards and day-of-week, and bad
 * bodies refused with a typed error (DSP_BODY_INVALID), never a wrong
 * command or a crash.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rtdsContext, TEMPLATES_DIR } from '../../../../test/support/dsp-transform.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
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
