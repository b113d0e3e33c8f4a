/**
 * Following a supplier command to its end in virtual-time tests.
 */
import { TERMINAL_STATES } from '../../src/supplier/command-states.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { SupplierService } from '../../src/supplier/service.ts';

/**
 * Runs `pump` (the test's virtual-time pump: `pumpUntil(vc, …)`,
 * `pumpVirtual(vc, …)`) until supplier command `id` is in a terminal state,
 * and returns that record: from the supplier's events, or from its tracker
 * when the command got there before the subscription.
 */
export async function untilTerminal(
  supplier: Pick<SupplierService, 'subscribe' | 'tracker'>,
  id: string,
  pump: (done: () => boolean) => Promise<unknown>,
): Promise<CommandRecord> {
  let final: CommandRecord | undefined;
  const off = supplier.subscribe((e) => {
    if (e.type === 'command' && e.command.id === id && TERMINAL_STATES.has(e.command.state))
      final = e.command;
  });
  try {
    const now = supplier.tracker.get(id);
    if (now && TERMINAL_STATES.has(now.state)) final = now;
    await pump(() => final !== undefined);
  } finally {
    off();
  }
  if (!final) throw new Error(`command ${id} did not reach a terminal state`);
  return final;
}
