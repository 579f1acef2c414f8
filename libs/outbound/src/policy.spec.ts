import { classifyAddress, OutboundPolicy, OutboundRefused, parseAllowList } from '@pl/outbound';
import { answers, noDnsInTests as noDns } from '../../../test/support/outbound';

const resolving = (...addresses: string[]) => answers(addresses);

describe('outbound address policy (ARCHITECTURE invariant 14)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.0.0.5', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'private'],
    ['fc00::1', 'private'],
    ['fec0::1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.254', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['2001::1', 'reserved'], // Teredo
    ['100::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::127.0.0.1', 'loopback'], // IPv4-compatible (deprecated)
    ['::8.8.8.8', 'reserved'],
    ['64:ff9b::10.0.0.5', 'private'], // NAT64 with an embedded private address
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b:1::1', 'private'],
    ['2002:a00:5::1', 'private'], // 6to4 of 10.0.0.5
    ['2002:7f00:1::', 'loopback'],
    ['4000::1', 'reserved'], // outside 2000::/3
    ['8.8.8.8', 'public'],
    ['100.128.0.1', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('is not fooled by the numeric forms WHATWG URL normalises (2130706433, 0x7f.1, 127.1, 0177.0.0.1, [::ffff:127.0.0.1])', async () => {
    const policy = OutboundPolicy.fromSetting(null, noDns);
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://0177.0.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://0xa9fea9fe/', 'http://[fd00::1]:8080/', 'http://0/']) {
      await expect(policy.vet(url)).rejects.toMatchObject({ outcome: 'refused_destination' });
    }
  });

  it('refuses names that resolve to refused addresses, without naming the address', async () => {
    for (const answer of [['169.254.169.254'], ['10.0.0.5'], ['fd00::1'], ['93.184.215.14', '10.0.0.5'], ['::ffff:127.0.0.1']]) {
      const refused = await OutboundPolicy.fromSetting(null, resolving(...answer)).vet('https://hooks.example.com/x').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OutboundRefused);
      expect(refused).toMatchObject({ outcome: 'refused_destination' });
      for (const a of answer) expect((refused as Error).message).not.toContain(a);
    }
  });

  it('accepts names that resolve to public addresses only and returns them to be pinned', async () => {
    const vetted = await OutboundPolicy.fromSetting(null, resolving('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c')).vet('https://hooks.example.com/x');
    expect(vetted.hostname).toBe('hooks.example.com');
    expect(vetted.addresses.map((a) => a.address)).toEqual(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
  });

  it('says when a name does not resolve, and refuses other schemes and credentials', async () => {
    const policy = OutboundPolicy.fromSetting(null, noDns);
    await expect(policy.vet('https://nowhere.example/')).rejects.toMatchObject({ outcome: 'name_not_resolved' });
    await expect(OutboundPolicy.fromSetting(null, resolving()).vet('https://empty.example/')).rejects.toMatchObject({ outcome: 'name_not_resolved' });
    await expect(policy.vet('ftp://8.8.8.8/')).rejects.toMatchObject({ outcome: 'invalid_url' });
    await expect(policy.vet('http://u:p@8.8.8.8/')).rejects.toMatchObject({ outcome: 'invalid_url' });
    await expect(policy.vet('not a url')).rejects.toMatchObject({ outcome: 'invalid_url' });
  });

  it('lets an operator allow private networks and host names, never unspecified, multicast or broadcast', async () => {
    const policy = OutboundPolicy.fromSetting('127.0.0.1/32, ::1 10.1.0.0/16,hooks.internal.', resolving('10.9.9.9'));
    expect(policy.refusal('127.0.0.1')).toBeNull();
    expect(policy.refusal('::ffff:127.0.0.1')).toBeNull();
    expect(policy.refusal('::1')).toBeNull();
    expect(policy.refusal('10.1.200.3')).toBeNull();
    expect(policy.refusal('127.0.0.2')).toBe('loopback');
    expect(policy.refusal('10.2.0.1')).toBe('private');
    expect(policy.refusal('169.254.169.254')).toBe('link-local');
    await expect(policy.vet('http://127.0.0.1:9/')).resolves.toMatchObject({ addresses: [{ address: '127.0.0.1', family: 4 }] });
    await expect(policy.vet('https://HOOKS.internal/x')).resolves.toMatchObject({ addresses: [{ address: '10.9.9.9' }] });
    await expect(policy.vet('https://other.internal/x')).rejects.toMatchObject({ outcome: 'refused_destination' });
    // registration accepts an allow-listed name unresolved; everything else as vet
    await expect(OutboundPolicy.fromSetting('hooks.internal', noDns).admit('https://hooks.internal/x')).resolves.toBeUndefined();
    await expect(OutboundPolicy.fromSetting('hooks.internal', noDns).admit('https://other.internal/x')).rejects.toMatchObject({ outcome: 'name_not_resolved' });
    await expect(OutboundPolicy.fromSetting('hooks.internal', noDns).admit('http://10.0.0.1/')).rejects.toMatchObject({ outcome: 'refused_destination' });
    await expect(OutboundPolicy.fromSetting('hooks.internal', noDns).admit('ftp://hooks.internal/')).rejects.toMatchObject({ outcome: 'invalid_url' });

    const everything = OutboundPolicy.fromSetting('0.0.0.0/0,::/0');
    expect(everything.refusal('10.0.0.1')).toBeNull();
    for (const a of ['0.0.0.0', '224.0.0.1', '255.255.255.255', '::', 'ff02::1']) expect(everything.refusal(a)).not.toBeNull();
    await expect(OutboundPolicy.fromSetting('hooks.internal', resolving('0.0.0.0')).vet('http://hooks.internal/')).rejects.toMatchObject({ outcome: 'refused_destination' });
  });

  it('rejects a malformed allow-list entry by position, without echoing it', () => {
    expect(() => parseAllowList('10.0.0.0/8,10.0.0.0/33')).toThrow('OUTBOUND_ALLOWED_PRIVATE_NETWORKS: entry 2 is neither');
    expect(() => parseAllowList('300.1.1.1')).toThrow(/entry 1/);
    expect(() => parseAllowList('http://x/')).toThrow(/entry 1/);
    expect(parseAllowList('')).toEqual({ networks: [], hostnames: new Set() });
  });
});
