import { startIssuer, SHAPES, buildFrame } from './fixtures.js';
import protobuf from 'protobufjs';
const iss = await startIssuer();
for (const [i, s] of SHAPES.entries()) {
  const f = await buildFrame(iss, s, i);
  console.log(s.name, 'token', f.tokenBytes, 'frame', f.frame.length);
}
await iss.close();
