/* `npulens devices`: the NN devices of the runtime and which one each --device policy picks. */
import { parse } from './args';
import { table } from './format';
import type { Io } from './io';
import { DEVICE_POLICIES, type Backend } from './model';

export function devices(args: string[], io: Io, backend: Backend): number {
  parse(args, {}, false);
  const list = backend.listDevices();
  io.stdout.write(table(['device', 'type', 'picked by'],
    list.map((d) => [d.name, d.type, d.selectedBy.length > 0 ? d.selectedBy.join(', ') : '-']), [false, false, false], ''));
  for (const policy of DEVICE_POLICIES) {
    const picked = list.find((d) => d.selectedBy.includes(policy));
    io.stdout.write(`--device ${policy}: ${picked ? `${picked.name} (${picked.type})` : 'no device (fails)'}\n`);
  }
  if (!list.some((d) => d.name === 'HIAI_F')) {
    io.stdout.write('This host has no NPU (no NNRt device named HIAI_F): models run on the host CPU runtime.\n');
  }
  return 0;
}
