import { test } from 'vitest';
import { main } from '../../src/cli/main.js';
test('quick', async () => {
  let out = '', err = '';
  const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), stdoutIsTTY: false, stderrIsTTY: true, env: {}, cwd: process.cwd() };
  const code = await main(['calibrate', '--threads', '1', '-o', '/tmp/exp/dev.json'], io);
  console.log(code, out, JSON.stringify(err.slice(0, 300)));
  out = ''; err = '';
  const code2 = await main(['profile', 'zoo:shufflenet_v2_x0_5', '--threads', '1', '--runs', '10', '--device-profile', '/tmp/exp/dev.json'], io);
  console.log(code2, out, JSON.stringify(err.slice(0, 200)));
  out = ''; err = '';
  const code3 = await main(['profile', 'zoo:shufflenet_v2_x0_5', '--ep', 'cuda'], io);
  console.log(code3, out, err);
  out = ''; err = '';
  const code4 = await main(['profile', 'zoo:shufflenet_v2_x0_5', '--ep', 'dml'], io);
  console.log(code4, out, err);
}, 300000);
