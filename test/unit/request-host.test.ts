import { describe, expect, it } from 'vitest';
import { hostOnly } from '../../src/request/build.js';

describe('hostOnly: the host an authority names, or nothing when a server would not route it', () => {
  it.each([
    ['kube.example.com', 'kube.example.com'],
    ['KUBE.example.com:6443', 'kube.example.com'],
    ['kube.example.com.', 'kube.example.com'],
    ['[::1]', '[::1]'],
    ['[::1]:6443', '[::1]'],
    ['[2001:db8::1]:443', '[2001:db8::1]'],
  ])('%s is %s', (authority, host) => expect(hostOnly(authority)).toBe(host));

  it.each([['[::1]junk'], ['[::1]:'], ['[::1]:99999x'], ['[::1]kube.example.com'], ['[]'], ['[zz]'], ['kube.example.com:x:1'], [''], ['kube.example.com..'], ['.kube.example.com'], ['kube..example.com'], ['.'], ['kube.example.com..:443']])('%s is refused', (authority) =>
    expect(hostOnly(authority)).toBeUndefined(),
  );
});
